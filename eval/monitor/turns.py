"""Reading the turn log for reports: typed records, time windows, corrupt rows counted."""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from eval.monitor.errors import BadWindow, TurnLogMissing
from rag.turnlog import open_readonly

FAIL_CLOSED_POLICY = "safety-check-failed"
"""The refusal policy a guard names when a check could not judge (safety.guards)."""

_WINDOW = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_window(text: str) -> timedelta:
    """`30m`, `1h`, `1d`, `2w` -> a timedelta."""
    match = _WINDOW.match(text)
    if not match or float(match.group(1)) <= 0:
        raise BadWindow(
            f"Cannot read the window {text!r}: use a number and a unit, e.g. 1h, 1d, 7d."
        )
    return timedelta(seconds=float(match.group(1)) * _UNIT_SECONDS[match.group(2)])


@dataclass(frozen=True)
class Turn:
    """One logged turn, parsed; only the columns reports need."""

    id: int
    ts: datetime
    session_id: str | None
    arm: str
    question: str
    answer: str
    abstained: bool
    refused: bool
    refusal_policy: str | None
    chunk_ids: tuple[str, ...]
    top_score: float | None
    support_min: float | None
    support_mean: float | None
    total_s: float | None
    first_token_s: float | None
    feedback: int | None = None
    fail_closed: bool = False
    """Refused because a safety check could not judge the text (a broken model), not
    because the text broke a policy."""

    @property
    def answered(self) -> bool:
        return not self.abstained and not self.refused


@dataclass
class TurnSet:
    """The turns of a query plus how many rows were unreadable and skipped."""

    turns: list[Turn] = field(default_factory=list)
    skipped: int = 0

    def between(self, start: datetime | None, end: datetime | None) -> list[Turn]:
        return [
            t
            for t in self.turns
            if (start is None or t.ts >= start) and (end is None or t.ts < end)
        ]


def _parse_ts(value: Any) -> datetime:
    ts = datetime.fromisoformat(str(value))
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


def _opt_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _verdicts(safety: Any) -> list[dict[str, Any]]:
    if not isinstance(safety, dict):
        return []
    found = [safety.get("input"), safety.get("output"), *(safety.get("passages") or [])]
    return [verdict for verdict in found if isinstance(verdict, dict)]


def failed_closed(safety_json: str | None, refusal_policy: str | None) -> bool:
    """True when a guard of this turn refused because a check failed (fail closed)."""
    if refusal_policy == FAIL_CLOSED_POLICY:
        return True
    try:
        safety = json.loads(safety_json) if safety_json else None
    except (TypeError, ValueError):
        return False  # an unreadable safety column says nothing either way
    return any(
        verdict.get("fail_closed") or verdict.get("policy") == FAIL_CLOSED_POLICY
        for verdict in _verdicts(safety)
    )


def parse_row(row: sqlite3.Row | dict[str, Any], feedback: int | None = None) -> Turn:
    """One `turns` row -> Turn. Raises ValueError/TypeError/KeyError on a corrupt row."""
    retrieved = json.loads(row["retrieved"])
    timings = json.loads(row["timings"]) if row["timings"] is not None else {}
    if not isinstance(retrieved, list) or not isinstance(timings, dict):
        raise ValueError("retrieved must be a JSON list and timings a JSON object")
    if row["question"] is None or row["abstained"] is None or row["refused"] is None:
        raise ValueError("question, abstained and refused must not be NULL")
    total = row["total_s"] if row["total_s"] is not None else timings.get("total_s")
    return Turn(
        id=int(row["id"]),
        ts=_parse_ts(row["ts"]),
        session_id=row["session_id"],
        arm=row["arm"] or "default",
        question=str(row["question"]),
        answer=str(row["answer"] or ""),
        abstained=bool(row["abstained"]),
        refused=bool(row["refused"]),
        refusal_policy=row["refusal_policy"],
        chunk_ids=tuple(str(p["chunk_id"]) for p in retrieved),
        top_score=_opt_float(row["top_score"]),
        support_min=_opt_float(row["support_min"]),
        support_mean=_opt_float(row["support_mean"]),
        total_s=_opt_float(total),
        first_token_s=_opt_float(timings.get("first_token_s")),
        feedback=feedback,
        fail_closed=failed_closed(
            row["safety"] if "safety" in row.keys() else None,  # noqa: SIM118 (sqlite3.Row)
            row["refusal_policy"],
        ),
    )


def _latest_feedback(conn: sqlite3.Connection) -> dict[int, int]:
    """The most recent feedback value per turn (a user may change their mind)."""
    latest: dict[int, int] = {}
    try:
        rows = conn.execute("SELECT turn_id, value FROM feedback ORDER BY id").fetchall()
    except sqlite3.OperationalError:
        return latest
    for row in rows:
        if row["turn_id"] is not None and row["value"] in (-1, 1):
            latest[int(row["turn_id"])] = int(row["value"])
    return latest


def load_turns(path: Path, since: datetime | None = None) -> TurnSet:
    """All readable turns of the log at `path` (oldest first), optionally since a time.

    Raises:
        TurnLogMissing: no log exists at `path` yet.
    """
    if not Path(path).is_file():
        raise TurnLogMissing(
            f"No turn log at {path}: ask the assistant a few questions first (coursebot ask/chat)."
        )
    conn = open_readonly(Path(path))
    try:
        try:
            rows = conn.execute("SELECT * FROM turns ORDER BY id").fetchall()
        except sqlite3.OperationalError as exc:
            raise TurnLogMissing(f"{path} holds no turn log ({exc}).") from exc
        feedback = _latest_feedback(conn)
    finally:
        conn.close()
    result = TurnSet()
    for row in rows:
        try:
            turn = parse_row(row, feedback.get(int(row["id"])))
        except (ValueError, TypeError, KeyError, AttributeError):
            result.skipped += 1
            continue
        if since is None or turn.ts >= since:
            result.turns.append(turn)
    return result


def now() -> datetime:
    return datetime.now(UTC)
