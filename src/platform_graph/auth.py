"""Bearer tokens: who may write. Only hashes are kept; tokens are shown once, when issued.

Roles are ordered, each including the ones below it: ``admin`` ⊇ ``editor`` ⊇ ``reader``.
Tokens come from two places, none is built in:

* configuration: ``name:role:sha256hex`` entries separated by commas (``PLATFORM_GRAPH_TOKENS``),
  so that operators put hashes, never tokens, in the environment (see :func:`hash_token`);
* a JSON file of issued tokens (hashes only), written atomically with mode 0600.

The file is read again whenever it changes on disk, so a token issued or revoked from the
command line takes effect in a running service without a restart.
"""

from __future__ import annotations

import builtins
import contextlib
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import stat
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from platform_graph.errors import InputError, PlatformGraphError

__all__ = [
    "TOKEN_PREFIX",
    "ConfiguredToken",
    "InvalidTokenInput",
    "Principal",
    "Role",
    "TokenEntry",
    "TokenError",
    "TokenExists",
    "TokenInfo",
    "TokenRegistry",
    "UnknownToken",
    "generate_token",
    "hash_token",
    "parse_tokens",
    "validate_name",
    "validate_role",
]

log = logging.getLogger(__name__)

TOKEN_PREFIX = "pgt_"
NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]*")
NAME_MAX = 64
HASH_PATTERN = re.compile(r"[0-9a-f]{64}")
FILE_VERSION = 1
# A bearer token longer than this is not one of ours: do not spend time hashing it.
TOKEN_MAX = 4096


class Role(StrEnum):
    """What a token may do; each role includes the ones before it."""

    reader = "reader"
    editor = "editor"
    admin = "admin"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def includes(self, other: Role) -> bool:
        """True if this role may do everything ``other`` may (admin includes editor...)."""
        return self.rank >= other.rank


_RANKS = {role: rank for rank, role in enumerate(Role)}


class TokenError(PlatformGraphError):
    """A token operation that cannot be done; the message says why, never the token."""


class InvalidTokenInput(TokenError):
    """A bad token name, role, hash or configuration entry."""


class TokenExists(TokenError):
    """A token of that name exists already."""


class UnknownToken(TokenError):
    """No token of that name."""


class ConfiguredToken(TokenError):
    """The token comes from configuration: change the configuration, not the registry."""


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a request comes from: the token's name and role."""

    name: str
    role: Role

    def has(self, role: Role | str) -> bool:
        return self.role.includes(validate_role(role))


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """A token as listed: everything but its hash."""

    name: str
    role: Role
    created: datetime | None
    source: str  # "file" or "config"

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "role": self.role.value,
            "created": None if self.created is None else self.created.isoformat(),
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class TokenEntry:
    """A stored token: its name, role, the sha256 (hex) of the token and when it was made."""

    name: str
    role: Role
    sha256: str
    created: datetime | None = None
    source: str = "file"

    def __repr__(self) -> str:  # keep even the hash out of logs and tracebacks
        return f"TokenEntry(name={self.name!r}, role={self.role.value!r}, source={self.source!r})"

    def info(self) -> TokenInfo:
        return TokenInfo(self.name, self.role, self.created, self.source)


def hash_token(token: str) -> str:
    """The sha256 (hex) of a token: what configuration and the token file hold."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def generate_token() -> str:
    """A new random token: the prefix and 32 random bytes, URL-safe."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def validate_name(name: object) -> str:
    if not isinstance(name, str) or len(name) > NAME_MAX or not NAME_PATTERN.fullmatch(name):
        raise InvalidTokenInput(
            f"invalid token name {name!r}: lower-case letters, digits, '.', '_' and '-', "
            f"starting with a letter or digit, at most {NAME_MAX} characters"
        )
    return name


def validate_role(role: object) -> Role:
    if isinstance(role, str):
        with contextlib.suppress(ValueError):
            return Role(role)
    allowed = ", ".join(r.value for r in Role)
    raise InvalidTokenInput(f"invalid role {role!r}: one of {allowed}")


def _validate_hash(value: str) -> str:
    digest = value.strip().lower()
    if not HASH_PATTERN.fullmatch(digest):
        # Do not echo the value: an operator may have put the token itself here.
        raise InvalidTokenInput(
            "the hash must be a sha256 in hex, 64 characters "
            "(`platform-graph token hash` prints it)"
        )
    return digest


def parse_tokens(text: str) -> builtins.list[TokenEntry]:
    """Parse ``name:role:sha256hex`` entries separated by commas; blanks are skipped."""
    entries: list[TokenEntry] = []
    seen: set[str] = set()
    for number, item in enumerate(text.split(","), start=1):
        item = item.strip()
        if not item:
            continue
        parts = [p.strip() for p in item.split(":")]
        if len(parts) != 3:
            raise InvalidTokenInput(
                f"configured token #{number}: expected name:role:sha256hex, "
                f"got {len(parts)} part(s) separated by ':'"
            )
        name, role, digest = parts
        try:
            entry = TokenEntry(
                validate_name(name), validate_role(role), _validate_hash(digest), None, "config"
            )
        except InvalidTokenInput as exc:
            raise InvalidTokenInput(f"configured token #{number}: {exc}") from None
        if entry.name in seen:
            raise InvalidTokenInput(f"configured token #{number}: name {name!r} given twice")
        seen.add(entry.name)
        entries.append(entry)
    return entries


def _stamp(path: Path) -> tuple[int, int, int] | None:
    """What tells us the file changed: inode, size and modification time; None if absent."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def _read_file(path: Path) -> builtins.list[TokenEntry]:
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the token file: {exc}", source=source) from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"not JSON: {exc.msg}", source=source, line=exc.lineno) from exc
    if not isinstance(data, dict) or not isinstance(data.get("tokens"), list):
        raise InputError('expected an object with a "tokens" list', source=source)
    if data.get("version") != FILE_VERSION:
        raise InputError(f"unknown version {data.get('version')!r}", source=source)
    entries: list[TokenEntry] = []
    seen: set[str] = set()
    for number, item in enumerate(data["tokens"], start=1):
        try:
            if not isinstance(item, dict):
                raise InvalidTokenInput("expected an object")
            created = item.get("created")
            entry = TokenEntry(
                validate_name(item.get("name")),
                validate_role(item.get("role")),
                _validate_hash(str(item.get("sha256", ""))),
                None if created is None else datetime.fromisoformat(created),
            )
        except (InvalidTokenInput, TypeError, ValueError) as exc:
            raise InputError(f"token #{number}: {exc}", source=source) from None
        if entry.name in seen:
            raise InputError(f"token #{number}: name {entry.name!r} given twice", source=source)
        seen.add(entry.name)
        entries.append(entry)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        log.warning("the token file %s is open to others (mode %o); expected 0600", path, mode)
    return entries


def _write_file(path: Path, entries: Iterable[TokenEntry]) -> None:
    """Write the file atomically: a private temporary file beside it, then os.replace."""
    data = {
        "version": FILE_VERSION,
        "tokens": [
            {
                "name": e.name,
                "role": e.role.value,
                "sha256": e.sha256,
                "created": None if e.created is None else e.created.isoformat(),
            }
            for e in entries
        ],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            os.fchmod(out.fileno(), 0o600)
            json.dump(data, out, indent=2)
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


class TokenRegistry:
    """The known tokens, by name; configuration entries first, then the file's.

    ``path`` is the token file (None: issued tokens live in memory only); ``configured`` is
    the configuration string of ``name:role:sha256hex`` entries. Safe to share between threads.
    """

    def __init__(self, path: Path | None = None, configured: str = "") -> None:
        self.path = path
        self._configured = parse_tokens(configured)
        self._lock = threading.Lock()
        self._issued: list[TokenEntry] = []
        self._stamp: tuple[int, int, int] | None = None
        with self._lock:
            self._load()

    # -- reading -----------------------------------------------------------------------------

    def _load(self) -> None:
        """(Re)read the file. Call with the lock held."""
        if self.path is None:
            return
        stamp = _stamp(self.path)
        entries = _read_file(self.path) if stamp is not None else []
        clash = {e.name for e in entries} & {e.name for e in self._configured}
        if clash:
            raise InputError(
                f"token name(s) {', '.join(sorted(clash))} both configured and in the file",
                source=str(self.path),
            )
        self._issued = entries
        self._stamp = stamp

    def _refresh(self) -> None:
        """Read the file again if it changed on disk (another process issued or revoked)."""
        if self.path is not None and _stamp(self.path) != self._stamp:
            self._load()

    def _entries(self) -> tuple[TokenEntry, ...]:
        with self._lock:
            self._refresh()
            return (*self._configured, *self._issued)

    def authenticate(self, token: str) -> Principal | None:
        """The principal a token belongs to, or None. Compares with every entry, in constant
        time per entry, without stopping at a match."""
        if not isinstance(token, str) or not token or len(token) > TOKEN_MAX:
            return None
        digest = hash_token(token)
        found: TokenEntry | None = None
        for entry in self._entries():
            match = hmac.compare_digest(entry.sha256, digest)
            if match and found is None:
                found = entry
        return None if found is None else Principal(found.name, found.role)

    def get(self, name: str) -> TokenInfo:
        for entry in self._entries():
            if entry.name == name:
                return entry.info()
        raise UnknownToken(f"no token named {name!r}")

    def __contains__(self, name: object) -> bool:
        return any(entry.name == name for entry in self._entries())

    def __len__(self) -> int:
        return len(self._entries())

    # -- changing ----------------------------------------------------------------------------

    def _save(self, entries: builtins.list[TokenEntry]) -> None:
        """Write and adopt ``entries``; on failure nothing changes. Call with the lock held."""
        if self.path is not None:
            _write_file(self.path, entries)
            self._stamp = _stamp(self.path)
        self._issued = entries

    def issue(self, name: str, role: Role | str) -> str:
        """Create a token and return it: the only time it is seen; only its hash is kept."""
        name = validate_name(name)
        the_role = validate_role(role)
        with self._lock:
            self._refresh()
            if any(e.name == name for e in (*self._configured, *self._issued)):
                raise TokenExists(f"a token named {name!r} exists already")
            token = generate_token()
            created = datetime.now(UTC).replace(microsecond=0)
            entry = TokenEntry(name, the_role, hash_token(token), created)
            self._save([*self._issued, entry])
        log.info("issued token %r (%s)", name, the_role.value)
        return token

    def revoke(self, name: str) -> None:
        """Forget a token; it stops working at once."""
        with self._lock:
            self._refresh()
            if any(e.name == name for e in self._configured):
                raise ConfiguredToken(
                    f"the token {name!r} is configured (PLATFORM_GRAPH_TOKENS): "
                    "remove it there and restart"
                )
            kept = [e for e in self._issued if e.name != name]
            if len(kept) == len(self._issued):
                raise UnknownToken(f"no token named {name!r}")
            self._save(kept)
        log.info("revoked token %r", name)

    def list(self) -> builtins.list[TokenInfo]:
        """The tokens, configured ones first, without their hashes."""
        return [entry.info() for entry in self._entries()]
