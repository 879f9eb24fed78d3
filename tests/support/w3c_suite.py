"""The W3C SPARQL 1.1 query-evaluation and update suites: their manifests, and exact comparison.

The suite is a copy under ``tests/conformance/w3c-sparql11/`` (see its LICENSE.md) of
the directories that ``manifest-sparql11-query.ttl``, ``manifest-sparql11-results.ttl``
and ``manifest-sparql11-update.ttl`` include, each with its manifest and the files its
evaluation tests name. Every file is read with its own ``file:`` IRI as base, as the
manifests are written.

Answers are compared exactly, on pyoxigraph's terms (never rdflib's, which rewrite
lexical forms): literal lexical forms, datatypes and languages, blank nodes up to
isomorphism, solutions as a multiset, in order when the query orders them. A table of
solutions is compared as a graph (one blank node per row, one triple per binding, the
row's place when order counts) canonicalised by pyoxigraph, so one blank node mapping
holds across all rows. CSV holds values only (SPARQL 1.1 Query Results CSV): it is
compared as values, with ``_:`` cells as blank nodes and an empty cell as unbound.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

import pyoxigraph as ox
from rdflib import RDF, RDFS, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from platform_graph.rdf.sparql_text import tokens

__all__ = [
    "QUERY_MANIFEST",
    "QUERY_MANIFESTS",
    "RESULTS_MANIFEST",
    "SUITE",
    "UPDATE_MANIFEST",
    "Answer",
    "NamedGraphFile",
    "QueryTest",
    "Result",
    "UpdateTest",
    "answer",
    "compare",
    "csv_result",
    "dataset_answer",
    "graph_result",
    "load_query_tests",
    "load_update_tests",
    "manifests",
    "parse_rdf",
    "read_expected",
    "result_of",
    "top_level_order",
    "values_of",
]

SUITE = Path(__file__).resolve().parents[1] / "conformance" / "w3c-sparql11"
QUERY_MANIFEST = "manifest-sparql11-query.ttl"
RESULTS_MANIFEST = "manifest-sparql11-results.ttl"
"""The results-format tests (CSV, TSV, SPARQL JSON): query evaluation whose expected
answer is written in the format under test, so they are replayed with the query suite."""
QUERY_MANIFESTS = (QUERY_MANIFEST, RESULTS_MANIFEST)
UPDATE_MANIFEST = "manifest-sparql11-update.ttl"

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
QT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-query#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")

_ROW = ox.NamedNode("urn:x-w3c-suite:row")
_PLACE = ox.NamedNode("urn:x-w3c-suite:place")
_BOOLEAN = ox.NamedNode("urn:x-w3c-suite:boolean")
_VARIABLES = ox.NamedNode("urn:x-w3c-suite:variables")
_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")

Term = ox.NamedNode | ox.BlankNode | ox.Literal


# --- the manifests ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QueryTest:
    """An ``mf:QueryEvaluationTest``: its query, dataset and expected answer."""

    id: str
    """``directory/name``, e.g. ``construct/constructwhere04``."""
    query: Path
    data: tuple[Path, ...]
    graph_data: tuple[Path, ...]
    result: Path

    def files(self) -> tuple[Path, ...]:
        return (self.query, *self.data, *self.graph_data, self.result)


@dataclass(frozen=True, slots=True)
class NamedGraphFile:
    name: str
    file: Path


@dataclass(frozen=True, slots=True)
class UpdateTest:
    """An ``mf:UpdateEvaluationTest``: the dataset before, the request, the dataset after."""

    id: str
    request: Path
    data: tuple[Path, ...]
    graph_data: tuple[NamedGraphFile, ...]
    result_data: tuple[Path, ...]
    result_graph_data: tuple[NamedGraphFile, ...]

    def files(self) -> tuple[Path, ...]:
        return (
            self.request,
            *self.data,
            *(g.file for g in self.graph_data),
            *self.result_data,
            *(g.file for g in self.result_graph_data),
        )


def _local_file(iri: Node, root: Path) -> Path:
    assert isinstance(iri, URIRef), f"not a file of the suite: {iri!r}"
    parsed = urlparse(str(iri))
    assert parsed.scheme == "file", f"not a file of the suite: {iri}"
    path = Path(url2pathname(parsed.path)).resolve()
    assert path.is_relative_to(root), f"outside the suite: {path}"
    return path


def _parse_manifest(path: Path) -> Graph:
    graph = Graph()
    graph.parse(path, format="turtle", publicID=path.as_uri())
    return graph


def manifests(top: str, root: Path = SUITE) -> list[tuple[Path, Graph]]:
    """The manifests ``top`` includes, in its order, each parsed with its file as base."""
    path = root / top
    graph = _parse_manifest(path)
    head = graph.value(URIRef(path.as_uri()), MF.include)
    assert head is not None, f"{top} includes nothing"
    out: list[tuple[Path, Graph]] = []
    for included in Collection(graph, head):
        file = _local_file(included, root)
        out.append((file, _parse_manifest(file)))
    return out


def _entries(path: Path, graph: Graph) -> Iterator[tuple[str, Node]]:
    head = graph.value(URIRef(path.as_uri()), MF.entries)
    assert head is not None, f"{path} lists no entries"
    for entry in Collection(graph, head):
        assert isinstance(entry, URIRef), f"an entry of {path} is not an IRI: {entry!r}"
        yield f"{path.parent.name}/{str(entry).rpartition('#')[2]}", entry


def _files(graph: Graph, subject: Node, predicate: URIRef, root: Path) -> tuple[Path, ...]:
    return tuple(sorted(_local_file(o, root) for o in graph.objects(subject, predicate)))


def _named(graph: Graph, subject: Node, root: Path) -> tuple[NamedGraphFile, ...]:
    found = []
    for node in graph.objects(subject, UT.graphData):
        label = graph.value(node, RDFS.label)
        assert isinstance(label, Literal), f"ut:graphData without a name: {node}"
        file = graph.value(node, UT.graph)
        assert file is not None, f"ut:graphData without a file: {node}"
        found.append(NamedGraphFile(str(label), _local_file(file, root)))
    return tuple(sorted(found, key=lambda g: g.name))


def load_query_tests(root: Path = SUITE) -> list[QueryTest]:
    """Every ``mf:QueryEvaluationTest`` of the SPARQL 1.1 query manifests, then those and
    the ``mf:CSVResultFormatTest``s of the results-format manifests, in their order."""
    tests: list[QueryTest] = []
    for path, graph in (m for top in QUERY_MANIFESTS for m in manifests(top, root)):
        for test_id, entry in _entries(path, graph):
            kinds = {MF.QueryEvaluationTest, MF.CSVResultFormatTest}
            if not any((entry, RDF.type, kind) in graph for kind in kinds):
                continue
            action = graph.value(entry, MF.action)
            assert action is not None, f"{test_id} has no mf:action"
            (query,) = _files(graph, action, QT.query, root)
            (result,) = _files(graph, entry, MF.result, root)
            tests.append(
                QueryTest(
                    id=test_id,
                    query=query,
                    data=_files(graph, action, QT.data, root),
                    graph_data=_files(graph, action, QT.graphData, root),
                    result=result,
                )
            )
    return tests


def load_update_tests(root: Path = SUITE) -> list[UpdateTest]:
    """Every ``mf:UpdateEvaluationTest`` of the SPARQL 1.1 update manifests, in their order."""
    tests: list[UpdateTest] = []
    for path, graph in manifests(UPDATE_MANIFEST, root):
        for test_id, entry in _entries(path, graph):
            if (entry, RDF.type, MF.UpdateEvaluationTest) not in graph:
                continue
            action = graph.value(entry, MF.action)
            result = graph.value(entry, MF.result)
            assert action is not None, f"{test_id} has no mf:action"
            assert result is not None, f"{test_id} has no mf:result"
            outcome = graph.value(result, UT.result)
            assert outcome in (None, UT.success), f"{test_id} expects {outcome}"
            (request,) = _files(graph, action, UT.request, root)
            tests.append(
                UpdateTest(
                    id=test_id,
                    request=request,
                    data=_files(graph, action, UT.data, root),
                    graph_data=_named(graph, action, root),
                    result_data=_files(graph, result, UT.data, root),
                    result_graph_data=_named(graph, result, root),
                )
            )
    return tests


# --- reading the suite's files -----------------------------------------------------------


def parse_rdf(path: Path) -> list[ox.Triple]:
    """The triples of a data file of the suite, its relative IRIs resolved against itself."""
    fmt = ox.RdfFormat.from_extension(path.suffix.removeprefix("."))
    assert fmt is not None, f"no RDF format for {path.name}"
    quads = ox.parse(path=path, format=fmt, base_iri=path.as_uri(), rename_blank_nodes=True)
    return [q.triple for q in quads]


def top_level_order(text: str) -> bool:
    """Whether the query orders its answer: ORDER BY outside every group (not a subquery's)."""
    depth = 0
    previous = ""
    for tok in tokens(text):
        if tok.text == "{":
            depth += 1
        elif tok.text == "}":
            depth -= 1
        word = tok.text.upper() if tok.kind == "word" else ""
        if depth == 0 and previous == "ORDER" and word == "BY":
            return True
        previous = word
    return False


# --- results and answers ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Result:
    """A query's answer as read: solutions, a boolean, a graph, or CSV values.

    ``kind`` is ``solutions``, ``boolean``, ``graph`` or ``values`` (what CSV holds:
    each value a simple literal, a blank node, or None for an empty cell).
    """

    kind: str
    variables: tuple[str, ...] = ()
    rows: tuple[tuple[Term | None, ...], ...] = ()
    boolean: bool | None = None
    triples: tuple[ox.Triple, ...] = ()


def result_of(found: object) -> Result:
    """pyoxigraph's answer (solutions, boolean or triples) as a Result."""
    if isinstance(found, ox.QueryBoolean):
        return Result("boolean", boolean=bool(found))
    if isinstance(found, ox.QuerySolutions):
        variables = tuple(v.value for v in found.variables)
        rows = tuple(tuple(solution[v] for v in variables) for solution in found)
        return Result("solutions", variables, rows)
    assert isinstance(found, ox.QueryTriples), f"not a query result: {found!r}"
    return Result("graph", triples=tuple(found))


def graph_result(triples: Iterable[ox.Triple]) -> Result:
    return Result("graph", triples=tuple(triples))


def _csv_value(text: str) -> Term | None:
    if text == "":
        return None  # an empty cell: unbound, or an empty literal (CSV cannot tell them apart)
    if text.startswith("_:"):
        return ox.BlankNode(text[2:])
    return ox.Literal(text)


def _csv_cell(term: Term | None) -> str:
    """What SPARQL 1.1 CSV writes for a term: its value (a blank node as ``_:label``)."""
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return term.value


def csv_result(body: bytes) -> Result:
    """A CSV results document (RFC 4180: a header of variable names, then rows), as values."""
    records = list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))
    assert records, "a CSV answer without a header line"
    variables, *rows = records
    # A line holding one empty cell reads as no cells at all.
    rows = [[""] if not row and len(variables) == 1 else row for row in rows]
    for row in rows:
        assert len(row) == len(variables), f"a CSV row of {len(row)} cells: {row}"
    return Result(
        "values", tuple(variables), tuple(tuple(_csv_value(c) for c in row) for row in rows)
    )


def values_of(result: Result) -> Result:
    """Solutions reduced to what CSV can say of them: values only."""
    if result.kind == "values":
        return result
    assert result.kind == "solutions", f"CSV holds solutions only, not a {result.kind}"
    rows = tuple(tuple(_csv_value(_csv_cell(t)) for t in row) for row in result.rows)
    return Result("values", result.variables, rows)


@dataclass(frozen=True, slots=True)
class Answer:
    """A Result reduced to a canonical dataset: equal answers are equal datasets.

    Solutions become one blank node per row, with a triple per binding (and the row's
    place when order counts), so one blank node mapping holds across all rows and a
    row's multiplicity counts. ``lines`` show each row or triple (blank nodes as
    ``_:``), for the failure messages.
    """

    kind: str
    dataset: ox.Dataset
    lines: tuple[str, ...]


def _canonical(quads: Iterable[ox.Quad]) -> ox.Dataset:
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return dataset


def _shown(term: object) -> str:
    return "_:" if isinstance(term, ox.BlankNode) else str(term)


def answer(result: Result, *, ordered: bool) -> Answer:
    """The canonical form of ``result``; rows compared in order when ``ordered``."""
    default = ox.DefaultGraph()
    if result.kind == "boolean":
        truth = ox.Literal(str(result.boolean).lower())
        return Answer(
            "boolean",
            _canonical([ox.Quad(_BOOLEAN, _BOOLEAN, truth, default)]),
            (f"boolean {result.boolean}",),
        )
    if result.kind == "graph":
        quads = [ox.Quad(t.subject, t.predicate, t.object, default) for t in result.triples]
        lines = tuple(
            " ".join(_shown(x) for x in (t.subject, t.predicate, t.object)) for t in result.triples
        )
        return Answer("graph", _canonical(quads), lines)
    names = " ".join(sorted(result.variables))
    quads = [ox.Quad(_VARIABLES, _VARIABLES, ox.Literal(names), default)]
    rows = [f"variables ({names})"]
    for place, row in enumerate(result.rows):
        node = ox.BlankNode()
        quads.append(ox.Quad(node, _ROW, _ROW, default))
        if ordered:
            index = ox.Literal(str(place), datatype=_INTEGER)
            quads.append(ox.Quad(node, _PLACE, index, default))
        bound = [(v, t) for v, t in zip(result.variables, row, strict=True) if t is not None]
        for variable, value in bound:
            predicate = ox.NamedNode(f"urn:x-w3c-suite:var:{variable}")
            quads.append(ox.Quad(node, predicate, value, default))
        shown = " ".join(f"?{v}={_shown(t)}" for v, t in sorted(bound, key=lambda b: b[0]))
        rows.append((f"#{place} " if ordered else "") + (shown or "(no bindings)"))
    return Answer(result.kind, _canonical(quads), tuple(rows))


def dataset_answer(quads: Iterable[ox.Quad]) -> Answer:
    """An RDF dataset (default graph and named graphs), blank nodes up to isomorphism."""
    kept = list(quads)
    lines = tuple(
        " ".join(_shown(x) for x in (q.subject, q.predicate, q.object))
        + ("" if isinstance(q.graph_name, ox.DefaultGraph) else f" in {q.graph_name}")
        for q in kept
    )
    return Answer("dataset", _canonical(kept), lines)


def compare(expected: Answer, actual: Answer) -> str | None:
    """None when the answers are the same; otherwise what differs, in a line or two."""
    if expected.kind == actual.kind and expected.dataset == actual.dataset:
        return None
    if expected.kind != actual.kind:
        return f"expected a {expected.kind} answer, got a {actual.kind} answer"
    missing = Counter(expected.lines) - Counter(actual.lines)
    extra = Counter(actual.lines) - Counter(expected.lines)
    if not missing and not extra:
        return "the same rows, but blank nodes that do not match"
    parts = []
    if missing:
        parts.append(f"missing {_some(missing)}")
    if extra:
        parts.append(f"unexpected {_some(extra)}")
    return "; ".join(parts)


def _some(lines: Counter[str]) -> str:
    found = sorted(lines.elements())
    more = f" (and {len(found) - 3} more)" if len(found) > 3 else ""
    return " | ".join(found[:3]) + more


# --- the expected answers ----------------------------------------------------------------

_RESULTS_FORMATS = {
    ".srx": ox.QueryResultsFormat.XML,
    ".srj": ox.QueryResultsFormat.JSON,
    ".tsv": ox.QueryResultsFormat.TSV,
}
_RS = "http://www.w3.org/2001/sw/DataAccess/tests/result-set#"


def read_expected(path: Path, form: str) -> Result:
    """The expected answer of a test whose query is of ``form``.

    SELECT and ASK answers are written as SPARQL results (.srx, .srj, .tsv, .csv) or as
    a graph in the DAWG result-set vocabulary (``rs:``); CONSTRUCT and DESCRIBE answers
    as a graph.
    """
    if path.suffix == ".csv":
        return csv_result(path.read_bytes())
    results_format = _RESULTS_FORMATS.get(path.suffix)
    if results_format is not None:
        return result_of(ox.parse_query_results(path=path, format=results_format))
    triples = parse_rdf(path)
    if form in ("CONSTRUCT", "DESCRIBE"):
        return graph_result(triples)
    return _result_set(triples)


def _result_set(triples: list[ox.Triple]) -> Result:
    """Solutions or a boolean written as a graph in the result-set vocabulary."""
    objects: dict[tuple[str, str], list[Term]] = {}
    for t in triples:
        objects.setdefault((str(t.subject), t.predicate.value), []).append(t.object)  # type: ignore[arg-type]

    def values(subject: Term, name: str) -> list[Term]:
        return objects.get((str(subject), _RS + name), [])

    def value(subject: Term, name: str) -> Term:
        (found,) = values(subject, name)
        return found

    (result_set,) = {t.subject for t in triples if t.object == ox.NamedNode(_RS + "ResultSet")}
    assert not isinstance(result_set, ox.Triple)
    if values(result_set, "boolean"):
        return Result("boolean", boolean=value(result_set, "boolean").value == "true")
    variables = tuple(sorted(v.value for v in values(result_set, "resultVariable")))
    rows: list[tuple[int, tuple[Term | None, ...]]] = []
    for solution in values(result_set, "solution"):
        bound = {
            value(binding, "variable").value: value(binding, "value")
            for binding in values(solution, "binding")
        }
        index = values(solution, "index")
        place = int(index[0].value) if index else 0
        rows.append((place, tuple(bound.get(v) for v in variables)))
    rows.sort(key=lambda r: r[0])  # rs:index, where the set is ordered
    return Result("solutions", variables, tuple(row for _, row in rows))
