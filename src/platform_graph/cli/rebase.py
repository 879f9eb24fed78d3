"""rebase: replay the change log onto the built graph, as the service does when it starts
on a new base, and print the report (the service must not be running on the store)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from platform_graph.build.graph import write_outputs
from platform_graph.cli.common import (
    EXIT_INVALID,
    EXIT_OK,
    EXIT_UNREADABLE,
    build_checked,
    print_report,
    progress,
)
from platform_graph.config import Settings
from platform_graph.store import StoreQueryError, StoreUnavailable

__all__ = ["cmd_rebase"]


def cmd_rebase(args: argparse.Namespace, settings: Settings) -> int:
    """Build the graph (unless --no-build), then replay the store's change log onto it.

    Exit 0: the store rests on the built graph, every logged change applied; 1: some
    changes no longer apply (listed; kept in the log as not applied), or the built graph
    breaks the shapes (nothing changed); 2: the store cannot be opened (in use?).
    """
    from platform_graph.service.open_store import follow_base
    from platform_graph.write.replay import BaseInvalid

    if args.store:
        settings = settings.model_copy(update={"store_path": Path(args.store).resolve()})
    if not args.no_build:
        write_outputs(build_checked(settings), settings.output_dir, progress)
    try:
        check = follow_base(settings, dry_run=args.dry_run, force=True, progress=progress)
    except BaseInvalid as exc:
        sys.stderr.write(f"{exc}\n")
        print_report(exc.report, "text")
        return EXIT_INVALID
    except (StoreUnavailable, StoreQueryError, OSError) as exc:
        sys.stderr.write(f"{exc}\n")
        return EXIT_UNREADABLE
    report = check.report
    if args.json:
        out: dict[str, object] = {"action": check.action}
        if report is not None:
            out["report"] = report.to_json()
        if check.backup is not None:
            out["backup"] = str(check.backup)
        sys.stdout.write(json.dumps(out, ensure_ascii=False, indent=2) + "\n")
    else:
        said = {
            "empty": "the store is empty: the service loads the built graph when it starts",
            "no-build": "no built graph",
            "current": "the store already rests on the built graph: nothing to do",
        }
        if check.action in said:
            sys.stdout.write(said[check.action] + "\n")
        if report is not None:
            if check.action == "would-rebase":
                sys.stdout.write("dry run, nothing changed:\n")
            sys.stdout.write(report.to_text() + "\n")
        if check.backup is not None:
            sys.stdout.write(f"the store before is kept at {check.backup}\n")
    return EXIT_INVALID if report is not None and report.unapplied else EXIT_OK
