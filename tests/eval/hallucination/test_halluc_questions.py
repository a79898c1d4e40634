"""The question file: validation errors name the line, the project's set is complete."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from eval.hallucination.errors import QuestionFileError
from eval.hallucination.evaluate import DEFAULT_QUESTIONS
from eval.hallucination.matching import facts_present
from eval.hallucination.questions import load_questions
from tests.eval.hallucination.halluc_fakes import write_jsonl

GOOD = {"id": "a", "question": "What is data drift?", "kind": "answerable"}


def test_malformed_json_line_names_line_number(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text('{"id": "a", "question": "x", "kind": "trap"}\n{"id": "b", "question":\n')
    with pytest.raises(QuestionFileError, match=r"line 2: not valid JSON"):
        load_questions(path)


def test_missing_field_is_named(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "q.jsonl", [GOOD, {"id": "b", "question": "Why?"}])
    with pytest.raises(QuestionFileError, match=r"line 2: missing field 'kind'"):
        load_questions(path)


def test_wrong_kind_unknown_field_and_duplicate_id(tmp_path: Path) -> None:
    bad_kind = write_jsonl(tmp_path / "k.jsonl", [{**GOOD, "kind": "maybe"}])
    with pytest.raises(QuestionFileError, match=r"line 1: field 'kind'"):
        load_questions(bad_kind)
    typo = write_jsonl(tmp_path / "t.jsonl", [{**GOOD, "key_fact": []}])
    with pytest.raises(QuestionFileError, match=r"unknown field 'key_fact'"):
        load_questions(typo)
    dup = write_jsonl(tmp_path / "d.jsonl", [GOOD, GOOD])
    with pytest.raises(QuestionFileError, match=r"line 2: id 'a' already used on line 1"):
        load_questions(dup)
    not_object = write_jsonl(tmp_path / "n.jsonl", [[1, 2]])
    with pytest.raises(QuestionFileError, match=r"expected a JSON object"):
        load_questions(not_object)


def test_missing_file_says_what_to_pass(tmp_path: Path) -> None:
    with pytest.raises(QuestionFileError, match=r"not found.*--questions"):
        load_questions(tmp_path / "nope.jsonl")


def test_project_question_set_covers_the_brief() -> None:
    questions = load_questions(DEFAULT_QUESTIONS)
    kinds = Counter(q.kind for q in questions)
    assert kinds["answerable"] >= 40 and kinds["unanswerable"] >= 15 and kinds["trap"] >= 5
    assert sum(bool(q.history) for q in questions) >= 5
    assert all(q.key_facts and q.reference for q in questions if q.kind == "answerable")
    assert all(q.forbidden for q in questions if q.kind == "trap")


def test_every_reference_answer_contains_its_own_key_facts() -> None:
    """The matching rule must accept the reference answer, or the facts are mis-written."""
    parts = Path(DEFAULT_QUESTIONS).parent / "questions-parts.jsonl"
    for q in [*load_questions(DEFAULT_QUESTIONS), *load_questions(parts)]:
        if q.kind == "answerable":
            assert all(facts_present(q.reference, q.key_facts)), q.id
