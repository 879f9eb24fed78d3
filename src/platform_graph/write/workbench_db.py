"""The workbench's own small database: sign-in sessions, proposals awaiting review, and
spreadsheets uploaded for a check before they are applied.

None of it is graph data: a session is not a fact about the platform, and a proposal is
not public until it is approved (then it is a change in the graph's change log). SQLite
(the standard library's) keeps it durable and safe for several processes on one machine,
one file beside the store; without a file it lives in memory (tests, a throwaway server).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["WorkbenchDB"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS session (
    id_hash TEXT PRIMARY KEY,          -- sha256 of the cookie's value: a copy of the file
                                       -- gives no one a working session
    token_digest TEXT NOT NULL,        -- which token signed in (its sha256, as tokens.json)
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    csrf TEXT NOT NULL,
    created TEXT NOT NULL,
    expires TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS session_by_name ON session(name);
CREATE TABLE IF NOT EXISTS proposal (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    author TEXT NOT NULL,
    created TEXT NOT NULL,
    message TEXT NOT NULL,
    payload TEXT NOT NULL,             -- JSON: what to recompute the change from
    removed TEXT NOT NULL,             -- N-Quads lines, as proposed (for the reviewer)
    added TEXT NOT NULL,
    resources TEXT NOT NULL,           -- JSON list of the IRIs it is about
    state TEXT NOT NULL DEFAULT 'open',
    reviewer TEXT,
    comment TEXT,
    decided TEXT,
    change INTEGER
);
CREATE TABLE IF NOT EXISTS upload (
    id TEXT PRIMARY KEY,
    session_hash TEXT NOT NULL,
    created TEXT NOT NULL,
    media_type TEXT NOT NULL,
    filename TEXT NOT NULL,
    body BLOB NOT NULL
);
"""


class WorkbenchDB:
    """One SQLite database, shared by the threads of a process (one lock) and by the
    processes on one machine (SQLite's own locking, WAL)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(
            ":memory:" if path is None else str(path),
            check_same_thread=False,
            isolation_level=None,  # transactions are explicit (BEGIN IMMEDIATE below)
            timeout=10,
        )
        self._conn.row_factory = sqlite3.Row
        self._lock = threading.Lock()
        with self._lock:
            if path is not None:
                self._conn.execute("PRAGMA journal_mode=WAL")
                # An accepted proposal or a new session survives a crash of the machine.
                self._conn.execute("PRAGMA synchronous=FULL")
                path.chmod(0o600)
            self._conn.executescript(_SCHEMA)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """The connection inside one write transaction (all or nothing)."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def rows(self, sql: str, params: tuple[object, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return list(self._conn.execute(sql, params))

    def close(self) -> None:
        with self._lock:
            self._conn.close()
