"""The API's answers as tables for spreadsheets: CSV (with ``Content-Disposition`` and,
on request, a byte-order mark for Excel) and XLSX (openpyxl; every text cell written as
a string, so nothing runs as a formula). Nested fields become columns of their own
(``title_sv``, ``title_en``, ``span_start``, ``actors_responsible`` …); lists are joined
with ``; ``. Both are streamed: a download of every row never sits whole in memory as
text."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from fastapi.responses import StreamingResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from platform_graph.rdf.spreadsheets import neutralise_cell

__all__ = ["XLSX", "csv_response", "flatten", "xlsx_response"]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ROLES = ("responsible", "partner", "affected")
_CHUNK_ROWS = 200


def _joined(values: Iterable[Any]) -> str:
    return "; ".join("" if v is None else str(v) for v in values)


def flatten(row: dict[str, Any]) -> dict[str, Any]:
    """One row of scalars: nested objects as ``key_subkey``, actors by role."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, dict):
            for sub, inner in value.items():
                out[f"{key}_{sub}"] = _joined(inner) if isinstance(inner, list) else inner
        elif (
            key == "actors"
            and isinstance(value, list)
            and all(isinstance(a, dict) and "role" in a for a in value)
        ):
            for role in ROLES:
                out[f"actors_{role}"] = _joined(a["id"] for a in value if a["role"] == role)
        elif isinstance(value, list):
            out[key] = _joined((v.get("id") if isinstance(v, dict) else v) for v in value)
        else:
            out[key] = value
    return out


def _columns(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None) -> list[str]:
    names = list(columns or [])
    for row in rows:
        for key in row:
            if key not in names:
                names.append(key)
    return names


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _disposition(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{filename}"'}


def csv_response(
    rows: Iterable[dict[str, Any]],
    columns: Sequence[str],
    *,
    filename: str,
    bom: bool = False,
    headers: dict[str, str] | None = None,
) -> StreamingResponse:
    """CSV, streamed in chunks of rows; cells neutralised against formulas."""

    def chunks() -> Iterator[bytes]:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        if bom:
            buf.write("\ufeff")
        writer.writerow(columns)
        for i, row in enumerate(rows, 1):
            writer.writerow([neutralise_cell(_text(row.get(c))) for c in columns])
            if i % _CHUNK_ROWS == 0:
                yield buf.getvalue().encode("utf-8")
                buf.seek(0)
                buf.truncate()
        yield buf.getvalue().encode("utf-8")

    return StreamingResponse(
        chunks(),
        media_type="text/csv; charset=utf-8",
        headers={**(headers or {}), **_disposition(filename)},
    )


def xlsx_response(
    rows: Iterable[dict[str, Any]],
    columns: Sequence[str],
    *,
    filename: str,
    headers: dict[str, str] | None = None,
) -> StreamingResponse:
    """An XLSX workbook of one sheet; text is always a string cell, never a formula."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("data")

    def cell(value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, (bool, int, float)):
            return value
        c = WriteOnlyCell(sheet, value=str(value))
        c.data_type = "s"  # openpyxl would take a leading "=" for a formula
        return c

    sheet.append([cell(c) for c in columns])
    for row in rows:
        sheet.append([cell(row.get(c)) for c in columns])
    out = io.BytesIO()
    book.save(out)
    data = out.getvalue()

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(data), 64 * 1024):
            yield data[start : start + 64 * 1024]

    return StreamingResponse(
        chunks(),
        media_type=XLSX,
        headers={**(headers or {}), **_disposition(filename), "Content-Length": str(len(data))},
    )


def table_columns(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None) -> list[str]:
    return _columns(rows, columns)
