"""What the tests of each extra knowledge base share: the key-fact check against the pages as
the loader reads them, and a real `eval hallucination` run of a few dev questions."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from eval.hallucination.matching import fact_present
from eval.hallucination.questions import load_questions
from rag.documents import load_document


def facts_the_pages_do_not_state(pages: Sequence[Path], questions: Path) -> list[tuple[str, Any]]:
    """(question id, key fact) for every answerable key fact absent from the loaded pages."""
    text = "\n\n".join(load_document(p, 10_000_000).text for p in sorted(pages))
    return [
        (q.id, fact)
        for q in load_questions(questions)
        if q.kind == "answerable"
        for fact in q.key_facts
        if not fact_present(text, fact)
    ]


def run_dev_subset(
    tmp_path: Path, questions: Path, keep: Collection[str], pages: Sequence[Path]
) -> tuple[Path, dict[str, Any], dict[str, dict[str, Any]]]:
    """`coursebot eval hallucination --split dev` on the `keep` questions over `pages`;
    returns the run folder, its run.json and the records by id (the CLI must succeed)."""
    from ui.cli.main import cli

    lines = [ln for ln in questions.read_text().splitlines() if json.loads(ln)["id"] in keep]
    subset = tmp_path / "subset.jsonl"
    subset.write_text("\n".join(lines) + "\n")
    out = tmp_path / "run"
    args = ["eval", "hallucination", "--questions", str(subset), "--split", "dev"]
    for page in pages:
        args += ["--kb", str(page)]
    result = CliRunner().invoke(cli, [*args, "--out", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    info = json.loads((out / "run.json").read_text())
    rows = (out / "results.jsonl").read_text().splitlines()
    return out, info, {r["id"]: r for r in map(json.loads, rows)}
