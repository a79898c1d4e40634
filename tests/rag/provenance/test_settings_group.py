"""The `[provenance]` settings group: set by environment or TOML, unknown keys refused,
and used by the pipeline (what is remembered), the checker and the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from rag.assistant import Assistant
from rag.embeddings import HashingEmbedder
from rag.errors import ConfigError
from rag.provenance.check import ProvenanceChecker
from rag.settings import load_settings
from tests.fakes import FakeGenerator

DRIFT = (
    "# Course\n\n## Data Drift\n\nGradual input distribution changes degrade the "
    "performance of deployed data models over the months after their release.\n"
)


def test_environment_and_toml_set_the_group(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COURSEBOT_PROVENANCE__RETENTION_DAYS", "7")
    monkeypatch.setenv("COURSEBOT_PROVENANCE__ENABLED", "false")
    settings = load_settings()
    assert settings.provenance.retention_days == 7 and not settings.provenance.enabled
    monkeypatch.delenv("COURSEBOT_PROVENANCE__RETENTION_DAYS")
    monkeypatch.delenv("COURSEBOT_PROVENANCE__ENABLED")
    path = tmp_path / "coursebot.toml"
    path.write_text("[provenance]\ncited_min_shingles = 9\nretention_days = 90\n")
    settings = load_settings(path)
    assert settings.provenance.cited_min_shingles == 9
    assert settings.provenance.retention_days == 90


def test_unknown_or_invalid_keys_are_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COURSEBOT_PROVENANCE__RETENTION", "7")
    with pytest.raises(ConfigError, match="COURSEBOT_PROVENANCE__RETENTION_DAYS"):
        load_settings()
    monkeypatch.delenv("COURSEBOT_PROVENANCE__RETENTION")
    path = tmp_path / "coursebot.toml"
    path.write_text("[provenance]\nkeep_text = true\n")
    with pytest.raises(ConfigError, match=r"provenance\.keep_text"):
        load_settings(path)
    with pytest.raises(ConfigError, match=r"provenance\.retention_days"):
        load_settings(provenance={"retention_days": 0})


def _bot(tmp_path: Path, enabled: bool) -> Assistant:
    kb = tmp_path / "kb"
    kb.mkdir(parents=True, exist_ok=True)
    (kb / "drift.md").write_text(DRIFT)
    settings = load_settings(
        data_dir=tmp_path / "data",
        kb_paths=[kb],
        index={"embedder": "hashing"},
        retrieval={"min_dense_score": 0.05, "min_passage_score": 0.01},
        safety={"enabled": False},
        watermark={"enabled": False},
        provenance={"enabled": enabled},
    )
    bot = Assistant(settings, HashingEmbedder(), FakeGenerator([""]))  # type: ignore[arg-type]
    bot.open_index()
    return bot


@pytest.mark.parametrize("enabled", [True, False])
def test_the_pipeline_remembers_shown_answers_only_when_enabled(
    tmp_path: Path, enabled: bool
) -> None:
    bot = _bot(tmp_path, enabled)
    answer = bot.ask("How do input distribution changes affect deployed data models?")
    assert not answer.abstained, answer.reason
    if enabled:
        assert bot.answer_memory is not None and bot.answer_memory.count() == 1
    else:
        assert bot.answer_memory is None
    checker = ProvenanceChecker.from_settings(bot.settings, embedder=HashingEmbedder())
    assert checker.config == bot.settings.provenance
    assert ("switched off" in " ".join(checker.notes)) is not enabled


@pytest.mark.slow  # the CLI tokenises with the bundled GGUF's vocabulary
def test_the_cli_reads_the_group_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.cli.watermark import command

    monkeypatch.setenv("COURSEBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COURSEBOT_PROVENANCE__ENABLED", "false")
    runner = CliRunner()
    result = runner.invoke(command, ["detect", "-"], input="Some words.", obj={"config": None})
    assert result.exit_code == 0, result.output
    assert "note: The answer memory is switched off." in result.output
