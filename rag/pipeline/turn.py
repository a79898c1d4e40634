"""What passes between the steps of one request: the turn being answered."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from rag.answer import Answer, Passage, Timings
from rag.generation import GenerationResult
from rag.grounding import GroundedText
from rag.prompting import PromptPlan

TimedStage = Literal["safety_s", "retrieval_s", "generation_s", "grounding_s"]


class Turn(BaseModel):
    """One question on its way to an Answer; each step reads and fills its part."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    answer: Answer
    text: str = Field(description="The question as the pipeline reads it (screened).")
    logged_question: str = Field(description="The question as the turn log keeps it (no PII).")
    history: list[str] = Field(default_factory=list)
    session_id: str | None = None
    arm: str = "default"
    started: float = Field(default_factory=time.perf_counter)
    passages: list[Passage] = Field(default_factory=list, description="Retrieved, screened.")
    usable: list[Passage] = Field(default_factory=list, description="Close enough to show.")
    plan: PromptPlan | None = None
    parts: list[str] = Field(
        default_factory=list, description="The parts of a multi-part question answered."
    )
    uncovered: list[str] = Field(
        default_factory=list, description="Parts of the question the passages do not answer."
    )
    premise: str | None = Field(
        None, description="What the question takes for granted that no passage supports."
    )
    quote: GroundedText | None = None
    quote_tried: bool = False
    result: GenerationResult | None = None
    marked: bool = Field(False, description="The watermark processor ran on the generation.")

    @property
    def timings(self) -> Timings:
        return self.answer.timings

    def elapsed(self) -> float:
        """Seconds since the request started."""
        return time.perf_counter() - self.started


@contextmanager
def timed(timings: Timings, stage: TimedStage) -> Iterator[None]:
    """Add the time spent inside the block to `timings.<stage>`."""
    start = time.perf_counter()
    try:
        yield
    finally:
        setattr(timings, stage, getattr(timings, stage) + time.perf_counter() - start)
