"""docs/benchmarks.md and its plots, rendered from the results files of the runs.

The full run's results (docs/benchmarks-full.json) and the quick run's
(docs/benchmarks-quick.json) are each rendered when present, the full run first: a quick
run after a full one leaves the full run's figures in the report.
"""

from __future__ import annotations

import importlib
import json
import math
import statistics
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from benchmarks.measure import median, p95
from benchmarks.systems import SYSTEMS, TITLES
from benchmarks.workload import FAMILIES, FAMILY_TITLES

__all__ = ["goals", "write_report"]

READ_FAMILIES = FAMILIES
GOAL_SIZE = 1_000_000


def _ms(seconds: float | None, digits: int | None = None) -> str:
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return "—"
    ms = seconds * 1000
    if digits is None:
        digits = 2 if ms < 10 else 1 if ms < 100 else 0
    return f"{ms:,.{digits}f}"


def _s(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    return f"{seconds:,.2f}" if seconds < 100 else f"{seconds:,.0f}"


def _size(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:g}M"
    if n >= 1000:
        return f"{n / 1000:g}k"
    return str(n)


def _ratio(x: float | None) -> str:
    if x is None or math.isnan(x):
        return "—"
    return f"{x:,.0f}×" if x >= 100 else f"{x:,.1f}×" if x >= 10 else f"{x:,.2f}×"


def _table(head: Sequence[str], rows: Iterable[Sequence[str]], align: str | None = None) -> str:
    align = align or "l" + "r" * (len(head) - 1)
    marks = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(head) + " |", "| " + " | ".join(marks) + " |"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


# --- figures from the results -------------------------------------------------------------


def _requests(system: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = system.get("requests") or {}
    return out


def _per_request_median(req: dict[str, Any], timeout: float) -> tuple[float | None, bool]:
    """(seconds, lower bound?): a timeout counts as the time limit, a lower bound."""
    if req["outcome"] == "ok" and req["samples"]:
        return median(req["samples"]), False
    if req["outcome"] in ("timeout", "predicted-timeout"):
        return timeout, True
    return None, False


def family_stats(system: dict[str, Any], family: str) -> dict[str, Any]:
    samples = [s for r in _requests(system).values() if r["family"] == family for s in r["samples"]]
    reqs = [r for r in _requests(system).values() if r["family"] == family]
    return {
        "median": median(samples) if samples else None,
        "p95": p95(samples) if samples else None,
        "measured": sum(1 for r in reqs if r["outcome"] == "ok"),
        "total": len(reqs),
        "timeouts": sum(1 for r in reqs if r["outcome"] in ("timeout", "predicted-timeout")),
    }


def query_set_median(
    system: dict[str, Any], keys: Iterable[str], timeout: float
) -> tuple[float | None, int]:
    """The median over the requests of each request's median; and how many are bounds."""
    values, bounds = [], 0
    for key in keys:
        req = _requests(system).get(key)
        if req is None:
            continue
        value, bound = _per_request_median(req, timeout)
        if value is not None:
            values.append(value)
            bounds += bound
    return (median(values) if values else None), bounds


def _size_entry(results: dict[str, Any], target: int) -> dict[str, Any] | None:
    for entry in results["sizes"]:
        if entry["target"] == target:
            return dict(entry)
    return None


def _goal_entry(results: dict[str, Any]) -> dict[str, Any]:
    """The size goals are judged at: 1M if the run has it, else its largest."""
    return _size_entry(results, GOAL_SIZE) or dict(results["sizes"][-1])


def _system(entry: dict[str, Any], name: str) -> dict[str, Any] | None:
    sys_ = entry["systems"].get(name)
    return dict(sys_) if sys_ and sys_.get("status") == "ok" else None


def goals(results: dict[str, Any]) -> list[dict[str, Any]]:
    """The four goals of issue 7, judged on one run's results."""
    timeout = float(results["plan"]["timeout"])
    entry = _goal_entry(results)
    at = _size(entry["target"])
    out: list[dict[str, Any]] = []

    # 1. The service vs rdflib-endpoint on the read query set.
    service, endpoint = _system(entry, "service"), _system(entry, "rdflib-endpoint")
    if service and endpoint:
        keys = [
            k
            for k, r in _requests(service).items()
            if r["outcome"] == "ok"
            and k in _requests(endpoint)
            and _per_request_median(_requests(endpoint)[k], timeout)[0] is not None
        ]
        s_med, _ = query_set_median(service, keys, timeout)
        e_med, bounds = query_set_median(endpoint, keys, timeout)
        ratios = []
        for k in keys:
            sv = _per_request_median(_requests(service)[k], timeout)[0]
            ev = _per_request_median(_requests(endpoint)[k], timeout)[0]
            if sv and ev:
                ratios.append(ev / sv)
        geo = math.exp(sum(math.log(r) for r in ratios) / len(ratios)) if ratios else None
        ratio = (e_med / s_med) if s_med and e_med else None
        bound_note = f", {bounds} of them timeouts counted at the limit" if bounds else ""
        out.append(
            {
                "goal": "service median on the query set ≥ 20× faster than rdflib-endpoint "
                f"(at {at})",
                "measured": f"{_ratio(ratio)} (medians {_ms(s_med)} ms vs {_ms(e_med)} ms over "
                f"{len(keys)} requests{bound_note}; "
                f"geometric mean of per-request ratios {_ratio(geo)})",
                "met": ratio is not None and ratio >= 20,
                "value": ratio,
            }
        )
    else:
        out.append(
            {
                "goal": "service ≥ 20× faster than rdflib-endpoint",
                "measured": "not measured (a system did not run)",
                "met": None,
                "value": None,
            }
        )

    # 2. HTTP overhead for a small result.
    raw = _system(entry, "oxigraph")
    if service and raw:
        small = [k for k in _requests(service) if k.startswith("sparql:one commitment")]
        key = small[0] if small else None
        if (
            key
            and _requests(raw).get(key, {}).get("samples")
            and _requests(service)[key]["samples"]
        ):
            s_med = median(_requests(service)[key]["samples"])
            r_med = median(_requests(raw)[key]["samples"])
            overhead = s_med - r_med
            out.append(
                {
                    "goal": "HTTP overhead for a small result within 2 ms of the raw engine "
                    f"(at {at})",
                    "measured": f"{_ms(overhead)} ms ({_ms(s_med)} ms over /sparql vs "
                    f"{_ms(r_med)} ms "
                    "in process, the same 2-row SELECT)",
                    "met": overhead <= 0.002,
                    "value": overhead,
                }
            )
    # 3 and 4. Validated changes: the service's, over HTTP, as a data officer makes them
    # (its store on disk); the same code in process on the in-memory store beside them.
    first = results["sizes"][0]
    inc, where = _change_median(entry)
    inc0, _ = _change_median(first)
    full, extrapolated = _full_validation(results, entry)
    in_process = median(entry["updates"].get("oxigraph", {}).get("inprocess") or [0.0])
    in_process0 = median(first["updates"].get("oxigraph", {}).get("inprocess") or [0.0])
    if inc and full:
        ratio = full / inc
        aside = ""
        if where == "http" and in_process:
            aside = f"; in process {_ratio(full / in_process)}"
        out.append(
            {
                "goal": "a validated one-commitment change ≥ 100× faster than full validation "
                f"(at {at})",
                "measured": f"{_ratio(ratio)} ({_ms(inc)} ms {_WHERE[where]} vs {_s(full)} s"
                + (" — full validation extrapolated, see below" if extrapolated else "")
                + aside
                + ")",
                "met": ratio >= 100,
                "value": ratio,
            }
        )
    if inc and inc0:
        growth = inc / inc0
        aside = ""
        if where == "http" and in_process and in_process0:
            grew = in_process / in_process0
            aside = f"; in process {_ratio(grew)}" + (", see below" if grew >= 2 else "")
        out.append(
            {
                "goal": f"the validated change grows < 2× from {_size(first['target'])} to {at}",
                "measured": f"{_ratio(growth)} ({_ms(inc0)} ms → {_ms(inc)} ms "
                f"{_WHERE[where]}{aside})",
                "met": growth < 2,
                "value": growth,
            }
        )
    return out


_WHERE = {"http": "over HTTP", "inprocess": "in process"}


def _change_median(entry: dict[str, Any]) -> tuple[float | None, str]:
    """The validated change's median at a size: the service's over HTTP where measured."""
    http = entry["updates"].get("service", {}).get("http")
    if http:
        return median(http), "http"
    inprocess = entry["updates"].get("oxigraph", {}).get("inprocess")
    return (median(inprocess) if inprocess else None), "inprocess"


def _full_validation(results: dict[str, Any], entry: dict[str, Any]) -> tuple[float | None, bool]:
    """Full validation at the entry's size, or extrapolated linearly from the largest measured."""
    upd = entry["updates"].get("oxigraph", {})
    if upd.get("full"):
        return median(upd["full"]), False
    measured = [
        (e["quads"], median(e["updates"]["oxigraph"]["full"]))
        for e in results["sizes"]
        if e["updates"].get("oxigraph", {}).get("full")
    ]
    if not measured:
        return None, False
    quads, seconds = measured[-1]
    return seconds * entry["quads"] / quads, True


# --- plots --------------------------------------------------------------------------------


def _plots(results: dict[str, Any], out: Path) -> list[str]:
    # Imported by name: matplotlib comes with the `bench` extra, not with `dev`.
    matplotlib = importlib.import_module("matplotlib")
    matplotlib.use("Agg")
    plt = importlib.import_module("matplotlib.pyplot")

    mode = results["mode"]
    sizes = results["sizes"]
    names: list[str] = []
    colours = dict(zip(SYSTEMS, ("C0", "C2", "C3", "C1", "C4"), strict=True))

    fig, axes = plt.subplots(2, 2, figsize=(11, 8))
    for ax, family in zip(axes.flat, READ_FAMILIES, strict=True):
        for name in SYSTEMS:
            xs, ys = [], []
            for e in sizes:
                sys_ = _system(e, name)
                if sys_:
                    st = family_stats(sys_, family)
                    if st["median"]:
                        xs.append(e["quads"])
                        ys.append(st["median"] * 1000)
            if xs:
                ax.plot(xs, ys, "o-", label=TITLES[name], color=colours[name])
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(FAMILY_TITLES[family], fontsize=10)
        ax.set_xlabel("triples")
        ax.set_ylabel("median latency, ms")
        ax.grid(True, which="both", alpha=0.3)
    axes.flat[0].legend(fontsize=8)
    fig.suptitle(f"Latency per query family ({mode} run)")
    fig.tight_layout()
    name = f"benchmarks-{mode}-latency.png"
    fig.savefig(out / name, dpi=90)
    plt.close(fig)
    names.append(name)

    fig, ax = plt.subplots(figsize=(8, 5))
    series = {
        "validated change over HTTP (service)": ("service", "http", "C0"),
        "validated change in process (changes.Writer)": ("oxigraph", "inprocess", "C2"),
        "full pyshacl validation": ("oxigraph", "full", "C3"),
    }
    for label, (system, key, colour) in series.items():
        xs, ys = [], []
        for e in sizes:
            values = e["updates"].get(system, {}).get(key)
            if values:
                xs.append(e["quads"])
                ys.append(median(values) * 1000)
        if xs:
            ax.plot(xs, ys, "o-", label=label, color=colour)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("triples")
    ax.set_ylabel("median, ms")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(f"Validated one-commitment change vs full validation ({mode} run)")
    fig.tight_layout()
    name = f"benchmarks-{mode}-changes.png"
    fig.savefig(out / name, dpi=90)
    plt.close(fig)
    names.append(name)

    last = sizes[-1]
    fig, ax = plt.subplots(figsize=(9, 4.5))
    width = 0.16
    for i, sys_name in enumerate(SYSTEMS):
        sys_ = _system(last, sys_name)
        values = []
        most = str(max(results["plan"]["clients"]))
        for family in READ_FAMILIES:
            tp = (sys_ or {}).get("throughput", {}).get(most, {}).get(family, {})
            values.append(tp.get("rps") or 0)
        ax.bar(
            [j + (i - 2) * width for j in range(len(READ_FAMILIES))],
            values,
            width,
            label=TITLES[sys_name],
            color=colours[sys_name],
        )
    ax.set_xticks(range(len(READ_FAMILIES)), [f for f in READ_FAMILIES])
    ax.set_yscale("symlog", linthresh=1)
    ax.set_ylabel(f"requests/s, {max(results['plan']['clients'])} concurrent clients")
    ax.set_title(f"Throughput at {_size(last['target'])} triples ({mode} run)")
    ax.legend(fontsize=8)
    ax.grid(True, axis="y", alpha=0.3)
    fig.tight_layout()
    name = f"benchmarks-{mode}-throughput.png"
    fig.savefig(out / name, dpi=90)
    plt.close(fig)
    names.append(name)

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.5))
    for sys_name in SYSTEMS:
        xs, load, mem = [], [], []
        for e in sizes:
            sys_ = _system(e, sys_name)
            if sys_ and sys_.get("load_seconds") is not None:
                xs.append(e["quads"])
                load.append(sys_["load_seconds"])
                mem.append(max(sys_.get("rss_kb_start", 0), sys_.get("rss_kb_after", 0)) / 1024)
        if xs:
            ax1.plot(xs, load, "o-", label=TITLES[sys_name], color=colours[sys_name])
            ax2.plot(xs, mem, "o-", label=TITLES[sys_name], color=colours[sys_name])
    for ax, label in ((ax1, "load time, s"), (ax2, "resident memory, MiB")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("triples")
        ax.set_ylabel(label)
        ax.grid(True, which="both", alpha=0.3)
    ax1.legend(fontsize=8)
    fig.suptitle(f"Load time and memory ({mode} run)")
    fig.tight_layout()
    name = f"benchmarks-{mode}-resources.png"
    fig.savefig(out / name, dpi=90)
    plt.close(fig)
    names.append(name)
    return names


# --- the text -----------------------------------------------------------------------------


def _machine_line(m: dict[str, Any]) -> str:
    return (
        f"{m['nproc']} cores ({m['cpu']}), {m['memory_gib']} GiB, {m['kernel']}; "
        f"Python {m['python']}, pyoxigraph {m['pyoxigraph']}, rdflib {m['rdflib']}, "
        f"pyshacl {m['pyshacl']}, rdflib-endpoint {m['rdflib-endpoint']}, "
        f"{m.get('virtuoso', 'Virtuoso: not installed')}"
    )


def _run_section(results: dict[str, Any], plots: list[str]) -> str:
    mode = results["mode"]
    plan = results["plan"]
    m = results["machine"]
    timeout = float(plan["timeout"])
    parts: list[str] = []
    title = "The full run" if mode == "full" else "The quick run"
    target = "bench" if mode == "full" else "bench-quick"
    parts.append(f"## {title}: {', '.join(_size(s) for s in plan['sizes'])} triples\n")
    parts.append(
        f"Measured {m['date']} on {_machine_line(m)}. The run took "
        f"{results.get('seconds', 0) / 60:.1f} minutes (`make {target}`)."
        f" Per request: one untimed run, then up to {plan['reps']} timed runs within "
        f"{plan['request_budget']:g} s; time limit {timeout:g} s; throughput: "
        f"{' and '.join(str(c) for c in plan['clients'])} concurrent client(s) for "
        f"{plan['throughput_seconds']:g} s per family.\n"
    )

    if results.get("plan_sizes") and list(results["plan_sizes"]) != list(plan["sizes"]):
        parts.append(
            f"This run was made with `--sizes {','.join(str(x) for x in plan['sizes'])}`; the "
            f"plan of `make {target}` has {', '.join(_size(x) for x in results['plan_sizes'])}.\n"
        )

    bad = [
        (e["target"], e["updates"]["oxigraph"].get("full_violations", 0))
        for e in results["sizes"]
        if e["updates"].get("oxigraph", {}).get("full_conforms") is False
    ]
    if bad:
        where = ", ".join(f"{v} at {_size(t)}" for t, v in bad)
        text = (
            "**The graphs of this run did not all conform**: the full validation after the "
            f"changes found violations ({where})."
        )
        if m["date"] < "2026-11-27T02:30":
            text += (
                " In this run that was the generator's fault: the regions it names as partner "
                "actors were left without their type and labels (four triples per county), "
                "so their `pg:partnerActor` links broke `sh:class pg:Actor`. Fixed "
                "since, and checked by `tests/test_benchmarks.py`; the figures are not "
                "affected beyond those triples."
            )
        parts.append(text + "\n")

    # Goals.
    parts.append("### The goals\n")
    rows = []
    for g in goals(results):
        verdict = "—" if g["met"] is None else "**met**" if g["met"] else "**missed**"
        rows.append([g["goal"], g["measured"], verdict])
    parts.append(_table(["goal", "measured in this run", ""], rows, "llc"))
    parts.append("")
    parts.append(_explain(results))
    parts.append(head_to_head_section(results.get("head_to_head")))
    if results.get("at_scale"):
        parts.append(at_scale_section(results["at_scale"]))

    # Data.
    parts.append("### The data\n")
    rows = [
        [
            _size(e["target"]),
            f"{e['quads']:,}",
            str(e["municipalities"]),
            f"{e['commitments']:,}",
            f"{e['changes']:,}",
            f"{e['bytes'] / 1e6:,.1f} MB",
            _s(e["generate_seconds"]),
        ]
        for e in results["sizes"]
    ]
    parts.append(
        _table(
            [
                "size",
                "quads",
                "platforms",
                "commitments",
                "assessments (changes)",
                "N-Quads",
                "generated in, s",
            ],
            rows,
        )
    )
    parts.append("")

    # Latency.
    parts.append("### Latency per query family\n")
    parts.append(
        "Median and p95 over every timed run of every request of the family, in ms; "
        "`n/m` is how many of the family's requests ran (the rest timed out, were predicted "
        "to, failed, or were left when the system's time budget ran out — see *Not "
        "measured* below). *Query set* is the median over all read requests of each "
        "request's median, a timeout counted at the limit. For the REST filters the service "
        "answers a page of 50 commitments (and its read model keeps answers per dataset "
        "version), while the other systems run the read model's queries in full each time "
        "and write out every row: there pyoxigraph in process is not a floor for the "
        "service. The service runs with `ANSWER_CACHE_MB=0` here (every timed run runs its "
        "query; measured before 2026-12-06 there was no such cache); the side-by-side "
        "table gives it with the cache as well.\n"
    )
    for e in results["sizes"]:
        head = ["family"] + [TITLES[n] for n in SYSTEMS]
        rows = []
        for family in READ_FAMILIES:
            row = [FAMILY_TITLES[family]]
            for n in SYSTEMS:
                sys_ = _system(e, n)
                if not sys_:
                    row.append("not run")
                    continue
                st = family_stats(sys_, family)
                cell = f"{_ms(st['median'])} / {_ms(st['p95'])}"
                if st["measured"] != st["total"]:
                    cell += f" ({st['measured']}/{st['total']})"
                row.append(cell)
            rows.append(row)
        service = _system(e, "service")
        keys = list(_requests(service)) if service else []
        row = ["**query set** (median of medians)"]
        for n in SYSTEMS:
            sys_ = _system(e, n)
            if not sys_:
                row.append("—")
                continue
            value, bounds = query_set_median(sys_, keys, timeout)
            row.append(f"{_ms(value)}" + (f" (≥, {bounds} at the limit)" if bounds else ""))
        rows.append(row)
        parts.append(f"**{_size(e['target'])} triples** ({e['quads']:,} quads)\n")
        parts.append(_table(head, rows))
        parts.append("")
    for p in plots:
        if p.endswith("latency.png"):
            parts.append(f"![Latency per family]({p})\n")

    # Small results: HTTP overhead.
    parts.append("### A small answer: the cost of HTTP\n")
    rows = []
    for e in results["sizes"]:
        service, raw = _system(e, "service"), _system(e, "oxigraph")
        if not (service and raw):
            continue
        for key in (k for k in _requests(service) if k.startswith(("sparql:one", "ld:commitment"))):
            s_req, r_req = _requests(service)[key], _requests(raw).get(key)
            if s_req["samples"] and r_req and r_req["samples"]:
                s_med, r_med = median(s_req["samples"]), median(r_req["samples"])
                rows.append(
                    [_size(e["target"]), key, _ms(s_med, 2), _ms(r_med, 3), _ms(s_med - r_med, 2)]
                )
    parts.append(
        "The same query in process (pyoxigraph, answer serialised) and through the service "
        "(`GET /sparql`, and the Linked Data page of one commitment, which the service "
        "renders with rdflib), ms:\n"
    )
    parts.append(_table(["size", "request", "service", "in process", "overhead"], rows))
    parts.append("")
    rows = []
    for e in results["sizes"]:
        service, raw = _system(e, "service"), _system(e, "oxigraph")
        split = (raw or {}).get("split")
        if not (service and split):
            continue
        probe = next((k for k in _requests(service) if k.startswith("sparql:one")), None)
        total = median(_requests(service)[probe]["samples"]) if probe else None
        base = median(service["baseline"]) if service.get("baseline") else None
        rows.append(
            [
                _size(e["target"]),
                _ms(total, 2),
                _ms(base, 2),
                _ms(split["check_query"], 3),
                _ms(split["pool_round_trip"], 2),
                _ms(split["store_query_and_serialize"], 3),
                _ms(split["raw_query_and_serialize"], 3),
            ]
        )
    if rows:
        parts.append(
            "Where the service's time for that `/sparql` answer goes, ms: a request that "
            "touches no data (`GET /api/context.jsonld`: uvicorn, FastAPI, the middlewares, "
            "the ETag lookup), the query text's guard (`check_query`), the round trip through "
            "a query worker process (`QueryPool.run`), what that worker does with the query "
            "(`OxigraphStore.query`, rdflib terms, `results.serialize`), and pyoxigraph "
            "alone:\n"
        )
        parts.append(
            _table(
                [
                    "size",
                    "service /sparql",
                    "no-data request",
                    "check_query",
                    "worker round trip",
                    "in the worker",
                    "pyoxigraph",
                ],
                rows,
            )
        )
        parts.append("")

    # Throughput.
    parts.append("### Throughput\n")
    clients = [str(c) for c in plan["clients"]]
    parts.append(
        f"Answers per second with {' and '.join(clients)} concurrent client(s), each cycling "
        f"through the family's requests (those fast enough to cycle through) for "
        f"{plan['throughput_seconds']:g} s"
        + ("; a cell gives them in that order" if len(clients) > 1 else "")
        + ".\n"
    )
    for e in results["sizes"]:
        rows = []
        for family in READ_FAMILIES:
            row = [FAMILY_TITLES[family]]
            for n in SYSTEMS:
                sys_ = _system(e, n)
                cells = []
                for c in clients:
                    tp = (sys_ or {}).get("throughput", {}).get(c, {}).get(family)
                    if not tp or tp.get("rps") is None:
                        cells.append("—")
                    elif not tp["rps"] and tp.get("errors"):
                        cells.append("0 ✗")
                    else:
                        cells.append(f"{tp['rps']:,.1f}" + ("*" if tp.get("note") else ""))
                row.append(" / ".join(cells))
            rows.append(row)
        parts.append(
            f"**{_size(e['target'])} triples** (* over part of the family; ✗ every request "
            "failed or timed out)\n"
        )
        parts.append(_table(["family"] + [TITLES[n] for n in SYSTEMS], rows))
        parts.append("")
    parts.append(_failed_throughput_note(results))
    parts.append(_concurrency_note(results))
    for p in plots:
        if p.endswith("throughput.png"):
            parts.append(f"![Throughput]({p})\n")

    # Load, cold start, memory.
    parts.append("### Load time, cold start, memory\n")
    parts.append(
        "*Load*: the service, its bulk load into a new store folder (RocksDB); the engines "
        "in process, parsing into memory; rdflib-endpoint, its parse at start-up; Virtuoso, "
        "its bulk loader (`ld_dir`, `rdf_loader_run`, `checkpoint`). *Cold start*: from "
        "starting the process to the first answer: the service and Virtuoso on their loaded "
        "store (the service also fills its two query workers' replicas), the others "
        "including their load. *Memory*: resident set of the process and its children after "
        "the reads, MiB.\n"
    )
    rows = []
    for e in results["sizes"]:
        for n in SYSTEMS:
            sys_ = e["systems"].get(n)
            if not sys_:
                continue
            if sys_.get("status") != "ok":
                rows.append(
                    [
                        _size(e["target"]),
                        TITLES[n],
                        sys_.get("status", "?"),
                        "",
                        "",
                        (sys_.get("note") or "")[:160].replace("|", "/").replace("\n", " "),
                    ]
                )
                continue
            mem = max(sys_.get("rss_kb_start", 0), sys_.get("rss_kb_after", 0)) / 1024
            rows.append(
                [
                    _size(e["target"]),
                    TITLES[n],
                    _s(sys_.get("load_seconds")),
                    _s(sys_.get("cold_start_seconds")),
                    f"{mem:,.0f}",
                    "; ".join(sys_.get("notes", [])),
                ]
            )
    parts.append(
        _table(
            ["size", "system", "load, s", "cold start, s", "memory, MiB", "notes"], rows, "llrrrl"
        )
    )
    parts.append("")
    for p in plots:
        if p.endswith("resources.png"):
            parts.append(f"![Load time and memory]({p})\n")

    # Validated changes.
    parts.append("### Validated one-commitment changes\n")
    parts.append(
        "Each change is a new assessment of one commitment (`assessments.assessment_change`: "
        "the assessment, its assessor, the commitment's new status), validated against the "
        "shapes and applied with its change-log record by `changes.Writer.submit`: over "
        "HTTP (`POST /api/commitments/{id}/assessments`, the service) and in process on the "
        "same code (the oxigraph worker, whose store is pyoxigraph's in-memory one; the "
        "service's is on disk). The goals are judged on the service's. *Full* "
        "is pyshacl over the whole graph (`validation.validate`), which is what validating a "
        "change costs without the incremental path. Medians, ms (full: s).\n"
    )
    rows = []
    for e in results["sizes"]:
        svc = e["updates"].get("service", {})
        inp = e["updates"].get("oxigraph", {})
        full, extrapolated = _full_validation(results, e)
        inc = median(inp["inprocess"]) if inp.get("inprocess") else None
        rows.append(
            [
                _size(e["target"]),
                f"{_ms(median(svc['http']))} / {_ms(p95(svc['http']))}"
                if svc.get("http")
                else (svc.get("http_error", "—")[:80]),
                _ms(inc),
                (_s(full) + (" (extrapolated)" if extrapolated else "")) if full else "not run",
                _ratio(full / median(svc["http"])) if full and svc.get("http") else "—",
                _ratio(full / inc) if full and inc else "—",
                str(inp.get("profile", {}).get("neighbourhood_triples", "—")),
                "—"
                if "full_conforms" not in inp
                else "yes"
                if inp["full_conforms"]
                else f"no ({inp.get('full_violations')})",
            ]
        )
    parts.append(
        _table(
            [
                "size",
                "HTTP median / p95",
                "in process",
                "full validation, s",
                "full ÷ HTTP",
                "full ÷ in process",
                "triples validated per change",
                "graph conforms",
            ],
            rows,
        )
    )
    parts.append("")
    for p in plots:
        if p.endswith("changes.png"):
            parts.append(f"![Validated changes]({p})\n")
    parts.append(_in_process_note(results))
    parts.append(_profile_section(results))

    # Answers checked.
    parts.append("### Answers checked\n")
    parts.append(
        "The size of every answer (rows, or triples for the Linked Data pages) is compared "
        "with pyoxigraph's; for the service, where its answer is the query's answer "
        "(named queries: `total`; /sparql; Linked Data). Differences:\n"
    )
    rows = []
    for e in results["sizes"]:
        ref = _system(e, "oxigraph")
        if not ref:
            continue
        for n in SYSTEMS:
            sys_ = _system(e, n)
            if not sys_ or n == "oxigraph":
                continue
            for key, req in _requests(sys_).items():
                want = _requests(ref).get(key, {}).get("rows")
                got = req.get("rows")
                if want is None or got is None:
                    continue
                if n == "service":
                    want = [sum(want)] if req["family"] != "rest" else None
                if want is not None and got != want:
                    rows.append([_size(e["target"]), TITLES[n], key, str(got), str(want)])
    parts.append(
        _table(["size", "system", "request", "rows", "pyoxigraph's"], rows)
        if rows
        else "None: every system that answered gave answers of the same size."
    )
    if any(r[1] == TITLES["virtuoso"] for r in rows):
        parts.append(
            "\nVirtuoso is sent each query as written. Where its answer differs, the query has "
            "a transitive property path with one end fixed inside a join (as "
            "`actor-commitments`: `?named_actor org:subOrganizationOf* ?actor` with the actor "
            "given), which Virtuoso 7.2 answers by the first step only, depending on its plan "
            "(`docs/deployment.md`, the Virtuoso differences). The service, when its store is "
            "a Virtuoso, rewrites such paths before sending them (`store/virtuoso_paths.py`)."
        )
    parts.append("")

    # Not measured.
    parts.append("### Not measured\n")
    rows = []
    for e in results["sizes"]:
        for n in SYSTEMS:
            sys_ = _system(e, n)
            if not sys_:
                continue
            by: dict[str, list[str]] = {}
            for key, req in _requests(sys_).items():
                if req["outcome"] != "ok":
                    by.setdefault(req["outcome"], []).append(key)
            for outcome, keys in sorted(by.items()):
                detail = ""
                if outcome == "error":
                    detail = _requests(sys_)[keys[0]]["detail"][:140].replace("|", "/")
                    detail = detail.replace("\n", " ")
                rows.append(
                    [
                        _size(e["target"]),
                        TITLES[n],
                        outcome,
                        str(len(keys)),
                        ", ".join(k.split(":", 1)[1] for k in keys[:8])
                        + (" …" if len(keys) > 8 else ""),
                        detail,
                    ]
                )
    parts.append(
        _table(["size", "system", "outcome", "requests", "which", "first error"], rows, "lllrll")
        if rows
        else "Everything ran."
    )
    parts.append("")
    return "\n".join(parts)


def _failed_throughput_note(results: dict[str, Any]) -> str:
    """Say why a system answered nothing under load, where it did."""
    notes = []
    for e in results["sizes"]:
        for n in SYSTEMS:
            sys_ = _system(e, n)
            if not sys_:
                continue
            cells = [
                tp
                for by_family in sys_.get("throughput", {}).values()
                for tp in by_family.values()
                if tp.get("rps") is not None
            ]
            if not cells or any(tp["rps"] for tp in cells):
                continue
            timeouts = [k for k, r in _requests(sys_).items() if r["outcome"] == "timeout"]
            settled = all("busy" in _requests(sys_)[k]["detail"] for k in timeouts)
            note = f"{TITLES[n]} at {_size(e['target'])}: every request under load failed"
            if timeouts and not settled:
                note += (
                    f" — the reads before had left it working on {len(timeouts)} request(s) "
                    f"past the time limit ({', '.join(timeouts)}), and this run predates the "
                    "harness waiting for a server to settle after a timeout"
                )
            notes.append(note + ".")
    return ("**✗** " + " ".join(notes) + "\n") if notes else ""


def _concurrency_note(results: dict[str, Any]) -> str:
    """Where more clients get fewer answers per second from the service, say so and why."""
    clients = [str(c) for c in results["plan"]["clients"]]
    if len(clients) < 2:
        return ""

    def fell(family: str) -> list[str]:
        seen = []
        for e in results["sizes"]:
            tp = (_system(e, "service") or {}).get("throughput", {})
            one = tp.get(clients[0], {}).get(family, {}).get("rps")
            many = tp.get(clients[-1], {}).get(family, {}).get("rps")
            if one and many and many < one:
                seen.append(f"{_size(e['target'])}: {one:,.1f} → {many:,.1f}")
        return seen

    falling = [
        f"the {FAMILY_TITLES[f].split(' (')[0]} ({'; '.join(where)})"
        for f in FAMILIES
        if (where := fell(f))
    ]
    if not falling:
        return ""
    if len(falling) > 1:
        falling[-1] = "and " + falling[-1]
    why = (
        "Its named queries, REST filters and `/sparql` run in its query workers, two by "
        "default, each holding a replica of the data; the Linked Data pages are answered in "
        "the server process, on the same two cores. A new worker, up to "
        "`PLATFORM_GRAPH_QUERY_WORKERS_MAX` (4), first loads its copy of the data: at "
        "millions of triples, tens of seconds of those cores. "
    )
    if str(results["machine"].get("date", "")) < POOL_WAITS_BEFORE_STARTING:
        why += (
            "When this run was made, the pool started a new worker as soon as the last ready "
            "one was taken. Since then (`QueryPool._acquire`) a query that finds every "
            "worker busy first waits as long as a worker takes to start for one to come "
            "free. Measured again for the service alone (`python -m benchmarks --full "
            "--sizes 1000000,5000000 --systems service`, 2026-11-27 10:26), from 1 to 4 "
            "clients no family fell: at 5M the named queries went 2.3 → 3.6, the REST "
            "filters 10.9 → 12.0, `/sparql` 4.0 → 6.7 and the Linked Data pages 355 → 376 "
            "answers/s; at 1M the REST filters went 57.9 → 58.4."
        )
    else:
        why += (
            "A query that finds every worker busy first waits as long as a worker takes to "
            "start for one to come free, and only then is one started (`QueryPool._acquire`)."
        )
    return (
        f"**More clients, fewer answers.** From {clients[0]} to {clients[-1]} clients the "
        f"service's answers per second fell for {', '.join(falling)}. {why}\n"
    )


# When the pool stopped starting a worker as soon as the last ready one was taken (the
# commit's time, UTC, 68024af): a run made before measured the old pool.
POOL_WAITS_BEFORE_STARTING = "2026-11-27T10:26:40"


def _change_growth_text(results: dict[str, Any]) -> str:
    """What the profiles say about the in-process change's growth."""
    first, last = results["sizes"][0], results["sizes"][-1]
    prof0 = first["updates"].get("oxigraph", {}).get("profile") or {}
    prof = last["updates"].get("oxigraph", {}).get("profile") or {}
    if not prof or not prof0:
        return "No profile in this run."
    big = sorted(prof.get("focus", []), key=lambda f: -f["incoming"])[:3]
    return (
        "`incremental.Validator` validates the subgraph around the change's focus nodes: "
        f"{prof0['neighbourhood_triples']:,} triples at {_size(first['target'])}, "
        f"{prof['neighbourhood_triples']:,} at {_size(last['target'])}. Gathering it took "
        f"{prof0['gather_seconds'] * 1000:,.0f} of {prof0['total_seconds'] * 1000:,.0f} ms "
        f"at {_size(first['target'])} and {prof['gather_seconds'] * 1000:,.0f} of "
        f"{prof['total_seconds'] * 1000:,.0f} ms at {_size(last['target'])} (profile below): "
        "the lookups of a focus node's incoming edges along the one predicate the shapes "
        "read backwards (`^pg:inSentence`). Some focus nodes are vocabulary terms the whole "
        "graph points at ("
        + ", ".join(
            f"`{f['node'].rsplit('/', 1)[-1].rsplit('#', 1)[-1]}`: {f['incoming']:,} incoming"
            for f in big
        )
        + "), and pyoxigraph's in-memory store, which the in-process engine uses, answers a "
        "lookup by predicate and object in time that grows with all of the object's incoming "
        "edges; its on-disk store, which the service uses, answers it from an index, so over "
        "HTTP the change stays flat."
    )


def _in_process_note(results: dict[str, Any]) -> str:
    """Where the in-process change grows and the service's does not, say why."""
    first, last = results["sizes"][0], results["sizes"][-1]
    a = first["updates"].get("oxigraph", {}).get("inprocess")
    b = last["updates"].get("oxigraph", {}).get("inprocess")
    h0 = first["updates"].get("service", {}).get("http")
    h1 = last["updates"].get("service", {}).get("http")
    if not (a and b and h0 and h1) or median(b) / median(a) < 2:
        return ""
    return (
        f"**In process the change grows, over HTTP it does not** "
        f"({_size(first['target'])} → {_size(last['target'])}: in process "
        f"{_ratio(median(b) / median(a))}, over HTTP {_ratio(median(h1) / median(h0))}). "
        + _change_growth_text(results)
        + "\n"
    )


def _profile_section(results: dict[str, Any]) -> str:
    entry = results["sizes"][-1]
    prof = entry["updates"].get("oxigraph", {}).get("profile")
    if not prof:
        return ""
    lines = [f"#### Where a validated change spends its time ({_size(entry['target'])} triples)\n"]
    lines.append(
        f"One change, profiled: {prof['total_seconds'] * 1000:,.0f} ms in "
        f"`Validator.validate_change`, of which {prof['gather_seconds'] * 1000:,.0f} ms gather "
        f"the subgraph to validate ({prof['neighbourhood_triples']:,} triples). Its focus "
        "nodes, with the edges the subgraph takes from each:\n"
    )
    lines.append(
        _table(
            ["focus node", "incoming edges", "outgoing edges"],
            [[f"`{f['node']}`", f"{f['incoming']:,}", f"{f['outgoing']:,}"] for f in prof["focus"]],
        )
    )
    lines.append("\n```\n" + "\n".join(prof["profile"][:16]) + "\n```\n")
    return "\n".join(lines)


def _explain(results: dict[str, Any]) -> str:
    """Why a goal was missed, from the figures of the run."""
    out: list[str] = []
    for g in goals(results):
        if g["met"] is not False:
            continue
        goal = g["goal"]
        if goal.startswith("the validated change grows"):
            out.append(
                "**Why the validated change grows with the graph.** "
                + _change_growth_text(results)
                + "\n"
            )
        elif goal.startswith("a validated one-commitment change"):
            out.append(
                "**Why the change is not 100× faster than full validation here.** A change "
                "costs a fixed part (pyshacl builds its shape objects and runs every constraint "
                "of the focus nodes' shapes on each call, tens of ms) that full validation of "
                "a small graph is only some tens of times larger than; the ratio rises with the "
                "graph (table below). Where the change itself grows with the graph, see the "
                "next point.\n"
            )
        elif goal.startswith("HTTP overhead"):
            entry = _goal_entry(results)
            service, raw = _system(entry, "service"), _system(entry, "oxigraph")
            split = (raw or {}).get("split") or {}
            base = median(service["baseline"]) if service and service.get("baseline") else None
            probe = next((k for k in _requests(service or {}) if k.startswith("sparql:one")), "")
            total = median(_requests(service or {})[probe]["samples"]) if probe else None
            text = (
                "**Why the HTTP overhead exceeds 2 ms.** `/sparql` does more than HTTP: it "
                "checks the query text (`sparql_text.check_query`), hands the query to a query "
                "worker process over a pipe (`query_pool`, so that a runaway query can be "
                "killed), and the worker turns the answer into rdflib terms and serialises it."
            )
            if split and base is not None and total is not None:
                rest = total - base - split["pool_round_trip"] - split["check_query"]
                text += (
                    f" At {_size(entry['target'])}, of the {_ms(total, 2)} ms: "
                    f"{_ms(base, 2)} ms is what any request costs through the service (one that "
                    "touches no data: uvicorn, FastAPI and its middleware stack, the ETag "
                    f"lookup), {_ms(split['pool_round_trip'], 2)} ms the round trip through a "
                    f"query worker, {_ms(split['check_query'], 3)} ms the guard, and "
                    f"{_ms(rest, 2)} ms the rest of the `/sparql` route (reading the "
                    "parameters, content negotiation, the hop to a thread for the pool call, "
                    "the response), against "
                    f"{_ms(split['raw_query_and_serialize'], 3)} ms for pyoxigraph alone (table "
                    "*A small answer* below)."
                )
            stuck = [
                k
                for k, r in _requests(service or {}).items()
                if r["outcome"] == "timeout" and "busy" not in r["detail"]
            ]
            if stuck:
                text += (
                    f" At this size the service also ran past the time limit on {', '.join(stuck)}"
                    ": when this run was made, named queries and REST requests ran in the "
                    "server process, outside the killable query pool and its time limit (they "
                    "now run in the query workers under the same limit as `/sparql`, "
                    "`QueryPool.query`), so the server went on computing it after the client "
                    "gave up, on the same two cores, while the next requests were measured "
                    "(this run also predates the harness waiting for the server to settle). "
                    "The smaller sizes of the same run, measured without that, show the "
                    "overhead without it."
                )
            out.append(text + "\n")
        elif goal.startswith("service median"):
            out.append(
                "**Why the service is not 20× faster than rdflib-endpoint here.** On small "
                "graphs both answer most requests quickly and the service's fixed cost per "
                "request (HTTP, the read model's Python) weighs most.\n"
            )
    return "\n".join(out)


INTRO = """# Benchmarks

How platform-graph compares, on the same data and the same queries, with what else a
municipality or a researcher would use, at 10 thousand to 5 million triples. Everything
here is produced by `make bench` (10k, 100k, 1M, 5M triples; about 80 minutes on two
cores) or `make bench-quick` (10k and 100k; under five minutes): the tables, the plots
beside this file, and the raw figures in `docs/benchmarks-full.json` and
`docs/benchmarks-quick.json`. The machine is shared and noisy, so what matters are the
ratios between systems measured in the same run, not the absolute times.

## What is measured

**The data.** `benchmarks/generate.py` writes synthetic graphs in the project's own
ontology, deterministically (seed 7): many municipalities' political platforms, each a
document whose text the generator writes (title, introduction, headed sections of
sentences), with every section, sentence and statement anchored in that text by computed
offsets, so the shapes' quote check holds. Around each text: the coalition and its
parties, the municipality and its boards and companies, organisations, the groups the text
names, the municipality's areas (town, districts, villages, countryside, a lake, sites, a
transport link), national actors and counties shared by all; commitments and context
statements with themes, actors in their roles, areas, strength, kind, change type,
testability, deadlines, periods and amounts in the proportions of the real Örebro platform;
a quarter of the commitments carry one to three assessments, each recorded as the service
records it, by a change in the change log. The ontology and themes are the project's.
Every generated graph conforms to `shapes/` (checked by `tests/test_benchmarks.py`).

**The systems**, each started alone on the machine in its turn:

1. **platform-graph** over HTTP: `platform-graph serve` (uvicorn, loopback), its store
   folder created from the generated N-Quads first.
2. **pyoxigraph in process**, no HTTP: the floor.
3. **rdflib in process** (`Dataset`, union default graph): what a researcher does by hand.
4. **rdflib-endpoint** (PyPI), the nearest peer: a FastAPI SPARQL endpoint over rdflib,
   serving the same file.
5. **Virtuoso** (Debian's `virtuoso-opensource`) over HTTP, with its own temporary
   database and ini file, loaded with its bulk loader.

**The workload**, from `benchmarks/workload.py`, with parameters taken from the first
generated municipality (present at every size): the 19 named queries of `queries/`, seven
REST filters of `/api/commitments`, eight research queries at `/sparql` (profiles per
platform, one actor across all platforms, deadlines with quotes, words in quotes, the
latest assessments, CAP topics, and one small lookup), and five Linked Data pages. The
service answers each through its own API; the other systems run the same SPARQL: the named
queries' text with the parameters bound as the service binds them, the queries the
service's read model sends to its store for the REST request (recorded, not rewritten),
the same research queries, and the `CONSTRUCT` behind the Linked Data pages. Every
answer is written out in full (SPARQL JSON, or Turtle for the pages).

**Writes**: validated one-commitment changes (a new assessment) at every size, over HTTP
and in process, next to a full pyshacl validation of the same graph.
"""


H2H_KINDS = {
    "lookup": "SPARQL lookups",
    "group": "GROUP BY counts",
    "join": "joins",
    "text": "text filters",
    "named": "named queries",
    "ld": "Linked Data pages",
}


def head_to_head_section(h2h: dict[str, Any] | None) -> str:
    """The real platform, the service and Virtuoso alternated (``benchmarks/head_to_head``):
    per request the medians and their ratio, per kind of request a line: met or missed."""
    title = "### At the platform's size: the service beside Virtuoso, alternated\n"
    if not h2h:
        return title + "\nNot measured in this run (it needs both the service and Virtuoso).\n"
    if "unavailable" in h2h:
        return title + f"\nNot measured: {h2h['unavailable'][:300]}\n"
    when = f"measured {h2h['date']}; " if h2h.get("date") else ""
    parts = [
        title,
        f"The real Örebro platform ({h2h['quads']:,} quads, {when}"
        f"`python -m benchmarks.head_to_head`): both servers up at once, every request sent "
        f"to one then the other, the order swapped each round; per request the median of "
        f"{h2h['rounds']} timed runs after {h2h['warmup']} warm-up runs. Virtuoso runs the "
        "very SPARQL the service runs (the named query bound, the CONSTRUCT behind the "
        "page). Goal: the service's median ≤ Virtuoso's (ratio ≤ 1.0).\n",
    ]
    uncached = all("service_no_cache" in r for r in h2h["requests"])
    if uncached:
        parts.append(
            "The service answers a query asked again before the next change from the answers "
            "it keeps for the data's current version (`ANSWER_CACHE_MB`, on by default), as "
            "the timed runs here all do; *no cache* is the same service with "
            "`ANSWER_CACHE_MB=0`, where every request runs its query: the figure for a "
            "request nobody asked before. The goal is judged on the service as it is "
            "configured by default; the ratio without the cache is given beside it.\n"
        )
    rows = []
    by_kind: dict[str, list[float]] = {}
    fresh_ratios: list[float] = []
    for r in h2h["requests"]:
        s = statistics.median(r["service"])
        v = statistics.median(r["virtuoso"])
        by_kind.setdefault(r["kind"], []).append(s / v)
        row = [H2H_KINDS.get(r["kind"], r["kind"]), r["name"], _ms(s, 2), _ms(v, 2), f"{s / v:.2f}"]
        if uncached:
            f = statistics.median(r["service_no_cache"])
            fresh_ratios.append(f / v)
            row += [_ms(f, 2), f"{f / v:.2f}"]
        rows.append([*row, f"{r['service_rows']} / {r['virtuoso_rows']}"])
    head = ["kind", "request", "service ms", "Virtuoso ms", "ratio"]
    if uncached:
        head += ["no cache ms", "ratio"]
    head.append("rows (service / Virtuoso)")
    parts.append(_table(head, rows, "ll" + "r" * (len(head) - 2)))
    parts.append("")
    lines = []
    for kind, title_ in H2H_KINDS.items():
        ratios = by_kind.get(kind)
        if not ratios:
            continue
        worst = max(ratios)
        verdict = "**met**" if worst <= 1.0 else "**missed**"
        lines.append(f"- {title_}: ratio {', '.join(f'{x:.2f}' for x in ratios)}: {verdict}")
    every = [x for xs in by_kind.values() for x in xs]
    lines.append(f"- median ratio over the {len(every)} requests: {statistics.median(every):.2f}")
    if fresh_ratios:
        lines.append(
            f"- without the answer cache: median ratio {statistics.median(fresh_ratios):.2f}, "
            f"{sum(x <= 1.0 for x in fresh_ratios)} of {len(fresh_ratios)} requests at or "
            "under Virtuoso's time"
        )
    parts.append("\n".join(lines) + "\n")
    return "\n".join(parts)


def at_scale_section(scale: dict[str, Any]) -> str:
    """Import, cold start and memory at millions of triples (``benchmarks/at_scale``)."""
    parts = [
        "### At millions of triples: import, cold start, memory\n",
        f"Measured {scale['date']} (`python -m benchmarks.at_scale --sizes …`), each in its "
        "own process: `platform-graph import` into an on-disk store (the file loaded, the "
        "inferred graph found, the read model's list written) beside pyoxigraph's "
        "`bulk_load`; the service as configured by default (above a million quads its query "
        "workers read snapshots of the store; before 2026-12-06 afternoon the run set "
        "`QUERY_COPY_MAX_QUADS=0` for that) from process start until `/sparql` and "
        "`/api/commitments` have both answered, and the memory of all its processes then "
        "(RSS and PSS summed over the process tree); pyoxigraph's in-memory store loading "
        "the same file, its peak RSS.\n",
    ]
    rows = []
    lines = []
    for e in scale["sizes"]:
        svc, mem = e["service"], e["in_memory"]
        imp = e["import_seconds"] / e["bulk_load_seconds"]
        rss = svc["rss_kb"] / mem["peak_rss_kb"]
        pss = svc["pss_kb"] / mem["peak_rss_kb"]
        rows.append(
            [
                _size(e["target"]),
                f"{e['import_seconds']:.1f} s",
                f"{e['bulk_load_seconds']:.1f} s",
                f"{imp:.2f}",
                f"{svc['cold_start_seconds']:.1f} s",
                f"{svc['rss_kb'] / 1024:,.0f} / {svc['pss_kb'] / 1024:,.0f} MiB",
                f"{mem['peak_rss_kb'] / 1024:,.0f} MiB",
                f"{rss:.2f} / {pss:.2f}",
            ]
        )

        def verdict(ok: bool) -> str:
            return "**met**" if ok else "**missed**"

        size = _size(e["target"])
        lines.append(f"- {size}: import ≤ 2× bulk_load: {imp:.2f}×, {verdict(imp <= 2.0)}")
        if e["target"] <= 1_000_000:
            cold = svc["cold_start_seconds"]
            lines.append(f"- {size}: cold start ≤ 5 s: {cold:.1f} s, {verdict(cold <= 5.0)}")
        lines.append(
            f"- {size}: memory of all processes ≤ 1.5× pyoxigraph in memory: "
            f"{rss:.2f}× (RSS), {pss:.2f}× (PSS), {verdict(rss <= 1.5)}"
        )
    parts.append(
        _table(
            [
                "size",
                "import",
                "bulk_load",
                "ratio",
                "cold start",
                "service RSS / PSS",
                "pyoxigraph in memory",
                "ratio RSS / PSS",
            ],
            rows,
            "lrrrrrrr",
        )
    )
    parts.append("")
    parts.append("\n".join(lines) + "\n")
    return "\n".join(parts)


WHERE_THE_TIME_WENT = """## Issue 18: where the time went

Profiled on 2026-12-06 (the bench's own split, in *A small answer* above, and
cProfile), on this shared two-core machine, whose load average stayed between 5 and 8
from other work during every run: single-system figures moved by a factor of two from
run to run; the side-by-side ratios, alternated, moved far less (median ratio 1.32 to
1.53 over four runs, the last two without httptools, see below; 2.46 in the issue).

- **A small `/sparql` answer** (100k, the bench's split): before (2026-11-27), 1.70 ms =
  0.85 ms for a request that touches no data (uvicorn's h11 parser on asyncio's loop, a
  thread hop for the service dependency) + 0.075 the query text's guard + 0.18 the
  worker round trip (sent from a thread) + the rest (the router's match, threads).
  Changed: the guard's analyses are kept (0.002 ms), the service dependency is a
  coroutine, `/sparql` and `/id/` skip the router (`http/lanes.py`), a query that
  finds a worker free is sent and awaited on the event loop, the loop is uvloop's. In
  one run with uvicorn's httptools parser as well: 0.86 ms = 0.68 no-data floor +
  0.002 guard + 0.15 worker round trip, a Linked Data page 1.03 ms (was 3.53: the
  engine writes its Turtle in the worker instead of rdflib in the server). httptools
  was then dropped: it answers a request with an unknown method with a plain-text 400
  before the app can answer 405 with a problem document (tests/test_bad_inputs.py).
  As served then (h11 on uvloop): 1.33 ms, a Linked Data page 1.61 ms (was 4.11 at
  100k).
- **Second round** (2026-12-06 afternoon; py-spy sampling the server and its workers,
  the real platform, one request 3,000 times; `benchmarks.head_to_head`):
  - *An actor's Linked Data page took 7.0 ms*, 78% of it hashing every quad that names
    the actor for its per-resource ETag (added with the write path's resource ETags).
    The writer now keeps each resource's ETag for the dataset's version: 1.05 ms.
  - *h11 took 0.25 ms per request.* httptools is back, and a connection whose request
    begins with a method llhttp does not know is handed to h11 (`http/server.py`), so
    `BREW /sparql` still gets the app's 405 problem document: the lookup went from 1.04
    to 0.80 ms.
  - *What is left of a lookup that runs its query* (about 0.8 ms): the round trip to
    the confined worker with the engine's answer (about 0.35 ms: two pipe writes, two
    wake-ups, pickling), the access log (0.1 ms, of which 40 µs was the redaction's
    pattern, now run only when a secret's name is in the line), decoding the query
    string (46 µs, now once per distinct text), the ASGI middlewares and uvicorn's send.
  - *The engine's own time sets a floor that Virtuoso is under.* pyoxigraph in process,
    on the same data, its answer serialised: lookups 0.03–0.05 ms, GROUP BY 0.24–0.76,
    the joins 0.63–1.30, text filters 0.45–0.56, the named queries 0.79–2.2, the pages'
    CONSTRUCT 0.08–0.20. Virtuoso answers over HTTP in 0.6–0.8 ms for a lookup and
    about 1.0 for the deadlines join. Add the 0.8 ms path of a request that runs its
    query, and no request that must run can be under Virtuoso's time. The path cannot
    lose the worker: untrusted queries run only in confined, killable workers
    (docs/security.md).
  - *So the service keeps answers*: the pool keeps each read-only answer, as the worker
    wrote it, for the data's current generation (`store/answer_cache.py`,
    `ANSWER_CACHE_MB`). A request asked again before the next change costs the HTTP
    path alone: 0.44 ms for the lookup, about 0.5 ms for every request in the table
    but the named queries. Named queries also no longer hop to a thread: 0.87 ms
    (deadlines) and 1.76 (strength-by-theme), from 2.86 and 5.35. The table above gives
    both: the service as configured (answers kept: every kind at or under Virtuoso's
    time), and the same service with `ANSWER_CACHE_MB=0` (median ratio about 1.5).
- **Cold start at 1M, first round** (17.7 s with the workers on snapshots): the server
  listened after 4–7 s; the rest was the first `/api/commitments` building the read
  model (cProfile, 23.6 s under load: 11.2 s in the workers' four queries over the
  snapshot, 6.7 s in `copy.deepcopy`, now a field-by-field copy, about 4 s making rdflib
  terms of 340,000 answer terms).
- **Cold start at 1M, second round** (py-spy over the server and its workers, a store
  fresh from `platform-graph import`): 2,051 of 3,360 samples were the start filling
  the inferred graph (213,691 triples, in Python, through rdflib terms; 13.9 s alone),
  since an imported file without it gets it on the first start. Then the read model's
  list of every commitment: 4.8 s in the worker's engine over the snapshot, 2.5 s
  making terms of its answers. Each `len(store)` read every quad (0.3–0.7 s; three per
  start). And with the default copies, each worker loaded its own (15 s before the first
  `/sparql` answer). Changed:
  - the inferred graph is found by the engine (one CONSTRUCT per rule, 10–11.6 s at
    start), and now by `platform-graph import`, with the bulk writer (4.4 s);
  - import writes the read model's list beside the store (4.5 s; 6.2 before terms an
    answer repeats were made once), keyed by the store's identity on disk and the change
    log's head; a start reads it (1.0 s for 14,718 commitments, the machine busy) or
    builds it in the background and writes it for the next;
  - the list is built once per version in a thread of its own, outside any reader's
    time limit, however many readers ask;
  - whether the store is empty is asked without counting it;
  - above a million quads the workers read snapshots by default.

  Cold start at 1M is now 2.8–3.7 s: about 2 s of it is Python importing the service
  and spawning two confined workers (each a fresh interpreter), the rest the first
  answers.
- **Import at 1M against `bulk_load`: missed.** The import does what `bulk_load` does
  (7.5–8.5 s here, streamed check 1.2 s before it), then finds the 213,691 triples of the
  inferred graph (4.4 s: 2.1 s the engine evaluating 104 CONSTRUCTs, 1.1 s its bulk
  writer, the rest sets of terms in between) and writes the read model's list (4.5 s:
  the engine's details query over a million quads, then the terms). That is the work
  the first start did before, moved to where nobody waits for an answer; the load alone
  is as fast as `bulk_load` (0.90× in the first round's run). Meeting both goals at once
  would need the inferred graph and the list made in the engine without a round through
  Python, or not made at all until asked.
- **5M**: the read model's list is no longer bound by one reader's time limit (before,
  on snapshots, it ran past 30 s request after request, each starting over); the first
  start reads the list import wrote.
- **Memory at 1M** (snapshots): the server and its two workers hold 300–470 MiB (RSS)
  after their first answers, against 1,182–1,217 MiB at the peak of pyoxigraph's
  in-memory store loading the same file (its `ru_maxrss`, the parse included); with
  copies each worker holds its own (1,684 MiB in all in the issue's measure). Under
  load a worker's RocksDB caches grow, within its RLIMIT_DATA.
"""


def write_report(out: Path) -> Path:
    sections = [INTRO]
    for mode in ("full", "quick"):
        path = out / f"benchmarks-{mode}.json"
        if not path.exists():
            continue
        results = json.loads(path.read_text())
        plots = _plots(results, out)
        sections.append(_run_section(results, plots))
    if len(sections) == 1:
        sections.append("No run yet: `make bench-quick`.\n")
    else:
        sections.append(WHERE_THE_TIME_WENT)
    report = out / "benchmarks.md"
    report.write_text("\n".join(sections).rstrip() + "\n")
    return report
