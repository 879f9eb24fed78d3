"""The research dataset: one row per commitment with every coded field, as CSV, XLSX and
CSV on the Web metadata (``/data/pledges.csv``, ``.xlsx``, ``.csv-metadata.json``).

For pledge researchers who work in R, Stata or a spreadsheet rather than SPARQL. The
columns are defined once, below (:data:`COLUMNS`): the CSV header, the spreadsheet's
header and its "columns" sheet, and the CSVW metadata all come from that list, so they
cannot disagree. The rows are read from the store, so a download is the dataset as it is
now, assessments included. Text cells are neutralised against spreadsheet formulas
(:func:`platform_graph.rdf.spreadsheets.neutralise_cell`).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from platform_graph.rdf.spreadsheets import neutralise_cell
from platform_graph.store import SelectResult, Store, Term
from platform_graph.vocab.identifiers import slug_of
from platform_graph.vocab.namespaces import ID, PREFIXES, sparql_prefixes

__all__ = [
    "COLUMNS",
    "CSV_NAME",
    "FORMAT",
    "MEDIA_TYPES",
    "METADATA_NAME",
    "XLSX_NAME",
    "Column",
    "csv_bytes",
    "metadata_bytes",
    "producers",
    "rows",
    "xlsx_bytes",
]

# Changes with this module's code: the download files of one dataset version are written
# again when the layout that writes them changes (see Downloads.tables_format).
FORMAT = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]
CSV_NAME = "pledges.csv"
# The media types of the three files (the CSVW metadata's is the one the W3C registers).
MEDIA_TYPES = {
    "pledges.csv": "text/csv",
    "pledges.xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pledges.csv-metadata.json": "application/csvm+json",
}
XLSX_NAME = "pledges.xlsx"
METADATA_NAME = "pledges.csv-metadata.json"
SEPARATOR = ";"
PG = PREFIXES["pg"]
DCTERMS = PREFIXES["dcterms"]
OA = PREFIXES["oa"]
STRENGTH_ORDER = {"binding": 1, "intent": 2, "process": 3, "aspirational": 4}


@dataclass(frozen=True, slots=True)
class Column:
    """One column: its name, titles, CSVW datatype, meaning and the graph's term for it."""

    name: str
    sv: str
    en: str
    datatype: str
    description: str
    property: str | None = None
    list: bool = False
    required: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("id", "Id", "Id", "string", "The commitment's stable identifier (slug).", required=True),
    Column(
        "iri",
        "IRI",
        "IRI",
        "anyURI",
        "The commitment's IRI; it resolves to its page or its RDF.",
        required=True,
    ),
    Column("section", "Avsnitt", "Section", "string", "The section's slug.", f"{PG}inSection"),
    Column(
        "section_position",
        "Avsnittets plats",
        "Section position",
        "integer",
        "The section's place in the platform, from 1 (the introduction).",
    ),
    Column(
        "sentence",
        "Mening",
        "Sentence",
        "integer",
        "The sentence's place in the platform, from 1 (as docs/codebook.md numbers them).",
        f"{PG}inSentence",
    ),
    Column("title_sv", "Rubrik (sv)", "Title (sv)", "string", "Short title in Swedish."),
    Column("title_en", "Rubrik (en)", "Title (en)", "string", "Short title in English."),
    Column(
        "quote",
        "Citat",
        "Quote",
        "string",
        "The commitment's exact words in the source, line breaks as they stand.",
        f"{OA}exact",
        required=True,
    ),
    Column(
        "start",
        "Början",
        "Start",
        "integer",
        "Character offset of the quote in the source text (0-based, Unicode code points).",
        f"{OA}start",
        required=True,
    ),
    Column(
        "end",
        "Slut",
        "End",
        "integer",
        "Character offset just after the quote (exclusive).",
        f"{OA}end",
        required=True,
    ),
    Column(
        "commitment",
        "Åtagande",
        "Commitment",
        "boolean",
        "Always true: every row is a commitment (context statements are in the graph only).",
    ),
    Column(
        "pledge",
        "Vallöfte",
        "Pledge",
        "boolean",
        "A pledge in the Comparative Party Pledges Project's sense: a testable commitment "
        "(pg:Pledge).",
    ),
    Column(
        "strength",
        "Styrka",
        "Strength",
        "string",
        "binding, intent, process or aspirational (docs/codebook.md, section 4).",
        f"{PG}strength",
        required=True,
    ),
    Column(
        "strength_order",
        "Styrkans ordning",
        "Strength order",
        "integer",
        "The strength as an ordinal, firmest first: 1 binding, 2 intent, 3 process, "
        "4 aspirational.",
    ),
    Column(
        "cue",
        "Signal",
        "Cue",
        "string",
        "The words the strength rests on; fragments joined by ' ... '.",
        f"{PG}strengthCue",
    ),
    Column("kind", "Typ", "Kind", "string", "action, outcome or process (section 5).", f"{PG}kind"),
    Column(
        "change",
        "Förändring",
        "Change",
        "string",
        "change or status-quo (section 5).",
        f"{PG}changeType",
    ),
    Column(
        "testable",
        "Prövbart",
        "Testable",
        "boolean",
        "Whether fulfilment can be judged on evidence at the end of the term (section 6).",
        f"{PG}testable",
    ),
    Column(
        "deadline",
        "Tidsgräns",
        "Deadline",
        "string",
        "The limit the text sets: a year (the end of that year) or a date; empty if none.",
        f"{PG}deadline",
    ),
    Column(
        "period",
        "Period",
        "Period",
        "duration",
        "A period the text states, ISO 8601 (P8Y).",
        f"{PG}period",
    ),
    Column(
        "amount_sek",
        "Belopp (kr)",
        "Amount (SEK)",
        "decimal",
        "An amount in kronor the text states.",
        f"{PG}amountSEK",
    ),
    Column(
        "cap_major_topics",
        "CAP-huvudområden",
        "CAP major topics",
        "integer",
        "The Comparative Agendas Project major topic codes of the commitment's themes "
        "(master codebook), ';'-separated, ascending.",
        list=True,
    ),
    Column(
        "themes",
        "Teman",
        "Themes",
        "string",
        "The themes' slugs, ';'-separated; the section's own theme first.",
        f"{PG}theme",
        list=True,
    ),
    Column(
        "actors_responsible",
        "Ansvariga aktörer",
        "Responsible actors",
        "string",
        "Actors the commitment names as responsible, ';'-separated slugs.",
        f"{PG}responsibleActor",
        list=True,
    ),
    Column(
        "actors_partner",
        "Samarbetspartner",
        "Partner actors",
        "string",
        "Actors named as partners.",
        f"{PG}partnerActor",
        list=True,
    ),
    Column(
        "actors_affected",
        "Berörda aktörer",
        "Affected actors",
        "string",
        "Actors named as affected.",
        f"{PG}affectedActor",
        list=True,
    ),
    Column(
        "actors_inherited",
        "Ärvda aktörer",
        "Inherited actors",
        "string",
        "Actors taken over from the statements it refers back to (not named by it).",
        f"{PG}inheritedActor",
        list=True,
    ),
    Column(
        "areas",
        "Områden",
        "Areas",
        "string",
        "Areas the commitment's own words name.",
        f"{PG}concernsArea",
        list=True,
    ),
    Column(
        "areas_inherited",
        "Ärvda områden",
        "Inherited areas",
        "string",
        "Areas taken over from the statements it refers back to.",
        f"{PG}inheritedArea",
        list=True,
    ),
    Column(
        "refers_to",
        "Syftar på",
        "Refers to",
        "string",
        "Ids of the earlier statements it refers back to (section 11).",
        f"{PG}refersTo",
        list=True,
    ),
    Column(
        "status",
        "Status",
        "Status",
        "string",
        "How far it has been kept: not-yet-rated until an assessment says otherwise.",
        f"{PG}status",
        required=True,
    ),
    Column(
        "status_date",
        "Statusdatum",
        "Status date",
        "date",
        "The date of the latest assessment, which set the status; empty if none.",
    ),
)

_P = sparql_prefixes()
_SCALARS = """
SELECT ?c ?section ?spos ?sentence ?title_sv ?title_en ?quote ?start ?end ?strength ?cue
       ?kind ?change ?testable ?pledge ?deadline ?period ?amount ?status
WHERE {
  ?c a pg:Commitment ; pg:inSection ?section ; pg:inSentence ?s ; pg:strength ?strength ;
     pg:kind ?kind ; pg:changeType ?change ; pg:testable ?testable ; pg:status ?status ;
     oa:hasSelector ?pos, ?sel .
  ?pos a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end .
  ?sel a oa:TextQuoteSelector ; oa:exact ?quote .
  ?section pg:position ?spos .
  ?s pg:position ?sentence .
  BIND (EXISTS { ?c a pg:Pledge } AS ?pledge)
  OPTIONAL { ?c dcterms:title ?title_sv FILTER (lang(?title_sv) = "sv") }
  OPTIONAL { ?c dcterms:title ?title_en FILTER (lang(?title_en) = "en") }
  OPTIONAL { ?c pg:strengthCue ?cue }
  OPTIONAL { ?c pg:deadline ?deadline }
  OPTIONAL { ?c pg:period ?period }
  OPTIONAL { ?c pg:amountSEK ?amount }
}"""
_LINKS = """
SELECT ?c ?p ?o WHERE {
  ?c a pg:Commitment ; ?p ?o .
  FILTER (?p IN (pg:theme, pg:responsibleActor, pg:partnerActor, pg:affectedActor,
                 pg:inheritedActor, pg:concernsArea, pg:inheritedArea, pg:refersTo))
}"""
_CAP = """
SELECT ?c ?code WHERE {
  ?c a pg:Commitment ; pg:theme ?t .
  ?t skos:closeMatch ?cap . ?cap skos:inScheme pg:CAPMajorTopics ; skos:notation ?code .
}"""
_STATUS_DATE = """
SELECT ?c (MAX(STR(?date)) AS ?latest) WHERE {
  ?a pg:assesses ?c ; dcterms:date ?date .
} GROUP BY ?c"""
_LIST_COLUMNS = {
    f"{PG}theme": "themes",
    f"{PG}responsibleActor": "actors_responsible",
    f"{PG}partnerActor": "actors_partner",
    f"{PG}affectedActor": "actors_affected",
    f"{PG}inheritedActor": "actors_inherited",
    f"{PG}concernsArea": "areas",
    f"{PG}inheritedArea": "areas_inherited",
    f"{PG}refersTo": "refers_to",
}


def _select(store: Store, query: str) -> SelectResult:
    result = store.query(_P + query)
    assert isinstance(result, SelectResult)
    return result


def _text(term: Term | None) -> str | None:
    return None if term is None else str(term)


def rows(store: Store) -> list[dict[str, Any]]:
    """Every commitment as a row of typed values (lists for the list columns), in the
    order of the text."""
    found: dict[str, dict[str, Any]] = {}
    for r in _select(store, _SCALARS).dicts():
        iri = str(r["c"])
        if iri in found:
            continue
        strength = slug_of(r["strength"]) or ""
        amount = r.get("amount")
        found[iri] = {
            "id": slug_of(r["c"]),
            "iri": iri,
            "section": slug_of(r["section"]),
            "section_position": int(str(r["spos"])),
            "sentence": int(str(r["sentence"])),
            "title_sv": _text(r.get("title_sv")),
            "title_en": _text(r.get("title_en")),
            "quote": str(r["quote"]),
            "start": int(str(r["start"])),
            "end": int(str(r["end"])),
            "commitment": True,
            "pledge": str(r["pledge"]) in ("true", "1"),
            "strength": strength,
            "strength_order": STRENGTH_ORDER.get(strength),
            "cue": _text(r.get("cue")),
            "kind": slug_of(r["kind"]),
            "change": slug_of(r["change"]),
            "testable": str(r["testable"]) in ("true", "1"),
            "deadline": _text(r.get("deadline")),
            "period": _text(r.get("period")),
            "amount_sek": None if amount is None else _number(str(amount)),
            "cap_major_topics": [],
            **{name: [] for name in _LIST_COLUMNS.values()},
            "status": slug_of(r["status"]),
            "status_date": None,
        }
    links: dict[tuple[str, str], list[str]] = defaultdict(list)
    for c, p, o in _select(store, _LINKS).rows:
        links[(str(c), str(p))].append(slug_of(o) or str(o))
    for (c_iri, prop), values in links.items():
        if (row := found.get(c_iri)) is not None:
            row[_LIST_COLUMNS[prop]] = sorted(set(values))
    for c, code in _select(store, _CAP).rows:
        if (row := found.get(str(c))) is not None:
            row["cap_major_topics"].append(int(str(code)))
    for c, latest in _select(store, _STATUS_DATE).rows:
        if (row := found.get(str(c))) is not None and latest is not None:
            row["status_date"] = str(latest)[:10]
    section_theme = {
        slug_of(sec): slug_of(t)
        for sec, t in _select(store, "SELECT ?s ?t WHERE { ?s a pg:Section ; pg:theme ?t }").rows
    }
    for row in found.values():
        row["cap_major_topics"] = sorted(set(row["cap_major_topics"]))
        # The section's own theme first, as the codebook codes them.
        own = section_theme.get(row["section"])
        if own in row["themes"]:
            row["themes"] = [own, *(t for t in row["themes"] if t != own)]
    return sorted(found.values(), key=lambda x: (x["section_position"], x["start"], x["id"]))


def producers(store: Store, base_url: str) -> dict[str, Callable[[], bytes]]:
    """The dataset's download files by name, read from ``store``: what
    :class:`~.downloads.Downloads` writes once per version of the dataset."""
    return {
        CSV_NAME: lambda: csv_bytes(rows(store)),
        XLSX_NAME: lambda: xlsx_bytes(rows(store)),
        METADATA_NAME: lambda: metadata_bytes(base_url),
    }


def _number(text: str) -> int | float:
    value = float(text)
    return int(value) if value.is_integer() else value


def _cell(column: Column, value: Any) -> str:
    """A value as CSV text: lists joined, booleans as true/false, empty for none."""
    if value is None:
        return ""
    if column.list:
        return SEPARATOR.join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return neutralise_cell(str(value))


def csv_bytes(items: Sequence[Mapping[str, Any]]) -> bytes:
    """RFC 4180 CSV, UTF-8 without a byte order mark, CRLF line ends, a header row."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([c.name for c in COLUMNS])
    for row in items:
        writer.writerow([_cell(c, row.get(c.name)) for c in COLUMNS])
    return out.getvalue().encode("utf-8")


def xlsx_bytes(items: Sequence[Mapping[str, Any]]) -> bytes:
    """The same table as an Excel workbook: sheet "pledges" with native numbers and
    booleans, sheet "columns" describing each column."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "pledges"
    sheet.append([c.name for c in COLUMNS])
    for row in items:
        values: list[Any] = []
        for c in COLUMNS:
            value = row.get(c.name)
            if value is None:
                values.append(None)
            elif c.list:
                values.append(SEPARATOR.join(str(v) for v in value))
            elif isinstance(value, bool | int | float):
                values.append(value)
            else:
                values.append(neutralise_cell(str(value)))
        sheet.append(values)
    sheet.freeze_panes = "B2"
    for i, c in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = max(10, min(60, len(c.name) + 4))
    about = book.create_sheet("columns")
    about.append(["name", "title_sv", "title_en", "datatype", "list", "description"])
    for c in COLUMNS:
        about.append([c.name, c.sv, c.en, c.datatype, c.list, c.description])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def metadata_bytes(base_url: str) -> bytes:
    """CSV on the Web metadata (W3C Tabular Data Model) for ``pledges.csv``: a column
    description for each column, with its datatype, titles in English and Swedish, and the
    graph's property where there is one."""
    columns: list[dict[str, Any]] = []
    for c in COLUMNS:
        column: dict[str, Any] = {
            "name": c.name,
            "titles": {"en": [c.en], "sv": [c.sv]},
            "datatype": c.datatype,
            "dc:description": c.description,
            "required": c.required,
        }
        if c.list:
            column["separator"] = SEPARATOR
        if c.property is not None:
            column["propertyUrl"] = c.property
        if c.name == "iri":
            column["valueUrl"] = "{+iri}"
        columns.append(column)
    table = {
        "url": CSV_NAME,
        "dc:title": [
            {
                "@value": "Örebro kommun, political platform 2022–2026: commitments",
                "@language": "en",
            },
            {
                "@value": "Örebro kommun, politisk plattform 2022–2026: åtaganden",
                "@language": "sv",
            },
        ],
        "dc:description": (
            "One row per commitment of the platform with every coded field (docs/codebook.md): "
            "strength, cue, kind, change, testable and the pledge flag, deadline, period, "
            "amount, themes with their Comparative Agendas Project major topics, actors by "
            "role, areas (own and inherited apart), references back, status and its date, "
            "the quote and its character offsets in the source."
        ),
        "dc:source": str(ID["document/orebro-2022-2026"]),
        "dc:format": "text/csv",
        "tableSchema": {
            "columns": columns,
            "primaryKey": "id",
            "aboutUrl": str(ID) + "commitment/{id}",
        },
    }
    # A table group of one table: read by processors that take a group (csvw's
    # TableGroup) and by those that take the table's own description alike.
    doc = {
        "@context": ["http://www.w3.org/ns/csvw", {"@language": "en"}],
        "@id": f"{base_url}/data/{METADATA_NAME}",
        "@type": "TableGroup",
        "dialect": {
            "encoding": "utf-8",
            "header": True,
            "headerRowCount": 1,
            "delimiter": ",",
            "quoteChar": '"',
            "doubleQuote": True,
            "lineTerminators": ["\r\n"],
        },
        "tables": [table],
    }
    return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
