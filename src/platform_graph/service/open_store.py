"""Bring the service's store up: build the graph if needed, load it once, and follow
the base: the store is the built graph plus the change log.

A store records the base it was loaded from (the content hash of the built graph). When
the service starts (or ``platform-graph rebase`` runs) and the built graph is not that
base, the change log is replayed onto the new base (``write.replay``), the result checked
whole, and installed atomically: the embedded store is written beside the old one and
swapped in (the old one kept as ``<store>.previous``); a remote store gets the difference
as one change, through its journal. A change that no longer applies stays in the log,
marked, and the report names it.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal as LiteralType

from platform_graph.build.graph import build, write_outputs
from platform_graph.config import Settings
from platform_graph.store import Store, StoreUnavailable, is_empty, nquad_line, open_embedded
from platform_graph.store.loader import push
from platform_graph.store.remote import RemoteSettings, RemoteStore
from platform_graph.store.swap import finish_swap, swap_in
from platform_graph.validation.incremental import Validator
from platform_graph.validation.shacl import load_shapes
from platform_graph.write.change_log import base_quads, read_base
from platform_graph.write.replay import (
    BaseInvalid,
    RebaseReport,
    content_base,
    replay,
    same_data,
)

__all__ = [
    "BaseCheck",
    "built_nquads",
    "follow_base",
    "load_state_path",
    "open_store",
    "remote_store",
]

log = logging.getLogger(__name__)

Progress = Callable[[str], None]


def _say(progress: Progress | None, message: str) -> None:
    log.info(message)
    if progress is not None:
        progress(message)


def remote_store(settings: Settings) -> RemoteStore:
    """The remote store the settings name."""
    return RemoteStore(
        RemoteSettings(
            query_url=settings.store_url,
            update_url=settings.store_update_url,
            user=settings.store_user,
            password=settings.store_password.get_secret_value(),
            auth=settings.store_auth,
            dialect=settings.store_dialect,
            timeout=settings.query_timeout,
            batch_size=settings.store_batch_size,
            lock_path=settings.writer_lock_file,
        )
    )


def open_store(settings: Settings, progress: Progress | None = None) -> Store:
    """Open the store; load the built graph into it if it is empty; follow the base.

    A store that already holds data keeps it: if the built graph is not the base it was
    loaded from, the change log is replayed onto the new base (``follow_base``), never
    the data silently replaced. With ``store_url`` set the store is a remote SPARQL
    server; otherwise the embedded one on disk.
    """
    if settings.store_url:
        return _open_remote(settings, progress)
    path = settings.store_dir
    if path is not None:
        _follow_or_keep(settings, progress)
        # The check's handle on the store may wait for the collector (a cycle through an
        # exception's frames, say): the engine lets go of its lock only when it goes.
        gc.collect()
    store = open_embedded(path)
    if not is_empty(store):
        _say(progress, f"reusing the store at {path}")
        return store
    data = built_nquads(settings, progress)
    _say(progress, f"loading the built graph ({len(data) // 1024} KiB) into the store")
    count = store.load(data, "application/n-quads")
    store.apply([], base_quads(content_base(data)))
    store.flush()
    _say(progress, f"loaded {count} quads")
    return store


def _follow_or_keep(settings: Settings, progress: Progress | None) -> None:
    """Follow the base at start; a new base that breaks the shapes leaves the store as
    it is (the last good state is served) and says why."""
    try:
        _say_check(follow_base(settings, progress=progress), progress)
        return
    except BaseInvalid as exc:
        # Only its text goes on: the exception's frames hold the embedded store open, and
        # a log handler that kept the record would keep the store locked for good.
        said = f"{exc}; the store is served as it is"
    gc.collect()
    log.error("%s", said)
    _say(progress, said)


@dataclass(slots=True)
class BaseCheck:
    """What following the base found, and did."""

    action: LiteralType[
        "empty", "no-build", "current", "adopted", "unrecorded", "rebased", "would-rebase"
    ]
    """``empty``: nothing to follow (the store is loaded on start); ``no-build``: no built
    graph to compare with; ``current``: the store rests on the built graph; ``adopted``:
    a store that did not record its base holds exactly the built graph plus its log, and
    now says so; ``unrecorded``: it does not record its base and holds something else
    (served as it is: ``platform-graph rebase`` replays its log onto the built graph);
    ``rebased``: the log was replayed onto the new base and installed;
    ``would-rebase``: the same, as a dry run (nothing changed)."""
    report: RebaseReport | None = None
    backup: Path | None = None
    """The embedded store before the rebase."""


def _say_check(check: BaseCheck, progress: Progress | None) -> None:
    if check.action == "no-build":
        _say(progress, "no built graph to compare the store with (platform-graph build makes one)")
    elif check.action == "adopted":
        _say(progress, "the store holds the built graph plus its change log: its base is recorded")
    elif check.action == "unrecorded":
        assert check.report is not None
        log.warning(
            "the store does not record the build it was loaded from, and it is not the built "
            "graph plus its change log (+%d -%d triples, %d changes would not apply): it is "
            "served as it is; `platform-graph rebase` replays its change log onto the built "
            "graph (the store is kept as a backup)",
            check.report.added,
            check.report.removed,
            len(check.report.unapplied),
        )
        if progress is not None:
            progress(
                "the store does not record its base and differs from the built graph plus its "
                "change log: served as it is (platform-graph rebase replays the log onto the "
                "built graph)"
            )
    elif check.action == "rebased":
        assert check.report is not None
        for line in check.report.to_text().splitlines():
            _say(progress, line.strip())
        if check.backup is not None:
            _say(progress, f"the store before is kept at {check.backup}")


def follow_base(
    settings: Settings,
    *,
    dry_run: bool = False,
    force: bool = False,
    progress: Progress | None = None,
) -> BaseCheck:
    """Replay the change log onto the built graph if the store rests on another base.

    ``force``: also a store that does not record its base (``platform-graph rebase``),
    whatever it holds. ``dry_run``: replay and report, change nothing. The store must
    not be open elsewhere (the embedded store is opened, and closed, here).
    """
    if settings.store_url:
        remote = remote_store(settings)
        remote.ping()
        with remote.transaction():  # other processes' writers wait, and see the result
            if not len(remote):
                return BaseCheck("empty")
            check, new = _follow(settings, remote, dry_run=dry_run, force=force, progress=progress)
            if new is not None:
                # The difference as one change (atomic through the store's journal).
                before, after = set(remote.quads()), set(new.quads())
                remote.apply(
                    sorted(before - after, key=nquad_line), sorted(after - before, key=nquad_line)
                )
            return check
    path = settings.store_dir
    if path is None:
        return BaseCheck("empty")
    done = finish_swap(path)
    if done is not None:
        _say(progress, done)
    check, data = _check_embedded(settings, path, dry_run=dry_run, force=force, progress=progress)
    # Every handle on the store went with _check_embedded's frame: it is closed (and may
    # be swapped, or opened again).
    gc.collect()
    if data is not None:
        check.backup = swap_in(path, data)
    return check


def _check_embedded(
    settings: Settings, path: Path, *, dry_run: bool, force: bool, progress: Progress | None
) -> tuple[BaseCheck, bytes | None]:
    """(what was found, the new store's N-Quads when it is to be swapped in)."""
    try:
        store = open_embedded(path)
    except OSError as exc:
        raise StoreUnavailable(
            f"the store at {path} cannot be opened ({exc}): is the service running on it? "
            "Stop it first"
        ) from exc
    if is_empty(store):
        return BaseCheck("empty"), None
    check, new = _follow(settings, store, dry_run=dry_run, force=force, progress=progress)
    store.flush()
    return check, None if new is None else new.dump("application/n-quads")


def _follow(
    settings: Settings,
    store: Store,
    *,
    dry_run: bool,
    force: bool,
    progress: Progress | None,
) -> tuple[BaseCheck, Store | None]:
    """(what was found, the replayed store to install, if any)."""
    nquads = settings.output_dir / "platform-graph.nq"
    if not nquads.exists():
        if not force:
            return BaseCheck("no-build"), None
        built_nquads(settings, progress)
    data = nquads.read_bytes()
    base = content_base(data)
    recorded = read_base(store)
    if recorded is not None and recorded.hash == base.hash:
        return BaseCheck("current"), None
    validator = Validator(load_shapes(settings.paths.shapes))
    if recorded is None and not force:
        same, report = same_data(store, data, validator)
        if not same:
            return BaseCheck("unrecorded", report), None
        if not dry_run:
            store.apply([], base_quads(base))
        return BaseCheck("adopted", report), None
    _say(progress, f"the built graph is a new base ({base.hash[:19]}…): replaying the change log")
    new, report = replay(store, data, validator, progress=progress)
    if dry_run:
        return BaseCheck("would-rebase", report), None
    return BaseCheck("rebased", report), new


def built_nquads(settings: Settings, progress: Progress | None) -> bytes:
    nquads = settings.output_dir / "platform-graph.nq"
    if not nquads.exists():
        _say(progress, "no built graph yet: building it")
        write_outputs(build(settings.paths, progress=progress), settings.output_dir, progress)
    return nquads.read_bytes()


def load_state_path(settings: Settings) -> Path:
    """Where a load into a remote store remembers how far it got."""
    return settings.writer_lock_file.with_name("load-state.json")


def _open_remote(settings: Settings, progress: Progress | None) -> RemoteStore:
    """A remote store: reused when a load into it ran to its end, loaded when empty.

    A store with data but no finished load is refused: it may be a load cut short, and
    treating it as the platform would serve (and let editors change) a part of it.
    """
    store = remote_store(settings)
    store.ping()
    with store.transaction():
        pass  # finishes a change a crash cut short (see RemoteStore.recover)
    if store.loaded() is not None:
        _follow_or_keep(settings, progress)
        _say(progress, f"reusing the store at {settings.store_url} ({len(store)} quads)")
        return store
    if len(store):
        raise StoreUnavailable(
            f"the store at {settings.store_url} holds data but no finished load of the "
            "platform: finish (or resume) it with `platform-graph load --target "
            f"{settings.store_url}`"
        )
    data = built_nquads(settings, progress)
    _say(progress, f"loading the built graph into {settings.store_url}")
    report = push(
        store,
        data,
        target=settings.store_url,
        state_path=load_state_path(settings),
        batch_size=settings.store_batch_size,
        progress=progress,
    )
    store.apply([], base_quads(content_base(data)))
    _say(progress, f"loaded {report.quads} quads in {report.batches} batches")
    return store
