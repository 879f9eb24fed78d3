"""The SPARQL 1.1 Protocol's dataset parameters for updates, applied to the update's text.

What an update changes is computed by the engine in a confined worker
(``update_runner``); here only ``using-graph-uri`` and ``using-named-graph-uri`` are
turned into USING clauses of the text itself.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from platform_graph.rdf.sparql_text import RefusedQuery, tokens

__all__ = ["add_using"]


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
