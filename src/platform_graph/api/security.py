"""Bearer-token dependencies (``require(role)``, ``EditorDep``, ``AdminDep``) and /api/tokens.

Reads need no token. A route that writes takes ``EditorDep`` (or ``AdminDep``) as a parameter.
No token, or one that is not known: 401 with ``WWW-Authenticate: Bearer``; a known token whose
role is too low: 403. Every error is a problem document.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Request, Response, status
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from platform_graph.api.problems import ProblemError, problem
from platform_graph.auth import (
    NAME_MAX,
    ConfiguredToken,
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
        principal = registry.authenticate(credentials.credentials.strip())
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

    @classmethod
    def of(cls, info: TokenInfo) -> TokenOut:
        return cls(name=info.name, role=info.role, created=info.created, source=info.source)


class TokenCreate(BaseModel):
    name: str = Field(
        pattern=r"^[a-z0-9][a-z0-9._-]*$",
        min_length=1,
        max_length=NAME_MAX,
        description="Lower-case letters, digits, '.', '_' and '-'.",
    )
    role: Role


class TokenIssued(TokenOut):
    token: str = Field(description="The token: shown this once, only its hash is kept.")


def _problem(exc: Exception) -> ProblemError:
    if isinstance(exc, UnknownToken):
        return ProblemError(404, "Not found", str(exc))
    if isinstance(exc, TokenExists | ConfiguredToken):
        return ProblemError(409, "Conflict", str(exc))
    return ProblemError(422, "Invalid parameter", str(exc))


@tokens_router.get("", summary="The tokens (names, roles, dates; never hashes)")
def list_tokens(principal: AdminDep, registry: RegistryDep) -> list[TokenOut]:
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
        token = registry.issue(body.name, body.role)
        info = registry.get(body.name)
    except (TokenExists, InvalidTokenInput, UnknownToken) as exc:
        raise _problem(exc) from exc
    log.info("token %r (%s) issued by %r", body.name, body.role.value, principal.name)
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
