import pytest

from rag.conversation import resolve, topic_of


@pytest.mark.parametrize(
    ("question", "history", "expected"),
    [
        ("and how is it detected?", ["What is data drift?"], "How is data drift detected?"),
        ("What about concept drift?", ["What is data drift?"], "What is concept drift?"),
        ("Why does this matter?", ["Explain model decay"], "Why does model decay matter?"),
        ("What is precision?", ["What is data drift?"], "What is precision?"),
        ("and how is it detected?", [], "and how is it detected?"),
    ],
)
def test_follow_ups_are_resolved(question: str, history: list[str], expected: str) -> None:
    assert resolve(question, history) == expected


def test_chained_follow_ups_use_the_resolved_topic() -> None:
    history = ["What is data drift?", "What about concept drift?"]
    assert resolve("and how is it detected?", history) == "How is concept drift detected?"


def test_topic_of() -> None:
    assert topic_of("What are the data quality dimensions?") == "data quality dimensions"


def test_a_topic_keeps_words_that_start_like_an_article() -> None:
    assert topic_of("What is anomaly detection?") == "anomaly detection"
    assert topic_of("What is theory of mind?") == "theory of mind"


def test_the_topic_of_a_multi_part_question_is_its_first_subject() -> None:
    history = ["What is concept drift, and how is it different from data drift?"]
    assert resolve("and how is it detected?", history) == "How is concept drift detected?"
