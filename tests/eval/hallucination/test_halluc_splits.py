"""The dev/test split: fixed by the id's hash, recorded in every shipped item."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eval.hallucination.errors import QuestionFileError
from eval.hallucination.questions import Question, load_questions
from eval.hallucination.splits import select_split, split_of

DATA = Path(__file__).resolve().parents[3] / "eval" / "data"
SHIPPED = [
    DATA / "questions.jsonl",
    DATA / "kb-python-docs" / "questions.jsonl",
    DATA / "questions-parts.jsonl",
]


@given(st.text(min_size=1, max_size=40))
def test_split_depends_only_on_the_id(question_id: str) -> None:
    assert split_of(question_id) == split_of(question_id) in ("dev", "test")


def test_split_is_roughly_half_and_half() -> None:
    splits = [split_of(f"q{i}") for i in range(2000)]
    assert 0.45 < splits.count("dev") / len(splits) < 0.55


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.parent.name + "/" + p.name)
def test_every_shipped_item_records_the_split_its_id_hashes_to(path: Path) -> None:
    questions = load_questions(path)
    assert all(q.split == split_of(q.id) for q in questions)
    dev, test = select_split(questions, "dev"), select_split(questions, "test")
    assert len(dev) + len(test) == len(questions) and dev and test
    assert {q.id for q in dev}.isdisjoint({q.id for q in test})


def test_second_kb_question_set_has_the_sizes_the_issue_asks_for() -> None:
    questions = load_questions(SHIPPED[1])
    kinds = [q.kind for q in questions]
    assert kinds.count("answerable") >= 40
    assert kinds.count("unanswerable") >= 15
    assert kinds.count("trap") >= 5
    assert all(q.key_facts for q in questions if q.kind == "answerable")


def test_a_hand_edited_split_is_refused() -> None:
    wrong = "test" if split_of("x1") == "dev" else "dev"
    questions = [Question(id="x1", question="?", kind="answerable", split=wrong)]
    with pytest.raises(QuestionFileError, match="split"):
        select_split(questions, "dev")
    assert select_split(questions, None) == questions
