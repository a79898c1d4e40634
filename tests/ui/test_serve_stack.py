"""`coursebot serve` without vLLM: the app's settings it writes, and its errors."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from rag.settings import Settings, load_settings
from safety.watermark.config import WatermarkConfig
from ui.cli.serve import command
from ui.engine.errors import EngineError
from ui.engine.replicas import EngineOptions, EngineStack
from ui.engine.stack import ServePlan, app_environment

APP_KEYS = [
    "COURSEBOT_LLM__BACKEND",
    "COURSEBOT_LLM__ENDPOINTS",
    "COURSEBOT_LLM__PATH",
    "COURSEBOT_LLM__TOKENIZER",
    "COURSEBOT_LLM__VOCAB_SIZE",
]


@pytest.fixture
def clean_app_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever `serve` writes into os.environ is undone after the test."""
    for key in APP_KEYS:
        monkeypatch.delenv(key, raising=False)


def test_a_gguf_is_counted_with_its_own_tokenizer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_app_env: None
) -> None:
    gguf = tmp_path / "model.gguf"
    gguf.write_bytes(b"GGUF")
    for key, value in app_environment(ServePlan(model=gguf), "http://127.0.0.1:8123").items():
        monkeypatch.setenv(key, value)
    llm = load_settings(None).llm
    assert llm.backend == "vllm"
    assert llm.endpoints == ["http://127.0.0.1:8123"]
    assert llm.path == gguf and llm.tokenizer == "gguf"


def test_a_hugging_face_folder_uses_the_servers_tokenizer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_app_env: None
) -> None:
    (tmp_path / "config.json").write_text(json.dumps({"vocab_size": 32000}))
    for key, value in app_environment(ServePlan(model=tmp_path), "http://x:1").items():
        monkeypatch.setenv(key, value)
    llm = load_settings(None).llm
    assert llm.tokenizer == "server" and llm.vocab_size == 32000


def test_serve_starts_the_app_on_the_stacks_endpoint(
    monkeypatch: pytest.MonkeyPatch, clean_app_env: None
) -> None:
    seen: list[Settings] = []
    events: list[str] = []

    class FakeStack:
        endpoint = "http://127.0.0.1:8999"

    @contextmanager
    def fake_running_stack(settings: Settings, plan: ServePlan, say: Any) -> Iterator[Any]:
        events.append(f"start {plan.replicas}")
        try:
            yield FakeStack()
        finally:
            events.append("stop")

    monkeypatch.setattr("ui.engine.stack.running_stack", fake_running_stack)
    monkeypatch.setattr("ui.serving.launch", lambda settings, *a, **k: seen.append(settings))
    result = CliRunner().invoke(command, ["--replicas", "2"], obj={"config": None})
    assert result.exit_code == 0, result.output
    assert events == ["start 2", "stop"]
    assert seen[0].llm.backend == "vllm"
    assert seen[0].llm.endpoints == ["http://127.0.0.1:8999"]


def test_without_the_vllm_environment_serve_says_how_to_build_it(tmp_path: Path) -> None:
    missing = tmp_path / "missing" / "python"
    result = CliRunner().invoke(command, ["--vllm-python", str(missing)], obj={"config": None})
    assert result.exit_code == 1
    assert "make serve" in result.output


def test_a_replica_that_dies_at_start_is_an_error_with_its_log(tmp_path: Path) -> None:
    """The app's own Python has no vllm: the replica exits at once, and the stack says so."""
    options = EngineOptions(
        model_dir=tmp_path,
        watermark=WatermarkConfig(),
        log_dir=tmp_path / "logs",
        python=Path(sys.executable),
        startup_timeout_s=120,
    )
    stack = EngineStack(options)
    with pytest.raises(EngineError, match="exited with code") as caught:
        stack.start()
    assert "vllm" in str(caught.value)
    assert all(not replica.alive for replica in stack.replicas)
