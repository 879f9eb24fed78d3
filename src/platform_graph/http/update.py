"""SPARQL 1.1 Update at ``/update``: computed by the confined engine, validated like any change."""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs

from fastapi import APIRouter, Request, Response

from platform_graph.http.auth import EditorDep
from platform_graph.http.change_message import (
    MessageHeader,
    MessageHeaderExtended,
    decode_change_message,
)
from platform_graph.http.dependencies import ServiceDep
from platform_graph.http.problems import ProblemError
from platform_graph.http.sparql import _charset_ok, _decode
from platform_graph.http.writing import (
    DryRun,
    IfMatch,
    is_admin,
    outcome_response,
    submit,
)
from platform_graph.rdf.sparql_text import RefusedQuery, analyse
from platform_graph.store import Quad, StoreQueryError
from platform_graph.write.sparql_update import add_using
from platform_graph.write.writer import Forbidden

__all__ = ["router"]

router = APIRouter(tags=["Writing"])


async def _read_update(request: Request) -> tuple[str, dict[str, list[str]]]:
    params = parse_qs(request.url.query, keep_blank_values=True)
    content_type = request.headers.get("content-type", "")
    media = content_type.split(";")[0].strip().lower()
    if not _charset_ok(content_type):
        raise ProblemError(
            415,
            "Unsupported media type",
            "only UTF-8 request bodies are accepted",
            sv="Bara innehåll i UTF-8 tas emot.",
        )
    body = await request.body()
    if media == "application/x-www-form-urlencoded":
        form = parse_qs(_decode(body), keep_blank_values=True)
        if "query" in form:
            raise ProblemError(
                400, "Bad request", "queries go to /sparql", sv="Frågor skickas till /sparql."
            )
        updates = form.get("update", [])
        merged = {**params, **{k: params.get(k, []) + v for k, v in form.items()}}
    elif media == "application/sparql-update":
        updates = [_decode(body)]
        merged = params
    else:
        raise ProblemError(
            415,
            "Unsupported media type",
            "POST an update as application/x-www-form-urlencoded (update=...) or as "
            f"application/sparql-update; got {media or 'no content type'}",
            sv="Skicka en uppdatering som application/x-www-form-urlencoded (update=...) eller "
            f"som application/sparql-update; fick {media or 'ingen innehållstyp'}.",
        )
    if len(updates) != 1:
        raise ProblemError(
            400,
            "Bad request",
            "exactly one 'update' parameter is required",
            sv="Det ska finnas exakt en parameter 'update'.",
        )
    return updates[0], merged


@router.api_route("/update", methods=["GET"], include_in_schema=False)
def update_get() -> Response:
    raise ProblemError(
        405,
        "Method not allowed",
        "updates are accepted by POST only",
        sv="Uppdateringar tas bara emot med POST.",
    )


@router.post(
    "/update",
    summary="SPARQL 1.1 Update (validated; all or nothing)",
    description="The SPARQL 1.1 Protocol's update operation, by POST form (`update=`) or "
    "direct (`application/sparql-update`), with `using-graph-uri` and `using-named-graph-uri`. "
    "Without GRAPH, an update reads and writes the data graph. LOAD and SERVICE are refused. "
    "The update's effect is validated like any change set.",
    response_class=Response,
)
async def update(
    request: Request,
    state: ServiceDep,
    principal: EditorDep,
    dry_run: DryRun = False,
    if_match: IfMatch = None,
    x_change_message: MessageHeader = None,
    x_change_message_extended: MessageHeaderExtended = None,
) -> Response:
    message = decode_change_message(x_change_message, x_change_message_extended)
    text, params = await _read_update(request)
    try:
        text = add_using(
            text, params.get("using-graph-uri", []), params.get("using-named-graph-uri", [])
        )
        # Checked on the final text, dataset clauses included.
        analysis = analyse(text)
    except RefusedQuery as exc:
        raise ProblemError(
            400, "Update refused", str(exc), sv=f"Uppdateringen avvisades innan den kördes: {exc}"
        ) from exc
    if analysis.load and not analysis.load_silent_only:
        # LOAD SILENT goes on to the engine: its worker cannot fetch, so it fails silently
        # and changes nothing, as the standard says a failed LOAD SILENT does.
        raise ProblemError(
            400,
            "Update refused",
            "LOAD is refused: this server fetches nothing",
            sv="LOAD avvisas: den här servern hämtar ingenting utifrån.",
        )
    if analysis.service and not state.settings.allow_service:
        raise ProblemError(
            400,
            "Update refused",
            "SERVICE is refused in updates",
            sv="SERVICE avvisas i uppdateringar.",
        )
    if analysis.destructive and not is_admin(principal):
        ops = ", ".join(sorted(analysis.destructive))
        raise Forbidden(
            "destructive-operation",
            f"{ops} tömmer eller skriver över hela grafer: det får bara en administratör göra.",
            f"{ops} empties or overwrites whole graphs: only an administrator may do that.",
        )
    endpoint = state.settings.public_base + "/update"

    def build() -> tuple[list[Quad], list[Quad]]:
        # Under the writer's lock: the update reads the state it will change.
        try:
            return state.updates.delta(text, base_iri=endpoint)
        except StoreQueryError as exc:
            title = "Malformed update" if exc.syntax else "Update failed"
            sv = "Syntaxfel i uppdateringen" if exc.syntax else "Uppdateringen misslyckades"
            raise ProblemError(400, title, str(exc), sv=f"{sv}: {exc}") from exc

    outcome = await asyncio.to_thread(
        submit,
        state,
        principal,
        build=build,
        message=message or "SPARQL Update",
        dry_run=dry_run,
        if_match=if_match,
    )
    return outcome_response(request, outcome)
