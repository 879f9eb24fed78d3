"""SHACL validation behind one function, with a report the CLI and the API both render."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pyshacl import validate as shacl_validate
from rdflib import BNode, Graph, Literal, Node, URIRef
from rdflib.namespace import RDF
from rdflib.plugins.sparql import processor as sparql_processor
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.sparql import Query

from platform_graph.vocab.namespaces import PREFIXES, SH

__all__ = ["Report", "Result", "load_shapes", "validate"]

_QUERY_CACHE: dict[tuple[str, str | None, tuple[tuple[str, str], ...]], Query] = {}
_QUERY_CACHE_LOCK = threading.Lock()
_QUERY_CACHE_MAX = 512


def _install_query_cache() -> None:
    """Parse each SHACL-SPARQL query once, not once per focus node.

    pyshacl hands rdflib the same query text for every focus node of a SPARQL
    constraint, and rdflib parses it afresh each time: on the platform graph that was
    30 of the 36 seconds validation took. A translated query is immutable and reusable
    with other initial bindings (that is what rdflib's prepared queries are), so the
    processor keeps the translations of the texts it has seen.
    """
    cls = sparql_processor.SPARQLProcessor
    if getattr(cls, "_platform_graph_cached", False):
        return
    original = cls.query

    def query(
        self: sparql_processor.SPARQLProcessor,
        strOrQuery: str | Query,
        initBindings: Mapping[str, Any] | None = None,
        initNs: Mapping[str, Any] | None = None,
        base: str | None = None,
        DEBUG: bool = False,
    ) -> Mapping[str, Any]:
        if isinstance(strOrQuery, str):
            key = (strOrQuery, base, tuple(sorted((k, str(v)) for k, v in (initNs or {}).items())))
            with _QUERY_CACHE_LOCK:
                prepared = _QUERY_CACHE.get(key)
            if prepared is None:
                prepared = translateQuery(parseQuery(strOrQuery), base, initNs)
                with _QUERY_CACHE_LOCK:
                    if len(_QUERY_CACHE) >= _QUERY_CACHE_MAX:
                        _QUERY_CACHE.clear()
                    _QUERY_CACHE[key] = prepared
            strOrQuery = prepared
        return original(self, strOrQuery, initBindings, initNs, base, DEBUG)

    cls.query = query  # type: ignore[method-assign]
    cls._platform_graph_cached = True  # type: ignore[attr-defined]


_install_query_cache()

_SEVERITY = {SH.Violation: "violation", SH.Warning: "warning", SH.Info: "info"}


@dataclass(frozen=True, slots=True)
class Result:
    """One finding: where, what, how bad, and what to do, in Swedish and English."""

    severity: str
    focus: str
    path: str | None
    value: str | None
    message_sv: str
    message_en: str
    shape: str | None
    constraint: str


@dataclass(slots=True)
class Report:
    conforms: bool
    results: list[Result] = field(default_factory=list)
    seconds: float = 0.0
    graph: Graph | None = None

    @property
    def violations(self) -> list[Result]:
        return [r for r in self.results if r.severity == "violation"]

    @property
    def warnings(self) -> list[Result]:
        return [r for r in self.results if r.severity == "warning"]

    def to_json(self) -> dict[str, Any]:
        return {
            "conforms": self.conforms,
            "violations": len(self.violations),
            "warnings": len(self.warnings),
            "seconds": round(self.seconds, 3),
            "results": [asdict(r) for r in self.results],
        }

    def to_turtle(self) -> str:
        """The report as a SHACL validation report in Turtle."""
        return self.to_graph().serialize(format="turtle")

    def to_graph(self) -> Graph:
        """A SHACL validation report graph of these results (both messages kept, tagged)."""
        g = Graph()
        g.bind("sh", str(SH))
        for prefix, iri in PREFIXES.items():
            g.bind(prefix, iri)
        report = BNode()
        g.add((report, RDF.type, SH.ValidationReport))
        g.add((report, SH.conforms, Literal(self.conforms)))
        for r in self.results:
            node = BNode()
            g.add((report, SH.result, node))
            g.add((node, RDF.type, SH.ValidationResult))
            g.add((node, SH.focusNode, _expand(r.focus)))
            if r.path:
                if r.path.startswith("^"):
                    inverse = BNode()
                    g.add((inverse, SH.inversePath, _expand(r.path[1:])))
                    g.add((node, SH.resultPath, inverse))
                else:
                    g.add((node, SH.resultPath, _expand(r.path)))
            if r.value is not None:
                g.add((node, SH.value, Literal(r.value)))
            g.add((node, SH.resultSeverity, SH[r.severity.capitalize()]))
            g.add((node, SH.resultMessage, Literal(r.message_sv, lang="sv")))
            g.add((node, SH.resultMessage, Literal(r.message_en, lang="en")))
            if r.shape:
                g.add((node, SH.sourceShape, _expand(r.shape)))
            if r.constraint:
                g.add((node, SH.sourceConstraintComponent, _expand(r.constraint)))
        return g

    def to_text(self) -> str:
        """A report a data officer can read: one block per finding."""
        lines: list[str] = []
        for r in self.results:
            lines.append(f"{r.severity.upper()}: {r.focus}")
            if r.path:
                lines.append(f"  path:  {r.path}")
            if r.value is not None:
                shown = r.value if len(r.value) <= 120 else r.value[:117] + "..."
                lines.append(f"  value: {shown}")
            lines.append(f"  sv: {r.message_sv}")
            lines.append(f"  en: {r.message_en}")
        verdict = "conforms" if self.conforms else "does not conform"
        lines.append(
            f"{verdict}: {len(self.violations)} violation(s), {len(self.warnings)} warning(s) "
            f"in {self.seconds:.2f} s"
        )
        return "\n".join(lines)

    def dumps(self) -> str:
        return json.dumps(self.to_json(), ensure_ascii=False, indent=2)


def _expand(name: str) -> URIRef:
    prefix, sep, local = name.partition(":")
    if sep and prefix in PREFIXES and not local.startswith("//"):
        return URIRef(PREFIXES[prefix] + local)
    return URIRef(name)


def load_shapes(path: Path) -> Graph:
    g = Graph()
    g.parse(path, format="turtle")
    return g


def _full(node: Node | None) -> str:
    if node is None:
        return ""
    return str(node) if isinstance(node, URIRef) else node.n3()


def _short(node: Node | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, URIRef):
        iri = str(node)
        for prefix, ns in PREFIXES.items():
            if iri.startswith(ns) and prefix not in ("id",):
                return f"{prefix}:{iri[len(ns) :]}"
        return iri
    if isinstance(node, Literal):
        return str(node)
    return node.n3()


def _path_text(report: Graph, path: Node | None) -> str | None:
    if path is None:
        return None
    inverse = report.value(path, SH.inversePath)
    if inverse is not None:
        return f"^{_short(inverse)}"
    return _short(path)


def _template_language(shapes: Graph, constraint: Node | None, message: str) -> str | None:
    """The language of a SHACL-SPARQL message whose tag pyshacl dropped.

    pyshacl fills in ``{?var}`` placeholders but returns the message untagged; the
    template it came from, in the shapes graph, still has its tag.
    """
    if constraint is None:
        return None
    for template in shapes.objects(constraint, SH.message):
        if not isinstance(template, Literal):
            continue
        parts = re.split(r"\{[?$]\w+\}", str(template))
        pattern = ".*?".join(re.escape(part) for part in parts)
        if re.fullmatch(pattern, message, flags=re.DOTALL):
            return template.language
    return None


def _messages(report: Graph, shapes: Graph, result: Node) -> tuple[str, str]:
    by_lang: dict[str | None, str] = {}
    constraint = report.value(result, SH.sourceConstraint)
    for msg in report.objects(result, SH.resultMessage):
        if isinstance(msg, Literal):
            lang = msg.language or _template_language(shapes, constraint, str(msg))
            by_lang.setdefault(lang, str(msg))
    fallback = by_lang.get(None) or next(iter(by_lang.values()), "")
    return by_lang.get("sv", fallback), by_lang.get("en", fallback)


def _results(report: Graph, shapes: Graph) -> list[Result]:
    out: list[Result] = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        sv, en = _messages(report, shapes, result)
        severity = report.value(result, SH.resultSeverity)
        out.append(
            Result(
                severity=_SEVERITY.get(severity, "violation")
                if isinstance(severity, URIRef)
                else "violation",
                # The focus in full: callers match it against their nodes.
                focus=_full(report.value(result, SH.focusNode)),
                path=_path_text(report, report.value(result, SH.resultPath)),
                value=_short(report.value(result, SH.value)),
                message_sv=sv,
                message_en=en,
                shape=_short(report.value(result, SH.sourceShape))
                if isinstance(report.value(result, SH.sourceShape), URIRef)
                else None,
                constraint=_short(report.value(result, SH.sourceConstraintComponent)) or "",
            )
        )
    order = {"violation": 0, "warning": 1, "info": 2}
    out.sort(key=lambda r: (order[r.severity], r.focus, r.path or "", r.message_en))
    return out


def validate(data: Graph, shapes: Graph) -> Report:
    """Validate ``data`` (which must include the ontology and themes) against ``shapes``.

    Only violations make a graph non-conforming: warnings are reported and let through.
    """
    started = time.perf_counter()
    _, report_graph, _ = shacl_validate(
        data,
        shacl_graph=shapes,
        inference="none",
        abort_on_first=False,
        allow_warnings=True,
        meta_shacl=False,
        advanced=False,
    )
    results = _results(report_graph, shapes)
    conforms = not any(r.severity == "violation" for r in results)
    return Report(conforms, results, time.perf_counter() - started, report_graph)
