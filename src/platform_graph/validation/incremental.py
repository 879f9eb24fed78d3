"""Validate a change by the nodes it touches and what their shapes reach, not the graph.

The shapes read the data along access paths (``shape_paths.py``): a constraint on focus
node F reads a triple only if the triple lies on one of those paths from F. So for each
added or removed triple (s, p, o) and each access path with a step over p, the focus
nodes it can affect are found by walking the path's prefix backwards from s (or from o,
for a step over an inverse path), in the graph both before and after the change. Blank
nodes stand for the IRIs that own them.

The subgraph validated holds what those focus nodes reach (as deep as the longest
access path, plus the types at the edge), their incoming edges (for inverse paths) and
the class hierarchy; it is validated whole and only the focus nodes' results are kept,
since nodes at its edge are cut off from their own neighbourhoods. A change to the
ontology, the themes or a document's full text reaches everything: it is validated in
full.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rdflib import BNode, Graph, URIRef
from rdflib.namespace import RDF, RDFS

from platform_graph.store import Quad, Store, Term
from platform_graph.validation.shacl import Report, validate
from platform_graph.validation.shape_paths import AccessPath, Step, access_paths
from platform_graph.vocab.namespaces import (
    INFERRED_GRAPH,
    ONTOLOGY_GRAPH,
    PG,
    PREFIXES,
    SH,
    THEMES_GRAPH,
)

__all__ = ["Scope", "Validator", "full_graph_after"]

_GLOBAL_GRAPHS = frozenset({ONTOLOGY_GRAPH, THEMES_GRAPH})
_GLOBAL_PREDICATES = frozenset({PG.fullText, RDFS.subClassOf})

Node = URIRef | BNode
Triple3 = tuple[Node, URIRef, Term]


@dataclass(slots=True)
class Scope:
    """The focus nodes a change can affect; None means the whole graph."""

    focus: set[URIRef] | None


class _View:
    """The graph before and after the change, for walking edges in both."""

    def __init__(self, store: Store, remove: Sequence[Quad], add: Sequence[Quad]) -> None:
        self.store = store
        self.added: list[Triple3] = [(s, p, o) for s, p, o, _ in add]
        # A quad removed and added back stays (remove, then add, as the store applies it).
        self.removed = {(s, p, o) for s, p, o, _ in remove} - set(self.added)

    # The asserted graphs only: what the hierarchy entails (the inferred graph) is never
    # validated as if it were asserted.
    def before_out(self, node: Node, predicate: URIRef | None = None) -> list[Triple3]:
        return [
            (s, p, o)
            for s, p, o, g in self.store.quads(subject=node, predicate=predicate)
            if g != INFERRED_GRAPH
        ]

    def before_in(self, node: Node, predicate: URIRef | None = None) -> list[Triple3]:
        return [
            (s, p, o)
            for s, p, o, g in self.store.quads(obj=node, predicate=predicate)
            if g != INFERRED_GRAPH
        ]

    def after_out(self, node: Node, predicate: URIRef | None = None) -> list[Triple3]:
        found = self.before_out(node, predicate) + [
            t for t in self.added if t[0] == node and predicate in (None, t[1])
        ]
        return [t for t in found if t not in self.removed]

    def after_in(self, node: Node, predicate: URIRef | None = None) -> list[Triple3]:
        found = self.before_in(node, predicate) + [
            t for t in self.added if t[2] == node and predicate in (None, t[1])
        ]
        return [t for t in found if t not in self.removed]

    def back(self, node: Node, step: Step) -> set[Node]:
        """The nodes one step back along ``step``, in either state of the graph."""
        if step.forward:
            edges = self.before_in(node, step.predicate) + self.after_in(node, step.predicate)
            return {s for s, _, _ in edges}
        edges = self.before_out(node, step.predicate) + self.after_out(node, step.predicate)
        return {o for _, _, o in edges if isinstance(o, (URIRef, BNode))}

    def owners(self, node: BNode) -> set[URIRef]:
        """The IRIs that own a blank node: walk incoming edges until an IRI."""
        seen: set[Node] = set()
        frontier: list[Node] = [node]
        found: set[URIRef] = set()
        while frontier:
            current = frontier.pop()
            if current in seen:
                continue
            seen.add(current)
            for s, _, _ in self.before_in(current) + self.after_in(current):
                if isinstance(s, URIRef):
                    found.add(s)
                else:
                    frontier.append(s)
        return found


class Validator:
    """Validates changes against the shapes, incrementally where it can."""

    def __init__(self, shapes: Graph) -> None:
        self.shapes = shapes
        self.paths: frozenset[AccessPath] = access_paths(shapes)
        self.depth = max(len(p) for p in self.paths)
        self.inverse = frozenset(s.predicate for p in self.paths for s in p if not s.forward)
        # The shapes without their class and subjects-of targets: each change targets its
        # focus nodes.
        self._untargeted = Graph()
        self._targets: dict[URIRef, list[Node]] = {}
        self._subject_targets: dict[URIRef, list[Node]] = {}
        for s, p, o in shapes:
            if p == SH.targetClass and isinstance(o, URIRef):
                self._targets.setdefault(o, []).append(s)  # type: ignore[arg-type]
            elif p == SH.targetSubjectsOf and isinstance(o, URIRef):
                self._subject_targets.setdefault(o, []).append(s)  # type: ignore[arg-type]
            else:
                self._untargeted.add((s, p, o))
        for prefix, ns in shapes.namespaces():
            self._untargeted.bind(prefix, ns)

    def _shapes_for(self, graph: Graph, focus: Iterable[URIRef]) -> Graph:
        """The shapes, each targeting exactly the focus nodes of its target classes.

        Validating the subgraph with class targets would also validate every node at its
        edge, cut off from its own neighbourhood: wasted work, and false results.
        """
        shapes = Graph()
        for t in self._untargeted:
            shapes.add(t)
        for prefix, ns in self._untargeted.namespaces():
            shapes.bind(prefix, ns)
        for node in focus:
            classes = set(graph.objects(node, RDF.type))
            frontier = set(classes)
            while frontier:
                nxt = {o for c in frontier for o in graph.objects(c, RDFS.subClassOf)} - classes
                classes |= nxt
                frontier = nxt
            for cls in classes:
                for shape in self._targets.get(cls, ()):  # type: ignore[call-overload]
                    shapes.add((shape, SH.targetNode, node))
            for predicate, targeted in self._subject_targets.items():
                if (node, predicate, None) in graph:
                    for shape in targeted:
                        shapes.add((shape, SH.targetNode, node))
        return shapes

    def scope(self, store: Store, remove: Sequence[Quad], add: Sequence[Quad]) -> Scope:
        view = _View(store, remove, add)
        focus: set[Node] = set()
        for s, p, o, g in [*remove, *add]:
            if g in _GLOBAL_GRAPHS or p in _GLOBAL_PREDICATES:
                return Scope(None)
            focus.add(s)
            if isinstance(o, (URIRef, BNode)):
                focus.add(o)
            for path in self.paths:
                for i, step in enumerate(path):
                    if step.predicate != p:
                        continue
                    anchor = s if step.forward else o
                    if not isinstance(anchor, (URIRef, BNode)):
                        continue
                    nodes: set[Node] = {anchor}
                    for back_step in reversed(path[:i]):
                        nodes = {x for n in nodes for x in view.back(n, back_step)}
                    focus |= nodes
        iris: set[URIRef] = set()
        for node in focus:
            if isinstance(node, URIRef):
                iris.add(node)
                continue
            owners = view.owners(node)
            if not owners:
                return Scope(None)  # a blank node nothing points to: validate it all
            iris |= owners
        return Scope(iris)

    def _neighbourhood(self, store: Store, focus: Iterable[URIRef], view: _View) -> Graph:
        g = Graph()
        for prefix, iri in PREFIXES.items():
            g.bind(prefix, iri)
        for s, p, o, _ in store.quads(predicate=RDFS.subClassOf, graph=ONTOLOGY_GRAPH):
            g.add((s, p, o))
        frontier: set[Node] = set(focus)
        seen: set[Node] = set()
        for _ in range(self.depth):
            nxt: set[Node] = set()
            for node in frontier - seen:
                seen.add(node)
                # Incoming edges only along the inverse paths the shapes read: all of a
                # node's incoming edges (every commitment pointing at a status concept)
                # would grow with the data, not with the change.
                for predicate in self.inverse:
                    for t in view.after_in(node, predicate):
                        g.add(t)
                for t in view.after_out(node):
                    g.add(t)
                    if isinstance(t[2], (URIRef, BNode)):
                        nxt.add(t[2])
            frontier = nxt
        for node in frontier - seen:  # the types at the edge, for sh:class
            for t in view.after_out(node, RDF.type):
                g.add(t)
        return g

    def validate_change(
        self, store: Store, remove: Sequence[Quad], add: Sequence[Quad]
    ) -> tuple[Report, Scope]:
        """Validate the graph the change would produce, as far as the change reaches."""
        scope = self.scope(store, remove, add)
        if scope.focus is None:
            return validate(full_graph_after(store, remove, add), self.shapes), scope
        if not scope.focus:
            return Report(True), scope
        graph = self._neighbourhood(store, scope.focus, _View(store, remove, add))
        report = validate(graph, self._shapes_for(graph, scope.focus))
        keep = {str(n) for n in scope.focus}
        results = [r for r in report.results if r.focus in keep]
        conforms = not any(r.severity == "violation" for r in results)
        return Report(conforms, results, report.seconds, None), scope


def full_graph_after(store: Store, remove: Sequence[Quad], add: Sequence[Quad]) -> Graph:
    """The whole union of the asserted graphs as it will be after the change."""
    removed = set(remove)
    g = Graph()
    for prefix, iri in PREFIXES.items():
        g.bind(prefix, iri)
    for q in store.quads():
        if q not in removed and q[3] != INFERRED_GRAPH:
            g.add(q[:3])
    for s, p, o, _ in add:
        g.add((s, p, o))
    return g
