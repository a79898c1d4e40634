"""Test-wide setup: offline always, every test's state under its own tmp folder, one set of
real models for the whole session, and no real-model load outside a `slow` test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.model_loads import REAL_FIXTURES, ModelLoads
from tests.real_models import COURSE_KB, RealModels

if TYPE_CHECKING:
    from rag import Assistant

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

__all__ = ["COURSE_KB"]  # tests import it from here

_LOADS = ModelLoads()
_MARK = pytest.StashKey[tuple[int, frozenset[str]]]()


@pytest.fixture(autouse=True)
def _isolated_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Point coursebot's data directory at the test's tmp folder; ignore user config."""
    monkeypatch.setenv("COURSEBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("COURSEBOT_CONFIG", raising=False)
    yield


@pytest.fixture(scope="session")
def real_models(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealModels]:
    """The bundled GGUF and MiniLM, loaded once; `.assistant(...)` builds variants on them."""
    models = RealModels(tmp_path_factory.mktemp("real-course"))
    yield models
    models.check_unchanged()


@pytest.fixture(scope="session")
def real_assistant(real_models: RealModels) -> Assistant:
    """The real assistant (bundled GGUF + MiniLM, default safety and watermark) over kb/.

    Shared by the whole session: tests must not change it (checked at the end); a test
    that needs other settings or its own index asks `real_models.assistant(...)`.
    """
    return real_models.course


def pytest_configure(config: pytest.Config) -> None:
    _LOADS.start()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    _LOADS.watch()
    item.stash[_MARK] = _LOADS.mark()
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Fail a passing test that loads a real model but is not marked `slow`."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if call.when != "call" or report.outcome != "passed" or item.get_closest_marker("slow"):
        return
    used = sorted(REAL_FIXTURES & set(getattr(item, "fixturenames", ())))
    loaded = _LOADS.since(item.stash[_MARK]) if _MARK in item.stash else []
    if used or loaded:
        report.outcome = "failed"
        report.longrepr = (
            f"{item.nodeid} uses a real model ({', '.join(used + loaded)}) but is not marked "
            "slow: add @pytest.mark.slow (or pytestmark = pytest.mark.slow), or use a fake."
        )
