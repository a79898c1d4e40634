from pathlib import Path

import pytest

from rag.errors import ConfigError
from rag.settings import load_settings


def test_environment_and_nested_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COURSEBOT_TOP_K", "7")
    monkeypatch.setenv("COURSEBOT_WATERMARK__DELTA", "3.5")
    settings = load_settings()
    assert settings.top_k == 7 and settings.watermark.delta == 3.5


def test_toml_file_and_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "coursebot.toml"
    config.write_text('top_k = 5\ngrounding = "flag"\n[watermark]\ngamma = 0.5\n')
    monkeypatch.setenv("COURSEBOT_TOP_K", "6")
    settings = load_settings(config)
    assert settings.top_k == 6, "environment beats the file"
    assert settings.grounding == "flag" and settings.watermark.gamma == 0.5


def test_unknown_keys_and_bad_values_are_errors(tmp_path: Path) -> None:
    config = tmp_path / "typo.toml"
    config.write_text("top_kk = 5\n")
    with pytest.raises(ConfigError, match="top_kk"):
        load_settings(config)
    with pytest.raises(ConfigError, match="grounding"):
        load_settings(grounding="sometimes")
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "missing.toml")


def test_fingerprint_changes_with_settings_but_not_secrets() -> None:
    base = load_settings()
    assert base.fingerprint() == load_settings(auth_password="secret").fingerprint()
    assert base.fingerprint() != load_settings(top_k=9).fingerprint()


def test_home_is_expanded_in_paths(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    settings = load_settings(data_dir="~/cb", kb_paths=["~/notes"])
    assert settings.data_dir == tmp_path / "cb"
    assert settings.kb_paths == [tmp_path / "notes"]
