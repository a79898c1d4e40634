from rag.question_parts import premises
from rag.relation import relation, stated_the_other_way

COURSE = [
    "Data quality directly influences model performance: poor quality leads to unreliable "
    "predictions, amplified biases, and reduced generalization.",
    "Models produce plausible but incorrect statements due to reliance on statistical "
    "patterns rather than verified knowledge.",
]


def test_cause_and_effect_are_read_from_active_and_passive_wording() -> None:
    active = relation("poor labels cause model errors")
    passive = relation("model errors are caused by poor labels")
    reason = relation("model errors happen because of poor labels")
    assert active is not None and passive is not None and reason is not None
    assert active.cause == passive.cause == reason.cause == frozenset({"poor", "label"})
    assert relation("labels are noisy") is None, "no causal wording, no relation"


def test_a_participle_passive_runs_backward_without_an_auxiliary() -> None:
    # "X caused by Y" names Y as the cause with or without "is" before it
    for sentence in (
        "Inflated test scores caused by data leakage mislead the team.",
        "Inflated test scores are often, in practice, caused by data leakage.",
    ):
        stated = relation(sentence)
        assert stated is not None, sentence
        assert {"data", "leakag"} <= stated.cause, sentence
    assert not stated_the_other_way(
        "data leakage causes inflated test scores",
        ["Inflated test scores caused by data leakage are common."],
    )


def test_a_why_question_whose_premise_runs_the_other_way_is_caught() -> None:
    (premise,) = premises("Why do unreliable predictions lead to poor data quality?")
    assert stated_the_other_way(premise, COURSE)
    (right_way,) = premises("Why does poor data quality lead to unreliable predictions?")
    assert not stated_the_other_way(right_way, COURSE)


def test_terms_both_sides_share_do_not_decide_the_direction() -> None:
    reversed_ = ["Concept drift often leads to data drift in practice."]
    assert stated_the_other_way("data drift causes concept drift", reversed_)
    both = [*reversed_, "Data drift causes concept drift."]
    assert not stated_the_other_way("data drift causes concept drift", both)


def test_a_chain_of_causes_reverses_nothing() -> None:
    chain = ["Underfitting leads to poor performance, and it is caused by high bias."]
    assert relation(chain[0]) is None
    assert not stated_the_other_way("high bias leads to underfitting", chain)


def test_sentences_without_a_relation_between_the_sides_reverse_nothing() -> None:
    assert not stated_the_other_way("feedback loops cause bias", ["Feedback loops amplify bias."])
    assert not stated_the_other_way("bias causes feedback loops", COURSE)


def test_the_premise_check_corrects_a_reversed_premise_the_terms_alone_support() -> None:
    from rag.answer import Passage
    from rag.embeddings import HashingEmbedder
    from rag.grounding import GroundingChecker
    from rag.pipeline.abstention import AbstentionStep

    passage = Passage(
        chunk_id="c1",
        source="notes.md",
        section="Data Quality",
        text=" ".join(COURSE),
        start=0,
        end=1,
        dense_score=0.6,
    )
    step = AbstentionStep(
        GroundingChecker(HashingEmbedder(), 0.55), min_dense_score=0.1, example_overlap=0.7
    )
    wrong = "Why do unreliable predictions lead to poor data quality?"
    assert step.unsupported_premise(wrong, [passage]) == (
        "unreliable predictions lead to poor data quality"
    )
    right = "Why does poor data quality lead to unreliable predictions?"
    assert step.unsupported_premise(right, [passage]) is None
