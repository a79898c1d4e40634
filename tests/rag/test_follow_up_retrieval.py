"""A follow-up is retrieved for as resolved and in its own words, the rankings fused."""

from __future__ import annotations

from rag.answer import Answer, Passage
from rag.conversation import own_words
from rag.pipeline.passages import PassageStep, fuse_rankings
from rag.pipeline.turn import Turn
from tests.rag.test_quote_bonus import passage


def _passage(chunk_id: str) -> Passage:
    return passage(chunk_id, chunk_id, section=chunk_id)


def test_a_follow_up_in_its_own_words_drops_the_connective_and_the_pronoun() -> None:
    assert own_words("and how is it detected?") == "how is detected?"
    assert own_words("What about watermarking?") == "watermarking?"


def test_fused_rankings_keep_the_first_rankings_length_and_renumber() -> None:
    resolved = [_passage(c) for c in ("definition", "example", "other", "monitoring")]
    own = [_passage(c) for c in ("monitoring", "table")]
    fused = fuse_rankings(resolved, own)
    # What the follow-up newly asks leads; a passage only its own words find may enter.
    assert [p.chunk_id for p in fused] == ["monitoring", "definition", "example", "table"]
    assert [p.rank for p in fused] == [1, 2, 3, 4]


def test_only_a_rewritten_follow_up_is_retrieved_for_twice() -> None:
    asked: list[str] = []

    def retrieve(query: str) -> list[Passage]:
        asked.append(query)
        if query == "how is detected?":
            return [_passage("monitoring")]
        return [_passage("definition"), _passage("other")]

    step = PassageStep(
        retrieve, guard=None, scan_passages=False, history_turns=3, min_passage_score=0.3
    )
    turn = Turn(
        answer=Answer(question="q", text=""),
        text="and how is it detected?",
        logged_question="q",
        history=["What is data drift?"],
    )
    step.find(turn)
    assert asked == ["How is data drift detected?", "how is detected?"]
    assert [p.chunk_id for p in turn.passages] == ["definition", "monitoring"], "fused"
    asked.clear()
    step.find(
        Turn(answer=Answer(question="q", text=""), text="What is data drift?", logged_question="q")
    )
    assert asked == ["What is data drift?"]
    off = PassageStep(
        retrieve,
        guard=None,
        scan_passages=False,
        history_turns=3,
        min_passage_score=0.3,
        follow_up_words=False,
    )
    asked.clear()
    off.find(
        Turn(
            answer=Answer(question="q", text=""),
            text="and how is it detected?",
            logged_question="q",
            history=["What is data drift?"],
        )
    )
    assert asked == ["How is data drift detected?"], "what it adds"
