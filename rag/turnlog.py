"""The turn log: one SQLite row per question asked, and the feedback given on it.

Questions and answers are stored as the guards passed them on (PII already redacted),
and every text column is redacted again on the way in, whatever the caller passed: the
log never holds raw PII, even when a caller forgets.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rag.answer import Answer
from rag.db import Migration, connect, migrate
from rag.errors import CoursebotError
from safety.pii import redact_pii

MIGRATIONS: list[Migration] = [
    (
        "m001_turns",
        """
        CREATE TABLE turns (
            id INTEGER PRIMARY KEY,
            ts TEXT NOT NULL,
            session_id TEXT,
            arm TEXT NOT NULL DEFAULT 'default',
            question TEXT NOT NULL,
            resolved_question TEXT,
            answer TEXT NOT NULL,
            abstained INTEGER NOT NULL,
            refused INTEGER NOT NULL,
            refusal_policy TEXT,
            retrieved TEXT NOT NULL,
            top_score REAL,
            support_min REAL,
            support_mean REAL,
            safety TEXT,
            watermark TEXT,
            timings TEXT NOT NULL,
            usage TEXT NOT NULL,
            total_s REAL,
            model TEXT,
            settings_hash TEXT
        );
        CREATE INDEX turns_ts ON turns (ts);
        CREATE INDEX turns_session ON turns (session_id)
        """,
    ),
    (
        "m002_feedback",
        """
        CREATE TABLE feedback (
            id INTEGER PRIMARY KEY,
            turn_id INTEGER NOT NULL REFERENCES turns (id),
            ts TEXT NOT NULL,
            value INTEGER NOT NULL CHECK (value IN (-1, 1)),
            comment TEXT
        );
        CREATE INDEX feedback_turn ON feedback (turn_id)
        """,
    ),
]


class UnknownTurn(CoursebotError):
    """Feedback was given on a turn that is not in the log."""


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _redacted(value: Any) -> Any:
    """`value` with personal data redacted from every string inside it (JSON-like data)."""
    if isinstance(value, str):
        return redact_pii(value)
    if isinstance(value, dict):
        return {key: _redacted(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_redacted(item) for item in value]
    return value


def _redacted_text(value: str | None) -> str | None:
    return None if value is None else redact_pii(value)


def _redacted_json(value: Any) -> str:
    return json.dumps(_redacted(value), ensure_ascii=False, separators=(",", ":"))


class TurnLog:
    """Append-only log of turns and feedback, safe to use from several threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn = connect(path)
        self._lock = threading.Lock()
        with self._lock:
            migrate(self._conn, MIGRATIONS)

    def log(
        self,
        answer: Answer,
        *,
        logged_question: str,
        session_id: str | None = None,
        arm: str = "default",
    ) -> int:
        """Store one turn; `logged_question` is the PII-redacted question (redacted again
        here, with every other text column, in case it is not)."""
        supports = [s.score for s in answer.sentences if s.text and s.text in answer.text]
        row = (
            utc_now(),
            _redacted_text(session_id),
            redact_pii(arm),
            redact_pii(logged_question),
            redact_pii(answer.resolved_question),
            redact_pii(answer.text),
            int(answer.abstained),
            int(answer.refused),
            _redacted_text(answer.safety.policy),
            json.dumps(
                [
                    {
                        "chunk_id": p.chunk_id,
                        "dense": round(p.dense_score, 4),
                        "keyword": round(p.keyword_score, 4),
                        "fused": round(p.fused_score, 5),
                    }
                    for p in answer.passages
                ]
            ),
            max((p.dense_score for p in answer.passages), default=None),
            min(supports) if supports else None,
            sum(supports) / len(supports) if supports else None,
            _redacted_json(answer.safety.model_dump(mode="json")),
            _redacted_json(answer.watermark.model_dump(mode="json"))
            if answer.watermark is not None
            else None,
            answer.timings.model_dump_json(),
            answer.usage.model_dump_json(),
            answer.timings.total_s,
            redact_pii(answer.model),
            answer.settings_hash,
        )
        with self._lock:
            cur = self._conn.execute(
                "INSERT INTO turns (ts, session_id, arm, question, resolved_question, answer,"
                " abstained, refused, refusal_policy, retrieved, top_score, support_min,"
                " support_mean, safety, watermark, timings, usage, total_s, model,"
                " settings_hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                row,
            )
        return int(cur.lastrowid or 0)

    def add_feedback(self, turn_id: int, value: int, comment: str | None = None) -> int:
        """Record a thumbs up (+1) or down (-1) with an optional comment."""
        if value not in (-1, 1):
            raise ValueError("feedback value must be +1 or -1")
        with self._lock:
            if (
                self._conn.execute("SELECT 1 FROM turns WHERE id = ?", (turn_id,)).fetchone()
                is None
            ):
                raise UnknownTurn(f"No turn with id {turn_id} in {self.path}")
            cur = self._conn.execute(
                "INSERT INTO feedback (turn_id, ts, value, comment) VALUES (?,?,?,?)",
                (turn_id, utc_now(), value, _redacted_text((comment or "").strip() or None)),
            )
        return int(cur.lastrowid or 0)

    def turns(self, since: str | None = None, limit: int | None = None) -> Iterator[dict[str, Any]]:
        """Turns in time order (newest last), optionally since an ISO timestamp."""
        sql = "SELECT * FROM turns"
        params: list[Any] = []
        if since:
            sql += " WHERE ts >= ?"
            params.append(since)
        if limit:
            sql = f"SELECT * FROM ({sql} ORDER BY id DESC LIMIT ?) ORDER BY id"
            params.append(limit)
        else:
            sql += " ORDER BY id"
        with self._lock:
            rows = self._conn.execute(sql, params).fetchall()
        for row in rows:
            yield dict(row)

    def feedback(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(r) for r in self._conn.execute("SELECT * FROM feedback ORDER BY id")]

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def open_readonly(path: Path) -> sqlite3.Connection:
    """Open an existing turn log for reports without creating or migrating it."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30.0)
    conn.row_factory = sqlite3.Row
    return conn
