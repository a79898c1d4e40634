"""Shared fixtures for the web UI: a fake assistant for logic, the real one for the app."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.settings import Settings, load_settings
from tests.ui.ui_fakes import FakeAssistant
from tests.ui.ui_launch import serve
from ui.holder import AssistantHolder

REPO = Path(__file__).resolve().parents[2]
COURSE_KB = REPO / "kb"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(data_dir=tmp_path / "data", kb_paths=[COURSE_KB])


@pytest.fixture
def fake_holder(settings: Settings) -> AssistantHolder:
    holder = AssistantHolder(settings, FakeAssistant)
    assert holder.wait(10)
    return holder


@pytest.fixture(scope="session")
def real_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("real-assistant")


@pytest.fixture(scope="session")
def real_holder(real_data_dir: Path) -> Iterator[AssistantHolder]:
    """The real rag.Assistant over the course kb, built once per session."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    from rag import Assistant

    settings = load_settings(
        data_dir=real_data_dir, kb_paths=[COURSE_KB], generation={"max_answer_tokens": 96}
    )
    holder = AssistantHolder(settings, lambda s: Assistant.from_settings(s))
    assert holder.wait(300), "the real assistant did not load"
    holder.get()
    yield holder


@pytest.fixture(scope="module")
def real_app(real_holder: AssistantHolder) -> Iterator[str]:
    app, url = serve(real_holder)
    yield url
    app.close()  # type: ignore[attr-defined]
