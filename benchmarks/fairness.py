"""Fairness: while eight clients send heavy queries, how long does a light one wait?

Run: make bench-fairness  (or: .venv/bin/python -m benchmarks.fairness [--seconds 30])

The real service on the platform graph. The light client sends ``ASK { ?s ?p ?o }``
every quarter second; its latencies are measured first alone (the baseline), then while
eight heavy clients send cartesian queries back to back, as fast as they are answered or
refused. Each client has its own loopback address (127.0.0.2, 127.0.0.3, ...), as clients
on the network have, so that the service can tell them apart; a second run sends the
heavy queries from the light client's own address, the case no address-based sharing
can help. Loopback only; every loop is bounded in time.

The goal (issue 13): the light query's median and 95th percentile stay under 1 s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from tests.support.server import RunningServer, start_server

HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
LIGHT = "ASK { ?s ?p ?o }"
GOAL_SECONDS = 1.0
LIGHT_ADDRESS = "127.0.0.20"


@dataclass
class Heavy:
    answers: dict[int, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, status: int) -> None:
        with self.lock:
            self.answers[status] = self.answers.get(status, 0) + 1


def _client(url: str, address: str) -> httpx.Client:
    transport = httpx.HTTPTransport(local_address=address)
    return httpx.Client(base_url=url, timeout=120, transport=transport)


def _light(url: str, address: str, seconds: float) -> list[float]:
    latencies: list[float] = []
    stop = time.monotonic() + seconds
    with _client(url, address) as client:
        while time.monotonic() < stop:
            started = time.perf_counter()
            r = client.get("/sparql", params={"query": LIGHT})
            latencies.append(time.perf_counter() - started)
            if r.status_code != 200:
                latencies[-1] = float("inf")  # an unanswered light query counts as a miss
            time.sleep(0.25)
    return latencies


def _heavy(url: str, address: str, until: float, tally: Heavy) -> None:
    with _client(url, address) as client:
        while time.monotonic() < until:
            try:
                r = client.get("/sparql", params={"query": HEAVY})
                tally.add(r.status_code)
            except httpx.TransportError:
                tally.add(0)


def _summary(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "n": len(ordered),
        "median_s": round(statistics.median(ordered), 4),
        "p95_s": round(p95, 4),
        "max_s": round(ordered[-1], 4),
    }


def _under_load(
    server: RunningServer, seconds: float, heavy_addresses: list[str]
) -> dict[str, object]:
    tally = Heavy()
    until = time.monotonic() + seconds + 2
    threads = [
        threading.Thread(target=_heavy, args=(server.url, a, until, tally), daemon=True)
        for a in heavy_addresses
    ]
    for t in threads:
        t.start()
    time.sleep(2)  # the heavy queries have turned slow
    light = _light(server.url, LIGHT_ADDRESS, seconds)
    for t in threads:
        t.join(timeout=180)
    return {"light": _summary(light), "heavy_answers": dict(sorted(tally.answers.items()))}


def run(seconds: float) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="bench-fairness-") as tmp:
        work = Path(tmp)
        server = start_server(
            work, store=work / "store", env={"PLATFORM_GRAPH_QUERY_TIMEOUT": "30"}
        )
        try:
            alone = _summary(_light(server.url, LIGHT_ADDRESS, min(seconds, 10)))
            distinct = _under_load(server, seconds, [f"127.0.0.{i}" for i in range(2, 10)])
            shared = _under_load(server, seconds, [LIGHT_ADDRESS] * 8)
        finally:
            server.stop()
    light = distinct["light"]
    assert isinstance(light, dict)
    report: dict[str, object] = {
        "light_alone": alone,
        "eight_heavy_clients_elsewhere": distinct,
        "eight_heavy_clients_on_the_same_address": shared,
        "goal_seconds": GOAL_SECONDS,
        "met": light["median_s"] < GOAL_SECONDS and light["p95_s"] < GOAL_SECONDS,
    }
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--out", type=Path, default=None, help="also write the JSON here")
    args = parser.parse_args(argv)
    report = run(args.seconds)
    text = json.dumps(report, indent=2)
    sys.stdout.write(text + "\n")
    if args.out is not None:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
