"""Answer transitive property paths for Virtuoso 7.2 the way it gets them right.

Virtuoso 7.2 (Debian's ``virtuoso-opensource``) answers ``?place geo:sfWithin* ?area``
correctly alone, but wrongly once the rest of the query fixes both ends: inside a join it
finds only the first step, and in ``FILTER NOT EXISTS`` or ``MINUS`` nothing at all.
So before such a query goes to Virtuoso, each triple pattern whose path is one
predicate with ``*`` or ``+`` and whose one end is an IRI (or a variable the request
binds) is answered by a query of its own, and replaced by a VALUES block of the nodes
found. The two are equivalent: the pattern's solutions are exactly those bindings.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from platform_graph.rdf.sparql_text import Term, Token, tokens

__all__ = ["expand_paths"]

Closure = Callable[[str], Sequence[Term]]
"""Runs ``SELECT DISTINCT ?x WHERE {...}`` (with the query's prologue) and gives ?x."""

_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
_ENDS = (".", "}")
_STARTS = (".", "{", "}")


def _node(tok: Token, bindings: Mapping[str, Term]) -> str | None:
    """The term at this end of the path, if it is fixed: an IRI, or a bound variable."""
    if tok.kind in ("iri", "pname"):
        return tok.text
    if tok.kind == "var" and tok.text[1:] in bindings:
        return bindings[tok.text[1:]].n3()
    return None


def expand_paths(text: str, bindings: Mapping[str, Term], closure: Closure) -> str:
    """``text`` with each fixed-end transitive path replaced by VALUES of its closure."""
    found = list(tokens(text))
    prologue_end = next(
        (t.start for t in found if t.kind == "word" and t.text.upper() in _FORMS), None
    )
    if prologue_end is None:
        return text
    prologue = text[:prologue_end]
    edits: list[tuple[int, int, str]] = []
    for i in range(1, len(found) - 4):
        subj, pred, op, obj, end = found[i : i + 5]
        if found[i - 1].text not in _STARTS or end.text not in _ENDS:
            continue
        if pred.kind not in ("iri", "pname") or op.kind != "other" or op.text not in "*+":
            continue
        fixed_obj = _node(obj, bindings)
        fixed_subj = _node(subj, bindings)
        if subj.kind == "var" and fixed_subj is None and fixed_obj is not None:
            free, pattern = subj.text, f"?x {pred.text}{op.text} {fixed_obj}"
        elif obj.kind == "var" and fixed_obj is None and fixed_subj is not None:
            free, pattern = obj.text, f"{fixed_subj} {pred.text}{op.text} ?x"
        else:
            continue
        before = [t.text.upper() for t in found[max(0, i - 4) : i - 1]]
        if before[-1:] == ["MINUS"]:
            continue  # Virtuoso refuses VALUES there; left as it is (docs/deployment.md)
        last = i + 5 if end.text == "." else i + 4
        if before[-1:] == ["EXISTS"]:
            # Virtuoso refuses VALUES inside (NOT) EXISTS, and a FILTER there does not
            # see the outer variable: FILTER [NOT] EXISTS { ?x p* T } becomes a test of
            # ?x itself, when that pattern is all the group holds.
            negated = before[-2:-1] == ["NOT"]
            opener = i - 4 if negated else i - 3
            closes = last < len(found) and found[last].text == "}"
            if opener < 0 or found[opener].text.upper() != "FILTER" or not closes:
                continue
            nodes = closure(f"{prologue}SELECT DISTINCT ?x WHERE {{ {pattern} }}")
            listed = ", ".join(n.n3() for n in nodes)
            test = f"FILTER ({free} {'NOT IN' if negated else 'IN'} ({listed})) "
            edits.append((found[opener].start, found[last].start + 1, test))
            continue
        nodes = closure(f"{prologue}SELECT DISTINCT ?x WHERE {{ {pattern} }}")
        listed = " ".join(n.n3() for n in nodes)
        stop = end.start + 1 if end.text == "." else end.start
        edits.append((subj.start, stop, f"VALUES {free} {{ {listed} }} "))
    for start, stop, replacement in reversed(edits):
        text = text[:start] + replacement + text[stop:]
    return text
