"""``/api/tokens``: an administrator issues, lists and revokes bearer tokens."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Response, status
from pydantic import BaseModel, Field

from platform_graph.http.auth import AdminDep, get_registry
from platform_graph.http.params import strict_query
from platform_graph.http.problems import ProblemError
from platform_graph.write.tokens import (
    EXPIRY_MAX_DAYS,
    NAME_MAX,
    ConfiguredToken,
    InvalidTokenInput,
    Role,
    TokenExists,
    TokenInfo,
    TokenRegistry,
    UnknownToken,
)

__all__ = ["router"]

log = logging.getLogger(__name__)

RegistryDep = Annotated[TokenRegistry, Depends(get_registry)]

# -- /api/tokens -----------------------------------------------------------------------------

router = APIRouter(prefix="/api/tokens", tags=["Tokens"], dependencies=[Depends(strict_query)])


class TokenOut(BaseModel):
    name: str
    role: Role
    created: datetime | None
    source: str = Field(description="`file`: issued; `config`: from PLATFORM_GRAPH_TOKENS.")
    expires: datetime | None = Field(
        description="When the token stops working (UTC); null: when it is revoked."
    )

    @classmethod
    def of(cls, info: TokenInfo) -> TokenOut:
        return cls(
            name=info.name,
            role=info.role,
            created=info.created,
            source=info.source,
            expires=info.expires,
        )


class TokenCreate(BaseModel):
    name: str = Field(
        pattern=r"^[a-z0-9][a-z0-9._-]*$",
        min_length=1,
        max_length=NAME_MAX,
        description="Lower-case letters, digits, '.', '_' and '-'.",
    )
    role: Role
    expires: datetime | None = Field(
        None,
        description="When the token stops working: an ISO 8601 date and time (without an "
        "offset: UTC) or date (midnight UTC), in the future.",
    )
    expires_in_days: int | None = Field(
        None,
        ge=1,
        le=EXPIRY_MAX_DAYS,
        description="Or: how many days from now the token stops working. Neither: never.",
    )

    def expiry(self) -> datetime | None:
        if self.expires is not None and self.expires_in_days is not None:
            raise InvalidTokenInput("give expires or expires_in_days, not both")
        if self.expires_in_days is not None:
            return datetime.now(UTC).replace(microsecond=0) + timedelta(days=self.expires_in_days)
        return self.expires


class TokenIssued(TokenOut):
    token: str = Field(description="The token: shown this once, only its hash is kept.")


def _problem(exc: Exception) -> ProblemError:
    if isinstance(exc, UnknownToken):
        return ProblemError(404, "Not found", str(exc))
    if isinstance(exc, TokenExists | ConfiguredToken):
        return ProblemError(409, "Conflict", str(exc))
    return ProblemError(422, "Invalid parameter", str(exc))


@router.get("", summary="The tokens (names, roles, dates, expiries; never hashes)")
def list_tokens(principal: AdminDep, registry: RegistryDep, response: Response) -> list[TokenOut]:
    # Not the dataset's data: no ETag, and no cache may keep it.
    response.headers["Cache-Control"] = "no-store"
    return [TokenOut.of(info) for info in registry.list()]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Issue a token; the answer holds it, once",
    responses={409: {"description": "A token of that name exists"}},
)
def create_token(
    body: TokenCreate, principal: AdminDep, registry: RegistryDep, response: Response
) -> TokenIssued:
    try:
        token = registry.issue(body.name, body.role, expires=body.expiry())
        info = registry.get(body.name)
    except (TokenExists, InvalidTokenInput, UnknownToken) as exc:
        raise _problem(exc) from exc
    log.info(
        "token %r (%s, expires %s) issued by %r",
        body.name,
        body.role.value,
        "never" if info.expires is None else info.expires.isoformat(),
        principal.name,
    )
    response.headers["Cache-Control"] = "no-store"
    return TokenIssued(**TokenOut.of(info).model_dump(), token=token)


@router.delete(
    "/{name}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke a token; it stops working at once",
    responses={404: {"description": "No token of that name"}},
)
def revoke_token(name: str, principal: AdminDep, registry: RegistryDep) -> Response:
    try:
        registry.revoke(name)
    except (UnknownToken, ConfiguredToken) as exc:
        raise _problem(exc) from exc
    log.info("token %r revoked by %r", name, principal.name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
