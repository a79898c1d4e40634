"""Preferring the sentence that has the form of the answer asked for (`form_bonus`)."""

from __future__ import annotations

from rag.grounding import DEFAULT_TUNING, GroundingChecker
from rag.question_type import classify
from rag.sentence_form import gives_form
from tests.rag.test_quote_bonus import ChosenSimilarity, passage

OPENING = "Much of this labour stays out of sight in descriptions of finished models."
REASON = "It is called hidden because papers rarely mention the people who label data."


def test_the_form_is_read_from_the_kind_of_question() -> None:
    assert classify("Why is data labour called invisible?").kind == "reason"
    assert gives_form("reason", REASON) and not gives_form("reason", OPENING)
    assert gives_form("procedure", "The model is served using a REST endpoint.")
    assert not gives_form("procedure", "The model is served on Mondays.")
    assert gives_form("number", "It has 12 layers.") is None, "numbers are rag.evidence's"
    assert gives_form("definition", REASON) is None


def test_a_why_question_quotes_the_sentence_that_gives_a_reason() -> None:
    # The opening is a little closer to the question by embedding, in the first-ranked
    # passage; the reason, in the second, wins by the form bonus alone.
    similarity = {OPENING: 0.62, REASON: 0.6}
    passages = [passage("opening", OPENING), passage("reason", REASON)]
    question = "Why is the work kept out of view?"
    with_bonus = GroundingChecker(ChosenSimilarity(similarity), 0.5)
    quoted = with_bonus.extract(question, passages, 0.1)
    assert quoted is not None and quoted.citations[0].chunk_id == "reason"
    plain = DEFAULT_TUNING.model_copy(update={"form_bonus": 0.0})
    quoted = GroundingChecker(ChosenSimilarity(similarity), 0.5, plain).extract(
        question, passages, 0.1
    )
    assert quoted is not None and quoted.citations[0].chunk_id == "opening"


SIGNATURE_PAGE = (
    "random.choices(population, weights=None, *, cum_weights=None, k=1)\n\n"
    "Return a k sized list of elements chosen from the population with replacement."
)


def test_a_signature_line_is_never_the_quote_the_sentence_after_it_is() -> None:
    from rag.embeddings import HashingEmbedder
    from rag.sentence_form import is_signature

    assert is_signature("random.choices(population, weights=None, *, cum_weights=None, k=1)")
    assert not is_signature("open() returns a file object, used as open(name, mode).")
    question, passages = "What is random.choices()?", [passage("p", SIGNATURE_PAGE)]
    quoted = GroundingChecker(HashingEmbedder(), 0.5).extract(question, passages, 0.1)
    assert quoted is not None and "cum_weights=None" not in quoted.text
    assert quoted.text.startswith("Return a k sized list"), quoted.text
    keep = DEFAULT_TUNING.model_copy(update={"skip_signatures": False})
    before = GroundingChecker(HashingEmbedder(), 0.5, keep).extract(question, passages, 0.1)
    assert before is not None and before.text.startswith("random.choices("), "what it fixes"
