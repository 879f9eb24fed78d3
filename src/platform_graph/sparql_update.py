"""A SPARQL 1.1 Update turned into the triples it would add and remove.

The update runs on a scratch in-memory copy of the store (without the change log), and
the difference is the change set the validated write path then checks and applies: an
update that fails validation never touches the real store. In the copy the data graph
is the default graph, so an update without GRAPH reads and writes the data graph.
The copy costs time in proportion to the store's size; the change-set API and the
assessments API do not need it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pyoxigraph as ox

from platform_graph.changes import CHANGES_GRAPH, DATA_GRAPH_IRI
from platform_graph.sparql_text import RefusedQuery, tokens
from platform_graph.store import Quad, Store
from platform_graph.store.oxigraph import from_ox

__all__ = ["UpdateError", "add_using", "update_delta"]


class UpdateError(ValueError):
    """The update does not parse, or cannot run; ``syntax`` tells which."""

    def __init__(self, message: str, *, syntax: bool) -> None:
        super().__init__(message)
        self.syntax = syntax


_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*$")


def add_using(text: str, using: Sequence[str], using_named: Sequence[str]) -> str:
    """Apply the protocol's using-graph-uri / using-named-graph-uri to every operation.

    The protocol forbids them together with USING or WITH in the update itself.
    """
    if not using and not using_named:
        return text
    for iri in [*using, *using_named]:
        if not _ABSOLUTE_IRI.match(iri):
            raise RefusedQuery(f"using-graph-uri / using-named-graph-uri must be an IRI: {iri!r}")
    toks = list(tokens(text))
    words = [t.text.upper() for t in toks if t.kind == "word"]
    if "USING" in words or "WITH" in words:
        raise RefusedQuery(
            "using-graph-uri / using-named-graph-uri cannot be combined with USING or WITH "
            "in the update"
        )
    clause = " ".join(
        [*(f"USING <{g}>" for g in using), *(f"USING NAMED <{g}>" for g in using_named)]
    )
    out = text
    depth = 0
    inserts: list[int] = []
    for tok in toks:
        if tok.text == "{":
            depth += 1
        elif tok.text == "}":
            depth -= 1
        elif depth == 0 and tok.kind == "word" and tok.text.upper() == "WHERE":
            inserts.append(tok.start)
    for pos in reversed(inserts):
        out = out[:pos] + clause + " " + out[pos:]
    return out


def _copy(store: Store) -> tuple[ox.Store, set[ox.Quad]]:
    shadow = ox.Store()
    data = store.dump("application/n-quads")
    for q in ox.parse(data, format=ox.RdfFormat.N_QUADS):
        graph = q.graph_name
        if isinstance(graph, ox.NamedNode) and graph.value == str(CHANGES_GRAPH):
            continue
        if isinstance(graph, ox.NamedNode) and graph.value == str(DATA_GRAPH_IRI):
            q = ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph())
        shadow.add(q)
    return shadow, set(shadow.quads_for_pattern(None, None, None, None))


def _to_quad(q: ox.Quad) -> Quad:
    graph = DATA_GRAPH_IRI if isinstance(q.graph_name, ox.DefaultGraph) else from_ox(q.graph_name)
    return (from_ox(q.subject), from_ox(q.predicate), from_ox(q.object), graph)  # type: ignore[return-value]


def update_delta(
    store: Store, text: str, *, base_iri: str | None = None
) -> tuple[list[Quad], list[Quad]]:
    """(removed, added): what running ``text`` on the store would change."""
    shadow, before = _copy(store)
    try:
        shadow.update(text, base_iri=base_iri)
    except SyntaxError as exc:
        raise UpdateError(str(exc), syntax=True) from exc
    except (OSError, RuntimeError, ValueError) as exc:
        # LOAD and SERVICE are refused before this point; the rest is the engine's word,
        # such as CLEAR of a graph that does not exist.
        raise UpdateError(str(exc), syntax=False) from exc
    after = set(shadow.quads_for_pattern(None, None, None, None))
    try:
        removed = sorted((_to_quad(q) for q in before - after), key=str)
        added = sorted((_to_quad(q) for q in after - before), key=str)
    except TypeError as exc:  # an RDF 1.2 triple term: the graph holds RDF 1.1 only
        raise UpdateError(f"unsupported term: {exc}", syntax=False) from exc
    return removed, added
