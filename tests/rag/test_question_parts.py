"""The parts of a question and its premises, read from its grammar alone."""

import pytest

from rag.pipeline.messages import GENERIC_NAME, Wording, documents_name
from rag.question_parts import comparison_sides, premises, split_parts, subject


@pytest.mark.parametrize(
    ("question", "parts"),
    [
        (
            "What is concept drift, and how is it different from data drift?",
            ["What is concept drift?", "How is concept drift different from data drift?"],
        ),
        (
            "What is the overall accuracy of the loan model and why is it misleading?",
            [
                "What is the overall accuracy of the loan model?",
                "Why is overall accuracy of the loan model misleading?",
            ],
        ),
        ("What is a deque? How is it used?", ["What is a deque?", "How is deque used?"]),
        ("How do precision and recall differ?", ["How do precision and recall differ?"]),
        (
            "What does the load test simulate and verify?",
            ["What does the load test simulate and verify?"],
        ),
        ("What is a tuple and why?", ["What is a tuple and why?"]),
    ],
)
def test_a_question_is_cut_where_a_new_question_starts(question: str, parts: list[str]) -> None:
    assert split_parts(question) == parts


def test_subject() -> None:
    assert subject("How is mean squared error computed?") == "mean squared error"
    assert subject("What is data drift?") == "data drift"


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Why does the text say that the Moon is made of cheese?", ["the Moon is made of cheese"]),
        (
            "The notes define overfitting as a lack of training data. Can you explain?",
            ["overfitting is a lack of training data"],
        ),
        (
            "Since sets keep their items in insertion order, how do I sort one?",
            ["sets keep their items in insertion order"],
        ),
        ("Why does list.pop() return the first item?", ["list.pop() returns the first item"]),
        (
            "Why are small models limited for long texts?",
            ["small models are limited for long texts"],
        ),
        ("What does the course say about drift?", []),
        ("Which library does the course mention for plots?", []),
        ("What is a tuple?", []),
    ],
)
def test_premises_are_what_the_question_takes_for_granted(
    question: str, expected: list[str]
) -> None:
    assert premises(question) == expected


@pytest.mark.parametrize(
    ("question", "sides"),
    [
        ("How is concept drift different from data drift?", ["concept drift", "data drift"]),
        ("What is the difference between a list and a tuple?", ["list", "tuple"]),
        ("How do precision and recall differ?", ["precision", "recall"]),
        ("What is data drift?", []),
    ],
)
def test_comparison_sides(question: str, sides: list[str]) -> None:
    assert comparison_sides(question) == sides


def test_the_knowledge_base_is_named_by_setting_or_by_its_one_document() -> None:
    assert documents_name("the ML 101 notes", ["a.md", "b.md"]) == "the ML 101 notes"
    assert documents_name(None, ["intro-to_statistics.md"]) == '"Intro to statistics"'
    assert documents_name(" ", ["a.md", "b.md"]) == GENERIC_NAME
    wording = Wording(lambda: "the Python tutorial")
    assert wording.not_covered == "This is not covered in the Python tutorial."
    assert "course" not in wording.weak_retrieval + wording.unsupported_draft
    assert wording.part_not_covered("How is it detected?").endswith("How is it detected?")


def test_a_quantity_needs_its_unit() -> None:
    from rag.pipeline.abstention import quantities

    passage = quantities("It is quantized to 4-bit weights: from 140 GB to under 40 GB.")
    assert ("4", "gb") not in passage and ("40", "gb") in passage
    assert quantities("8 of 100 emails; 200 ms") == {("200", "ms")}
