from pathlib import Path

import pytest

from rag.errors import ConfigError
from rag.settings import Settings, load_settings, valid_environment_names


def test_environment_and_nested_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COURSEBOT_RETRIEVAL__TOP_K", "7")
    monkeypatch.setenv("COURSEBOT_WATERMARK__DELTA", "3.5")
    settings = load_settings()
    assert settings.retrieval.top_k == 7 and settings.watermark.delta == 3.5


def test_toml_file_and_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "coursebot.toml"
    config.write_text(
        '[retrieval]\ntop_k = 5\n[answer]\ngrounding = "flag"\n[watermark]\ngamma = 0.5\n'
    )
    monkeypatch.setenv("COURSEBOT_RETRIEVAL__TOP_K", "6")
    settings = load_settings(config)
    assert settings.retrieval.top_k == 6, "environment beats the file"
    assert settings.answer.grounding == "flag" and settings.watermark.gamma == 0.5
    assert settings.retrieval.candidate_k == 20, "the rest of a group keeps its defaults"


def test_unknown_keys_and_bad_values_are_errors(tmp_path: Path) -> None:
    config = tmp_path / "typo.toml"
    config.write_text("[retrieval]\ntop_kk = 5\n")
    with pytest.raises(ConfigError, match="top_kk"):
        load_settings(config)
    with pytest.raises(ConfigError, match="grounding"):
        load_settings(answer={"grounding": "sometimes"})
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "missing.toml")


def test_a_toml_syntax_error_names_file_line_and_column(tmp_path: Path) -> None:
    config = tmp_path / "broken.toml"
    config.write_text("[retrieval]\ntop_k = 5\nthis is not toml\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    message = str(caught.value)
    assert str(config) in message and "line 3" in message and "column" in message
    assert "\n" not in message, "one line"


def test_an_unknown_environment_name_is_an_error_naming_the_closest_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COURSEBOT_TOPK", "3")
    with pytest.raises(ConfigError, match=r"COURSEBOT_TOPK.*COURSEBOT_RETRIEVAL__TOP_K"):
        load_settings()
    monkeypatch.delenv("COURSEBOT_TOPK")
    monkeypatch.setenv("COURSEBOT_RETRIEVAL__TOPK", "3")
    with pytest.raises(ConfigError, match="COURSEBOT_RETRIEVAL__TOP_K"):
        load_settings()


def test_flat_names_of_the_last_release_still_work_with_a_deprecation_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("COURSEBOT_TOP_K", "7")
    config = tmp_path / "old.toml"
    config.write_text('grounding = "flag"\nmax_answer_tokens = 64\n')
    settings = load_settings(config, min_dense_score=0.4)
    assert settings.retrieval.top_k == 7 and settings.answer.grounding == "flag"
    assert settings.generation.max_answer_tokens == 64
    assert settings.retrieval.min_dense_score == 0.4
    lines = [r.getMessage() for r in caplog.records if "deprecated" in r.getMessage()]
    assert any("'top_k'" in line and "COURSEBOT_RETRIEVAL__TOP_K" in line for line in lines)
    assert any("'grounding'" in line and "answer.grounding" in line for line in lines)


def test_every_environment_name_the_settings_offer_is_accepted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    names = valid_environment_names()
    assert "COURSEBOT_ANSWER__SUPPORT_THRESHOLD" in names and "COURSEBOT_DATA_DIR" in names
    monkeypatch.setenv("COURSEBOT_ANSWER__TUNING__TOP_PASSAGE_BONUS", "0.05")
    assert load_settings().answer.tuning.top_passage_bonus == 0.05


def test_fingerprint_changes_with_answering_settings_but_not_the_server() -> None:
    base = load_settings()
    assert base.fingerprint() == load_settings(server={"auth_password": "secret"}).fingerprint()
    assert base.fingerprint() != load_settings(retrieval={"top_k": 9}).fingerprint()


def test_monitor_thresholds_follow_the_answering_ones_unless_set() -> None:
    from eval.monitor.config import monitor_config

    settings = load_settings(retrieval={"min_dense_score": 0.4}, answer={"support_threshold": 0.6})
    assert monitor_config(settings).out_of_scope_score == 0.4
    assert monitor_config(settings).review_support_min == 0.6
    own = load_settings(monitor={"out_of_scope_score": 0.2})
    assert monitor_config(own).out_of_scope_score == 0.2
    with pytest.raises(ConfigError, match=r"monitor\.windw"):
        monitor_config(load_settings(monitor={"windw": "1d"}))


def test_overrides_merge_into_their_groups() -> None:
    base = load_settings(retrieval={"top_k": 6})
    changed = base.with_overrides({"retrieval": {"rrf_k": 10}})
    assert changed.retrieval.top_k == 6 and changed.retrieval.rrf_k == 10
    assert isinstance(changed, Settings) and type(changed) is Settings


def test_home_is_expanded_in_paths(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    settings = load_settings(data_dir="~/cb", kb_paths=["~/notes"], llm={"path": "~/m.gguf"})
    assert settings.data_dir == tmp_path / "cb"
    assert settings.kb_paths == [tmp_path / "notes"]
    assert settings.llm.path == tmp_path / "m.gguf"


def test_concurrent_loads_with_different_files_do_not_mix(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    files = []
    for k in (3, 5, 7, 9):
        path = tmp_path / f"k{k}.toml"
        path.write_text(f"[retrieval]\ntop_k = {k}\n")
        files.append((k, path))
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda item: load_settings(item[1]).retrieval.top_k, files * 10))
    assert results == [k for k, _ in files] * 10
