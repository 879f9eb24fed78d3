"""The command line: build | validate | stats | serve, each calling the domain modules."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError
from rdflib import Graph

from platform_graph import __version__
from platform_graph.build.curation import uncovered
from platform_graph.build.graph import BuildResult, build, write_outputs
from platform_graph.build.stats import graph_stats
from platform_graph.config import Settings, settings_environment
from platform_graph.errors import CurationError, InputError
from platform_graph.store import StoreQueryError, StoreUnavailable, read_graph
from platform_graph.validation.shacl import Report, load_shapes, validate
from platform_graph.write.tokens import Role, TokenError, TokenRegistry, hash_token, parse_expiry

if TYPE_CHECKING:
    from platform_graph.store import Store

__all__ = ["main"]

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_UNREADABLE = 2


def _progress(message: str) -> None:
    sys.stderr.write(f"· {message}\n")
    sys.stderr.flush()


def _report(report: Report, fmt: str) -> None:
    if fmt == "json":
        sys.stdout.write(report.dumps() + "\n")
    elif fmt == "turtle":
        sys.stdout.write(report.to_turtle())
    else:
        sys.stdout.write(report.to_text() + "\n")


def _build_checked(settings: Settings) -> BuildResult:
    try:
        return build(settings.paths, progress=_progress)
    except CurationError as exc:
        sys.stderr.write(f"the curation does not fit the source:\n{exc}\n")
        raise SystemExit(EXIT_INVALID) from exc


def cmd_build(args: argparse.Namespace, settings: Settings) -> int:
    started = time.perf_counter()
    result = _build_checked(settings)
    out = Path(args.out) if args.out else settings.output_dir
    for path in write_outputs(result, out, progress=_progress):
        sys.stdout.write(f"{path}\n")
    if args.no_validate:
        return EXIT_OK
    _progress("validating against the shapes")
    report = validate(result.union(), load_shapes(settings.paths.shapes))
    if not report.conforms:
        _report(report, "text")
        return EXIT_INVALID
    _progress(
        f"built and validated in {time.perf_counter() - started:.1f} s "
        f"({len(report.warnings)} warning(s))"
    )
    return EXIT_OK


def _ontology_and_themes(settings: Settings) -> Graph:
    g = Graph()
    read_graph(settings.paths.ontology, g)
    read_graph(settings.paths.themes, g)
    return g


def cmd_validate_changes(args: argparse.Namespace, settings: Settings) -> int:
    """The dry run of POST /api/changes, offline: the change set against the built graph."""
    from platform_graph.store import open_embedded
    from platform_graph.validation.incremental import Validator
    from platform_graph.write.change_sets import read_change_set
    from platform_graph.write.writer import Writer

    path = Path(args.changes)
    try:
        try:
            envelope = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise InputError(exc.msg, source=str(path), line=exc.lineno, column=exc.colno) from exc
        except OSError as exc:
            raise InputError(str(exc), source=str(path)) from exc
        change = read_change_set(envelope, source=str(path))
    except InputError as exc:
        sys.stderr.write(f"unreadable input: {exc}\n")
        return EXIT_UNREADABLE
    store = open_embedded(None)
    store.load(_build_checked(settings).nquads(), "application/n-quads")
    writer = Writer(store, Validator(read_graph(settings.paths.shapes)))
    outcome = writer.submit(
        add=change.add, remove=change.remove, author="offline", message=change.message, dry_run=True
    )
    if args.format == "json":
        body = {
            **outcome.report.to_json(),
            "added": len(outcome.added),
            "removed": len(outcome.removed),
            "status": outcome.status,
        }
        sys.stdout.write(json.dumps(body, ensure_ascii=False, indent=2) + "\n")
    elif args.format == "turtle":
        sys.stdout.write(outcome.report.to_turtle())
    else:
        sys.stdout.write(
            f"would add {len(outcome.added)} and remove {len(outcome.removed)} triple(s)\n"
        )
        sys.stdout.write(outcome.report.to_text() + "\n")
    return EXIT_OK if outcome.report.conforms else EXIT_INVALID


def cmd_validate(args: argparse.Namespace, settings: Settings) -> int:
    if args.changes:
        return cmd_validate_changes(args, settings)
    shapes_path = Path(args.shapes) if args.shapes else settings.paths.shapes
    try:
        shapes = read_graph(shapes_path)
        if args.files:
            # The ontology and themes come along, so that sh:class sees the class
            # hierarchy and the themes' schemes, whatever the file holds.
            graph = Graph() if args.no_ontology else _ontology_and_themes(settings)
            for name in args.files:
                _progress(f"reading {name}")
                read_graph(Path(name), graph)
        else:
            graph = _build_checked(settings).union()
    except InputError as exc:
        sys.stderr.write(f"unreadable input: {exc}\n")
        return EXIT_UNREADABLE
    _progress(f"validating {len(graph)} triples against {shapes_path.name}")
    report = validate(graph, shapes)
    _report(report, args.format)
    return EXIT_OK if report.conforms else EXIT_INVALID


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    """Check the curation against the source: every problem at once, for curators."""
    try:
        result = build(settings.paths)
    except CurationError as exc:
        sys.stdout.write(f"{exc}\n")
        return EXIT_INVALID
    gaps = uncovered(result.source, result.curation.statements)
    for gap in gaps:
        sys.stdout.write(f"{gap}\n")
    statements = result.curation.statements
    commitments = sum(st.commitment for st in statements)
    sys.stdout.write(
        f"{len(statements)} statements ({commitments} commitments, "
        f"{len(statements) - commitments} context) over {len(result.source.sentences)} "
        f"sentences; {len(gaps)} sentence(s) not accounted for\n"
    )
    return EXIT_INVALID if gaps else EXIT_OK


def cmd_stats(args: argparse.Namespace, settings: Settings) -> int:
    result = _build_checked(settings)
    union = result.union()
    stats = graph_stats(union).as_dict()
    started = time.perf_counter()
    report = validate(union, load_shapes(settings.paths.shapes))
    stats["validation_ms"] = round((time.perf_counter() - started) * 1000)
    stats["conforms"] = int(report.conforms)
    if args.json:
        sys.stdout.write(json.dumps(stats, indent=2) + "\n")
    else:
        for key, value in stats.items():
            sys.stdout.write(f"{key:>14}: {value}\n")
    return EXIT_OK


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    """Open the store (building and loading the graph on first use) and serve it."""
    from platform_graph.http import create_app
    from platform_graph.service.open_store import open_store

    updates: dict[str, object] = {}
    if args.host:
        updates["host"] = args.host
    if args.port:
        updates["port"] = args.port
    if args.store:
        updates["store_path"] = Path(args.store).resolve()
    settings = settings.model_copy(update=updates)
    workers = args.workers or 1
    if workers > 1 and not settings.store_url:
        sys.stderr.write(
            "the embedded store serves one process: for --workers set PLATFORM_GRAPH_STORE_URL "
            "to a SPARQL server (docs/deployment.md)\n"
        )
        return EXIT_INVALID
    try:
        store = open_store(settings, progress=_progress)
    except StoreUnavailable as exc:
        sys.stderr.write(f"{exc}\n")
        return EXIT_UNREADABLE
    _progress(
        f"serving on http://{settings.host}:{settings.port}/ (SPARQL at /sparql, API at /docs)"
    )
    from platform_graph.http.server import run

    if workers > 1:
        # Each worker process builds its app from the environment: hand the settings on.
        os.environ.update(settings_environment(settings))
        run("platform_graph.http:create_app", settings, workers=workers)
        return EXIT_OK
    run(create_app(settings, store), settings)
    return EXIT_OK


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
        data = Path(args.input).read_bytes() if args.input else built_nquads(settings, _progress)
        store = remote_store(settings)
        store.ping()
        report = push(
            store,
            data,
            target=args.target,
            state_path=load_state_path(settings),
            batch_size=settings.store_batch_size,
            restart=args.restart,
            progress=_progress,
        )
    except SyntaxError as exc:
        sys.stderr.write(f"unreadable input: {exc}\n")
        return EXIT_UNREADABLE
    except (OSError, StoreUnavailable, StoreQueryError) as exc:
        sys.stderr.write(f"{exc}\n")
        return EXIT_UNREADABLE
    _progress(
        f"loaded {report.quads} quads into {args.target} in {report.batches} batches "
        f"({report.skipped} done before) in {report.seconds:.1f} s"
    )
    return EXIT_OK


def _token_hash() -> int:
    """Read a token (stdin, or a hidden prompt on a terminal) and print its sha256."""
    token = getpass.getpass("token: ") if sys.stdin.isatty() else sys.stdin.read()
    token = token.strip()
    if not token:
        sys.stderr.write("no token given on stdin\n")
        return EXIT_INVALID
    sys.stdout.write(f"{hash_token(token)}\n")
    return EXIT_OK


def cmd_token(args: argparse.Namespace, settings: Settings) -> int:
    """Bearer tokens: create (printed once, optionally expiring), list, revoke; hash for
    PLATFORM_GRAPH_TOKENS."""

    if args.token_command == "hash":
        return _token_hash()
    try:
        registry = TokenRegistry(settings.tokens_path, configured=settings.tokens)
        if args.token_command == "create":
            if registry.path is None:
                sys.stderr.write("no token file: set PLATFORM_GRAPH_TOKENS_FILE\n")
                return EXIT_INVALID
            expires = None if args.expires_in is None else parse_expiry(args.expires_in)
            token = registry.issue(args.name, args.role, expires=expires)
            sys.stdout.write(f"{token}\n")
            until = "never expires" if expires is None else f"expires {expires.isoformat()}"
            _progress(
                f"token {args.name!r} ({args.role}, {until}) saved, as a hash, in "
                f"{registry.path}; this is the only time it is shown"
            )
        elif args.token_command == "list":
            infos = registry.list()
            tokens = [info.as_dict() for info in infos]
            if args.json:
                sys.stdout.write(json.dumps(tokens, indent=2) + "\n")
            for info, t in [] if args.json else zip(infos, tokens, strict=True):
                expiry = t["expires"] or "-"
                if info.expired():
                    expiry += " (expired)"
                sys.stdout.write(
                    f"{t['name']:<24} {t['role']:<7} {t['source']:<7} "
                    f"{t['created'] or '-':<25} {expiry}\n"
                )
        else:
            registry.revoke(args.name)
            _progress(f"token {args.name!r} revoked")
    except InputError as exc:
        sys.stderr.write(f"unreadable input: {exc}\n")
        return EXIT_UNREADABLE
    except TokenError as exc:
        sys.stderr.write(f"{exc}\n")
        return EXIT_INVALID
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
        _progress(f"exported {len(remote)} quads from {settings.store_url} to {out}")
        return EXIT_OK
    path = _store_for(args, settings)
    if not path.exists():
        sys.stderr.write(f"no store at {path}\n")
        return EXIT_INVALID
    store = open_embedded(path)
    data = store.dump(media)
    out.write_bytes(data)
    _progress(f"exported {len(store)} quads from {path} to {out}")
    return EXIT_OK


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    """Restore an export into a store: an empty one, or replacing all with --replace."""
    from platform_graph.rdf import media_types
    from platform_graph.store import open_embedded

    path = _store_for(args, settings)
    source = Path(args.file)
    try:
        fmt = media_types.by_file_name(source.name)
        if fmt.kind != "dataset":
            raise InputError(
                "an export is N-Quads or TriG (it keeps the graphs)", source=str(source)
            )
        data = source.read_bytes()
        # Parse it all before touching the store: a broken file changes nothing.
        check = open_embedded(None)
        try:
            check.load(data, fmt.media_type)
        except SyntaxError as exc:
            raise InputError(
                exc.msg, source=str(source), line=exc.lineno, column=exc.offset
            ) from exc
    except (InputError, OSError) as exc:
        sys.stderr.write(f"unreadable input: {exc}\n")
        return EXIT_UNREADABLE
    if settings.store_url and not args.store:
        return _import_remote(args, settings, check)
    store = open_embedded(path)
    if len(store) and not args.replace:
        sys.stderr.write(f"the store at {path} is not empty: add --replace to overwrite it\n")
        return EXIT_INVALID
    store.clear()
    store.load(data, fmt.media_type)
    store.flush()
    _progress(f"imported {len(store)} quads into {path}")
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
            progress=_progress,
        )
    except (StoreUnavailable, StoreQueryError) as exc:
        sys.stderr.write(f"{exc}\n")
        return EXIT_UNREADABLE
    _progress(f"imported {len(remote)} quads into {settings.store_url}")
    return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="platform-graph",
        description="A knowledge graph over Örebro kommun's political platform 2022–2026.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--root", help="project folder (ontology/, shapes/, data/); default: this checkout"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser(
        "build", help="source + curation -> build/platform-graph.{ttl,nq}, validated"
    )
    p.add_argument("--out", help="output folder (default: build/)")
    p.add_argument("--no-validate", action="store_true", help="skip SHACL validation")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser(
        "validate",
        help="check graphs against the shapes (exit 0 conforms, 1 does not, 2 unreadable input)",
    )
    p.add_argument(
        "files",
        nargs="*",
        help="RDF files (.ttl .nt .nq .trig .jsonld .rdf); default: build in memory",
    )
    p.add_argument("--shapes", help="a shapes file (default: shapes/platform-graph.shapes.ttl)")
    p.add_argument(
        "--format", choices=("text", "json", "turtle"), default="text", help="report format"
    )
    p.add_argument(
        "--no-ontology", action="store_true", help="do not add the ontology and themes to the files"
    )
    p.add_argument(
        "--changes",
        metavar="FILE",
        help="dry-run a change set (the JSON of POST /api/changes) against the built graph",
    )
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("check", help="check the curation files against the source (for curators)")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("stats", help="counts of the built graph and the validation time")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("serve", help="start the service; builds and loads the graph on first use")
    p.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port to listen on (default 8000)")
    p.add_argument("--store", help="the store's folder (default var/store)")
    p.add_argument(
        "--workers",
        type=int,
        help="API processes (default 1; more need a remote store, PLATFORM_GRAPH_STORE_URL)",
    )
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser(
        "load", help="push the built graph into a remote SPARQL store (batches, resumable)"
    )
    p.add_argument("--target", required=True, help="the store's SPARQL query endpoint URL")
    p.add_argument(
        "--update-url",
        help="its update endpoint (default PLATFORM_GRAPH_STORE_UPDATE_URL, else the target)",
    )
    p.add_argument("--input", help="an N-Quads file to push (default: the built graph)")
    p.add_argument("--batch-size", type=int, help="quads per update operation (default 1000)")
    p.add_argument("--restart", action="store_true", help="start over instead of resuming")
    p.set_defaults(func=cmd_load)

    p = sub.add_parser("export", help="back up the whole store (graphs and change log)")
    p.add_argument("file", help="output file: .nq (N-Quads) or .trig")
    p.add_argument("--store", help="the store's folder (default var/store)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("import", help="restore a backup into a store")
    p.add_argument("file", help="an export: .nq or .trig")
    p.add_argument("--store", help="the store's folder (default var/store)")
    p.add_argument("--replace", action="store_true", help="replace a store that holds data")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("token", help="bearer tokens: create, list, revoke, hash")
    tokens = p.add_subparsers(dest="token_command", required=True)
    t = tokens.add_parser("create", help="issue a token and print it, this once")
    t.add_argument("--name", required=True, help="lower-case letters, digits, '.', '_', '-'")
    t.add_argument("--role", required=True, choices=[r.value for r in Role])
    t.add_argument(
        "--expires-in",
        metavar="DURATION",
        help="when it stops working: 30d, 12h, 90m, or a date such as 2027-01-01 (UTC); "
        "default: never",
    )
    t = tokens.add_parser("list", help="names, roles, sources and dates (never hashes)")
    t.add_argument("--json", action="store_true", help="print JSON")
    t = tokens.add_parser("revoke", help="revoke a token; it stops working at once")
    t.add_argument("name")
    tokens.add_parser(
        "hash", help="read a token on stdin, print its sha256 (for PLATFORM_GRAPH_TOKENS)"
    )
    p.set_defaults(func=cmd_token)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings(root=Path(args.root)) if args.root else Settings()
    except ValidationError as exc:
        for error in exc.errors():
            where = ".".join(str(p) for p in error.get("loc", ())) or "settings"
            sys.stderr.write(f"setting {where.upper()}: {error.get('msg', '')}\n")
        return EXIT_INVALID
    code: int = args.func(args, settings)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
