"""The answer memory: what it stores, what it matches, retention and the off switch."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from rag.embeddings import HashingEmbedder
from rag.provenance import AnswerMemory, ProvenanceConfig

ANSWER = (
    "Data drift is a gradual change in the inputs a deployed model receives. [1] "
    "Teams usually watch the feature distributions week by week and retrain the model "
    "when the shift grows large enough to hurt accuracy on recent labelled samples. [1]"
)
HUMAN = (
    "My grandmother kept a notebook of every recipe she changed over forty years, and "
    "reading it now you can see her tastes drift: less salt, more garlic, never flour."
)


def _memory(tmp_path: Path, **config: object) -> AnswerMemory:
    return AnswerMemory(
        tmp_path / "coursebot.sqlite3",
        ProvenanceConfig.model_validate(config),
        HashingEmbedder(),
    )


def test_stores_hashes_and_a_vector_but_no_text(tmp_path: Path) -> None:
    memory = _memory(tmp_path)
    assert memory.remember(12, ANSWER, "2026-12-01T09:00:00+00:00")
    raw = (tmp_path / "coursebot.sqlite3").read_bytes()
    wal = tmp_path / "coursebot.sqlite3-wal"
    raw += wal.read_bytes() if wal.is_file() else b""
    for word in (b"drift", b"distributions", b"retrain"):
        assert word not in raw
    conn = sqlite3.connect(tmp_path / "coursebot.sqlite3")
    names = {r[0] for r in conn.execute("SELECT name FROM _migrations")}
    assert {"answer_memory_001_answers", "answer_memory_002_key"} <= names
    turn, created, shingles, vector = conn.execute("SELECT * FROM answer_memory").fetchone()
    assert turn == 12 and created.startswith("2026-12-01")
    assert len(shingles) % 8 == 0 and len(vector) == 2 * 256


def test_matches_the_answer_exactly_and_after_edits(tmp_path: Path) -> None:
    memory = _memory(tmp_path)
    memory.remember(7, ANSWER, datetime.now(UTC))
    exact = memory.match(ANSWER)
    assert [m.turn_id for m in exact] == [7] and exact[0].method == "exact"
    assert exact[0].date == datetime.now(UTC).date().isoformat()
    edited = ANSWER.replace("usually", "often").replace("large enough", "big enough")
    assert [m.turn_id for m in memory.match(edited)] == [7]
    assert memory.match(HUMAN) == []
    assert memory.match("") == []


def test_shingles_explained_by_the_documents_count_for_nothing(tmp_path: Path) -> None:
    memory = _memory(tmp_path, answer_min_similarity=1.0)
    memory.remember(3, ANSWER)
    shingle_count = len(ANSWER.split()) - 3
    assert memory.match(ANSWER, explained=[True] * shingle_count) == []


def test_similar_text_needs_to_beat_the_documents(tmp_path: Path) -> None:
    memory = _memory(tmp_path, answer_min_shingles=1000, answer_min_similarity=0.5)
    memory.remember(5, ANSWER)
    assert [m.method for m in memory.match(ANSWER)] == ["similar"]
    assert memory.embedder is not None
    same_as_a_document = memory.embedder.embed([ANSWER]).astype(np.float32)
    assert memory.match(ANSWER, reference=same_as_a_document) == []


def test_retention_and_the_off_switch(tmp_path: Path) -> None:
    memory = _memory(tmp_path, retention_days=30)
    old = datetime.now(UTC) - timedelta(days=31)
    memory.remember(1, ANSWER, old)
    assert memory.count() == 0
    memory.remember(2, ANSWER)
    assert memory.count() == 1
    off = _memory(tmp_path, enabled=False)
    assert not off.remember(3, ANSWER)
    assert off.match(ANSWER) == []


def test_a_missing_database_is_not_created_for_reading(tmp_path: Path) -> None:
    path = tmp_path / "none" / "coursebot.sqlite3"
    memory = AnswerMemory(path, create=False)
    assert not memory.available and memory.match(ANSWER) == [] and not path.exists()


def test_clear_forgets_every_answer(tmp_path: Path) -> None:
    memory = _memory(tmp_path)
    memory.remember(1, ANSWER)
    assert memory.match(ANSWER)
    assert memory.clear() == 1 and memory.count() == 0 and memory.match(ANSWER) == []


def test_a_verbatim_quote_gets_no_similarity_match(tmp_path: Path) -> None:
    memory = _memory(tmp_path, answer_min_shingles=1000, answer_min_similarity=0.5)
    memory.remember(5, ANSWER)
    shingle_count = len(ANSWER.split()) - 3
    assert memory.match(ANSWER, explained=[True] * shingle_count) == []
    assert memory.evidence(ANSWER, explained=[True] * shingle_count).similarity is None
    assert [m.method for m in memory.match(ANSWER, explained=[False] * shingle_count)] == [
        "similar"
    ]
