"""load, export, import: the whole dataset into a server, out to a file, back in."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from platform_graph.config import Settings
from platform_graph.errors import InputError
from platform_graph.store import StoreQueryError, StoreUnavailable

if TYPE_CHECKING:
    from platform_graph.store import Store

from platform_graph.cli.common import EXIT_INVALID, EXIT_OK, EXIT_UNREADABLE, progress

__all__ = ["cmd_export", "cmd_import", "cmd_load"]


def cmd_load(args: argparse.Namespace, settings: Settings) -> int:
    """Push the built graph (or an N-Quads file) into a remote store, resumably."""
    from platform_graph.service.open_store import built_nquads, load_state_path, remote_store
    from platform_graph.store.loader import push

    updates: dict[str, object] = {"store_url": args.target}
    if args.update_url:
        updates["store_update_url"] = args.update_url
    if args.batch_size:
        updates["store_batch_size"] = args.batch_size
    settings = settings.model_copy(update=updates)
    try:
        data = Path(args.input).read_bytes() if args.input else built_nquads(settings, progress)
        store = remote_store(settings)
        store.ping()
        report = push(
            store,
            data,
            target=args.target,
            state_path=load_state_path(settings),
            batch_size=settings.store_batch_size,
            restart=args.restart,
            progress=progress,
        )
    except SyntaxError as exc:
        sys.stderr.write(f"unreadable input: {exc}\n")
        return EXIT_UNREADABLE
    except (OSError, StoreUnavailable, StoreQueryError) as exc:
        sys.stderr.write(f"{exc}\n")
        return EXIT_UNREADABLE
    progress(
        f"loaded {report.quads} quads into {args.target} in {report.batches} batches "
        f"({report.skipped} done before) in {report.seconds:.1f} s"
    )
    return EXIT_OK


def _store_for(args: argparse.Namespace, settings: Settings) -> Path:
    path = Path(args.store).resolve() if args.store else settings.store_dir
    if path is None:
        raise SystemExit("no store: give --store PATH or set PLATFORM_GRAPH_STORE_PATH")
    return path


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    """The whole dataset, every named graph and the change log, as N-Quads or TriG."""
    from platform_graph.store import open_embedded

    out = Path(args.file)
    media = "application/trig" if out.suffix == ".trig" else "application/n-quads"
    if settings.store_url and not args.store:
        from platform_graph.service.open_store import remote_store

        remote = remote_store(settings)
        try:
            out.write_bytes(remote.dump(media))
        except (StoreUnavailable, StoreQueryError) as exc:
            sys.stderr.write(f"{exc}\n")
            return EXIT_UNREADABLE
        progress(f"exported {len(remote)} quads from {settings.store_url} to {out}")
        return EXIT_OK
    path = _store_for(args, settings)
    if not path.exists():
        sys.stderr.write(f"no store at {path}\n")
        return EXIT_INVALID
    store = open_embedded(path)
    data = store.dump(media)
    out.write_bytes(data)
    progress(f"exported {len(store)} quads from {path} to {out}")
    return EXIT_OK


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    """Restore an export into a store: an empty one, or replacing all with --replace."""
    from platform_graph.rdf import media_types
    from platform_graph.read import model_file
    from platform_graph.read.model import ReadModel
    from platform_graph.service.parts import materialise_inferred
    from platform_graph.store import check_file, identity, import_file, open_embedded
    from platform_graph.write.change_log import head

    path = _store_for(args, settings)
    source = Path(args.file)
    try:
        fmt = media_types.by_file_name(source.name)
        if fmt.kind != "dataset":
            raise InputError(
                "an export is N-Quads or TriG (it keeps the graphs)", source=str(source)
            )
        remote = bool(settings.store_url and not args.store)
        # Read it all before touching the store: a broken file changes nothing. For the
        # embedded store it is read streamed and loaded by the engine's bulk loader from
        # the file (never all in memory); a remote store is sent the parsed quads.
        check = open_embedded(None)
        try:
            if remote:
                check.load(source.read_bytes(), fmt.media_type)
            else:
                check_file(source, fmt.media_type)
        except SyntaxError as exc:
            raise InputError(
                exc.msg, source=str(source), line=exc.lineno, column=exc.offset
            ) from exc
    except (InputError, OSError) as exc:
        sys.stderr.write(f"unreadable input: {exc}\n")
        return EXIT_UNREADABLE
    if remote:
        return _import_remote(args, settings, check)
    store = open_embedded(path)
    if len(store) and not args.replace:
        sys.stderr.write(f"the store at {path} is not empty: add --replace to overwrite it\n")
        return EXIT_INVALID
    kept = model_file.model_path(path)
    model_file.discard(kept)  # it describes what is about to be replaced
    store.clear()
    import_file(store, source, fmt.media_type)
    # What the ontology entails, and the read model's list of every commitment, are found
    # now, while nobody reads the store, instead of when the service first starts on it
    # (docs/benchmarks.md: the cold start at a million triples).
    materialise_inferred(store, bulk=True)
    store.flush()
    name = identity(store)
    if name is not None:
        items = ReadModel(store).every_commitment()
        model_file.write(kept, model_file.key_for(name, head(store)[0]), items)
    progress(f"imported {len(store)} quads into {path}")
    return EXIT_OK


def _import_remote(args: argparse.Namespace, settings: Settings, data: Store) -> int:
    """Restore into the remote store: its graphs dropped, then the export pushed in."""
    from platform_graph.service.open_store import load_state_path, remote_store
    from platform_graph.store.loader import push

    remote = remote_store(settings)
    try:
        if len(remote) and not args.replace:
            sys.stderr.write(
                f"the store at {settings.store_url} is not empty: add --replace to overwrite it\n"
            )
            return EXIT_INVALID
        remote.clear()
        push(
            remote,
            data.dump("application/n-quads"),
            target=settings.store_url,
            state_path=load_state_path(settings),
            batch_size=settings.store_batch_size,
            restart=True,
            progress=progress,
        )
    except (StoreUnavailable, StoreQueryError) as exc:
        sys.stderr.write(f"{exc}\n")
        return EXIT_UNREADABLE
    progress(f"imported {len(remote)} quads into {settings.store_url}")
    return EXIT_OK
