"""Compose the final answer from quoted course sentences and supported generated ones.

A 135M model's drafts are often vague even when every word is supported ("The course
covers the stages of the pipeline."), while the course's own sentences carry the facts.
In "quote-and-generate" mode the answer leads with the course sentences that best match
the question, cited, and adds at most a few generated sentences that passed the grounding
check and say something the quote does not.
"""

from __future__ import annotations

from collections.abc import Sequence

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


def quoted_part(quote: GroundedText, numbers: dict[int, int] | None = None) -> str:
    """The quote as it opens the answer: each run of sentences from one passage followed
    by its citation number (`numbers` maps the quote's own numbers to the answer's);
    sentences without a citation (a part said to be not covered) stand as they are."""
    pieces: list[str] = []
    run: list[str] = []
    current: int | None = None

    def close_run() -> None:
        if run:
            mark = f" [{(numbers or {}).get(current, current)}]" if current is not None else ""
            pieces.append(" ".join(run) + mark)
            run.clear()

    for sentence in quote.sentences:
        if sentence.citation != current:
            close_run()
            current = sentence.citation
        run.append(sentence.text)
    close_run()
    return " ".join(pieces)


def note(text: str) -> SentenceCheck:
    """A sentence about the answer itself (a premise the documents do not state, a part
    they do not cover): shown, cited to nothing, not a claim about the subject."""
    return SentenceCheck(text=text, supported=True, score=0.0, citation=None, reason="note")


def join_quotes(
    quotes: Sequence[GroundedText], before: Sequence[str] = (), after: Sequence[str] = ()
) -> GroundedText | None:
    """One opening from several quotes (one per part of a question), sentences already
    quoted left out, citations numbered by first appearance; `before` and `after` are
    notes around them. None when there is nothing to show."""
    numbers: dict[str, int] = {}
    citations: list[Citation] = []
    sentences: list[SentenceCheck] = [note(text) for text in before]
    seen: set[str] = set()
    for quote in quotes:
        own = {c.n: c for c in quote.citations}
        for sentence in quote.sentences:
            if sentence.text in seen:
                continue
            seen.add(sentence.text)
            cited = own.get(sentence.citation) if sentence.citation is not None else None
            if cited is None:
                sentences.append(sentence)
                continue
            if cited.chunk_id not in numbers:
                numbers[cited.chunk_id] = len(numbers) + 1
                citations.append(cited.model_copy(update={"n": numbers[cited.chunk_id]}))
            sentences.append(sentence.model_copy(update={"citation": numbers[cited.chunk_id]}))
    sentences.extend(note(text) for text in after)
    if not citations and not sentences:
        return None
    joined = GroundedText(text="", sentences=sentences, citations=citations)
    joined.text = quoted_part(joined)
    return joined


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
        mapped = {c.n: cite(c) for c in quote.citations}
        parts.append(quoted_part(quote, mapped))
        quoted_terms = {t for s in quote.sentences for t in terms(s.text)}
        checks.extend(
            s.model_copy(update={"citation": mapped.get(s.citation) if s.citation else None})
            for s in quote.sentences
        )

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
    quoted = sum(s.citation is not None for s in quote.sentences) if quote else 0
    return Composition(
        text=" ".join(parts), citations=citations, sentences=checks, quoted=quoted, generated=added
    )
