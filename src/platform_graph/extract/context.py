"""What the extractor knows before it reads a text: the cue table, the registries of
actors and areas (the shared ones and the platform's own), the themes and their words,
and the platform's coalition, municipality and term when they are known."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from rdflib import Graph
from rdflib.namespace import RDF, SKOS

from platform_graph.build.curation import Actor, Area, load_actors, load_areas
from platform_graph.build.platforms import PlatformSpec
from platform_graph.config import Paths
from platform_graph.errors import CurationError
from platform_graph.extract.cue_table import CueTable, load_cue_table
from platform_graph.vocab.namespaces import THEME

__all__ = ["ExtractionContext", "load_context"]


@dataclass(slots=True)
class ExtractionContext:
    cues: CueTable
    actors: dict[str, Actor]
    areas: dict[str, Area]
    themes: dict[str, str]  # slug -> Swedish label
    section_words: dict[str, tuple[str, ...]]
    crosscutting_words: dict[str, tuple[str, ...]]
    coalition: str = "kommunledningen"
    municipality_actor: str | None = None
    municipality_area: str | None = None
    municipality_sv: str | None = None
    term: tuple[int, int] | None = None
    excluded: set[str] = field(default_factory=set)  # registry slugs not of this place


def _theme_labels(path: Path) -> dict[str, str]:
    g = Graph()
    g.parse(path, format="turtle")
    prefix = str(THEME)
    out: dict[str, str] = {}
    for s in g.subjects(RDF.type, SKOS.Concept):
        if str(s).startswith(prefix):
            labels = [
                str(o) for o in g.objects(s, SKOS.prefLabel) if getattr(o, "language", None) == "sv"
            ]
            out[str(s)[len(prefix) :]] = labels[0] if labels else str(s)[len(prefix) :]
    return out


def _words(doc: dict[str, Any], key: str) -> dict[str, tuple[str, ...]]:
    return {str(k): tuple(str(w).lower() for w in v) for k, v in (doc.get(key) or {}).items()}


def _within(slug: str, parent: str, table: dict[str, Any]) -> bool:
    seen: set[str] = set()
    while slug in table and slug not in seen:
        if slug == parent:
            return True
        seen.add(slug)
        nxt = table[slug].part_of
        if nxt is None:
            return False
        slug = nxt
    return slug == parent


def load_context(
    paths: Paths,
    platform: PlatformSpec | None = None,
    *,
    municipality: str | None = None,
    term: tuple[int, int] | None = None,
    own_records: bool = True,
) -> ExtractionContext:
    """The shared registries and, with ``platform``, its own records and facts. Without
    it the municipality named (or found in the text by the caller) decides which of the
    registry's municipal bodies and places may be linked: Örebro's only to Örebro."""
    codebook = paths.data / "codebook"
    cues = load_cue_table(codebook / "cues.yaml")
    try:
        words = yaml.safe_load((codebook / "theme-words.yaml").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CurationError(f"{codebook / 'theme-words.yaml'}: {exc}") from exc
    actors = load_actors(paths.data / "actors.yaml")
    areas = load_areas(paths.data / "areas.yaml")
    ctx = ExtractionContext(
        cues=cues,
        actors=dict(actors),
        areas=dict(areas),
        themes=_theme_labels(paths.themes),
        section_words=_words(words, "section"),
        crosscutting_words=_words(words, "crosscutting"),
        term=term,
    )
    home = "orebro-kommun"
    if platform is not None:
        ctx.coalition = platform.coalition
        ctx.municipality_actor = platform.municipality_actor
        ctx.municipality_area = platform.municipality_area
        ctx.municipality_sv = platform.municipality_sv
        ctx.term = term or (platform.term_start, platform.term_end)
        if not platform.original and own_records:
            if (platform.folder / "actors.yaml").is_file():
                ctx.actors.update(load_actors(platform.folder / "actors.yaml"))
            if (platform.folder / "areas.yaml").is_file():
                ctx.areas.update(load_areas(platform.folder / "areas.yaml"))
        same_place = platform.municipality_area == home or _within(
            platform.municipality_area, home, ctx.areas
        )
    else:
        same_place = municipality is None or _folded(municipality) in (
            "orebro",
            "orebro kommun",
        )
        if same_place:
            ctx.municipality_actor, ctx.municipality_area = home, home
            ctx.municipality_sv = "Örebro kommun"
        elif municipality:
            ctx.municipality_sv = municipality
    if not same_place:
        ctx.excluded |= {
            a.slug
            for a in actors.values()
            if a.type == "Coalition" or a.jurisdiction is not None or _within(a.slug, home, actors)
        }
        ctx.excluded |= {
            a.slug
            for a in areas.values()
            if a.slug != "sverige" and (a.county_code or _within(a.slug, "orebro-lan", areas))
        }
    return ctx


def _folded(text: str) -> str:
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return re.sub(r"\s+", " ", "".join(c for c in decomposed if not unicodedata.combining(c)))
