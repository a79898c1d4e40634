"""Build the swappable parts (embedder, generator, guards) by name from settings."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from rag.embeddings import (
    CachedEmbedder,
    Embedder,
    HashingEmbedder,
    SentenceTransformerEmbedder,
)
from rag.errors import ModelLoadError
from rag.generation import LlamaCppGenerator
from rag.index import IndexStore
from rag.ingest import Ingestor
from rag.paths import bundled_embedding_path, bundled_llm_path
from rag.settings import Settings
from rag.weights import weights_to_load

log = logging.getLogger(__name__)


def go_offline() -> None:
    """No library may reach for a model hub from inside coursebot."""
    for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
        os.environ.setdefault(var, "1")


def make_embedder(settings: Settings) -> Embedder:
    if settings.embedder == "hashing":
        return CachedEmbedder(HashingEmbedder())
    return CachedEmbedder(
        SentenceTransformerEmbedder(
            settings.embedding_path or bundled_embedding_path(),
            threads=settings.embedding_threads,
        )
    )


def make_generator(settings: Settings) -> LlamaCppGenerator:
    """The configured GGUF, loaded through its 8-bit copy when there is one.

    A copy that no longer loads (damaged on disk) is deleted and the original loaded,
    so the next start makes a fresh one; an original that does not load is an error.
    """
    source = settings.llm_path or bundled_llm_path()
    loaded = weights_to_load(source, settings.data_dir / "models", settings.llm_requantize)

    def load(path: Path) -> LlamaCppGenerator:
        return LlamaCppGenerator(
            path,
            n_ctx=settings.n_ctx,
            n_threads=settings.n_threads,
            n_threads_batch=settings.n_threads_batch,
            seed=settings.seed,
            extra_buffers=settings.llm_extra_buffers,
            name=source.name if path == source else f"{source.name} (as {settings.llm_requantize})",
        )

    if loaded == source:
        return load(source)
    try:
        return load(loaded)
    except ModelLoadError as exc:
        log.warning("removing the damaged copy %s (%s); loading %s", loaded, exc, source.name)
        loaded.unlink(missing_ok=True)
        return load(source)


def make_ingestor(settings: Settings, embedder: Embedder) -> Ingestor:
    """The ingestor that keeps the settings' index in step with the documents."""
    return Ingestor(
        IndexStore(settings.index_dir),
        embedder,
        settings.chunking,
        max_file_bytes=settings.max_file_bytes,
        report_dir=settings.data_dir / "reports",
    )


def make_guards(settings: Settings, embedder: Embedder) -> tuple[Any, Any]:
    """The input and output guards of the safety policy, or (None, None) when disabled."""
    if not settings.safety.enabled:
        return None, None
    from safety import InputGuard, OutputGuard

    return (
        InputGuard(settings.safety, encoder=embedder.embed),
        OutputGuard(settings.safety, encoder=embedder.embed),
    )
