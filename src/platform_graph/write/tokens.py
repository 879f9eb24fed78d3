"""Bearer tokens: who may write. Only hashes are kept; tokens are shown once, when issued.

Roles are ordered, each including the ones below it: ``admin`` ⊇ ``editor`` ⊇ ``reader``.
Tokens come from two places, none is built in:

* configuration: ``name:role:sha256hex`` entries separated by commas (``PLATFORM_GRAPH_TOKENS``),
  so that operators put hashes, never tokens, in the environment (see :func:`hash_token`);
* a JSON file of issued tokens (hashes only), written atomically with mode 0600.

An issued token may carry an expiry (UTC); past it the token no longer authenticates, but it
stays listed (with its expiry) until revoked. Files written before expiries existed, and
configured tokens, have none.

The file is read again whenever it changes on disk, so a token issued or revoked from the
command line takes effect in a running service without a restart.
"""

from __future__ import annotations

import builtins
import contextlib
import fcntl
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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from platform_graph.errors import InputError, PlatformGraphError

__all__ = [
    "TOKEN_PREFIX",
    "ConfiguredToken",
    "ExpiredToken",
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
    "normalize_expiry",
    "parse_expiry",
    "parse_tokens",
    "validate_name",
    "validate_role",
]

log = logging.getLogger(__name__)

TOKEN_PREFIX = "pgt_"
NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]*")
NAME_MAX = 64
HASH_PATTERN = re.compile(r"[0-9a-f]{64}")
FILE_VERSION = 2
# Version 2 adds expiry; a version 1 file (no expiries) still reads. A build that knows
# only version 1 refuses a version 2 file rather than ignore the expiries in it.
READABLE_VERSIONS = (1, 2)
# A bearer token longer than this is not one of ours: do not spend time hashing it.
TOKEN_MAX = 4096
# The longest lifetime a relative expiry (``30d``, ``expires_in_days``) may give: ten years.
EXPIRY_MAX_DAYS = 3650
DURATION_PATTERN = re.compile(r"(\d{1,9})([dhm])")
_DURATION_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def _now() -> datetime:
    """The current time, in UTC (a function, so that tests can move the clock)."""
    return datetime.now(UTC)


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


class ExpiredToken(TokenError):
    """The token matched an entry whose expiry has passed."""

    def __init__(self, name: str, expires: datetime) -> None:
        super().__init__(f"the token {name!r} expired at {expires.isoformat()}")
        self.name = name
        self.expires = expires


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
    expires: datetime | None = None

    def expired(self, now: datetime | None = None) -> bool:
        return self.expires is not None and (now or _now()) >= self.expires

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "role": self.role.value,
            "created": None if self.created is None else self.created.isoformat(),
            "source": self.source,
            "expires": None if self.expires is None else self.expires.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class TokenEntry:
    """A stored token: its name, role, the sha256 (hex) of the token, when it was made and
    when it expires (UTC; None: never)."""

    name: str
    role: Role
    sha256: str
    created: datetime | None = None
    source: str = "file"
    expires: datetime | None = None

    def __repr__(self) -> str:  # keep even the hash out of logs and tracebacks
        return (
            f"TokenEntry(name={self.name!r}, role={self.role.value!r}, "
            f"source={self.source!r}, expires={self.expires!r})"
        )

    def expired(self, now: datetime | None = None) -> bool:
        return self.expires is not None and (now or _now()) >= self.expires

    def info(self) -> TokenInfo:
        return TokenInfo(self.name, self.role, self.created, self.source, self.expires)


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


def normalize_expiry(expires: datetime) -> datetime:
    """An expiry in UTC; a naive datetime is taken to be UTC already."""
    if not isinstance(expires, datetime):
        raise InvalidTokenInput(f"invalid expiry {expires!r}: expected a date and time")
    if expires.tzinfo is None or expires.utcoffset() is None:
        return expires.replace(tzinfo=UTC)
    try:
        return expires.astimezone(UTC)
    except OverflowError:
        raise InvalidTokenInput(f"invalid expiry {expires.isoformat()}: out of range") from None


def parse_expiry(text: str, now: datetime | None = None) -> datetime:
    """When a token given ``text`` expires: a duration from now (``30d``, ``12h``, ``90m``:
    days, hours, minutes, at most ten years) or an ISO 8601 date (``2027-01-01``: midnight
    UTC) or date and time (without an offset: UTC). It must be in the future."""
    now = now or _now()
    value = text.strip()
    if match := DURATION_PATTERN.fullmatch(value):
        amount, unit = int(match.group(1)), match.group(2)
        delta = timedelta(**{_DURATION_UNITS[unit]: amount})
        if not timedelta(0) < delta <= timedelta(days=EXPIRY_MAX_DAYS):
            raise InvalidTokenInput(
                f"invalid expiry {text!r}: a duration must be more than 0 "
                f"and at most {EXPIRY_MAX_DAYS} days"
            )
        return (now + delta).replace(microsecond=0)
    try:
        expires = normalize_expiry(datetime.fromisoformat(value))
    except ValueError:
        raise InvalidTokenInput(
            f"invalid expiry {text!r}: expected a duration such as 30d, 12h or 90m, "
            "or an ISO 8601 date such as 2027-01-01"
        ) from None
    if expires <= now:
        raise InvalidTokenInput(
            f"invalid expiry {text!r}: {expires.isoformat()} is not in the future"
        )
    return expires


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
    if data.get("version") not in READABLE_VERSIONS:
        raise InputError(f"unknown version {data.get('version')!r}", source=source)
    entries: list[TokenEntry] = []
    seen: set[str] = set()
    for number, item in enumerate(data["tokens"], start=1):
        try:
            if not isinstance(item, dict):
                raise InvalidTokenInput("expected an object")
            created = item.get("created")
            expires = item.get("expires")  # absent from files older than expiries
            entry = TokenEntry(
                validate_name(item.get("name")),
                validate_role(item.get("role")),
                _validate_hash(str(item.get("sha256", ""))),
                None if created is None else datetime.fromisoformat(created),
                expires=None
                if expires is None
                else normalize_expiry(datetime.fromisoformat(expires)),
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
                "expires": None if e.expires is None else e.expires.isoformat(),
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

    def check(self, token: str) -> Principal | None:
        """The principal a token belongs to, or None if it is not known; ExpiredToken if the
        entry it matches has expired. Compares with every entry, in constant time per entry,
        without stopping at a match; the first match decides, expired or not."""
        if not isinstance(token, str) or not token or len(token) > TOKEN_MAX:
            return None
        digest = hash_token(token)
        found: TokenEntry | None = None
        for entry in self._entries():
            match = hmac.compare_digest(entry.sha256, digest)
            if match and found is None:
                found = entry
        if found is None:
            return None
        if found.expires is not None and found.expired():
            raise ExpiredToken(found.name, found.expires)
        return Principal(found.name, found.role)

    def principal_for_digest(self, digest: str) -> Principal | None:
        """The principal whose token has this sha256, if it is still valid (known, not
        revoked, not expired): how a workbench session checks the token it began with."""
        for entry in self._entries():
            if hmac.compare_digest(entry.sha256, digest):
                if entry.expires is not None and entry.expired():
                    return None
                return Principal(entry.name, entry.role)
        return None

    def authenticate(self, token: str) -> Principal | None:
        """The principal a token belongs to, or None (unknown or expired): see :meth:`check`."""
        try:
            return self.check(token)
        except ExpiredToken:
            return None

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

    @contextlib.contextmanager
    def _file_lock(self) -> Iterator[None]:
        """Hold the token file's lock and read it afresh: another process (a second
        service worker, the command line) may be issuing or revoking at the same time,
        and neither may write over the other's change."""
        if self.path is None:
            yield
            return
        lock_path = self.path.with_name(self.path.name + ".lock")
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        with open(lock_path, "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                self._load()
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _save(self, entries: builtins.list[TokenEntry]) -> None:
        """Write and adopt ``entries``; on failure nothing changes. Call with the lock held."""
        if self.path is not None:
            _write_file(self.path, entries)
            self._stamp = _stamp(self.path)
        self._issued = entries

    def issue(self, name: str, role: Role | str, expires: datetime | None = None) -> str:
        """Create a token and return it: the only time it is seen; only its hash is kept.

        ``expires``: when it stops working (a naive datetime is UTC); it must be in the
        future. None: it works until revoked."""
        name = validate_name(name)
        the_role = validate_role(role)
        until = None if expires is None else normalize_expiry(expires)
        now = _now()
        if until is not None and until <= now:
            raise InvalidTokenInput(f"the expiry {until.isoformat()} is not in the future")
        with self._lock, self._file_lock():
            if any(e.name == name for e in (*self._configured, *self._issued)):
                raise TokenExists(f"a token named {name!r} exists already")
            token = generate_token()
            created = now.replace(microsecond=0)
            entry = TokenEntry(name, the_role, hash_token(token), created, expires=until)
            self._save([*self._issued, entry])
        log.info(
            "issued token %r (%s), expires %s",
            name,
            the_role.value,
            "never" if until is None else until.isoformat(),
        )
        return token

    def revoke(self, name: str) -> None:
        """Forget a token; it stops working at once."""
        with self._lock, self._file_lock():
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
