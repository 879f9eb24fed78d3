"""What the ontology's own hierarchy entails: rdfs:subPropertyOf, rdfs:subClassOf and
owl:inverseOf, as the ontology graph states them, applied to the asserted graphs.

The entailed triples that no asserted graph holds are materialised in a named graph of
their own (``INFERRED_GRAPH``), so that a query over the union default graph finds under
``pg:namesActor`` what ``pg:responsibleActor`` says, and under ``pg:Actor`` every
``pg:PublicBody``, while a query whose dataset names the asserted graphs
(``FROM <.../graph/data>``, or ``default-graph-uri``) sees the asserted triples only.

The writer keeps the graph current: for every validated change it asks :func:`derive`
for the inferred triples to remove and add, and applies them in the same atomic write as
the change, after validation (the shapes never see them) and outside the change log.

Only the rules of the hierarchy are applied (RDFS rules 7 and 9, and owl:inverseOf),
never domains, ranges or anything else; the change log is not entailed from.

A derivation of a triple with subject ``n`` only ever uses asserted triples between
``n`` and one other node (a sub-property or an inverse keeps the pair, a sub-class keeps
the subject), so a change is brought up to date node by node: for every subject it
touches (and object, where an inverse reaches it), the node's asserted triples are
closed under the rules and compared with what the inferred graph holds for it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from platform_graph.rdf.terms import Quad, Term, Triple
from platform_graph.vocab.namespaces import CHANGES_GRAPH, INFERRED_GRAPH, ONTOLOGY_GRAPH

__all__ = [
    "AXIOM_PREDICATES",
    "NOT_ENTAILED_FROM",
    "Axioms",
    "QuadLookup",
    "derive",
    "materialise",
    "materialise_queries",
]

AXIOM_PREDICATES = frozenset({RDFS.subPropertyOf, RDFS.subClassOf, OWL.inverseOf})
NOT_ENTAILED_FROM = frozenset({INFERRED_GRAPH, CHANGES_GRAPH})

QuadLookup = Callable[
    [URIRef | BNode | None, URIRef | None, Term | None, URIRef | None], Sequence[Quad]
]
"""store.quads(subject, predicate, obj, graph), as the store protocol has it."""

Node = URIRef | BNode


def _closure(edges: dict[URIRef, set[URIRef]]) -> dict[URIRef, frozenset[URIRef]]:
    out: dict[URIRef, frozenset[URIRef]] = {}
    for start in edges:
        seen: set[URIRef] = set()
        frontier = set(edges[start])
        while frontier:
            nxt = frontier - seen
            seen |= nxt
            frontier = {u for n in nxt for u in edges.get(n, ())}
        seen.discard(start)
        if seen:
            out[start] = frozenset(seen)
    return out


@dataclass(frozen=True, slots=True)
class Axioms:
    """The hierarchy: each property's and class's strict super-terms, and inverses."""

    super_properties: dict[URIRef, frozenset[URIRef]] = field(default_factory=dict)
    super_classes: dict[URIRef, frozenset[URIRef]] = field(default_factory=dict)
    inverses: dict[URIRef, frozenset[URIRef]] = field(default_factory=dict)

    @classmethod
    def from_triples(cls, triples: Iterable[tuple[Term, Term, Term]]) -> Axioms:
        props: dict[URIRef, set[URIRef]] = {}
        classes: dict[URIRef, set[URIRef]] = {}
        inverses: dict[URIRef, set[URIRef]] = {}
        for s, p, o in triples:
            if not (isinstance(s, URIRef) and isinstance(o, URIRef)) or s == o:
                continue
            if p == RDFS.subPropertyOf:
                props.setdefault(s, set()).add(o)
            elif p == RDFS.subClassOf:
                classes.setdefault(s, set()).add(o)
            elif p == OWL.inverseOf:
                inverses.setdefault(s, set()).add(o)
                inverses.setdefault(o, set()).add(s)
        return cls(
            _closure(props),
            _closure(classes),
            {k: frozenset(v) for k, v in inverses.items()},
        )

    @classmethod
    def from_store(cls, quads: QuadLookup) -> Axioms:
        return cls.from_triples(
            (s, p, o)
            for p in AXIOM_PREDICATES
            for s, _, o, _ in quads(None, p, None, ONTOLOGY_GRAPH)
        )

    def __bool__(self) -> bool:
        return bool(self.super_properties or self.super_classes or self.inverses)

    def reaches_inverse(self, predicate: URIRef) -> bool:
        """Whether a triple over ``predicate`` entails one with its object as subject."""
        return predicate in self.inverses or any(
            p in self.inverses for p in self.super_properties.get(predicate, ())
        )

    def entailing_predicates(self) -> set[URIRef]:
        """Every predicate from which a rule derives something (rdf:type for classes)."""
        found = set(self.super_properties) | set(self.inverses)
        if self.super_classes:
            found.add(RDF.type)
        return found

    def close(self, triples: Iterable[Triple]) -> set[Triple]:
        """The triples and everything the rules derive from them."""
        known: set[Triple] = set()
        work = list(triples)
        while work:
            t = work.pop()
            if t in known:
                continue
            known.add(t)
            s, p, o = t
            for q in self.super_properties.get(p, ()):
                work.append((s, q, o))
            if p == RDF.type and isinstance(o, URIRef):
                for c in self.super_classes.get(o, ()):
                    work.append((s, RDF.type, c))
            if isinstance(o, (URIRef, BNode)):
                for q in self.inverses.get(p, ()):
                    work.append((o, q, s))
        return known


def _asserted(quads: Iterable[Quad]) -> list[Quad]:
    return [q for q in quads if q[3] not in NOT_ENTAILED_FROM]


class _After:
    """The store as it will be after a change (asserted graphs only)."""

    def __init__(self, quads: QuadLookup, remove: Sequence[Quad], add: Sequence[Quad]) -> None:
        self.quads = quads
        self.removed = set(remove) - set(add)
        self.added = list(add)

    def find(self, s: Node | None, p: URIRef | None, o: Term | None) -> list[Triple]:
        found = [q for q in _asserted(self.quads(s, p, o, None)) if q not in self.removed]
        found += [
            q
            for q in self.added
            if (s is None or q[0] == s) and (p is None or q[1] == p) and (o is None or q[2] == o)
        ]
        return list(dict.fromkeys((a, b, c) for a, b, c, _ in found))


def _inferred_for(axioms: Axioms, view: _After, node: Node) -> set[Triple]:
    own = view.find(node, None, None)
    incoming = [
        t
        for p in {p for p in axioms.entailing_predicates() if axioms.reaches_inverse(p)}
        for t in view.find(None, p, node)
    ]
    closed = axioms.close([*own, *incoming])
    return {t for t in closed if t[0] == node} - set(own)


def derive(
    quads: QuadLookup, remove: Sequence[Quad], add: Sequence[Quad]
) -> tuple[list[Quad], list[Quad]]:
    """(remove, add) for the inferred graph, so that it matches the store after a change
    that removes ``remove`` and adds ``add`` (the store is still as before it)."""
    remove, add = _asserted(remove), _asserted(add)
    if any(q[1] in AXIOM_PREDICATES and q[3] == ONTOLOGY_GRAPH for q in [*remove, *add]):
        return materialise(quads, remove, add)
    axioms = Axioms.from_store(quads)
    if not axioms:
        return [], []
    view = _After(quads, remove, add)
    nodes: set[Node] = set()
    for s, p, o, _ in [*remove, *add]:
        nodes.add(s)
        if isinstance(o, (URIRef, BNode)) and axioms.reaches_inverse(p):
            nodes.add(o)
    out_remove: list[Quad] = []
    out_add: list[Quad] = []
    for node in nodes:
        old = {(s, p, o) for s, p, o, _ in quads(node, None, None, INFERRED_GRAPH)}
        new = _inferred_for(axioms, view, node)
        out_remove += [(*t, INFERRED_GRAPH) for t in old - new]
        out_add += [(*t, INFERRED_GRAPH) for t in new - old]
    return sorted(out_remove, key=str), sorted(out_add, key=str)


def materialise(
    quads: QuadLookup, remove: Sequence[Quad] = (), add: Sequence[Quad] = ()
) -> tuple[list[Quad], list[Quad]]:
    """(remove, add) that make the inferred graph whole again, from scratch: on the
    first start, and after a change to the hierarchy itself."""
    view = _After(quads, _asserted(remove), _asserted(add))
    axioms = Axioms.from_triples(
        (s, p, o)
        for s, p, o, g in [
            *(q for q in quads(None, None, None, ONTOLOGY_GRAPH) if q not in view.removed),
            *(q for q in view.added if q[3] == ONTOLOGY_GRAPH),
        ]
        if p in AXIOM_PREDICATES
    )
    base: set[Triple] = set()
    for p in axioms.super_properties.keys() | axioms.inverses.keys():
        base.update(view.find(None, p, None))
    for c in axioms.super_classes:
        base.update(view.find(None, RDF.type, c))
    # What is asserted over the terms a rule concludes to: a super-property stated as
    # well is not inferred.
    stated: set[Triple] = set(base)
    for q in {q for v in [*axioms.super_properties.values(), *axioms.inverses.values()] for q in v}:
        stated.update(view.find(None, q, None))
    for c in {c for v in axioms.super_classes.values() for c in v}:
        stated.update(view.find(None, RDF.type, c))
    new = axioms.close(base) - stated
    old = {(s, p, o) for s, p, o, _ in quads(None, None, None, INFERRED_GRAPH)}
    return (
        sorted(((*t, INFERRED_GRAPH) for t in old - new), key=str),
        sorted(((*t, INFERRED_GRAPH) for t in new - old), key=str),
    )


# Stand-ins for a triple's subject and objects when the rules are applied to a predicate
# rather than to data: the rules look at predicates (and, for rdf:type, the class), never
# at these, so what they conclude for the stand-ins they conclude for any node.
_S = URIRef("urn:uuid:6f1e2b8a-platform-graph-entailment-subject")
_O = URIRef("urn:uuid:6f1e2b8a-platform-graph-entailment-object")
_L = Literal("urn:uuid:6f1e2b8a-platform-graph-entailment-literal")


def _patterns(axioms: Axioms, start: Triple) -> set[tuple[URIRef, bool]] | None:
    """What the rules derive from ``start`` (over the stand-ins), as (predicate, whether
    subject and object swap places); None: a conclusion depends on more than the
    predicate (a sub-property of rdf:type: its object may be a class)."""
    out: set[tuple[URIRef, bool]] = set()
    for s, p, o in axioms.close([start]) - {start}:
        if p == RDF.type or not isinstance(p, URIRef):
            return None
        if (s, o) == (start[0], start[2]):
            out.add((p, False))
        elif (s, o) == (start[2], start[0]):
            out.add((p, True))
        else:
            return None
    return out


def materialise_queries(axioms: Axioms) -> list[str] | None:
    """CONSTRUCT queries whose answers, less what an asserted graph states, are what
    :func:`materialise` adds to an empty inferred graph: the same rules, applied by the
    store's engine to every asserted triple of an entailing predicate (the store's
    ``add_concluded``).

    Materialising in Python turned every matching triple into rdflib terms and back: at a
    million triples (two hundred thousand inferred) it took most of a first start. None
    when the hierarchy makes a rule depend on a triple's object beyond its class (a
    sub-property of rdf:type): then only materialise knows."""
    if RDF.type in axioms.super_properties or RDF.type in axioms.inverses:
        return None
    # (predicate matched, the class when rdf:type, only objects that are nodes,
    #  predicate or class concluded, whether subject and object swap places)
    rules: set[tuple[URIRef, URIRef | None, bool, URIRef, bool]] = set()
    for p in axioms.super_properties.keys() | axioms.inverses.keys():
        any_object = _patterns(axioms, (_S, p, _L))
        node_object = _patterns(axioms, (_S, p, _O))
        if any_object is None or node_object is None:
            return None
        rules |= {(p, None, False, q, swap) for q, swap in any_object}
        rules |= {(p, None, True, q, swap) for q, swap in node_object - any_object}
    for c, supers in axioms.super_classes.items():
        start = (_S, RDF.type, c)
        if axioms.close([start]) - {start} != {(_S, RDF.type, d) for d in supers}:
            return None
        rules |= {(RDF.type, c, False, d, False) for d in supers}
    asserted = " && ".join(f"?g != <{g}>" for g in sorted(NOT_ENTAILED_FROM, key=str))
    queries = []
    for p, cls, nodes_only, q, swap in sorted(rules, key=str):
        if cls is not None:
            matched, head = f"<{cls}>", f"?s <{RDF.type}> <{q}>"
        else:
            matched, head = "?o", (f"?o <{q}> ?s" if swap else f"?s <{q}> ?o")
        nodes = " FILTER (!isLiteral(?o))" if nodes_only else ""
        queries.append(
            f"CONSTRUCT {{ {head} }} WHERE {{ GRAPH ?g {{ ?s <{p}> {matched} }} "
            f"FILTER ({asserted}){nodes} }}"
        )
    return queries
