"""The grounding check: keep only what the retrieved passages support, and cite it.

A 135M model invents freely, so groundedness cannot come from the prompt. Each sentence
of the generated answer is scored against each passage by (a) how many of its content
terms the passage contains and (b) embedding similarity to the passage's sentences.
Numbers in a sentence must appear in the passage. Text inside quotation marks in a passage
is not evidence: the course quotes wrong answers as examples ("a model might confidently
respond 'Brazil won the 2026 FIFA World Cup'"), and quoting them back is not support.
Citations are the passages that support each sentence best, aligned by text; markers the
model wrote itself are discarded.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field

from rag.answer import Citation, Passage, SentenceCheck
from rag.embeddings import Embedder
from rag.keyword import terms
from rag.overlap import distinctive_overlap, plain_overlap
from rag.question_type import QuestionType, asks_for_code, classify, mentions
from rag.quote_text import clean_quote, following_list, widen_quote, with_results
from rag.sentence_form import (
    MAX_TERM_WORDS,
    defines,
    gives_form,
    is_code,
    is_signature,
    is_term_line,
)
from rag.setting_groups import DEFAULT_TUNING, GroundingTuning
from rag.text import numbers, quoted_spans, split_sentences, strip_citation_marks, without_quotes

_META = (
    "passage",
    "the course",
    "this course",
    "this question",
    "this topic",
    "this section",
    "provides an overview",
)


def is_claim(sentence: str, min_terms: int = DEFAULT_TUNING.min_claim_terms) -> bool:
    """A statement about the subject: not a question, a heading echo or talk about the prompt."""
    lowered = sentence.lower()
    return (
        len(terms(sentence)) >= min_terms
        and not sentence.rstrip().endswith("?")
        and " > " not in sentence
        and not any(marker in lowered for marker in _META)
    )


DECLINE_MARKERS = ("do not cover", "does not cover", "don't cover", "not covered", "no information")


def evidence_sentences(section: str, text: str) -> list[str]:
    """What a passage's support is measured against: its sentences, quotes removed."""
    evidence = without_quotes(f"{section}. {text}")
    return split_sentences(evidence) or [evidence]


def quote_candidates(section: str, text: str) -> list[tuple[str, str]]:
    """(sentence, the text embedded for it) for each sentence a quote may use: its section
    and, for the entry of a definition list, the term it defines ("phantom read" then "A
    transaction re-executes a query ..."), which the sentence itself never names."""
    terms_of = defined_terms(text)
    return [
        (
            sentence,
            f"{section}: {terms_of[sentence] + ': ' if sentence in terms_of else ''}{sentence}",
        )
        for sentence in split_sentences(text)
        if len(sentence.split()) >= 4
    ]


def defined_terms(text: str) -> dict[str, str]:
    """{definition: term} for the entries of a definition list in `text`: a line that is
    only a term, after a sentence (not after another short line: a run of them, "8.1.4."
    then "Serial Types", is a table of contents), followed by the sentence defining it."""
    pieces = split_sentences(text)
    found: dict[str, str] = {}
    for i in range(len(pieces) - 1):
        term, after = pieces[i], pieces[i + 1]
        if not is_term_line(term) or is_term_line(after):
            continue
        if i > 0 and len(pieces[i - 1].split()) <= MAX_TERM_WORDS:
            continue
        found.setdefault(after, term)
    return found


def grounding_texts(section: str, text: str) -> list[str]:
    """Every text grounding embeds for a passage, so they can be embedded ahead of time."""
    return [
        *evidence_sentences(section, text),
        *(context for _, context in quote_candidates(section, text)),
    ]


class Candidate(BaseModel):
    """A passage sentence a quote may use, scored against the question."""

    passage: int = Field(description="Index of its passage in the list scored.")
    sentence: str
    score: float


class GroundedText(BaseModel):
    text: str
    sentences: list[SentenceCheck]
    citations: list[Citation]
    removed: int = 0


def _lexical_support(sentence_terms: set[str], evidence_terms: set[str]) -> float:
    if not sentence_terms:
        return 0.0
    return len(sentence_terms & evidence_terms) / len(sentence_terms)


class GroundingChecker:
    """Scores sentences against passages and assembles a cited, supported answer."""

    def __init__(
        self, embedder: Embedder, threshold: float, tuning: GroundingTuning = DEFAULT_TUNING
    ) -> None:
        self.embedder = embedder
        self.threshold = threshold
        self.tuning = tuning

    def support_matrix(
        self, sentences: Sequence[str], passages: Sequence[Passage], max_novel: int | None = None
    ) -> np.ndarray:
        """support[i, j] in 0..1: how well passage j supports sentence i. With `max_novel`,
        a sentence holding more content terms than that which passage j never uses is held
        below the threshold for j, as one with a number j does not give is."""
        if not sentences or not passages:
            return np.zeros((len(sentences), len(passages)))
        evidence = [without_quotes(f"{p.section}. {p.text}") for p in passages]
        groups = [evidence_sentences(p.section, p.text) for p in passages]
        flat = [s for group in groups for s in group]
        vectors = self.embedder.embed([*sentences, *flat])
        sentence_vectors, flat_vectors = vectors[: len(sentences)], vectors[len(sentences) :]
        similarity = sentence_vectors @ flat_vectors.T
        support = np.zeros((len(sentences), len(passages)))
        sentence_terms = [set(terms(sentence)) for sentence in sentences]
        sentence_numbers = [numbers(sentence) for sentence in sentences]
        floor, weight = self.tuning.semantic_floor, self.tuning.lexical_weight
        offset = 0
        for j, group in enumerate(groups):
            semantic = similarity[:, offset : offset + len(group)].max(axis=1)
            offset += len(group)
            evidence_terms = set(terms(evidence[j]))
            evidence_numbers = numbers(evidence[j])
            for i, held in enumerate(sentence_terms):
                lexical = _lexical_support(held, evidence_terms)
                semantic_part = max(0.0, (float(semantic[i]) - floor) / (1 - floor))
                score = weight * lexical + (1 - weight) * semantic_part
                novel = len(held - evidence_terms)
                if sentence_numbers[i] - evidence_numbers or (
                    max_novel is not None and novel > max_novel
                ):
                    score = min(score, self.threshold * 0.8)
                support[i, j] = score
        return support

    def check(self, answer: str, passages: Sequence[Passage], mode: str) -> GroundedText:
        """Split, score, and keep (mode "remove") or mark (mode "flag") each sentence."""
        fragments = split_sentences(strip_citation_marks(answer))
        sentences = [s for s in fragments if is_claim(s, self.tuning.min_claim_terms)]
        support = self.support_matrix(sentences, passages, self.tuning.max_novel_terms)
        checks: list[SentenceCheck] = []
        citation_of: dict[int, int] = {}
        citation_scores: dict[int, float] = {}
        parts: list[str] = []
        removed = 0
        for i, sentence in enumerate(sentences):
            best = int(support[i].argmax()) if len(passages) else -1
            score = float(support[i, best]) if best >= 0 else 0.0
            declined = any(marker in sentence.lower() for marker in DECLINE_MARKERS)
            supported = score >= self.threshold and not declined
            reason = "declined" if declined else ("" if supported else "not found in the passages")
            number = None
            if supported:
                number = citation_of.setdefault(best, len(citation_of) + 1)
                citation_scores[best] = max(citation_scores.get(best, 0.0), score)
                parts.append(f"{sentence} [{number}]")
            elif mode == "flag" and not declined:
                parts.append(f"{sentence} [unsupported]")
            else:
                removed += 1
            checks.append(
                SentenceCheck(
                    text=sentence,
                    supported=supported,
                    score=round(score, 4),
                    citation=number,
                    reason=reason,
                )
            )
        citations = [
            Citation(
                n=n,
                chunk_id=passages[j].chunk_id,
                source=passages[j].source,
                section=passages[j].section,
                page=passages[j].page,
                text=passages[j].text,
                score=round(citation_scores[j], 4),
            )
            for j, n in sorted(citation_of.items(), key=lambda item: item[1])
        ]
        return GroundedText(
            text=" ".join(parts),
            sentences=checks,
            citations=citations,
            removed=removed + len(fragments) - len(sentences),
        )

    @staticmethod
    def cite_whole(passage: Passage) -> list[Citation]:
        """A single citation of a whole passage (used when no sentence is being supported)."""
        return [
            Citation(
                n=1,
                chunk_id=passage.chunk_id,
                source=passage.source,
                section=passage.section,
                page=passage.page,
                text=passage.text,
                score=passage.dense_score,
            )
        ]

    def score_candidates(
        self,
        question: str,
        passages: Sequence[Passage],
        overlap: Literal["share", "distinctive"] | None = None,
    ) -> list[Candidate]:
        """Every sentence a quote may use, in passage order, scored against the question:
        `quote_similarity_weight` of the MiniLM cosine of "section: sentence" with the
        question, the rest from the share of the question's terms it holds (`overlap`,
        default `tuning.quote_overlap`: see `rag.overlap`), plus
        `named_bonus` when it (or the line just before it, a signature such as
        "list.append(x)") names everything the question names ("json.loads()", not
        "json.load()", which embeddings hardly tell apart), plus `form_bonus` when it has
        the form of the kind of answer asked for (`gives_form`: a reason for a why-question,
        a means for a how-question). A bare signature line is no candidate
        (`skip_signatures`): the sentence after it, which it lends its name to, is."""
        candidates: list[tuple[int, str]] = []
        context: list[str] = []
        code_asked = asks_for_code(question)
        for j, passage in enumerate(passages):
            for sentence, embedded in quote_candidates(passage.section, passage.text):
                if self.tuning.skip_signatures and is_signature(sentence):
                    continue
                if is_code(sentence) and not code_asked:
                    continue
                candidates.append((j, sentence))
                context.append(embedded)
        if not candidates:
            return []
        vectors = self.embedder.embed([question, *context])
        similarity = vectors[1:] @ vectors[0]
        question_terms = set(terms(question))
        candidate_terms = [set(terms(text)) for text in context]
        distinctive = (overlap or self.tuning.quote_overlap) == "distinctive"
        overlaps = (distinctive_overlap if distinctive else plain_overlap)(
            question_terms, candidate_terms
        )
        weight = self.tuning.quote_similarity_weight
        asked = classify(question)
        names = asked.entities
        before: dict[tuple[int, str], str] = {}
        glossary: dict[tuple[int, str], str] = {}
        for j, passage in enumerate(passages):
            pieces = split_sentences(passage.text)
            before.update(((j, b), a) for a, b in itertools.pairwise(pieces))
            glossary.update(((j, d), t) for d, t in defined_terms(passage.text).items())
        scored = []
        for k, (j, sentence) in enumerate(candidates):
            score = weight * float(similarity[k]) + (1 - weight) * overlaps[k]
            previous = before.get((j, sentence), "")
            near = f"{'' if is_code(previous) else previous}\n{sentence}"
            if names and all(mentions(name, [near]) for name in names):
                score += self.tuning.named_bonus
            term = glossary.get((j, sentence), "")
            if self.tuning.form_bonus and self._has_form(asked, sentence, term):
                score += self.tuning.form_bonus
            scored.append(Candidate(passage=j, sentence=sentence, score=score))
        return scored

    @staticmethod
    def _has_form(asked: QuestionType, sentence: str, term: str) -> bool:
        """The sentence has the form of the answer asked for: `defines` for a definition
        (`term`: the definition-list term it follows, if any), else `gives_form`."""
        if asked.kind == "definition":
            return defines(sentence, asked.focus, term)
        return bool(gives_form(asked.kind, sentence))

    def extract(
        self,
        question: str,
        passages: Sequence[Passage],
        min_similarity: float,
        max_sentences: int | None = None,
        top_bonus: float | None = None,
        widen: bool = True,
    ) -> GroundedText | None:
        """Quote the course sentences that best answer the question, or None if none do.

        Sentences are scored against the question; the passage to quote is the one with
        the best sentence, the first-ranked passage getting `top_bonus`. Up to
        `max_sentences` of its sentences within `tuning.quote_margin` of its best are quoted,
        with a list they introduce and (`widen`) the rest of their paragraphs and a
        following example. Unset arguments come from `self.tuning`.
        """
        tuning = self.tuning
        max_sentences = tuning.quote_max_sentences if max_sentences is None else max_sentences
        top_bonus = tuning.top_passage_bonus if top_bonus is None else top_bonus
        ranked = self.score_candidates(question, passages)
        if not ranked:
            return None
        candidates = [(c.passage, c.sentence) for c in ranked]
        scores = [c.score for c in ranked]
        order = np.argsort(scores)[::-1]
        if scores[order[0]] < min_similarity:
            return None
        best_in: dict[int, float] = {}
        for (j, _), score in zip(candidates, scores, strict=True):
            best_in[j] = max(best_in.get(j, score), score)
        eligible = [j for j, best in best_in.items() if best >= min_similarity]
        best_passage = max(eligible, key=lambda j: best_in[j] + (top_bonus if j == 0 else 0.0))
        floor = max(min_similarity, best_in[best_passage] - tuning.quote_margin)
        chosen = [int(k) for k in order if candidates[k][0] == best_passage and scores[k] >= floor][
            :max_sentences
        ]
        chosen.sort()
        passage = passages[best_passage]
        quoted = [candidates[k][1] for k in chosen]
        for item in following_list(passage.text, quoted[-1]):
            if item in quoted or sum(map(len, quoted)) + len(item) > tuning.max_quote_chars:
                break
            quoted.append(item)
        if widen:
            quoted = widen_quote(passage.text, quoted, tuning.max_quote_chars, tuning.example_leads)
        quoted = with_results(passage.text, quoted, tuning.max_quote_chars)
        quoted = [clean_quote(q) for q in quoted]
        text = " ".join(quoted) + " [1]"
        checks = [
            SentenceCheck(
                text=sentence,
                supported=True,
                score=1.0,
                citation=1,
                reason="quoted from the course",
            )
            for sentence in quoted
        ]
        citation = Citation(
            n=1,
            chunk_id=passage.chunk_id,
            source=passage.source,
            section=passage.section,
            page=passage.page,
            text=passage.text,
            score=1.0,
        )
        return GroundedText(text=text, sentences=checks, citations=[citation])


def mentioned_only_as_example(
    question: str,
    passages: Sequence[Passage],
    min_overlap: float = DEFAULT_TUNING.example_overlap,
) -> Passage | None:
    """The passage that quotes this very question as an example, if one does.

    The course asks "Which country won the 2026 FIFA World Cup?" only to show a model
    hallucinating an answer; such a question is mentioned, not answered, by the course.
    """
    question_terms = set(terms(question))
    if len(question_terms) < 3:
        return None
    for passage in passages:
        for span in quoted_spans(passage.text):
            if _lexical_support(question_terms, set(terms(span))) >= min_overlap:
                return passage
    return None
