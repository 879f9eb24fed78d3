"""At the platform's own size: the service and Virtuoso side by side, alternated.

The real Örebro platform (the built graph, about 10,000 quads), loaded into the service
(``platform-graph import``) and into Virtuoso (its bulk loader); both servers run at
once, and every request is sent to one, then to the other, round after round (the
order swapped each round), so that whatever else the shared machine does falls on both
alike. The same SPARQL goes to both: the service answers it at ``/sparql``, its named
queries at ``/api/queries/…`` and its Linked Data pages at ``/id/…``, and Virtuoso runs
the very text the service runs for those (the named query with its parameters bound,
the ``CONSTRUCT`` behind the page). Per request: the median of ``rounds`` timed runs
each, after warm-up runs; the ratio is the service's median over Virtuoso's.

Run alone: ``python -m benchmarks.head_to_head [--rounds 20]`` (it prints the table);
``make bench`` and ``make bench-quick`` run it and put it in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from rdflib import URIRef

from benchmarks.measure import HttpClient
from benchmarks.report import head_to_head_section, write_report
from benchmarks.systems import ServiceSystem, Unavailable, VirtuosoSystem, count_answer
from benchmarks.workload import HttpCall, Query, Request
from platform_graph.rdf.sparql_text import bind_values
from platform_graph.read.describe import DESCRIBE
from platform_graph.read.named_queries import load_queries
from platform_graph.vocab.namespaces import ID, sparql_prefixes

__all__ = ["KINDS", "platform_requests", "run_head_to_head", "table"]

ROOT = Path(__file__).resolve().parents[1]
PREFIXES = sparql_prefixes()
SPARQL_JSON = "application/sparql-results+json"
TURTLE = "text/turtle"
FORM = "application/x-www-form-urlencoded"

KINDS = {
    "lookup": "SPARQL lookups",
    "group": "GROUP BY counts",
    "join": "joins",
    "text": "text filters",
    "named": "named queries",
    "ld": "Linked Data pages",
}
"""The kinds of request the goal names, in the order the report gives them."""

COMMITMENT = "commitment/trygghet-narkotikateam"
ACTOR = "actor/orebro-kommun"


@dataclass(frozen=True, slots=True)
class Pair:
    """One request to both: the service's form, and the SPARQL Virtuoso runs."""

    kind: str
    name: str
    request: Request


def _sparql(kind: str, name: str, body: str) -> Pair:
    text = PREFIXES + body
    call = HttpCall("GET", "/sparql", (("query", text),), accept=SPARQL_JSON)
    return Pair(kind, name, Request("sparql", name, call, (Query(text),)))


def platform_requests(root: Path = ROOT) -> list[Pair]:
    """The requests of the comparison, on the real platform's resources."""
    c = f"<{ID}{COMMITMENT}>"
    pairs = [
        _sparql(
            "lookup",
            "one commitment's titles",
            f"SELECT ?title WHERE {{ {c} dcterms:title ?title }}",
        ),
        _sparql("lookup", "one commitment, every property", f"SELECT ?p ?o WHERE {{ {c} ?p ?o }}"),
        _sparql(
            "group",
            "commitments per strength",
            "SELECT ?strength (COUNT(?c) AS ?n) WHERE { ?c a pg:Commitment ; "
            "pg:strength ?strength } GROUP BY ?strength ORDER BY ?strength",
        ),
        _sparql(
            "group",
            "commitments per theme and strength",
            "SELECT ?theme ?strength (COUNT(?c) AS ?n) WHERE { ?c a pg:Commitment ; "
            "pg:theme ?theme ; pg:strength ?strength } GROUP BY ?theme ?strength "
            "ORDER BY ?theme ?strength",
        ),
        _sparql(
            "join",
            "commitments with their responsible actor's name",
            "SELECT ?c ?title ?name WHERE { ?c a pg:Commitment ; dcterms:title ?title ; "
            'pg:responsibleActor ?a . ?a skos:prefLabel ?name FILTER (lang(?title) = "sv" '
            '&& lang(?name) = "sv") } ORDER BY ?c ?name',
        ),
        _sparql(
            "join",
            "deadlines with the quote and section",
            "SELECT ?c ?deadline ?quote ?section WHERE { ?c pg:deadline ?deadline ; "
            "pg:inSection ?s ; oa:hasSelector ?q . ?q a oa:TextQuoteSelector ; oa:exact ?quote . "
            '?s dcterms:title ?section FILTER (lang(?section) = "sv") } ORDER BY ?deadline ?c',
        ),
        _sparql(
            "text",
            "words in a quote",
            "SELECT ?c ?quote WHERE { ?c a pg:Commitment ; oa:hasSelector ?s . "
            '?s oa:exact ?quote FILTER (CONTAINS(LCASE(?quote), "trygg")) } ORDER BY ?c',
        ),
        _sparql(
            "text",
            "titles that begin with a word",
            "SELECT ?c ?title WHERE { ?c a pg:Commitment ; dcterms:title ?title "
            'FILTER (REGEX(?title, "^(öka|utveckla)", "i")) } ORDER BY ?c',
        ),
    ]
    queries = load_queries(root / "queries")
    named: tuple[tuple[str, dict[str, str]], ...] = (("deadlines", {}), ("strength-by-theme", {}))
    for name, params in named:
        q = queries[name]
        text = bind_values(q.text, q.bindings(params))
        call = HttpCall("GET", f"/api/queries/{name}", tuple(params.items()))
        pairs.append(Pair("named", name, Request("named", name, call, (Query(text),))))
    for name, path in (("commitment", COMMITMENT), ("actor", ACTOR)):
        text = bind_values(DESCRIBE, {"iri": URIRef(ID[path])})
        call = HttpCall("GET", f"/id/{path}", accept=TURTLE)
        pairs.append(Pair("ld", name, Request("ld", name, call, (Query(text, construct=True),))))
    return pairs


def _virtuoso_call(client: HttpClient, request: Request) -> bytes:
    (q,) = request.sparql
    body = urlencode({"query": q.text}).encode("utf-8")
    return client.request("POST", "/sparql", {"Content-Type": FORM, "Accept": q.accept}, body)


def _service_call(client: HttpClient, request: Request) -> bytes:
    return client.request(request.http.method, request.http.target, {"Accept": request.http.accept})


def _rows(body: bytes, request: Request, service: bool) -> int:
    if service and request.family == "named":
        return int(json.loads(body)["total"])
    return count_answer(body, request.sparql[0].construct)


def _built_graph(workdir: Path) -> Path:
    """The platform, built from the source as ``platform-graph build`` builds it."""
    out = workdir / "build"
    done = subprocess.run(
        [sys.executable, "-m", "platform_graph.cli", "build", "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    if done.returncode != 0:
        raise RuntimeError(f"platform-graph build failed: {done.stderr[-2000:]}")
    return _with_inferred(out / "platform-graph.nq")


def _with_inferred(data: Path) -> Path:
    """The build with its inferred graph, as the service holds it once started (it
    materialises what the ontology entails): Virtuoso is given the same quads, so that
    both answer over the same default graph."""
    from platform_graph.rdf.entailment import materialise
    from platform_graph.store.oxigraph import OxigraphStore

    store = OxigraphStore(None)
    store.load(data.read_bytes(), "application/n-quads")
    remove, add = materialise(store.quads)
    store.apply(remove, add)
    whole = data.with_name("platform-graph-with-inferred.nq")
    whole.write_bytes(store.dump("application/n-quads"))
    return whole


def run_head_to_head(
    workdir: Path, *, rounds: int = 20, warmup: int = 3, say: Any = None
) -> dict[str, Any]:
    """Both servers on the built platform; every request alternated ``rounds`` times."""
    data = _built_graph(workdir)
    quads = sum(1 for line in data.read_bytes().splitlines() if line.strip())
    pairs = platform_requests()
    service = ServiceSystem(ROOT, workdir / "service", 30.0)
    # The service again with no answers kept (every request runs its query): what the
    # answer cache is worth, and the figure for requests never asked before.
    fresh = ServiceSystem(ROOT, workdir / "fresh", 30.0)
    fresh.settings = {"PLATFORM_GRAPH_ANSWER_CACHE_MB": "0"}
    virtuoso = VirtuosoSystem(ROOT, workdir / "virtuoso", 30.0)
    for system in (service, fresh, virtuoso):
        system.workdir.mkdir(parents=True, exist_ok=True)
    out: dict[str, Any] = {
        "quads": quads,
        "rounds": rounds,
        "warmup": warmup,
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "requests": [],
    }
    try:
        try:
            started = service.start(data)
            out["service_start"] = {
                "load": started.load_seconds,
                "cold": started.cold_start_seconds,
            }
            fresh.start(data)
            vstarted = virtuoso.start(data)
            out["virtuoso_start"] = {
                "load": vstarted.load_seconds,
                "cold": vstarted.cold_start_seconds,
            }
        except Unavailable as exc:
            out["unavailable"] = str(exc)[:1000]
            return out
        clients = {
            "service": HttpClient(service.port, 30.0),
            "fresh": HttpClient(fresh.port, 30.0),
            "virtuoso": HttpClient(virtuoso.port, 30.0),
        }
        calls = {"service": _service_call, "fresh": _service_call, "virtuoso": _virtuoso_call}
        names = tuple(calls)
        samples: dict[tuple[int, str], list[float]] = {}
        rows: dict[tuple[int, str], int] = {}
        for i, pair in enumerate(pairs):
            for name in names:
                for _ in range(warmup):
                    body = calls[name](clients[name], pair.request)
                rows[i, name] = _rows(body, pair.request, name != "virtuoso")
                samples[i, name] = []
        for r in range(rounds):
            # Each system first, middle and last in turn.
            order = names[r % 3 :] + names[: r % 3]
            order = order if r % 2 == 0 else order[::-1]
            for i, pair in enumerate(pairs):
                for name in order:
                    begun = time.perf_counter()
                    calls[name](clients[name], pair.request)
                    samples[i, name].append(time.perf_counter() - begun)
        for client in clients.values():
            client.close()
        for i, pair in enumerate(pairs):
            out["requests"].append(
                {
                    "kind": pair.kind,
                    "name": pair.name,
                    "service": samples[i, "service"],
                    "service_no_cache": samples[i, "fresh"],
                    "virtuoso": samples[i, "virtuoso"],
                    "service_rows": rows[i, "service"],
                    "virtuoso_rows": rows[i, "virtuoso"],
                }
            )
    finally:
        service.stop()
        fresh.stop()
        virtuoso.stop()
    return out


def table(result: dict[str, Any]) -> str:
    """The section docs/benchmarks.md gives it (``benchmarks.report``)."""
    return head_to_head_section(result)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--json", type=Path, help="write the raw figures here")
    parser.add_argument(
        "--into",
        type=Path,
        help="put the figures into this run's results (docs/benchmarks-quick.json or "
        "-full.json) and render docs/benchmarks.md again",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="platform-graph-h2h-") as tmp:
        result = run_head_to_head(Path(tmp), rounds=args.rounds)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    if "unavailable" in result:
        sys.stderr.write(f"not measured: {result['unavailable']}\n")
        return 1
    sys.stdout.write(table(result) + "\n")
    if args.into:
        results = json.loads(args.into.read_text())
        results["head_to_head"] = result
        args.into.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
        write_report(args.into.parent)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
