"""Key-fact coverage and forbidden-claim detection on answer text.

Key facts: a fact is present when any of its alternatives matches (`text.contains_term`).
Forbidden claims: a claim is *stated* when it matches inside a sentence of the answer,
outside quotation marks, and that sentence is neither negated nor framed as a hedge or an
example ("the course gives ... as an example of hallucination" reports, it does not state).
"""

from __future__ import annotations

import re

from eval.hallucination.text import (
    contains_term,
    is_negated,
    split_sentences,
    strip_citations,
    without_quotes,
)

_FRAMING = re.compile(
    r"\b(?:example|hallucinat\w*|might|could|would|may|wrong\w*|incorrect\w*|false\w*|"
    r"mistaken\w*|claim\w*|illustrat\w*|hypothetical\w*)\b",
    re.IGNORECASE,
)


def fact_present(text: str, alternatives: list[str]) -> bool:
    return any(contains_term(text, alt) for alt in alternatives)


def facts_present(text: str, facts: list[list[str]]) -> list[bool]:
    """One flag per key fact: does `text` contain it?"""
    clean = strip_citations(text)
    return [fact_present(clean, alternatives) for alternatives in facts]


def stated_forbidden(text: str, forbidden: list[str]) -> list[str]:
    """The forbidden claims that `text` asserts (not quotes, denies or gives as an example)."""
    hits: list[str] = []
    for sentence in split_sentences(strip_citations(text)):
        asserted = without_quotes(sentence)
        if is_negated(asserted) or _FRAMING.search(asserted):
            continue
        hits.extend(claim for claim in forbidden if contains_term(asserted, claim))
    return sorted(set(hits))
