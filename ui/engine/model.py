"""Which Hugging Face folder vLLM serves: a given one as it is, a GGUF converted once.

The conversion runs in the vLLM environment (`ui.engine.convert`, transformers + gguf)
and is kept in that environment's `models/` folder, so every data directory and every
test session reuses it; deleting the folder only costs a new conversion (about a minute).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from ui.engine.convert import converted_dir, is_checkpoint, is_converted
from ui.engine.errors import EngineError
from ui.engine.replicas import require_vllm_python


def models_dir(python: Path) -> Path:
    """Where conversions live: `models/` inside the vLLM environment of `python`."""
    return python.parent.parent / "models"


def servable_model(model: Path, python: Path | None = None) -> Path:
    """The checkpoint folder to serve `model` (a Hugging Face folder or a GGUF file)."""
    if is_checkpoint(model):
        return model
    if not model.is_file():
        raise EngineError(
            f"No model at {model}: give a GGUF file or a Hugging Face model folder "
            "(with config.json)."
        )
    python = python or require_vllm_python()
    out_dir = converted_dir(model, models_dir(python))
    if is_converted(out_dir):
        return out_dir
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [str(python), "-m", "ui.engine.convert", str(model), str(out_dir)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0 or not is_converted(out_dir):
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-8:])
        raise EngineError(
            f"Converting {model.name} for vLLM failed (exit {done.returncode}):\n{tail}\n"
            "Check that the file is a complete GGUF of a model transformers supports, or "
            "serve a Hugging Face folder instead."
        )
    return out_dir
