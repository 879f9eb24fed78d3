"""The platforms the graph holds: one folder each, described by its ``platform.yaml``.

A platform folder holds the source text, ``sections.yaml``, ``curation/`` and, for what
the shared registries (``data/actors.yaml``, ``data/areas.yaml``) do not hold, its own
``actors.yaml`` and ``areas.yaml``. Örebro's platform 2022–2026 is the folder ``data/``
itself (its files stay where they were published); every further platform is a folder
under ``data/platforms/`` (or one named by ``PLATFORM_GRAPH_EXTRA_PLATFORMS``).

Identifiers: Örebro 2022–2026's IRIs stay exactly as they are. Everything a further
platform adds gets a local name qualified by the platform's slug and a double hyphen,
``{kind}/{platform}--{slug}`` (``commitment/exempelby-2026-2030--skola-fler-larare``):
a slug never holds a double hyphen, so such a name can equal no Örebro name and no name
of another platform.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from platform_graph.errors import CurationError
from platform_graph.vocab.identifiers import SLUG

__all__ = [
    "ORIGINAL",
    "PlatformSpec",
    "discover_platforms",
    "load_platform_spec",
    "qualify",
]

ORIGINAL = "orebro-2022-2026"
"""The first platform: its names are unqualified, as published."""

_KEYS = frozenset(
    {
        "slug",
        "title",
        "source",
        "sha256",
        "municipality",
        "coalition",
        "parties",
        "term",
        "kind",
        "note",
        "continues",
    }
)
_KINDS = ("coalition-platform", "party-programme")


@dataclass(frozen=True, slots=True)
class PlatformSpec:
    """What ``platform.yaml`` says about a platform."""

    slug: str
    folder: Path
    title_sv: str
    title_en: str
    source: str
    sha256: str | None
    municipality_sv: str
    municipality_area: str
    municipality_actor: str
    municipality_code: str | None
    coalition: str
    parties: tuple[str, ...]
    term_start: int
    term_end: int
    kind: str = "coalition-platform"
    note: str | None = None
    continues: tuple[str, ...] = field(default_factory=tuple)

    @property
    def original(self) -> bool:
        return self.slug == ORIGINAL

    @property
    def source_path(self) -> Path:
        return self.folder / self.source

    @property
    def term_slug(self) -> str:
        return f"{self.term_start}-{self.term_end}"

    def local(self, slug: str) -> str:
        """The name of one of this platform's own resources (see the module's doc)."""
        return qualify(self.slug, slug)


def qualify(platform: str, slug: str) -> str:
    return slug if platform == ORIGINAL else f"{platform}--{slug}"


def _need(doc: dict[str, Any], key: str, where: str) -> Any:
    if key not in doc or doc[key] in (None, ""):
        raise CurationError(f"{where}: '{key}' is required")
    return doc[key]


def load_platform_spec(folder: Path) -> PlatformSpec:
    where = str(folder / "platform.yaml")
    try:
        doc = yaml.safe_load((folder / "platform.yaml").read_text(encoding="utf-8"))
    except OSError as exc:
        raise CurationError(f"{where}: {exc.strerror or exc}") from exc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        at = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        raise CurationError(f"{where}{at}: {exc.problem}") from exc
    if not isinstance(doc, dict):
        raise CurationError(f"{where}: expected a mapping")
    unknown = set(doc) - _KEYS
    if unknown:
        raise CurationError(f"{where}: unknown keys {sorted(unknown)}")
    slug = str(_need(doc, "slug", where))
    if not SLUG.match(slug):
        raise CurationError(f"{where}: slug must be lower-case ASCII words joined by hyphens")
    title = _need(doc, "title", where)
    muni = _need(doc, "municipality", where)
    term = _need(doc, "term", where)
    kind = str(doc.get("kind", "coalition-platform"))
    if kind not in _KINDS:
        raise CurationError(f"{where}: kind must be one of {', '.join(_KINDS)}")
    try:
        start, end = int(term["start"]), int(term["end"])
        spec = PlatformSpec(
            slug=slug,
            folder=folder,
            title_sv=str(title["sv"]),
            title_en=str(title["en"]),
            source=str(_need(doc, "source", where)),
            sha256=None if doc.get("sha256") is None else str(doc["sha256"]),
            municipality_sv=str(muni["sv"]),
            municipality_area=str(muni["area"]),
            municipality_actor=str(muni["actor"]),
            municipality_code=None if muni.get("code") is None else str(muni["code"]),
            coalition=str(_need(doc, "coalition", where)),
            parties=tuple(str(p) for p in doc.get("parties") or ()),
            term_start=start,
            term_end=end,
            kind=kind,
            note=doc.get("note"),
            continues=tuple(str(p) for p in doc.get("continues") or ()),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise CurationError(f"{where}: {exc!r} in title, municipality or term") from exc
    if not 1900 < start < end < 2200:
        raise CurationError(f"{where}: the term runs from one year to a later one")
    if spec.municipality_code is not None and not re.fullmatch(r"\d{4}", spec.municipality_code):
        raise CurationError(f"{where}: a municipality code has four digits (SCB)")
    if not spec.source_path.is_file():
        raise CurationError(f"{where}: the source {spec.source!r} is not in the folder")
    if spec.sha256 is not None:
        digest = hashlib.sha256(spec.source_path.read_bytes()).hexdigest()
        if digest != spec.sha256:
            raise CurationError(f"{spec.source_path}: SHA-256 {digest} differs from platform.yaml")
    return spec


def discover_platforms(data: Path, extra: Iterable[Path] = ()) -> list[PlatformSpec]:
    """Örebro's platform (``data/``), every folder of ``data/platforms/``, and ``extra``."""
    folders = [data]
    root = data / "platforms"
    if root.is_dir():
        folders += sorted(p for p in root.iterdir() if (p / "platform.yaml").is_file())
    folders += [Path(p) for p in extra]
    specs = [load_platform_spec(f) for f in folders]
    seen: dict[str, Path] = {}
    for spec in specs:
        if spec.slug in seen:
            raise CurationError(
                f"platform {spec.slug!r} is both in {seen[spec.slug]} and {spec.folder}"
            )
        seen[spec.slug] = spec.folder
    if specs[0].slug != ORIGINAL:
        raise CurationError(f"{data}/platform.yaml must describe {ORIGINAL}")
    return specs
