"""The benchmark: generate, serve, ask, measure, and write docs/benchmarks.md with plots.

Run: make bench-quick  (10k and 100k triples, under five minutes on two cores)
     make bench        (10k, 100k, 1M and 5M triples; long)
or:  .venv/bin/python -m benchmarks [--quick | --full] [--sizes 10000,100000] [--systems ...]

For each size: a synthetic graph (``generate.py``); then each system in turn, alone on
the machine, is started on it (load time, cold start to the first answer, memory), asked
every request of the workload (``workload.py``; median and p95 per family), and asked
by several concurrent clients (throughput per family). The service and the engine in
process then take validated one-commitment changes, next to full pyshacl validations of
the same graph. Results go to docs/benchmarks-<mode>.json; the report is rendered from
every results file present (``report.py``).

Nothing is faked: a system that cannot be installed or started is reported as such; a
request past the time limit is reported as a timeout (and counted at the limit, so a
ratio against it is a lower bound); a request whose time at the previous size predicts
a timeout is not run at the next one, and reported as such.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.at_scale import run_at_scale
from benchmarks.engines import EngineTimeout
from benchmarks.generate import generate
from benchmarks.head_to_head import run_head_to_head
from benchmarks.measure import HttpClient, HttpError, machine, median
from benchmarks.report import write_report
from benchmarks.systems import (
    SYSTEMS,
    EngineSystem,
    RequestTimeout,
    ServiceSystem,
    System,
    Unavailable,
    VirtuosoSystem,
    make_system,
)
from benchmarks.workload import FAMILIES, Request, build_workload

__all__ = ["PLANS", "Plan", "main"]

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


@dataclass(frozen=True, slots=True)
class Plan:
    mode: str
    sizes: tuple[int, ...]
    reps: int  # timed repetitions of a fast request (after one untimed warm-up)
    request_budget: float  # seconds of repetitions one request may take
    system_budget: float  # seconds one system may spend on the reads at one size
    timeout: float  # one request
    throughput_seconds: float
    clients: tuple[int, ...]  # concurrent clients of each throughput measurement
    changes: int
    full_validation_max: int  # the largest graph validated in full with pyshacl
    systems: tuple[str, ...] = SYSTEMS


PLANS = {
    "quick": Plan(
        mode="quick",
        sizes=(10_000, 100_000),
        reps=5,
        request_budget=0.5,
        system_budget=14.0,
        timeout=3.0,
        throughput_seconds=0.75,
        clients=(4,),
        changes=5,
        full_validation_max=100_000,
    ),
    "full": Plan(
        mode="full",
        sizes=(10_000, 100_000, 1_000_000, 5_000_000),
        reps=10,
        request_budget=5.0,
        system_budget=300.0,
        timeout=30.0,
        throughput_seconds=2.0,
        clients=(1, 4),
        changes=10,
        full_validation_max=1_000_000,
    ),
}


@dataclass(slots=True)
class Outcome:
    family: str
    name: str
    samples: list[float] = field(default_factory=list)
    outcome: str = "ok"  # ok | timeout | predicted-timeout | error | budget
    detail: str = ""
    rows: list[int] | None = None


def _say(message: str) -> None:
    sys.stderr.write(f"[bench {time.strftime('%H:%M:%S')}] {message}\n")
    sys.stderr.flush()


def _measure_reads(
    system: System,
    requests: list[Request],
    plan: Plan,
    previous: dict[str, Outcome],
    factor: float,
) -> dict[str, Outcome]:
    """Every request: one untimed run (also the answer-size check), then timed runs."""
    out: dict[str, Outcome] = {}
    phase_end = time.monotonic() + plan.system_budget
    # Families in turn (one of each, then the next of each), so that a system whose time
    # budget runs out has been measured on every family.
    by_family = [[r for r in requests if r.family == f] for f in FAMILIES]
    order = [fam[i] for i in range(max(map(len, by_family))) for fam in by_family if i < len(fam)]
    for request in order:
        result = Outcome(request.family, request.name)
        out[request.key] = result
        before = previous.get(request.key)
        # Skip what timed out at the previous size; where a timeout costs a restart (the
        # engines in process, rdflib-endpoint), also what the previous size predicts will.
        if before is not None and (
            before.outcome in ("timeout", "predicted-timeout")
            or (
                system.restart_on_timeout
                and before.samples
                and median(before.samples) * factor > plan.timeout
            )
        ):
            result.outcome = "predicted-timeout"
            result.detail = "timed out, or would at this size, at the previous size"
            continue
        if time.monotonic() > phase_end:
            result.outcome = "budget"
            result.detail = "not run: this system's time budget for the size was spent"
            continue
        try:
            started = time.perf_counter()
            result.rows = system.count(request)
            first = time.perf_counter() - started
            if first > plan.request_budget / 2:
                result.samples = [first]  # slow: the first run is the measurement
            else:
                reps = max(1, min(plan.reps, int(plan.request_budget / max(first, 1e-4))))
                result.samples = system.run(request, reps)
        except RequestTimeout as exc:
            result.outcome, result.detail = "timeout", str(exc)
            if system.restart_on_timeout:
                _say(f"  {system.name}: {request.key} timed out; restarting")
                system.restart()
            else:
                # The server may still be working on it: let it finish before measuring on.
                waited = system.settle(max(60.0, 10 * plan.timeout))
                result.detail += f" (the server was busy {waited:.0f} s more)"
        except (HttpError, RuntimeError, OSError) as exc:
            result.outcome, result.detail = "error", str(exc)[:400]
    return out


def _throughput(
    system: System, requests: list[Request], reads: dict[str, Outcome], plan: Plan
) -> dict[str, dict[str, dict[str, Any]]]:
    """Per number of clients, per family."""
    return {
        str(clients): _throughput_with(system, requests, reads, plan, clients)
        for clients in plan.clients
    }


def _throughput_with(
    system: System, requests: list[Request], reads: dict[str, Outcome], plan: Plan, clients: int
) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for family in FAMILIES:
        usable = [
            r
            for r in requests
            if r.family == family
            and reads[r.key].outcome == "ok"
            and median(reads[r.key].samples) < plan.throughput_seconds / 2
        ]
        total = sum(1 for r in requests if r.family == family)
        if not usable:
            out[family] = {"rps": None, "note": "not measured: every request too slow or failed"}
            continue
        try:
            done, elapsed, errors = system.throughput(usable, clients, plan.throughput_seconds)
        except RequestTimeout as exc:
            out[family] = {"rps": None, "note": f"timed out: {exc}"}
            system.restart()
            continue
        # A server does not stop on a query whose client gave up: let it finish before
        # the next family is measured, or that family would be measured against it.
        waited = system.settle(max(60.0, 10 * plan.timeout))
        note = "" if len(usable) == total else f"{len(usable)} of {total} requests (the rest slow)"
        if errors and waited > 1.0:
            note = f"{note}; " if note else ""
            note += f"after it the server was busy {waited:.0f} s more"
        out[family] = {
            "rps": done / elapsed if elapsed > 0 else None,
            "requests": done,
            "seconds": elapsed,
            "errors": errors,
            "note": note,
        }
    return out


def _updates(
    system: System, commitments: list[str], plan: Plan, size: int, offset: int
) -> dict[str, Any]:
    """Validated one-commitment changes (assessments), each on another commitment."""
    out: dict[str, Any] = {}
    if isinstance(system, ServiceSystem):
        client = HttpClient(system.port, max(plan.timeout, 120))
        times = []
        try:
            system.change(client, commitments[(offset + plan.changes) % len(commitments)], 99)
            for i in range(plan.changes):
                commitment = commitments[(offset + i) % len(commitments)]
                started = time.perf_counter()
                system.change(client, commitment, i)
                times.append(time.perf_counter() - started)
            out["http"] = times
        except (HttpError, OSError) as exc:
            out["http_error"] = str(exc)[:400]
        finally:
            client.close()
    elif isinstance(system, EngineSystem) and system.name == "oxigraph":
        real, focus = [], []
        system.call(
            "change", commitments[(offset + 3 * plan.changes) % len(commitments)], timeout=600
        )  # untimed: the first change also builds the validator
        for i in range(plan.changes):
            seconds, nodes = system.call(
                "change", commitments[(offset + i) % len(commitments)], timeout=600
            )
            real.append(seconds)
            focus.append(nodes)
        out.update(inprocess=real, focus_nodes=focus)
        (out["profile"],) = system.call(
            "profile", commitments[(offset + 2 * plan.changes) % len(commitments)], timeout=600
        )
        if size <= plan.full_validation_max:
            full = []
            for _ in range(2 if size <= 20_000 else 1):
                seconds, conforms, violations = system.call("full", timeout=7200)
                full.append(seconds)
                out["full_conforms"] = bool(conforms)
                out["full_violations"] = int(violations)
            out["full"] = full
    return out


def run(plan: Plan, workdir: Path, only: tuple[str, ...]) -> dict[str, Any]:
    virtuoso = VirtuosoSystem.install() if "virtuoso" in only else "not asked for"
    results: dict[str, Any] = {
        "mode": plan.mode,
        "plan": asdict(plan),
        "machine": machine({"virtuoso": _virtuoso_version()}),
        "virtuoso_install": virtuoso,
        "sizes": [],
    }
    previous: dict[str, dict[str, Outcome]] = {}
    last_size = 0
    for size in plan.sizes:
        _say(f"generating {size} triples")
        started = time.perf_counter()
        graph = generate(size)
        gen_seconds = time.perf_counter() - started
        data = workdir / f"graph-{size}.nq"
        graph.write(data)
        m0 = graph.municipalities[0]
        workload = build_workload(ROOT, m0)
        entry: dict[str, Any] = {
            "target": size,
            "quads": graph.quads,
            "municipalities": len(graph.municipalities),
            "changes": graph.changes,
            "commitments": sum(len(m.commitments) for m in graph.municipalities),
            "generate_seconds": gen_seconds,
            "bytes": len(graph.nquads),
            "systems": {},
            "updates": {},
        }
        results["sizes"].append(entry)
        factor = size / last_size if last_size else 1.0
        for name in only:
            system = make_system(name, ROOT, workdir, plan.timeout)
            record: dict[str, Any] = {"status": "ok"}
            entry["systems"][name] = record
            _say(f"{size}: {name}: starting")
            try:
                started_info = system.start(data)
            except Unavailable as exc:
                record.update(status="unavailable", note=str(exc)[:1000])
                _say(f"  {name} unavailable: {str(exc)[:200]}")
                continue
            try:
                record.update(
                    load_seconds=started_info.load_seconds,
                    cold_start_seconds=started_info.cold_start_seconds,
                    rss_kb_start=started_info.rss_kb,
                    notes=started_info.notes,
                )
                _say(f"  {name}: loaded in {started_info.load_seconds:.2f} s; reads")
                reads = _measure_reads(
                    system, workload.requests, plan, previous.get(name, {}), factor
                )
                previous[name] = reads
                record["requests"] = {k: asdict(v) for k, v in reads.items()}
                record["rss_kb_after"] = system.memory_kb()
                _say(f"  {name}: throughput")
                record["throughput"] = _throughput(system, workload.requests, reads, plan)
                system.settle(max(60.0, 10 * plan.timeout))
                if isinstance(system, ServiceSystem):
                    record["baseline"] = system.baseline(plan.reps * 4)
                if isinstance(system, EngineSystem) and name == "oxigraph":
                    small = next(r for r in workload.requests if r.small and r.family == "sparql")
                    try:
                        (record["split"],) = system.call(
                            "split", small.sparql[0].text, 50, timeout=1800
                        )
                    except (EngineTimeout, RuntimeError) as exc:
                        record["split_error"] = str(exc)[:400]
                        system.restart()
                if name in ("service", "oxigraph"):
                    _say(f"  {name}: validated changes")
                    entry["updates"][name] = _updates(
                        system, workload.commitments, plan, size, 0 if name == "service" else 7
                    )
            except (Unavailable, RequestTimeout, EngineTimeout, RuntimeError, OSError) as exc:
                record.update(status="failed", note=f"{type(exc).__name__}: {str(exc)[:800]}")
                _say(f"  {name} failed: {str(exc)[:200]}")
            finally:
                system.stop()
        data.unlink()
        last_size = size
    if "service" in only and "virtuoso" in only:
        _say("the platform itself: the service beside Virtuoso, alternated")
        results["head_to_head"] = run_head_to_head(workdir / "head-to-head")
    large = [size for size in plan.sizes if size >= 1_000_000]
    if "service" in only and large:
        _say(f"import, cold start and memory at {', '.join(map(str, large))} triples")
        results["at_scale"] = run_at_scale(large, workdir / "at-scale")
    return results


def _virtuoso_version() -> str:
    binary = shutil.which("virtuoso-t")
    if binary is None:
        return "not installed"
    import subprocess

    done = subprocess.run([binary, "-?"], capture_output=True, text=True, timeout=30)
    for line in (done.stdout + done.stderr).splitlines():
        if "Version" in line:
            return line.strip()
    return "installed"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_const", dest="mode", const="quick")
    mode.add_argument("--full", action="store_const", dest="mode", const="full")
    parser.add_argument("--sizes", help="comma-separated triple counts, instead of the plan's")
    parser.add_argument("--systems", help=f"comma-separated, of: {', '.join(SYSTEMS)}")
    parser.add_argument("--out", type=Path, default=DOCS, help="where the report goes")
    parser.add_argument(
        "--report-only", action="store_true", help="render the report from stored results"
    )
    args = parser.parse_args(argv)
    plan = PLANS[args.mode or "quick"]
    if args.sizes:
        plan = Plan(**{**asdict(plan), "sizes": tuple(int(s) for s in args.sizes.split(","))})
    only = tuple(args.systems.split(",")) if args.systems else plan.systems
    if not args.report_only:
        started = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="platform-graph-bench-") as tmp:
            results = run(plan, Path(tmp), only)
        results["seconds"] = time.perf_counter() - started
        results["plan_sizes"] = list(PLANS[plan.mode].sizes)
        args.out.mkdir(parents=True, exist_ok=True)
        target = args.out / f"benchmarks-{plan.mode}.json"
        target.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
        _say(f"wrote {target} ({results['seconds']:.0f} s)")
    report = write_report(args.out)
    _say(f"wrote {report}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
