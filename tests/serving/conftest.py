"""Real vLLM servers for the serving tests, started from `.venv-vllm` on loopback ports.

- `vllm_server` (session): ONE replica serving the bundled SmolLM2 (converted once into
  `.venv-vllm/models`), coursebot's watermark processor loaded with `vllm_watermark`
  (WatermarkConfig's defaults, the same the app uses by default); yields its base URL
  (`http://127.0.0.1:PORT`, no `/v1`).
- `vllm_pair` (module): TWO replicas behind vllm-router; yields the `EngineStack`:
  `.endpoint` is the router's base URL, `.replicas[i].url` each replica's, and
  `.replicas[i].kill()` ends one at once (SIGKILL to its process group), as a crash
  would. A module that kills a replica leaves the pair degraded for its later tests.

Both skip (with the reason) only when `.venv-vllm` is absent; `make test` builds it. A
start-up can take minutes on a busy machine; server logs go to the session's tmp folder
and the end of a failing server's log is in the error.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from safety.watermark.config import WatermarkConfig
from ui.engine.replicas import EngineOptions, EngineStack, vllm_python

MAX_MODEL_LEN = 2048


def _python_or_skip() -> Path:
    python = vllm_python()
    if not python.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"CI runs the real vLLM tests, but {python} is missing", pytrace=False)
        pytest.skip(
            f"no vLLM environment at {python.parent.parent} (`make test` builds it with "
            "`make .venv-vllm/.installed`)"
        )
    return python


@pytest.fixture(scope="session")
def vllm_env_python() -> Path:
    """The Python of `.venv-vllm` (vLLM and vllm-router installed beside it)."""
    return _python_or_skip()


@pytest.fixture(scope="session")
def vllm_watermark() -> WatermarkConfig:
    """The watermark the test servers mark with: the defaults, as an app built with them."""
    return WatermarkConfig()


@pytest.fixture(scope="session")
def vllm_model() -> Path:
    """The bundled GGUF as a Hugging Face folder vLLM loads (converted once, then reused)."""
    python = _python_or_skip()
    from rag.paths import bundled_llm_path
    from ui.engine.model import servable_model

    return servable_model(bundled_llm_path(), python)


def _options(model: Path, watermark: WatermarkConfig, log_dir: Path) -> EngineOptions:
    return EngineOptions(
        model_dir=model,
        watermark=watermark,
        log_dir=log_dir,
        python=_python_or_skip(),
        max_model_len=MAX_MODEL_LEN,
        kv_cache_gib=1,
    )


@pytest.fixture(scope="session")
def vllm_server(
    vllm_model: Path, vllm_watermark: WatermarkConfig, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """One real vLLM replica for the whole session; yields its base URL."""
    options = _options(vllm_model, vllm_watermark, tmp_path_factory.mktemp("vllm-logs"))
    with EngineStack(options, replicas=1) as stack:
        yield stack.endpoint


@pytest.fixture(scope="module")
def vllm_pair(
    vllm_model: Path, vllm_watermark: WatermarkConfig, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[EngineStack]:
    """Two real vLLM replicas behind vllm-router (round robin); yields the stack."""
    options = _options(vllm_model, vllm_watermark, tmp_path_factory.mktemp("vllm-pair-logs"))
    with EngineStack(options, replicas=2) as stack:
        yield stack
