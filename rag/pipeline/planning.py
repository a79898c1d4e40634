"""Step 4: plan the prompt: which passages the model reads, within the token budget."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rag.answer import Passage, Usage
from rag.pipeline.messages import Wording
from rag.pipeline.turn import Turn
from rag.prompting import PromptPlan, build_prompt


class PlanStep:
    """The first `prompt_passages` usable passages, as many as fit `budget_tokens`, under
    instructions that name the knowledge base as `wording` does."""

    def __init__(
        self,
        count_tokens: Callable[[str], int],
        *,
        prompt_passages: int,
        budget_tokens: int,
        wording: Wording | None = None,
    ) -> None:
        self.count_tokens = count_tokens
        self.prompt_passages = prompt_passages
        self.budget_tokens = budget_tokens
        self.wording = wording or Wording()

    def build(self, question: str, usable: Sequence[Passage]) -> PromptPlan:
        """The prompt for `question` over `usable` passages.

        Raises:
            InvalidQuestion: the question alone does not fit the budget.
        """
        return build_prompt(
            question,
            usable[: self.prompt_passages],
            self.count_tokens,
            self.budget_tokens,
            system=self.wording.system_prompt,
        )

    def plan(self, turn: Turn) -> None:
        turn.plan = self.build(turn.answer.resolved_question, turn.usable)
        turn.answer.usage = Usage(
            prompt_tokens=turn.plan.prompt_tokens,
            budget_tokens=turn.plan.budget_tokens,
            passages_offered=len(turn.usable),
            passages_in_prompt=len(turn.plan.passages),
        )
