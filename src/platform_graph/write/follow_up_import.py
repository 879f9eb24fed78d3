"""Bulk follow-up: a spreadsheet's rows checked one by one, then applied as one change.

``check_rows`` reads each row of a ``Sheet`` (``follow_up_sheets.read_sheet``) into an
assessment, with the same rules as one sent alone (``assessment_rules.check_assessment``)
and each broken rule named by its column. ``import_follow_up`` applies every row as
**one** change through the writer (validated against the shapes, recorded once in the
change log), or none: a row with an error, or a change the shapes reject, applies
nothing.

The cells are read as a person fills them in: ``commitment`` is the id or the full IRI;
``status`` the id or its Swedish or English label (the template's drop-down shows the
Swedish labels); ``date`` an ISO date (YYYY-MM-DD) or an Excel date cell; ``evidence`` web
addresses separated by spaces or line breaks.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from rdflib import URIRef
from rdflib.namespace import RDF, SKOS

from platform_graph.store import Store
from platform_graph.validation.shacl import Result
from platform_graph.vocab.identifiers import LOCAL_NAME
from platform_graph.vocab.namespaces import ID, PG
from platform_graph.vocab.scales import STATUSES
from platform_graph.write.assessment_rules import (
    Term,
    assessment_term,
    check_assessment,
    field_for_violation,
    today_in_sweden,
)
from platform_graph.write.assessments import AssessmentInput, assessments_change
from platform_graph.write.follow_up_sheets import Cell, Sheet
from platform_graph.write.writer import Outcome, Writer

__all__ = [
    "ImportResult",
    "RowError",
    "RowReport",
    "check_rows",
    "follow_up_message",
    "import_follow_up",
    "status_labels",
]

_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[ T]00:00(?::00(?:\.0+)?)?)?$")
_INPUT_COLUMNS = ("status", "date", "assessor", "evidence", "note", "note_en", "date_reason")


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem with one cell: its column, a stable code, Swedish and English."""

    column: str
    code: str
    sv: str
    en: str

    def to_json(self) -> dict[str, Any]:
        return {"column": self.column, "code": self.code, "message": {"sv": self.sv, "en": self.en}}


@dataclass(slots=True)
class RowReport:
    """One data row: where it is, what it says, and what is wrong with it."""

    row: int
    commitment: str
    errors: list[RowError] = field(default_factory=list)
    item: AssessmentInput | None = None
    target: URIRef | None = None
    assessment: URIRef | None = None
    """The assessment the row became (or, in a dry run, would become)."""

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "row": self.row,
            "commitment": self.commitment,
            "ok": self.ok,
            "errors": [e.to_json() for e in self.errors],
        }
        if self.assessment is not None:
            out["assessment"] = str(self.assessment)
        return out


@dataclass(slots=True)
class ImportResult:
    """What an import did: ``status`` is ``applied``, ``dry-run``, ``unchanged`` or
    ``invalid`` (a row broke a rule, or the change broke a shape: nothing applied)."""

    status: Literal["applied", "dry-run", "unchanged", "invalid"]
    rows: list[RowReport]
    sheet: Sheet
    outcome: Outcome | None = None
    change: int | None = None
    proposal: int | None = None
    """With four eyes: the proposal the rows became (nothing applied yet)."""

    @property
    def applied(self) -> int:
        return len(self.rows) if self.status == "applied" else 0

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rows": [r.to_json() for r in self.rows],
            "applied": self.applied,
            "change": self.change,
            "dry_run": self.status == "dry-run",
            "format": self.sheet.format,
            "ignored_columns": self.sheet.ignored_columns,
        }
        if self.sheet.encoding is not None:
            out["encoding"] = self.sheet.encoding
            out["delimiter"] = self.sheet.delimiter
        if self.sheet.sheet_name is not None:
            out["sheet"] = self.sheet.sheet_name
        if self.outcome is not None and not self.outcome.report.conforms:
            out["validation"] = self.outcome.report.to_json()
        return out


def follow_up_message(rows: int) -> str:
    """The change log's message for an import, in Swedish and English."""
    noun_sv = "bedömning" if rows == 1 else "bedömningar"
    noun_en = "assessment" if rows == 1 else "assessments"
    return (
        f"Uppföljning från kalkylblad: {rows} {noun_sv} / "
        f"Follow-up from a spreadsheet: {rows} {noun_en}"
    )


def status_labels(store: Store) -> dict[str, dict[str, str]]:
    """Each status of the scale with its labels: {"in-progress": {"sv": "Pågår", …}}."""
    out: dict[str, dict[str, str]] = {}
    for status in STATUSES:
        labels: dict[str, str] = {}
        for _, _, label, _ in store.quads(URIRef(ID[f"status/{status}"]), SKOS.prefLabel, None):
            lang = getattr(label, "language", None)
            if lang in ("sv", "en"):
                labels[lang] = str(label)
        out[status] = labels
    return out


def _text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def _read_status(cell: Cell, by_label: dict[str, str], shown: str) -> tuple[str, RowError | None]:
    text = _text(cell)
    if not text:
        return "", RowError(
            "status",
            "status-missing",
            f"Ange en status: {shown}.",
            f"Give a status: {shown}.",
        )
    found = by_label.get(text.casefold())
    if found is None:
        return text, RowError(
            "status",
            "status-unknown",
            f"Statusen {text!r} finns inte på skalan. Välj en av: {shown}.",
            f"The status {text!r} is not on the scale. Choose one of: {shown}.",
        )
    return found, None


def _read_date(cell: Cell) -> tuple[date | None, RowError | None]:
    if isinstance(cell, datetime):
        if cell.time() != datetime.min.time():
            return None, RowError(
                "date",
                "date-with-time",
                "Datumet har ett klockslag; ange bara datumet (ÅÅÅÅ-MM-DD).",
                "The date has a time of day; give the date only (YYYY-MM-DD).",
            )
        return cell.date(), None
    if isinstance(cell, date):
        return cell, None
    text = _text(cell)
    if not text:
        return None, RowError(
            "date",
            "date-missing",
            "Ange datumet för bedömningen (ÅÅÅÅ-MM-DD).",
            "Give the assessment's date (YYYY-MM-DD).",
        )
    m = _DATE.match(text)
    try:
        if m is None:
            raise ValueError(text)
        return date.fromisoformat(m.group(1)), None
    except ValueError:
        return None, RowError(
            "date",
            "date-invalid",
            f"{text!r} är inget datum som finns; skriv det som ÅÅÅÅ-MM-DD, t.ex. 2025-03-01.",
            f"{text!r} is not a calendar date; write it as YYYY-MM-DD, e.g. 2025-03-01.",
        )


def _read_commitment(cell: Cell, known: set[str]) -> tuple[str, URIRef | None, RowError | None]:
    text = _text(cell)
    if not text:
        return (
            "",
            None,
            RowError(
                "commitment",
                "commitment-missing",
                "Ange åtagandets id (som i mallens första kolumn).",
                "Give the commitment's id (as in the template's first column).",
            ),
        )
    prefix = str(ID["commitment/"])
    slug = text[len(prefix) :] if text.startswith(prefix) else text
    if not LOCAL_NAME.match(slug) or slug not in known:
        return (
            text,
            None,
            RowError(
                "commitment",
                "commitment-unknown",
                f"Det finns inget åtagande {text!r}: använd id:t eller hela IRI:n från mallen.",
                f"There is no commitment {text!r}: use the id or the whole IRI from the template.",
            ),
        )
    return slug, URIRef(ID[f"commitment/{slug}"]), None


def check_rows(store: Store, sheet: Sheet, today: date | None = None) -> list[RowReport]:
    """Each data row of ``sheet`` read and checked; rows that fill in nothing but the
    commitment (the template's untouched rows) are left out."""
    now = today or today_in_sweden()
    known = {
        str(s).rsplit("/", 1)[-1]
        for s, _, _, _ in store.quads(None, RDF.type, PG.Commitment)
        if isinstance(s, URIRef)
    }
    labels = status_labels(store)
    by_label: dict[str, str] = {}
    for status, named in labels.items():
        by_label[status.casefold()] = status
        for label in named.values():
            by_label.setdefault(label.casefold(), status)
    shown = ", ".join(labels[s].get("sv", s) for s in STATUSES)
    terms: dict[URIRef, Term | None] = {}
    reports: list[RowReport] = []
    for number, cells in sheet.rows:
        if not any(_text(sheet.value(cells, c)) for c in _INPUT_COLUMNS if c in sheet.columns):
            continue
        slug, target, problem = _read_commitment(sheet.value(cells, "commitment"), known)
        report = RowReport(number, slug, target=target)
        if problem is not None:
            report.errors.append(problem)
        status, problem = _read_status(sheet.value(cells, "status"), by_label, shown)
        if problem is not None:
            report.errors.append(problem)
        day, problem = _read_date(sheet.value(cells, "date"))
        if problem is not None:
            report.errors.append(problem)
        # A status or date that could not be read is said once; the other cells are
        # still checked, so that one answer names every problem of the row.
        reported = {e.column for e in report.errors}
        evidence = tuple(_text(sheet.value(cells, "evidence")).split())
        item = AssessmentInput(
            status=status,
            date=day or now,
            assessor=_text(sheet.value(cells, "assessor")),
            evidence=evidence,
            note=_text(sheet.value(cells, "note")) or None,
            note_en=_text(sheet.value(cells, "note_en")) or None,
            date_reason=_text(sheet.value(cells, "date_reason")) or None,
        )
        if target is not None and target not in terms:
            terms[target] = assessment_term(store, target)
        for error in check_assessment(item, terms.get(target) if target else None, now):
            if error.field not in reported:
                report.errors.append(RowError(error.field, error.code, error.sv, error.en))
        if report.ok:
            report.item = item
        reports.append(report)
    return reports


def _nothing_to_import() -> RowError:
    return RowError(
        "commitment",
        "no-rows",
        "Kalkylbladet har inga ifyllda rader: fyll i status, datum, bedömare och underlag "
        "för minst ett åtagande.",
        "The spreadsheet has no filled-in rows: fill in status, date, assessor and evidence "
        "for at least one commitment.",
    )


def import_follow_up(
    writer: Writer,
    sheet: Sheet,
    *,
    author: str,
    admin: bool = False,
    dry_run: bool = False,
    if_match: str | None = None,
    today: date | None = None,
    message: str | None = None,
) -> ImportResult:
    """Check every row, then apply them all as one validated change in ``author``'s
    name (or, with ``dry_run``, only validate), with ``message`` in the change log (by
    default ``follow_up_message``). Nothing is applied when any row has an
    error or the change would break a shape; ``PreconditionFailed`` and ``Forbidden``
    propagate as from ``Writer.submit_with``."""
    reports = check_rows(writer.store, sheet, today)
    if not reports:
        empty = RowReport(0, "", [_nothing_to_import()])
        return ImportResult("invalid", [empty], sheet)
    if any(not r.ok for r in reports):
        return ImportResult("invalid", reports, sheet)
    items = [(r.target, r.item) for r in reports if r.target is not None and r.item is not None]

    def build() -> tuple[list[Any], list[Any]]:
        # Under the writer's lock: the assessments' numbers and each commitment's status
        # come from the state the change is applied to.
        nodes, add, remove = assessments_change(writer.store, items)
        for report, node in zip(reports, nodes, strict=True):
            report.assessment = node
        return remove, add

    outcome = writer.submit_with(
        build,
        author=author,
        message=message or follow_up_message(len(items)),
        dry_run=dry_run,
        if_match=if_match,
        admin=admin,
    )
    if not outcome.report.conforms:
        _blame_rows(reports, outcome.report.violations)
        return ImportResult("invalid", reports, sheet, outcome)
    change = int(str(outcome.change).rsplit("/", 1)[-1]) if outcome.change is not None else None
    done: dict[str, Literal["applied", "dry-run", "unchanged"]] = {
        "applied": "applied",
        "dry-run": "dry-run",
        "unchanged": "unchanged",
    }
    return ImportResult(done[outcome.status], reports, sheet, outcome, change)


def _blame_rows(reports: Sequence[RowReport], violations: Sequence[Result]) -> None:
    """Put each SHACL violation on the row whose assessment (or commitment) it concerns."""
    by_node: dict[str, RowReport] = {}
    for report in reports:
        if report.assessment is not None:
            by_node[str(report.assessment)] = report
        if report.target is not None:
            by_node.setdefault(str(report.target), report)
    for v in violations:
        report = by_node.get(v.focus) or reports[0]
        column = field_for_violation(v) or "commitment"
        report.errors.append(RowError(column, "shape", v.message_sv, v.message_en))
