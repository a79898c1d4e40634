"""Shared fixtures for the web UI: a fake assistant for logic, the real one for the app."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.settings import Settings, load_settings
from tests.real_models import COURSE_KB, RealModels
from tests.ui.ui_fakes import FakeAssistant
from tests.ui.ui_launch import serve
from ui.holder import AssistantHolder


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(data_dir=tmp_path / "data", kb_paths=[COURSE_KB])


@pytest.fixture
def fake_holder(settings: Settings) -> AssistantHolder:
    holder = AssistantHolder(settings, FakeAssistant)
    assert holder.wait(10)
    return holder


@pytest.fixture(scope="session")
def real_holder(
    real_models: RealModels, tmp_path_factory: pytest.TempPathFactory
) -> AssistantHolder:
    """The real assistant as the web app holds it: the session's loaded models, shorter
    answers, and its own copy of the course index (the app's tests upload documents)."""
    bot = real_models.assistant(
        data_dir=tmp_path_factory.mktemp("real-ui"), generation={"max_answer_tokens": 96}
    )
    holder = AssistantHolder(bot.settings, lambda _settings: bot)
    assert holder.wait(60), "the real assistant did not load"
    holder.get()
    return holder


@pytest.fixture(scope="module")
def real_app(real_holder: AssistantHolder) -> Iterator[str]:
    app, url = serve(real_holder)
    yield url
    app.close()  # type: ignore[attr-defined]
