"""The BM25 terms: a word and its inflections stem alike; letters of any script are kept."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rag.keyword import BM25, STOP_WORDS, stem, terms

ascii_words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=12)
letters = st.characters(categories=["Ll", "Lu", "Lo"])


@pytest.mark.parametrize(
    "forms",
    [
        ("loss", "losses"),
        ("bias", "biases", "biased"),
        ("class", "classes"),
        ("process", "processes", "processing", "processed"),
        ("series",),
        ("feature", "features"),
        ("category", "categories"),
        ("train", "trains", "training", "trained"),
        ("box", "boxes"),
        ("status", "statuses"),
        ("stop", "stops", "stopped", "stopping"),
        ("embedding", "embeddings", "embedded"),
    ],
)
def test_inflections_share_a_stem(forms: tuple[str, ...]) -> None:
    assert len({stem(f) for f in forms}) == 1, {f: stem(f) for f in forms}


def test_keyword_search_finds_the_singular_and_the_plural() -> None:
    bm25 = BM25(["The bias of an estimator.", "Training losses fall.", "Unrelated text."])
    assert bm25.scores("biases")[0] > 0 and bm25.scores("loss")[1] > 0
    assert bm25.scores("bias").argmax() == 0 and bm25.scores("losses").argmax() == 1


def test_unicode_letters_are_kept() -> None:
    assert terms("café naïve Größe 東京") == [stem("café"), stem("naïve"), "gröss", "東京"]
    assert "café" in terms("Le café") and any("ï" in t for t in terms("naïve"))


@given(ascii_words.filter(lambda w: not w.endswith("s")))
def test_plural_in_s_stems_like_the_singular(word: str) -> None:
    assert stem(word + "s") == stem(word)


@given(ascii_words, st.sampled_from(["s", "x", "z", "ch", "sh"]))
def test_plural_in_es_after_a_sibilant_stems_like_the_singular(root: str, end: str) -> None:
    word = root + end
    assert stem(word + "es") == stem(word)


@given(st.text(min_size=1, max_size=15))
def test_a_stem_is_its_own_stem(word: str) -> None:
    assert stem(stem(word)) == stem(word)


@given(st.text(alphabet=letters, min_size=3, max_size=12))
def test_a_word_of_any_script_stays_one_term_with_its_letters(word: str) -> None:
    folded = unicodedata.normalize("NFC", word).casefold()
    if not folded.isalpha() or folded in STOP_WORDS or len(terms(folded)) != 1:
        return  # casefolding can make non-letters or split a word; nothing to check
    (term,) = terms(word)
    assert term[:3] == folded[:3] and len(term) >= min(3, len(folded))
