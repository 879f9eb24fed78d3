"""Reading a follow-up spreadsheet: CSV or XLSX in, a header and numbered rows out.

Municipalities keep follow-up in Excel, so the sheet is read as Excel and people write
it: CSV with ``,`` or ``;`` (the delimiter is found in the header line; a first line
``sep=;`` as Excel writes it is honoured), with or without a UTF-8 byte order mark, or in
cp1252 from an older Excel (detected, and said); XLSX read with openpyxl (values, not
formulas; the sheet named "Uppföljning" if there is one, else the first).

The header row names the columns, in any order, in English or in Swedish as the template
writes them, case and spacing ignored; columns it does not know are kept aside and
reported. The first row that is not blank is the header. Rows are numbered as the
spreadsheet shows them (with the header in row 1, the first data row is 2). A sheet that
cannot be read is ``UnreadableSheet`` (400); one past the size limits is
``SheetTooLarge`` (413).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

__all__ = [
    "COLUMNS",
    "CSV_TYPES",
    "MAX_ROWS",
    "MAX_XLSX_UNPACKED",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "SWEDISH_HEADERS",
    "XLSX_TYPE",
    "Cell",
    "Sheet",
    "SheetTooLarge",
    "UnreadableSheet",
    "read_sheet",
]

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPES = ("text/csv", "application/csv")
MAX_ROWS = 5000
"""The most data rows one import may hold: a term's follow-up is a few hundred."""
MAX_XLSX_UNPACKED = 64 * 2**20
"""The most an XLSX file may unpack to: a small upload must not expand to gigabytes."""

REQUIRED_COLUMNS = ("commitment", "status", "date", "assessor", "evidence", "note")
OPTIONAL_COLUMNS = ("note_en", "date_reason")
COLUMNS = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)

SWEDISH_HEADERS: dict[str, str] = {
    "commitment": "åtagande",
    "status": "status",
    "date": "datum",
    "assessor": "bedömare",
    "evidence": "underlag",
    "note": "anteckning",
    "note_en": "anteckning (en)",
    "date_reason": "skäl till datumet",
}
"""The template's headers (Swedish); the English column names are read as well."""

_ALIASES: dict[str, str] = {
    "commitment": "commitment",
    "åtagande": "commitment",
    "status": "status",
    "date": "date",
    "datum": "date",
    "assessor": "assessor",
    "bedömare": "assessor",
    "evidence": "evidence",
    "underlag": "evidence",
    "note": "note",
    "note sv": "note",
    "anteckning": "note",
    "anteckning sv": "note",
    "note en": "note_en",
    "anteckning en": "note_en",
    "date reason": "date_reason",
    "skäl till datumet": "date_reason",
    "skäl till datum": "date_reason",
    "datumskäl": "date_reason",
}

Cell = str | int | float | bool | date | datetime | None
"""A cell's value as read: text from CSV; from XLSX also numbers and dates."""


class UnreadableSheet(Exception):
    """The body is not a follow-up spreadsheet this service can read (400)."""

    def __init__(self, code: str, sv: str, en: str, columns: tuple[str, ...] = ()) -> None:
        super().__init__(en)
        self.code = code
        self.sv = sv
        self.en = en
        self.columns = columns


class SheetTooLarge(Exception):
    """Past the row limit, or an XLSX that would unpack past its limit (413)."""

    def __init__(self, sv: str, en: str) -> None:
        super().__init__(en)
        self.sv = sv
        self.en = en


@dataclass(slots=True)
class Sheet:
    """A spreadsheet as read: which columns are where, and the rows with data."""

    format: Literal["csv", "xlsx"]
    columns: dict[str, int]
    """Each known column's index in a row."""
    ignored_columns: list[str]
    """Headers this importer does not know (the template's title and current status)."""
    rows: list[tuple[int, list[Cell]]] = field(default_factory=list)
    """(the row's number as the spreadsheet shows it, its cells); blank rows left out."""
    encoding: str | None = None
    """A CSV file's character encoding: utf-8, or cp1252 when it was not UTF-8."""
    delimiter: str | None = None
    sheet_name: str | None = None

    def value(self, cells: list[Cell], column: str) -> Cell:
        index = self.columns.get(column)
        if index is None or index >= len(cells):
            return None
        return cells[index]


def header_key(text: str) -> str:
    """A header as compared: case, accents' composition, spacing and punctuation ignored."""
    folded = unicodedata.normalize("NFC", text).casefold()
    return re.sub(r"[\W_]+", " ", folded).strip()


def _columns(header: list[Cell]) -> tuple[dict[str, int], list[str]]:
    columns: dict[str, int] = {}
    ignored: list[str] = []
    for i, cell in enumerate(header):
        text = "" if cell is None else str(cell).strip()
        if not text:
            continue
        name = _ALIASES.get(header_key(text))
        if name is None:
            ignored.append(text)
            continue
        if name in columns:
            raise UnreadableSheet(
                "duplicate-column",
                f"Kolumnen {text!r} ({name}) finns två gånger i rubrikraden.",
                f"The column {text!r} ({name}) appears twice in the header row.",
                (name,),
            )
        columns[name] = i
    missing = tuple(c for c in REQUIRED_COLUMNS if c not in columns)
    if missing:
        sv_names = ", ".join(f"{SWEDISH_HEADERS[c]} ({c})" for c in missing)
        raise UnreadableSheet(
            "missing-column",
            f"Rubrikraden saknar kolumnerna: {sv_names}. Den ska ha kolumnerna "
            "åtagande, status, datum, bedömare, underlag och anteckning.",
            f"The header row lacks the columns: {', '.join(missing)}. It must have "
            "the columns commitment, status, date, assessor, evidence and note.",
            missing,
        )
    return columns, ignored


def _blank(cells: list[Cell]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _too_many() -> SheetTooLarge:
    return SheetTooLarge(
        f"Kalkylbladet har fler än {MAX_ROWS} rader med data; dela upp det.",
        f"The spreadsheet has more than {MAX_ROWS} rows with data; split it.",
    )


def _empty() -> UnreadableSheet:
    return UnreadableSheet(
        "empty",
        "Filen är tom: den har ingen rubrikrad.",
        "The file is empty: it has no header row.",
    )


def _not_a_spreadsheet(sv: str, en: str) -> UnreadableSheet:
    return UnreadableSheet("not-a-spreadsheet", sv, en)


# --- CSV ------------------------------------------------------------------------------


def _decode_csv(data: bytes, declared: str | None) -> tuple[str, str]:
    """(text, encoding): UTF-8 (a byte order mark dropped) unless the bytes are not UTF-8,
    then cp1252, as an older Excel saves "CSV (kommaavgränsad)"."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        declared = "utf-8"
    if b"\x00" in data:
        raise _not_a_spreadsheet(
            "Filen är inte text (den innehåller nollbyte): skicka CSV eller XLSX.",
            "The file is not text (it holds NUL bytes): send CSV or XLSX.",
        )
    if declared in (None, "utf-8", "utf8"):
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        raise _not_a_spreadsheet(
            f"Filen är varken UTF-8 eller cp1252 (byte {exc.start + 1}).",
            f"The file is neither UTF-8 nor cp1252 (byte {exc.start + 1}).",
        ) from exc


def _read_csv(data: bytes, declared_charset: str | None) -> Sheet:
    text, encoding = _decode_csv(data, declared_charset)
    if re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", text):
        raise _not_a_spreadsheet(
            "Filen innehåller styrtecken och är inte en CSV-fil: skicka CSV eller XLSX.",
            "The file holds control characters and is not CSV: send CSV or XLSX.",
        )
    lines = text.splitlines()
    first = lines[0] if lines else ""
    delimiter: str | None = None
    m = re.fullmatch(r"\s*sep=(.)\s*", first)
    if m:
        # Excel's own hint line: not a row of the sheet.
        delimiter = m.group(1)
        text = text.split("\n", 1)[1] if "\n" in text else ""
        first = text.splitlines()[0] if text.strip() else ""
    if delimiter is None:
        counts = {d: first.count(d) for d in (";", ",", "\t")}
        delimiter = max(counts, key=lambda d: counts[d])
        if counts[delimiter] == 0:
            delimiter = ","
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise _not_a_spreadsheet(
            f"CSV-filen går inte att läsa: {exc}.", f"The CSV file cannot be read: {exc}."
        ) from exc
    sheet: Sheet | None = None
    for number, record in enumerate(records, start=1):
        cells: list[Cell] = list(record)
        if _blank(cells):
            continue
        if sheet is None:
            # The first row that is not blank is the header.
            columns, ignored = _columns(cells)
            sheet = Sheet("csv", columns, ignored, encoding=encoding, delimiter=delimiter)
            continue
        if len(sheet.rows) >= MAX_ROWS:
            raise _too_many()
        sheet.rows.append((number, cells))
    if sheet is None:
        raise _empty()
    return sheet


# --- XLSX -----------------------------------------------------------------------------


def _check_zip(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise _not_a_spreadsheet(
            "Filen är inte en XLSX-fil (det är inget giltigt Excel-dokument).",
            "The file is not an XLSX file (not a valid Excel workbook).",
        ) from exc
    if sum(e.file_size for e in entries) > MAX_XLSX_UNPACKED or len(entries) > 10_000:
        raise SheetTooLarge(
            f"XLSX-filen packas upp till mer än {MAX_XLSX_UNPACKED // 2**20} MiB.",
            f"The XLSX file unpacks to more than {MAX_XLSX_UNPACKED // 2**20} MiB.",
        )
    if "xl/workbook.xml" not in {e.filename for e in entries}:
        raise _not_a_spreadsheet(
            "Filen är ett zip-arkiv men ingen XLSX-arbetsbok.",
            "The file is a zip archive but not an XLSX workbook.",
        )


def _read_xlsx(data: bytes) -> Sheet:
    _check_zip(data)
    # openpyxl is imported here: only an XLSX upload or the template pays for it.
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a broken workbook
        raise _not_a_spreadsheet(
            "XLSX-filen går inte att läsa som en Excel-arbetsbok.",
            f"The XLSX file cannot be read as an Excel workbook ({type(exc).__name__}).",
        ) from exc
    try:
        names = book.sheetnames
        name = "Uppföljning" if "Uppföljning" in names else names[0]
        ws: Any = book[name]
        sheet: Sheet | None = None
        for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
            cells: list[Cell] = list(values)
            if _blank(cells):
                continue
            if sheet is None:
                # The first row that is not blank is the header.
                columns, ignored = _columns(cells)
                sheet = Sheet("xlsx", columns, ignored, sheet_name=name)
                continue
            if len(sheet.rows) >= MAX_ROWS:
                raise _too_many()
            sheet.rows.append((number, cells))
        if sheet is None:
            raise _empty()
        return sheet
    finally:
        book.close()


def read_sheet(data: bytes, media_type: str | None, charset: str | None = None) -> Sheet:
    """Read a follow-up spreadsheet. ``media_type`` is XLSX or CSV as sent; None (an
    upload whose type is not known) looks at the bytes. Raises ``UnreadableSheet`` or
    ``SheetTooLarge``."""
    if not data.strip():
        raise _empty()
    zipped = data.startswith(b"PK\x03\x04")
    if media_type is None:
        media_type = XLSX_TYPE if zipped else CSV_TYPES[0]
    if media_type == XLSX_TYPE:
        return _read_xlsx(data)
    if zipped:
        raise _not_a_spreadsheet(
            "Filen är en XLSX-fil (ett zip-arkiv) men skickades som CSV: skicka den som "
            f"{XLSX_TYPE}.",
            f"The file is an XLSX file (a zip archive) but was sent as CSV: send it as "
            f"{XLSX_TYPE}.",
        )
    return _read_csv(data, charset.lower() if charset else None)
