"""What makes an assessment acceptable, said next to the field it concerns.

One place for the rules every way in applies (the REST route, the spreadsheet import,
the workbench's form), each broken rule a ``FieldError`` naming its field, with a
message in Swedish and English:

* the status is one of the scale's;
* the date is neither after today nor before the platform's term begins (the term is
  read from the graph: the commitment's document's ``dcterms:temporal``), unless the
  assessment carries a reason for it (``date_reason``, kept as ``pg:dateReason``): one
  typo must not decide a commitment's status;
* the assessor is named;
* the evidence is one or more http(s) URLs: a citation of a document without a URL goes
  in the note;
* the note (Swedish, and optionally English) and the reason are not too long.

``field_for_violation`` maps a SHACL violation of an assessment to the same fields, so a
form can show the shapes' verdict where it belongs too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rdflib import URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, TIME

from platform_graph.store import Store
from platform_graph.validation.shacl import Result
from platform_graph.vocab.namespaces import PG
from platform_graph.vocab.scales import STATUSES
from platform_graph.write.assessments import AssessmentInput
from platform_graph.write.field_errors import FieldError

__all__ = [
    "ASSESSOR_MAX",
    "DATE_REASON_MAX",
    "EVIDENCE_MAX",
    "FIELDS",
    "NOTE_MAX",
    "FieldError",
    "Term",
    "assessment_term",
    "check_assessment",
    "field_for_violation",
    "is_web_url",
    "today_in_sweden",
]

ASSESSOR_MAX = 200
NOTE_MAX = 4000
DATE_REASON_MAX = 1000
EVIDENCE_MAX = 50

FIELDS = (
    "commitment",
    "status",
    "date",
    "assessor",
    "evidence",
    "note",
    "note_en",
    "date_reason",
)
"""The fields of an assessment, as the API, the spreadsheet's columns and the form name them."""

_TIMEZONE = "Europe/Stockholm"
_URL_CHARS = re.compile(r"^[^\s<>\"{}|\\^`]+$")


@dataclass(frozen=True, slots=True)
class Term:
    """The term of office a commitment belongs to: assessments before it are suspect."""

    iri: URIRef | None
    begins: date
    ends: date | None = None


def today_in_sweden() -> date:
    """Today in Sweden, where the platform and its follow-up are."""
    try:
        return datetime.now(ZoneInfo(_TIMEZONE)).date()
    except ZoneInfoNotFoundError:  # a system without the time zone database
        return datetime.now(UTC).date()


def _instant_date(store: Store, instant: Any, *, end: bool) -> date | None:
    """The date of a time:Instant: its inXSDDate or inXSDDateTime if the graph says so,
    else the first (or, for an end, the last) day of its inXSDgYear."""
    for prop in (TIME.inXSDDate, TIME.inXSDDateTime, TIME.inXSDDateTimeStamp):
        for _, _, value, _ in store.quads(instant, prop, None):
            try:
                return date.fromisoformat(str(value)[:10])
            except ValueError:
                continue
    for _, _, value, _ in store.quads(instant, TIME.inXSDgYear, None):
        text = str(value)
        if re.fullmatch(r"\d{4}", text[:4]):
            year = int(text[:4])
            return date(year, 12, 31) if end else date(year, 1, 1)
    return None


def _term_of(store: Store, term: Any) -> Term | None:
    begins: date | None = None
    ends: date | None = None
    for _, _, instant, _ in store.quads(term, TIME.hasBeginning, None):
        begins = _instant_date(store, instant, end=False) or begins
    for _, _, instant, _ in store.quads(term, TIME.hasEnd, None):
        ends = _instant_date(store, instant, end=True) or ends
    if begins is None:
        return None
    return Term(term if isinstance(term, URIRef) else None, begins, ends)


def assessment_term(store: Store, commitment: URIRef) -> Term | None:
    """The term of the document ``commitment`` is part of (its section's document's
    ``dcterms:temporal``); when the graph holds one platform only, that platform's term.
    None when the graph says nothing of a term."""
    documents: list[Any] = []
    for _, _, section, _ in store.quads(commitment, PG.inSection, None):
        if isinstance(section, URIRef):
            documents += [o for _, _, o, _ in store.quads(section, DCTERMS.isPartOf, None)]
    if not documents:
        platforms = [s for s, _, _, _ in store.quads(None, RDF.type, PG.Platform)]
        documents = platforms if len(platforms) == 1 else []
    for document in documents:
        for _, _, term, _ in store.quads(document, DCTERMS.temporal, None):
            found = _term_of(store, term)
            if found is not None:
                return found
    return None


def is_web_url(value: str) -> bool:
    """An absolute http or https URL with a host, and no character an IRI may not hold."""
    text = value.strip()
    if not _URL_CHARS.match(text):
        return False
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def _check_date(item: AssessmentInput, term: Term | None, now: date) -> list[FieldError]:
    if item.date_reason and item.date_reason.strip():
        return []  # the editor confirmed the date, and says why
    day = item.date.isoformat()
    if item.date > now:
        return [
            FieldError(
                "date",
                "date-in-future",
                f"Datumet {day} ligger efter i dag ({now.isoformat()}). Rätta datumet, eller "
                "ange ett skäl till datumet om det verkligen ska vara så.",
                f"The date {day} is after today ({now.isoformat()}). Correct it, or give a "
                "reason for the date if it really is so.",
            )
        ]
    if term is not None and item.date < term.begins:
        return [
            FieldError(
                "date",
                "date-before-term",
                f"Datumet {day} ligger före mandatperioden, som börjar "
                f"{term.begins.isoformat()}. Rätta datumet, eller ange ett skäl till datumet "
                "om det verkligen ska vara så.",
                f"The date {day} is before the term, which begins {term.begins.isoformat()}. "
                "Correct it, or give a reason for the date if it really is so.",
            )
        ]
    return []


def _check_evidence(evidence: tuple[str, ...]) -> list[FieldError]:
    if not [e for e in evidence if e.strip()]:
        return [
            FieldError(
                "evidence",
                "evidence-missing",
                "Ange minst ett underlag: en webbadress (http:// eller https://).",
                "Give at least one piece of evidence: a web address (http:// or https://).",
            )
        ]
    if len(evidence) > EVIDENCE_MAX:
        return [
            FieldError(
                "evidence",
                "evidence-too-many",
                f"Högst {EVIDENCE_MAX} underlag får anges.",
                f"At most {EVIDENCE_MAX} pieces of evidence may be given.",
            )
        ]
    errors: list[FieldError] = []
    for i, value in enumerate(evidence):
        if not is_web_url(value):
            shown = value if len(value) <= 80 else value[:77] + "…"
            errors.append(
                FieldError(
                    "evidence",
                    "evidence-not-url",
                    f"Underlaget {shown!r} är ingen webbadress. Underlag anges som adresser "
                    "som börjar med http:// eller https://; en hänvisning till ett dokument "
                    "utan adress skrivs i anteckningen.",
                    f"The evidence {shown!r} is not a web address. Evidence is given as "
                    "addresses beginning with http:// or https://; a citation of a document "
                    "without an address goes in the note.",
                    index=i,
                )
            )
    return errors


def _too_long(field: str, value: str | None, most: int, sv: str, en: str) -> list[FieldError]:
    if value is not None and len(value.strip()) > most:
        return [
            FieldError(
                field,
                "too-long",
                f"{sv} får ha högst {most} tecken (har {len(value.strip())}).",
                f"The {en} may have at most {most} characters (has {len(value.strip())}).",
            )
        ]
    return []


def check_assessment(
    item: AssessmentInput, term: Term | None, today: date | None = None
) -> list[FieldError]:
    """Every rule ``item`` breaks, each next to its field; empty when it may be recorded.

    ``term`` is the commitment's term (``assessment_term``), ``today`` the day to judge
    "after today" by (by default today in Sweden).
    """
    now = today or today_in_sweden()
    errors: list[FieldError] = []
    if item.status not in STATUSES:
        allowed = ", ".join(STATUSES)
        errors.append(
            FieldError(
                "status",
                "status-unknown",
                f"Statusen {item.status!r} finns inte på skalan. Välj en av: {allowed}.",
                f"The status {item.status!r} is not on the scale. Choose one of: {allowed}.",
            )
        )
    errors += _check_date(item, term, now)
    assessor = item.assessor.strip()
    if not assessor:
        errors.append(
            FieldError(
                "assessor",
                "assessor-missing",
                "Ange vem som har gjort bedömningen.",
                "Say who made the assessment.",
            )
        )
    elif re.match(r"^https?:", assessor, re.IGNORECASE) and not is_web_url(assessor):
        errors.append(
            FieldError(
                "assessor",
                "assessor-bad-url",
                "Bedömaren ser ut som en webbadress men är ingen giltig adress; skriv ett namn "
                "eller en hel adress.",
                "The assessor looks like a web address but is not a valid one; give a name "
                "or a whole address.",
            )
        )
    errors += _too_long("assessor", item.assessor, ASSESSOR_MAX, "Bedömaren", "assessor")
    errors += _check_evidence(item.evidence)
    errors += _too_long("note", item.note, NOTE_MAX, "Anteckningen", "note")
    errors += _too_long(
        "note_en", item.note_en, NOTE_MAX, "Den engelska anteckningen", "English note"
    )
    if item.note_en and item.note_en.strip() and not (item.note and item.note.strip()):
        errors.append(
            FieldError(
                "note",
                "note-without-swedish",
                "Skriv anteckningen på svenska; den engelska är ett tillägg.",
                "Write the note in Swedish; the English one is an addition to it.",
            )
        )
    errors += _too_long(
        "date_reason", item.date_reason, DATE_REASON_MAX, "Skälet till datumet", "reason"
    )
    return errors


_FIELD_BY_PATH: dict[str, str] = {
    str(PG.assesses): "commitment",
    str(PG.status): "status",
    str(DCTERMS.date): "date",
    str(PROV.wasAttributedTo): "assessor",
    str(RDFS.label): "assessor",
    str(PG.evidence): "evidence",
    str(RDFS.comment): "note",
    str(PG.dateReason): "date_reason",
}


def field_for_violation(result: Result) -> str | None:
    """The field of an assessment a SHACL result concerns (``status``, ``date``,
    ``assessor``, ``evidence``, ``note``, ``date_reason``, ``commitment``); None when it
    concerns none of them (the form shows it above the fields)."""
    if result.path is None:
        return None
    return _FIELD_BY_PATH.get(str(result.path))
