"""A validated one-commitment change against a full validation, on the built graph.

Run: make bench-validation  (or: .venv/bin/python -m benchmarks.validation [--rounds N])

Both are measured in the same process, on the same store: the ratio is the figure.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from rdflib import URIRef

from platform_graph.build.graph import build
from platform_graph.config import Paths, default_root
from platform_graph.store.oxigraph import OxigraphStore
from platform_graph.validation.incremental import Validator, full_graph_after
from platform_graph.validation.shacl import load_shapes, validate
from platform_graph.vocab.namespaces import ID
from platform_graph.write.assessments import AssessmentInput, assessment_change
from platform_graph.write.writer import Writer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args(argv)
    root = default_root()
    built = build(Paths(root))
    shapes = load_shapes(Paths(root).shapes)
    with tempfile.TemporaryDirectory() as tmp:
        store = OxigraphStore(Path(tmp) / "store")
        store.load(built.nquads(), "application/n-quads")
        writer = Writer(store, Validator(shapes))
        commitments = [st.id for st in built.curation.statements if st.commitment]
        incremental: list[float] = []
        for i in range(args.rounds):
            target = URIRef(ID[f"commitment/{commitments[i % len(commitments)]}"])
            item = AssessmentInput("in-progress", date(2025, 1, 1 + i % 28), "Bench", ("x",))
            _, add, remove = assessment_change(store, target, item)
            started = time.perf_counter()
            outcome = writer.submit(add=add, remove=remove, author="bench", message="bench")
            incremental.append(time.perf_counter() - started)
            assert outcome.status == "applied", outcome.report.to_text()
        full: list[float] = []
        for _ in range(max(3, args.rounds // 5)):
            started = time.perf_counter()
            report = validate(full_graph_after(store, [], []), shapes)
            full.append(time.perf_counter() - started)
            assert report.conforms
        triples = len(store)
    inc, whole = statistics.median(incremental), statistics.median(full)
    sys.stdout.write(
        f"| measure | median ms |\n|---|---:|\n"
        f"| validate and apply a one-commitment change (assessment) | {inc * 1000:.0f} |\n"
        f"| full validation of the graph ({triples} quads) | {whole * 1000:.0f} |\n"
        f"\nfull / incremental = {whole / inc:.1f}×  ({args.rounds} changes, "
        f"{len(full)} full validations)\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
