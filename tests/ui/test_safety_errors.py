"""A safety model that cannot load, or fails mid-answer, is one clear line in the CLI and
the web UI, never a traceback (SafetyError is not a CoursebotError: safety/ sits below rag/)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest

from rag.settings import Settings
from safety.errors import SafetyModelError
from tests.faults.procs import run_cli
from tests.ui.ui_fakes import FakeAssistant
from ui.chat_page import ChatHandlers
from ui.cli.common import friendly_errors
from ui.holder import AssistantHolder

MESSAGE = "Harm classifier weights at x.npz are missing or corrupt: rebuild them."


def test_cli_turns_a_safety_error_into_its_own_message() -> None:
    @friendly_errors
    def command() -> None:
        raise SafetyModelError(MESSAGE)

    with pytest.raises(click.ClickException) as caught:
        command()
    assert caught.value.message == MESSAGE


class BrokenSafetyAssistant(FakeAssistant):
    """Streams, then its output guard's model breaks."""

    def stream(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        raise SafetyModelError(MESSAGE)
        yield  # pragma: no cover


def test_chat_shows_a_safety_error_as_one_line(settings: Settings) -> None:
    holder = AssistantHolder(settings, BrokenSafetyAssistant)
    assert holder.wait(10)
    steps = list(ChatHandlers(holder).respond("What is data drift?", [], [], {}))
    messages, _, _, _, status = steps[-1]
    assert messages[-1]["content"] == f"**Could not answer:** {MESSAGE}"
    assert status == "That question could not be answered."


@pytest.mark.slow
def test_ask_with_a_safety_model_that_cannot_load_is_one_line(tmp_path: Path) -> None:
    done = run_cli(
        tmp_path / "data",
        "ask",
        "What is data drift?",
        COURSEBOT_SAFETY__TOXICITY_BACKEND="detoxify",
        COURSEBOT_SAFETY__DETOXIFY_CHECKPOINT=str(tmp_path / "missing.ckpt"),
        COURSEBOT_KB_PATHS='["kb"]',
    )
    assert done.returncode == 1, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), done.stderr
    assert "Traceback" not in done.stderr and "unexpected" not in lines[0]
    assert "missing.ckpt" in lines[0] or "checkpoint" in lines[0].lower()
