"""The workload: what each system is asked, in the same words wherever it can be.

Every request has the service's HTTP form and the SPARQL the other systems run for the
same answer. For the named queries, the Linked Data pages and the research queries at
/sparql that is the very text the service runs, with its parameters bound the way the
service binds them (a VALUES block, ``sparql_text.bind_values``). For the REST filters
it is the SPARQL the service's read model sends to its store for that request (the slug
check and the commitment queries), recorded by running the read model over a store that
only writes the queries down.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pyoxigraph as ox
from rdflib import Literal, URIRef

from benchmarks.generate import Municipality
from platform_graph.rdf.sparql_text import bind_values
from platform_graph.read.describe import DESCRIBE
from platform_graph.read.model import CommitmentFilter, ReadModel
from platform_graph.read.named_queries import load_queries
from platform_graph.store import AskResult, GraphResult, QueryResult, SelectResult, Term
from platform_graph.vocab.namespaces import ID, sparql_prefixes

__all__ = [
    "FAMILIES",
    "HttpCall",
    "Query",
    "Request",
    "build_workload",
    "recorded_read_model_queries",
]

FAMILIES = ("named", "rest", "sparql", "ld")
FAMILY_TITLES = {
    "named": "named queries (/api/queries/…)",
    "rest": "REST filters (/api/commitments?…)",
    "sparql": "research queries (/sparql)",
    "ld": "Linked Data pages (/id/…, Turtle)",
}
SPARQL_JSON = "application/sparql-results+json"
TURTLE = "text/turtle"
PREFIXES = sparql_prefixes()


@dataclass(frozen=True, slots=True)
class HttpCall:
    method: str
    path: str
    params: tuple[tuple[str, str], ...] = ()
    accept: str = "application/json"

    @property
    def target(self) -> str:
        return self.path + ("?" + urlencode(self.params) if self.params else "")


@dataclass(frozen=True, slots=True)
class Query:
    """One SPARQL query and the format its answer is written in (JSON or Turtle)."""

    text: str
    construct: bool = False

    @property
    def accept(self) -> str:
        return TURTLE if self.construct else SPARQL_JSON


@dataclass(frozen=True, slots=True)
class Request:
    family: str
    name: str
    http: HttpCall
    sparql: tuple[Query, ...]
    small: bool = False  # a small answer: the probe for the HTTP overhead

    @property
    def key(self) -> str:
        return f"{self.family}:{self.name}"


class _RecordingStore:
    """A store that writes down every query and answers each with one made-up row.

    One row (every variable bound to "1") is enough for the read model to go on to the
    queries it sends after the first one; the answers themselves are never used.
    """

    def __init__(self) -> None:
        self.queries: list[str] = []
        self._empty = ox.Store()

    def query(
        self,
        sparql: str,
        *,
        dataset: object = None,
        bindings: Mapping[str, Term] | None = None,
        max_rows: int | None = None,
        base_iri: str | None = None,
    ) -> QueryResult:
        text = bind_values(sparql, bindings or {})
        self.queries.append(text)
        result = self._empty.query(text)
        if isinstance(result, ox.QuerySolutions):
            variables = [v.value for v in result.variables]
            return SelectResult(variables, [tuple(Literal("1") for _ in variables)])
        if isinstance(result, ox.QueryBoolean):
            return AskResult(True)
        return GraphResult()

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(f"the read model asked the store for {name}")


def recorded_read_model_queries(flt: CommitmentFilter) -> list[str]:
    """The SPARQL the REST read side sends for ``GET /api/commitments`` with ``flt``."""
    store = _RecordingStore()
    model = ReadModel(store)
    if flt.q is not None:
        # The words are matched in Python, over the rows of the unfiltered queries.
        flt = replace(flt, q=None)
    for kind in ("actor", "area", "theme", "section"):
        if getattr(flt, kind) is not None:
            model.slugs(kind)  # the slug check (rest._check_slug)
    model.commitments(flt)
    return store.queries


def _named(root: Path, m: Municipality) -> list[Request]:
    values = {
        "actor": f"{m.slug}-kommun",
        "area": f"{m.slug}-kommun",
        "section": m.sections[min(4, len(m.sections) - 1)],
        "theme": "trygghet",
        "string": m.words[0] if m.words else "kommun",
        "commitment": m.commitments[0],
    }
    out: list[Request] = []
    for name, q in sorted(load_queries(root / "queries").items()):
        params = {p.name: values[p.name] for p in q.parameters if p.required}
        if any(p.name == "platform" for p in q.parameters):
            # The named queries ask about one platform (Örebro's by default): this one's.
            params["platform"] = m.document.rsplit("/", 1)[-1]
        text = bind_values(q.text, q.bindings(params))
        out.append(
            Request(
                "named",
                name,
                HttpCall("GET", f"/api/queries/{name}", tuple(params.items())),
                (Query(text),),
            )
        )
    return out


def _rest(m: Municipality) -> list[Request]:
    cases: list[tuple[str, dict[str, str]]] = [
        ("area (with the places within)", {"area": f"{m.slug}-kommun"}),
        ("actor (with its parts)", {"actor": f"{m.slug}-kommun"}),
        ("theme", {"theme": "trygghet"}),
        ("section", {"section": m.sections[min(2, len(m.sections) - 1)]}),
        ("strength and status", {"strength": "binding", "status": "in-progress"}),
        ("deadline before 2025", {"deadline_before": "2025"}),
        ("words (q)", {"q": m.words[0] if m.words else "kommun"}),
    ]
    out: list[Request] = []
    for name, params in cases:
        flt = CommitmentFilter(**params)  # type: ignore[arg-type]
        queries = recorded_read_model_queries(flt)
        out.append(
            Request(
                "rest",
                name,
                HttpCall("GET", "/api/commitments", tuple(params.items())),
                tuple(Query(t) for t in queries),
            )
        )
    return out


def research_queries(m: Municipality) -> list[tuple[str, str, bool]]:
    """(name, SPARQL, small) — what a researcher asks of many platforms at once."""
    c = f"<{ID}commitment/{m.commitments[0]}>"
    word = m.words[0] if m.words else "kommun"
    return [
        (
            "one commitment's titles",
            f"SELECT ?title WHERE {{ {c} dcterms:title ?title }}",
            True,
        ),
        (
            "strength profile per platform",
            "SELECT ?platform ?strength (COUNT(?c) AS ?n) WHERE { ?c a pg:Commitment ; "
            "pg:strength ?strength ; prov:wasDerivedFrom ?platform } "
            "GROUP BY ?platform ?strength ORDER BY ?platform ?strength",
            False,
        ),
        (
            "fulfilment per platform",
            "SELECT ?platform ?status (COUNT(?c) AS ?n) WHERE { ?c a pg:Commitment ; "
            "pg:status ?status ; prov:wasDerivedFrom ?platform } "
            "GROUP BY ?platform ?status ORDER BY ?platform ?status",
            False,
        ),
        (
            "the police as partner, everywhere",
            f"SELECT ?c ?title ?platform WHERE {{ ?c pg:partnerActor <{ID}actor/polisen> ; "
            'dcterms:title ?title ; prov:wasDerivedFrom ?platform FILTER (lang(?title) = "sv") } '
            "ORDER BY ?platform ?c",
            False,
        ),
        (
            "deadlines before 2025, with the quote",
            "SELECT ?c ?deadline ?quote WHERE { ?c pg:deadline ?deadline ; "
            "oa:hasSelector ?s . ?s a oa:TextQuoteSelector ; oa:exact ?quote "
            'FILTER (STR(?deadline) < "2025") } ORDER BY ?deadline ?c LIMIT 200',
            False,
        ),
        (
            "words in a quote",
            "SELECT ?c ?quote WHERE { ?c a pg:Commitment ; oa:hasSelector ?s . "
            f'?s oa:exact ?quote FILTER (CONTAINS(LCASE(?quote), "{word.lower()}")) }} '
            "ORDER BY ?c LIMIT 100",
            False,
        ),
        (
            "latest assessments in one platform",
            "SELECT ?c ?status ?date WHERE { ?a a pg:Assessment ; pg:assesses ?c ; "
            "pg:status ?status ; dcterms:date ?date . "
            f"?c prov:wasDerivedFrom <{m.document}> }} ORDER BY DESC(?date) ?c LIMIT 50",
            False,
        ),
        (
            "commitments per CAP topic",
            "SELECT ?topic (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a pg:Commitment ; "
            "pg:theme ?theme . ?theme skos:closeMatch ?topic . "
            "?topic skos:inScheme pg:CAPMajorTopics } GROUP BY ?topic ORDER BY DESC(?n)",
            False,
        ),
    ]


def _sparql(m: Municipality) -> list[Request]:
    out: list[Request] = []
    for name, body, small in research_queries(m):
        text = PREFIXES + body
        out.append(
            Request(
                "sparql",
                name,
                HttpCall("GET", "/sparql", (("query", text),), accept=SPARQL_JSON),
                (Query(text),),
                small=small,
            )
        )
    return out


def _linked_data(m: Municipality) -> list[Request]:
    pages = [
        ("commitment", f"commitment/{m.commitments[0]}"),
        ("actor", f"actor/{m.slug}-kommun"),
        ("area", f"area/{m.slug}-kommun"),
        ("section", f"section/{m.sections[0]}"),
        ("platform document", f"document/{m.slug}-2022-2026"),
    ]
    out: list[Request] = []
    for name, path in pages:
        text = bind_values(DESCRIBE, {"iri": URIRef(ID[path])})
        out.append(
            Request(
                "ld",
                name,
                HttpCall("GET", f"/id/{path}", accept=TURTLE),
                (Query(text, construct=True),),
                small=name == "commitment",
            )
        )
    return out


@dataclass(slots=True)
class Workload:
    requests: list[Request] = field(default_factory=list)
    commitments: list[str] = field(default_factory=list)

    def family(self, name: str) -> list[Request]:
        return [r for r in self.requests if r.family == name]

    @property
    def small(self) -> Sequence[Request]:
        return [r for r in self.requests if r.small]


def build_workload(root: Path, m: Municipality) -> Workload:
    """The requests, with parameters taken from municipality ``m`` (present at every size)."""
    requests = [*_named(root, m), *_rest(m), *_sparql(m), *_linked_data(m)]
    return Workload(requests, list(m.commitments))
