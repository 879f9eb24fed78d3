"""reliability: the agreement of the two codings of the reliability sample, per field."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from platform_graph.build.reliability import FieldResult, Study, load_study, measure
from platform_graph.cli.common import EXIT_INVALID, EXIT_OK
from platform_graph.config import Settings
from platform_graph.errors import CurationError

__all__ = ["cmd_reliability", "report", "tables"]

GOAL = 0.8
GOAL_FIELDS = ("commitment", "strength")
METHOD = {"cohen": "Cohen's kappa", "pooled": "pooled kappa"}


def _figure(value: float | None) -> str:
    return "undefined" if value is None else f"{value:.3f}"


def _row(r: FieldResult) -> dict[str, Any]:
    return {
        "field": r.field,
        "method": r.method,
        "units": r.agreement.n,
        "observed_agreement": round(r.agreement.observed, 4),
        "expected_agreement": round(r.agreement.expected, 4),
        "kappa": None if r.agreement.kappa is None else round(r.agreement.kappa, 4),
        "ci95": None if r.interval is None else [round(r.interval[0], 4), round(r.interval[1], 4)],
        "disagreeing_units": list(r.disagreeing),
    }


def report(study: Study) -> dict[str, Any]:
    """Everything the command prints, as data."""
    not_blind = study.not_blind()
    blind = [u for u in study.units if u not in not_blind]
    results = measure(study)
    by_field = {r.field: r for r in results}
    goal_met = all(
        (k := by_field[f].agreement.kappa) is not None and k >= GOAL for f in GOAL_FIELDS
    )
    return {
        "seed": study.seed,
        "drawn_on": study.drawn_on,
        "population": len(study.population),
        "size": study.size,
        "draw_reproduced": sorted(study.draw()) == sorted(study.key.values()),
        "units": {u: study.key[u] for u in study.units},
        "not_blind": not_blind,
        "fields": [_row(r) for r in results],
        "blind_fields": [_row(r) for r in measure(study, blind)],
        "goal": {"kappa": GOAL, "fields": list(GOAL_FIELDS), "met": goal_met},
        "resolutions": {
            "total": len(study.resolutions),
            "codebook_changed": sum(r.codebook_changed for r in study.resolutions),
            "data_changed": sum(r.data_changed for r in study.resolutions),
        },
    }


def tables(rows: Sequence[dict[str, Any]]) -> str:
    """A Markdown table of the figures (docs/reliability.md embeds it)."""
    out = [
        "| field | method | units | observed agreement | kappa | 95 % interval "
        "| disagreeing units |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        ci = "–" if r["ci95"] is None else f"{r['ci95'][0]:.3f} – {r['ci95'][1]:.3f}"
        units = ", ".join(r["disagreeing_units"]) or "–"
        out.append(
            f"| {r['field']} | {METHOD[r['method']]} | {r['units']} | "
            f"{r['observed_agreement']:.3f} | {_figure(r['kappa'])} | {ci} | {units} |"
        )
    return "\n".join(out) + "\n"


def cmd_reliability(args: argparse.Namespace, settings: Settings) -> int:
    try:
        study = load_study(settings.paths.data / "reliability")
    except CurationError as exc:
        sys.stderr.write(f"{exc}\n")
        return EXIT_INVALID
    data = report(study)
    if args.json:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    elif args.markdown:
        sys.stdout.write("Whole sample:\n\n" + tables(data["fields"]))
        sys.stdout.write("\nBlind units only:\n\n" + tables(data["blind_fields"]))
    else:
        w = sys.stdout.write
        w(
            f"sample: {data['size']} of {data['population']} statements, "
            f"random.Random({data['seed']}).sample over the sorted ids, drawn "
            f"{data['drawn_on']}; the draw "
            f"{'reproduces' if data['draw_reproduced'] else 'does NOT reproduce'} key.yaml\n"
        )
        w(
            f"not blind (sentence cited by the codebook the second coder read): "
            f"{len(data['not_blind'])} units; blind: "
            f"{data['size'] - len(data['not_blind'])}\n\n"
        )
        parts = (("whole sample", data["fields"]), ("blind units", data["blind_fields"]))
        for title, rows in parts:
            w(f"{title}:\n")
            for r in rows:
                ci = "" if r["ci95"] is None else f"  [{r['ci95'][0]:.3f}, {r['ci95'][1]:.3f}]"
                w(
                    f"  {r['field']:<12} {METHOD[r['method']]:<14} n={r['units']:<3} "
                    f"agreement {r['observed_agreement']:.3f}  kappa {_figure(r['kappa'])}{ci}"
                    f"  disagreements {len(r['disagreeing_units'])}\n"
                )
        goal = data["goal"]
        w(
            f"\ngoal kappa >= {goal['kappa']} for {' and '.join(goal['fields'])}: "
            f"{'met' if goal['met'] else 'NOT met'}\n"
        )
        res = data["resolutions"]
        w(
            f"resolutions: {res['total']} ({res['codebook_changed']} changed the codebook, "
            f"{res['data_changed']} the data)\n"
        )
        w("units: " + ", ".join(f"{u}={sid}" for u, sid in data["units"].items()) + "\n")
    return EXIT_OK if data["draw_reproduced"] else EXIT_INVALID
