"""A SPARQL syntax error as a person can read it: the line and column, the line itself
with a caret under the place, and what the parser expected there, summarised (a range
of Unicode letters is "a name", of digits "a number"), not the parser's raw message."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["SyntaxProblem", "explain"]

_WHERE = re.compile(r"(\d+):(\d+)")
_MOST = 12
_EXCERPT = 72


@dataclass(frozen=True, slots=True)
class SyntaxProblem:
    detail: str
    line: int | None = None
    column: int | None = None
    excerpt: str | None = None
    expected: tuple[str, ...] = ()


def _items(listing: str) -> list[str]:
    """Split the parser's list at top-level commas (brackets and quotes hold theirs)."""
    items: list[str] = []
    depth, quote, escaped, current = 0, "", False, []
    for ch in listing:
        if quote:
            current.append(ch)
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote:
                quote = ""
            continue
        if ch in "\"'":
            quote = ch
        elif ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        elif ch == "," and depth == 0:
            items.append("".join(current).strip())
            current = []
            continue
        current.append(ch)
    if "".join(current).strip():
        items.append("".join(current).strip())
    return items


def _summary(item: str) -> str | None:
    if item == "[_]":
        return None  # "anything else": says nothing
    if item.startswith("["):
        if "'A'" in item or "'a'" in item or "\\u{" in item:
            return "a name"
        if "'0'" in item:
            return "a number"
        return "a character"
    if item.startswith('"') and item.endswith('"'):
        return "“" + item[1:-1].replace('\\"', '"').replace("\\\\", "\\") + "”"
    return item


def expected_tokens(message: str) -> tuple[str, ...]:
    m = re.search(r"expected (?:one of )?(.*)$", message, re.DOTALL)
    if not m:
        return ()
    out: list[str] = []
    for item in _items(" ".join(m.group(1).split())):
        summary = _summary(item)
        if summary and summary not in out:
            out.append(summary)
    return tuple(out)


def _excerpt(query: str, line: int, column: int) -> str | None:
    lines = query.splitlines() or [""]
    if not 1 <= line <= len(lines):
        return None
    text = lines[line - 1].expandtabs(1)
    col = max(1, min(column, len(text) + 1))
    start = max(0, col - 1 - _EXCERPT // 2)
    shown = text[start : start + _EXCERPT]
    prefix = "…" if start > 0 else ""
    return f"{prefix}{shown}\n{' ' * (len(prefix) + col - 1 - start)}^"


def explain(query: str, message: str) -> SyntaxProblem:
    """The parser's ``message`` about ``query``, explained."""
    where = _WHERE.search(message)
    expected = expected_tokens(message)
    if len(expected) > _MOST:
        shown = [*expected[: _MOST - 2], f"… and {len(expected) - _MOST + 2} more"]
    else:
        shown = list(expected)
    wanted = (
        "expected " + (shown[0] if len(shown) == 1 else "one of " + ", ".join(shown))
        if shown
        else message.split(": ", 1)[-1].strip()
    )
    if where is None:
        return SyntaxProblem(f"SPARQL syntax error: {wanted}", expected=tuple(shown))
    line, column = int(where.group(1)), int(where.group(2))
    return SyntaxProblem(
        f"SPARQL syntax error at line {line}, column {column}: {wanted}",
        line,
        column,
        _excerpt(query, line, column),
        tuple(shown),
    )
