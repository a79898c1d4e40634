"""Sentence embeddings for monitoring: one-method protocol, bundled MiniLM loaded once."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from rag.errors import ModelLoadError
from rag.paths import bundled_embedding_path


class Embedder(Protocol):
    """Turns texts into unit-length vectors (rows)."""

    def embed(self, texts: list[str]) -> np.ndarray: ...


_models: dict[str, Any] = {}
_lock = threading.Lock()


class MiniLMEmbedder:
    """A sentence-transformers folder (bundled MiniLM by default) on CPU, offline, cached."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or bundled_embedding_path()

    def _model(self) -> Any:
        key = str(self.path)
        with _lock:
            if key not in _models:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                try:
                    from sentence_transformers import SentenceTransformer

                    _models[key] = SentenceTransformer(key, device="cpu")
                except (OSError, ValueError) as exc:
                    raise ModelLoadError(
                        f"Cannot load the embedding model at {key}: {exc}. "
                        "Set COURSEBOT_EMBEDDING_PATH to a sentence-transformers folder."
                    ) from exc
            return _models[key]

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        vectors = self._model().encode(
            texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32)
