"""Soak: many clients, mixed reads and writes, for a bounded time, against the real server.

Run: make bench-soak  (or: .venv/bin/python -m benchmarks.soak [--seconds 60] [--clients 8])

Loopback only; every loop is bounded in time. Reports the requests made, the errors (any
answer that is not the expected status), throughput, and the resident memory of the
server and its query workers over time: the growth after the first seconds is the figure.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from tests.support.server import start_server

from platform_graph.write.tokens import hash_token

TOKEN = "pgt_soak-editor-0123456789abcdef"
SKOS = "http://www.w3.org/2004/02/skos/core#"
READS = [
    ("/api/commitments", {"area": "landsbygd"}),
    ("/api/commitments", {"q": "trygghet", "limit": "5"}),
    ("/api/actors/polisen", {}),
    ("/api/queries/deadlines", {}),
    ("/id/area/vivalla", {}),
    ("/sparql", {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}),
    ("/api/stats", {}),
]


@dataclass
class Tally:
    requests: int = 0
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, ok: bool, what: str) -> None:
        with self.lock:
            self.requests += 1
            if not ok:
                self.errors.append(what)


def _rss_kib(pid: int, children: bool = True) -> int:
    """Resident memory of a process (and its children), from /proc."""
    total = 0
    pids = {pid}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if children and int(fields[1]) == pid:
                pids.add(int(entry.name))
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def _client(url: str, stop: float, seed: int, tally: Tally) -> None:
    rng = random.Random(seed)
    with httpx.Client(base_url=url, timeout=60) as client:
        i = 0
        while time.monotonic() < stop:
            i += 1
            if rng.random() < 0.1:
                body = {
                    "message": f"soak {seed}-{i}",
                    "add": f"<https://w3id.org/platform-graph/id/actor/polisen> <{SKOS}altLabel> "
                    f'"soak {seed}-{i}"@sv .',
                    "format": "application/n-triples",
                }
                r = client.post(
                    "/api/changes", json=body, headers={"Authorization": f"Bearer {TOKEN}"}
                )
                tally.add(r.status_code == 201, f"POST /api/changes -> {r.status_code}")
            else:
                path, params = rng.choice(READS)
                r = client.get(path, params=params)
                tally.add(r.status_code == 200, f"GET {path} -> {r.status_code}")


def _growth(first: int, last: int) -> str:
    return f"{(last - first) / max(first, 1) * 100:+.1f} %"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = {"PLATFORM_GRAPH_TOKENS": f"soak:editor:{hash_token(TOKEN)}"}
        server = start_server(work, store=work / "store", env=env)
        tally = Tally()
        memory: list[tuple[float, int]] = []
        main_memory: list[tuple[float, int]] = []
        try:
            started = time.monotonic()
            stop = started + args.seconds
            threads = [
                threading.Thread(target=_client, args=(server.url, stop, seed, tally))
                for seed in range(args.clients)
            ]
            for t in threads:
                t.start()
            while time.monotonic() < stop:
                now = time.monotonic() - started
                memory.append((now, _rss_kib(server.process.pid)))
                main_memory.append((now, _rss_kib(server.process.pid, children=False)))
                time.sleep(max(1.0, args.seconds / 30))
            for t in threads:
                t.join(timeout=120)
            elapsed = time.monotonic() - started
        finally:
            server.stop()
    warm = min(10.0, args.seconds / 3)
    settled = [m for t, m in memory if t >= warm]
    first, last = (settled[0], settled[-1]) if settled else (0, 0)
    main = [m for t, m in main_memory if t >= warm]
    main_first, main_last = (main[0], main[-1]) if main else (0, 0)
    peak = max((m for _, m in memory), default=0)
    sys.stdout.write(
        f"## Soak\n\n{args.clients} clients, mixed reads and writes (1 in 10 a validated change), "
        f"for {elapsed:.0f} s on loopback.\n\n"
        f"| measure | value |\n|---|---:|\n"
        f"| requests | {tally.requests} |\n"
        f"| errors | {len(tally.errors)} |\n"
        f"| throughput | {tally.requests / elapsed:.0f} requests/s |\n"
        f"| server + workers memory after warm-up | {first // 1024} MiB |\n"
        f"| at the end | {last // 1024} MiB |\n"
        f"| peak | {peak // 1024} MiB |\n"
        f"| growth after warm-up | {(last - first) / max(first, 1) * 100:+.1f} % |\n"
        f"| server process alone, after warm-up → end | {main_first // 1024} → "
        f"{main_last // 1024} MiB ({_growth(main_first, main_last)}) |\n"
    )
    series = " ".join(f"{t:.0f}s:{m // 1024}" for t, m in memory)
    sys.stdout.write(f"\nMemory (MiB) over time: {series}\n")
    if tally.errors:
        common = statistics.mode(tally.errors)
        sys.stdout.write(f"\nMost common error: {common}\n")
    return 1 if tally.errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
