"""The curated facts, as reviewed by people: loading and checking them against the source.

Curators write YAML (see ``docs/curation.md``). This module reads it into typed records,
locates every quote in the source (offsets are never typed by hand), and reports every
problem it finds at once, so a curator can fix a whole file in one pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from platform_graph.build.source import SectionSpec, SourceDocument, find_quote
from platform_graph.errors import CurationError
from platform_graph.vocab.identifiers import SLUG
from platform_graph.vocab.scales import CHANGES, KINDS, ROLES, STRENGTHS

__all__ = [
    "ACTOR_TYPES",
    "AREA_TYPES",
    "CHANGES",
    "KINDS",
    "ROLES",
    "STRENGTHS",
    "Actor",
    "Area",
    "CodingException",
    "Curation",
    "Source",
    "Statement",
    "check_statement",
    "load_actors",
    "load_areas",
    "load_curation",
    "load_platform_curation",
    "load_sections",
]

ACTOR_TYPES = frozenset(
    {"PoliticalParty", "Coalition", "PublicBody", "MunicipalCompany", "Organisation", "Collective"}
)
AREA_TYPES = frozenset(
    {"AdminUnit", "District", "Locality", "Countryside", "WaterBody", "Site", "TransportLink"}
)
DEADLINE = re.compile(r"^\d{4}(?:-\d{2}-\d{2})?$")
URL = re.compile(r"^https?://\S+$")
KINDS_OF_STATEMENT = ("commitment", "context")
DURATION = re.compile(r"^P(?:\d+Y)?(?:\d+M)?(?:\d+D)?$")


@dataclass(frozen=True, slots=True)
class Source:
    """The public document a fact from outside the text comes from, and its date."""

    fact: str
    url: str
    date: str


@dataclass(frozen=True, slots=True)
class CodingException:
    """A recorded exception to one of the codebook's checked rules, with its reason."""

    rule: str
    reason: str


@dataclass(frozen=True, slots=True)
class Actor:
    slug: str
    type: str
    label_sv: str
    label_en: str
    alt: tuple[str, ...] = ()
    part_of: str | None = None
    members: tuple[str, ...] = ()
    wikidata: str | None = None
    municipality_code: str | None = None
    jurisdiction: str | None = None
    sources: tuple[Source, ...] = ()


@dataclass(frozen=True, slots=True)
class Area:
    slug: str
    type: str
    label_sv: str
    label_en: str
    alt: tuple[str, ...] = ()
    part_of: str | None = None
    lat: str | None = None
    lon: str | None = None
    municipality_code: str | None = None
    county_code: str | None = None
    icao: str | None = None
    iata: str | None = None
    police_classification: str | None = None
    sources: tuple[Source, ...] = ()


@dataclass(slots=True)
class Statement:
    """A commitment or a context statement, with its located span."""

    id: str
    quote: str
    commitment: bool
    section: str
    file: str
    prefix: str | None = None
    title_sv: str | None = None
    title_en: str | None = None
    themes: tuple[str, ...] = ()
    actors: dict[str, tuple[str, ...]] = field(default_factory=dict)
    areas: tuple[str, ...] = ()
    strength: str | None = None
    cue: str | None = None
    kind: str | None = None
    change: str | None = None
    testable: bool | None = None
    deadline: str | None = None
    period: str | None = None
    amount_sek: int | None = None
    note: str | None = None
    refers_to: tuple[str, ...] = ()
    formerly: str | None = None
    exceptions: tuple[CodingException, ...] = ()
    status: str = "accepted"
    start: int = -1
    end: int = -1
    sentence: int = -1


@dataclass(slots=True)
class Curation:
    sections: list[SectionSpec]
    actors: dict[str, Actor]
    areas: dict[str, Area]
    statements: list[Statement]
    # The slugs of the platform's own actors and areas (beside the shared registries).
    local_actors: frozenset[str] = frozenset()
    local_areas: frozenset[str] = frozenset()


def _read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise CurationError(f"{where}: {exc.problem}") from exc


def load_sections(path: Path) -> list[SectionSpec]:
    rows = _read_yaml(path)["sections"]
    return [
        SectionSpec(
            slug=r["slug"],
            heading=r["heading"],
            label_sv=r.get("sv") or r["heading"],
            label_en=r["en"],
            theme=r["theme"],
        )
        for r in rows
    ]


def _tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


_ACTOR_KEYS = frozenset(
    {
        "slug",
        "type",
        "sv",
        "en",
        "alt",
        "part_of",
        "members",
        "wikidata",
        "municipality_code",
        "jurisdiction",
        "sources",
    }
)
_AREA_KEYS = frozenset(
    {
        "slug",
        "type",
        "sv",
        "en",
        "alt",
        "part_of",
        "lat",
        "lon",
        "municipality_code",
        "county_code",
        "icao",
        "iata",
        "police_classification",
        "sources",
    }
)
_SOURCE_KEYS = frozenset({"fact", "url", "date"})


def _unknown_keys(where: str, record: Mapping[str, Any], allowed: frozenset[str]) -> None:
    unknown = set(record) - allowed
    if unknown:
        raise CurationError(f"{where}: unknown keys {sorted(unknown)}")


def _sources(where: str, value: Any) -> tuple[Source, ...]:
    """``sources: [{fact: ..., url: ..., date: ...}]``: where outside facts come from."""
    out: list[Source] = []
    for raw in value or ():
        if not isinstance(raw, Mapping):
            raise CurationError(f"{where}: each source is a mapping with fact, url and date")
        _unknown_keys(f"{where}: source", raw, _SOURCE_KEYS)
        missing = _SOURCE_KEYS - set(raw)
        if missing:
            raise CurationError(f"{where}: a source needs {sorted(missing)}")
        out.append(Source(str(raw["fact"]), str(raw["url"]), str(raw["date"])))
    return tuple(out)


def _load_actors(path: Path) -> dict[str, Actor]:
    out: dict[str, Actor] = {}
    for r in _read_yaml(path)["actors"]:
        where = f"{path.name}: actor {r.get('slug', '?')}"
        _unknown_keys(where, r, _ACTOR_KEYS)
        actor = Actor(
            slug=r["slug"],
            type=r["type"],
            label_sv=r["sv"],
            label_en=r["en"],
            alt=_tuple(r.get("alt")),
            part_of=r.get("part_of"),
            members=_tuple(r.get("members")),
            wikidata=r.get("wikidata"),
            municipality_code=_opt_str(r.get("municipality_code")),
            jurisdiction=r.get("jurisdiction"),
            sources=_sources(where, r.get("sources")),
        )
        if actor.slug in out:
            raise CurationError(f"{path}: actor {actor.slug!r} defined twice")
        out[actor.slug] = actor
    return out


def _load_areas(path: Path) -> dict[str, Area]:
    out: dict[str, Area] = {}
    for r in _read_yaml(path)["areas"]:
        where = f"{path.name}: area {r.get('slug', '?')}"
        _unknown_keys(where, r, _AREA_KEYS)
        area = Area(
            slug=r["slug"],
            type=r["type"],
            label_sv=r["sv"],
            label_en=r["en"],
            alt=_tuple(r.get("alt")),
            part_of=r.get("part_of"),
            lat=_opt_str(r.get("lat")),
            lon=_opt_str(r.get("lon")),
            municipality_code=_opt_str(r.get("municipality_code")),
            county_code=_opt_str(r.get("county_code")),
            icao=r.get("icao"),
            iata=r.get("iata"),
            police_classification=r.get("police_classification"),
            sources=_sources(where, r.get("sources")),
        )
        if area.slug in out:
            raise CurationError(f"{path}: area {area.slug!r} defined twice")
        out[area.slug] = area
    return out


_STATEMENT_KEYS = frozenset(
    {
        "id",
        "quote",
        "prefix",
        "commitment",
        "title",
        "themes",
        "actors",
        "areas",
        "strength",
        "cue",
        "kind",
        "change",
        "testable",
        "deadline",
        "period",
        "amount_sek",
        "note",
        "refers_to",
        "formerly",
        "exceptions",
        "status",
    }
)
STATUSES_OF_REVIEW = ("proposed", "accepted")
"""A statement's review status: a draft's statements are proposed until a person accepts
them; only accepted statements are public (docs/curation.md)."""


def _exceptions(where: str, value: Any) -> tuple[CodingException, ...]:
    """``exceptions: [{rule: ..., reason: ...}]``: a coding the codebook's check would
    report, kept on purpose, and why."""
    out: list[CodingException] = []
    for raw in value or ():
        if not isinstance(raw, Mapping) or set(raw) != {"rule", "reason"}:
            raise CurationError(f"{where}: each exception is a mapping with rule and reason")
        if not str(raw["reason"]).strip():
            raise CurationError(f"{where}: an exception needs its reason")
        out.append(CodingException(str(raw["rule"]), str(raw["reason"])))
    return tuple(out)


def _load_statements(path: Path) -> list[Statement]:
    doc = _read_yaml(path)
    if not isinstance(doc, Mapping) or "section" not in doc or "statements" not in doc:
        raise CurationError(f"{path}: expected a mapping with 'section' and 'statements'")
    out: list[Statement] = []
    for i, r in enumerate(doc["statements"] or []):
        where = f"{path.name} statement {i + 1} ({r.get('id', '?')})"
        unknown = set(r) - _STATEMENT_KEYS
        if unknown:
            raise CurationError(f"{where}: unknown keys {sorted(unknown)}")
        title = r.get("title") or {}
        actors_raw = r.get("actors") or {}
        if not isinstance(actors_raw, Mapping):
            raise CurationError(f"{where}: 'actors' must map a role to a list of actor slugs")
        deadline = r.get("deadline")
        out.append(
            Statement(
                id=str(r["id"]),
                quote=str(r["quote"]),
                commitment=bool(r["commitment"]),
                section=str(doc["section"]),
                file=path.name,
                prefix=r.get("prefix"),
                title_sv=title.get("sv"),
                title_en=title.get("en"),
                themes=_tuple(r.get("themes")),
                actors={role: _tuple(v) for role, v in actors_raw.items()},
                areas=_tuple(r.get("areas")),
                strength=r.get("strength"),
                cue=r.get("cue"),
                kind=r.get("kind"),
                change=r.get("change"),
                testable=r.get("testable"),
                deadline=None if deadline is None else str(deadline),
                period=r.get("period"),
                amount_sek=r.get("amount_sek"),
                note=r.get("note"),
                refers_to=_tuple(r.get("refers_to")),
                formerly=_opt_str(r.get("formerly")),
                exceptions=_exceptions(where, r.get("exceptions")),
                status=str(r.get("status", "accepted")),
            )
        )
    return out


def _check_statement(
    st: Statement, themes: frozenset[str], actors: Mapping[str, Actor], areas: Mapping[str, Area]
) -> Iterable[str]:
    where = f"{st.file}: {st.id}"
    if not SLUG.match(st.id):
        yield f"{where}: id must be lower-case ASCII words joined by hyphens"
    if not st.themes:
        yield f"{where}: at least one theme is required"
    for t in st.themes:
        if t not in themes:
            yield f"{where}: unknown theme {t!r}"
    for role, slugs in st.actors.items():
        if role not in ROLES:
            yield f"{where}: unknown actor role {role!r} (use {', '.join(ROLES)})"
        for a in slugs:
            if a not in actors:
                yield f"{where}: unknown actor {a!r}"
    for a in st.areas:
        if a not in areas:
            yield f"{where}: unknown area {a!r}"
    if st.deadline is not None and not DEADLINE.match(st.deadline):
        yield f"{where}: deadline must be a year (2027) or a date (2027-12-31)"
    if st.period is not None and not DURATION.match(st.period):
        yield f"{where}: period must be an ISO 8601 duration such as P8Y"
    if st.status not in STATUSES_OF_REVIEW:
        yield f"{where}: status must be one of {', '.join(STATUSES_OF_REVIEW)}"
    if st.formerly is not None:
        kind = "commitment" if st.commitment else "context"
        if st.formerly not in KINDS_OF_STATEMENT or st.formerly == kind:
            yield (
                f"{where}: formerly names the kind the statement was published as before, "
                f"the other of {', '.join(KINDS_OF_STATEMENT)} (it is a {kind} now)"
            )
    if not st.commitment:
        return
    if not st.title_sv:
        yield f"{where}: a commitment needs a Swedish title"
    if st.strength not in STRENGTHS:
        yield f"{where}: strength must be one of {sorted(STRENGTHS)}"
    if st.kind not in KINDS:
        yield f"{where}: kind must be one of {sorted(KINDS)}"
    if st.change not in CHANGES:
        yield f"{where}: change must be one of {sorted(CHANGES)}"
    if not isinstance(st.testable, bool):
        yield f"{where}: testable must be true or false"
    if not st.actors.get("responsible"):
        yield f"{where}: a commitment names at least one responsible actor"


def load_curation(
    data_dir: Path, source: SourceDocument | None = None, theme_slugs: Iterable[str] = ()
) -> tuple[Curation, SourceDocument]:
    """Read everything under ``data_dir`` and locate every statement in the source.

    Raises one ``CurationError`` listing every problem found.
    """
    sections = load_sections(data_dir / "sections.yaml")
    doc = source or SourceDocument.from_file(
        data_dir / "politisk-plattform-2022-2026.txt", sections
    )
    actors = _load_actors(data_dir / "actors.yaml")
    areas = _load_areas(data_dir / "areas.yaml")
    return _checked(data_dir, doc, sections, actors, areas, theme_slugs)


def load_platform_curation(
    folder: Path,
    source_file: str,
    shared_actors: Mapping[str, Actor],
    shared_areas: Mapping[str, Area],
    theme_slugs: Iterable[str] = (),
) -> tuple[Curation, SourceDocument]:
    """A further platform's folder: its source cut by the layout, its own actors and areas
    beside the shared registries (its own record wins where a slug is in both: "the
    coalition" of another term is another coalition), its statements."""
    sections = load_sections(folder / "sections.yaml")
    try:
        text = (folder / source_file).read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CurationError(f"{folder / source_file}: {exc}") from exc
    doc = SourceDocument(text, sections, layout=True)
    local_actors = (
        _load_actors(folder / "actors.yaml") if (folder / "actors.yaml").is_file() else {}
    )
    local_areas = _load_areas(folder / "areas.yaml") if (folder / "areas.yaml").is_file() else {}
    cur, doc = _checked(
        folder,
        doc,
        sections,
        {**shared_actors, **local_actors},
        {**shared_areas, **local_areas},
        theme_slugs,
    )
    cur.local_actors = frozenset(local_actors)
    cur.local_areas = frozenset(local_areas)
    return cur, doc


def _checked(
    data_dir: Path,
    doc: SourceDocument,
    sections: list[SectionSpec],
    actors: dict[str, Actor],
    areas: dict[str, Area],
    theme_slugs: Iterable[str],
) -> tuple[Curation, SourceDocument]:
    statements: list[Statement] = []
    for path in sorted((data_dir / "curation").glob("*.yaml")):
        statements.extend(_load_statements(path))

    problems: list[str] = []
    themes = frozenset(theme_slugs)
    section_slugs = {s.slug for s in sections}
    seen: dict[str, Statement] = {}
    for st in statements:
        if st.id in seen:
            problems.append(f"{st.file}: id {st.id!r} also used in {seen[st.id].file}")
        seen[st.id] = st
        if st.section not in section_slugs:
            problems.append(f"{st.file}: unknown section {st.section!r}")
        problems.extend(_check_statement(st, themes, actors, areas))
        try:
            st.start, st.end = find_quote(doc.text, st.quote, st.prefix)
            sentence = doc.sentence_at(st.start, st.end)
            st.sentence = sentence.index
            if sentence.section.spec.slug != st.section:
                problems.append(
                    f"{st.file}: {st.id}: quote lies in section {sentence.section.spec.slug!r}"
                )
        except CurationError as exc:
            problems.append(f"{st.file}: {st.id}: {exc}")
    problems.extend(_check_refers_to(statements, seen))
    problems.extend(_check_references(actors, areas))
    if problems:
        raise CurationError("\n".join(problems))
    return Curation(sections, actors, areas, statements), doc


def _check_refers_to(
    statements: Iterable[Statement], by_id: Mapping[str, Statement]
) -> Iterable[str]:
    """A reference back names statements that exist and stand earlier in the text."""
    for st in statements:
        for target_id in st.refers_to:
            target = by_id.get(target_id)
            if target is None:
                yield f"{st.file}: {st.id}: refers_to names no statement: {target_id!r}"
            elif target is st:
                yield f"{st.file}: {st.id}: a statement cannot refer to itself"
            elif target.start >= 0 and st.start >= 0 and target.start >= st.start:
                yield (
                    f"{st.file}: {st.id}: refers_to {target_id!r}, which does not stand "
                    "before it in the text"
                )


def _fact_values(record: Actor | Area) -> dict[str, bool]:
    """Which of the facts a source may be given for this record actually holds."""
    if isinstance(record, Actor):
        return {
            "type": True,
            "part_of": record.part_of is not None,
            "members": bool(record.members),
            "wikidata": record.wikidata is not None,
            "municipality_code": record.municipality_code is not None,
            "jurisdiction": record.jurisdiction is not None,
        }
    return {
        "type": True,
        "part_of": record.part_of is not None,
        "coordinates": record.lat is not None and record.lon is not None,
        "municipality_code": record.municipality_code is not None,
        "county_code": record.county_code is not None,
        "icao": record.icao is not None,
        "iata": record.iata is not None,
        "police_classification": record.police_classification is not None,
    }


def _check_sources(file: str, record: Actor | Area) -> Iterable[str]:
    held = _fact_values(record)
    for src in record.sources:
        where = f"{file}: {record.slug}: source for {src.fact!r}"
        if src.fact not in held:
            yield f"{where}: not a fact that can have a source (use one of {', '.join(held)})"
        elif not held[src.fact]:
            yield f"{where}: the record does not state that fact"
        if not URL.match(src.url):
            yield f"{where}: url must be an http(s) URL"
        if not DEADLINE.match(src.date):
            yield f"{where}: date must be a year (2021) or a date (2021-12-01)"


def _check_references(actors: Mapping[str, Actor], areas: Mapping[str, Area]) -> Iterable[str]:
    for a in actors.values():
        if a.type not in ACTOR_TYPES:
            yield f"actors.yaml: {a.slug}: unknown type {a.type!r}"
        for ref in (a.part_of, *a.members):
            if ref is not None and ref not in actors:
                yield f"actors.yaml: {a.slug}: unknown actor {ref!r}"
        if a.jurisdiction is not None and a.jurisdiction not in areas:
            yield f"actors.yaml: {a.slug}: unknown area {a.jurisdiction!r}"
        yield from _check_sources("actors.yaml", a)
    for r in areas.values():
        if r.type not in AREA_TYPES:
            yield f"areas.yaml: {r.slug}: unknown type {r.type!r}"
        if r.part_of is not None and r.part_of not in areas:
            yield f"areas.yaml: {r.slug}: unknown area {r.part_of!r}"
        yield from _check_sources("areas.yaml", r)


def check_statement(
    st: Statement, themes: Iterable[str], actors: Mapping[str, Actor], areas: Mapping[str, Area]
) -> list[str]:
    """The problems of one statement (the same checks as a curation file's): for an edit
    made in the review before it is submitted."""
    return list(_check_statement(st, frozenset(themes), actors, areas))


def load_actors(path: Path) -> dict[str, Actor]:
    """The actor records of one ``actors.yaml`` (the shared registry or a platform's)."""
    return _load_actors(path)


def load_areas(path: Path) -> dict[str, Area]:
    """The area records of one ``areas.yaml``."""
    return _load_areas(path)


_CONNECTIVES = frozenset({"och", "samt", "men", "även", "också", "dessutom", "–", "-", ","})


def uncovered(doc: SourceDocument, statements: Iterable[Statement]) -> list[str]:
    """Describe every sentence not fully accounted for by the statements' spans.

    A sentence split into several commitments may leave the words that join them
    ("och", "samt", a comma) outside every span; anything else uncovered is reported.
    """
    covered = bytearray(len(doc.text))
    for st in statements:
        if st.start >= 0:
            covered[st.start : st.end] = b"\x01" * (st.end - st.start)
    gaps: list[str] = []
    for sentence in doc.sentences:
        rest = "".join(
            " " if covered[i] else doc.text[i] for i in range(sentence.start, sentence.end)
        )
        words = re.split(r"\s+", rest.strip(" \n."))
        leftover = [w for w in words if w and w not in _CONNECTIVES]
        if leftover:
            where = f"sentence {sentence.index} ({sentence.section.spec.slug})"
            gaps.append(f"{where} not covered: {' '.join(leftover)!r}")
    return gaps
