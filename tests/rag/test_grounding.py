import pytest

from rag.answer import Passage
from rag.embeddings import HashingEmbedder
from rag.grounding import GroundingChecker, mentioned_only_as_example
from rag.quote_text import widen_quote, with_results
from rag.setting_groups import GroundingTuning
from rag.text import split_sentences, without_quotes

FIFA = Passage(
    chunk_id="fifa",
    source="course.md",
    section="Key Limitations and Challenges > Factual Inaccuracies and Hallucinations",
    text=(
        "Models produce plausible but incorrect statements due to reliance on statistical "
        "patterns rather than verified knowledge. Example: When asked “Which country won the "
        "2026 FIFA World Cup?”, a model might confidently respond “Brazil won the 2026 FIFA "
        "World Cup” based on patterns associating Brazil with frequent victories."
    ),
    start=0,
    end=10,
    dense_score=0.6,
)
DRIFT = Passage(
    chunk_id="drift",
    source="course.md",
    section="Failure Modes in Practice > Data Drift",
    text="Gradual input distribution changes degrade performance.",
    start=0,
    end=10,
    dense_score=0.6,
)
ERRORS = Passage(
    chunk_id="err",
    source="course.md",
    section="Basic Evaluation Ideas > Error in Classification Tasks",
    text="Out of 100 emails, the model labels 8 incorrectly. Error rate = 8/100 = 0.08 or 8%.",
    start=0,
    end=10,
    dense_score=0.6,
)

checker = GroundingChecker(HashingEmbedder(), threshold=0.55)


def test_a_claim_found_only_inside_a_quoted_example_is_not_supported() -> None:
    result = checker.check("Brazil won the 2026 FIFA World Cup.", [FIFA], "remove")
    assert not result.sentences[0].supported
    assert result.text == "" and result.removed == 1


def test_supported_sentences_are_kept_and_cited_by_text_not_by_model_markers() -> None:
    answer = (
        "Data drift means gradual input distribution changes degrade performance [2]. "
        "It was discovered by Alan Turing in 1950."
    )
    result = checker.check(answer, [ERRORS, DRIFT], "remove")
    kept = [s for s in result.sentences if s.supported]
    assert [s.text for s in kept] == [
        "Data drift means gradual input distribution changes degrade performance."
    ]
    assert result.text.endswith("performance. [1]")
    assert result.citations[0].chunk_id == "drift" and result.citations[0].n == 1
    assert "Turing" not in result.text


def test_wrong_numbers_are_not_supported() -> None:
    right = checker.check("The model labels 8 of 100 emails incorrectly.", [ERRORS], "remove")
    wrong = checker.check("The model labels 12 of 100 emails incorrectly.", [ERRORS], "remove")
    assert right.sentences[0].supported
    assert not wrong.sentences[0].supported


def test_flag_mode_keeps_unsupported_sentences_visibly_marked() -> None:
    result = checker.check("Drift was invented by Napoleon in Paris.", [DRIFT], "flag")
    assert result.text == "Drift was invented by Napoleon in Paris. [unsupported]"


def test_the_model_declining_is_not_a_supported_claim() -> None:
    result = checker.check(
        "These documents do not cover data drift performance.", [DRIFT], "remove"
    )
    assert not result.sentences[0].supported and result.sentences[0].reason == "declined"


def test_fifa_question_is_recognised_as_mentioned_only_as_an_example() -> None:
    assert (
        mentioned_only_as_example("Which country won the 2026 FIFA World Cup?", [DRIFT, FIFA])
        is FIFA
    )
    assert mentioned_only_as_example("What is data drift?", [DRIFT, FIFA]) is None


def test_extractive_fallback_quotes_the_best_sentence() -> None:
    quoted = checker.extract("What is the error rate in the email example?", [DRIFT, ERRORS], 0.2)
    assert quoted is not None
    assert "0.08" in quoted.text and quoted.citations[0].chunk_id == "err"
    assert checker.extract("Who painted the Mona Lisa?", [DRIFT], 0.9) is None


WORKED = (
    "Error rate is the fraction of wrong predictions.\n\n"
    "Example: Out of 100 emails, the model labels 8 incorrectly. Error rate = 8/100 = 8%.\n\n"
    "Accuracy is one minus the error rate. It misleads on imbalanced data.\n\n"
    "Example: 99% of emails are not spam."
)


def test_a_quote_keeps_its_paragraph_and_the_example_after_it() -> None:
    widened = widen_quote(WORKED, ["Example: Out of 100 emails, the model labels 8 incorrectly."])
    assert widened == [
        "Example: Out of 100 emails, the model labels 8 incorrectly.",
        "Error rate = 8/100 = 8%.",
    ]
    widened = widen_quote(WORKED, ["Accuracy is one minus the error rate."])
    assert widened == [
        "Accuracy is one minus the error rate.",
        "It misleads on imbalanced data.",
        "Example: 99% of emails are not spam.",
    ]


def test_the_example_paragraph_rule_comes_from_the_settings() -> None:
    chosen = ["Accuracy is one minus the error rate."]
    assert "Example: 99% of emails are not spam." not in widen_quote(
        WORKED, chosen, example_leads=[]
    )
    other = WORKED.replace("Example: 99%", "For instance, 99%")
    assert "For instance, 99% of emails are not spam." in widen_quote(
        other, chosen, example_leads=["for instance"]
    )


def test_widening_stops_at_the_length_limit_but_keeps_the_chosen_sentences() -> None:
    chosen = ["Accuracy is one minus the error rate."]
    assert widen_quote(WORKED, chosen, max_chars=40) == chosen
    assert widen_quote(WORKED, ["A sentence that is not in the passage."]) == [
        "A sentence that is not in the passage."
    ]


def test_the_first_ranked_passage_is_preferred_by_a_small_margin() -> None:
    first = DRIFT.model_copy(update={"text": "Data drift: input distribution changes over time."})
    second = DRIFT.model_copy(
        update={"chunk_id": "other", "text": "Data drift is when input distribution changes."}
    )
    question = "What is data drift?"
    unbiased = checker.extract(question, [first, second], 0.1, top_bonus=0.0)
    preferred = checker.extract(question, [first, second], 0.1, top_bonus=1.0)
    assert unbiased is not None and preferred is not None
    assert preferred.citations[0].chunk_id == first.chunk_id


def test_the_bonus_never_picks_a_passage_with_nothing_similar_enough() -> None:
    unrelated = DRIFT.model_copy(update={"chunk_id": "x", "text": "Bake the bread for an hour."})
    quoted = checker.extract("What is the error rate?", [unrelated, ERRORS], 0.2, top_bonus=1.0)
    assert quoted is not None and quoted.citations[0].chunk_id == "err"


def test_text_helpers() -> None:
    assert split_sentences("It drops, e.g. by 8%. Next one.") == [
        "It drops, e.g. by 8%.",
        "Next one.",
    ]
    assert "Brazil" not in without_quotes("respond “Brazil won the cup” often")


def test_a_worked_example_keeps_the_calculation_that_follows_it() -> None:
    text = (
        "Error rate is the fraction of wrong predictions.\n\n"
        "Example: Out of 100 emails, the model labels 8 incorrectly.\n\n"
        "Error rate = 8/100 = 0.08 or 8%.\n\nAccuracy is the fraction of correct ones."
    )
    quoted = ["Example: Out of 100 emails, the model labels 8 incorrectly."]
    assert with_results(text, quoted) == [*quoted, "Error rate = 8/100 = 0.08 or 8%."]
    assert with_results(text, ["Accuracy is the fraction of correct ones."]) == [
        "Accuracy is the fraction of correct ones."
    ]
    assert with_results(text, quoted, max_chars=70) == quoted
    code = "Make a list of five items here.\n>>> a = [1, 2]"
    assert with_results(code, ["Make a list of five items here."]) == [
        "Make a list of five items here."
    ]


def test_a_sentence_under_the_name_asked_about_is_preferred() -> None:
    methods = Passage(
        chunk_id="m",
        source="lists.html",
        section="More on Lists",
        text="list.append(x)\n\nAdd an item to the end of the sequence here.\n\n"
        "list.insert(i, x)\n\nInsert an item into the list at a given position.",
        start=0,
        end=10,
        dense_score=0.6,
    )
    ranked = checker.score_candidates("What does list.append(x) do?", [methods])
    best = max(ranked, key=lambda c: c.score)
    assert best.sentence == "Add an item to the end of the sequence here."
    plain = GroundingChecker(
        HashingEmbedder(), 0.55, checker.tuning.model_copy(update={"named_bonus": 0.0})
    )
    scores = {
        c.sentence: c.score
        for c in plain.score_candidates("What does list.append(x) do?", [methods])
    }
    assert scores["Add an item to the end of the sequence here."] + 0.3 == pytest.approx(best.score)


SEARCH_ORDER = Passage(
    chunk_id="mro",
    source="tutorial.html",
    section="9.5.1. Multiple Inheritance",
    text="Python searches the parent classes for an inherited attribute depth-first, "
    "left to right, not searching the same class twice.",
    start=0,
    end=10,
    dense_score=0.6,
)
RESTATED = "Python searches the parent classes for an inherited attribute depth-first."
EMBELLISHED = "Python searches the parent classes for an inherited attribute by a nested query."


def test_a_sentence_bringing_words_the_passage_never_uses_is_not_supported() -> None:
    strict = GroundingChecker(
        HashingEmbedder(), threshold=0.55, tuning=GroundingTuning(max_novel_terms=1)
    )
    loose = GroundingChecker(
        HashingEmbedder(), threshold=0.55, tuning=GroundingTuning(max_novel_terms=None)
    )
    assert strict.check(RESTATED, [SEARCH_ORDER], "remove").sentences[0].supported
    assert loose.check(EMBELLISHED, [SEARCH_ORDER], "remove").sentences[0].supported
    embellished = strict.check(EMBELLISHED, [SEARCH_ORDER], "remove")
    assert not embellished.sentences[0].supported and embellished.text == ""
