from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from eval.hallucination.errors import QuestionFileError
from eval.hallucination.questions import Question, load_questions
from eval.robustness.metrics import cosine, jaccard, overlap_at_k
from eval.robustness.perturb import KINDS, perturb
from eval.robustness.runner import run_robustness, write_report
from rag.answer import Passage

QUESTIONS = [
    "What is data drift?",
    "Why do fairness audits compare true positive rates across groups?",
    "How does retrieval-augmented generation reduce hallucinations?",
    "What are silent failures in deployed machine learning systems?",
]


def test_perturbations_are_deterministic_and_change_the_text() -> None:
    for q in QUESTIONS:
        assert perturb(q, "identity") == q
        for kind in KINDS[1:]:
            assert perturb(q, kind, seed=7) == perturb(q, kind, seed=7)
    assert perturb("What is data drift?", "synonym") == "What is information shift?"
    assert perturb("What is data drift?", "casing", seed=0).lower() == "what is data drift?"
    assert perturb(QUESTIONS[1], "typo") != QUESTIONS[1]
    reordered = perturb(QUESTIONS[3], "reorder")
    assert reordered != QUESTIONS[3] and reordered.endswith("?")
    assert sorted(reordered[:-1].split()) == sorted(QUESTIONS[3][:-1].split())
    seeds = {perturb(QUESTIONS[1], "typo", seed=s) for s in range(10)}
    assert len(seeds) > 1
    with pytest.raises(ValueError, match="unknown perturbation"):
        perturb("x", "shout")  # type: ignore[arg-type]


def test_metrics() -> None:
    assert jaccard(["a", "b"], ["a", "b"]) == 1.0
    assert jaccard(["a", "b"], ["b", "c"]) == pytest.approx(1 / 3)
    assert overlap_at_k(["a", "b", "c"], ["b", "x", "a"], 2) == 0.5
    assert cosine(np.array([1.0, 0.0]), np.array([1.0, 1.0])) == pytest.approx(0.5**0.5)


class WordRetriever:
    """A fake retriever: passages named after the lower-cased words of the question."""

    def retrieve(self, question: str) -> list[Passage]:
        words = sorted({w.strip("?.,").lower() for w in question.split()}, key=len, reverse=True)
        return [Passage(chunk_id=w, source="s", section="", text=w, start=0, end=1,
                        dense_score=0.5) for w in words]  # fmt: skip


def test_identity_is_perfectly_stable_and_perturbations_drop(tmp_path: Path) -> None:
    questions = [
        Question(id=str(i), question=q, kind="answerable") for i, q in enumerate(QUESTIONS)
    ]
    report = run_robustness(questions, WordRetriever(), k=4, seed=0)
    by_kind = {s.kind: s for s in report.summaries}
    assert by_kind["identity"].jaccard == 1.0 and by_kind["identity"].drop == 0.0
    assert by_kind["casing"].jaccard == 1.0  # the fake lower-cases, so casing cannot hurt it
    assert by_kind["typo"].drop > 0.0
    assert by_kind["synonym"].drop > 0.0
    assert by_kind["reorder"].jaccard == 1.0  # a bag of words ignores order
    assert run_robustness(questions, WordRetriever(), seed=0) == report
    out = write_report(report, tmp_path / "rob")
    assert json.loads((out / "robustness.json").read_text())["questions"] == 4
    assert len((out / "items.jsonl").read_text().splitlines()) == 4 * len(KINDS)
    assert "| identity | 0/4 | 1.000 |" in (out / "robustness.md").read_text()


def test_the_question_file_is_read_by_the_one_strict_loader(tmp_path: Path) -> None:
    with pytest.raises(QuestionFileError, match="not found"):
        load_questions(tmp_path / "missing.jsonl")
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text('{"id": "a", "question": "What is drift?", "kind": "answerable"}\nnope\n')
    with pytest.raises(QuestionFileError, match="line 2: not valid JSON"):
        load_questions(mixed)
