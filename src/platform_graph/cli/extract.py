"""`platform-graph extract`: propose the coding of a platform text; `eval-extract`: how
well that does against curated codings (docs/extraction.md)."""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

from platform_graph.build.platforms import discover_platforms
from platform_graph.cli.common import EXIT_OK, EXIT_UNREADABLE
from platform_graph.config import Settings
from platform_graph.errors import CurationError
from platform_graph.extract import SourceTextError, extract, load_context, read_source
from platform_graph.extract.draft import DraftError, DraftRequest, write_draft
from platform_graph.extract.report import evaluation_report
from platform_graph.vocab.identifiers import SLUG

__all__ = ["cmd_eval_extract", "cmd_extract"]


def _fail(message: str) -> int:
    sys.stderr.write(f"platform-graph extract: {message}\n")
    return EXIT_UNREADABLE


_NAME = r"[A-ZÅÄÖ][a-zåäöé]+(?:-[A-ZÅÄÖ][a-zåäöé]+)?"
# A title names its place after "för" or "i": "Plattform för Ekholm 2026–2030",
# "Socialdemokraterna i Ekholm".
_TITLE_PLACE = re.compile(rf"\b(?:för|i) ({_NAME})\b")
_TITLE_LINES = 4


def _municipality(text: str) -> str | None:
    """The municipality the text is most about: the most frequent "X kommun", else the
    place its title names; None when it names neither."""
    counts: dict[str, int] = {}
    for m in re.finditer(rf"\b({_NAME}) kommuns?\b", text):
        counts[m.group(1)] = counts.get(m.group(1), 0) + 1
    if counts:
        return max(counts, key=lambda k: counts[k]) + " kommun"
    title = "\n".join([line for line in text.splitlines() if line.strip()][:_TITLE_LINES])
    found = _TITLE_PLACE.search(title)
    if found is None:
        return None
    name = found.group(1)
    if name.casefold().endswith("kommun"):
        return name
    # A municipality's name takes a genitive s after a consonant: "Ekholms kommun",
    # "Örebro kommun", "Borås kommun".
    return f"{name} kommun" if name[-1].casefold() in "aeiouyåäösxz" else f"{name}s kommun"


def _term(raw: str | None) -> tuple[int, int] | None:
    if raw is None:
        return None
    m = re.fullmatch(r"(\d{4})\s*[-–]\s*(\d{4})", raw)
    if not m:
        raise ValueError("--term is two years, e.g. 2026-2030")
    return int(m.group(1)), int(m.group(2))


def cmd_extract(args: argparse.Namespace, settings: Settings) -> int:
    if args.out and not args.platform:
        return _fail("--out needs --platform SLUG (the new platform's slug)")
    if args.platform and not SLUG.match(args.platform):
        return _fail(f"--platform {args.platform!r}: lower-case ASCII words joined by hyphens")
    try:
        text = read_source(Path(args.source), max_bytes=args.max_bytes)
        term = _term(args.term)
    except (SourceTextError, ValueError) as exc:
        return _fail(str(exc))
    paths = settings.paths
    spec = None
    try:
        for known in discover_platforms(paths.data, paths.extra_platforms):
            if known.slug == args.platform and Path(args.out or "") != known.folder:
                spec = known
        municipality = args.municipality or _municipality(text)
        if spec is None and municipality is None:
            # Not Örebro's by default: its bodies and places would be linked to any text.
            sys.stderr.write(
                "· the text names no municipality (give it with --municipality): no "
                "municipality's own bodies or places are linked\n"
            )
            municipality = ""
        ctx = load_context(paths, spec, municipality=municipality, term=term)
    except CurationError as exc:
        return _fail(str(exc))
    started = time.perf_counter()
    extraction = extract(text, ctx)
    elapsed = time.perf_counter() - started
    if args.out:
        try:
            written = write_draft(
                extraction,
                ctx,
                DraftRequest(
                    Path(args.out), args.platform, Path(args.source), tuple(args.party), args.force
                ),
            )
        except DraftError as exc:
            return _fail(str(exc))
        sys.stderr.write(f"· wrote a draft of {len(written)} files to {args.out}\n")
    if args.json:
        sys.stdout.write(json.dumps(extraction.as_json(), ensure_ascii=False, indent=1) + "\n")
    elif not args.out:
        _summary(extraction, elapsed)
    return EXIT_OK


def _summary(extraction: object, elapsed: float) -> None:
    from platform_graph.extract.coding import Extraction

    assert isinstance(extraction, Extraction)
    labels: dict[str, int] = {}
    for u in extraction.units:
        labels[u.label] = labels.get(u.label, 0) + 1
    sys.stdout.write(
        f"{len(extraction.units)} units in {elapsed:.2f} s: "
        + ", ".join(f"{n} {k}" for k, n in sorted(labels.items()))
        + "\n"
    )
    for u in extraction.units:
        tag = u.label if u.label != "commitment" else f"{u.strength}"
        flat = " ".join(u.text.split())
        sys.stdout.write(f"{u.start:>6}  {tag:<12} {u.confidence:.2f}  {flat[:90]}\n")


def cmd_eval_extract(args: argparse.Namespace, settings: Settings) -> int:
    out = Path(args.out)
    try:
        text = evaluation_report(settings.paths, command=" ".join(args.command_line))
    except CurationError as exc:
        sys.stderr.write(f"{exc}\n")
        return EXIT_UNREADABLE
    out.write_text(text, encoding="utf-8")
    sys.stderr.write(f"· wrote {out}\n")
    return EXIT_OK
