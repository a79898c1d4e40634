"""The ingestion rows of `make bench`: the corpus's own dev question, and the table lines."""

from __future__ import annotations

import json

from eval.bench.ingestion import KB2, first_question, markdown_rows

RESULT = {
    "corpus": "pages",
    "chunks": 359,
    "ingest_s": 6.0,
    "ready_s": 7.0,
    "first_answer_s": 9.0,
    "chunks_per_s": 59.8,
    "end_to_end_chunks_per_s": 39.9,
    "kb_per_s": 120.0,
    "plain_embedding_chunks_per_s": 70.0,
    "plain_embedding_int8_chunks_per_s": 140.0,
}


def test_the_first_question_is_a_dev_answerable_one_of_the_corpus() -> None:
    question = first_question(KB2 / "pages")
    items = [json.loads(line) for line in (KB2 / "questions.jsonl").read_text().splitlines()]
    chosen = next(i for i in items if i["question"] == question)
    assert chosen["split"] == "dev" and chosen["kind"] == "answerable"


def test_rows_show_fresh_ingestion_beside_plain_embedding() -> None:
    rows = markdown_rows(RESULT)
    assert rows[0].startswith("| ingestion, fresh (pages, 359 chunks) | 59.8 chunks/s")
    assert "plain embedding of the same chunks 70.0 chunks/s (int8 copy: 140.0 chunks/s)" in rows[0]
    assert "9.0 s: 39.9 chunks/s end to end" in rows[1] and len(rows) == 2
    eager = markdown_rows({**RESULT, "grounding_texts": 4666, "eager_priming_s": 60.0})
    assert "all 4666 grounding texts" in eager[2] and "would add 60.0 s" in eager[2]
    no_int8 = markdown_rows({**RESULT, "plain_embedding_int8_chunks_per_s": None})
    assert "(int8 copy: n/a)" in no_int8[0]
