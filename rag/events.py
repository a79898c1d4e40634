"""What `Assistant.stream` yields: text as it is generated, then the final Answer."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from rag.answer import Answer


class TokenEvent(BaseModel):
    """A piece of the model's draft. The final answer may differ: grounding removes
    unsupported sentences, so show `FinalEvent.answer.text` once it arrives."""

    kind: Literal["token"] = "token"
    text: str


class FinalEvent(BaseModel):
    kind: Literal["final"] = "final"
    answer: Answer


StreamEvent = TokenEvent | FinalEvent
