"""Bearer-token dependencies: ``require(role)``, ``EditorDep``, ``AdminDep``.

Reads need no token. A route that writes takes ``EditorDep`` (or ``AdminDep``) as a parameter.
No token, one that is not known, or one that has expired: 401 with ``WWW-Authenticate:
Bearer``; a known token whose role is too low: 403. Every error is a problem document.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, FastAPI, Request, status
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from platform_graph.http.problems import ProblemError, problem
from platform_graph.write.tokens import (
    ExpiredToken,
    Principal,
    Role,
    TokenRegistry,
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
]


REALM = "platform-graph"

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="A token from `platform-graph token create` or an administrator.",
)


class AuthProblem(ProblemError):
    """A problem document that also carries a ``WWW-Authenticate`` header."""

    def __init__(self, status: int, title: str, detail: str, challenge: str, sv: str) -> None:
        super().__init__(status, title, detail, sv=sv)
        self.headers = {"WWW-Authenticate": challenge}


def install_handlers(app: FastAPI) -> None:
    """Answer AuthProblem with its header. Without it, the ProblemError handler answers (same
    status and body, no header)."""

    @app.exception_handler(AuthProblem)
    async def _auth_problem(_: Request, exc: AuthProblem) -> JSONResponse:
        response = problem(exc.status, exc.title, exc.detail, sv=exc.sv)
        response.headers.update(exc.headers)
        return response


def get_registry(request: Request) -> TokenRegistry:
    registry: TokenRegistry = request.app.state.platform.tokens
    return registry


RegistryDep = Annotated[TokenRegistry, Depends(get_registry)]
CredentialsDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def _unauthorized(detail: str, sv: str, error: str | None = None) -> AuthProblem:
    challenge = f'Bearer realm="{REALM}"'
    if error:
        challenge += f', error="{error}"'
    return AuthProblem(status.HTTP_401_UNAUTHORIZED, "Unauthorized", detail, challenge, sv)


def require(role: Role | str) -> Callable[..., Principal]:
    """A dependency: the request's Principal, whose role includes ``role``; else 401 or 403."""
    needed = validate_role(role)

    def dependency(credentials: CredentialsDep, registry: RegistryDep) -> Principal:
        if credentials is None:
            raise _unauthorized(
                f"this requires a token with the {needed.value} role: "
                "send the header 'Authorization: Bearer <token>'",
                f"Det här kräver en nyckel (token) med rollen {needed.value}: skicka "
                "huvudet 'Authorization: Bearer <nyckel>'.",
            )
        try:
            principal = registry.check(credentials.credentials.strip())
        except ExpiredToken as exc:
            raise _unauthorized(
                f"the bearer token has expired (at {exc.expires.isoformat()}): "
                "ask an administrator for a new one",
                f"Nyckeln har gått ut ({exc.expires.isoformat()}): be en administratör om en ny.",
                "invalid_token",
            ) from None
        if principal is None:
            raise _unauthorized(
                "the bearer token is not valid or was revoked",
                "Nyckeln är inte giltig eller har återkallats.",
                "invalid_token",
            )
        if not principal.role.includes(needed):
            raise AuthProblem(
                status.HTTP_403_FORBIDDEN,
                "Forbidden",
                f"the token {principal.name!r} has the {principal.role.value} role; "
                f"this requires {needed.value}",
                f'Bearer realm="{REALM}", error="insufficient_scope"',
                f"Nyckeln {principal.name!r} har rollen {principal.role.value}; det här kräver "
                f"rollen {needed.value}.",
            )
        return principal

    dependency.__name__ = f"require_{needed.value}"
    return dependency


ReaderDep = Annotated[Principal, Depends(require(Role.reader))]
EditorDep = Annotated[Principal, Depends(require(Role.editor))]
AdminDep = Annotated[Principal, Depends(require(Role.admin))]
