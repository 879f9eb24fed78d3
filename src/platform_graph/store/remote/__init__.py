"""A store on any standard SPARQL 1.1 server (Virtuoso, Fuseki, GraphDB), through SPARQLWrapper.

Queries go to the server's query endpoint and writes to its update endpoint; results
come back as SPARQL JSON (or N-Triples for graphs) and are turned into the same neutral
types the embedded store gives, so nothing above ``store/`` knows which one it talks to.

What differs from the embedded store, and how this backend makes up for it
(docs/deployment.md has the full list):

- *The default graph.* The service's queries expect the union of its named graphs.
  Virtuoso's default graph is the union of *all* graphs, its own system graphs among
  them, so with ``dialect="virtuoso"`` a query without FROM names the service's graphs
  as its dataset (Virtuoso's exclusion pragma would be shorter, but breaks property
  paths). Other servers must be set up with a union default graph (Fuseki:
  ``tdb2:unionDefaultGraph true``).
- *One update request is not one transaction* on Virtuoso: it commits operation by
  operation. A change that needs more than one operation is first written whole into
  a journal graph (one operation, so atomic), then applied, then its journal entry is
  dropped. A crash in between leaves the entry, and the next write (or start-up)
  finishes it: removing and adding are idempotent.
- *Several writers.* Virtuoso does not isolate a DELETE/INSERT ... WHERE from a
  concurrent one, so a compare-and-set on the change log's head is not safe there.
  Writers on one machine take an exclusive file lock (``lock_path``) for the whole
  validate-and-apply step; the lock is released by the OS if the process dies.
- *Literals.* Virtuoso keeps a literal without a datatype apart from an ``xsd:string``
  one, answers booleans as ``1``/``0`` in JSON, and stores numbers in canonical form.
  Strings are written without a datatype and read back as ``xsd:string``; booleans are
  read back as ``true``/``false``.
- *Result limits.* A server may cap a result (Virtuoso's ``ResultSetMaxRows``), silently.
  Reads of many quads (``quads()``, ``dump()``, ``len()``) are paged with ORDER BY.
"""

from platform_graph.store.remote.dialect import VIRTUOSO_SYSTEM_GRAPHS, virtuoso_stopped_it
from platform_graph.store.remote.journal import JOURNAL_GRAPH, parse_quads
from platform_graph.store.remote.store import RemoteSettings, RemoteStore

__all__ = [
    "JOURNAL_GRAPH",
    "VIRTUOSO_SYSTEM_GRAPHS",
    "RemoteSettings",
    "RemoteStore",
    "parse_quads",
    "virtuoso_stopped_it",
]
