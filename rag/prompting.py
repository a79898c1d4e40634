"""The prompt, built within an explicit token budget.

Passages go in by retrieval rank until the budget is spent; a passage that does not fit
is left out whole and recorded, never cut mid-way without a trace.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pydantic import BaseModel, Field

from rag.answer import Passage
from rag.errors import InvalidQuestion
from rag.generation import Message

GENERIC_NAME = "the indexed documents"


def system_prompt(name: str = GENERIC_NAME, decline: str | None = None) -> str:
    """The instructions, naming the knowledge base as the messages do (`Wording.name`,
    `Wording.not_covered`), so an instructor's documents are never called "a course"."""
    decline = decline or f"This is not covered in {name}."
    return (
        f"You answer questions about {name} using only the numbered passages given. "
        "Answer in two to four short sentences. Use the passages' own words where you can. "
        f"If the passages do not contain the answer, say: {decline}"
    )


class PromptPlan(BaseModel):
    """The messages to send and how the token budget was spent."""

    messages: list[Message]
    budget_tokens: int
    prompt_tokens: int
    passages: list[Passage] = Field(description="The passages in the prompt, numbered 1..n.")
    dropped: list[str] = Field(default_factory=list, description="Chunk ids left out to fit.")


def _passage_block(n: int, passage: Passage) -> str:
    where = f" ({passage.section})" if passage.section else ""
    return f"[{n}]{where} {passage.text.strip()}"


def build_prompt(
    question: str,
    passages: Sequence[Passage],
    count_tokens: Callable[[str], int],
    budget_tokens: int,
    system: str | None = None,
) -> PromptPlan:
    """Fit the system prompt (default: `system_prompt()`), the question and as many
    passages as the budget allows.

    Raises:
        InvalidQuestion: the question alone does not fit in the budget.
    """

    def user_message(blocks: list[str]) -> str:
        context = "\n\n".join(blocks) if blocks else "(no passages)"
        return f"Passages:\n\n{context}\n\nQuestion: {question}"

    system = system or system_prompt()
    fixed = count_tokens(system) + count_tokens(user_message([])) + 16
    if fixed > budget_tokens:
        raise InvalidQuestion(
            f"The question is too long for the model: it needs {fixed} tokens with the "
            f"instructions, and the prompt budget is {budget_tokens}. Please shorten it."
        )
    used = fixed
    blocks: list[str] = []
    kept: list[Passage] = []
    dropped: list[str] = []
    for passage in passages:
        block = _passage_block(len(kept) + 1, passage)
        cost = count_tokens(block) + 2
        if used + cost > budget_tokens:
            dropped.append(passage.chunk_id)
            continue
        blocks.append(block)
        kept.append(passage)
        used += cost
    messages: list[Message] = [
        {"role": "system", "content": system},
        {"role": "user", "content": user_message(blocks)},
    ]
    return PromptPlan(
        messages=messages,
        budget_tokens=budget_tokens,
        prompt_tokens=used,
        passages=kept,
        dropped=dropped,
    )
