"""The answer memory: recognising coursebot's own answers, even after edits or paraphrase.

Retrieval-based detection (Krishna et al., NeurIPS 2023): a service that remembers what it
output can recognise it later. What is kept per shown answer is the minimum needed: keyed
64-bit hashes of its word shingles and one float16 embedding vector, with the turn id and
the time; never its text, its question or who asked. Rows older than the retention
setting are deleted, and the whole memory can be switched off.

A text matches an answer exactly when enough of its shingles that are *not* in the
documents are among the answer's (a quote of the course says nothing about coursebot); as
a cited quote when it reproduces the answer's words (even words of the documents) and
carries, next to them, a citation marker like coursebot's "[1]" that the documents do not
have there; or by paraphrase when its embedding is close to the answer's and clearly
closer to it than to any document passage. A course paragraph as the documents have it
never matches; a verbatim quote that coursebot also gave is only noted (`echoes`).
"""

from __future__ import annotations

import bisect
import sqlite3
import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel

from rag.db import Migration, connect, migrate
from rag.embeddings import Embedder
from rag.provenance.config import ProvenanceConfig
from rag.provenance.shingles import Word, covered, shingle_hash, shingle_strings, words

MIGRATIONS: list[Migration] = [
    (
        "answer_memory_001_answers",
        """
        CREATE TABLE answer_memory (
            turn_id INTEGER PRIMARY KEY,
            created_at TEXT NOT NULL,
            shingles BLOB NOT NULL,
            vector BLOB
        );
        CREATE INDEX answer_memory_created ON answer_memory (created_at)
        """,
    ),
    (
        "answer_memory_002_key",
        """
        CREATE TABLE answer_memory_key (id INTEGER PRIMARY KEY CHECK (id = 1), key BLOB NOT NULL);
        INSERT INTO answer_memory_key (id, key) VALUES (1, randomblob(32))
        """,
    ),
]


MOSTLY_QUOTED = 0.8
"""A text (or window) whose shingles are this much the documents' is a verbatim quote."""
MAX_MARKER_DISTANCE = 20
"""The farthest a marker is looked for from the matched words, for tuning."""


class AnswerMatch(BaseModel):
    """A remembered answer the text matches: its turn id and date, nothing else about it."""

    turn_id: int
    date: str
    method: Literal["exact", "cited", "similar"]
    shingles: int = 0
    similarity: float | None = None
    spans: list[tuple[int, int]]
    words: int


class Evidence(BaseModel):
    """The strongest evidence for any remembered answer (see `AnswerMemory.evidence`)."""

    shingles: int = 0
    shingles_turn_id: int | None = None
    cited: list[tuple[int, int]] = []
    """(shared shingles, words between a foreign marker and them) per answer with such a
    marker at most `MAX_MARKER_DISTANCE` words away; stronger pairs only."""
    similarity: float | None = None
    margin: float | None = None
    similarity_turn_id: int | None = None


class _Loaded(BaseModel, arbitrary_types_allowed=True):
    turn_ids: list[int]
    dates: list[str]
    sizes: list[int]
    owners: dict[int, list[int]]
    vectors: object  # float32 matrix, one row per answer (zeros when missing)


def _iso(moment: datetime | str | None) -> str:
    if moment is None:
        return datetime.now(UTC).isoformat(timespec="seconds")
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds")


class AnswerMemory:
    """Hashes and vectors of shown answers in the turn log's SQLite database."""

    def __init__(
        self,
        path: Path,
        config: ProvenanceConfig | None = None,
        embedder: Embedder | None = None,
        *,
        create: bool = True,
    ) -> None:
        self.path = path
        self.config = config or ProvenanceConfig()
        self.embedder = embedder
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._cache: tuple[tuple[int, int, str], _Loaded] | None = None
        if create or path.is_file():
            self._conn = connect(path)
            with self._lock:
                migrate(self._conn, MIGRATIONS)
                row = self._conn.execute("SELECT key FROM answer_memory_key").fetchone()
            self._key = bytes(row[0])

    @property
    def available(self) -> bool:
        """False when there is no database yet (nothing was ever remembered)."""
        return self._conn is not None

    def remember(self, turn_id: int, text: str, created_at: datetime | str | None = None) -> bool:
        """Keep the hashes and vector of one shown answer; False when switched off or empty."""
        if not self.config.enabled or self._conn is None or not text.strip():
            return False
        hashes = np.array(
            sorted({shingle_hash(s, self._key) for s in self._shingles(words(text))}),
            dtype=np.int64,
        )
        vector = None
        if self.embedder is not None:
            vector = self.embedder.embed([text])[0].astype(np.float16).tobytes()
        with self._lock:
            self._conn.execute(
                "INSERT OR REPLACE INTO answer_memory (turn_id, created_at, shingles, vector)"
                " VALUES (?, ?, ?, ?)",
                (int(turn_id), _iso(created_at), hashes.tobytes(), vector),
            )
        self.forget_expired()
        return True

    def forget_expired(self, now: datetime | None = None) -> int:
        """Delete answers older than the retention setting; return how many."""
        if self._conn is None:
            return 0
        with self._lock:
            cur = self._conn.execute(
                "DELETE FROM answer_memory WHERE created_at < ?", (self._cutoff(now),)
            )
        return int(cur.rowcount or 0)

    def clear(self) -> int:
        """Forget every remembered answer; return how many."""
        if self._conn is None:
            return 0
        with self._lock:
            cur = self._conn.execute("DELETE FROM answer_memory")
        return int(cur.rowcount or 0)

    def count(self) -> int:
        if self._conn is None:
            return 0
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM answer_memory").fetchone()[0])

    def match(
        self,
        text: str,
        explained: Sequence[bool] | None = None,
        reference: npt.NDArray[np.float32] | None = None,
        items: list[Word] | None = None,
        markers: Sequence[Word] = (),
    ) -> list[AnswerMatch]:
        """Remembered answers that `text` reproduces, strongest first.

        `explained[i]` marks shingle i as found in the documents (it then counts for no
        exact match); `reference` holds the document passages' vectors for the paraphrase
        margin; `markers` are the text's citation markers that are not the documents' own
        (`QuoteIndex.foreign_markers`), for cited quotes. Empty when the memory is off,
        missing or empty.
        """
        if not self.config.enabled or self._conn is None:
            return []
        loaded = self._load()
        if not loaded.turn_ids:
            return []
        items = words(text) if items is None else items
        shared = self._shared(loaded, items, explained)
        config = self.config
        found: list[AnswerMatch] = []
        for row, (hits, distinct, novel) in shared.items():
            mask = covered(len(items), hits, config.shingle_words)
            if novel >= config.answer_min_shingles:
                found.append(self._result(loaded, row, "exact", mask, items, shingles=novel))
            elif (
                distinct >= config.cited_min_shingles
                and _marker_distance(mask, items, markers, config.cited_max_gap) is not None
            ):
                found.append(self._result(loaded, row, "cited", mask, items, shingles=distinct))
        if not found:
            found.extend(self._paraphrase(loaded, items, text, reference, explained))
        found.sort(key=lambda m: (-m.words, -(m.similarity or 0.0)))
        return found

    def evidence(
        self,
        text: str,
        explained: Sequence[bool] | None = None,
        reference: npt.NDArray[np.float32] | None = None,
        items: list[Word] | None = None,
        markers: Sequence[Word] = (),
    ) -> Evidence:
        """The strongest raw evidence for any remembered answer, before any threshold.

        For tuning: an exact match needs `shingles >= answer_min_shingles`, a cited quote
        a pair of `cited` with at least `cited_min_shingles` shingles and a distance of at
        most `cited_max_gap`, a similarity match `similarity >= answer_min_similarity` and
        `margin >= answer_margin`.
        """
        if self._conn is None:
            return Evidence()
        loaded = self._load()
        if not loaded.turn_ids:
            return Evidence()
        items = words(text) if items is None else items
        shared = self._shared(loaded, items, explained)
        result = Evidence()
        pairs = set()
        for row, (hits, distinct, novel) in shared.items():
            if novel > result.shingles:
                result.shingles, result.shingles_turn_id = novel, loaded.turn_ids[row]
            mask = covered(len(items), hits, self.config.shingle_words)
            distance = _marker_distance(mask, items, markers, MAX_MARKER_DISTANCE)
            if distance is not None:
                pairs.add((distinct, distance))
        result.cited = sorted(
            p for p in pairs if not any(q != p and q[0] >= p[0] and q[1] <= p[1] for q in pairs)
        )
        if self.embedder is None or len(items) < self.config.embed_min_words:
            return result
        sims, ceiling, windows = self._similarities(loaded, items, text, reference)
        rows = sims.argmax(axis=1)
        margins = sims[np.arange(len(rows)), rows] - ceiling
        size = self.config.shingle_words
        open_windows = [w for w, span in enumerate(windows) if not _quoted(span, explained, size)]
        if not open_windows:
            return result
        w = max(open_windows, key=lambda i: float(margins[i]))
        result.similarity = float(sims[w, rows[w]])
        result.margin = float(margins[w])
        result.similarity_turn_id = loaded.turn_ids[int(rows[w])]
        return result

    def echoes(
        self, items: list[Word], explained: Sequence[bool] | None = None
    ) -> list[AnswerMatch]:
        """Remembered answers whose words `items` reproduce, at least half of each and at
        least `cited_min_shingles` shingles, documents' words included: what a verbatim
        quote of the documents shares with answers that quoted the same passage."""
        if not self.config.enabled or self._conn is None:
            return []
        loaded = self._load()
        found = []
        for row, (hits, distinct, _) in self._shared(loaded, items, explained).items():
            if distinct >= max(self.config.cited_min_shingles, loaded.sizes[row] / 2):
                mask = covered(len(items), hits, self.config.shingle_words)
                found.append(self._result(loaded, row, "exact", mask, items, shingles=distinct))
        found.sort(key=lambda m: (-m.shingles, m.turn_id))
        return found

    def _shared(
        self, loaded: _Loaded, items: list[Word], explained: Sequence[bool] | None
    ) -> dict[int, tuple[list[int], int, int]]:
        """Per remembered answer sharing a shingle with `items`: (positions of the shared
        shingles, distinct shared shingles, distinct shared ones not in the documents)."""
        hashes = [shingle_hash(s, self._key) for s in self._shingles(items)]
        hits: dict[int, list[int]] = {}
        distinct: dict[int, set[int]] = {}
        novel: dict[int, set[int]] = {}
        for position, value in enumerate(hashes):
            for row in loaded.owners.get(value, []):
                hits.setdefault(row, []).append(position)
                distinct.setdefault(row, set()).add(value)
                if explained is None or not explained[position]:
                    novel.setdefault(row, set()).add(value)
        return {
            row: (positions, len(distinct[row]), len(novel.get(row, ())))
            for row, positions in hits.items()
        }

    def _similarities(
        self,
        loaded: _Loaded,
        items: list[Word],
        text: str,
        reference: npt.NDArray[np.float32] | None,
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32], list[tuple[int, int]]]:
        """Cosines of each text window to each answer, and to the closest document passage."""
        assert self.embedder is not None
        config = self.config
        vectors = np.asarray(loaded.vectors, dtype=np.float32)
        windows = _windows(len(items), config.embed_window_words, config.max_embed_windows)
        texts = [text[items[a].start : items[b - 1].end] for a, b in windows]
        queries = self.embedder.embed(texts)
        sims = queries @ vectors.T
        ceiling = (
            (queries @ np.asarray(reference, dtype=np.float32).T).max(axis=1)
            if reference is not None and len(reference)
            else np.full(len(windows), -1.0, dtype=np.float32)
        )
        return sims, ceiling, windows

    def _paraphrase(
        self,
        loaded: _Loaded,
        items: list[Word],
        text: str,
        reference: npt.NDArray[np.float32] | None,
        explained: Sequence[bool] | None = None,
    ) -> list[AnswerMatch]:
        config = self.config
        if self.embedder is None or len(items) < config.embed_min_words:
            return []
        sims, ceiling, windows = self._similarities(loaded, items, text, reference)
        best_rows = sims.argmax(axis=1)
        out: dict[int, AnswerMatch] = {}
        for w, row in enumerate(best_rows.tolist()):
            if _quoted(windows[w], explained, config.shingle_words):
                continue
            similarity = float(sims[w, row])
            if similarity < config.answer_min_similarity:
                continue
            if similarity - float(ceiling[w]) < config.answer_margin:
                continue
            a, b = windows[w]
            mask = [a <= i < b for i in range(len(items))]
            match = self._result(loaded, row, "similar", mask, items, similarity=similarity)
            if row not in out or similarity > (out[row].similarity or 0.0):
                out[row] = match
        return list(out.values())

    def _result(
        self,
        loaded: _Loaded,
        row: int,
        method: Literal["exact", "cited", "similar"],
        mask: list[bool],
        items: list[Word],
        *,
        shingles: int = 0,
        similarity: float | None = None,
    ) -> AnswerMatch:
        spans: list[tuple[int, int]] = []
        for i, inside in enumerate(mask):
            if not inside:
                continue
            if spans and i > 0 and mask[i - 1]:
                spans[-1] = (spans[-1][0], items[i].end)
            else:
                spans.append((items[i].start, items[i].end))
        return AnswerMatch(
            turn_id=loaded.turn_ids[row],
            date=loaded.dates[row][:10],
            method=method,
            shingles=shingles,
            similarity=similarity,
            spans=spans,
            words=sum(mask),
        )

    def _shingles(self, items: list[Word]) -> list[str]:
        return shingle_strings(items, self.config.shingle_words)

    def _cutoff(self, now: datetime | None = None) -> str:
        moment = now or datetime.now(UTC)
        return _iso(moment - timedelta(days=self.config.retention_days))

    def _load(self) -> _Loaded:
        """Every answer within retention, cached until the table changes."""
        assert self._conn is not None
        cutoff = self._cutoff()
        with self._lock:
            stamp_row = self._conn.execute(
                "SELECT COUNT(*), COALESCE(MAX(turn_id), 0) FROM answer_memory"
            ).fetchone()
            stamp = (int(stamp_row[0]), int(stamp_row[1]), cutoff[:13])
            if self._cache is not None and self._cache[0] == stamp:
                return self._cache[1]
            rows = self._conn.execute(
                "SELECT turn_id, created_at, shingles, vector FROM answer_memory"
                " WHERE created_at >= ? ORDER BY turn_id",
                (cutoff,),
            ).fetchall()
        dim = next((len(r[3]) // 2 for r in rows if r[3]), 0)
        vectors = np.zeros((len(rows), dim), dtype=np.float32)
        owners: dict[int, list[int]] = {}
        sizes = []
        for number, row in enumerate(rows):
            values = np.frombuffer(row[2], dtype=np.int64)
            sizes.append(len(values))
            for value in values.tolist():
                owners.setdefault(value, []).append(number)
            if row[3] and len(row[3]) // 2 == dim:
                vectors[number] = np.frombuffer(row[3], dtype=np.float16).astype(np.float32)
        loaded = _Loaded(
            turn_ids=[int(r[0]) for r in rows],
            dates=[str(r[1]) for r in rows],
            sizes=sizes,
            owners=owners,
            vectors=vectors,
        )
        self._cache = (stamp, loaded)
        return loaded

    def close(self) -> None:
        if self._conn is not None:
            with self._lock:
                self._conn.close()
            self._conn = None


def _quoted(window: tuple[int, int], explained: Sequence[bool] | None, size: int = 4) -> bool:
    """Are the window's shingles mostly the documents' own (`MOSTLY_QUOTED`)? A verbatim
    quote is as close to an answer that quoted the same sentences as to itself, so
    similarity says nothing about it; a paraphrase changes the words."""
    if not explained:
        return False
    inside = explained[window[0] : max(window[0] + 1, window[1] - size + 1)]
    return bool(inside) and sum(inside) >= MOSTLY_QUOTED * len(inside)


def _marker_distance(
    mask: list[bool], items: list[Word], markers: Sequence[Word], limit: int
) -> int | None:
    """How many unmatched words at least separate a marker from the matched words (0: it
    stands right after or before one); None when no marker is within `limit`."""
    starts = [w.start for w in items]
    best: int | None = None
    for marker in markers:
        after = bisect.bisect_left(starts, marker.start)  # words before the marker
        for distance in range(limit + 1 if best is None else best):
            before, behind = after - 1 - distance, after + distance
            if (before >= 0 and mask[before]) or (behind < len(mask) and mask[behind]):
                best = distance
                break
        if best == 0:
            break
    return best


def _windows(count: int, size: int, limit: int) -> list[tuple[int, int]]:
    """Word ranges to embed: the whole text when short, else half-overlapping windows."""
    if count <= size * 3 // 2:
        return [(0, count)]
    step = size // 2
    starts = list(range(0, count - size + 1, step))
    if starts[-1] + size < count:
        starts.append(count - size)
    return [(s, s + size) for s in starts[:limit]]
