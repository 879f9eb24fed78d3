"""Swedish alphabetical order, without ICU: a–z, then å, ä, ö (æ with ä, ø with ö, ü
with y, as Swedish dictionaries sort them); other accents are ignored (é with e); case
decides only between otherwise equal texts."""

from __future__ import annotations

import unicodedata

__all__ = ["label_key", "swedish_key"]

_AFTER_Z = {"å": "{", "ä": "|", "æ": "|", "ö": "}", "ø": "}", "ü": "y"}


def _letter(ch: str) -> str:
    if ch in _AFTER_Z:
        return _AFTER_Z[ch]
    decomposed = unicodedata.normalize("NFKD", ch)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def swedish_key(text: str | None) -> tuple[str, str] | None:
    """A sort key in Swedish order; None for no text (sorted last by the callers)."""
    if not text:
        return None
    folded = unicodedata.normalize("NFC", text.casefold())
    return ("".join(_letter(c) for c in folded), text)


def _plain(text: str) -> tuple[str, str]:
    """English order: accents ignored (é with e, ä with a), case only to break ties."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    return ("".join(c for c in folded if not unicodedata.combining(c)), text)


def label_key(text: str | None, lang: str = "sv") -> tuple[bool, tuple[str, str]]:
    """A sort key for a label in ``lang``'s alphabetical order, a missing label last."""
    if not text:
        return (True, ("", ""))
    found = swedish_key(text) if lang == "sv" else _plain(text)
    return (False, found or ("", ""))
