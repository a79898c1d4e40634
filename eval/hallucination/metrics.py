"""Per-question scores of one answer, and the run-level rates computed from them.

Every rate is a function of a list of per-question records so that the same definition
serves the point estimate, the bootstrap interval and the paired A/B comparison.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from pydantic import BaseModel

from eval.hallucination.matching import facts_present, stated_forbidden
from eval.hallucination.questions import Question
from eval.hallucination.text import split_claims, split_sentences, strip_citations
from eval.hallucination.verifier import ClaimVerifier
from rag.answer import Answer, Passage

_MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")


class ClaimVerdict(BaseModel):
    text: str
    supported: bool
    score: float
    chunk_id: str | None = None


class QuestionMetrics(BaseModel):
    """What one answer scored. `None` means "does not apply to this question"."""

    kind: str
    declined: bool
    n_claims: int = 0
    n_unsupported: int = 0
    faithfulness: float | None = None
    hallucinated: bool | None = None
    key_facts_found: list[bool] = []
    key_fact_share: float | None = None
    key_facts_all: bool | None = None
    context_recall: float | None = None
    citations_checked: int = 0
    citations_supported: int = 0
    forbidden_stated: list[str] = []
    trap_failure: bool | None = None


def passage_text(passage: Passage) -> str:
    return f"{passage.section}: {passage.text}" if passage.section else passage.text


def score_answer(
    question: Question, answer: Answer, verifier: ClaimVerifier
) -> tuple[QuestionMetrics, list[ClaimVerdict]]:
    """Check every claim of the answer against the retrieved passages and score the rest."""
    declined = answer.abstained or answer.refused
    passages = [passage_text(p) for p in answer.passages]
    claims = [] if declined else split_claims(answer.text)
    verifier.warm(claims, passages)
    verdicts = []
    for claim in claims:
        support = verifier.check(claim, passages)
        chunk = answer.passages[support.passage].chunk_id if support.passage is not None else None
        verdicts.append(
            ClaimVerdict(
                text=claim, supported=support.supported, score=support.score, chunk_id=chunk
            )
        )
    unsupported = sum(not v.supported for v in verdicts)
    metrics = QuestionMetrics(
        kind=question.kind,
        declined=declined,
        n_claims=len(verdicts),
        n_unsupported=unsupported,
        faithfulness=(len(verdicts) - unsupported) / len(verdicts) if verdicts else None,
        hallucinated=None if declined else unsupported > 0,
    )
    if question.key_facts:
        found = (
            [False] * len(question.key_facts)
            if declined
            else facts_present(answer.text, question.key_facts)
        )
        metrics.key_facts_found = found
        metrics.key_fact_share = sum(found) / len(found)
        metrics.key_facts_all = all(found)
        retrieved = "\n".join(passages)
        metrics.context_recall = sum(facts_present(retrieved, question.key_facts)) / len(found)
    if not declined:
        metrics.citations_checked, metrics.citations_supported = _citation_support(answer, verifier)
    if question.kind == "trap":
        metrics.forbidden_stated = (
            [] if declined else stated_forbidden(answer.text, question.forbidden)
        )
        metrics.trap_failure = bool(metrics.forbidden_stated)
    return metrics, verdicts


def _citation_support(answer: Answer, verifier: ClaimVerifier) -> tuple[int, int]:
    """How many (sentence, cited passage) pairs there are, and how many the passage supports."""
    cited = {c.n: f"{c.section}: {c.text}" if c.section else c.text for c in answer.citations}
    checked = supported = 0
    for sentence in split_sentences(answer.text):
        numbers = [int(n) for group in _MARKER.findall(sentence) for n in group.split(",")]
        claim = strip_citations(sentence)
        for n in numbers:
            checked += 1
            if n in cited and verifier.check(claim, [cited[n]]).supported:
                supported += 1
    return checked, supported


Records = Sequence[QuestionMetrics]


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def hallucination_rate(rs: Records) -> float | None:
    return _mean([float(r.hallucinated) for r in rs if r.hallucinated is not None])


def claim_faithfulness(rs: Records) -> float | None:
    total = sum(r.n_claims for r in rs if not r.declined)
    return (total - sum(r.n_unsupported for r in rs)) / total if total else None


def answer_correctness(rs: Records) -> float | None:
    return _mean(
        [r.key_fact_share for r in rs if r.kind == "answerable" and r.key_fact_share is not None]
    )


def key_facts_all_rate(rs: Records) -> float | None:
    return _mean(
        [
            float(r.key_facts_all)
            for r in rs
            if r.kind == "answerable" and r.key_facts_all is not None
        ]
    )


def context_recall(rs: Records) -> float | None:
    return _mean(
        [r.context_recall for r in rs if r.kind == "answerable" and r.context_recall is not None]
    )


def citation_precision(rs: Records) -> float | None:
    checked = sum(r.citations_checked for r in rs)
    return sum(r.citations_supported for r in rs) / checked if checked else None


def _abstention_counts(rs: Records) -> tuple[int, int, int]:
    scored = [r for r in rs if r.kind in ("answerable", "unanswerable")]
    tp = sum(r.declined and r.kind == "unanswerable" for r in scored)
    fp = sum(r.declined and r.kind == "answerable" for r in scored)
    fn = sum(not r.declined and r.kind == "unanswerable" for r in scored)
    return tp, fp, fn


def abstention_precision(rs: Records) -> float | None:
    tp, fp, _ = _abstention_counts(rs)
    return tp / (tp + fp) if tp + fp else None


def abstention_recall(rs: Records) -> float | None:
    tp, _, fn = _abstention_counts(rs)
    return tp / (tp + fn) if tp + fn else None


def abstention_f1(rs: Records) -> float | None:
    tp, fp, fn = _abstention_counts(rs)
    return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else None


def false_abstention_rate(rs: Records) -> float | None:
    return _mean([float(r.declined) for r in rs if r.kind == "answerable"])


def trap_failure_rate(rs: Records) -> float | None:
    return _mean([float(r.trap_failure) for r in rs if r.trap_failure is not None])


RATES: dict[str, Callable[[Records], float | None]] = {
    "hallucination_rate": hallucination_rate,
    "claim_faithfulness": claim_faithfulness,
    "answer_correctness": answer_correctness,
    "key_facts_all_rate": key_facts_all_rate,
    "context_recall": context_recall,
    "citation_precision": citation_precision,
    "abstention_precision": abstention_precision,
    "abstention_recall": abstention_recall,
    "abstention_f1": abstention_f1,
    "false_abstention_rate": false_abstention_rate,
    "trap_failure_rate": trap_failure_rate,
}
LOWER_IS_BETTER = frozenset({"hallucination_rate", "false_abstention_rate", "trap_failure_rate"})
