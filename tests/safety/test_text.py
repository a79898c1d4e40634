"""The one sentence splitter: examples of what it keeps together and properties it keeps."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safety.text import sentence_spans, split_complete, split_sentences, strip_list_marker


@pytest.mark.parametrize(
    "text",
    [
        "It drops, e.g. by 8%, and i.e. stays there.",
        "Apples, pears, etc. And more fruit.",
        "Model A vs. Model B wins.",
        "Sales in the U.S. Market rose.",
        "Mr. Smith met Dr. Jones and Ms. Lee.",
        "See Fig. 3 and Eq. 2 for No. 5 in the list.",
        "Pi is 3.14 and the version is 1.2.3 today.",
        "It went on... Then nothing.",
        "J. R. R. Tolkien wrote it.",
        "Mail jo.doe@example.org or see https://example.org/a.b?c=1 now.",
        "The fix is in v2.0.1 today.",
    ],
)
def test_kept_together(text: str) -> None:
    assert split_sentences(text) == [text]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("It drops, e.g. by 8%. Next one.", ["It drops, e.g. by 8%.", "Next one."]),
        ("Stop! Why? Because.", ["Stop!", "Why?", "Because."]),
        ('He said "Go." Then he left.', ['He said "Go."', "Then he left."]),
        ('One. "Two." (Three.) 4 is a number.', ["One.", '"Two."', "(Three.)", "4 is a number."]),
        ("No. That is wrong.", ["No.", "That is wrong."]),
        ("In 2020. The year after.", ["In 2020.", "The year after."]),
        ("Mail me at jo@example.org. Thanks.", ["Mail me at jo@example.org.", "Thanks."]),
        ("First paragraph\n\nsecond one", ["First paragraph", "second one"]),
        ("Data Drift\nGradual changes hurt.", ["Data Drift", "Gradual changes hurt."]),
        ("A list:\n- one\n- two\n1. three", ["A list:", "- one", "- two", "1. three"]),
        ("1. Pick one. 2. Go.", ["1. Pick one.", "2. Go."]),
        ("# Title\n## Sub\nBody.", ["# Title", "## Sub", "Body."]),
        ("| a | b |\n|---|---|\n| 1 | 2 |", ["| a | b |", "|---|---|", "| 1 | 2 |"]),
        ("a wrapped\nline ends here. Next.", ["a wrapped\nline ends here.", "Next."]),
        ("lower. case follows", ["lower. case follows"]),
        ("  \n ", []),
    ],
)
def test_splits(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_spans_are_offsets_into_the_given_range() -> None:
    text = "skip. One here. Two there. skip"
    spans = sentence_spans(text, 6, 26)
    assert [text[a:b] for a, b in spans] == ["One here.", "Two there."]


def test_split_complete_releases_a_sentence_once_it_has_ended() -> None:
    assert split_complete("One. Two is") == (["One."], "Two is")
    assert split_complete("One.") == ([], "One.")
    assert split_complete("One. Two! ") == (["One.", "Two!"], "")
    assert split_complete("See Dr. ") == ([], "See Dr. ")
    assert split_complete("See Fig. ") == ([], "See Fig. ")
    assert split_complete("1. ") == ([], "1. ")


def test_strip_list_marker() -> None:
    assert [strip_list_marker(s) for s in ("- a", "* b", "• c", "12. d", "3) e", "f")] == list(
        "abcdef"
    )


_SPECIAL = ["e.g.", "U.S.", "Dr.", "No.", "..."]
_ALPHABET = st.sampled_from([*"aZ3 .!?\n\"'“”()-*•#:@/,e", *_SPECIAL])
_TEXTS = st.lists(_ALPHABET, max_size=60).map("".join)


@settings(max_examples=400, deadline=None)
@given(_TEXTS)
def test_no_character_is_lost(text: str) -> None:
    pieces = split_sentences(text)
    assert "".join("".join(pieces).split()) == "".join(text.split())
    assert all(p and p == p.strip() for p in pieces)


@settings(max_examples=400, deadline=None)
@given(_TEXTS)
def test_each_piece_is_one_sentence(text: str) -> None:
    for piece in split_sentences(text):
        assert split_sentences(piece) == [piece]


@settings(max_examples=200, deadline=None)
@given(_TEXTS, st.integers(min_value=0, max_value=60))
def test_a_released_sentence_is_a_sentence_of_the_whole_text(text: str, cut: int) -> None:
    complete, rest = split_complete(text[:cut])
    assert complete == split_sentences(text[:cut])[: len(complete)]
    stable = complete[:-1]  # the last may be released at a tail the rest of the text changes
    assert stable == split_sentences(text)[: len(stable)]
    assert "".join("".join((*complete, rest)).split()) == "".join(text[:cut].split())


def test_a_citation_marker_stays_with_the_sentence_it_closes() -> None:
    text = "Drift degrades models. It is gradual. [1] Another one [2]. Last. [3, 4]"
    assert split_sentences(text) == [
        "Drift degrades models.",
        "It is gradual. [1]",
        "Another one [2].",
        "Last. [3, 4]",
    ]
    assert split_sentences("See [1] and [2]. Then [3] more.") == [
        "See [1] and [2].",
        "Then [3] more.",
    ]
