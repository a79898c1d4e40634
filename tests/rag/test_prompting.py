import pytest

from rag.answer import Passage
from rag.errors import InvalidQuestion
from rag.prompting import build_prompt


def passage(i: int, words: int) -> Passage:
    return Passage(
        chunk_id=f"c{i}",
        source="c.md",
        section=f"S{i}",
        text="word " * words,
        start=0,
        end=1,
        dense_score=0.5,
    )


def count(text: str) -> int:
    return len(text.split())


def test_passages_fill_the_budget_in_rank_order_and_the_rest_are_recorded() -> None:
    plan = build_prompt(
        "What is drift?",
        [passage(1, 100), passage(2, 300), passage(3, 50)],
        count,
        budget_tokens=260,
    )
    assert [p.chunk_id for p in plan.passages] == ["c1", "c3"]
    assert plan.dropped == ["c2"]
    assert plan.prompt_tokens <= plan.budget_tokens
    assert "[2] (S3)" in plan.messages[1]["content"]
    assert "word " * 99 + "word\n" in plan.messages[1]["content"], "kept passages are never cut"


def test_a_question_that_cannot_fit_is_an_error() -> None:
    with pytest.raises(InvalidQuestion, match="too long"):
        build_prompt("why " * 500, [passage(1, 10)], count, budget_tokens=200)


def test_the_instructions_name_the_knowledge_base_and_never_a_course() -> None:
    from rag.pipeline.messages import Wording
    from rag.pipeline.planning import PlanStep

    wording = Wording(lambda: "the Python tutorial")
    step = PlanStep(count, prompt_passages=2, budget_tokens=400, wording=wording)
    plan = step.build("What is a list?", [passage(1, 10)])
    system, user = plan.messages[0]["content"], plan.messages[1]["content"]
    assert "the Python tutorial" in system
    assert wording.not_covered in system, "the model declines in the app's own words"
    assert "course" not in (system + user).lower()
    default = build_prompt("What is a list?", [passage(1, 10)], count, budget_tokens=400)
    assert "course" not in default.messages[0]["content"].lower()
