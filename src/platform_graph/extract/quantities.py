"""Deadlines, periods and amounts as the text states them (codebook, section 10)."""

from __future__ import annotations

import re

__all__ = ["amount_sek", "deadline", "period"]

_NUMBERS = {
    "en": 1,
    "ett": 1,
    "två": 2,
    "tre": 3,
    "fyra": 4,
    "fem": 5,
    "sex": 6,
    "sju": 7,
    "åtta": 8,
    "nio": 9,
    "tio": 10,
    "elva": 11,
    "tolv": 12,
    "femton": 15,
    "tjugo": 20,
    "trettio": 30,
    "fyrtio": 40,
    "femtio": 50,
    "hundra": 100,
    "etthundra": 100,
}
_NUMBER = r"(\d+(?:[ ,.]\d+)*|" + "|".join(sorted(_NUMBERS, key=len, reverse=True)) + r")"
_SCALE = {
    "miljard": 10**9,
    "miljarder": 10**9,
    "mdkr": 10**9,
    "miljon": 10**6,
    "miljoner": 10**6,
    "mnkr": 10**6,
    "mkr": 10**6,
    "msek": 10**6,
    "tkr": 10**3,
    "tusen": 10**3,
    "kronor": 1,
    "kr": 1,
}
_AMOUNT = re.compile(
    rf"\b{_NUMBER}\s*(miljarder|miljard|miljoner|miljon|mdkr|mnkr|mkr|msek|tkr|tusen|kronor|kr)\b"
)
_DEADLINE = re.compile(
    r"\b(?:senast|före|innan|till|fram till|inom|under|år)\s+(?:utgången av\s+|slutet av\s+)?"
    r"(?:år\s+)?(20\d\d)\b(?!\s*[–-]\s*20\d\d)"
)
_TERM = re.compile(
    r"\b(?:under|inom|till slutet av|före slutet av|innan)\s+(?:den\s+)?"
    r"(?:kommande\s+|denna\s+|nästa\s+)?mandatperiod(?:en)?\b"
)
_NAME_YEAR = re.compile(r"\b(?:budget|ösb|strategi|plan|program)\w*\s*(?:\([^)]*\)\s*)?(20\d\d)\b")
_PERIOD = re.compile(rf"\b(?:fördelat\s+|fördelad\s+)?(?:över|under)\s+{_NUMBER}\s+år\b")


def _number(text: str) -> float | None:
    if text in _NUMBERS:
        return float(_NUMBERS[text])
    digits = text.replace(" ", "").replace(",", ".")
    if digits.count(".") > 1 or (digits.count(".") == 1 and len(digits.split(".")[1]) == 3):
        digits = digits.replace(".", "")  # 1.000.000 or 1.500: thousands
    try:
        return float(digits)
    except ValueError:
        return None


def amount_sek(low: str) -> int | None:
    """ "en miljard kronor" -> 1000000000; "50 miljoner" -> 50000000."""
    for m in _AMOUNT.finditer(low):
        value = _number(m.group(1))
        if value is None:
            continue
        unit = m.group(2)
        if unit in ("tusen",) and not re.match(r"\s*(kronor|kr)\b", low[m.end() :]):
            continue
        return round(value * _SCALE[unit])
    return None


def deadline(low: str, term: tuple[int, int] | None) -> tuple[str | None, str | None]:
    """A year the text sets as a limit, and the words that set it; "under
    mandatperioden" is the end of the term when the term is known."""
    names = {m.start(1) for m in _NAME_YEAR.finditer(low)}
    for m in _DEADLINE.finditer(low):
        if m.start(1) not in names:
            return m.group(1), f"the time limit {m.group()!r}"
    m2 = _TERM.search(low)
    if m2 and term is not None:
        return str(term[1]), f"{m2.group()!r}: the end of the term {term[0]}–{term[1]}"
    return None, None


def period(low: str) -> str | None:
    m = _PERIOD.search(low)
    if not m:
        return None
    value = _number(m.group(1))
    return None if value is None or value != int(value) else f"P{int(value)}Y"
