"""What the assistant returns: the public, pydantic contract of one answered question."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from safety.verdict import Verdict
from safety.watermark.verdict import WatermarkVerdict


class Passage(BaseModel):
    """A retrieved chunk with every score that ranked it."""

    chunk_id: str
    source: str
    section: str
    page: int | None = Field(None, description="The PDF page the passage starts on.")
    text: str
    start: int
    end: int
    dense_score: float = Field(description="Cosine similarity to the query.")
    keyword_score: float = Field(0.0, description="BM25 score (0 when not matched).")
    fused_score: float = Field(0.0, description="Reciprocal-rank-fusion score.")
    rank: int = 0


class Citation(BaseModel):
    """A numbered source shown under the answer; `n` matches the `[n]` markers in `text`."""

    n: int
    chunk_id: str
    source: str
    section: str
    page: int | None = Field(None, description="The PDF page of the cited passage.")
    text: str
    score: float = Field(description="Support of the cited sentence(s) by this passage, 0..1.")


class SentenceCheck(BaseModel):
    """The grounding verdict for one sentence of the generated answer."""

    text: str
    supported: bool
    score: float
    citation: int | None = None
    reason: str = ""


class SafetyReport(BaseModel):
    """The verdicts of the guards this turn passed through."""

    input: Verdict | None = None
    output: Verdict | None = None
    passages: list[Verdict] = Field(default_factory=list)
    refused: bool = False
    policy: str | None = None


WatermarkStatus = Literal["applied", "not applied on this backend"]


class WatermarkReport(WatermarkVerdict):
    """The watermark test of the tokens the model generated for this answer.

    It applies to the generated tokens before grounding removed any sentence; quoted
    course text carries no mark and is not part of the test. The per-token flags are
    left out: the answer keeps its generated token ids, from which they follow.
    """

    green_flags: list[bool | None] = Field(default_factory=list, exclude=True)
    applies_to: str = "generated tokens (before sentences were removed)"
    status: WatermarkStatus = Field(
        "applied",
        description="Whether the mark was put on this answer: a plain OpenAI-compatible "
        "server cannot apply it, and its answers are tested all the same.",
    )

    @classmethod
    def of(cls, verdict: WatermarkVerdict, status: WatermarkStatus = "applied") -> WatermarkReport:
        return cls(**verdict.model_dump(exclude={"green_flags"}), status=status)


class Timings(BaseModel):
    total_s: float = 0.0
    safety_s: float = 0.0
    retrieval_s: float = 0.0
    generation_s: float = 0.0
    first_token_s: float | None = Field(
        None, description="Until the model's first generated token (prompt evaluation)."
    )
    first_text_s: float | None = Field(
        None,
        description="Until the reader saw the first words of the answer: the course quote "
        "when one opens the answer, else the first generated token.",
    )
    grounding_s: float = 0.0


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    budget_tokens: int = 0
    passages_offered: int = 0
    passages_in_prompt: int = 0


class Answer(BaseModel):
    """One answered (or declined) question."""

    question: str
    resolved_question: str = ""
    text: str
    abstained: bool = False
    refused: bool = False
    reason: str = Field("", description="Why the assistant abstained or refused, if it did.")
    citations: list[Citation] = Field(default_factory=list)
    passages: list[Passage] = Field(default_factory=list)
    sentences: list[SentenceCheck] = Field(default_factory=list)
    raw_text: str = Field("", description="The model's text before the grounding check.")
    extractive: bool = Field(False, description="True when the text quotes the course.")
    safety: SafetyReport = Field(default_factory=SafetyReport)
    watermark: WatermarkReport | None = Field(
        None, description="The watermark test of the generated tokens; None when none are shown."
    )
    generated_token_ids: list[int] = Field(default_factory=list)
    timings: Timings = Field(default_factory=Timings)
    usage: Usage = Field(default_factory=Usage)
    model: str = ""
    settings_hash: str = ""
    arm: str = Field("default", description="The A/B experiment arm that answered.")
    turn_id: int | None = None
