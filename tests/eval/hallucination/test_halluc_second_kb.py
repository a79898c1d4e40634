"""The second knowledge base (Python docs pages): its question set, and a real run of it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.eval.hallucination.kb_sets import facts_the_pages_do_not_state, run_dev_subset

KB = Path(__file__).resolve().parents[3] / "eval" / "data" / "kb-python-docs"
PAGES = KB / "pages"
QUESTIONS = KB / "questions.jsonl"


def test_every_key_fact_is_stated_by_the_pages_as_the_loader_reads_them() -> None:
    assert not facts_the_pages_do_not_state(list(PAGES.rglob("*.html")), QUESTIONS)


@pytest.mark.slow
def test_cli_evaluates_a_second_knowledge_base_end_to_end(tmp_path: Path) -> None:
    keep = {"py-a46", "py-u12", "py-t02"}  # dev split: sorts stable; Timsort's company; json.parse
    pages = [PAGES / "howto/sorting.html", PAGES / "library/json.html"]
    out, info, records = run_dev_subset(tmp_path, QUESTIONS, keep, pages)
    assert info["split"] == "dev" and info["status"] == "complete"
    assert len(info["overrides"]["kb_paths"]) == 2 and (out / "kb-data" / "index").is_dir()
    assert set(records) == keep
    passages = [p for r in records.values() for p in r["answer"]["passages"]]
    assert passages and {p["source"] for p in passages} <= {"sorting.html", "json.html"}
    assert not any("¶" in p["text"] or "Navigation" in p["text"] for p in passages)
    assert records["py-a46"]["answer"]["passages"][0]["source"] == "sorting.html"
    assert json.loads((out / "metrics.json").read_text())["n_questions"] == 3
