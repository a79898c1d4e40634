"""What the assistant says when it does not answer: the user-facing sentences, in one place."""

from __future__ import annotations

from collections.abc import Sequence

from rag.answer import Answer
from safety.verdict import Verdict

NOT_COVERED = "The course documents don't cover this."
WEAK_RETRIEVAL = f"{NOT_COVERED} Nothing in them is close enough to the question."
UNSUPPORTED_DRAFT = (
    f"{NOT_COVERED} The model's draft was not supported by the passages retrieved, "
    "so it is not shown."
)
INTERRUPTED = "The answer was interrupted before it was finished."


def mentioned_as_example(section: str) -> str:
    return (
        "The course documents don't answer this. They mention the question only as an "
        f'example, in "{section}" [1].'
    )


_KIND_ASKED = {
    "number": "the number asked for",
    "date": "the date asked for",
    "name": "the name asked for",
    "recommendation": "a recommendation on this",
}


def not_in_evidence(
    missing_entities: Sequence[str],
    unknown_terms: Sequence[str],
    missing_kind: str | None,
    nearby_section: str | None,
) -> str:
    """Decline a question the passages are near but do not answer, saying what is missing
    and, when there is one, the closest section they do cover."""
    missing = [*missing_entities, *unknown_terms]
    if missing:
        what = f"They never mention {', '.join(missing[:3])}."
    else:
        what = f"They do not give {_KIND_ASKED.get(missing_kind or '', 'that')}."
    near = f' The closest they come is "{nearby_section}" [1].' if nearby_section else ""
    return f"{NOT_COVERED} {what}{near}"


def refusal_message(policy: str | None, reasons: Sequence[str], *, output: bool = False) -> str:
    """A short, polite refusal that names the policy that applied."""
    what = "share that answer" if output else "help with that request"
    why = f" ({'; '.join(reasons[:2])})" if reasons else ""
    return (
        f"Sorry, I can't {what}: it falls under the {policy or 'safety'} policy{why}. "
        "I can answer questions about the course material."
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
