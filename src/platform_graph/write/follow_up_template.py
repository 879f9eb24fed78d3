"""The follow-up template: every commitment, ready to be filled in and imported as it is.

XLSX: a sheet "Uppföljning" with one row per commitment (in the order of the text):
its id, its Swedish title and its current status as reference columns (locked), then
the columns to fill in, with a drop-down of the status scale's Swedish labels, date
cells formatted as dates, a frozen header and column widths; a second sheet
"Instruktioner" says in Swedish and English how to fill it in and lists the scale. One
header row only, so the filled-in file imports as it is (``follow_up_sheets``).

CSV (``follow_up_template_csv``): the same columns, ``;``-separated with a byte order
mark, as Excel in Swedish opens it; cells that a spreadsheet would run as a formula are
neutralised.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF

from platform_graph.rdf.spreadsheets import neutralise_cell
from platform_graph.store import Store
from platform_graph.vocab.namespaces import OA, PG
from platform_graph.vocab.scales import STATUSES
from platform_graph.write.follow_up_import import status_labels
from platform_graph.write.follow_up_sheets import MAX_ROWS, SWEDISH_HEADERS

__all__ = [
    "TEMPLATE_COLUMNS",
    "TemplateRow",
    "follow_up_template",
    "follow_up_template_csv",
    "template_rows",
]

TITLE = "titel"
CURRENT = "nuvarande status"
TEMPLATE_COLUMNS = (
    SWEDISH_HEADERS["commitment"],
    TITLE,
    CURRENT,
    SWEDISH_HEADERS["status"],
    SWEDISH_HEADERS["date"],
    SWEDISH_HEADERS["assessor"],
    SWEDISH_HEADERS["evidence"],
    SWEDISH_HEADERS["note"],
    SWEDISH_HEADERS["note_en"],
    SWEDISH_HEADERS["date_reason"],
)
"""The template's header row: three reference columns, then those to fill in."""
_WIDTHS = (42, 60, 18, 20, 13, 24, 48, 60, 40, 36)
_REFERENCE = 3  # the first three columns are for reference only


@dataclass(frozen=True, slots=True)
class TemplateRow:
    commitment: str
    title: str
    status: str
    """The current status's Swedish label."""


def template_rows(store: Store) -> list[TemplateRow]:
    """Every commitment in the order of the text, with its Swedish title and status."""
    labels = status_labels(store)
    found: list[tuple[int, TemplateRow]] = []
    for s, _, _, _ in store.quads(None, RDF.type, PG.Commitment):
        if not isinstance(s, URIRef):
            continue
        titles = [
            str(o)
            for _, _, o, _ in store.quads(s, DCTERMS.title, None)
            if isinstance(o, Literal) and o.language == "sv"
        ]
        status = next((str(o) for _, _, o, _ in store.quads(s, PG.status, None)), "")
        slug = status.rsplit("/", 1)[-1]
        start = _start(store, s)
        found.append(
            (
                start,
                TemplateRow(
                    commitment=str(s).rsplit("/", 1)[-1],
                    title=titles[0] if titles else "",
                    status=labels.get(slug, {}).get("sv", slug),
                ),
            )
        )
    found.sort(key=lambda pair: (pair[0], pair[1].commitment))
    return [row for _, row in found]


def _start(store: Store, statement: URIRef) -> int:
    for _, _, selector, _ in store.quads(statement, OA.hasSelector, None):
        if not isinstance(selector, URIRef):
            continue
        for _, _, value, _ in store.quads(selector, OA.start, None):
            try:
                return int(str(value))
            except ValueError:
                continue
    return 2**31


def follow_up_template_csv(store: Store) -> bytes:
    """The template as CSV: UTF-8 with a byte order mark, ``;`` between the cells."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(TEMPLATE_COLUMNS)
    for row in template_rows(store):
        cells = [row.commitment, row.title, row.status]
        writer.writerow([neutralise_cell(c) for c in cells] + [""] * (len(TEMPLATE_COLUMNS) - 3))
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


_INSTRUCTIONS_SV = [
    "Så fyller du i uppföljningen",
    "Varje rad på bladet Uppföljning är ett åtagande. De tre första kolumnerna (åtagande, "
    "titel, nuvarande status) är till för att du ska hitta rätt; ändra dem inte.",
    "Fyll i status (välj i listan), datum (ÅÅÅÅ-MM-DD), bedömare (ditt namn) och underlag "
    "(en eller flera webbadresser, åtskilda med mellanslag) för de åtaganden du har bedömt. "
    "Anteckningen skrivs på svenska; en engelsk anteckning är frivillig.",
    "Ett datum efter dagens datum eller före mandatperiodens början avvisas, om du inte "
    "skriver ett skäl i kolumnen skäl till datumet. En hänvisning till ett dokument utan "
    "webbadress skrivs i anteckningen.",
    "Rader du inte fyller i hoppas över. Vill du göra två bedömningar av samma åtagande, "
    "kopiera raden.",
    "Ladda upp filen i arbetsbänken (eller med POST /api/assessments/import). Alla rader "
    "kontrolleras först; har någon rad fel ändras ingenting, och svaret säger vilken rad och "
    "kolumn det gäller.",
]
_INSTRUCTIONS_EN = [
    "How to fill in the follow-up",
    "Each row of the sheet Uppföljning is a commitment. The first three columns "
    "(åtagande = commitment, titel = title, nuvarande status = current status) help you "
    "find the right one; do not change them.",
    "Fill in status (pick from the list), datum = date (YYYY-MM-DD), bedömare = assessor "
    "(your name) and underlag = evidence (one or more web addresses, separated by spaces) "
    "for the commitments you have assessed. The note (anteckning) is in Swedish; an English "
    "note (anteckning (en)) is optional.",
    "A date after today or before the term began is refused unless you give a reason in "
    "the column skäl till datumet (reason for the date). A citation of a document without "
    "a web address goes in the note.",
    "Rows you leave empty are skipped. To record two assessments of one commitment, copy its row.",
    "Upload the file in the workbench (or with POST /api/assessments/import). Every row is "
    "checked first; if any row has an error nothing changes, and the answer names the row "
    "and the column.",
]


def _text_cell(ws: Any, row: int, column: int, value: str) -> Any:
    """A cell holding ``value`` as text, never as a formula (a title may begin with =)."""
    cell = ws.cell(row=row, column=column)
    cell.value = value
    cell.data_type = "s"
    return cell


def follow_up_template(store: Store, today: date | None = None) -> bytes:
    """The template as an XLSX workbook (bytes)."""
    # openpyxl is imported here: only the template and XLSX uploads pay for it.
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    rows = template_rows(store)
    labels = status_labels(store)
    book = Workbook()
    ws: Any = book.active
    ws.title = "Uppföljning"
    info: Any = book.create_sheet("Instruktioner")

    bold = Font(bold=True)
    grey = PatternFill("solid", fgColor="EEEEEE")
    for column, (header, width) in enumerate(zip(TEMPLATE_COLUMNS, _WIDTHS, strict=True), 1):
        cell = _text_cell(ws, 1, column, header)
        cell.font = bold
        ws.column_dimensions[get_column_letter(column)].width = width
    last = max(len(rows) + 1, 2) + 200  # room for copied rows (a second assessment)
    last = min(last, MAX_ROWS + 1)
    for r, row in enumerate(rows, start=2):
        for column, value in enumerate((row.commitment, row.title, row.status), 1):
            cell = _text_cell(ws, r, column, value)
            cell.fill = grey
    editable = Protection(locked=False)
    for r in range(2, last + 1):
        for column in range(_REFERENCE + 1, len(TEMPLATE_COLUMNS) + 1):
            cell = ws.cell(row=r, column=column)
            cell.protection = editable
            if column in (7, 8, 9):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.cell(row=r, column=5).number_format = "yyyy-mm-dd"
    ws.freeze_panes = "D2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(TEMPLATE_COLUMNS))}{len(rows) + 1}"
    # The reference columns are locked; the rest may be filled in, rows added, sorted.
    ws.protection.sheet = True
    ws.protection.insertRows = False
    ws.protection.deleteRows = False
    ws.protection.sort = False
    ws.protection.autoFilter = False
    ws.protection.formatColumns = False
    ws.protection.formatCells = False

    # The instructions, and the scale the drop-down offers.
    for r, (sv, en) in enumerate(zip(_INSTRUCTIONS_SV, _INSTRUCTIONS_EN, strict=True), 1):
        _text_cell(info, r, 1, sv).alignment = Alignment(wrap_text=True, vertical="top")
        _text_cell(info, r, 2, en).alignment = Alignment(wrap_text=True, vertical="top")
        if r == 1:
            info.cell(row=r, column=1).font = bold
            info.cell(row=r, column=2).font = bold
    info.column_dimensions["A"].width = 80
    info.column_dimensions["B"].width = 80
    info.column_dimensions["C"].width = 24
    top = len(_INSTRUCTIONS_SV) + 2
    for column, header in enumerate(("Status (sv)", "Status (en)", "id"), 1):
        _text_cell(info, top, column, header).font = bold
    for r, status in enumerate(STATUSES, start=top + 1):
        _text_cell(info, r, 1, labels[status].get("sv", status))
        _text_cell(info, r, 2, labels[status].get("en", status))
        _text_cell(info, r, 3, status)
    first, end = top + 1, top + len(STATUSES)
    if today is not None:
        _text_cell(info, end + 2, 1, f"Mallen skapades {today.isoformat()}.")
        _text_cell(info, end + 2, 2, f"The template was made on {today.isoformat()}.")

    choose = DataValidation(
        type="list",
        formula1=f"'Instruktioner'!$A${first}:$A${end}",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Status",
        error="Välj en status i listan. / Pick a status from the list.",
        showInputMessage=True,
        promptTitle="Status",
        prompt="Välj en status. / Pick a status.",
    )
    choose.add(f"D2:D{last}")
    ws.add_data_validation(choose)

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
