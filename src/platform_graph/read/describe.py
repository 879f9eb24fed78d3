"""The asserted description of resources: their own triples and those of the nodes they
own (``<iri>#quote``, ``#position``, ``#geometry``), never the inferred graph's.

What /id/ answers and what every JSON-LD answer of the API is made of, so that a JSON-LD
answer, parsed, holds only triples the store holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rdflib import URIRef

from platform_graph.rdf.terms import GraphResult, Triple
from platform_graph.store import Store
from platform_graph.vocab.namespaces import INFERRED_GRAPH

__all__ = ["DESCRIBE", "describe"]

# The resource's own triples, and those of the nodes it owns (its #position and #quote
# selectors, its #geometry): IRIs under its own, after a "#".
DESCRIBE = f"""
CONSTRUCT {{ ?iri ?p ?o . ?o ?xp ?xo }} WHERE {{
  GRAPH ?g {{ ?iri ?p ?o }}
  FILTER (?g != <{INFERRED_GRAPH}>)
  OPTIONAL {{
    GRAPH ?xg {{ ?o ?xp ?xo }}
    FILTER (?xg != <{INFERRED_GRAPH}>)
    FILTER (isIRI(?o) && STRSTARTS(STR(?o), CONCAT(STR(?iri), "#")))
  }}
}}"""

_SAFE_IRI = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")


def describe(store: Store, iris: Iterable[str]) -> list[Triple]:
    """The descriptions of ``iris``, in one query."""
    wanted = [i for i in dict.fromkeys(iris) if _SAFE_IRI.match(i)]
    if not wanted:
        return []
    if len(wanted) == 1:
        result = store.query(DESCRIBE, bindings={"iri": URIRef(wanted[0])})
    else:
        values = " ".join(f"<{i}>" for i in wanted)
        result = store.query(DESCRIBE.replace("WHERE {", f"WHERE {{ VALUES ?iri {{ {values} }}", 1))
    assert isinstance(result, GraphResult)
    return list(result.triples)
