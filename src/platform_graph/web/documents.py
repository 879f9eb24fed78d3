"""Documents for people: the ontology's documentation page (/ontology for a browser) and
the index of the downloads (/data/), in the site's style, Swedish and English."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse

from platform_graph.read.ontology import ontology_header, ontology_terms
from platform_graph.vocab.namespaces import PG
from platform_graph.web.page_data import prefixed
from platform_graph.web.render import _respond, _view
from platform_graph.web.site import Site

__all__ = ["data_index_page", "ontology_page"]

KIND_HEADINGS = {
    "class": ("Klasser", "Classes"),
    "object property": ("Objektegenskaper", "Object properties"),
    "datatype property": ("Dataegenskaper", "Datatype properties"),
    "property": ("Övriga egenskaper", "Other properties"),
}


def _term_ref(iri: str) -> dict[str, Any]:
    """A link to a term: inside the page for the ontology's own, else to the IRI."""
    if iri.startswith(str(PG)):
        return {"href": "#" + iri[len(str(PG)) :], "text": prefixed(iri)}
    return {"href": iri, "text": prefixed(iri)}


def ontology_page(request: Request, site: Site) -> HTMLResponse:
    pages = site.pages()
    view = _view(request, pages)
    store = site.read_model.store
    terms = ontology_terms(store)
    groups = []
    for kind, (sv, en) in KIND_HEADINGS.items():
        members = [
            {
                "term": t,
                "broader": [_term_ref(b) for b in t.broader],
                "domain": [_term_ref(d) for d in t.domain],
                "range": [_term_ref(r) for r in t.range],
                "inverse": [_term_ref(i) for i in t.inverse],
            }
            for t in terms
            if t.kind == kind
        ]
        if members:
            groups.append(
                {"id": kind.replace(" ", "-"), "heading": {"sv": sv, "en": en}, "members": members}
            )
    return _respond(
        view,
        "ontology.html",
        vary="Accept, Accept-Language",
        header=ontology_header(store),
        groups=groups,
        namespace=str(PG),
    )


def data_index_page(request: Request, site: Site, downloads: list[dict[str, str]]) -> HTMLResponse:
    pages = site.pages()
    view = _view(request, pages)
    return _respond(view, "data.html", vary="Accept, Accept-Language", downloads=downloads)
