"""Reading a platform's text: what is refused, and why, before anything is coded.

The text comes as a PDF export gives it. A file that is empty, binary, not UTF-8, too
large or not Swedish is refused with a message that says which and what to do; nothing
is guessed (a cp1252 file is not silently re-decoded: its offsets would not be the file's).
"""

from __future__ import annotations

import re
from pathlib import Path

from platform_graph.errors import PlatformGraphError

__all__ = ["MAX_BYTES", "SourceTextError", "decode_source", "read_source"]

MAX_BYTES = 2_000_000
"""A platform is tens of kilobytes; two megabytes is far past any real one."""

# The most frequent Swedish function words, and English ones for the message.
_SWEDISH = frozenset(
    [
        "och",
        "att",
        "det",
        "som",
        "en",
        "ett",
        "är",
        "för",
        "på",
        "med",
        "av",
        "till",
        "den",
        "i",
        "inte",
        "ska",
        "vi",
        "vill",
        "har",
        "kan",
        "om",
        "de",
        "sig",
        "men",
        "från",
        "eller",
        "så",
        "också",
        "under",
        "alla",
        "fler",
        "kommunen",
    ]
)
_ENGLISH = frozenset(
    [
        "the",
        "and",
        "of",
        "to",
        "is",
        "in",
        "that",
        "for",
        "be",
        "will",
        "we",
        "with",
        "are",
        "on",
        "as",
        "by",
    ]
)
_WORD = re.compile(r"[^\W\d_]+")


class SourceTextError(PlatformGraphError):
    """The file cannot be read as a Swedish platform text."""


def _looks_binary(raw: bytes) -> bool:
    if b"\x00" in raw[:65536]:
        return True
    sample = raw[:65536]
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return controls > max(8, len(sample) // 100)


def _legacy_encoding(raw: bytes) -> str | None:
    """'Windows-1252 (cp1252) or Latin-1' when the bytes read as Swedish in that encoding."""
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    if re.search(r"[åäöÅÄÖé]", text):
        return "Windows-1252 (cp1252) or Latin-1 (ISO 8859-1)"
    return None


def decode_source(raw: bytes, *, name: str, max_bytes: int = MAX_BYTES) -> str:
    """The text of a platform file, or a SourceTextError saying why it is refused."""
    if len(raw) > max_bytes:
        raise SourceTextError(
            f"{name}: {len(raw):,} bytes is past the limit of {max_bytes:,} bytes "
            "(a platform text is tens of kilobytes; is this the right file?)"
        )
    if not raw.strip():
        raise SourceTextError(f"{name}: the file is empty")
    if _looks_binary(raw):
        raise SourceTextError(
            f"{name}: this is a binary file, not text (export the PDF or document as plain "
            "text, UTF-8)"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        legacy = _legacy_encoding(raw)
        line = raw[: exc.start].count(b"\n") + 1
        hint = (
            f"it looks like {legacy}; convert it first, e.g. "
            f"`iconv -f cp1252 -t utf-8 {name} > utf8.txt`"
            if legacy
            else "save it as UTF-8 text"
        )
        raise SourceTextError(
            f"{name}: not UTF-8 (byte 0x{raw[exc.start]:02x} at line {line}): {hint}"
        ) from exc
    _check_swedish(text, name)
    return text


def _check_swedish(text: str, name: str) -> None:
    words = [w.casefold() for w in _WORD.findall(text[:200_000])]
    if len(words) < 3:
        raise SourceTextError(f"{name}: too little text to code ({len(words)} words)")
    swedish = sum(1 for w in words if w in _SWEDISH)
    english = sum(1 for w in words if w in _ENGLISH)
    if swedish < 0.08 * len(words) or english > swedish:
        language = "English" if english > swedish else "not Swedish"
        raise SourceTextError(
            f"{name}: the text does not read as Swedish ({language}: {swedish} of "
            f"{len(words)} words are common Swedish words); the extractor codes Swedish "
            "platform texts only"
        )


def read_source(path: Path, *, max_bytes: int = MAX_BYTES) -> str:
    """Read and check a platform text file."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise SourceTextError(f"{path}: {exc.strerror or exc}") from exc
    if size > max_bytes:
        raise SourceTextError(
            f"{path.name}: {size:,} bytes is past the limit of {max_bytes:,} bytes "
            "(a platform text is tens of kilobytes; is this the right file?)"
        )
    if not path.is_file():
        raise SourceTextError(f"{path}: not a file")
    return decode_source(path.read_bytes(), name=path.name, max_bytes=max_bytes)
