"""Term overlap that counts a question's distinctive words most (`rag.overlap`)."""

from __future__ import annotations

import math

import numpy as np

from rag.grounding import GroundingChecker
from rag.keyword import terms
from rag.overlap import distinctive_overlap, distinctive_weights, plain_overlap
from rag.setting_groups import GroundingTuning
from tests.rag.test_quote_bonus import ChosenSimilarity, passage

QUESTION = "Are Python's sorts stable?"
TOPIC = "The Timsort algorithm used in Python sorts efficiently."
ANSWER = "Sorts are guaranteed to be stable."
OTHER = "Python lists have a built-in method that sorts in place."


def _term(word: str) -> str:
    (term,) = terms(word)
    return term


def test_a_term_every_candidate_holds_weighs_least() -> None:
    candidates = [set(terms(s)) for s in (TOPIC, ANSWER, OTHER)]
    weights = distinctive_weights(set(terms(QUESTION)), candidates)
    assert weights[_term("sorts")] < weights[_term("python")] < weights[_term("stable")]
    assert math.isclose(sum(weights.values()), len(weights))


def test_a_sentence_holding_every_term_scores_the_plain_share() -> None:
    question = {"a", "b", "c", "absent"}
    candidates = [{"a", "b", "c"}, {"a"}, {"a", "b"}]
    distinctive = distinctive_overlap(question, candidates)
    plain = plain_overlap(question, candidates)
    assert math.isclose(distinctive[0], plain[0]) and math.isclose(plain[0], 0.75)
    assert distinctive[1] < plain[1]


def test_equal_frequencies_are_the_plain_share() -> None:
    question = {"a", "b", "c", "d"}
    candidates = [{"a", "b"}, {"c", "d"}]
    assert distinctive_overlap(question, candidates) == plain_overlap(question, candidates)


def test_no_question_terms_overlap_nothing() -> None:
    assert distinctive_overlap(set(), [{"a"}]) == [0.0]
    assert plain_overlap(set(), [{"a"}]) == [0.0]
    assert distinctive_overlap({"z"}, [{"a"}]) == [0.0]


def _best(mode: str) -> str:
    """The sentence ranked first when the embedder sees every sentence alike, so only the
    overlap decides."""
    tuning = GroundingTuning(quote_overlap=mode, form_bonus=0.0, named_bonus=0.0)
    checker = GroundingChecker(ChosenSimilarity({}), 0.5, tuning)
    passages = [passage("p", f"{TOPIC} {ANSWER} {OTHER}", section="Sorting")]
    ranked = checker.score_candidates(QUESTION, passages)
    assert len(ranked) == 3
    return max(ranked, key=lambda c: c.score).sentence


def test_distinctive_overlap_prefers_the_sentence_with_what_was_asked() -> None:
    assert _best("distinctive") == ANSWER


def test_plain_share_ties_the_topic_sentence() -> None:
    tuning = GroundingTuning(quote_overlap="share", form_bonus=0.0, named_bonus=0.0)
    checker = GroundingChecker(ChosenSimilarity({}), 0.5, tuning)
    passages = [passage("p", f"{TOPIC} {ANSWER} {OTHER}", section="Sorting")]
    scores = {c.sentence: c.score for c in checker.score_candidates(QUESTION, passages)}
    assert np.isclose(scores[TOPIC], scores[ANSWER])


def test_half_of_each_weight_is_flat() -> None:
    question = {"rare", "common"}
    candidates = [{"rare", "common"}, {"common"}, {"common"}, {"common"}]
    weights = distinctive_weights(question, candidates)
    assert weights["common"] > 0.5 and weights["rare"] < 1.5
    assert math.isclose(weights["common"] + weights["rare"], 2.0)
