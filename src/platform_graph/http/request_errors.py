"""A request that does not match its schema, said so a data officer understands it.

Malformed JSON is 400 with the line and column where reading stopped (as docs/api.md
promises). A body or parameter that does not fit the schema is 422 with one entry in
``errors`` per problem: ``parameter`` (a dotted path into the body, ``evidence.0``), the
pydantic error ``type`` (also as ``code``, as the assessment rules name theirs) and a
message in Swedish and English written for people, not the validator's own English.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

__all__ = ["FIELD_LABELS", "invalid_json", "invalid_request", "line_and_column"]

FIELD_LABELS: dict[str, tuple[str, str]] = {
    "status": ("status", "status"),
    "date": ("datum", "date"),
    "assessor": ("bedömare", "assessor"),
    "evidence": ("underlag", "evidence"),
    "note": ("anteckning", "note"),
    "date_reason": ("skäl till datumet", "reason for the date"),
    "message": ("meddelande", "message"),
    "commitment": ("åtagande", "commitment"),
    "limit": ("antal (limit)", "limit"),
    "offset": ("början (offset)", "offset"),
    "name": ("namn", "name"),
    "role": ("roll", "role"),
    "expires": ("giltig till", "expires"),
    "body": ("innehållet", "the body"),
}
"""Swedish and English names of the fields people fill in (others are named as sent)."""

_SKIP = ("body", "query", "path", "header", "cookie")


def line_and_column(text: str, position: int) -> tuple[int, int]:
    """1-based line and column of a character position in ``text``."""
    before = text[:position]
    line = before.count("\n") + 1
    column = position - (before.rfind("\n") + 1) + 1
    return line, column


def invalid_json(error: dict[str, Any], body: Any) -> dict[str, Any]:
    """The problem (as ``problem()``'s arguments) for a body that is not JSON."""
    loc = error.get("loc", ())
    position = next((p for p in loc if isinstance(p, int)), 0)
    text = body if isinstance(body, str) else ""
    line, column = line_and_column(text, position)
    reason = str((error.get("ctx") or {}).get("error") or "JSON decode error")
    return {
        "status": 400,
        "title": "Malformed JSON",
        "detail": f"the body is not JSON: {reason} at line {line}, column {column}",
        "sv": f"Innehållet är inte giltig JSON: läsningen stannade på rad {line}, kolumn {column}.",
        "line": line,
        "column": column,
        "errors": [
            {
                "parameter": "body",
                "type": "json_invalid",
                "line": line,
                "column": column,
                "message": {
                    "sv": f"Innehållet är inte giltig JSON (rad {line}, kolumn {column}). "
                    "Kontrollera citattecken, kommatecken och klamrar.",
                    "en": f"The body is not valid JSON ({reason} at line {line}, "
                    f"column {column}). Check quotes, commas and brackets.",
                },
            }
        ],
    }


def _name(loc: Sequence[Any]) -> str:
    # A repeated query parameter (strength=firm&strength=…) is named by itself: its
    # position is not part of a URL's vocabulary. In a body, evidence.0 says which item.
    in_query = bool(loc) and loc[0] in ("query", "path")
    parts = [str(p) for p in loc if p not in _SKIP and not (in_query and isinstance(p, int))]
    return ".".join(parts) or "body"


def _labels(name: str) -> tuple[str, str]:
    head = name.split(".", 1)[0]
    sv, en = FIELD_LABELS.get(head, (name, name))
    if head != name:
        # evidence.0: the first piece of evidence.
        rest = name.split(".", 1)[1]
        if rest.isdigit():
            n = int(rest) + 1
            return f"{sv} nr {n}", f"{en} no. {n}"
        return f"{sv} ({name})", f"{en} ({name})"
    return sv, en


def _allowed(ctx: dict[str, Any]) -> str:
    """The allowed values pydantic lists ("'a', 'b' or 'c'"), as "a, b, c"."""
    expected = str(ctx.get("expected", ""))
    return ", ".join(re.findall(r"'([^']*)'", expected)) or expected


def _message(kind: str, ctx: dict[str, Any], msg: str, name: str) -> tuple[str, str]:
    """(Swedish, English) for one pydantic error type."""
    sv, en = _labels(name)
    size = ctx.get("min_length") or ctx.get("max_length") or ""
    bound = next((ctx[k] for k in ("ge", "gt", "le", "lt") if k in ctx), "")
    messages: dict[str, tuple[str, str]] = {
        "missing": (f"{sv.capitalize()} saknas: fältet måste fyllas i.", f"{en} is required."),
        "extra_forbidden": (
            f"{sv.capitalize()} är inget fält här: ta bort det eller kontrollera stavningen.",
            f"{en} is not a field here: remove it or check its spelling.",
        ),
        "string_too_short": (
            f"{sv.capitalize()} får inte vara tomt."
            if size in (1, "1")
            else f"{sv.capitalize()} måste ha minst {size} tecken.",
            f"{en} must not be empty." if size in (1, "1") else f"{en} needs {size} characters.",
        ),
        "string_too_long": (
            f"{sv.capitalize()} får ha högst {size} tecken.",
            f"{en} may have at most {size} characters.",
        ),
        "string_type": (f"{sv.capitalize()} måste vara text.", f"{en} must be text."),
        "string_pattern_mismatch": (
            f"{sv.capitalize()} har otillåtna tecken.",
            f"{en} holds characters that are not allowed.",
        ),
        "enum": (
            f"{sv.capitalize()} måste vara ett av: {_allowed(ctx)}.",
            f"{en} must be one of: {_allowed(ctx)}.",
        ),
        "literal_error": (
            f"{sv.capitalize()} måste vara ett av: {_allowed(ctx)}.",
            f"{en} must be one of: {_allowed(ctx)}.",
        ),
        "date_parsing": (
            f"{sv.capitalize()} måste vara ett datum i formen ÅÅÅÅ-MM-DD, t.ex. 2025-03-01.",
            f"{en} must be a date as YYYY-MM-DD, e.g. 2025-03-01.",
        ),
        "date_from_datetime_parsing": (
            f"{sv.capitalize()} måste vara ett datum som finns, i formen ÅÅÅÅ-MM-DD.",
            f"{en} must be a calendar date as YYYY-MM-DD.",
        ),
        "date_from_datetime_inexact": (
            f"{sv.capitalize()} måste vara ett datum utan klockslag (ÅÅÅÅ-MM-DD).",
            f"{en} must be a date without a time of day (YYYY-MM-DD).",
        ),
        "date_type": (
            f"{sv.capitalize()} måste vara ett datum (ÅÅÅÅ-MM-DD).",
            f"{en} must be a date (YYYY-MM-DD).",
        ),
        "datetime_parsing": (
            f"{sv.capitalize()} måste vara en tidpunkt (ÅÅÅÅ-MM-DDTHH:MM:SS) eller ett datum.",
            f"{en} must be a date and time (YYYY-MM-DDTHH:MM:SS) or a date.",
        ),
        "datetime_from_date_parsing": (
            f"{sv.capitalize()} måste vara en tidpunkt (ÅÅÅÅ-MM-DDTHH:MM:SS) eller ett datum.",
            f"{en} must be a date and time (YYYY-MM-DDTHH:MM:SS) or a date.",
        ),
        "datetime_type": (
            f"{sv.capitalize()} måste vara en tidpunkt.",
            f"{en} must be a date and time.",
        ),
        "int_parsing": (
            f"{sv.capitalize()} måste vara ett heltal.",
            f"{en} must be a whole number.",
        ),
        "int_type": (f"{sv.capitalize()} måste vara ett heltal.", f"{en} must be a whole number."),
        "int_from_float": (
            f"{sv.capitalize()} måste vara ett heltal.",
            f"{en} must be a whole number.",
        ),
        "float_parsing": (f"{sv.capitalize()} måste vara ett tal.", f"{en} must be a number."),
        "float_type": (f"{sv.capitalize()} måste vara ett tal.", f"{en} must be a number."),
        "bool_parsing": (
            f"{sv.capitalize()} måste vara true eller false.",
            f"{en} must be true or false.",
        ),
        "bool_type": (
            f"{sv.capitalize()} måste vara true eller false.",
            f"{en} must be true or false.",
        ),
        "greater_than_equal": (
            f"{sv.capitalize()} måste vara minst {bound}.",
            f"{en} must be at least {bound}.",
        ),
        "greater_than": (
            f"{sv.capitalize()} måste vara större än {bound}.",
            f"{en} must be greater than {bound}.",
        ),
        "less_than_equal": (
            f"{sv.capitalize()} får vara högst {bound}.",
            f"{en} may be at most {bound}.",
        ),
        "less_than": (
            f"{sv.capitalize()} måste vara mindre än {bound}.",
            f"{en} must be less than {bound}.",
        ),
        "list_type": (f"{sv.capitalize()} måste vara en lista.", f"{en} must be a list."),
        "list_too_short": (
            f"{sv.capitalize()} måste ha minst {size} värde(n).",
            f"{en} needs at least {size} value(s).",
        ),
        "too_short": (
            f"{sv.capitalize()} måste ha minst {size} värde(n).",
            f"{en} needs at least {size} value(s).",
        ),
        "too_long": (
            f"{sv.capitalize()} får ha högst {size} värden.",
            f"{en} may have at most {size} values.",
        ),
        "dict_type": (
            f"{sv.capitalize()} måste vara ett JSON-objekt ({{…}}).",
            f"{en} must be a JSON object ({{…}}).",
        ),
        "model_type": (
            f"{sv.capitalize()} måste vara ett JSON-objekt ({{…}}).",
            f"{en} must be a JSON object ({{…}}).",
        ),
        "model_attributes_type": (
            f"{sv.capitalize()} måste vara ett JSON-objekt ({{…}}).",
            f"{en} must be a JSON object ({{…}}).",
        ),
    }
    messages["union"] = (
        f"{sv.capitalize()} måste vara text eller ett objekt med text per språk "
        '({"sv": "…", "en": "…"}).',
        f'{en} must be text or an object with text by language ({{"sv": "…", "en": "…"}}).',
    )
    if kind in messages:
        return messages[kind]
    if kind == "value_error":
        reason = str(ctx.get("error") or msg)
        return f"{sv.capitalize()} är ogiltigt: {reason}", f"{en} is not valid: {reason}"
    return f"{sv.capitalize()} är ogiltigt.", f"{en} is not valid: {msg}"


_PLAIN = ("str", "int", "float", "bool", "list", "dict", "none")


def _union_member(part: Any) -> bool:
    """A loc part that names a member of a union (``str``, ``NoteIn``, ``function-after[…]``)."""
    text = str(part)
    return not isinstance(part, int) and (text[:1].isupper() or "[" in text or text in _PLAIN)


def _relevant(errors: Sequence[Any]) -> list[dict[str, Any]]:
    """The errors that concern what was sent. A value checked against a union (``note``:
    text, or an object by language) fails every member; a member whose kind the value is
    not (text for an object) says nothing useful, so only the others are kept (an
    object's missing "sv", a text too long), or else one error of kind "union"."""
    out: list[dict[str, Any]] = []
    unions: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for err in errors:
        loc = tuple(err.get("loc", ()))
        at = next((i for i, p in enumerate(loc) if _union_member(p)), None)
        if at is None:
            out.append(dict(err))
        else:
            unions.setdefault(loc[:at], []).append(dict(err))
    for where, failed in unions.items():
        kept = [e for e in failed if not str(e.get("type", "")).endswith("_type")]
        out += kept or [{"loc": where, "type": "union", "msg": "no member of the union fits"}]
    return out


def invalid_request(errors: Sequence[Any]) -> dict[str, Any]:
    """The problem (as ``problem()``'s arguments) for a request that fits no schema."""
    out: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for err in _relevant(errors):
        loc = [p for p in err.get("loc", ()) if not _union_member(p)]
        name = _name(loc)
        kind = str(err.get("type", ""))
        ctx = dict(err.get("ctx") or {})
        if (name, kind) in seen:
            continue
        seen.add((name, kind))
        sv, en = _message(kind, ctx, str(err.get("msg", "")), name)
        entry: dict[str, Any] = {
            "parameter": name,
            "type": kind,
            "code": kind,
            "message": {"sv": sv, "en": en},
        }
        if "expected" in ctx:
            entry["allowed"] = ctx["expected"]
        out.append(entry)
    names = ", ".join(dict.fromkeys(e["parameter"] for e in out))
    return {
        "status": 422,
        "title": "Invalid parameter",
        "detail": f"invalid value for: {names}",
        "sv": f"Ogiltigt värde för: {names}",
        "errors": out,
    }
