"""Workbench sign-in sessions: a data officer signs in once with a token, then works in
the browser with a session cookie instead of pasting the token into every request.

A session is as good as its token and no better: each time it is used, the token it was
opened with must still be valid (not revoked, not expired, not replaced by a new token of
the same name), so revoking a token ends its sessions at once, wherever they are. The
cookie's value is random; only its hash is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from platform_graph.write.tokens import Principal, Role, TokenRegistry, hash_token
from platform_graph.write.workbench_db import WorkbenchDB

__all__ = ["Session", "Sessions"]


@dataclass(frozen=True, slots=True)
class Session:
    id_hash: str
    principal: Principal
    csrf: str
    created: datetime
    expires: datetime

    def csrf_ok(self, offered: str | None) -> bool:
        return offered is not None and hmac.compare_digest(self.csrf, offered)


def _now() -> datetime:
    return datetime.now(UTC)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


class Sessions:
    def __init__(self, db: WorkbenchDB, tokens: TokenRegistry, hours: float) -> None:
        self.db = db
        self.tokens = tokens
        self.lifetime = timedelta(hours=hours)

    def open(self, token: str) -> tuple[str, Session] | None:
        """Sign in with a token: the new cookie value and its session, or None when the
        token is not valid (unknown, revoked or expired)."""
        principal = self.tokens.authenticate(token)
        if principal is None:
            return None
        value = secrets.token_urlsafe(32)
        now = _now()
        session = Session(
            id_hash=_digest(value),
            principal=principal,
            csrf=secrets.token_urlsafe(32),
            created=now,
            expires=now + self.lifetime,
        )
        with self.db.transaction() as db:
            # Expired sessions go when anyone signs in: the table never grows without end.
            db.execute("DELETE FROM session WHERE expires < ?", (now.isoformat(),))
            db.execute(
                "INSERT INTO session VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    session.id_hash,
                    hash_token(token),
                    principal.name,
                    principal.role.value,
                    session.csrf,
                    now.isoformat(),
                    session.expires.isoformat(),
                ),
            )
        return value, session

    def get(self, value: str | None) -> Session | None:
        """The live session a cookie names, or None (unknown, expired, signed out, or its
        token revoked, expired or changed role)."""
        if not value or len(value) > 200:
            return None
        rows = self.db.rows("SELECT * FROM session WHERE id_hash = ?", (_digest(value),))
        if not rows:
            return None
        row = rows[0]
        expires = datetime.fromisoformat(row["expires"])
        if expires <= _now():
            self._delete(row["id_hash"])
            return None
        principal = self.tokens.principal_for_digest(row["token_digest"])
        if principal is None or principal.name != row["name"]:
            self._delete(row["id_hash"])
            return None
        return Session(
            id_hash=row["id_hash"],
            # The token's role now, not when the session began.
            principal=Principal(principal.name, Role(principal.role)),
            csrf=row["csrf"],
            created=datetime.fromisoformat(row["created"]),
            expires=expires,
        )

    def close(self, value: str | None) -> None:
        """Sign out: the session ends here, whatever copies of the cookie exist."""
        if value:
            self._delete(_digest(value))

    def close_for(self, name: str) -> int:
        """End every session of a token's holder (when the token is revoked)."""
        with self.db.transaction() as db:
            return db.execute("DELETE FROM session WHERE name = ?", (name,)).rowcount

    def _delete(self, id_hash: str) -> None:
        with self.db.transaction() as db:
            db.execute("DELETE FROM session WHERE id_hash = ?", (id_hash,))
