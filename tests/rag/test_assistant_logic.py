"""The assistant's orchestration with a scripted generator and hashing embeddings."""

from pathlib import Path

import pytest

from rag.assistant import Assistant
from rag.embeddings import HashingEmbedder
from rag.errors import ConfigError, IndexCorrupt, InvalidQuestion
from rag.events import FinalEvent, TokenEvent
from rag.settings import deep_merge, load_settings
from safety.verdict import Verdict
from tests.fakes import FakeGenerator

KB = {
    "drift.md": "# Course\n\n## Failure Modes\n\n### Data Drift\n\n"
    "Gradual input distribution changes degrade performance of data models.\n",
    "limits.md": "# Course\n\n## Hallucinations\n\nModels produce plausible but incorrect "
    "statements. Example: When asked “Which country won the 2026 FIFA World Cup?”, a model "
    "might confidently respond “Brazil won the 2026 FIFA World Cup”.\n",
}


def make_bot(
    tmp_path: Path, replies: list[str], **overrides: object
) -> tuple[Assistant, FakeGenerator]:
    kb = tmp_path / "kb"
    kb.mkdir(parents=True, exist_ok=True)
    for name, text in KB.items():
        (kb / name).write_text(text)
    base = {
        "data_dir": tmp_path / "data",
        "kb_paths": [kb],
        "index": {"embedder": "hashing"},
        "retrieval": {"min_dense_score": 0.15, "min_passage_score": 0.05},
        "safety": {"enabled": False},
        "watermark": {"enabled": False},
    }
    guard = overrides.pop("output_guard", None)
    settings = load_settings(**deep_merge(base, overrides))
    generator = FakeGenerator(replies)
    bot = Assistant(settings, HashingEmbedder(), generator, output_guard=guard)  # type: ignore[arg-type]
    bot.open_index()
    return bot, generator


def test_bad_questions_are_rejected_before_anything_is_logged(tmp_path: Path) -> None:
    bot, generator = make_bot(tmp_path, [])
    for question in ["", "   \n\t", "x" * 5000]:
        with pytest.raises(InvalidQuestion):
            bot.ask(question)
    assert list(bot.turn_log.turns()) == [] and generator.prompts == []


def test_off_topic_question_abstains_without_calling_the_model(tmp_path: Path) -> None:
    bot, generator = make_bot(tmp_path, [])
    answer = bot.ask("Recipe for sourdough bread with rye flour?")
    assert answer.abstained and answer.reason == "weak-retrieval"
    assert generator.prompts == [] and answer.citations == []


def test_invented_sentences_are_removed_and_the_rest_cited(tmp_path: Path) -> None:
    draft = (
        "Data drift is when gradual input distribution changes degrade performance. "
        "It was first observed on Mars by NASA in 1962."
    )
    bot, _ = make_bot(tmp_path, [draft], answer={"mode": "generate"})
    events = list(bot.stream("What is data drift?"))
    tokens = [e for e in events if isinstance(e, TokenEvent)]
    final = events[-1]
    assert isinstance(final, FinalEvent) and len(tokens) == 2, "one event per draft sentence"
    answer = final.answer
    assert " ".join(t.text for t in tokens) == draft == answer.raw_text
    assert "Mars" not in answer.text and answer.text.endswith("[1]")
    assert answer.citations[0].section == "Failure Modes > Data Drift"
    assert [s.supported for s in answer.sentences] == [True, False]
    row = next(bot.turn_log.turns())
    assert row["question"] == "What is data drift?" and row["answer"] == answer.text
    assert row["id"] == answer.turn_id and row["abstained"] == 0 and row["top_score"] > 0


def test_fully_unsupported_draft_falls_back_to_quoting_the_course(tmp_path: Path) -> None:
    bot, _ = make_bot(tmp_path, ["Drift is a kind of racing with cars."])
    answer = bot.ask("What is data drift?")
    assert answer.extractive and not answer.abstained
    assert answer.text.startswith("Gradual input distribution changes")
    bot_no_fallback, _ = make_bot(
        tmp_path / "b",
        ["Drift is a kind of racing."],
        answer={"extractive_fallback": False, "mode": "generate"},
    )
    assert bot_no_fallback.ask("What is data drift?").reason == "unsupported"


def test_default_answer_quotes_the_course_then_adds_new_supported_sentences(tmp_path: Path) -> None:
    draft = (
        "Data drift means gradual input distribution changes degrade performance. "
        "Drift affects data models through their performance. "
        "It was first observed on Mars by NASA in 1962."
    )
    bot, _ = make_bot(tmp_path, [draft])
    answer = bot.ask("What is data drift?")
    assert answer.text.startswith("Gradual input distribution changes degrade performance")
    assert "Mars" not in answer.text
    reasons = [s.reason for s in answer.sentences]
    assert reasons[0] == "quoted from the course"
    assert "repeats the quoted course text" in reasons
    assert "not found in the passages" in reasons
    assert all(f"[{c.n}]" in answer.text for c in answer.citations)


def test_grounding_off_passes_the_draft_through(tmp_path: Path) -> None:
    bot, _ = make_bot(tmp_path, ["Drift is a kind of racing."], answer={"grounding": "off"})
    answer = bot.ask("What is data drift?")
    assert answer.text == "Drift is a kind of racing." and answer.sentences == []


def test_example_question_is_not_answered(tmp_path: Path) -> None:
    bot, generator = make_bot(tmp_path, ["Brazil won the 2026 FIFA World Cup."])
    answer = bot.ask("Which country won the 2026 FIFA World Cup?")
    assert answer.abstained and answer.reason == "mentioned-as-example"
    assert "Brazil" not in answer.text and generator.prompts == []


def test_follow_up_is_resolved_for_retrieval(tmp_path: Path) -> None:
    bot, generator = make_bot(tmp_path, ["Gradual input distribution changes degrade performance."])
    answer = bot.ask("and how does it affect performance?", history=["What is data drift?"])
    assert answer.resolved_question == "How does data drift affect performance?"
    assert "data drift" in generator.prompts[0][1]["content"]


def test_documents_added_at_run_time_are_answerable_without_restart(tmp_path: Path) -> None:
    bot, _ = make_bot(tmp_path, ["Watermarks identify generated media with statistical patterns."])
    new = tmp_path / "uploads"
    new.mkdir()
    (new / "wm.md").write_text(
        "# Extra\n\n## Watermarking\n\nWatermarks identify generated "
        "media with statistical patterns.\n"
    )
    report = bot.ingest([new])
    assert report.totals["indexed"] == 1
    assert {d.source for d in bot.documents()} == {"drift.md", "limits.md", "wm.md"}
    answer = bot.ask("How do watermarks identify generated media?")
    assert answer.citations and answer.citations[0].source == "wm.md"


def test_index_built_with_other_settings_names_the_rebuild_command(tmp_path: Path) -> None:
    bot, _ = make_bot(tmp_path, [])
    other = bot.settings.with_overrides({"index": {"chunk_max_chars": 300}})
    with pytest.raises(IndexCorrupt, match="coursebot ingest --rebuild"):
        Assistant(other, HashingEmbedder(), FakeGenerator()).open_index()


def test_ab_arms_are_sticky_per_session_and_logged(tmp_path: Path) -> None:
    ab = {
        "enabled": True,
        "arms": {
            "control": {},
            "wide": {"retrieval": {"top_k": 1}, "answer": {"grounding": "off"}},
        },
        "traffic": {"control": 0.5, "wide": 0.5},
    }
    bot, _ = make_bot(
        tmp_path, ["Gradual input distribution changes degrade performance."] * 40, ab=ab
    )
    seen: dict[str, str] = {}
    for i in range(12):
        session = f"s{i % 6}"
        answer = bot.ask("What is data drift?", session_id=session)
        assert seen.setdefault(session, answer.arm) == answer.arm, "sticky"
        if answer.arm == "wide":
            assert len(answer.passages) == 1 and answer.sentences == []
    assert set(seen.values()) == {"control", "wide"}
    arms = {row["session_id"]: row["arm"] for row in bot.turn_log.turns()}
    assert arms == seen


def test_ab_arm_may_not_change_the_index(tmp_path: Path) -> None:
    ab = {
        "enabled": True,
        "arms": {"control": {}, "bad": {"index": {"chunk_max_chars": 300}}},
        "traffic": {"control": 0.0, "bad": 1.0},
    }
    bot, _ = make_bot(tmp_path, [], ab=ab)
    with pytest.raises(ConfigError, match="share one index"):
        bot.ask("What is data drift?", session_id="x")


def test_an_arm_may_still_use_the_flat_names_of_the_last_release(tmp_path: Path) -> None:
    ab = {"enabled": True, "arms": {"control": {}, "one": {"top_k": 1}}, "traffic": {"one": 1.0}}
    bot, _ = make_bot(tmp_path, ["Gradual input distribution changes degrade performance."], ab=ab)
    assert len(bot.ask("What is data drift?", session_id="x").passages) == 1


class _ScriptedGuard:
    """Refuses sentences with "forbidden", redacts "secret"; counts what it saw."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def check(self, text: str, /) -> Verdict:
        self.seen.append(text)
        if "forbidden" in text:
            return Verdict(allowed=False, action="refuse", policy="test", reasons=["scripted"])
        if "secret" in text:
            return Verdict(allowed=True, action="redact", text=text.replace("secret", "[X]"))
        return Verdict(allowed=True, action="allow", text=text)


def test_every_caller_of_stream_gets_only_screened_draft_sentences(tmp_path: Path) -> None:
    draft = (
        "Data drift degrades performance of data models. The forbidden part comes here. "
        "The secret part is redacted. Unfinished"
    )
    guard = _ScriptedGuard()
    bot, _ = make_bot(tmp_path, [draft], answer={"mode": "generate"}, output_guard=guard)
    tokens = [e.text for e in bot.stream("What is data drift?") if isinstance(e, TokenEvent)]
    assert tokens == [
        "Data drift degrades performance of data models.",
        "The [X] part is redacted.",
    ]
    assert "Unfinished" not in " ".join(tokens), "an incomplete sentence is never streamed"


def test_one_screening_rule_for_the_final_answer(tmp_path: Path) -> None:
    bot, _ = make_bot(tmp_path, ["Gradual input distribution changes degrade performance."])
    bot.output_screen.guard = _ScriptedGuard()
    bot.ask("What is data drift?")
    withheld_bot, _ = make_bot(
        tmp_path / "w", ["x"], output_guard=_ScriptedGuard(), answer={"mode": "generate"}
    )
    answer = withheld_bot.ask("What is data drift?")
    assert not answer.refused, "nothing forbidden was said"


def test_a_stream_abandoned_midway_is_logged_as_interrupted(tmp_path: Path) -> None:
    bot, _ = make_bot(tmp_path, ["Drift degrades models. It is gradual. It is measurable."])
    events = bot.stream("What is data drift?")
    first = next(events)
    assert first.kind == "quote"
    events.close()  # type: ignore[attr-defined]
    rows = list(bot.turn_log.turns())
    assert len(rows) == 1 and rows[0]["abstained"] == 1
    assert rows[0]["question"] == "What is data drift?"


def test_invalid_utf8_in_a_question_is_cleaned_answered_and_logged(tmp_path: Path) -> None:
    bot, _ = make_bot(tmp_path, ["Gradual input distribution changes degrade performance."])
    broken = b"What is data drift? \xff\xfe".decode("utf-8", errors="surrogateescape")
    answer = bot.ask(broken)
    assert answer.question == "What is data drift? \ufffd\ufffd"
    row = next(bot.turn_log.turns())
    assert row["id"] == answer.turn_id and "\ufffd" in row["question"]


def test_on_topic_passages_without_the_asked_number_decline_without_the_model(
    tmp_path: Path,
) -> None:
    bot, generator = make_bot(tmp_path, ["Data drift models have 12 layers."])
    answer = bot.ask("How many layers do data drift models have?")
    assert answer.abstained and answer.reason == "not-in-evidence"
    assert "not covered in" in answer.text and "number" in answer.text
    assert "Data Drift" in answer.text and answer.citations[0].section.endswith("Data Drift")
    assert generator.prompts == []


def test_a_name_the_documents_never_mention_declines(tmp_path: Path) -> None:
    bot, generator = make_bot(tmp_path, [])
    answer = bot.ask("How does data drift degrade ResNet-50 performance?")
    assert answer.abstained and "ResNet-50" in answer.text and generator.prompts == []


def test_the_evidence_check_can_be_switched_off(tmp_path: Path) -> None:
    bot, generator = make_bot(
        tmp_path,
        ["Gradual input distribution changes degrade performance."],
        answer={"tuning": {"evidence_check": False}},
    )
    answer = bot.ask("How many layers do data drift models have?")
    assert answer.reason != "not-in-evidence" and len(generator.prompts) == 1


def test_each_part_of_a_question_is_answered_or_said_to_be_not_covered(tmp_path: Path) -> None:
    bot, _ = make_bot(tmp_path, ["Data drift degrades performance of data models."])
    answer = bot.ask("What is data drift, and how many layers do data drift models have?")
    assert not answer.abstained
    assert answer.text.startswith("Gradual input distribution changes")
    assert answer.text.rstrip().endswith("How many layers do data drift models have?")
    assert "Not covered in" in answer.text and answer.citations[0].section.endswith("Drift")


def test_a_premise_no_passage_supports_is_corrected_without_generated_text(
    tmp_path: Path,
) -> None:
    bot, _ = make_bot(
        tmp_path,
        ["Gradual input distribution changes come from solar storms."],
        answer={"extractive_min_similarity": 0.05},
    )
    question = "Why does the course say gradual input distribution changes come from solar storms?"
    answer = bot.ask(question)
    said = "Nothing in the indexed documents says that gradual input distribution changes"
    assert answer.text.startswith(said) and not answer.abstained
    assert "degrade performance of data models. [1]" in answer.text
    assert answer.text.count("solar storms") == 1, "the draft going along is not added"


def test_a_premise_without_any_quote_is_declined_as_such(tmp_path: Path) -> None:
    bot, _ = make_bot(tmp_path, ["Data drift is caused by solar storms."])
    answer = bot.ask("Why does the course say solar storms in July cause data drift?")
    assert answer.abstained and answer.reason == "premise-not-supported"
    assert answer.text.startswith("Nothing in the indexed documents says that solar storms")


def test_messages_name_the_knowledge_base_from_the_settings(tmp_path: Path) -> None:
    bot, _ = make_bot(tmp_path, [], answer={"documents_name": "the ML 101 notes"})
    answer = bot.ask("How many layers do data drift models have?")
    assert answer.abstained and answer.text.startswith("This is not covered in the ML 101 notes.")
