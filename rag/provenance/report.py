"""What a provenance check reports: three signals over the text and a one-line verdict."""

from __future__ import annotations

from pydantic import BaseModel, Field

from rag.provenance.memory import AnswerMatch


class TextSpan(BaseModel):
    """A stretch [start, end) of the checked text (characters), with what it matched."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str
    source: str | None = None
    section: str | None = None
    z: float | None = None
    p_value: float | None = None
    turn_id: int | None = None
    date: str | None = None


class QuotedSignal(BaseModel):
    """Spans that match the indexed documents verbatim or nearly."""

    share: float = Field(0.0, ge=0.0, le=1.0, description="Of the text's words.")
    spans: list[TextSpan] = Field(default_factory=list)
    available: bool = True
    note: str = ""


class GeneratedSignal(BaseModel):
    """The green-list test over the words not quoted from the documents."""

    share: float = Field(0.0, ge=0.0, le=1.0)
    spans: list[TextSpan] = Field(default_factory=list)
    verdict: str = "too short to tell"
    z: float = 0.0
    p_value: float = 1.0
    scored_tokens: int = 0
    note: str = ""


class AnswerSignal(BaseModel):
    """Matches against the answers this coursebot has shown (the answer memory)."""

    share: float = Field(0.0, ge=0.0, le=1.0)
    spans: list[TextSpan] = Field(default_factory=list)
    matches: list[AnswerMatch] = Field(default_factory=list)
    available: bool = True
    note: str = ""


class ProvenanceReport(BaseModel):
    """Where a pasted text came from, span by span.

    `from_coursebot` is True when the watermark or an answer match says so, False when
    neither does (text only quoted from the documents is not coursebot output by
    itself, even when coursebot gave the same passage: that is a note), and None when
    the text is too short to tell.
    """

    verdict: str
    from_coursebot: bool | None
    words: int
    characters: int
    analysed_characters: int
    quoted: QuotedSignal
    generated: GeneratedSignal
    answer: AnswerSignal
    notes: list[str] = Field(default_factory=list)


def _pct(share: float) -> str:
    return f"{round(share * 100)}%"


def verdict_line(
    from_coursebot: bool | None,
    quoted: QuotedSignal,
    generated: GeneratedSignal,
    answer: AnswerSignal,
    words: int,
) -> str:
    """One line combining the signals, e.g. "coursebot answer: 78% quoted from the course,
    22% generated (watermarked, z 4.6); matches answer #1234 of 2026-12-01"."""
    if words == 0:
        return "too short to tell: the text has no words"
    parts = []
    if quoted.share > 0:
        parts.append(f"{_pct(quoted.share)} quoted from the course")
    rest = max(0.0, 1.0 - quoted.share)
    if generated.verdict == "watermarked" or generated.spans:
        parts.append(f"{_pct(generated.share)} generated (watermarked, z {generated.z:.1f})")
    elif rest > 0.005:
        how = (
            "too short to test for the watermark"
            if generated.verdict == "too short to tell"
            else f"not watermarked, z {generated.z:.1f}"
        )
        where = "not from the course" if quoted.available else "not checked for quotes"
        parts.append(f"{_pct(rest)} {where} ({how})")
    body = ", ".join(parts)
    if answer.matches:
        best = answer.matches[0]
        how = f" (similarity {best.similarity:.2f})" if best.similarity is not None else ""
        if best.method == "cited":
            how = (
                " (the course's words with coursebot's citation marker; a person who quotes"
                " the same passage and cites it as [1] would look the same)"
            )
        body += f"; matches answer #{best.turn_id} of {best.date}{how}"
    elif answer.available:
        body += "; matches no remembered answer"
    if from_coursebot is True:
        head = "coursebot answer" if answer.matches else "coursebot output"
    elif from_coursebot is None:
        head = "too short to tell"
    elif quoted.share > 0:
        head = "quoted from the course documents, not coursebot output by itself"
    else:
        head = "no sign of coursebot"
    return f"{head}: {body}"
