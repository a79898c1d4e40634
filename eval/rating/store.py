"""The ratings store: raters, items, assignments, Likert ratings and side-by-side votes.

SQLite in WAL mode; every write is one `BEGIN IMMEDIATE` transaction, so concurrent raters
never lose a vote and a crash mid-write leaves either the whole rating or none of it.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eval.rating.errors import (
    AlreadyRated,
    DuplicateRater,
    InvalidRating,
    NotAssigned,
    UnknownItem,
    UnknownRater,
)
from eval.rating.models import (
    CHOICES,
    GoldResult,
    NewItem,
    Rater,
    RaterView,
    ShownAnswer,
    Source,
)
from eval.rating.rubric import DIMENSIONS, SCALE
from eval.rating.schema import MIGRATIONS
from rag.db import connect, migrate
from rag.settings import Settings

DB_NAME = "ratings.sqlite3"


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.strip().lower()).strip("-")


def _shown(label: str, answer: Mapping[str, Any], max_sources: int) -> ShownAnswer:
    """The parts of a stored answer a rater may see (never its configuration)."""
    passages = answer.get("passages") or []
    citations = answer.get("citations") or []
    sources: list[Source] = []
    for c in citations:
        where = " / ".join(x for x in (c.get("source", ""), c.get("section", "")) if x)
        sources.append(Source(label=f"[{c.get('n', '?')}] {where}", text=str(c.get("text", ""))))
    cited = {str(c.get("text", "")) for c in citations}
    for p in passages:
        if len(sources) >= max_sources:
            break
        if str(p.get("text", "")) in cited:
            continue
        where = " / ".join(x for x in (p.get("source", ""), p.get("section", "")) if x)
        sources.append(Source(label=f"retrieved: {where}", text=str(p.get("text", ""))))
    return ShownAnswer(
        label=label,
        text=str(answer.get("text", "")),
        abstained=bool(answer.get("abstained", False)),
        sources=sources,
    )


class RatingStore:
    """All reads and writes of the ratings database, safe to share between threads."""

    def __init__(
        self,
        path: Path,
        *,
        raters_per_item: int = 2,
        seed: int | None = None,
        max_sources: int = 6,
    ) -> None:
        if raters_per_item < 1:
            raise ValueError("raters_per_item must be at least 1")
        self.path = path
        self.raters_per_item = raters_per_item
        self.max_sources = max_sources
        self._rng = random.Random(seed)
        self._conn = connect(path)
        self._lock = threading.Lock()
        with self._lock:
            migrate(self._conn, MIGRATIONS)

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> RatingStore:
        return cls(settings.data_dir / DB_NAME, **kwargs)

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One immediate transaction: all of it is stored, or none of it."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(r) for r in self._conn.execute(sql, params).fetchall()]

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # raters

    def add_rater(self, name: str, rater_id: str | None = None) -> Rater:
        """Register a rater; their ID (the name as a slug unless given) is what they type in."""
        rid = _slug(rater_id or name)
        if not rid or not name.strip():
            raise InvalidRating("A rater needs a name with at least one letter or digit.")
        created = utc_now()
        with self._write() as conn:
            if conn.execute("SELECT 1 FROM raters WHERE id = ?", (rid,)).fetchone():
                raise DuplicateRater(f"Rater ID {rid!r} is taken; choose another name or ID.")
            conn.execute(
                "INSERT INTO raters (id, name, created_at) VALUES (?, ?, ?)",
                (rid, name.strip(), created),
            )
        return Rater(id=rid, name=name.strip(), created_at=created)

    def raters(self) -> list[Rater]:
        return [Rater(**r) for r in self._rows("SELECT * FROM raters ORDER BY id")]

    def _require_rater(self, conn: sqlite3.Connection, rater_id: str) -> str:
        rid = _slug(rater_id)
        if not conn.execute("SELECT 1 FROM raters WHERE id = ?", (rid,)).fetchone():
            raise UnknownRater(
                f"No rater with ID {rater_id!r}. Ask the organiser to run "
                "`coursebot rate raters add NAME` and use the ID it prints."
            )
        return rid

    # items

    def add_items(self, items: Sequence[NewItem]) -> tuple[int, int]:
        """Queue items in one transaction; returns (added, skipped as already queued)."""
        added = 0
        now = utc_now()
        with self._write() as conn:
            for item in items:
                if item.kind == "pair" and (item.answer_b is None or not item.config_b):
                    raise InvalidRating("A pair item needs answer_b and config_b.")
                self._check_gold(item.kind, item.gold)
                cur = conn.execute(
                    "INSERT OR IGNORE INTO items (kind, question_id, question, question_kind,"
                    " config_a, settings_a, answer_a, metrics_a, config_b, settings_b, answer_b,"
                    " metrics_b, gold, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        item.kind,
                        item.question_id,
                        item.question,
                        item.question_kind,
                        item.config_a,
                        json.dumps(item.settings_a),
                        json.dumps(item.answer_a),
                        json.dumps(item.metrics_a),
                        item.config_b or "",
                        json.dumps(item.settings_b) if item.settings_b is not None else None,
                        json.dumps(item.answer_b) if item.answer_b is not None else None,
                        json.dumps(item.metrics_b) if item.metrics_b is not None else None,
                        json.dumps(item.gold) if item.gold is not None else None,
                        now,
                    ),
                )
                added += cur.rowcount
        return added, len(items) - added

    @staticmethod
    def _check_gold(kind: str, gold: Mapping[str, Any] | None) -> None:
        if gold is None:
            return
        if kind == "pair":
            if set(gold) != {"winner"} or gold["winner"] not in ("a", "b", "tie", "both_bad"):
                raise InvalidRating("Gold for a pair item is {'winner': a|b|tie|both_bad}.")
            return
        if not gold or any(d not in DIMENSIONS or gold[d] not in SCALE for d in gold):
            raise InvalidRating(f"Gold for a likert item maps dimensions {DIMENSIONS} to 1-5.")

    def set_gold(self, item_id: int, gold: Mapping[str, Any]) -> None:
        """Mark an item as a gold check with its known verdict."""
        with self._write() as conn:
            row = conn.execute("SELECT kind FROM items WHERE id = ?", (item_id,)).fetchone()
            if row is None:
                raise UnknownItem(f"No item {item_id}; list items with `coursebot rate export`.")
            self._check_gold(row["kind"], gold)
            conn.execute(
                "UPDATE items SET gold = ? WHERE id = ?", (json.dumps(dict(gold)), item_id)
            )

    def items(self) -> list[dict[str, Any]]:
        rows = self._rows("SELECT * FROM items ORDER BY id")
        for r in rows:
            for key in (
                "settings_a",
                "answer_a",
                "metrics_a",
                "settings_b",
                "answer_b",
                "metrics_b",
                "gold",
            ):
                r[key] = json.loads(r[key]) if r[key] is not None else None
        return rows

    # assignment

    def next_item(self, rater_id: str) -> RaterView | None:
        """The rater's open item, or a new one: items still short of raters first.

        Gold items go to every rater, mixed in at a stable pseudo-random place; the
        order of a pair's answers is drawn at random here and stored with the assignment.
        """
        with self._write() as conn:
            rid = self._require_rater(conn, rater_id)
            open_row = conn.execute(
                "SELECT item_id, first_side FROM assignments WHERE rater_id = ? AND"
                " completed_at IS NULL ORDER BY assigned_at LIMIT 1",
                (rid,),
            ).fetchone()
            if open_row is not None:
                item_id, first_side = int(open_row[0]), open_row[1]
            else:
                candidates = conn.execute(
                    "SELECT i.id, i.kind, i.gold IS NOT NULL AS gold,"
                    " (SELECT COUNT(*) FROM assignments a WHERE a.item_id = i.id) AS taken"
                    " FROM items i WHERE i.id NOT IN"
                    " (SELECT item_id FROM assignments WHERE rater_id = ?)",
                    (rid,),
                ).fetchall()
                if not candidates:
                    return None

                def priority(row: sqlite3.Row) -> tuple[int, str]:
                    short = bool(row["gold"]) or row["taken"] < self.raters_per_item
                    mix = hashlib.sha256(f"{rid}:{row['id']}".encode()).hexdigest()
                    return (0 if short else 1, mix)

                chosen = min(candidates, key=priority)
                item_id = int(chosen["id"])
                first_side = self._rng.choice(("a", "b")) if chosen["kind"] == "pair" else None
                conn.execute(
                    "INSERT INTO assignments (rater_id, item_id, first_side, assigned_at)"
                    " VALUES (?, ?, ?, ?)",
                    (rid, item_id, first_side, utc_now()),
                )
            item = conn.execute("SELECT * FROM items WHERE id = ?", (item_id,)).fetchone()
        return self._view(item, first_side)

    def _view(self, item: sqlite3.Row, first_side: str | None) -> RaterView:
        answer_a = json.loads(item["answer_a"])
        if item["kind"] == "likert":
            answers = [_shown("Answer", answer_a, self.max_sources)]
        else:
            answer_b = json.loads(item["answer_b"])
            first, second = (answer_a, answer_b) if first_side == "a" else (answer_b, answer_a)
            answers = [_shown("A", first, self.max_sources), _shown("B", second, self.max_sources)]
        return RaterView(
            item_id=int(item["id"]), kind=item["kind"], question=item["question"], answers=answers
        )

    def _open_assignment(
        self, conn: sqlite3.Connection, rid: str, item_id: int, kind: str
    ) -> sqlite3.Row:
        item = conn.execute("SELECT kind FROM items WHERE id = ?", (item_id,)).fetchone()
        if item is None:
            raise UnknownItem(f"No item {item_id}; ask for the next item instead.")
        if item["kind"] != kind:
            raise InvalidRating(f"Item {item_id} is a {item['kind']} item, not {kind}.")
        row = conn.execute(
            "SELECT * FROM assignments WHERE rater_id = ? AND item_id = ?", (rid, item_id)
        ).fetchone()
        if row is None:
            raise NotAssigned(
                f"Item {item_id} was not given to rater {rid!r}; ask for the next item."
            )
        if row["completed_at"] is not None:
            raise AlreadyRated(f"Rater {rid!r} has already rated item {item_id}.")
        return row

    # ratings

    def submit_likert(
        self, rater_id: str, item_id: int, scores: Mapping[str, Any], comment: str = ""
    ) -> int:
        """Store one Likert rating (all four dimensions, 1-5) as one transaction."""
        clean: dict[str, int] = {}
        for dim in DIMENSIONS:
            value = scores.get(dim)
            if isinstance(value, str) and value.strip().isdigit():
                value = int(value)
            if isinstance(value, bool) or not isinstance(value, int) or value not in SCALE:
                raise InvalidRating(f"{dim} must be a whole number from 1 to 5, got {value!r}.")
            clean[dim] = value
        unknown = set(scores) - set(DIMENSIONS)
        if unknown:
            raise InvalidRating(
                f"Unknown rubric dimensions {sorted(unknown)}; use {list(DIMENSIONS)}."
            )
        now = utc_now()
        with self._write() as conn:
            rid = self._require_rater(conn, rater_id)
            self._open_assignment(conn, rid, item_id, "likert")
            cur = conn.execute(
                "INSERT INTO ratings (item_id, rater_id, faithfulness, helpfulness,"
                " citation_accuracy, safety, comment, created_at) VALUES (?,?,?,?,?,?,?,?)",
                (item_id, rid, *(clean[d] for d in DIMENSIONS), comment.strip(), now),
            )
            conn.execute(
                "UPDATE assignments SET completed_at = ? WHERE rater_id = ? AND item_id = ?",
                (now, rid, item_id),
            )
        return int(cur.lastrowid or 0)

    def submit_comparison(self, rater_id: str, item_id: int, choice: str, comment: str = "") -> int:
        """Store one side-by-side verdict: A/B as displayed, mapped back to the configurations."""
        if choice not in CHOICES:
            raise InvalidRating(f"Choice must be one of {list(CHOICES)}, got {choice!r}.")
        now = utc_now()
        with self._write() as conn:
            rid = self._require_rater(conn, rater_id)
            first_side = self._open_assignment(conn, rid, item_id, "pair")["first_side"]
            other = "b" if first_side == "a" else "a"
            winner = {"A": first_side, "B": other}.get(choice, choice)
            cur = conn.execute(
                "INSERT INTO comparisons (item_id, rater_id, first_side, choice, winner, comment,"
                " created_at) VALUES (?,?,?,?,?,?,?)",
                (item_id, rid, first_side, choice, winner, comment.strip(), now),
            )
            conn.execute(
                "UPDATE assignments SET completed_at = ? WHERE rater_id = ? AND item_id = ?",
                (now, rid, item_id),
            )
        return int(cur.lastrowid or 0)

    def ratings(self) -> list[dict[str, Any]]:
        """Likert ratings joined with their item's configuration and metrics."""
        rows = self._rows(
            "SELECT r.*, i.question_id, i.question, i.config_a AS config, i.metrics_a AS metrics,"
            " i.gold FROM ratings r JOIN items i ON i.id = r.item_id ORDER BY r.id"
        )
        for r in rows:
            r["metrics"] = json.loads(r["metrics"])
            r["gold"] = json.loads(r["gold"]) if r["gold"] else None
        return rows

    def comparisons(self) -> list[dict[str, Any]]:
        """Side-by-side votes joined with both configurations."""
        rows = self._rows(
            "SELECT c.*, i.question_id, i.question, i.config_a, i.config_b, i.gold"
            " FROM comparisons c JOIN items i ON i.id = c.item_id ORDER BY c.id"
        )
        for r in rows:
            r["gold"] = json.loads(r["gold"]) if r["gold"] else None
        return rows

    def assignments(self) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM assignments ORDER BY assigned_at, rater_id")

    def gold_results(self, tolerance: int = 1, min_pass_rate: float = 0.75) -> list[GoldResult]:
        """Each rater's record on gold items; flagged when below `min_pass_rate`.

        A Likert gold check passes when every expected dimension is within `tolerance`;
        a pair gold check passes when the verdict matches.
        """
        tally: dict[str, list[int]] = {}
        for r in self.ratings():
            if r["gold"]:
                ok = all(abs(r[d] - int(v)) <= tolerance for d, v in r["gold"].items())
                tally.setdefault(r["rater_id"], [0, 0])[0] += 1
                tally[r["rater_id"]][1] += int(ok)
        for c in self.comparisons():
            if c["gold"]:
                tally.setdefault(c["rater_id"], [0, 0])[0] += 1
                tally[c["rater_id"]][1] += int(c["winner"] == c["gold"]["winner"])
        return [
            GoldResult(
                rater_id=rid,
                answered=n,
                passed=ok,
                pass_rate=ok / n,
                flagged=ok / n < min_pass_rate,
            )
            for rid, (n, ok) in sorted(tally.items())
        ]
