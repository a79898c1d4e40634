"""Rare words of a question: the embedding model's WordPiece vocabulary as a word list."""

import json
from pathlib import Path

from rag.answer import Passage
from rag.common_words import is_rare, wordpiece_words
from rag.evidence import judge
from rag.grounding import Candidate
from rag.question_type import classify

COMMON = frozenset({"affect", "compute", "function", "module", "statistics", "which", "layer"})


def _tokenizer(folder: Path, kind: str, vocab: dict[str, int]) -> Path:
    folder.mkdir()
    (folder / "tokenizer.json").write_text(json.dumps({"model": {"type": kind, "vocab": vocab}}))
    return folder


def test_wordpiece_words_keeps_whole_words_only(tmp_path: Path) -> None:
    vocab = {"[CLS]": 0, "Affect": 1, "##osis": 2, "ku": 3, "2022": 4}
    words = wordpiece_words(_tokenizer(tmp_path / "wp", "WordPiece", vocab))
    assert words == frozenset({"affect", "ku"})


def test_no_word_list_without_a_wordpiece_tokenizer(tmp_path: Path) -> None:
    assert wordpiece_words(tmp_path / "absent") == frozenset()
    bpe = _tokenizer(tmp_path / "bpe", "BPE", {"affect": 1})
    assert wordpiece_words(bpe) == frozenset()


def test_rare_words_are_those_the_word_list_lacks_in_every_form() -> None:
    assert is_rare("kurtosis", COMMON)
    assert is_rare("ResNet50", COMMON)  # a name with digits
    assert not is_rare("affects", COMMON)
    assert not is_rare("layers", COMMON)
    assert not is_rare("computes", COMMON)


def test_only_a_rare_unknown_word_declines() -> None:
    # The passage names a function: a which-question needs one (rag.evidence._writes).
    sentence = "The mean function of the statistics module computes means."
    passages = [_passage(sentence)]
    ranked = [Candidate(passage=0, sentence=sentence, score=0.5)]
    vocabulary = {"statist", "modul", "comput", "mean", "function"}
    rare = "Which function of the statistics module computes kurtosis?"
    verdict = judge(rare, classify(rare), passages, ranked, 3, vocabulary, COMMON)
    assert not verdict.covered and verdict.unknown_terms == ["kurtosis"]
    everyday = "Which function of the statistics module does affect means?"
    assert judge(everyday, classify(everyday), passages, ranked, 3, vocabulary, COMMON).covered
    assert not judge(everyday, classify(everyday), passages, ranked, 3, vocabulary).covered


def _passage(text: str) -> Passage:
    return Passage(
        chunk_id="c",
        source="s.md",
        section="Statistics",
        text=text,
        start=0,
        end=len(text),
        dense_score=0.6,
    )


def test_the_abstention_step_declines_a_rare_unknown_word_only_when_the_setting_is_on() -> None:
    from rag.answer import Answer
    from rag.embeddings import HashingEmbedder
    from rag.grounding import GroundingChecker
    from rag.pipeline.abstention import AbstentionStep
    from rag.pipeline.turn import Turn

    question = "Which function of the statistics module computes kurtosis?"
    grounding = GroundingChecker(HashingEmbedder(), 0.55)

    def declined(rare_terms: bool) -> bool:
        grounding.tuning = grounding.tuning.model_copy(update={"evidence_rare_terms": rare_terms})
        step = AbstentionStep(
            grounding,
            min_dense_score=0.1,
            example_overlap=0.7,
            vocabulary=lambda: {"statist", "modul", "comput", "mean", "function"},
            common_words=lambda: COMMON,
        )
        passage = _passage("The statistics module computes means. Use the mean() function.")
        answer = Answer(question=question, resolved_question=question, text="")
        turn = Turn(answer=answer, text=question, logged_question=question)
        turn.passages = turn.usable = [passage]
        return step.decide(turn) and answer.reason == "not-in-evidence"

    assert declined(True)
    assert not declined(False)
