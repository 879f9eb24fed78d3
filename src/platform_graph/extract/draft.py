"""A curation draft from an extraction: a platform folder that builds and validates as it
is, every statement marked ``status: proposed`` for a person to review."""

from __future__ import annotations

import hashlib
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from platform_graph.extract.coding import Extraction, Unit
from platform_graph.extract.context import ExtractionContext
from platform_graph.extract.lexicon import PARTIES
from platform_graph.vocab.identifiers import slugify

__all__ = ["DraftError", "DraftRequest", "write_draft"]

_FALLBACK_THEME = "avsnitt"
_PARTY_NAMES = PARTIES
_PARTY_EN = {
    "liberalerna": "The Liberals",
    "kristdemokraterna": "Christian Democrats",
    "sverigedemokraterna": "Sweden Democrats",
    "vansterpartiet": "Left Party",
    "miljopartiet": "Green Party",
}


class DraftError(Exception):
    """The draft cannot be written (it would overwrite curated work, or lacks a fact)."""


@dataclass(frozen=True, slots=True)
class DraftRequest:
    folder: Path
    platform: str
    source: Path
    parties: tuple[str, ...] = ()
    force: bool = False


def _existing_work(folder: Path) -> list[str]:
    """Files of the folder a draft would replace that hold curated (not proposed) work."""
    found: list[str] = []
    for path in sorted((folder / "curation").glob("*.yaml")) if folder.is_dir() else []:
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError):
            found.append(path.name)
            continue
        if any(st.get("status", "accepted") != "proposed" for st in doc.get("statements") or []):
            found.append(path.name)
    return found


def _parties(text: str, asked: tuple[str, ...]) -> list[str]:
    wanted = [slugify(p) for p in asked]
    if not wanted:
        low = text.casefold()
        wanted = [slug for slug, name in _PARTY_NAMES.items() if name.casefold() in low]
    unknown = [p for p in wanted if p not in _PARTY_NAMES]
    if unknown:
        raise DraftError(f"unknown parties {unknown}: use {', '.join(_PARTY_NAMES)}")
    if not wanted:
        raise DraftError(
            "the text names no party: name the platform's parties with --party "
            "(e.g. --party socialdemokraterna --party centerpartiet)"
        )
    return wanted


def _unique(slug: str, taken: set[str]) -> str:
    slug = slug[:60].strip("-") or "x"
    out, n = slug, 2
    while out in taken:
        out, n = f"{slug}-{n}", n + 1
    taken.add(out)
    return out


def _quote_prefix(text: str, unit: Unit, quote: str) -> str | None:
    pattern = re.compile(r"\s+".join(re.escape(w) for w in quote.split()))
    if len(pattern.findall(text)) < 2:
        return None
    return " ".join(text[: unit.start].split()[-6:]) or None


def write_draft(ex: Extraction, ctx: ExtractionContext, req: DraftRequest) -> list[Path]:
    """Write the platform folder; refuse to replace curated work unless ``force``."""
    if req.folder.exists() and not req.force:
        curated = _existing_work(req.folder)
        if curated:
            raise DraftError(
                f"{req.folder} holds curated work ({', '.join(curated)}): a draft does not "
                "overwrite it (use --force to replace the folder)"
            )
    parties = _parties(ex.source, req.parties)
    term = ex.term
    if term is None:
        raise DraftError("no term found in the text's title: give it with --term 2026-2030")
    municipality = ctx.municipality_sv or "Kommunen"
    muni_slug = ctx.municipality_actor or slugify(municipality)
    shared_parties = set(ctx.actors) & set(_PARTY_NAMES)
    local_actors: dict[str, dict[str, Any]] = {}
    for p in parties:
        if p not in shared_parties:
            local_actors[p] = {
                "slug": p,
                "type": "PoliticalParty",
                "sv": _PARTY_NAMES[p],
                "en": _PARTY_EN.get(p, _PARTY_NAMES[p]),
            }
    place = municipality.removesuffix(" kommun").strip()
    place = place[:-1] if place.endswith("s") and len(place) > 4 else place
    if len(parties) > 1:
        we = ctx.coalition
        local_actors[we] = {
            "slug": we,
            "type": "Coalition",
            "sv": "Kommunledningen",
            "en": "The governing coalition",
            "members": parties,
        }
    else:
        # A party's programme: its "vi" is the party's local organisation.
        we = slugify(f"{_PARTY_NAMES[parties[0]]} i {place}")
        local_actors[we] = {
            "slug": we,
            "type": "PoliticalParty",
            "sv": f"{_PARTY_NAMES[parties[0]]} i {place}",
            "en": f"{_PARTY_EN.get(parties[0], _PARTY_NAMES[parties[0]])} in {place}",
            "part_of": parties[0],
        }
    if muni_slug not in ctx.actors:
        local_actors[muni_slug] = {
            "slug": muni_slug,
            "type": "PublicBody",
            "sv": municipality,
            "en": municipality,
            "alt": ["kommunen"],
        }
    area_slug = ctx.municipality_area or muni_slug
    local_areas: dict[str, dict[str, Any]] = {}
    if area_slug not in ctx.areas:
        local_areas[area_slug] = {
            "slug": area_slug,
            "type": "AdminUnit",
            "sv": municipality,
            "en": municipality,
        }
    proposed = _proposed_records(ex, ctx, local_actors, local_areas)
    sections, files = _sections(ex, ctx, proposed, muni_slug, {ctx.coalition: we})
    if req.folder.exists() and req.force:
        shutil.rmtree(req.folder)
    (req.folder / "curation").mkdir(parents=True, exist_ok=True)
    raw = req.source.read_bytes()
    (req.folder / "source.txt").write_bytes(raw)
    title = next((u.text.strip() for u in ex.units if u.label == "heading"), req.platform)
    meta = {
        "slug": req.platform,
        "kind": "coalition-platform" if len(parties) > 1 else "party-programme",
        "title": {"sv": " ".join(title.split()), "en": " ".join(title.split())},
        "source": "source.txt",
        "sha256": hashlib.sha256(raw).hexdigest(),
        "municipality": {"sv": municipality, "area": area_slug, "actor": muni_slug, "code": None},
        "coalition": we,
        "parties": parties,
        "term": {"start": term[0], "end": term[1]},
        "note": "A draft by `platform-graph extract`: every statement is proposed until "
        "reviewed; the English labels are still the Swedish ones.",
    }
    written = [req.folder / "source.txt"]
    for name, doc in (
        ("platform.yaml", meta),
        ("sections.yaml", {"sections": sections}),
        ("actors.yaml", {"actors": list(local_actors.values())}),
        ("areas.yaml", {"areas": list(local_areas.values())}),
    ):
        written.append(_dump(req.folder / name, doc))
    for name, doc in files:
        written.append(_dump(req.folder / "curation" / name, doc))
    return written


def _dump(path: Path, doc: Any) -> Path:
    path.write_text(
        yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100), encoding="utf-8"
    )
    return path


def _proposed_records(
    ex: Extraction,
    ctx: ExtractionContext,
    actors: dict[str, dict[str, Any]],
    areas: dict[str, dict[str, Any]],
) -> dict[tuple[str, str], str]:
    """A slug for each proposed actor and area (by kind and folded mention)."""
    out: dict[tuple[str, str], str] = {}
    taken = set(ctx.actors) | set(ctx.areas) | set(actors) | set(areas)
    for kind, table in (("actors", actors), ("areas", areas)):
        for item in ex.proposals()[kind]:
            mention = " ".join(item["mention"].split())
            slug = _unique(slugify(mention), taken)
            out[(kind, mention.casefold())] = slug
            if kind == "actors":
                typ = {"group": "Collective"}.get(item["type"] or "", "Organisation")
            else:
                typ = "Site"
            table[slug] = {"slug": slug, "type": typ, "sv": mention, "en": mention}
    return out


def _sections(
    ex: Extraction,
    ctx: ExtractionContext,
    proposed: dict[tuple[str, str], str],
    muni: str,
    renamed: dict[str, str],
) -> tuple[list[dict[str, Any]], list[tuple[str, dict[str, Any]]]]:
    units = ex.units
    title_index = 0 if units and units[0].label == "heading" else None
    groups: list[tuple[Unit | None, list[Unit]]] = []
    for u in units:
        if u.label == "heading":
            if u.index == title_index:
                groups.append((None, []))
            else:
                groups.append((u, []))
            continue
        if not groups:
            groups.append((None, []))
        groups[-1][1].append(u)
    sections: list[dict[str, Any]] = []
    files: list[tuple[str, dict[str, Any]]] = []
    taken: set[str] = set()
    ids: set[str] = set()
    for heading, members in groups:
        if heading is None and not members:
            continue
        line = " ".join(heading.text.split()) if heading else None
        # "2. Skolan": the number is the heading's, not the section's name.
        label = re.sub(r"^\(?\d{1,2}[.)]\s*", "", line) if line else "Inledning"
        slug = _unique(slugify(label), taken)
        theme = (heading.themes[0] if heading and heading.themes else None) or next(
            (u.themes[0] for u in members if u.themes), _FALLBACK_THEME
        )
        sections.append(
            {
                "slug": slug,
                "heading": line,
                "sv": label,
                "en": label,
                "theme": theme,
            }
        )
        statements = [_statement(ex, u, slug, theme, proposed, muni, ids, renamed) for u in members]
        files.append(
            (f"{len(sections):02d}-{slug}.yaml", {"section": slug, "statements": statements})
        )
    return sections, files


def _statement(
    ex: Extraction,
    u: Unit,
    section: str,
    theme: str,
    proposed: dict[tuple[str, str], str],
    muni: str,
    ids: set[str],
    renamed: dict[str, str],
) -> dict[str, Any]:
    quote = " ".join(u.text.split())
    words = [w for w in slugify(quote).split("-") if len(w) > 2][:5]
    out: dict[str, Any] = {"id": _unique(f"{section[:20].strip('-')}-{'-'.join(words)}", ids)}
    out["quote"] = quote
    prefix = _quote_prefix(ex.source, u, quote)
    if prefix:
        out["prefix"] = prefix
    out["status"] = "proposed"
    out["commitment"] = u.label == "commitment"
    title = quote if len(quote) <= 80 else quote[:77].rsplit(" ", 1)[0] + " …"
    out["title"] = {"sv": title}
    out["themes"] = list(dict.fromkeys(u.themes or [theme]))
    roles: dict[str, list[str]] = {}
    for a in u.actors:
        slug = a["id"] or (
            proposed.get(("actors", " ".join(a["mention"].split()).casefold()))
            if a["mention"]
            else muni
        )
        slug = renamed.get(slug, slug) if slug else slug
        if slug and slug not in roles.setdefault(a["role"], []):
            roles[a["role"]].append(slug)
    roles = {r: v for r, v in roles.items() if v}
    if roles:
        out["actors"] = roles
    areas = [
        a["id"] or proposed.get(("areas", " ".join(a["mention"].split()).casefold()))
        for a in u.areas
    ]
    if any(areas):
        out["areas"] = list(dict.fromkeys(a for a in areas if a))
    if u.label == "commitment":
        out["strength"] = u.strength
        out["cue"] = u.cue
        out["kind"] = u.kind
        out["change"] = u.change
        out["testable"] = bool(u.testable)
        for key in ("deadline", "period", "amount_sek"):
            value = getattr(u, key)
            if value is not None:
                out[key] = value
    rules = "; ".join(f"{k}: {v}" for k, v in u.rules.items())
    out["note"] = f"Proposed by the extractor (confidence {u.confidence:.2f}). {rules}".strip()
    return out
