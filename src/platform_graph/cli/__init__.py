"""The command line: one module per command family, thin over the layers below."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from platform_graph import __version__
from platform_graph.cli.common import EXIT_INVALID
from platform_graph.cli.data import cmd_export, cmd_import, cmd_load
from platform_graph.cli.extract import cmd_eval_extract, cmd_extract
from platform_graph.cli.graph import cmd_build, cmd_check, cmd_stats, cmd_validate
from platform_graph.cli.rebase import cmd_rebase
from platform_graph.cli.reliability import cmd_reliability
from platform_graph.cli.serve import cmd_serve
from platform_graph.cli.tokens import cmd_token
from platform_graph.config import Settings
from platform_graph.write.tokens import Role

__all__ = ["main"]


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

    p = sub.add_parser(
        "reliability",
        help="Cohen's kappa per coded field from the two codings of the reliability sample",
    )
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print JSON")
    out.add_argument("--markdown", action="store_true", help="print the Markdown tables")
    p.set_defaults(func=cmd_reliability)

    p = sub.add_parser(
        "extract",
        help="propose the coding of a platform text (units, cues, actors, areas, themes)",
    )
    p.add_argument("source", help="the platform as plain UTF-8 text (a PDF's text export)")
    p.add_argument("--json", action="store_true", help="print the units as JSON on stdout")
    p.add_argument("--out", help="write a curation draft (a platform folder) here")
    p.add_argument("--platform", help="the platform's slug, e.g. exempelby-2026-2030")
    p.add_argument(
        "--party", action="append", default=[], help="a party of the platform (repeatable)"
    )
    p.add_argument("--municipality", help="e.g. 'Exempelby kommun' (default: found in the text)")
    p.add_argument("--term", help="e.g. 2026-2030 (default: found in the title)")
    p.add_argument("--force", action="store_true", help="replace curated work in --out")
    p.add_argument(
        "--max-bytes", type=int, default=2_000_000, help="refuse larger files (default 2 MB)"
    )
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser(
        "eval-extract", help="score the extractor against the curated codings (extraction.md)"
    )
    p.add_argument("--out", default="docs/extraction.md", help="the report to write")
    p.set_defaults(func=cmd_eval_extract, command_line=["make", "eval-extract"])

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

    p = sub.add_parser(
        "rebase",
        help="replay the change log onto the graph built from the curated files (the "
        "service does it when it starts on a new build); prints what no longer applies",
    )
    p.add_argument("--store", help="the store's folder (default var/store)")
    p.add_argument(
        "--no-build", action="store_true", help="use the built graph as it is (default: build)"
    )
    p.add_argument("--dry-run", action="store_true", help="replay and report; change nothing")
    p.add_argument("--json", action="store_true", help="the report as JSON")
    p.set_defaults(func=cmd_rebase)

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
