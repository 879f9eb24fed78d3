"""rdflib-endpoint serving one N-Quads file, as its users run it: FastAPI + uvicorn.

Run: python -m benchmarks.endpoint_server DATA.nq PORT

The data goes into an rdflib ``Dataset`` whose default graph is the union of the named
graphs, the same view the service gives. The time the parse took is printed first.
"""

from __future__ import annotations

import importlib
import sys
import time


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    data, port = args[0], int(args[1])
    import uvicorn
    from rdflib import Dataset

    # By name: rdflib-endpoint comes with the `bench` extra, not with `dev`.
    endpoint = importlib.import_module("rdflib_endpoint")

    started = time.perf_counter()
    ds = Dataset(default_union=True)
    ds.parse(data, format="nquads")
    sys.stdout.write(f"loaded {data} in {time.perf_counter() - started:.3f} s\n")
    sys.stdout.flush()
    app = endpoint.SparqlEndpoint(graph=ds, path="/sparql", cors_enabled=False)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
