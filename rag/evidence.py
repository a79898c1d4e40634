"""Does the evidence answer the question asked, or is it only on its topic?

Retrieval scores say a passage is about the question; they cannot say it holds the
answer. Asked "How many layers does the spam classifier's network have?", retrieval
finds the spam-classifier passages, and a quote from them reads like an answer while
giving no number of layers. Two checks, both about what was asked and both independent
of any document:

* every name the question mentions as written (a function, a model, an acronym:
  `json.parse()`, `ResNet-50`) must appear in the passages; documents that never name it
  cannot say anything about it;
* every term of what is asked about must be a term the indexed documents use somewhere
  (as written or inflected): documents that never say "kurtosis" do not say which
  function computes it, however close their statistics passages are;
* one of the sentences that best match the question must give the kind of answer the
  question asks for (`rag.question_type`): a number about the thing counted, a date, a
  name, a recommendation. Definitions, how- and why-questions have no such surface form
  and pass this check.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from pydantic import BaseModel, Field

from rag.answer import Passage
from rag.common_words import is_rare
from rag.grounding import Candidate
from rag.keyword import stem, terms
from rag.question_type import QuestionType, asks_for_percentage, mentions

_DIGITS = re.compile(r"(?<![A-Za-z_])\d+(?:[.,]\d+)*")
_NUMBER_WORDS = re.compile(
    r"\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
    r"forty|fifty|hundred|hundreds|thousand|thousands|million|millions|billion|billions|"
    r"twice|double|triple|half|dozen|dozens)\b|\bO\(",
    re.I,
)
_DATE = re.compile(
    r"\b(?:1[5-9]\d\d|20\d\d)s?\b|\b(?:january|february|march|april|may|june|july|august|"
    r"september|october|november|december)\b|\bversion\s+\d",
    re.I,
)
_PERCENT = re.compile(r"%|\bper\s?cent\b|\bpercentage\s+points?\b", re.I)
_CODE = re.compile(r"```|^\s*>>>|\n\s*>>>")
_CAPITALISED = re.compile(r"(?<=[\w,;:)] )[A-Z][\w-]+")
_RECOMMENDATION = re.compile(
    r"\brecommend\w*|\bshould\b|\bprefer\w*|\bbest\b|\badvis\w*|\bsuggest\w*|\bbetter\b"
    r"|\binstead\b|\bideal\w*|\bchoose\b|\bgood\s+choice\b|\bdesigned\s+(?:for|to)\b"
    r"|\bmust\b|\bought\b|^\s*(?:use|try|consider|avoid|prefer)\b",
    re.I,
)


class EvidenceVerdict(BaseModel):
    """Whether the passages answer the question, and if not, what is missing."""

    covered: bool
    missing_entities: list[str] = Field(default_factory=list)
    unknown_terms: list[str] = Field(
        default_factory=list,
        description="Words of the question (as written) no indexed document uses.",
    )
    missing_kind: str | None = Field(
        None, description="The kind of answer asked for that no best sentence gives."
    )
    nearby: Candidate | None = Field(
        None, description="The sentence that matched the question best, to say what is covered."
    )


def known_term(term: str, vocabulary: Collection[str], min_prefix: int = 5) -> bool:
    """True when the documents use `term` or a word of its family (or it is too short to
    tell: stems under `min_prefix - 1` letters are common words): a vocabulary word that
    extends it ("crowdwork" -> "crowdworker"), or one of at least `min_prefix` letters it
    extends by at most three ("prefer" <- "preferabl" is the first case; "complexiti" ->
    "complex" the second)."""
    if term in vocabulary or len(term) < min_prefix - 1:
        return True
    american = _american(term)
    if american != term and known_term(american, vocabulary, min_prefix):
        return True
    if "-" in term:
        return all(known_term(part, vocabulary, min_prefix) for part in term.split("-") if part)
    for word in vocabulary:
        if word.startswith(term) and len(term) >= min_prefix - 1:
            return True
        if len(word) >= min_prefix and term.startswith(word) and len(term) - len(word) <= 3:
            return True
    return False


_BRITISH = (
    (re.compile(r"(?<=\w{3})our(?=\w|$)"), "or"),  # behaviour, not hour
    (re.compile(r"(?<=\w{4})is(?=[aei]|$)"), "iz"),  # optimise, not revise
)


def _american(term: str) -> str:
    """A stem in American spelling ("behaviour" -> "behavior", "optimis" -> "optimiz"), so
    a British question finds American documents and the other way round."""
    for pattern, spelled in _BRITISH:
        term = pattern.sub(spelled, term)
    return term


EVERYDAY_UNKNOWN = 2
"""Everyday words of the question that no document uses, at or above which it is declined.
One may paraphrase what the documents say in other words; two ("How do support vector
machines use the kernel trick?" of documents that never say "kernel" or "trick") mean
they are about something else. Chosen on the dev splits: no answerable dev question of
the three sets had two (one had one: "behaviour" of American pages, now known)."""


_REFERENCE = re.compile(
    r"\b(?:sections?|tables?|figures?|fig\.|chapters?|appendix|listings?|equations?|eq\.|"
    r"examples?|parts?|pages?|pp?\.|steps?|§)\s*\d+(?:\.\d+)*(?:\s*(?:,|and|or)\s*\d+(?:\.\d+)*)*",
    re.I,
)
"""A pointer to another part of the documents ("Section 4.2.8", "Table 9.1"): its digits
are not a quantity."""
_CALL = re.compile(r"[A-Za-z_][\w.]*\((?:[^()]|\([^()]*\))*\)")
"""A call written inline ("a.insert(0, x)"): its arguments are not a quantity either."""


def _has_number(sentence: str, question: str) -> bool:
    asked = set(_DIGITS.findall(question))
    sentence = _CALL.sub(" ", _REFERENCE.sub(" ", sentence))
    return any(n not in asked for n in _DIGITS.findall(sentence)) or bool(
        _NUMBER_WORDS.search(sentence)
    )


def _word_forms(word: str) -> set[str]:
    """`word` in singular and plural ("library", "libraries"; "values", "value")."""
    singular = {word}
    if word.endswith("ies") and len(word) > 4:
        singular.add(word[:-3] + "y")
    elif word.endswith("es") and len(word) > 4:
        singular |= {word[:-2], word[:-1]}
    elif word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        singular.add(word[:-1])
    forms = set(singular)
    for one in singular:
        forms |= {one + "s", one + "es"}
        if one.endswith("y"):
            forms.add(one[:-1] + "ies")
    return forms


def _writes(word: str, texts: Sequence[str]) -> bool:
    """Whether any of `texts` writes `word`, singular or plural ("provider(s)"); not a
    word of its stem's family ("provides"), which names no provider."""
    forms = "|".join(sorted(map(re.escape, _word_forms(word.lower()))))
    pattern = re.compile(rf"(?<![\w-])(?:{forms})(?![\w-])", re.I)
    return any(pattern.search(text) for text in texts)


def _has_name(sentence: str, question_terms: set[str]) -> bool:
    return any(stem(word.lower()) not in question_terms for word in _CAPITALISED.findall(sentence))


def provides(question_type: QuestionType, question: str, sentence: str, section: str = "") -> bool:
    """True when `sentence` gives the kind of answer `question_type` asks for.

    A number must come with the noun counted, when the question names one ("how many
    layers" needs "layer" in the sentence or its section), and be a percentage when one
    is asked for ("what percentage of ..." needs "%" or "percent"). Code is not a number,
    a date or a name.
    """
    kind = question_type.kind
    if kind in ("number", "date", "name") and _CODE.search(sentence):
        return False
    if kind == "number":
        if not _has_number(sentence, question):
            return False
        if asks_for_percentage(question) and not _PERCENT.search(sentence):
            return False
        target = question_type.target
        return target is None or stem(target.lower()) in set(terms(f"{section} {sentence}"))
    if kind == "date":
        return bool(_DATE.search(sentence))
    if kind == "name":
        return _has_name(sentence, set(terms(question)))
    if kind == "recommendation":
        return bool(_RECOMMENDATION.search(sentence))
    return True


def judge(
    question: str,
    question_type: QuestionType,
    passages: Sequence[Passage],
    ranked: Sequence[Candidate],
    best_sentences: int,
    vocabulary: Collection[str] = (),
    common_words: frozenset[str] | None = None,
) -> EvidenceVerdict:
    """Whether `passages` answer `question`, given their sentences scored against it.

    Args:
        ranked: the passages' candidate sentences with their scores (any order).
        best_sentences: how many of the best-scoring sentences may give the answer.
        vocabulary: the terms of the whole index; empty skips the term check.
        common_words: everyday words (`rag.common_words`); when given, a rare word of
            the question that no document uses declines it, an everyday one (which may
            paraphrase what the documents say in other words) only with another
            (`EVERYDAY_UNKNOWN`).
    """
    best = sorted(ranked, key=lambda c: c.score, reverse=True)
    nearby = best[0] if best else None
    texts = [f"{p.section}\n{p.text}" for p in passages]
    missing = [e for e in question_type.entities if not mentions(e, texts)]
    if missing:
        return EvidenceVerdict(covered=False, missing_entities=missing, nearby=nearby)
    if vocabulary:
        unknown = {t for t in question_type.focus if not known_term(t, vocabulary)}
        words = [w for w in re.findall(r"[\w'-]+", question) if set(terms(w)) & unknown]
        if common_words is not None and len(unknown) < EVERYDAY_UNKNOWN:
            words = [w for w in words if is_rare(w, common_words)]
        if words:
            return EvidenceVerdict(
                covered=False, unknown_terms=list(dict.fromkeys(words)), nearby=nearby
            )
    asked_for = question_type.which_words
    if asked_for and not any(_writes(word, texts) for word in asked_for):
        return EvidenceVerdict(covered=False, missing_kind="name", nearby=nearby)
    top = best[:best_sentences]
    if top and not any(
        provides(question_type, question, c.sentence, passages[c.passage].section) for c in top
    ):
        return EvidenceVerdict(covered=False, missing_kind=question_type.kind, nearby=nearby)
    return EvidenceVerdict(covered=True, nearby=nearby)
