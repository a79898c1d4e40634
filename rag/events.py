"""What `Assistant.stream` yields: the opening course quote, the model's draft as it is
generated, then the final Answer."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from rag.answer import Answer


class QuoteEvent(BaseModel):
    """The course sentences the answer opens with, known before the model starts.

    Sent at once in "quote-and-generate" mode, after the output guard passed them, so the
    reader starts reading while the model evaluates its prompt. The final answer begins
    with exactly this text, unless the whole answer is then withheld.
    """

    kind: Literal["quote"] = "quote"
    text: str


class TokenEvent(BaseModel):
    """One sentence of the model's draft, complete and already passed by the output guard
    (redacted where it held personal data; sentences the guard refused never arrive).

    The final answer may differ: grounding removes unsupported sentences, so show
    `FinalEvent.answer.text` once it arrives.
    """

    kind: Literal["token"] = "token"
    text: str


class FinalEvent(BaseModel):
    kind: Literal["final"] = "final"
    answer: Answer


StreamEvent = QuoteEvent | TokenEvent | FinalEvent
