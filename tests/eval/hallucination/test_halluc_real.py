"""End to end with the real assistant (llama.cpp, MiniLM, FAISS, SQLite), offline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.hallucination.calibration import calibrate, load_labels
from eval.hallucination.evaluate import DEFAULT_QUESTIONS, evaluate
from eval.hallucination.questions import load_questions
from eval.hallucination.verifier import ClaimVerifier
from tests.real_models import RealModels

pytestmark = pytest.mark.slow

IDS = ["a64", "u03", "u04"]  # data drift; capital of Australia; sourdough bread


def test_real_assistant_without_abstention_and_grounding_scores_worse(
    tmp_path: Path, real_models: RealModels
) -> None:
    questions = [q for q in load_questions(DEFAULT_QUESTIONS) if q.id in IDS]
    verifier = ClaimVerifier(real_models.course.embedder)  # the loaded MiniLM
    calibration = calibrate(
        verifier,
        load_labels(Path(DEFAULT_QUESTIONS).parent / "verifier_labels.jsonl")[::5],
        folds=3,
    )
    runs = {}
    ablated_bot = real_models.assistant(
        retrieval={"min_dense_score": -1.0, "min_passage_score": -1.0},
        answer={"grounding": "off", "tuning": {"evidence_check": False}},
    )
    bots = {"default": real_models.course, "no-abstention": ablated_bot}
    for name, assistant in bots.items():
        info = {
            "name": name,
            "started_at": "t",
            "settings_fingerprint": assistant.settings.fingerprint(),
        }
        runs[name] = evaluate(
            assistant, questions, tmp_path / name, verifier, calibration, info, progress=False
        )
    default, ablated = runs["default"].rates, runs["no-abstention"].rates
    # u03 abstains by default (weak retrieval) but is answered without the abstention and
    # grounding gates; u04 is refused by the safety policy in both runs (a false positive).
    assert default["abstention_recall"].value == 1.0
    assert ablated["abstention_recall"].value is not None
    assert ablated["abstention_recall"].value < default["abstention_recall"].value
    line = json.loads((tmp_path / "default" / "results.jsonl").read_text().splitlines()[0])
    assert line["id"] == "a64" and line["answer"]["passages"]
    assert json.loads((tmp_path / "default" / "metrics.json").read_text())["verifier"]


def test_real_assistant_answers_each_part_and_corrects_a_false_premise(
    real_models: RealModels,
) -> None:
    from eval.hallucination.matching import facts_present, stated_forbidden

    bot = real_models.course
    both = bot.ask("What is concept drift, and how is it different from data drift?")
    assert all(facts_present(both.text, [["target variable"], ["input distribution"]]))
    assert len(both.citations) == 2, "each part cites its own passage"
    premise = bot.ask("Why does the course say concept drift is caused by GPU overheating?")
    assert premise.text.startswith("Nothing in ") and "says that concept drift" in premise.text
    assert facts_present(premise.text, [["target variable"]]) == [True]
    assert stated_forbidden(premise.text, ["caused by gpu overheating"]) == []
    follow_up = bot.ask(
        "and how is it detected?",
        history=["What is concept drift, and how is it different from data drift?"],
    )
    assert follow_up.resolved_question == "How is concept drift detected?"
