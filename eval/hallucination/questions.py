"""The question set: one JSON object per line, validated with line numbers in every error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from eval.hallucination.errors import QuestionFileError

Kind = Literal["answerable", "unanswerable", "trap"]
Split = Literal["dev", "test"]


class Question(BaseModel):
    """One evaluation question.

    `key_facts` is a list of facts; each fact is a list of alternative phrasings, and the
    fact counts as present when any alternative matches (see `text.term_pattern`).
    `split` is fixed by a hash of the id (`eval.hallucination.splits`): tune on "dev",
    report "test".
    """

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    question: str = Field(min_length=1)
    kind: Kind
    key_facts: list[list[str]] = Field(default_factory=list)
    reference: str = ""
    forbidden: list[str] = Field(default_factory=list)
    source_section: str = ""
    history: list[str] = Field(default_factory=list)
    split: Split | None = None

    @field_validator("key_facts")
    @classmethod
    def _facts_have_alternatives(cls, facts: list[list[str]]) -> list[list[str]]:
        for i, fact in enumerate(facts):
            if not fact or not all(alt.strip() for alt in fact):
                raise ValueError(f"key fact {i} needs at least one non-empty phrasing")
        return facts


def load_questions(path: Path) -> list[Question]:
    """Read and validate a question file.

    Raises:
        QuestionFileError: the file is missing, a line is not JSON, a field is missing or
            wrong, or an id repeats; the message names the line and what to fix.
    """
    if not path.is_file():
        raise QuestionFileError(
            f"Question file not found: {path}. Pass --questions with a JSONL file "
            "(the project's set is eval/data/questions.jsonl)."
        )
    questions: list[Question] = []
    seen: dict[str, int] = {}
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            questions.append(_parse_line(path, number, line, seen))
    if not questions:
        raise QuestionFileError(f"{path} holds no questions (one JSON object per line).")
    return questions


def _parse_line(path: Path, number: int, line: str, seen: dict[str, int]) -> Question:
    where = f"{path}, line {number}"
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise QuestionFileError(
            f"{where}: not valid JSON ({exc.msg} at column {exc.colno})."
        ) from None
    if not isinstance(data, dict):
        raise QuestionFileError(f"{where}: expected a JSON object, got {type(data).__name__}.")
    try:
        question = Question.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(_describe(err) for err in exc.errors())
        raise QuestionFileError(f"{where}: {problems}.") from None
    if question.id in seen:
        raise QuestionFileError(
            f"{where}: id {question.id!r} already used on line {seen[question.id]}."
        )
    seen[question.id] = number
    return question


def _describe(err: object) -> str:
    assert isinstance(err, dict)
    field = ".".join(str(p) for p in err.get("loc", ())) or "object"
    if err.get("type") == "missing":
        return f"missing field {field!r}"
    if err.get("type") == "extra_forbidden":
        return f"unknown field {field!r}"
    return f"field {field!r}: {err.get('msg')}"
