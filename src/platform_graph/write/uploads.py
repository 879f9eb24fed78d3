"""Spreadsheets uploaded in the workbench, kept between the check and the "save" that
applies them: the data officer sees the report first, then saves exactly the file that
was checked (not a second upload). Each belongs to the session that uploaded it, and is
forgotten after a day."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from platform_graph.write.workbench_db import WorkbenchDB

__all__ = ["Upload", "Uploads"]

KEPT = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Upload:
    id: str
    media_type: str
    filename: str
    body: bytes


class Uploads:
    def __init__(self, db: WorkbenchDB) -> None:
        self.db = db

    def put(self, session: str, media_type: str, filename: str, body: bytes) -> Upload:
        upload = Upload(secrets.token_urlsafe(16), media_type, filename[:200], body)
        now = datetime.now(UTC)
        with self.db.transaction() as db:
            db.execute("DELETE FROM upload WHERE created < ?", ((now - KEPT).isoformat(),))
            db.execute(
                "INSERT INTO upload VALUES (?, ?, ?, ?, ?, ?)",
                (upload.id, session, now.isoformat(), media_type, upload.filename, body),
            )
        return upload

    def get(self, upload_id: str, session: str) -> Upload | None:
        """The upload, if this session made it and it is not too old."""
        rows = self.db.rows(
            "SELECT * FROM upload WHERE id = ? AND session_hash = ? AND created >= ?",
            (upload_id, session, (datetime.now(UTC) - KEPT).isoformat()),
        )
        if not rows:
            return None
        r = rows[0]
        return Upload(r["id"], r["media_type"], r["filename"], bytes(r["body"]))

    def forget(self, upload_id: str) -> None:
        with self.db.transaction() as db:
            db.execute("DELETE FROM upload WHERE id = ?", (upload_id,))
