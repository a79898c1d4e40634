"""Claim splitting, quote masking, key-fact terms and forbidden-claim detection."""

from __future__ import annotations

from eval.hallucination.matching import facts_present, stated_forbidden
from eval.hallucination.text import (
    contains_term,
    mask_hypothetical_quotes,
    numbers,
    split_claims,
)


def test_split_claims_sentences_clauses_and_citations() -> None:
    text = (
        "Data drift degrades performance [1]. Precision is 18/20, e.g. 90% of flagged emails; "
        "recall counts the caught spam emails.\n- MAE treats all errors equally"
    )
    assert split_claims(text) == [
        "Data drift degrades performance.",
        "Precision is 18/20, e.g. 90% of flagged emails",
        "recall counts the caught spam emails.",
        "MAE treats all errors equally",
    ]


def test_short_clauses_merge_and_quotes_are_not_split() -> None:
    assert split_claims("Accuracy misleads; always.") == ["Accuracy misleads; always."]
    quoted = "The course quotes “precision, and recall but not F1” as an example."
    assert split_claims(quoted) == [quoted]
    assert split_claims("") == []


def test_quoted_wrong_answer_and_question_are_masked_but_a_quoted_prompt_is_kept() -> None:
    passage = (
        "When asked “Which country won the 2026 FIFA World Cup?”, a model might confidently "
        "respond “Brazil won the 2026 FIFA World Cup” based on patterns. The prompt “Write a "
        "poem about a cat” yields a generic poem."
    )
    masked = mask_hypothetical_quotes(passage)
    assert "Brazil won" not in masked
    assert "Which country won" not in masked
    assert "Write a poem about a cat" in masked


def test_terms_match_word_starts_and_whole_numbers() -> None:
    assert contains_term("Progressively refining details", "refin")
    assert contains_term("an error rate of 8%", "8%")
    assert contains_term("10,000 concurrent requests", "10000")
    assert not contains_term("a rate of 80%", "8%")
    assert not contains_term("a rate of 8.5%", "8")
    assert contains_term("x = stddev_samp(y)", "stddev_samp")
    assert contains_term("the sort_key argument", "sort key")
    assert not contains_term("stddev_pop(y)", "stddev_samp")
    assert numbers("MAE = $11.67k, 10,000 requests, 0.50 share [2]") == {"11.67", "10000", "0.5"}


def test_facts_present_uses_alternatives() -> None:
    facts = [["tf-idf", "term frequency"], ["enron"], ["random forest"]]
    assert facts_present("It uses term frequency features from Enron [1].", facts) == [
        True,
        True,
        False,
    ]


def test_forbidden_claim_stated_versus_reported() -> None:
    forbidden = ["brazil won"]
    assert stated_forbidden("Brazil won the 2026 FIFA World Cup.", forbidden) == ["brazil won"]
    for fine in (
        "The course does not say that Brazil won.",
        "A model might claim Brazil won, which is a hallucination.",
        "The course quotes “Brazil won the 2026 FIFA World Cup” as an example.",
    ):
        assert stated_forbidden(fine, forbidden) == [], fine


def test_what_the_documents_do_not_say_is_no_claim() -> None:
    answer = (
        'Nothing in "Intro notes" says that drift is caused by heat. '
        "Target relationships evolve. [1] Not covered in the notes: how is it fixed?"
    )
    assert split_claims(answer) == ["Target relationships evolve."]
    assert split_claims("The course documents do not cover this. Drift is slow.") == [
        "Drift is slow."
    ]
    assert (
        stated_forbidden(
            'Nothing in "Intro notes" says that drift is caused by heat.',
            ["drift is caused by heat"],
        )
        == []
    )
