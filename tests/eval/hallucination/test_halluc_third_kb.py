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
from click.testing import CliRunner

from eval.hallucination.matching import fact_present
from eval.hallucination.questions import load_questions
from eval.hallucination.splits import split_of
from rag.documents import load_document

KB = Path(__file__).resolve().parents[3] / "eval" / "data" / "kb-third-postgresql"
PAGES = KB / "pages"
QUESTIONS = KB / "questions.jsonl"


def test_every_key_fact_is_stated_by_the_pages_as_the_loader_reads_them() -> None:
    text = "\n\n".join(load_document(p, 10_000_000).text for p in sorted(PAGES.glob("*.html")))
    missing = [
        (q.id, fact)
        for q in load_questions(QUESTIONS)
        if q.kind == "answerable"
        for fact in q.key_facts
        if not fact_present(text, fact)
    ]
    assert not missing


def test_counts_and_splits_are_as_the_readme_documents() -> None:
    questions = load_questions(QUESTIONS)
    assert all(q.split == split_of(q.id) for q in questions)
    counts = Counter((q.kind, q.split) for q in questions)
    assert counts == {
        ("answerable", "dev"): 21,
        ("answerable", "test"): 23,
        ("unanswerable", "dev"): 6,
        ("unanswerable", "test"): 9,
        ("trap", "dev"): 2,
        ("trap", "test"): 3,
    }
    assert all(q.forbidden for q in questions if q.kind == "trap")
    assert len(list(PAGES.glob("*.html"))) == 11


@pytest.mark.slow
def test_cli_evaluates_a_third_knowledge_base_end_to_end(tmp_path: Path) -> None:
    from ui.cli.main import cli

    keep = {"kb3-a03", "kb3-u09", "kb3-t01"}  # dev split: WHERE vs HAVING; window cap; median()
    lines = [ln for ln in QUESTIONS.read_text().splitlines() if json.loads(ln)["id"] in keep]
    questions = tmp_path / "subset.jsonl"
    questions.write_text("\n".join(lines) + "\n")
    out = tmp_path / "run"
    args = ["eval", "hallucination", "--questions", str(questions), "--split", "dev"]
    for page in ("tutorial-agg.html", "tutorial-window.html"):
        args += ["--kb", str(PAGES / page)]
    result = CliRunner().invoke(cli, [*args, "--out", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    info = json.loads((out / "run.json").read_text())
    assert info["split"] == "dev" and info["status"] == "complete"
    assert len(info["overrides"]["kb_paths"]) == 2 and (out / "kb-data" / "index").is_dir()
    rows = (out / "results.jsonl").read_text().splitlines()
    records = {r["id"]: r for r in map(json.loads, rows)}
    assert set(records) == keep
    passages = [p for r in records.values() for p in r["answer"]["passages"]]
    sources = {p["source"] for p in passages}
    assert passages and sources <= {"tutorial-agg.html", "tutorial-window.html"}
    assert json.loads((out / "metrics.json").read_text())["n_questions"] == len(keep)
