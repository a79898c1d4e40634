"""What the assistant says when it does not answer: the user-facing sentences, in one place."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import PurePath

from rag.answer import Answer
from rag.prompting import GENERIC_NAME, system_prompt
from safety.verdict import Verdict

INTERRUPTED = "The answer was interrupted before it was finished."

_KIND_ASKED = {
    "number": "The number asked for",
    "date": "The date asked for",
    "name": "The name asked for",
    "recommendation": "A recommendation on this",
}


def documents_name(configured: str | None, sources: Sequence[str]) -> str:
    """What the knowledge base is called in messages: the `answer.documents_name` setting,
    else the one indexed document's file name as a title ('"Foundations of machine
    learning"'), else "the indexed documents". Nothing here names any one course."""
    if configured and configured.strip():
        return configured.strip()
    if len(sources) == 1:
        stem = re.sub(r"[-_]+", " ", PurePath(sources[0]).stem).strip()
        if stem:
            return f'"{stem[0].upper()}{stem[1:]}"'
    return GENERIC_NAME


class Wording:
    """The sentences said instead of (or beside) an answer, naming the knowledge base.

    `name` is called when a sentence is needed, so a re-indexed knowledge base is named
    as it is now. Each sentence is built so that any noun phrase fits ("the Python 3.11
    documentation", "the course notes").
    """

    def __init__(self, name: Callable[[], str] | None = None) -> None:
        self._name = name or (lambda: GENERIC_NAME)

    @property
    def name(self) -> str:
        return self._name()

    @property
    def not_covered(self) -> str:
        return f"This is not covered in {self.name}."

    @property
    def system_prompt(self) -> str:
        """The model's instructions, naming the knowledge base and this decline sentence."""
        return system_prompt(self.name, self.not_covered)

    @property
    def weak_retrieval(self) -> str:
        return f"{self.not_covered} Nothing there is close enough to the question."

    @property
    def unsupported_draft(self) -> str:
        return (
            f"{self.not_covered} The model's draft was not supported by the passages "
            "retrieved, so it is not shown."
        )

    def mentioned_as_example(self, section: str) -> str:
        return (
            f"This is not answered in {self.name}: the question appears there only as an "
            f'example, in "{section}" [1].'
        )

    def not_in_evidence(
        self,
        missing_entities: Sequence[str],
        unknown_terms: Sequence[str],
        missing_kind: str | None,
        nearby_section: str | None,
    ) -> str:
        """Decline a question the passages are near but do not answer, saying what is
        missing and, when there is one, the closest section they do cover."""
        missing = [*missing_entities, *unknown_terms]
        if missing:
            what = f"There is no mention of {', '.join(missing[:3])}."
        else:
            what = f"{_KIND_ASKED.get(missing_kind or '', 'That')} is not given there."
        near = f' The closest it comes is "{nearby_section}" [1].' if nearby_section else ""
        return f"{self.not_covered} {what}{near}"

    def part_not_covered(self, part: str) -> str:
        """One part of a multi-part question the passages do not answer (a question, so
        no claim)."""
        return f"Not covered in {self.name}: {part.rstrip(' ?')}?"

    def premise_not_stated(self, premise: str) -> str:
        """The question takes for granted what the documents do not say."""
        return f"Nothing in {self.name} says that {premise.rstrip(' .')}."

    def refusal(self, policy: str | None, reasons: Sequence[str], *, output: bool = False) -> str:
        return refusal_message(policy, reasons, output=output, name=self.name)


def refusal_message(
    policy: str | None,
    reasons: Sequence[str],
    *,
    output: bool = False,
    name: str = GENERIC_NAME,
) -> str:
    """A short, polite refusal that names the policy that applied."""
    what = "share that answer" if output else "help with that request"
    why = f" ({'; '.join(reasons[:2])})" if reasons else ""
    return (
        f"Sorry, I can't {what}: it falls under the {policy or 'safety'} policy{why}. "
        f"I can answer questions about {name}."
    )


def abstain(answer: Answer, reason: str, text: str) -> None:
    """Decline to answer: say why, cite nothing."""
    answer.abstained = True
    answer.reason = reason
    answer.text = text
    answer.citations = []


def refuse(answer: Answer, verdict: Verdict, *, output: bool = False) -> None:
    """Refuse (the question) or withhold (the answer) under the verdict's policy."""
    policy = verdict.policy or "safety"
    answer.refused = True
    answer.safety.refused = True
    answer.safety.policy = verdict.policy
    answer.reason = (
        f"answer withheld by the {policy} policy" if output else f"refused by the {policy} policy"
    )
    answer.text = refusal_message(verdict.policy, verdict.reasons, output=output)
    answer.citations = []
