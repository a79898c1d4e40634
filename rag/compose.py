"""Compose the final answer from quoted course sentences and supported generated ones.

A 135M model's drafts are often vague even when every word is supported ("The course
covers the stages of the pipeline."), while the course's own sentences carry the facts.
In "quote-and-generate" mode the answer leads with the course sentences that best match
the question, cited, and adds at most a few generated sentences that passed the grounding
check and say something the quote does not.
"""

from __future__ import annotations

from pydantic import BaseModel

from rag.answer import Citation, SentenceCheck
from rag.grounding import GroundedText
from rag.keyword import terms
from rag.setting_groups import GroundingTuning

DEFAULT_REDUNDANT_OVERLAP = GroundingTuning().redundant_overlap


class Composition(BaseModel):
    text: str
    citations: list[Citation]
    sentences: list[SentenceCheck]
    quoted: int
    generated: int


def quoted_part(quote: GroundedText, n: int = 1) -> str:
    """The quote as it opens the answer: its sentences, then its citation number."""
    return " ".join(s.text for s in quote.sentences) + f" [{n}]"


def _redundant(sentence: str, quoted_terms: set[str], overlap: float) -> bool:
    own = set(terms(sentence))
    return bool(own) and len(own & quoted_terms) / len(own) >= overlap


def compose(
    quote: GroundedText | None,
    generated: GroundedText,
    max_generated: int,
    redundant_overlap: float = DEFAULT_REDUNDANT_OVERLAP,
) -> Composition:
    """Quote first (if any), then the supported, non-redundant generated sentences.

    Citations are renumbered by first appearance; each sentence keeps its own source.
    """
    numbers: dict[str, int] = {}
    citations: list[Citation] = []
    parts: list[str] = []
    checks: list[SentenceCheck] = []

    def cite(citation: Citation) -> int:
        if citation.chunk_id not in numbers:
            numbers[citation.chunk_id] = len(numbers) + 1
            citations.append(citation.model_copy(update={"n": numbers[citation.chunk_id]}))
        return numbers[citation.chunk_id]

    quoted_terms: set[str] = set()
    if quote is not None:
        n = cite(quote.citations[0])
        parts.append(quoted_part(quote, n))
        quoted_terms = {t for s in quote.sentences for t in terms(s.text)}
        checks.extend(s.model_copy(update={"citation": n}) for s in quote.sentences)

    by_number = {c.n: c for c in generated.citations}
    added = 0
    for check in generated.sentences:
        keep = (
            check.supported
            and check.citation is not None
            and added < max_generated
            and not _redundant(check.text, quoted_terms, redundant_overlap)
        )
        if keep and check.citation is not None:
            n = cite(by_number[check.citation])
            parts.append(f"{check.text} [{n}]")
            checks.append(check.model_copy(update={"citation": n}))
            added += 1
        else:
            reason = check.reason
            if check.supported:
                reason = "repeats the quoted course text" if added < max_generated else "too long"
            checks.append(check.model_copy(update={"citation": None, "reason": reason}))
    quoted = len(quote.sentences) if quote else 0
    return Composition(
        text=" ".join(parts), citations=citations, sentences=checks, quoted=quoted, generated=added
    )
