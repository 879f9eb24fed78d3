"""A change in words: for each resource it touches, each property's values before and
after, instead of the reified triples the change log keeps.

"Titel (sv): «Plan för Vivalla» → «Plan för Vivalla och Varberga»" says what a data
officer needs to know; the exact triples stay one click away (the change's data).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from rdflib import URIRef
from rdflib.namespace import RDF

from platform_graph.store import Quad, Term

__all__ = ["PropertyChange", "ResourceChange", "in_words"]


@dataclass(slots=True)
class PropertyChange:
    property: str
    before: list[Term] = field(default_factory=list)
    after: list[Term] = field(default_factory=list)


@dataclass(slots=True)
class ResourceChange:
    subject: str
    created: bool
    deleted: bool
    types: list[str]
    properties: list[PropertyChange]


def _owner(subject: object) -> str:
    """A fragment node (``…#quote``) belongs to its resource."""
    return str(subject).split("#", 1)[0]


def in_words(added: Sequence[Quad], removed: Sequence[Quad]) -> list[ResourceChange]:
    """The change grouped by resource, in the order resources first appear; a resource
    whose every triple is new is ``created``, one whose every triple went is ``deleted``
    (as far as this change shows)."""
    order: list[str] = []
    props: dict[str, dict[str, PropertyChange]] = {}
    adds: dict[str, int] = {}
    removes: dict[str, int] = {}
    types: dict[str, list[str]] = {}
    for quads, side in ((removed, "before"), (added, "after")):
        for s, p, o, _ in quads:
            key = str(s)
            if key not in props:
                order.append(key)
                props[key] = {}
            change = props[key].setdefault(str(p), PropertyChange(str(p)))
            getattr(change, side).append(o)
            counter = adds if side == "after" else removes
            counter[key] = counter.get(key, 0) + 1
            if p == RDF.type and isinstance(o, URIRef):
                types.setdefault(key, []).append(str(o))
    # Resources first, their fragments right after them.
    first: dict[str, int] = {}
    position = {key: i for i, key in enumerate(order)}
    for key in order:
        first.setdefault(_owner(key), position[key])
    order.sort(key=lambda key: (first[_owner(key)], "#" in key, position[key]))
    out: list[ResourceChange] = []
    for key in order:
        changes = list(props[key].values())
        for c in changes:
            both = set(c.before) & set(c.after)
            c.before = sorted((t for t in c.before if t not in both), key=str)
            c.after = sorted((t for t in c.after if t not in both), key=str)
        changes = [c for c in changes if c.before or c.after]
        # rdf:type first, then by property.
        changes.sort(key=lambda c: (c.property != str(RDF.type), c.property))
        out.append(
            ResourceChange(
                subject=key,
                created=key in adds and key not in removes,
                deleted=key in removes and key not in adds,
                types=types.get(key, []),
                properties=changes,
            )
        )
    return out
