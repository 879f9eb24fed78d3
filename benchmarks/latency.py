"""Median latency of typical requests against the real server, as ratios to a baseline.

Run: make bench-latency  (or: .venv/bin/python -m benchmarks.latency [--rounds N])

The machine is shared and noisy, so every figure is also given as a ratio to a baseline
request measured in the same run: GET /api/context.jsonld, which touches no data.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from tests.support.server import start_server

REQUESTS: list[tuple[str, str, dict[str, str]]] = [
    ("baseline: GET /api/context.jsonld (static JSON)", "/api/context.jsonld", {}),
    ("REST: commitments concerning landsbygd", "/api/commitments", {"area": "landsbygd"}),
    (
        "SPARQL: strength profile by theme",
        "/sparql",
        {
            "query": (
                "PREFIX pg: <https://w3id.org/platform-graph/ontology#>\n"
                "SELECT ?theme ?strength (COUNT(?c) AS ?n) WHERE { ?c a pg:Commitment ; "
                "pg:theme ?theme ; pg:strength ?strength } GROUP BY ?theme ?strength"
            )
        },
    ),
    ("Named query: deadlines", "/api/queries/deadlines", {}),
    ("Linked Data: /id/area/vivalla (Turtle)", "/id/area/vivalla", {}),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        server = start_server(work, store=work / "store")
        try:
            with httpx.Client(base_url=server.url, timeout=60) as client:
                medians: list[float] = []
                for _, path, params in REQUESTS:
                    for _ in range(5):  # warm-up
                        client.get(path, params=params).raise_for_status()
                    times = []
                    for _ in range(args.rounds):
                        started = time.perf_counter()
                        client.get(path, params=params).raise_for_status()
                        times.append(time.perf_counter() - started)
                    medians.append(statistics.median(times))
        finally:
            server.stop()
    base = medians[0]
    sys.stdout.write("| request | median ms | × baseline |\n|---|---:|---:|\n")
    for (name, _, _), median in zip(REQUESTS, medians, strict=True):
        sys.stdout.write(f"| {name} | {median * 1000:.1f} | {median / base:.1f} |\n")
    sys.stdout.write(f"\n{args.rounds} rounds each, after 5 warm-up requests.\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
