"""Step 1: screen the question: clean it, bound it, and pass it through the input guard."""

from __future__ import annotations

import re

from rag.errors import InvalidQuestion
from rag.pipeline.messages import refuse
from rag.pipeline.turn import Turn, timed
from rag.protocols import InputGuardLike
from safety import redact_pii

_SURROGATES = re.compile(r"[\ud800-\udfff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_question(question: object) -> str:
    """The question as text that can be stored and shown.

    Bytes that were not valid UTF-8 (a terminal or a client can pass them on as lone
    surrogates) become U+FFFD, control characters are dropped, whitespace is trimmed.
    """
    if not isinstance(question, str):
        return ""
    text = _SURROGATES.sub("\ufffd", question)
    return _CONTROL.sub("", text).strip()


def validate_question(question: object, max_chars: int) -> str:
    """The cleaned question.

    Raises:
        InvalidQuestion: empty or longer than `max_chars` (nothing is logged).
    """
    text = clean_question(question)
    if not text:
        raise InvalidQuestion("Please type a question.")
    if len(text) > max_chars:
        raise InvalidQuestion(
            f"The question is {len(text):,} characters long; the limit is "
            f"{max_chars:,}. Please shorten it."
        )
    return text


class QuestionStep:
    """Validates a question and runs the input guard on it."""

    def __init__(self, max_chars: int, guard: InputGuardLike | None) -> None:
        self.max_chars = max_chars
        self.guard = guard

    def validate(self, question: object) -> str:
        """`validate_question` with this step's limit."""
        return validate_question(question, self.max_chars)

    def screen(self, turn: Turn) -> bool:
        """Run the input guard; True when the question is refused.

        The question is logged and passed on with personal data redacted; a refused
        question's verdict keeps only the redacted text.
        """
        if self.guard is None:
            return False
        with timed(turn.timings, "safety_s"):
            verdict = self.guard.check(turn.text)
        kept = verdict.text if verdict.allowed and verdict.text else redact_pii(turn.text)
        turn.answer.safety.input = verdict.model_copy(update={"text": kept})
        turn.logged_question = kept
        if not verdict.allowed:
            refuse(turn.answer, verdict)
            return True
        turn.text = kept
        return False
