"""Cited quotes: an answer that only quotes the documents is recognised by coursebot's own
citation marker, and the documents' paragraph (or its own markers) never is."""

from __future__ import annotations

from pathlib import Path

from rag.chunking import Chunk
from rag.embeddings import HashingEmbedder
from rag.provenance import AnswerMemory, ProvenanceConfig, QuoteIndex
from rag.provenance.shingles import is_marker, shingle_strings, words

PARAGRAPH = (
    "Gradual input distribution changes degrade performance. A credit scoring model "
    "trained on 2015-2020 loan applications begins to underperform in 2025 because "
    "economic conditions and income distributions have shifted."
)
# Another course's document that carries reference markers of its own.
REFERENCED = (
    "Retrieval-based detection keeps every output of a service [3] and later compares a "
    "suspect text with them, which survives paraphrase far better than a watermark does."
)
ANSWER = f"{PARAGRAPH} [1]"  # what coursebot shows for a pure quote


def _index() -> QuoteIndex:
    chunks = [
        Chunk(chunk_id=f"c{n}", source="course.md", section=s, text=t, start=0, end=len(t))
        for n, (s, t) in enumerate((("Data Drift", PARAGRAPH), ("Detection", REFERENCED)))
    ]
    return QuoteIndex(chunks, size=4)


def _memory(tmp_path: Path, *answers: str) -> AnswerMemory:
    # No paraphrase matches here; the cited thresholds as these tests assume them.
    config = ProvenanceConfig(answer_min_similarity=1.0, cited_min_shingles=6, cited_max_gap=3)
    memory = AnswerMemory(tmp_path / "coursebot.sqlite3", config, HashingEmbedder())
    for turn, text in enumerate(answers, start=1):
        assert memory.remember(turn, text)
    return memory


def _match(memory: AnswerMemory, index: QuoteIndex, text: str) -> list[tuple[int, str]]:
    items = words(text)
    explained = index.known(shingle_strings(items, index.size))
    markers = index.foreign_markers(words(text, markers=True))
    return [(m.turn_id, m.method) for m in memory.match(text, explained, None, items, markers)]


def test_markers_are_words_only_when_asked() -> None:
    marked = words("drift [1] is bad [1, 2].", markers=True)
    assert [w.text for w in marked] == ["drift", "[1]", "is", "bad", "[1,2]"]
    assert [w.text for w in marked if is_marker(w)] == ["[1]", "[1,2]"]
    assert [w.text for w in words("drift [1] is bad [1, 2].")] == ["drift", "is", "bad"]


def test_the_documents_own_markers_are_not_coursebots() -> None:
    index = _index()
    assert index.foreign_markers(words(REFERENCED, markers=True)) == []
    found = index.foreign_markers(words(ANSWER, markers=True))
    assert [w.text for w in found] == ["[1]"]
    moved = REFERENCED.replace(" [3]", "") + " [3]"
    assert [w.text for w in index.foreign_markers(words(moved, markers=True))] == ["[3]"]


def test_a_pure_quote_answer_is_recognised_by_its_marker(tmp_path: Path) -> None:
    index = _index()
    memory = _memory(tmp_path, ANSWER)
    assert _match(memory, index, ANSWER) == [(1, "cited")]
    retyped = ANSWER.replace("Gradual", "gradual").replace("  ", " ").replace("[1]", "[ 1 ]")
    assert _match(memory, index, f"My notes: {retyped}") == [(1, "cited")]
    assert _match(memory, index, PARAGRAPH) == []
    assert _match(memory, index, PARAGRAPH.replace("2025", "2025 [1]"))  # a marker inside
    far = f"[1] {REFERENCED} {PARAGRAPH}"  # a marker, but nowhere near the answer's words
    assert _match(memory, index, far) == []


def test_a_quote_with_the_documents_marker_never_matches(tmp_path: Path) -> None:
    index = _index()
    memory = _memory(tmp_path, f"{REFERENCED} [1]")
    assert _match(memory, index, REFERENCED) == []
    assert _match(memory, index, f"{REFERENCED} [1]") == [(1, "cited")]


def test_too_short_a_reproduction_is_no_match(tmp_path: Path) -> None:
    index = _index()
    memory = _memory(tmp_path, ANSWER)
    assert _match(memory, index, "begins to underperform in 2025 [1]") == []


def test_a_verbatim_quote_echoes_the_answers_that_gave_it(tmp_path: Path) -> None:
    index = _index()
    memory = _memory(tmp_path, ANSWER, f"{REFERENCED} [1]", f"{PARAGRAPH} [2]")
    items = words(PARAGRAPH)
    explained = index.known(shingle_strings(items, index.size))
    assert [m.turn_id for m in memory.echoes(items, explained)] == [1, 3]
    assert memory.echoes(words("Nothing of the sort was ever said in class."), None) == []
    off = AnswerMemory(memory.path, ProvenanceConfig(enabled=False))
    assert off.echoes(items, explained) == []


def test_markers_alone_or_a_huge_text_are_no_match(tmp_path: Path) -> None:
    index = _index()
    memory = _memory(tmp_path, ANSWER)
    assert _match(memory, index, "[1] " * 5000) == []
    assert _match(memory, index, "") == []
    assert _match(memory, index, (PARAGRAPH + " ") * 2000 + "[1]") == [(1, "cited")]


def test_evidence_gives_the_marker_distance_for_tuning(tmp_path: Path) -> None:
    index = _index()
    memory = _memory(tmp_path, ANSWER)
    edited = PARAGRAPH.replace("have shifted.", "had really quite shifted. [1]")
    items = words(edited)
    explained = index.known(shingle_strings(items, index.size))
    markers = index.foreign_markers(words(edited, markers=True))
    evidence = memory.evidence(edited, explained, None, items, markers)
    assert len(evidence.cited) == 1 and evidence.cited[0][1] == 4  # had really quite shifted
    assert memory.match(edited, explained, None, items, markers) == []  # gap 3
    config = memory.config.model_copy(update={"cited_max_gap": 4})
    wider = AnswerMemory(memory.path, config)
    assert [m.method for m in wider.match(edited, explained, None, items, markers)] == ["cited"]
