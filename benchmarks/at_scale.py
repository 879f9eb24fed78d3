"""At millions of triples: import, cold start and memory, beside pyoxigraph alone.

For each size: the generator's graph written as N-Quads; then, each in its own process,

* ``platform-graph import`` into a fresh on-disk store (the command, timed from outside:
  the file loaded, the inferred graph found and the read model's list written) beside
  pyoxigraph's ``bulk_load`` into an on-disk store;
* the service started on that store as configured by default (``platform-graph serve``:
  above a million quads its query workers read snapshots of the store), timed from
  process start
  until both ``/sparql`` and ``/api/commitments`` have answered, and the resident memory
  of all its processes then (RSS and PSS summed over the process tree: PSS shares pages
  the processes hold in common, the snapshot's files in the page cache say, among them);
* pyoxigraph's in-memory store loading the same file, its peak resident memory.

Run alone: ``python -m benchmarks.at_scale --sizes 1000000``; ``--into`` puts the
figures into a results file and renders docs/benchmarks.md again.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from benchmarks.generate import generate
from benchmarks.measure import HttpClient, HttpError, free_port, rss_kb, rss_tree_kb
from benchmarks.report import at_scale_section, write_report

__all__ = ["measure_size", "run_at_scale"]

ROOT = Path(__file__).resolve().parents[1]
SPARQL_JSON = "application/sparql-results+json"
FORM = "application/x-www-form-urlencoded"


def _bulk_load(data: str, store: str) -> float:
    import pyoxigraph as ox

    started = time.perf_counter()
    target = ox.Store(store)
    target.bulk_load(path=data, format=ox.RdfFormat.N_QUADS)
    target.flush()
    return time.perf_counter() - started


def _in_memory(data: str) -> tuple[float, int]:
    import pyoxigraph as ox

    started = time.perf_counter()
    store = ox.Store()
    store.load(path=data, format=ox.RdfFormat.N_QUADS)
    seconds = time.perf_counter() - started
    assert len(store) > 0
    return seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _in_child(target: Any, *args: Any) -> Any:
    with mp.get_context("spawn").Pool(1, maxtasksperchild=1) as pool:
        return pool.apply(target, args)


def pss_tree_kb(pid: int) -> int:
    """Proportional set size of a process and its descendants, in KiB."""
    total, frontier, seen = 0, [pid], set()
    while frontier:
        p = frontier.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
                    break
            for task in Path(f"/proc/{p}/task").iterdir():
                frontier += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def _answered(port: int) -> bool:
    client = HttpClient(port, 30)
    try:
        body = urlencode({"query": "ASK { ?s ?p ?o }"}).encode()
        client.request("POST", "/sparql", {"Content-Type": FORM, "Accept": SPARQL_JSON}, body)
        client.request("GET", "/api/commitments?limit=5", {"Accept": "application/json"})
        return True
    except (HttpError, OSError):
        return False
    finally:
        client.close()


def _serve(store: Path, workdir: Path) -> dict[str, Any]:
    port = free_port()
    # The service as configured by default: nothing of the environment's own choosing.
    env = {
        **{k: v for k, v in os.environ.items() if k != "PLATFORM_GRAPH_QUERY_COPY_MAX_QUADS"},
        "PLATFORM_GRAPH_BUILD_DIR": str(workdir / "build"),
    }
    log = workdir / "service.log"
    started = time.perf_counter()
    with log.open("wb") as out:
        command = ["serve", "--port", str(port), "--store", str(store)]
        process = subprocess.Popen(
            [sys.executable, "-m", "platform_graph.cli", *command],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=ROOT,
        )
    try:
        deadline = time.monotonic() + 900
        while not _answered(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the service did not answer: {log.read_text()[-2000:]}")
            time.sleep(0.05)
        cold = time.perf_counter() - started
        return {
            "cold_start_seconds": cold,
            "rss_kb": rss_tree_kb(process.pid),
            "pss_kb": pss_tree_kb(process.pid),
            "server_rss_kb": rss_kb(process.pid),
        }
    finally:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def measure_size(size: int, workdir: Path) -> dict[str, Any]:
    graph = generate(size)
    data = workdir / f"graph-{size}.nq"
    graph.write(data)
    out: dict[str, Any] = {"target": size, "quads": graph.quads}
    del graph
    store = workdir / "service-store"
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "platform_graph.cli", "import", str(data), "--store", str(store)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if done.returncode != 0:
        raise RuntimeError(f"platform-graph import failed: {done.stderr[-2000:]}")
    out["import_seconds"] = time.perf_counter() - started
    bulk = workdir / "bulk-store"
    out["bulk_load_seconds"] = _in_child(_bulk_load, str(data), str(bulk))
    shutil.rmtree(bulk, ignore_errors=True)
    out["service"] = _serve(store, workdir)
    seconds, peak = _in_child(_in_memory, str(data))
    out["in_memory"] = {"load_seconds": seconds, "peak_rss_kb": peak}
    data.unlink()
    shutil.rmtree(store, ignore_errors=True)
    store.with_name(store.name + ".read-model.json").unlink(missing_ok=True)
    return out


def run_at_scale(sizes: list[int], workdir: Path) -> dict[str, Any]:
    workdir.mkdir(parents=True, exist_ok=True)
    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "sizes": [measure_size(size, workdir) for size in sizes],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000000")
    parser.add_argument("--into", type=Path, help="a results file to put the figures into")
    parser.add_argument("--json", type=Path, help="write the raw figures here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="platform-graph-scale-") as tmp:
        result = run_at_scale([int(s) for s in args.sizes.split(",")], Path(tmp))
    sys.stdout.write(at_scale_section(result) + "\n")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n")
    if args.into:
        results = json.loads(args.into.read_text())
        results["at_scale"] = result
        args.into.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
        write_report(args.into.parent)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
