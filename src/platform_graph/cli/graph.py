"""build, validate, check, stats: the graph from the curated files, and its checks."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import Graph

from platform_graph.build.codebook import load_cue_table
from platform_graph.build.codebook_check import check_codebook
from platform_graph.build.curation import uncovered
from platform_graph.build.graph import build, write_outputs
from platform_graph.build.stats import graph_stats
from platform_graph.config import Settings
from platform_graph.errors import CurationError, InputError
from platform_graph.store import read_graph
from platform_graph.validation.shacl import load_shapes, validate

if TYPE_CHECKING:
    pass

from platform_graph.cli.common import (
    EXIT_INVALID,
    EXIT_OK,
    EXIT_UNREADABLE,
    build_checked,
    print_report,
    progress,
)

__all__ = ["cmd_build", "cmd_check", "cmd_stats", "cmd_validate"]


def cmd_build(args: argparse.Namespace, settings: Settings) -> int:
    started = time.perf_counter()
    result = build_checked(settings)
    out = Path(args.out) if args.out else settings.output_dir
    for path in write_outputs(result, out, progress=progress):
        sys.stdout.write(f"{path}\n")
    if args.no_validate:
        return EXIT_OK
    progress("validating against the shapes")
    checked = result.union()
    if len(result.proposals()):
        # A draft's proposals are validated as if all were accepted: each one then passes
        # the write path's validation when a reviewer accepts it.
        progress(f"and {len(result.proposals())} triples of proposed statements with them")
        for triple in result.proposals():
            checked.add(triple)
    report = validate(checked, load_shapes(settings.paths.shapes))
    if not report.conforms:
        print_report(report, "text")
        return EXIT_INVALID
    progress(
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
    store.load(build_checked(settings).nquads(), "application/n-quads")
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
                progress(f"reading {name}")
                read_graph(Path(name), graph)
        else:
            graph = build_checked(settings).union()
    except InputError as exc:
        sys.stderr.write(f"unreadable input: {exc}\n")
        return EXIT_UNREADABLE
    progress(f"validating {len(graph)} triples against {shapes_path.name}")
    report = validate(graph, shapes)
    print_report(report, args.format)
    return EXIT_OK if report.conforms else EXIT_INVALID


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    """Check the curation against the source and the codebook's mechanical rules: every
    problem at once, for curators."""
    try:
        result = build(settings.paths)
        table = load_cue_table(settings.paths.data / "codebook" / "cues.yaml")
    except CurationError as exc:
        sys.stdout.write(f"{exc}\n")
        return EXIT_INVALID
    gaps = uncovered(result.source, result.curation.statements)
    for gap in gaps:
        sys.stdout.write(f"{gap}\n")
    statements = result.curation.statements
    findings = check_codebook(statements, result.source, table)
    for finding in findings:
        sys.stdout.write(f"{finding.line()}\n")
    commitments = sum(st.commitment for st in statements)
    excused = sum(len(st.exceptions) for st in statements)
    sys.stdout.write(
        f"{len(statements)} statements ({commitments} commitments, "
        f"{len(statements) - commitments} context) over {len(result.source.sentences)} "
        f"sentences; {len(gaps)} sentence(s) not accounted for; {len(findings)} code(s) "
        f"against the codebook's rules ({excused} recorded exception(s))\n"
    )
    return EXIT_INVALID if gaps or findings else EXIT_OK


def cmd_stats(args: argparse.Namespace, settings: Settings) -> int:
    result = build_checked(settings)
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
