"""Pydantic models at the harness's boundaries: items to rate, what a rater sees, raters."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

ItemKind = Literal["likert", "pair"]
Choice = Literal["A", "B", "tie", "both_bad"]
"""What the rater picked, in displayed terms: A is the answer shown first (left)."""
CHOICES: tuple[str, ...] = ("A", "B", "tie", "both_bad")


class NewItem(BaseModel):
    """One question's answer (likert) or two configurations' answers (pair) to queue."""

    kind: ItemKind
    question_id: str
    question: str
    question_kind: str = ""
    answer_a: dict[str, Any]
    config_a: str
    settings_a: dict[str, Any] = Field(default_factory=dict)
    metrics_a: dict[str, Any] = Field(default_factory=dict)
    answer_b: dict[str, Any] | None = None
    config_b: str | None = None
    settings_b: dict[str, Any] | None = None
    metrics_b: dict[str, Any] | None = None
    gold: dict[str, Any] | None = Field(
        None,
        description="Known verdict: {dimension: score} for likert, {'winner': a|b|tie|both_bad}.",
    )


class Rater(BaseModel):
    id: str
    name: str
    created_at: str


class Source(BaseModel):
    """A passage shown to the rater under an answer."""

    label: str
    text: str


class ShownAnswer(BaseModel):
    """An answer as the rater sees it: no configuration, no run, no scores."""

    label: str
    text: str
    abstained: bool = False
    sources: list[Source] = Field(default_factory=list)


class RaterView(BaseModel):
    """Everything the Rate page shows for one assignment; blind to configurations."""

    item_id: int
    kind: ItemKind
    question: str
    answers: list[ShownAnswer]


class GoldResult(BaseModel):
    """How one rater did on gold items (items with a known verdict)."""

    rater_id: str
    answered: int
    passed: int
    pass_rate: float
    flagged: bool


class ImportReport(BaseModel):
    kind: ItemKind
    runs: list[str]
    added: int
    skipped: int
