"""Push a built graph into a remote store: in batches, with progress, resumable.

Each batch is one INSERT DATA operation, so it lands whole or not at all; adding a
quad twice changes nothing, so a batch that was sent but not confirmed is simply sent
again. A state file remembers how far a load got (for this input and this target), and
a marker in the store says that a load finished: the service reuses a remote store
only when it carries that marker, so a half-finished load is never taken for the data.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from platform_graph.store.remote import RemoteStore, parse_quads

__all__ = ["LoadReport", "push"]

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class LoadReport:
    quads: int
    batches: int
    skipped: int
    seconds: float


def _write_state(path: Path, state: dict[str, object]) -> None:
    # Write, then rename: a crash never leaves a half-written state file.
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=2))
    os.replace(tmp, path)


def push(
    store: RemoteStore,
    nquads: bytes,
    *,
    target: str,
    state_path: Path,
    batch_size: int = 1000,
    restart: bool = False,
    progress: Progress | None = None,
) -> LoadReport:
    """Add every quad of ``nquads`` to ``store``, resuming where a previous run stopped."""
    started = time.perf_counter()
    digest = hashlib.sha256(nquads).hexdigest()
    quads = parse_quads(nquads, "application/n-quads", None)
    batches = [quads[i : i + batch_size] for i in range(0, len(quads), batch_size)]
    done = 0
    if state_path.exists() and not restart:
        try:
            state = json.loads(state_path.read_text())
        except ValueError:
            state = {}
        same = state.get("sha256") == digest and state.get("target") == target
        if same and state.get("batch_size") == batch_size:
            done = min(int(state.get("batches_done", 0)), len(batches))
            # The store may have been emptied since: resume only if the batches the
            # state file counts as done are there (their first and last quads).
            if done and not all(store.quads(*q) for q in (batches[0][0], batches[done - 1][-1])):
                if progress is not None:
                    progress("the store no longer holds the earlier batches: starting over")
                done = 0
            if progress is not None and done:
                progress(f"resuming after batch {done} of {len(batches)}")
    state_path.parent.mkdir(parents=True, exist_ok=True)
    skipped = done
    step = max(1, len(batches) // 20)
    for i in range(done, len(batches)):
        store.insert(batches[i])
        _write_state(
            state_path,
            {
                "target": target,
                "sha256": digest,
                "batch_size": batch_size,
                "batches": len(batches),
                "batches_done": i + 1,
            },
        )
        if progress is not None and ((i + 1) % step == 0 or i + 1 == len(batches)):
            progress(
                f"batch {i + 1} of {len(batches)} ({min((i + 1) * batch_size, len(quads))} quads)"
            )
    store.mark_loaded(digest)
    return LoadReport(len(quads), len(batches), skipped, time.perf_counter() - started)
