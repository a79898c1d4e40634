from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner

from rag.settings import Settings
from ui.cli.chat import command
from ui.server_settings import server_settings


def test_chat_passes_host_and_port_to_launch(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Settings] = []

    def fake_launch(settings: Settings, *args: Any, **kwargs: Any) -> None:
        seen.append(settings)

    monkeypatch.setattr("ui.serving.launch", fake_launch)
    result = CliRunner().invoke(command, ["--port", "7999"], obj={"config": None})
    assert result.exit_code == 0, result.output
    server = server_settings(seen[0])
    assert server.host == "127.0.0.1" and server.port == 7999
    assert "http://127.0.0.1:7999" in result.output


def test_half_configured_login_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COURSEBOT_SERVER__AUTH_USERNAME", "teacher")
    result = CliRunner().invoke(command, ["--port", "0"], obj={"config": None})
    assert result.exit_code == 1
    assert "COURSEBOT_SERVER__AUTH_PASSWORD" in result.output


def test_share_is_not_an_option() -> None:
    result = CliRunner().invoke(command, ["--share"], obj={"config": None})
    assert result.exit_code == 2 and "No such option" in result.output
