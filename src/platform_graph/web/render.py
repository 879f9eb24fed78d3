"""The HTML pages: data from :mod:`platform_graph.web.page_data`, words from :mod:`.i18n`,
rendered server-side with Jinja2 templates.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from rdflib import Literal, URIRef
from starlette.requests import Request
from starlette.responses import HTMLResponse

from platform_graph.read.collation import label_key
from platform_graph.read.model import UnknownResource
from platform_graph.store import Term
from platform_graph.vocab.namespaces import ID, PREFIXES
from platform_graph.web.charts import Chart, bar_chart
from platform_graph.web.i18n import STRINGS, choose_lang
from platform_graph.web.page_data import (
    Description,
    Pages,
    Piece,
    Statement,
    example_query,
    local_path,
    prefixed,
)
from platform_graph.web.site import Site

__all__ = [
    "BROWSE_PATHS",
    "STATIC_DIR",
    "browse_page",
    "home_page",
    "platform_page",
    "resource_page",
    "search_page",
    "yasgui_page",
]

STATIC_DIR = Path(__file__).parent / "static"
TEMPLATES_DIR = Path(__file__).parent / "templates"
TOP = 10
# The platform's whole text is on /platform, not in a table cell.
_HIDDEN = {PREFIXES["pg"] + "fullText"}
BROWSE_PATHS = {
    "commitments": "commitment",
    "actors": "actor",
    "areas": "area",
    "themes": "theme",
    "sections": "section",
}
_LONG = 400

_env = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=select_autoescape(("html",)),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


class View:
    """What every template needs: the language, its words, labels and links."""

    def __init__(
        self, request: Request, lang: str, explicit: bool, labels: dict[str, dict[str, str]]
    ) -> None:
        self.request = request
        self.lang = lang
        self.other = "en" if lang == "sv" else "sv"
        self.explicit = explicit
        self.labels = labels
        self.words = STRINGS[lang]

    def t(self, key: str) -> str:
        return self.words[key]

    def text(self, values: Any) -> str:
        """A {sv, en} mapping in the page's language, else in the other."""
        if not values:
            return ""
        return str(values.get(self.lang) or values.get(self.other) or "")

    def label(self, iri: str) -> str:
        found = self.labels.get(iri, {})
        if found:
            return found.get(self.lang) or found.get(self.other) or iri
        return prefixed(iri) if not iri.startswith(str(ID)) else iri.rsplit("/", 1)[-1]

    def of(self, kind: str, slug: str) -> str:
        """The label of one of the graph's resources, by kind and slug."""
        return self.label(str(ID[f"{kind}/{slug}"]))

    def href(self, path: str) -> str:
        """A link inside the site, keeping a language the reader chose."""
        if not self.explicit:
            return path
        base, hash_, fragment = path.partition("#")
        sep = "&" if "?" in base else "?"
        return f"{base}{sep}lang={self.lang}{hash_}{fragment}"

    def id_href(self, kind: str, slug: str) -> str:
        return self.href(f"/id/{kind}/{slug}")

    def iri_href(self, iri: str) -> str | None:
        path = local_path(iri)
        return self.href(path) if path is not None else None

    def switch_href(self) -> str:
        params = [(k, v) for k, v in self.request.query_params.multi_items() if k != "lang"]
        params.append(("lang", self.other))
        return f"{self.request.url.path}?{urlencode(params)}"

    def value(self, term: Term) -> dict[str, Any]:
        """How to show an object of a triple: a link with a label, or a literal."""
        if isinstance(term, Literal):
            text = str(term)
            return {
                "text": text if len(text) <= _LONG else text[:_LONG] + " …",
                "lang": term.language,
                "href": None,
                "external": False,
            }
        iri = str(term)
        href = self.iri_href(iri)
        if href is None and isinstance(term, URIRef) and safe_link(iri):
            href = iri
        return {
            "text": self.label(iri),
            "lang": None,
            "href": href,
            "external": self.iri_href(iri) is None,
            "iri": iri,
        }

    def property(self, iri: str) -> str:
        found = self.labels.get(iri)
        return (found.get(self.lang) or found.get(self.other) or iri) if found else prefixed(iri)


_LINKABLE = re.compile(r"^https?://[^\s]+$", re.IGNORECASE)


def safe_link(iri: str) -> bool:
    """Only http and https IRIs become links: data never turns into script on a page
    (``javascript:``, ``data:`` and the like are shown as text)."""
    return _LINKABLE.match(iri) is not None


def _view(request: Request, pages: Pages) -> View:
    lang, explicit = choose_lang(
        request.query_params.get("lang"), request.headers.get("accept-language")
    )
    return View(request, lang, explicit, pages.labels())


def _respond(
    view: View, template: str, *, vary: str = "Accept-Language", **context: Any
) -> HTMLResponse:
    body = _env.get_template(template).render(v=view, **context)
    return HTMLResponse(
        body,
        headers={"Content-Language": view.lang, "Vary": vary},
    )


# --- home -------------------------------------------------------------------------------


def home_page(request: Request, site: Site) -> HTMLResponse:
    pages = site.pages()
    view = _view(request, pages)
    stats = pages.stats()
    by: dict[str, dict[str, int]] = stats["by"]

    def chart(name: str, kind: str, slugs: list[str]) -> Chart:
        counts = by.get(kind, {})
        return bar_chart(
            f"chart-{name}",
            view.t(f"chart_{name}"),
            [(view.of(kind, s), counts.get(s, 0), view.id_href(kind, s)) for s in slugs],
        )

    charts = [
        chart("theme", "theme", list(by.get("theme", {}))),
        chart("strength", "strength", pages.scale("strength")),
        chart("status", "status", pages.scale("status")),
        chart("kind", "kind", pages.scale("kind")),
        chart("actors", "actor", list(by.get("actor", {}))[:TOP]),
        chart("areas", "area", list(by.get("area", {}))[:TOP]),
    ]
    return _respond(
        view,
        "home.html",
        platform=pages.platform(),
        stats=stats,
        sections=len(pages.sections()),
        charts=charts,
    )


# --- the text ---------------------------------------------------------------------------


def platform_page(request: Request, site: Site) -> HTMLResponse:
    pages = site.pages()
    view = _view(request, pages)
    return _respond(
        view,
        "platform.html",
        platform=pages.platform(),
        sections=pages.sections_text(),
        strengths=pages.scale("strength"),
    )


def search_page(request: Request, site: Site) -> HTMLResponse:
    pages = site.pages()
    view = _view(request, pages)
    q = request.query_params.get("q", "").strip()[:200]
    commitments, contexts = pages.search(q) if q else ([], [])
    return _respond(view, "search.html", q=q, commitments=commitments, contexts=contexts)


def browse_page(request: Request, site: Site, kind: str | None) -> HTMLResponse:
    """/browse: the kinds of resources; /browse/{kinds}: every resource of one kind."""
    pages = site.pages()
    view = _view(request, pages)
    rm = site.read_model
    if kind is None:
        kinds = [(k, plural) for plural, k in BROWSE_PATHS.items()]
        return _respond(view, "browse.html", kind=None, kinds=kinds, items=[], sections=[])
    if kind == "commitment":
        by_section: dict[str, list[Any]] = defaultdict(list)
        for c in pages.commitments():
            by_section[c.section].append(c)
        sections = [(s["id"], by_section[s["id"]]) for s in pages.sections()]
        return _respond(view, "browse.html", kind=kind, sections=sections, items=[])
    items = rm.resources(kind)
    if kind != "section":
        # In the page's language, in its alphabetical order (Swedish: å, ä, ö after z).
        items.sort(key=lambda r: (label_key(view.text(r["label"]), view.lang), r["id"]))
    return _respond(view, "browse.html", kind=kind, items=items, sections=[])


# --- /id/... ------------------------------------------------------------------------------


def resource_page(request: Request, site: Site, path: str) -> HTMLResponse:
    """The page of one of the graph's resources, for /id/{path} asked for as HTML."""
    pages = site.pages()
    view = _view(request, pages)
    kind, _, slug = path.partition("/")
    iri = str(ID[path])
    description = pages.describe(iri)
    common: dict[str, Any] = {
        "iri": iri,
        "path": f"/id/{path}",
        "kind": kind,
        "description": description,
        "prop_rows": _properties(description, view),
        "part_rows": {k: _rows(v, view) for k, v in description.parts.items()},
    }
    vary = "Accept, Accept-Language"
    try:
        if kind == "commitment":
            return _commitment(view, pages, slug, common, vary)
        if kind == "context":
            return _context(view, pages, slug, common, vary)
        if kind in ("actor", "area", "theme", "section"):
            return _resource(view, pages, kind, slug, common, vary)
    except UnknownResource:
        pass
    return _respond(view, "describe.html", vary=vary, incoming=description.incoming, **common)


def _rows(pairs: list[tuple[str, Term]], view: View) -> list[tuple[str, str, dict[str, Any]]]:
    return [(p, view.property(p), view.value(o)) for p, o in pairs if p not in _HIDDEN]


def _properties(d: Description, view: View) -> list[tuple[str, str, dict[str, Any]]]:
    return _rows([(p, o) for p, o in d.outgoing if str(o) not in d.parts], view)


def _commitment(
    view: View, pages: Pages, slug: str, common: dict[str, Any], vary: str
) -> HTMLResponse:
    c = pages.commitment(slug)
    paragraph, before, after = pages.in_context(c.iri)
    facts = dict(common["description"].outgoing)
    assessments, assessments_total = pages.rm.assessments(slug, limit=ASSESSMENTS_SHOWN)
    return _respond(
        view,
        "commitment.html",
        vary=vary,
        c=c,
        paragraph=paragraph,
        before=before,
        after=after,
        assessments=assessments,
        assessments_total=assessments_total,
        cue=_literal(facts.get(PREFIXES["pg"] + "strengthCue")),
        note=_literal(facts.get(PREFIXES["skos"] + "editorialNote")),
        **common,
    )


ASSESSMENTS_SHOWN = 50
"""The most assessments a commitment's page lists (the newest); the API pages the rest."""


def _context(
    view: View, pages: Pages, slug: str, common: dict[str, Any], vary: str
) -> HTMLResponse:
    x = pages.context_statement(slug)
    paragraph, before, after = pages.in_context(x.iri)
    return _respond(
        view,
        "context.html",
        vary=vary,
        x=x,
        paragraph=paragraph,
        before=before,
        after=after,
        **common,
    )


def _resource(
    view: View, pages: Pages, kind: str, slug: str, common: dict[str, Any], vary: str
) -> HTMLResponse:
    r = pages.rm.resource(kind, slug)
    section = None
    if kind == "section":
        section = next(iter(pages.sections_text(only=slug)), None)
    shown = ("/id/commitment/", "/id/context/", "/id/sentence/")
    incoming = [
        (s, p)
        for s, p in common["description"].incoming
        if not any((local_path(s) or "").startswith(x) for x in shown)
    ]
    return _respond(
        view,
        "resource.html",
        vary=vary,
        r=r,
        section=section,
        incoming=incoming,
        **common,
    )


def _literal(term: Term | None) -> str | None:
    return str(term) if isinstance(term, Literal) else None


# --- /sparql ------------------------------------------------------------------------------


def yasgui_page(request: Request, site: Site) -> HTMLResponse:
    view = _view(request, site.pages())
    tabs = [
        {
            "name": q.name,
            "title": q.title,
            "description": q.description,
            "query": example_query(q),
        }
        for q in site.queries.values()
    ]
    config = {
        "endpoint": "/sparql",
        "tabs": tabs,
        "lang": view.lang,
        "prefixes": {p: PREFIXES[p] for p in ("pg", "id", "dcterms", "skos", "oa", "org", "xsd")},
        "idBase": str(ID),
        "chartLabel": view.t("chart"),
    }
    return _respond(view, "sparql.html", vary="Accept, Accept-Language", config=config, tabs=tabs)


def piece_class(piece: Piece) -> str:
    st: Statement | None = piece.statement
    if st is None:
        return ""
    if st.kind == "context":
        return "stmt context"
    return f"stmt commitment strength-{st.strength}"


_env.globals["piece_class"] = piece_class
