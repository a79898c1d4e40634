"""The second knowledge base (Python docs pages): its question set, and a real run of it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from eval.hallucination.matching import fact_present
from eval.hallucination.questions import load_questions
from rag.documents import load_document

KB = Path(__file__).resolve().parents[3] / "eval" / "data" / "kb-python-docs"
PAGES = KB / "pages"
QUESTIONS = KB / "questions.jsonl"


def test_every_key_fact_is_stated_by_the_pages_as_the_loader_reads_them() -> None:
    text = "\n\n".join(load_document(p, 10_000_000).text for p in sorted(PAGES.rglob("*.html")))
    missing = [
        (q.id, fact)
        for q in load_questions(QUESTIONS)
        if q.kind == "answerable"
        for fact in q.key_facts
        if not fact_present(text, fact)
    ]
    assert not missing


@pytest.mark.slow
def test_cli_evaluates_a_second_knowledge_base_end_to_end(tmp_path: Path) -> None:
    from ui.cli.main import cli

    keep = {"py-a46", "py-u12", "py-t02"}  # dev split: sorts stable; Timsort's company; json.parse
    lines = [ln for ln in QUESTIONS.read_text().splitlines() if json.loads(ln)["id"] in keep]
    questions = tmp_path / "subset.jsonl"
    questions.write_text("\n".join(lines) + "\n")
    out = tmp_path / "run"
    args = ["eval", "hallucination", "--questions", str(questions), "--split", "dev"]
    for page in ("howto/sorting.html", "library/json.html"):
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
    assert passages and {p["source"] for p in passages} <= {"sorting.html", "json.html"}
    assert not any("¶" in p["text"] or "Navigation" in p["text"] for p in passages)
    assert records["py-a46"]["answer"]["passages"][0]["source"] == "sorting.html"
    assert json.loads((out / "metrics.json").read_text())["n_questions"] == 3
