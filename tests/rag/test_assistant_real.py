"""The paths users run, with the real bundled GGUF, MiniLM, FAISS and SQLite."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from rag import Assistant
from rag.errors import IndexCorrupt, InvalidQuestion, ModelLoadError
from rag.events import FinalEvent, QuoteEvent, TokenEvent
from rag.generation import LlamaCppGenerator
from tests.real_models import RealModels

pytestmark = pytest.mark.slow


def test_answers_from_the_course_with_aligned_citations(real_assistant: Assistant) -> None:
    answer = real_assistant.ask("What is data drift?")
    assert not answer.abstained and not answer.refused
    assert answer.citations, answer.model_dump_json(indent=2)
    assert any("Data Drift" in c.section for c in answer.citations)
    assert "gradual" in answer.text.lower() or "distribution" in answer.text.lower()
    for citation in answer.citations:
        assert f"[{citation.n}]" in answer.text
    assert answer.usage.prompt_tokens <= real_assistant.settings.answer.prompt_budget_tokens
    assert answer.timings.total_s >= answer.timings.generation_s > 0
    assert answer.generated_token_ids and answer.usage.completion_tokens > 0


def test_fifa_trap_never_states_a_winner(real_assistant: Assistant) -> None:
    answer = real_assistant.ask("Which country won the 2026 FIFA World Cup?")
    assert answer.abstained
    assert "brazil won" not in answer.text.lower()
    assert answer.citations and "Hallucinations" in answer.citations[0].section


@pytest.mark.parametrize(
    "question",
    [
        "What is the capital of Australia?",
        "How do I bake sourdough bread?",
        "Who won the 1998 Tour de France?",
    ],
)
def test_questions_outside_the_course_abstain(real_assistant: Assistant, question: str) -> None:
    answer = real_assistant.ask(question)
    assert answer.abstained and answer.citations == []


def test_follow_up_question_uses_the_conversation(real_assistant: Assistant) -> None:
    answer = real_assistant.ask("and what causes it?", history=["What is concept drift?"])
    assert "concept drift" in answer.resolved_question.lower()
    assert any("Concept Drift" in p.section for p in answer.passages[:2])


def test_streaming_yields_the_quote_then_tokens_then_the_logged_answer(
    real_assistant: Assistant,
) -> None:
    events = list(real_assistant.stream("What does a fairness audit examine?"))
    assert isinstance(events[0], QuoteEvent)
    assert any(isinstance(e, TokenEvent) for e in events)
    final = events[-1]
    assert isinstance(final, FinalEvent)
    assert final.answer.text.startswith(events[0].text)
    timings = final.answer.timings
    assert timings.first_text_s is not None and timings.first_token_s is not None
    assert timings.first_text_s < timings.first_token_s
    row = next(r for r in real_assistant.turn_log.turns() if r["id"] == final.answer.turn_id)
    assert row["question"] == "What does a fairness audit examine?"
    assert row["model"] == "SmolLM2-135M-Instruct.Q4_1.gguf (as q8_0)" and row["settings_hash"]


def test_bad_questions_get_clear_errors(real_assistant: Assistant) -> None:
    with pytest.raises(InvalidQuestion, match="Please type a question"):
        real_assistant.ask("   ")
    with pytest.raises(InvalidQuestion, match="limit"):
        real_assistant.ask("why " * 30_000)


def test_missing_or_corrupt_model_file(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="not found"):
        LlamaCppGenerator(tmp_path / "missing.gguf")
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF" + b"\x00" * 100)
    with pytest.raises(ModelLoadError, match="GGUF"):
        LlamaCppGenerator(broken)


def test_corrupt_index_on_disk_is_reported_with_the_fix(
    tmp_path: Path, real_models: RealModels
) -> None:
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "note.md").write_text("# Note\n\n## Drift\n\nInputs change over time.\n")
    real_models.assistant(data_dir=tmp_path / "data", kb_paths=[kb])
    version = next((tmp_path / "data" / "index").glob("v-*"))
    (version / "faiss.index").write_bytes(b"not faiss")
    with pytest.raises(IndexCorrupt, match="coursebot ingest --rebuild"):
        real_models.assistant(data_dir=tmp_path / "data", kb_paths=[kb])


def test_cli_ingest_and_ask(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ui.cli.main import cli

    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "drift.md").write_text(
        "# Notes\n\n## Data Drift\n\nGradual input distribution changes degrade performance.\n"
    )
    (kb / "junk.bin.txt").write_bytes(b"\x00\x01binary")
    monkeypatch.setenv("COURSEBOT_KB_PATHS", f'["{kb}"]')
    runner = CliRunner()
    result = runner.invoke(cli, ["ingest"])
    assert result.exit_code == 0, result.output
    assert "junk.bin.txt | skipped" in result.output and "binary" in result.output
    result = runner.invoke(cli, ["ask", "--json", "What is data drift?"])
    assert result.exit_code == 0, result.output
    assert '"citations"' in result.output and "drift.md" in result.output
    result = runner.invoke(cli, ["ask", "  "])
    assert result.exit_code == 1 and "Please type a question" in result.output
