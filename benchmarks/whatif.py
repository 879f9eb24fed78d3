"""A change proposed for ``src/platform_graph/incremental.py``, measured beside the real one.

The validated-change benchmark shows the change's latency growing with the graph: the
subgraph a change is validated on takes in every incoming edge of every focus node, and
the focus nodes of an assessment include the status concepts (every commitment with that
status points at them) and the class pg:Assessment (every assessment is typed with it),
so the subgraph grows with the data. The shapes read incoming edges only along inverse
paths (``sh:inversePath``; today only ``^pg:inSentence``), so only those edges are needed.

``ProposedValidator`` is ``incremental.Validator`` with exactly that restriction. It is
not used by the service: the harness measures it next to the real validator so that the
report can show what the proposal would do (where ``src`` already does the same, the two
columns of the report agree). ``tests/test_benchmarks.py`` checks that it reaches the same
verdicts as the real one.
"""

from __future__ import annotations

from collections.abc import Iterable

from rdflib import BNode, Graph, URIRef
from rdflib.namespace import RDF, RDFS

from platform_graph.build import ONTOLOGY_GRAPH
from platform_graph.incremental import Validator, _View
from platform_graph.namespaces import PREFIXES
from platform_graph.store import Store

__all__ = ["ProposedValidator"]


class ProposedValidator(Validator):
    """The validator with incoming edges limited to the predicates of inverse paths."""

    def __init__(self, shapes: Graph) -> None:
        super().__init__(shapes)
        self.inverse = frozenset(
            step.predicate for path in self.paths for step in path if not step.forward
        )

    def _neighbourhood(self, store: Store, focus: Iterable[URIRef], view: _View) -> Graph:
        g = Graph()
        for prefix, iri in PREFIXES.items():
            g.bind(prefix, iri)
        for s, p, o, _ in store.quads(predicate=RDFS.subClassOf, graph=ONTOLOGY_GRAPH):
            g.add((s, p, o))
        frontier: set[URIRef | BNode] = set(focus)
        for node in frontier:
            for predicate in self.inverse:  # the only incoming edges a shape reads
                for t in view.after_in(node, predicate):
                    g.add(t)
        seen: set[URIRef | BNode] = set()
        for _ in range(self.depth):
            nxt: set[URIRef | BNode] = set()
            for node in frontier - seen:
                seen.add(node)
                for t in view.after_out(node):
                    g.add(t)
                    if isinstance(t[2], (URIRef, BNode)):
                        nxt.add(t[2])
            frontier = nxt
        for node in frontier - seen:  # the types at the edge, for sh:class
            for t in view.after_out(node, RDF.type):
                g.add(t)
        return g
