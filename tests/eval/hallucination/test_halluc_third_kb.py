"""The third knowledge base (PostgreSQL 15 docs pages): its question set, and a real run of it.

The set is sealed: nothing here scores answers. The fast tests check the file itself (key
facts stated by the pages as the loader reads them, counts and hash splits as the README
documents); the slow test runs two dev items end to end and asserts structure only.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from eval.hallucination.questions import load_questions
from eval.hallucination.splits import split_of
from tests.eval.hallucination.kb_sets import facts_the_pages_do_not_state, run_dev_subset

KB = Path(__file__).resolve().parents[3] / "eval" / "data" / "kb-third-postgresql"
PAGES = KB / "pages"
QUESTIONS = KB / "questions.jsonl"


def test_every_key_fact_is_stated_by_the_pages_as_the_loader_reads_them() -> None:
    assert not facts_the_pages_do_not_state(list(PAGES.glob("*.html")), QUESTIONS)


def test_counts_and_splits_are_as_the_readme_documents() -> None:
    questions = load_questions(QUESTIONS)
    assert all(q.split == split_of(q.id) for q in questions)
    counts = Counter((q.kind, q.split) for q in questions)
    assert counts == {
        ("answerable", "dev"): 21,
        ("answerable", "test"): 23,
        ("unanswerable", "dev"): 15,
        ("unanswerable", "test"): 15,
        ("trap", "dev"): 5,
        ("trap", "test"): 3,
    }
    assert all(q.forbidden for q in questions if q.kind == "trap")
    assert len(list(PAGES.glob("*.html"))) == 11


@pytest.mark.slow
def test_cli_evaluates_a_third_knowledge_base_end_to_end(tmp_path: Path) -> None:
    keep = {"kb3-a03", "kb3-u09", "kb3-t01"}  # dev split: WHERE vs HAVING; window cap; median()
    pages = [PAGES / "tutorial-agg.html", PAGES / "tutorial-window.html"]
    out, info, records = run_dev_subset(tmp_path, QUESTIONS, keep, pages)
    assert info["split"] == "dev" and info["status"] == "complete"
    assert len(info["overrides"]["kb_paths"]) == 2 and (out / "kb-data" / "index").is_dir()
    assert set(records) == keep
    passages = [p for r in records.values() for p in r["answer"]["passages"]]
    sources = {p["source"] for p in passages}
    assert passages and sources <= {"tutorial-agg.html", "tutorial-window.html"}
    assert json.loads((out / "metrics.json").read_text())["n_questions"] == len(keep)
