"""The W3C SPARQL 1.1 query-evaluation and update suites, replayed twice: on pyoxigraph in
this process (the baseline) and on the service over HTTP (the app with its query and
update workers, which are real processes).

The baseline is the engine as its own test harness runs it: a fresh in-memory store
with the test's data (``qt:data`` in the default graph, ``qt:graphData`` and the graphs
the query's own FROM / FROM NAMED names as named graphs, named by their file IRIs;
``ut:graphData`` by their labels), the query or update run with the file's IRI as base.

The service holds the data as a client's store would: every file of the query suite
loaded once, as a named graph named by its file IRI, and each query given its dataset
the way a client gives it: its own FROM / FROM NAMED, or ``default-graph-uri`` and
``named-graph-uri`` (a test with no data names ``EMPTY_GRAPH``, which is no graph: an
empty default graph). The base IRI is the query's own ``BASE``, put before its text.
Each query is asked for in every format the service offers for its form and each
answer is read back and compared exactly (``w3c_suite``), both with the expected
answer and with the engine's own answer to the same query. The update suite runs
through ``/update`` with an admin token (it DROPs and CLEARs graphs): before each test,
one update empties the store and inserts the test's data (its default graph into the
service's data graph, the default graph of /update); after the test's own update, the
dataset is read back through /sparql, the data graph as the default graph and the
service's change log left out.

``python -m tests.support.w3c_replay`` prints the figures section of
docs/conformance.md; the tests check that the section says what the replays find.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlparse
from urllib.request import url2pathname

import httpx2
import pyoxigraph as ox
from fastapi.testclient import TestClient

from platform_graph.rdf.sparql_text import analyse
from platform_graph.store.oxigraph import OxigraphStore
from platform_graph.vocab.namespaces import CHANGES_GRAPH, DATA_GRAPH
from tests.support.w3c_suite import (
    SUITE,
    Answer,
    QueryTest,
    Result,
    UpdateTest,
    answer,
    compare,
    csv_result,
    dataset_answer,
    graph_result,
    load_query_tests,
    load_update_tests,
    parse_rdf,
    read_expected,
    result_of,
    top_level_order,
    values_of,
)

__all__ = [
    "ENGINE_FAILS",
    "FORMATS",
    "FORMAT_NAMES",
    "QUERY_MARKERS",
    "SERVICE_LOSES_UPDATES",
    "UPDATE_MARKERS",
    "PreparedQuery",
    "QueryOutcome",
    "UpdateOutcome",
    "figures",
    "marked",
    "prepare",
    "query_figures",
    "query_store",
    "replay_queries",
    "replay_updates",
    "update_figures",
]

JSON = "application/sparql-results+json"
XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"
TURTLE = "text/turtle"
N_TRIPLES = "application/n-triples"
JSON_LD = "application/ld+json"
RDF_XML = "application/rdf+xml"
GRAPH_FORMATS = (TURTLE, N_TRIPLES, JSON_LD, RDF_XML)
FORMATS: dict[str, tuple[str, ...]] = {
    "SELECT": (JSON, XML, CSV, TSV),
    "ASK": (JSON, XML),
    "CONSTRUCT": GRAPH_FORMATS,
    "DESCRIBE": GRAPH_FORMATS,
}
"""What the service offers for each query form (api/sparql.py, results.py)."""
FORMAT_NAMES = {
    JSON: "SPARQL JSON",
    XML: "SPARQL XML",
    CSV: "CSV",
    TSV: "TSV",
    TURTLE: "Turtle",
    N_TRIPLES: "N-Triples",
    JSON_LD: "JSON-LD",
    RDF_XML: "RDF/XML",
}
_RESULTS = {JSON: ox.QueryResultsFormat.JSON, XML: ox.QueryResultsFormat.XML}
_RESULTS[TSV] = ox.QueryResultsFormat.TSV
_GRAPHS = {
    TURTLE: ox.RdfFormat.TURTLE,
    N_TRIPLES: ox.RdfFormat.N_TRIPLES,
    JSON_LD: ox.RdfFormat.JSON_LD,
    RDF_XML: ox.RdfFormat.RDF_XML,
}

EMPTY_GRAPH = "urn:x-platform-graph-test:w3c:no-graph"
"""The default graph asked for when a test has no data: no graph has this name."""

# --- why pyoxigraph fails what it fails (checked: the baseline fails exactly these) ------

LEXICAL = (
    "lexical forms: the engine stores numbers and booleans as values and writes them in "
    'its own canonical form ("1.0"^^xsd:decimal comes back "1", "0"^^xsd:boolean "false", '
    'a double 3.21E4 as "32100"), where the suite expects the lexical forms it writes'
)
GROUP_CONCAT_LANGUAGE = (
    "GROUP_CONCAT of literals sharing a language tag keeps the tag; the suite expects a "
    "simple literal"
)
COUNT_IN_GRAPH = (
    "an aggregate subquery without GROUP BY inside GRAPH ?g gives one row, without ?g, "
    "instead of one row per graph"
)
VALUES_IN_GRAPH = (
    "VALUES inside GRAPH ?g binding ?g to UNDEF: the row is not joined with each graph's name"
)
BNODE_PER_SOLUTION = (
    "BNODE(?s) gives the same blank node for the same string in every solution; the suite "
    "expects a new one per solution"
)
MINUS_IN_GRAPH = (
    "MINUS inside GRAPH ?g counts ?g as shared by both sides, which are then not disjoint"
)
ZERO_LENGTH_PATH = (
    "a zero-length path (p* or p?) with a constant at one end, on an empty graph, gives no "
    "solution; the suite expects the constant itself"
)
DERIVED_TYPES = (
    "datatypes and lexical forms in the results-format tests: the engine stores a double in "
    'its own canonical form ("1.0E6" comes back "1000000") and an integer of a derived type '
    '("-3"^^xsd:negativeInteger) as an xsd:integer'
)

ENGINE_FAILS: dict[str, str] = {
    **dict.fromkeys(
        [
            "aggregates/agg-sum-02",
            "aggregates/agg-avg-02",
            "aggregates/agg-min-01",
            "aggregates/agg-min-02",
            "aggregates/agg-max-01",
            "aggregates/agg-max-02",
            "aggregates/agg-err-02",
            "aggregates/agg-max-distinct",
            "aggregates/agg-min-distinct",
            "cast/cast-bool",
            "cast/cast-int",
            "cast/cast-float",
            "cast/cast-double",
            "cast/cast-decimal",
            "cast/cast-string",
            "functions/plus-1-corrected",
            "functions/plus-2-corrected",
            "functions/coalesce01",
        ],
        LEXICAL,
    ),
    "aggregates/agg-groupconcat-04": GROUP_CONCAT_LANGUAGE,
    "aggregates/agg-groupconcat-06": GROUP_CONCAT_LANGUAGE,
    "aggregates/agg-empty-group-count-graph": COUNT_IN_GRAPH,
    "bindings/graph": VALUES_IN_GRAPH,
    "functions/bnode01": BNODE_PER_SOLUTION,
    "negation/graph-minus": MINUS_IN_GRAPH,
    "property-path/zero_or_more_set_start": ZERO_LENGTH_PATH,
    "property-path/zero_or_more_set_end": ZERO_LENGTH_PATH,
    "property-path/zero_or_one_set_start": ZERO_LENGTH_PATH,
    "property-path/zero_or_one_set_end": ZERO_LENGTH_PATH,
    "csv-tsv-res/csv03": DERIVED_TYPES,
    "csv-tsv-res/tsv03": DERIVED_TYPES,
}
"""The query tests pyoxigraph in process fails, and why: the engine's own semantics."""

SERVICE_LOSES_UPDATES: dict[str, str] = {}
"""The update tests the service fails where pyoxigraph passes: a policy outside the files
the engine's answers pass through (checked: exactly these, with the refusal)."""


# --- the query suite ----------------------------------------------------------------------


def _suite_file(iri: str) -> Path | None:
    parsed = urlparse(iri)
    if parsed.scheme != "file":
        return None
    path = Path(url2pathname(parsed.path))
    return path if path.is_relative_to(SUITE) and path.is_file() else None


@dataclass(frozen=True, slots=True)
class PreparedQuery:
    """A query test as the replays run it."""

    test: QueryTest
    text: str
    """The query, with ``BASE <its file>`` before it: how a client gives the base IRI."""
    form: str
    ordered: bool
    own_dataset: tuple[Path, ...]
    """The files the query's own FROM and FROM NAMED name (empty: it names no dataset)."""
    names_dataset: bool

    def graph_files(self) -> set[Path]:
        """Every file the test needs in the store as a named graph."""
        return {*self.test.data, *self.test.graph_data, *self.own_dataset}

    def protocol_dataset(self) -> list[tuple[str, str]]:
        """The dataset as protocol parameters, when the query names none itself."""
        if self.names_dataset:
            return []
        default = [f.as_uri() for f in self.test.data]
        named = [f.as_uri() for f in self.test.graph_data]
        if not default and not named:
            default = [EMPTY_GRAPH]
        return [("default-graph-uri", g) for g in default] + [("named-graph-uri", g) for g in named]


def prepare(test: QueryTest) -> PreparedQuery:
    text = f"BASE <{test.query.as_uri()}>\n" + test.query.read_text(encoding="utf-8")
    analysis = analyse(text)
    assert analysis.form is not None, f"{test.id}: no query form"
    named = [*analysis.from_graphs, *analysis.from_named_graphs]
    files = tuple(f for f in map(_suite_file, named) if f is not None)
    assert len(files) == len(named), f"{test.id} names a graph that is not a file: {named}"
    shared = set(test.data) & set(test.graph_data)
    for file in shared:
        # One graph in the service stands for both: faithful only without blank nodes.
        assert not any(_has_blank(t) for t in parse_rdf(file)), f"{test.id}: {file.name}"
    return PreparedQuery(test, text, analysis.form, top_level_order(text), files, bool(named))


def _has_blank(t: ox.Triple) -> bool:
    return isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode)


def _quads(file: Path, graph: ox.NamedNode | ox.DefaultGraph) -> list[ox.Quad]:
    return [ox.Quad(t.subject, t.predicate, t.object, graph) for t in parse_rdf(file)]


def engine_answer(query: PreparedQuery) -> Result:
    """pyoxigraph's answer, in process, on a fresh store holding the test's dataset."""
    store = ox.Store()
    for file in query.test.data:
        store.extend(_quads(file, ox.DefaultGraph()))
    for file in {*query.test.graph_data, *query.own_dataset}:
        store.extend(_quads(file, ox.NamedNode(file.as_uri())))
    text = query.test.query.read_text(encoding="utf-8")
    return result_of(store.query(text, base_iri=query.test.query.as_uri()))


def query_store(queries: Iterable[PreparedQuery]) -> OxigraphStore:
    """Every file the query tests need, once each, as a named graph named by its file IRI."""
    files = sorted({f for q in queries for f in q.graph_files()})
    quads = [q for f in files for q in _quads(f, ox.NamedNode(f.as_uri()))]
    body = ox.serialize(quads, format=ox.RdfFormat.N_QUADS)
    assert body is not None
    store = OxigraphStore(None)
    store.load(body, "application/n-quads")
    return store


@dataclass(slots=True)
class QueryOutcome:
    id: str
    form: str
    engine: str | None
    """None when pyoxigraph in process passes; else what differs (or its error)."""
    service: dict[str, str | None] = field(default_factory=dict)
    """By media type: None when the service's answer passes; else what differs."""
    as_engine: dict[str, str | None] = field(default_factory=dict)
    """By media type: None when the service's answer is the engine's own; else the difference."""


def _read_answer(media: str, body: bytes) -> Result:
    if media == CSV:
        return csv_result(body)
    if media in _RESULTS:
        return result_of(ox.parse_query_results(body, _RESULTS[media]))
    return graph_result(ox.parse(body, _GRAPHS[media]))


def replay_query(client: TestClient, query: PreparedQuery) -> QueryOutcome:
    expected = read_expected(query.test.result, query.form)
    ordered = query.ordered
    # An answer expected as CSV says values only: every answer is reduced to them.
    as_expected = values_of if expected.kind == "values" else _same
    engine: Result | None = None
    try:
        engine = engine_answer(query)
        engine_failure = compare(
            answer(expected, ordered=ordered), answer(as_expected(engine), ordered=ordered)
        )
    except (SyntaxError, OSError, ValueError) as exc:  # pyoxigraph's errors
        engine_failure = f"{type(exc).__name__}: {exc}"
    outcome = QueryOutcome(query.test.id, query.form, engine_failure)
    body = urlencode([("query", query.text), *query.protocol_dataset()]).encode()
    for media in FORMATS[query.form]:
        response = client.post(
            "/sparql",
            content=body,
            headers={"Accept": media, "Content-Type": "application/x-www-form-urlencoded"},
        )
        if response.status_code != 200:
            failure = f"HTTP {response.status_code}: {response.text[:300]}"
            outcome.service[media] = outcome.as_engine[media] = failure
            continue
        try:
            got = _read_answer(media, response.content)
        except (SyntaxError, ValueError, AssertionError) as exc:
            failure = f"unreadable {FORMAT_NAMES[media]}: {exc}"
            outcome.service[media] = outcome.as_engine[media] = failure
            continue
        reduce = values_of if media == CSV else _same
        actual = answer(got, ordered=ordered)
        outcome.service[media] = compare(
            answer(reduce(expected), ordered=ordered), answer(as_expected(got), ordered=ordered)
        )
        outcome.as_engine[media] = (
            "the engine gave no answer"
            if engine is None
            else compare(answer(reduce(engine), ordered=ordered), actual)
        )
    return outcome


def _same(result: Result) -> Result:
    return result


def replay_queries(client: TestClient, queries: Iterable[PreparedQuery]) -> list[QueryOutcome]:
    return [replay_query(client, query) for query in queries]


# --- the update suite ---------------------------------------------------------------------


def _dataset(default: Iterable[Path], named: Iterable[tuple[str, Path]]) -> list[ox.Quad]:
    quads = [q for f in default for q in _quads(f, ox.DefaultGraph())]
    quads += [q for name, f in named for q in _quads(f, ox.NamedNode(name))]
    return quads


def _before(test: UpdateTest) -> list[ox.Quad]:
    return _dataset(test.data, [(g.name, g.file) for g in test.graph_data])


def _after(test: UpdateTest) -> list[ox.Quad]:
    return _dataset(test.result_data, [(g.name, g.file) for g in test.result_graph_data])


@dataclass(slots=True)
class UpdateOutcome:
    id: str
    engine: str | None
    """None when pyoxigraph's own update gives the expected dataset; else what differs."""
    service: str | None
    """None when /update gives the expected dataset; else what differs (or its answer)."""
    as_engine: str | None
    """None when /update gives the dataset pyoxigraph's own update gives."""


def _update_text(test: UpdateTest) -> str:
    return f"BASE <{test.request.as_uri()}>\n" + test.request.read_text(encoding="utf-8")


def engine_update(test: UpdateTest) -> list[ox.Quad]:
    store = ox.Store()
    store.extend(_before(test))
    store.update(test.request.read_text(encoding="utf-8"), base_iri=test.request.as_uri())
    return list(store)


def _insert_data(quads: list[ox.Quad]) -> str:
    """The dataset as INSERT DATA for /update: its default graph is the data graph."""
    lines = []
    for q in quads:
        triple = f"{q.subject} {q.predicate} {q.object} ."
        graph = q.graph_name
        lines.append(
            triple if isinstance(graph, ox.DefaultGraph) else f"GRAPH {graph} {{ {triple} }}"
        )
    return "INSERT DATA {\n" + "\n".join(lines) + "\n}"


_READ_BACK = (
    f"SELECT ?g ?s ?p ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != <{CHANGES_GRAPH}>) }}"
)


def _service_dataset(client: TestClient) -> list[ox.Quad]:
    """The dataset /update sees: the data graph as the default graph, no change log."""
    response = client.post(
        "/sparql",
        content=urlencode({"query": _READ_BACK}).encode(),
        headers={"Accept": JSON, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200, response.text
    rows = ox.parse_query_results(response.content, ox.QueryResultsFormat.JSON)
    assert isinstance(rows, ox.QuerySolutions)
    quads = []
    for row in rows:
        graph, s, p, o = row["g"], row["s"], row["p"], row["o"]
        assert isinstance(graph, ox.NamedNode)
        assert isinstance(s, ox.NamedNode | ox.BlankNode)
        assert isinstance(p, ox.NamedNode)
        assert o is not None
        name = ox.DefaultGraph() if graph.value == str(DATA_GRAPH) else graph
        quads.append(ox.Quad(s, p, o, name))
    return quads


def replay_update(client: TestClient, test: UpdateTest, token: str) -> UpdateOutcome:
    expected = dataset_answer(_after(test))
    engine: Answer | None = None
    try:
        engine = dataset_answer(engine_update(test))
        engine_failure = compare(expected, engine)
    except (SyntaxError, OSError, ValueError) as exc:  # pyoxigraph's errors
        engine_failure = f"{type(exc).__name__}: {exc}"
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/sparql-update"}
    setup = "DROP ALL"
    before = _before(test)
    if before:
        setup += " ;\n" + _insert_data(before)
    response = client.post("/update", content=setup.encode(), headers=headers)
    assert response.status_code in (200, 201), f"{test.id}: setting up: {response.text}"
    response = client.post("/update", content=_update_text(test).encode(), headers=headers)
    if response.status_code not in (200, 201):
        failure = f"HTTP {response.status_code}: {_detail(response)}"
        return UpdateOutcome(test.id, engine_failure, failure, failure)
    actual = dataset_answer(_service_dataset(client))
    as_engine = "the engine gave no answer" if engine is None else compare(engine, actual)
    return UpdateOutcome(test.id, engine_failure, compare(expected, actual), as_engine)


def _detail(response: httpx2.Response) -> str:
    try:
        return str(json.loads(response.content)["detail"])
    except (ValueError, KeyError, TypeError):
        return response.text[:300]


def replay_updates(
    client: TestClient, tests: Iterable[UpdateTest], token: str
) -> list[UpdateOutcome]:
    return [replay_update(client, test, token) for test in tests]


# --- the figures ----------------------------------------------------------------------------


def _ids(ids: Iterable[str]) -> str:
    return ", ".join(f"`{i}`" for i in ids)


def _by_reason(failures: dict[str, str]) -> list[str]:
    reasons: dict[str, list[str]] = {}
    for test_id, reason in failures.items():
        reasons.setdefault(reason, []).append(test_id)
    return [f"- {reason}: {_ids(ids)}." for reason, ids in reasons.items()]


def query_figures(outcomes: list[QueryOutcome]) -> str:
    """The query suite's figures, as docs/conformance.md says them (markdown)."""
    forms: dict[str, int] = {}
    for o in outcomes:
        forms[o.form] = forms.get(o.form, 0) + 1
    engine_passes = sum(o.engine is None for o in outcomes)
    lines = [
        "### Query evaluation",
        "",
        "`manifest-sparql11-query.ttl` and `manifest-sparql11-results.ttl`: "
        f"{len(outcomes)} tests ("
        + ", ".join(f"{n} {form}" for form, n in sorted(forms.items(), key=lambda f: -f[1]))
        + f"), pyoxigraph {ox.__version__}.",
        "",
        "| Who, in which format | passes |",
        "| --- | --- |",
        f"| pyoxigraph in process | {engine_passes} of {len(outcomes)} |",
    ]
    for media in FORMAT_NAMES:
        offered = [o for o in outcomes if media in o.service]
        passes = sum(o.service[media] is None for o in offered)
        forms_offering = "/".join(f for f in FORMATS if media in FORMATS[f] and f in forms)
        lines.append(
            f"| the service, {FORMAT_NAMES[media]} ({forms_offering}) | "
            f"{passes} of {len(offered)} |"
        )
    lost = {
        f"{o.id} in {FORMAT_NAMES[m]}": why
        for o in outcomes
        if o.engine is None
        for m, why in o.service.items()
        if why is not None
    }
    unlike_engine = {
        f"{o.id} in {FORMAT_NAMES[m]}": why
        for o in outcomes
        for m, why in o.as_engine.items()
        if why is not None
    }
    engine_fails = {o.id: ENGINE_FAILS.get(o.id, o.engine or "") for o in outcomes if o.engine}
    lines += [
        "",
        "Tests pyoxigraph passes that the service fails: "
        + ("none." if not lost else f"{len(lost)}."),
        *(f"- `{where}`: {why}" for where, why in lost.items()),
        "",
        "Answers of the service that are not the engine's own (exactly, in that format): "
        + ("none." if not unlike_engine else f"{len(unlike_engine)}."),
        *(f"- `{where}`: {why}" for where, why in unlike_engine.items()),
        "",
        f"The {len(engine_fails)} tests pyoxigraph fails, and why (the service answers them "
        "as the engine does, in every format):",
        "",
        *_by_reason(engine_fails),
    ]
    return "\n".join(lines) + "\n"


def update_figures(outcomes: list[UpdateOutcome]) -> str:
    """The update suite's figures, as docs/conformance.md says them (markdown)."""
    engine_passes = sum(o.engine is None for o in outcomes)
    service_passes = sum(o.service is None for o in outcomes)
    engine_fails = {o.id: o.engine for o in outcomes if o.engine is not None}
    lost = {
        o.id: SERVICE_LOSES_UPDATES.get(o.id, o.service)
        for o in outcomes
        if o.engine is None and o.service is not None
    }
    lines = [
        "### Update evaluation",
        "",
        f"`manifest-sparql11-update.ttl`: {len(outcomes)} `mf:UpdateEvaluationTest`s, "
        f"pyoxigraph {ox.__version__}.",
        "",
        "| Who | passes |",
        "| --- | --- |",
        f"| pyoxigraph in process (`Store.update`) | {engine_passes} of {len(outcomes)} |",
        f"| the service (`POST /update`, admin token) | {service_passes} of {len(outcomes)} |",
        "",
        f"Tests pyoxigraph fails: {len(engine_fails) or 'none'}.",
        *(f"- `{i}`: {why}" for i, why in engine_fails.items()),
        "",
        f"Tests pyoxigraph passes that the service fails: {len(lost) or 'none'}.",
        "",
        *_by_reason({i: why for i, why in lost.items() if why is not None}),
    ]
    return "\n".join(lines).rstrip("\n") + "\n"


QUERY_MARKERS = ("<!-- figures: query suite -->\n", "<!-- end of figures: query suite -->\n")
UPDATE_MARKERS = ("<!-- figures: update suite -->\n", "<!-- end of figures: update suite -->\n")


def marked(text: str, markers: tuple[str, str]) -> str:
    """A figures block as docs/conformance.md holds it, between its markers."""
    return markers[0] + "\n" + text + "\n" + markers[1]


def figures(query: list[QueryOutcome], update: list[UpdateOutcome]) -> str:
    """Both blocks, as docs/conformance.md holds them."""
    return (
        marked(query_figures(query), QUERY_MARKERS)
        + "\n"
        + marked(update_figures(update), UPDATE_MARKERS)
    )


def main() -> None:
    """Replay both suites on the app in process and print the figures section."""
    from tests.support.inprocess import ADMIN, service

    started = time.monotonic()
    queries = [prepare(t) for t in load_query_tests()]
    with service(query_store(queries)) as client:
        query = replay_queries(client, queries)
    query_seconds = time.monotonic() - started
    started = time.monotonic()
    with service(OxigraphStore(None)) as client:
        update = replay_updates(client, load_update_tests(), ADMIN)
    update_seconds = time.monotonic() - started
    sys.stdout.write(figures(query, update))
    sys.stderr.write(f"query suite {query_seconds:.1f} s, update suite {update_seconds:.1f} s\n")


if __name__ == "__main__":
    main()
