"""Quotes of the documents are found through whitespace, case, punctuation and edits."""

from __future__ import annotations

from rag.chunking import Chunk
from rag.provenance import QuoteIndex
from rag.provenance.shingles import words

DRIFT = (
    "Gradual input distribution changes degrade performance. A credit scoring model "
    "trained on 2015-2020 loan applications begins to underperform in 2025 because "
    "economic conditions and income distributions have shifted."
)
OTHER = "Unit tests verify individual components such as feature transformers and metrics."


def _index() -> QuoteIndex:
    chunks = [
        Chunk(
            chunk_id="c1",
            source="course.md",
            section="Data Drift",
            text=DRIFT,
            start=0,
            end=len(DRIFT),
        ),
        Chunk(
            chunk_id="c2",
            source="course.md",
            section="Unit Tests",
            text=OTHER,
            start=0,
            end=len(OTHER),
        ),
    ]
    return QuoteIndex(chunks, size=4)


def test_verbatim_quote_is_found_with_its_section() -> None:
    text = f"As the notes say: {DRIFT} That is all."
    spans = _index().find(text)
    assert len(spans) == 1
    span = spans[0]
    assert span.section == "Data Drift" and span.source == "course.md"
    assert text[span.start : span.end].startswith("Gradual")
    assert text[span.start : span.end].endswith("shifted")


def test_whitespace_case_punctuation_and_a_few_edits_do_not_hide_a_quote() -> None:
    edited = (
        "GRADUAL input   distribution changes -- degrade performance; a credit scoring "
        "system trained on 2015-2020 loan applications starts to underperform in 2025, "
        "because economic conditions and income distributions have shifted!"
    )
    spans = _index().find(edited, min_words=8, max_gap=3)
    assert len(spans) == 1 and spans[0].section == "Data Drift"
    assert spans[0].words >= 25


def test_unrelated_text_and_short_common_phrases_are_not_quotes() -> None:
    index = _index()
    assert index.find("My grandmother kept a notebook of every recipe she changed.") == []
    assert index.find("We saw that income distributions have shifted, nothing more.") == []
    assert index.find("") == []


def test_citation_markers_and_other_scripts_are_handled() -> None:
    assert [w.text for w in words("Drift [1] happens. [2, 3]")] == ["drift", "happens"]
    assert [w.text for w in words("数据 漂移")] == ["数据", "漂移"]
    assert _index().find("数据漂移是指输入分布的变化。" * 50) == []
