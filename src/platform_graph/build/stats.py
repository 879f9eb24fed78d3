"""Counts that describe a built graph, for the CLI, the README and the closing notes."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from rdflib import Graph
from rdflib.query import ResultRow

from platform_graph.vocab.namespaces import sparql_prefixes

__all__ = ["GraphStats", "graph_stats"]

_QUERY = (
    sparql_prefixes()
    + """
SELECT
  (COUNT(DISTINCT ?sentence) AS ?sentences)
  (COUNT(DISTINCT ?commitment) AS ?commitments)
  (COUNT(DISTINCT ?context) AS ?contexts)
  (COUNT(DISTINCT ?actor) AS ?actors)
  (COUNT(DISTINCT ?area) AS ?areas)
  (COUNT(DISTINCT ?theme) AS ?themes)
  (COUNT(DISTINCT ?section) AS ?sections)
WHERE {
  { ?sentence a pg:Sentence }
  UNION { ?commitment a pg:Commitment }
  UNION { ?context a pg:ContextStatement }
  UNION { ?actor a pg:Actor }
  UNION { ?area a pg:Area }
  UNION {
    ?theme skos:inScheme pg:ThemeScheme .
    FILTER NOT EXISTS { ?theme skos:topConceptOf pg:ThemeScheme }
  }
  UNION { ?section a pg:Section }
}
"""
)


@dataclass(frozen=True, slots=True)
class GraphStats:
    sections: int
    sentences: int
    commitments: int
    contexts: int
    actors: int
    areas: int
    themes: int
    triples: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def graph_stats(graph: Graph) -> GraphStats:
    row = next(iter(graph.query(_QUERY)))
    assert isinstance(row, ResultRow)
    values = {str(name): int(str(row[str(name)])) for name in row.labels}
    return GraphStats(triples=len(graph), **values)
