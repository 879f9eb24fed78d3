"""The shapes of the API's answers, for the OpenAPI document (and so for generated
clients and schemathesis' response checks). The routes build plain dicts; these say
what the dicts hold."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from platform_graph.http.tables import XLSX

__all__ = [
    "Commitment",
    "CommitmentPage",
    "JsonLdDocument",
    "NamedQueryList",
    "NamedQueryResult",
    "ResourceDetail",
    "ResourceList",
    "Stats",
    "responses",
]


class Texts(BaseModel):
    sv: str | None = None
    en: str | None = None


class Span(BaseModel):
    start: int
    end: int


class ActorRole(BaseModel):
    id: str
    role: Literal["responsible", "partner", "affected"]


class PageLinks(BaseModel):
    """Links to pages of the same result; never past its end."""

    first: str
    prev: str | None = None
    next: str | None = None
    last: str


class Commitment(BaseModel):
    id: str
    iri: str
    title: Texts
    quote: str = Field(description="The exact words of the source, line breaks included.")
    quote_text: str = Field(description="The quote as clean text: line breaks removed.")
    span: Span
    section: str
    themes: list[str]
    actors: list[ActorRole]
    areas: list[str]
    inherited_actors: list[str] = Field(
        description="Actors the statement inherits from the one it refers back to."
    )
    inherited_areas: list[str] = Field(
        description="Areas the statement inherits from the one it refers back to."
    )
    refers_to: list[str]
    strength: str
    kind: str
    change: str
    testable: bool
    deadline: str | None
    period: str | None
    amount_sek: float | None
    status: str


class CommitmentPage(BaseModel):
    items: list[Commitment]
    total: int
    limit: int | None
    offset: int
    links: PageLinks


class Resource(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    iri: str
    label: Texts
    commitments_count: int = Field(description="Commitments that name it themselves.")
    commitments_including_parts: int | None = Field(
        None,
        description="Commitments that name it or one of its parts (sub-organisations, "
        "places within it, narrower themes).",
    )
    commitments_including_inherited: int | None = Field(
        None,
        description="As commitments_including_parts, and also those that inherit it from "
        "the statement they refer back to: what the filter finds.",
    )
    type: str | None = None
    part_of: str | None = None
    position: int | None = None


class ResourceList(BaseModel):
    items: list[Resource]
    total: int


class LinkedCommitment(BaseModel):
    id: str
    title: Texts
    roles: list[str] | None = None


class ResourceDetail(Resource):
    parts: list[str]
    commitments: list[LinkedCommitment]


class Stats(BaseModel):
    commitments: int
    context_statements: int
    sentences: int
    with_deadline: int
    by: dict[str, dict[str, int]]
    by_including_parts: dict[str, dict[str, int]]
    counting: dict[str, str]


class Parameter(BaseModel):
    name: str
    type: str
    required: bool
    default: str | None
    description: str


class NamedQuery(BaseModel):
    name: str
    title: str
    description: str
    path: str
    parameters: list[Parameter]
    sparql: str


class NamedQueryList(BaseModel):
    items: list[NamedQuery]
    total: int


class NamedQueryResult(BaseModel):
    query: str
    title: str
    variables: list[str]
    rows: list[dict[str, Any]]
    total: int
    truncated: bool = Field(
        description="Whether the rows were cut at MAX_ROWS (X-Result-Truncated says so too)."
    )


class DownloadItem(BaseModel):
    path: str
    url: str
    name: str
    media_type: str
    sv: str
    en: str


class DownloadList(BaseModel):
    items: list[DownloadItem]
    total: int


class ChangeLink(BaseModel):
    id: int
    iri: str
    href: str = Field(description="The change in the change log.")


class TripleLines(BaseModel):
    """The quads a change adds and removes, one N-Quads line each."""

    added: list[str]
    removed: list[str]
    derived: list[str] | None = Field(
        default=None,
        description="In the change log: those of added and removed the write path derived "
        "(a commitment's status), recomputed rather than undone or replayed by themselves.",
    )


class Finding(BaseModel):
    """One SHACL finding: where, what, how bad, in Swedish and English."""

    severity: str
    focus: str
    path: str | None
    value: str | None
    message_sv: str
    message_en: str
    shape: str | None
    constraint: str


class Validation(BaseModel):
    conforms: bool
    violations: int
    warnings: int
    seconds: float
    results: list[Finding]


class ChangeOutcome(BaseModel):
    """What a write did (201 applied; 200 a dry run or nothing to change): every write
    (changes, reverts, restores, assessments, /update, the Graph Store Protocol) answers so.
    A rejected change is a 422 problem document with these fields besides."""

    status: Literal["applied", "rejected", "unchanged", "dry-run", "proposed"]
    etag: str
    added: int
    removed: int
    triples: TripleLines
    validation: Validation
    focus_nodes: int | None
    milliseconds: float
    change: ChangeLink | None = Field(default=None, description="Absent unless applied.")
    derived: list[str] | None = Field(
        default=None, description="What the write path derived (a commitment's status)."
    )
    resources: list[ResourceVersion] | None = Field(
        default=None, description="The new ETags of the resources named in the precondition."
    )
    proposal: ProposalLink | None = Field(
        default=None, description="With review on (four eyes): the proposal that holds it."
    )


class ResourceVersion(BaseModel):
    iri: str
    etag: str


class ProposalLink(BaseModel):
    id: int
    href: str
    page: str


class Bilingual(BaseModel):
    sv: str
    en: str


class FoundBy(BaseModel):
    id: int
    href: str


class Unapplied(BaseModel):
    """Why a change no longer applied when the log was replayed onto a new base."""

    rule: Literal["triple-gone", "invalid", "reverts-unapplied"]
    reason: Bilingual
    base: str = Field(description="The base it failed on (sha256:…).")
    found_by: FoundBy = Field(description="The rebase change that found it.")


class ChangeSummary(BaseModel):
    id: int
    iri: str
    kind: Literal["change", "rebase"] = Field(
        description="`rebase`: the store moved onto a new build of the curated files."
    )
    author: str
    time: str
    message: str
    messages: Bilingual = Field(description="The message in Swedish and English.")
    added: int
    removed: int
    reverts: str | None
    reverted_by: str | None
    applied: bool = Field(
        description="False: it no longer applied when the log was replayed onto a new base; "
        "kept in the log, its triples not in the data."
    )
    unapplied: Unapplied | None
    base: str | None = Field(default=None, description="For a rebase: the base it moved onto.")


class ChangeDetail(ChangeSummary):
    triples: TripleLines


class ChangeLog(BaseModel):
    items: list[ChangeSummary]
    total: int
    limit: int
    offset: int


class AssessmentList(BaseModel):
    items: list[dict[str, Any]]
    total: int
    limit: int
    offset: int


class SparqlJsonResults(BaseModel):
    """SPARQL 1.1 Query Results JSON: a head, and bindings (SELECT) or a boolean (ASK)."""

    head: dict[str, Any]
    results: dict[str, Any] | None = None
    boolean: bool | None = None


class JsonLdDocument(BaseModel):
    """JSON-LD whose triples the store holds, with the versioned context by reference;
    a list's paging is a hydra:Collection node of its own."""

    model_config = ConfigDict(populate_by_name=True)

    context: str = Field(alias="@context")
    graph: list[dict[str, Any]] = Field(alias="@graph")


_TEXT = {"schema": {"type": "string"}}
_BINARY = {"schema": {"type": "string", "format": "binary"}}


def responses(
    model: type[BaseModel], *, csv: bool = False, xlsx: bool = False, jsonld: bool = False
) -> dict[int | str, dict[str, Any]]:
    """The 200 answer of a route: the model as JSON, and the other formats it serves."""
    content: dict[str, Any] = {}
    if csv:
        content["text/csv"] = _TEXT
    if xlsx:
        content[XLSX] = _BINARY
    if jsonld:
        content["application/ld+json"] = {"schema": {"$ref": "#/components/schemas/JsonLdDocument"}}
    return {200: {"model": model, "description": "Success", "content": content}}


class ProposalSummary(BaseModel):
    """A change held for review (four eyes); ``added`` and ``removed`` count its quads."""

    id: int
    kind: str
    author: str
    created: str
    message: str
    resources: list[str]
    state: Literal["open", "approving", "approved", "rejected"]
    reviewer: str | None
    comment: str | None
    decided: str | None
    change: int | None
    href: str
    added: int
    removed: int


class ProposalDetail(BaseModel):
    """One proposal with its quads, one N-Quads line each."""

    id: int
    kind: str
    author: str
    created: str
    message: str
    resources: list[str]
    state: Literal["open", "approving", "approved", "rejected"]
    reviewer: str | None
    comment: str | None
    decided: str | None
    change: int | None
    href: str
    triples: TripleLines


class ProposalList(BaseModel):
    items: list[ProposalSummary]
    total: int
    limit: int
    offset: int


class ImportError_(BaseModel):
    column: str
    code: str
    message: Bilingual


class ImportRow(BaseModel):
    row: int = Field(description="The spreadsheet's row number: the first data row is 2.")
    commitment: str
    ok: bool
    errors: list[ImportError_]
    assessment: str | None = None


class ImportAnswer(BaseModel):
    """What a spreadsheet import did (201 applied, 200 a dry run), row by row."""

    rows: list[ImportRow]
    applied: int
    change: int | None
    dry_run: bool
    format: str
    ignored_columns: list[str]
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    proposal: ProposalLink | None = None


class PlatformTerm(BaseModel):
    start: int
    end: int


class Municipality(BaseModel):
    area: str | None
    label: str | None
    code: str | None


class Platform(BaseModel):
    """A platform the graph holds: a coalition's agreement or a party's programme."""

    id: str
    iri: str
    title: dict[str, str | None]
    kind: str
    term: PlatformTerm
    municipality: Municipality
    coalition: str | None
    parties: list[str]
    commitments: int
    context_statements: int


class PlatformDetail(Platform):
    sections: list[str]


class PlatformList(BaseModel):
    items: list[Platform]
    total: int


class ReviewItems(BaseModel):
    """A draft's proposed statements (with ``counts`` by status) or continuity links."""

    items: list[dict[str, Any]]
    total: int
    counts: dict[str, int] | None = None


class ReviewDecisions(BaseModel):
    """What a rejection decided, statement by statement or link by link."""

    status: Literal["rejected"]
    decisions: list[dict[str, Any]]
