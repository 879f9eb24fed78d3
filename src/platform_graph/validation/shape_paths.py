"""Which paths through the data the shapes read, derived from the shapes graph.

Every constraint reads the graph along paths from its focus node: a property shape's
``sh:path`` (predicates, inverse paths, sequences), what nested ``sh:node``,
``sh:qualifiedValueShape``, ``sh:not``, ``sh:or`` shapes read at the values,
``rdf:type`` for ``sh:class``, the predicates of ``sh:lessThan``-style pair constraints,
and, for SHACL-SPARQL constraints, the property paths written as ``$this path ?x``.
Incremental validation uses these access paths to find the focus nodes a change can
affect.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF
from rdflib.term import Node

from platform_graph.vocab.namespaces import SH

__all__ = ["AccessPath", "Step", "access_paths"]


@dataclass(frozen=True, slots=True)
class Step:
    predicate: URIRef
    forward: bool = True


AccessPath = tuple[Step, ...]
_PAIR_CONSTRAINTS = (SH.lessThan, SH.lessThanOrEquals, SH.equals, SH.disjoint)
_NESTED = (SH.node, SH.qualifiedValueShape, SH["not"])
_LISTS = (SH["or"], SH["and"], SH.xone)
_SPARQL_PATH = re.compile(
    r"\$this\s+((?:\^?[A-Za-z][\w-]*:[\w-]+|\^?<[^>]+>)(?:/\^?(?:[A-Za-z][\w-]*:[\w-]+|<[^>]+>))*)"
)


def _path_steps(g: Graph, path: Node | None) -> list[AccessPath]:
    """The step sequences an sh:path denotes (alternatives give several)."""
    if isinstance(path, URIRef):
        return [(Step(path),)]
    if isinstance(path, BNode):
        inverse = g.value(path, SH.inversePath)
        if inverse is not None:
            return [
                tuple(Step(s.predicate, not s.forward) for s in reversed(p))
                for p in _path_steps(g, inverse)
            ]
        alternatives = g.value(path, SH.alternativePath)
        if alternatives is not None:
            return [p for member in Collection(g, alternatives) for p in _path_steps(g, member)]
        for key in (SH.zeroOrMorePath, SH.oneOrMorePath, SH.zeroOrOnePath):
            inner = g.value(path, key)
            if inner is not None:
                # Bounded unrolling is enough for the depths our data has.
                once = _path_steps(g, inner)
                return [*once, *[a + b for a in once for b in once]]
        if (path, RDF.first, None) in g:
            sequences: list[AccessPath] = [()]
            for member in Collection(g, path):
                sequences = [s + m for s in sequences for m in _path_steps(g, member)]
            return sequences
    raise ValueError(f"unsupported sh:path {path!r}")


def _sparql_paths(g: Graph, select: str) -> list[AccessPath]:
    prefixes = {
        str(g.value(d, SH.prefix)): str(g.value(d, SH.namespace))
        for d in g.objects(None, SH.declare)
    }
    out: list[AccessPath] = []
    for m in _SPARQL_PATH.finditer(select):
        steps: list[Step] = []
        for part in m.group(1).split("/"):
            forward = not part.startswith("^")
            name = part.lstrip("^")
            if name.startswith("<"):
                iri = name[1:-1]
            else:
                prefix, _, local = name.partition(":")
                iri = prefixes[prefix] + local
            steps.append(Step(URIRef(iri), forward))
        out.append(tuple(steps))
    return out


def _shape_paths(g: Graph, shape: Node, seen: frozenset[Node]) -> list[AccessPath]:
    """Paths a shape reads from its focus (or value) node."""
    if shape in seen:
        return []
    seen = seen | {shape}
    out: list[AccessPath] = []
    if (shape, SH["class"], None) in g:
        out.append((Step(RDF.type),))
    for prop in g.objects(shape, SH.property):
        path = g.value(prop, SH.path)
        for steps in _path_steps(g, path):
            out.append(steps)
            for inner in _shape_paths(g, prop, seen):
                out.append(steps + inner)
        # sh:lessThan and its kin compare with another predicate's values at the focus.
        for key in _PAIR_CONSTRAINTS:
            for other in g.objects(prop, key):
                if isinstance(other, URIRef):
                    out.append((Step(other),))
    for key in _NESTED:
        for nested in g.objects(shape, key):
            out.extend(_shape_paths(g, nested, seen))
    for key in _LISTS:
        for members in g.objects(shape, key):
            for member in Collection(g, members):
                out.extend(_shape_paths(g, member, seen))
    for constraint in g.objects(shape, SH.sparql):
        select = g.value(constraint, SH.select)
        if isinstance(select, Literal):
            out.extend(_sparql_paths(g, str(select)))
    return out


def access_paths(shapes: Graph) -> frozenset[AccessPath]:
    """Every path any shape reads from a focus node, with rdf:type as a one-step path."""
    paths: set[AccessPath] = {(Step(RDF.type),)}
    roots = set(shapes.subjects(RDF.type, SH.NodeShape)) | set(
        shapes.subjects(SH.targetClass, None)
    )
    for shape in roots:
        paths.update(p for p in _shape_paths(shapes, shape, frozenset()) if p)
    return frozenset(paths)
