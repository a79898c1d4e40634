"""Robustness on the real assistant (MiniLM + FAISS + BM25 over the course kb)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ui.cli.monitor import command

QUESTIONS = [
    {"id": "r1", "question": "What is data drift?", "kind": "answerable"},
    {"id": "r2", "question": "What does a robustness test assess?", "kind": "answerable"},
    {"id": "r3", "question": "What is concept drift?", "kind": "answerable"},
]


@pytest.mark.slow
def test_cli_robustness_on_the_real_assistant(tmp_path: Path) -> None:
    questions = tmp_path / "q.jsonl"
    questions.write_text("\n".join(json.dumps(q) for q in QUESTIONS) + "\n")
    out = tmp_path / "rob"
    result = CliRunner().invoke(
        command, ["robustness", "--questions", str(questions), "--out", str(out)],
        obj={"config": None},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "robustness.json").read_text())
    by_kind = {s["kind"]: s for s in summary["summaries"]}
    assert by_kind["identity"]["overlap_at_k"] == 1.0
    assert all(0.0 <= s["overlap_at_k"] <= 1.0 for s in summary["summaries"])
    assert by_kind["synonym"]["changed"] == 3
