"""Bearer-token dependencies (``require(role)``, ``EditorDep``, ``AdminDep``) and /api/tokens.

Reads need no token. A route that writes takes ``EditorDep`` (or ``AdminDep``) as a parameter.
No token, one that is not known, or one that has expired: 401 with ``WWW-Authenticate:
Bearer``; a known token whose role is too low: 403. Every error is a problem document.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Request, Response, status
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from platform_graph.http.problems import ProblemError, problem
from platform_graph.write.tokens import (
    EXPIRY_MAX_DAYS,
    NAME_MAX,
    ConfiguredToken,
    ExpiredToken,
    InvalidTokenInput,
    Principal,
    Role,
    TokenExists,
    TokenInfo,
    TokenRegistry,
    UnknownToken,
    validate_role,
)

__all__ = [
    "AdminDep",
    "AuthProblem",
    "EditorDep",
    "ReaderDep",
    "get_registry",
    "install_handlers",
    "require",
    "tokens_router",
]

log = logging.getLogger(__name__)

REALM = "platform-graph"

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="A token from `platform-graph token create` or an administrator.",
)


class AuthProblem(ProblemError):
    """A problem document that also carries a ``WWW-Authenticate`` header."""

    def __init__(self, status: int, title: str, detail: str, challenge: str) -> None:
        super().__init__(status, title, detail)
        self.headers = {"WWW-Authenticate": challenge}


def install_handlers(app: FastAPI) -> None:
    """Answer AuthProblem with its header. Without it, the ProblemError handler answers (same
    status and body, no header)."""

    @app.exception_handler(AuthProblem)
    async def _auth_problem(_: Request, exc: AuthProblem) -> JSONResponse:
        response = problem(exc.status, exc.title, exc.detail)
        response.headers.update(exc.headers)
        return response


def get_registry(request: Request) -> TokenRegistry:
    registry: TokenRegistry = request.app.state.platform.tokens
    return registry


RegistryDep = Annotated[TokenRegistry, Depends(get_registry)]
CredentialsDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def _unauthorized(detail: str, error: str | None = None) -> AuthProblem:
    challenge = f'Bearer realm="{REALM}"'
    if error:
        challenge += f', error="{error}"'
    return AuthProblem(status.HTTP_401_UNAUTHORIZED, "Unauthorized", detail, challenge)


def require(role: Role | str) -> Callable[..., Principal]:
    """A dependency: the request's Principal, whose role includes ``role``; else 401 or 403."""
    needed = validate_role(role)

    def dependency(credentials: CredentialsDep, registry: RegistryDep) -> Principal:
        if credentials is None:
            raise _unauthorized(
                f"this requires a token with the {needed.value} role: "
                "send the header 'Authorization: Bearer <token>'"
            )
        try:
            principal = registry.check(credentials.credentials.strip())
        except ExpiredToken as exc:
            raise _unauthorized(
                f"the bearer token has expired (at {exc.expires.isoformat()}): "
                "ask an administrator for a new one",
                "invalid_token",
            ) from None
        if principal is None:
            raise _unauthorized("the bearer token is not valid or was revoked", "invalid_token")
        if not principal.role.includes(needed):
            raise AuthProblem(
                status.HTTP_403_FORBIDDEN,
                "Forbidden",
                f"the token {principal.name!r} has the {principal.role.value} role; "
                f"this requires {needed.value}",
                f'Bearer realm="{REALM}", error="insufficient_scope"',
            )
        return principal

    dependency.__name__ = f"require_{needed.value}"
    return dependency


ReaderDep = Annotated[Principal, Depends(require(Role.reader))]
EditorDep = Annotated[Principal, Depends(require(Role.editor))]
AdminDep = Annotated[Principal, Depends(require(Role.admin))]


# -- /api/tokens -----------------------------------------------------------------------------

tokens_router = APIRouter(prefix="/api/tokens", tags=["Tokens"])


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


@tokens_router.get("", summary="The tokens (names, roles, dates, expiries; never hashes)")
def list_tokens(principal: AdminDep, registry: RegistryDep, response: Response) -> list[TokenOut]:
    # Not the dataset's data: no ETag, and no cache may keep it.
    response.headers["Cache-Control"] = "no-store"
    return [TokenOut.of(info) for info in registry.list()]


@tokens_router.post(
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


@tokens_router.delete(
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
