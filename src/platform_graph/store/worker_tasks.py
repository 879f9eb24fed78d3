"""What a confined worker does with each message from the server.

Runs inside the worker process only (``query_pool``), after the sandbox is in place.
Every answer is a tuple whose first item says how it went: ``ok``, ``syntax`` (the
engine could not parse the request), ``error`` (it could not evaluate it) or
``too-large`` (an update would change more than a change may).
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

from platform_graph.store.oxigraph import OxigraphStore
from platform_graph.store.results_writer import write_boolean, write_solutions, write_triples
from platform_graph.store.wire import query_wire
from platform_graph.vocab.namespaces import PREFIXES

__all__ = ["handle"]


def handle(store: OxigraphStore, msg: tuple[Any, ...], limits: Any, layout: str) -> Any:
    """The answer to one message, or None for a replayed change (which has none)."""
    kind = msg[0]
    if kind == "replay":
        # A change applied to the primary, replayed on this replica.
        store.update(msg[1])
        return None
    try:
        if kind == "result":
            # The answer itself, for the server to use (QueryPool.query).
            _, sparql, dataset, max_rows, base_iri = msg
            return (
                "ok",
                query_wire(store, sparql, dataset=dataset, max_rows=max_rows, base_iri=base_iri),
            )
        if kind == "query":
            _, sparql, dataset, media, max_rows, max_bytes, base_iri = msg
            return (
                "ok",
                *_serialised(store, sparql, dataset, media, max_rows, max_bytes, base_iri),
            )
        if kind == "delta":
            _, text, base_iri, max_quads = msg
            return _delta(store, text, base_iri, max_quads)
        return ("error", f"unknown task {kind!r}")
    except SyntaxError as exc:
        return ("syntax", str(exc.msg if hasattr(exc, "msg") else exc))
    except Exception as exc:  # the engine's own errors: report, keep serving
        return ("error", f"{type(exc).__name__}: {exc}")


def _serialised(
    store: OxigraphStore,
    sparql: str,
    dataset: Any,
    media: str,
    max_rows: int | None,
    max_bytes: int | None,
    base_iri: str | None,
) -> tuple[bytes, bool, int]:
    result = store.raw_query(sparql, dataset, base_iri)
    if isinstance(result, ox.QueryBoolean):
        return write_boolean(bool(result), media), False, 1
    if isinstance(result, ox.QuerySolutions):
        variables = [v.value for v in result.variables]
        written = write_solutions(variables, result, media, max_rows=max_rows, max_bytes=max_bytes)
    else:
        written = write_triples(
            result, media, max_rows=max_rows, max_bytes=max_bytes, prefixes=PREFIXES
        )
    return written.body, written.truncated, written.rows


def _nquads(quads: set[Any]) -> bytes:
    out = ox.serialize(sorted(quads, key=str), format=ox.RdfFormat.N_QUADS)
    assert out is not None
    return out


def _delta(store: OxigraphStore, text: str, base_iri: str | None, max_quads: int) -> Any:
    """What ``text`` changes in this replica, as N-Quads removed and added.

    The replica is put back as it was, so that it stays the primary's copy: the change is
    applied there only if it passes validation, and then replayed here like any other.
    A change too large to diff leaves the replica changed: the server discards this
    worker.
    """
    raw = store.raw
    before_size = len(raw)
    before = set(raw)
    raw.update(text, base_iri=base_iri)
    after_size = len(raw)
    if abs(after_size - before_size) > max_quads:
        return ("too-large", abs(after_size - before_size))
    after = set(raw)
    added = after - before
    removed = before - after
    if len(added) + len(removed) > max_quads:
        return ("too-large", len(added) + len(removed))
    for quad in added:
        raw.remove(quad)
    raw.extend(removed)
    return ("ok", _nquads(removed), _nquads(added))
