"""Identifiers: the slug every resource's IRI ends in, made and read in one place."""

from __future__ import annotations

import re
import unicodedata

from rdflib.term import Node

from platform_graph.vocab.namespaces import ID

__all__ = ["LOCAL_NAME", "SLUG", "is_local_name", "is_slug", "slug_of", "slugify"]

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
"""A slug: lower-case ASCII letters and digits, in words joined by single hyphens."""


LOCAL_NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*(?:--[a-z0-9]+(?:-[a-z0-9]+)*)?$")
"""The last segment of a resource's IRI: a slug, or (for a platform after the first) the
platform's slug and the resource's joined by a double hyphen (build.platforms)."""


def is_slug(text: str) -> bool:
    return SLUG.match(text) is not None


def is_local_name(text: str) -> bool:
    return LOCAL_NAME.match(text) is not None


def slugify(text: str) -> str:
    """A readable ASCII slug: 'Anna Öberg' -> 'anna-oberg'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    ascii_text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-") or "x"


def slug_of(term: Node | str | None) -> str | None:
    """The last path segment of one of our IRIs (any other term as it is)."""
    if term is None:
        return None
    text = str(term)
    return text.rsplit("/", 1)[-1] if text.startswith(str(ID)) else text
