"""Content negotiation: pick the best media type from an Accept header."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["NotAcceptable", "best_match", "parse_accept"]


class NotAcceptable(ValueError):
    """None of the offered media types is acceptable to the client."""


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """Media ranges with their q-values, best first (stable for equal q)."""
    if not header:
        return [("*/*", 1.0)]
    ranges: list[tuple[str, float, int]] = []
    for i, part in enumerate(header.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        q = 1.0
        for param in fields[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        ranges.append((media, q, i))
    ranges.sort(key=lambda r: (-r[1], _specificity(r[0]), r[2]))
    return [(m, q) for m, q, _ in ranges]


def _specificity(media: str) -> int:
    if media == "*/*":
        return 2
    if media.endswith("/*"):
        return 1
    return 0


def best_match(header: str | None, offered: Sequence[str], default: str) -> str:
    """The offered type the client likes best; ``default`` for a wildcard.

    Raises NotAcceptable when the client excludes every offered type.
    """
    for media, q in parse_accept(header):
        if q <= 0:
            continue
        if media == "*/*":
            return default
        if media.endswith("/*"):
            major = media[:-1]
            if default.startswith(major):
                return default
            for o in offered:
                if o.startswith(major):
                    return o
            continue
        if media in offered:
            return media
    raise NotAcceptable(f"none of {', '.join(offered)} is acceptable")
