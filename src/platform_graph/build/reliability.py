"""The reliability study of the coding (docs/reliability.md): two codings of a seeded
random sample of statements, their agreement per field, and the resolutions.

``data/reliability/`` holds the study: ``study.yaml`` (seed, size, the population the
sample was drawn from), ``sample.yaml`` (what the second coder saw: labels U01...,
sentences, quotes), ``key.yaml`` (label -> statement id, never shown to the second
coder), ``first-coding.yaml`` (the curation's codes of the sample as they stood when the
second coder coded), ``second-coding.yaml`` (the second coder's codes, from the codebook
alone) and ``resolutions.yaml`` (each disagreement, how it was resolved and why).
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from platform_graph.build.agreement import (
    Agreement,
    bootstrap_interval,
    cohen_kappa,
    pooled_kappa,
)
from platform_graph.build.curation import Statement
from platform_graph.errors import CurationError
from platform_graph.vocab.scales import ROLES

__all__ = [
    "FIELDS",
    "SET_FIELDS",
    "Coding",
    "FieldResult",
    "Resolution",
    "Study",
    "coding_of",
    "differences",
    "load_study",
    "measure",
    "measured_study",
    "worked_examples",
]

# The fields compared, in the order of the report. Single-valued fields get Cohen's kappa;
# strength, kind, change and testable only over the units both coders coded as commitments.
SINGLE_FIELDS = ("commitment", "strength", "kind", "change", "testable", "refers_back")
SET_FIELDS = ("actors", "areas", "themes")
FIELDS = SINGLE_FIELDS + SET_FIELDS
COMMITMENT_ONLY = frozenset({"strength", "kind", "change", "testable"})
# Where a disagreement is recorded: a set field of actors by role.
RESOLUTION_FIELDS = (
    *SINGLE_FIELDS,
    *(f"actors.{role}" for role in ROLES),
    "areas",
    "themes",
)
BOOTSTRAP_RESAMPLES = 1000


@dataclass(frozen=True, slots=True)
class Coding:
    """One coder's codes for one unit."""

    commitment: bool
    strength: str | None
    kind: str | None
    change: str | None
    testable: bool | None
    actors: Mapping[str, frozenset[str]]
    areas: frozenset[str]
    themes: frozenset[str]
    refers_back: bool
    cue: str | None = None

    def value(self, name: str) -> Any:
        """A field's value as resolutions record it (sets as sorted lists)."""
        if name.startswith("actors."):
            return sorted(self.actors.get(name.split(".", 1)[1], frozenset()))
        if name in ("areas", "themes"):
            return sorted(getattr(self, name))
        return getattr(self, name)

    def codes(self, name: str) -> frozenset[Hashable]:
        """A set field as the codes it holds; actors as role:actor."""
        if name == "actors":
            return frozenset(f"{role}:{a}" for role, slugs in self.actors.items() for a in slugs)
        found: frozenset[Hashable] = getattr(self, name)
        return found


@dataclass(frozen=True, slots=True)
class Resolution:
    unit: str
    field: str
    first: Any
    second: Any
    resolved: Any
    reason: str
    codebook_changed: bool
    data_changed: bool


@dataclass(slots=True)
class Study:
    seed: int
    size: int
    population: list[str]
    drawn_on: str
    codebook_examples: frozenset[int]
    sample: list[dict[str, Any]]
    key: dict[str, str]
    first: dict[str, Coding]
    second: dict[str, Coding]
    resolutions: list[Resolution] = field(default_factory=list)

    @property
    def units(self) -> list[str]:
        return [u["unit"] for u in self.sample]

    def draw(self) -> list[str]:
        """The statement ids the seeded draw gives: ``random.Random(seed).sample`` over
        the population's ids in sorted order."""
        return random.Random(self.seed).sample(sorted(self.population), self.size)

    def not_blind(self) -> list[str]:
        """The units whose sentence the codebook cites as a worked example."""
        return [u for u in self.units if self.sentence(u) in self.codebook_examples]

    def sentence(self, unit: str) -> int:
        """The unit's sentence as the codebook numbers it (from 1; sample.yaml counts
        from 0)."""
        for u in self.sample:
            if u["unit"] == unit:
                return int(u["sentence_number"]) + 1
        raise KeyError(unit)


@dataclass(frozen=True, slots=True)
class FieldResult:
    field: str
    method: str
    agreement: Agreement
    interval: tuple[float, float, int] | None
    disagreeing: tuple[str, ...]


def _read(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CurationError(f"{path}: {exc}") from exc


def _coding(raw: Mapping[str, Any], where: str) -> Coding:
    try:
        actors = raw.get("actors") or {}
        return Coding(
            commitment=bool(raw["commitment"]),
            strength=raw.get("strength"),
            kind=raw.get("kind"),
            change=raw.get("change"),
            testable=raw.get("testable"),
            actors={role: frozenset(actors.get(role) or ()) for role in ROLES},
            areas=frozenset(raw.get("areas") or ()),
            themes=frozenset(raw.get("themes") or ()),
            refers_back=bool(raw.get("refers_to_previous")),
            cue=raw.get("cue"),
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise CurationError(f"{where}: not a coding ({exc})") from exc


def _codings(path: Path) -> dict[str, Coding]:
    rows = _read(path)
    if not isinstance(rows, list):
        raise CurationError(f"{path}: expected a list of units")
    return {str(r["unit"]): _coding(r, f"{path.name}: {r.get('unit')}") for r in rows}


_RESOLUTION_KEYS = frozenset(
    {"unit", "field", "first", "second", "resolved", "reason", "codebook_changed", "data_changed"}
)


def _resolutions(path: Path) -> list[Resolution]:
    if not path.exists():
        return []
    out: list[Resolution] = []
    for i, raw in enumerate(_read(path) or []):
        where = f"{path.name}: resolution {i + 1}"
        if not isinstance(raw, Mapping) or set(raw) != _RESOLUTION_KEYS:
            raise CurationError(f"{where}: needs exactly {sorted(_RESOLUTION_KEYS)}")
        if raw["field"] not in RESOLUTION_FIELDS:
            raise CurationError(f"{where}: field must be one of {list(RESOLUTION_FIELDS)}")
        if not str(raw["reason"]).strip():
            raise CurationError(f"{where}: a resolution needs its reason")
        out.append(
            Resolution(
                unit=str(raw["unit"]),
                field=str(raw["field"]),
                first=raw["first"],
                second=raw["second"],
                resolved=raw["resolved"],
                reason=" ".join(str(raw["reason"]).split()),
                codebook_changed=bool(raw["codebook_changed"]),
                data_changed=bool(raw["data_changed"]),
            )
        )
    return out


def load_study(folder: Path) -> Study:
    """Read the study's files; a malformed one is a :class:`CurationError`."""
    meta = _read(folder / "study.yaml")
    sample = _read(folder / "sample.yaml")
    key = {str(k): str(v) for k, v in (_read(folder / "key.yaml") or {}).items()}
    study = Study(
        seed=int(meta["seed"]),
        size=int(meta["size"]),
        population=[str(x) for x in meta["population"]],
        drawn_on=str(meta["drawn_on"]),
        codebook_examples=frozenset(int(n) for n in meta.get("codebook_examples") or ()),
        sample=list(sample),
        key=key,
        first=_codings(folder / "first-coding.yaml"),
        second=_codings(folder / "second-coding.yaml"),
        resolutions=_resolutions(folder / "resolutions.yaml"),
    )
    units = study.units
    for name, codes in (("key", study.key), ("first", study.first), ("second", study.second)):
        if sorted(codes) != sorted(units):
            raise CurationError(f"{folder}: the {name} coding does not cover the sample's units")
    return study


def coding_of(st: Statement) -> Coding:
    """A curated statement's codes, as the first coding records them."""
    return Coding(
        commitment=st.commitment,
        strength=st.strength,
        kind=st.kind,
        change=st.change,
        testable=st.testable,
        actors={role: frozenset(st.actors.get(role, ())) for role in ROLES},
        areas=frozenset(st.areas),
        themes=frozenset(st.themes),
        refers_back=bool(st.refers_to),
        cue=st.cue,
    )


def differences(first: Coding, second: Coding) -> list[tuple[str, Any, Any]]:
    """(field, first value, second value) for every field of RESOLUTION_FIELDS that
    differs; strength, kind, change and testable only when both code a commitment."""
    out: list[tuple[str, Any, Any]] = []
    both = first.commitment and second.commitment
    for name in RESOLUTION_FIELDS:
        if name in COMMITMENT_ONLY and not both:
            continue
        a, b = first.value(name), second.value(name)
        if a != b:
            out.append((name, a, b))
    return out


def _single(study: Study, name: str, units: Sequence[str]) -> list[str]:
    if name in COMMITMENT_ONLY:
        return [u for u in units if study.first[u].commitment and study.second[u].commitment]
    return list(units)


def measure(study: Study, units: Sequence[str] | None = None) -> list[FieldResult]:
    """Agreement per field over ``units`` (default: the whole sample)."""
    chosen = list(study.units if units is None else units)
    out: list[FieldResult] = []
    for name in FIELDS:
        if name in SET_FIELDS:
            data = [(study.first[u].codes(name), study.second[u].codes(name)) for u in chosen]
            statistic: Callable[[Sequence[Any]], Agreement] = pooled_kappa
            method = "pooled"
            differ = tuple(u for u, (a, b) in zip(chosen, data, strict=True) if a != b)
        else:
            these = _single(study, name, chosen)
            data = [(getattr(study.first[u], name), getattr(study.second[u], name)) for u in these]
            statistic = cohen_kappa
            method = "cohen"
            differ = tuple(u for u, (a, b) in zip(these, data, strict=True) if a != b)
        if not data:
            continue
        result = statistic(data)
        interval = bootstrap_interval(
            data, statistic, seed=study.seed, resamples=BOOTSTRAP_RESAMPLES
        )
        out.append(FieldResult(name, method, result, interval, differ))
    return out


_CITED = re.compile(r"\(([^()]*)\)")
_NUMBER = re.compile(r"(?<![\w.§-])(\d{1,3})(?![\w%.]|\s*%)")
# A number after these words, or before "of"/"commitments"..., is not a sentence's.
_NOT_A_SENTENCE = re.compile(
    r"(section|sections|item|items|issue|etapp|from|T|F)\s*$", re.IGNORECASE
)
_A_COUNT = re.compile(r"\s+(of|commitments|statements|units|sentences)\b")


def worked_examples(codebook: str, cue_examples: Sequence[int], sentences: int) -> set[int]:
    """The sentences (numbered from 1) the codebook cites as examples: numbers in
    parentheses ("(22)", "(41, 45, 61)"), in its tables' sentence column, and the cue
    table's examples; section and item numbers are not sentences."""
    body = codebook.split("\n## References", 1)[0]
    found: set[int] = set(cue_examples)
    for group in _CITED.finditer(body):
        text = group.group(1)
        for m in _NUMBER.finditer(text):
            if _NOT_A_SENTENCE.search(text[: m.start()]) or _A_COUNT.match(text, m.end()):
                continue
            found.add(int(m.group(1)))
    for line in body.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if "|" in line else []
        found.update(int(c) for c in cells if re.fullmatch(r"\d{1,3}", c))
    return {n for n in found if 1 <= n <= sentences}


def measured_study(folder: Path) -> tuple[Study, list[FieldResult], list[FieldResult]]:
    """The study, its figures over the whole sample and over the blind units. The
    bootstrap takes about a second; the figures are kept for files of the same content,
    since every build of the same study gives the same figures."""
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.yaml")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    key = digest.hexdigest()
    if key not in _MEASURED:
        study = load_study(folder)
        blind = [u for u in study.units if u not in study.not_blind()]
        _MEASURED.clear()  # one study at a time is all a process builds
        _MEASURED[key] = (study, measure(study), measure(study, blind))
    return _MEASURED[key]


_MEASURED: dict[str, tuple[Study, list[FieldResult], list[FieldResult]]] = {}
