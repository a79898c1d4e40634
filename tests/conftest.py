"""Test-wide setup: offline always, and every test's state under its own tmp folder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

REPO = Path(__file__).resolve().parent.parent
COURSE_KB = REPO / "kb"


@pytest.fixture(autouse=True)
def _isolated_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Point coursebot's data directory at the test's tmp folder; ignore user config."""
    monkeypatch.setenv("COURSEBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("COURSEBOT_CONFIG", raising=False)
    yield


@pytest.fixture(scope="session")
def real_assistant(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The real assistant (bundled GGUF + MiniLM, default safety and watermark) over kb/.

    Built once per test session; tests must not change its settings.
    """
    from rag import Assistant

    data_dir = tmp_path_factory.mktemp("real-assistant")
    return Assistant.from_settings(data_dir=data_dir, kb_paths=[COURSE_KB])
