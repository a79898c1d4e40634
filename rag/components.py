"""Build the swappable parts (embedder, generator, guards) by name from settings."""

from __future__ import annotations

import functools
import logging
import os
import weakref
from collections.abc import Callable
from pathlib import Path

import numpy as np

from rag.backends.openai_compat import OpenAICompatGenerator
from rag.backends.vllm import VllmGenerator
from rag.embeddings import (
    CachedEmbedder,
    Embedder,
    HashingEmbedder,
    SentenceTransformerEmbedder,
    passage_embedder,
)
from rag.errors import ConfigError, ModelLoadError
from rag.generation import Generator, LlamaCppGenerator
from rag.index import IndexStore
from rag.ingest import Ingestor
from rag.onnx_embedder import OnnxEmbedder
from rag.onnx_export import Precision
from rag.paths import bundled_embedding_path, bundled_llm_path
from rag.protocols import InputGuardLike, OutputGuardLike
from rag.settings import Settings
from rag.watermarking import tokenize, vocabulary_size
from rag.weights import weights_to_load
from safety.toxicity.heads import GUARD_BATCH, MATCH_COSINE, PROBES, shipped_fit

log = logging.getLogger(__name__)


def go_offline() -> None:
    """No library may reach for a model hub from inside coursebot."""
    for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
        os.environ.setdefault(var, "1")


def make_embedder(settings: Settings) -> Embedder:
    """The embedder `settings.index.embedder` names, behind the question-time cache.

    The default, float ONNX, is the model's own vectors without importing torch (about
    4 s of a 9 s cold start); when its export cannot be made or run (a model that does not
    pool by mean tokens, a cache folder that cannot be written), the same model is run by
    torch instead, with a warning: both make the same vectors, so an index built by
    either opens with the other (`rag/vector_space.py`).

    Raises:
        ModelLoadError: the model folder is missing or damaged, or its export failed.
    """
    index = settings.index
    path = index.embedding_path or bundled_embedding_path()
    if index.embedder == "hashing":
        return CachedEmbedder(HashingEmbedder())
    if index.embedder == "onnx-int8":
        return CachedEmbedder(_onnx(path, "int8", settings))
    if index.embedder == "onnx":
        try:
            return CachedEmbedder(_onnx(path, "float", settings))
        except (ModelLoadError, OSError) as exc:  # OSError: the export cache cannot be written
            log.warning("embedding with the model on torch (no float ONNX export: %s)", exc)
    return CachedEmbedder(SentenceTransformerEmbedder(path, threads=index.embedding_threads))


def _onnx(path: Path, precision: Precision, settings: Settings) -> OnnxEmbedder:
    """The model folder at `path` on ONNX Runtime, exported on first use."""
    index = settings.index
    return OnnxEmbedder(
        path, precision, threads=index.embedding_threads, cache_root=index.onnx_cache_dir
    )


def generation_slots(settings: Settings) -> int:
    """How many generations the configured backend runs at once, without loading anything
    (the web app sizes its concurrency from it before a model loads)."""
    return settings.llm.slots


def make_generator(settings: Settings) -> Generator:
    """The generation backend `settings.llm.backend` names.

    Raises:
        ConfigError: no backend of that name.
    """
    backends: dict[str, Callable[[Settings], Generator]] = {
        "llama-cpp": make_llama_cpp_generator,
        "vllm": make_remote_generator,
        "openai": make_remote_generator,
    }
    build = backends.get(settings.llm.backend)
    if build is None:
        raise ConfigError(
            f"Unknown generation backend {settings.llm.backend!r}; known: {sorted(backends)}."
        )
    return build(settings)


def make_remote_generator(settings: Settings) -> OpenAICompatGenerator:
    """A generator on the configured servers, its endpoints checked once now (unreachable
    ones again before their first use).

    Raises:
        ConfigError: the vocabulary size is unknown.
        WatermarkServerMismatch: a vLLM endpoint would not mark with this app's key.
    """
    llm = settings.llm
    count: Callable[[str], int] | None = None
    n_vocab = llm.vocab_size
    if llm.tokenizer == "gguf":

        def count(text: str) -> int:
            return len(tokenize(text, settings))

        n_vocab = n_vocab or vocabulary_size(settings)
    elif n_vocab is None:
        raise ConfigError(
            "Set llm.vocab_size to the served model's vocabulary size: with "
            "llm.tokenizer='server' there is no local tokenizer to read it from."
        )
    slots = generation_slots(settings)
    generator: OpenAICompatGenerator
    if llm.backend == "vllm":
        generator = VllmGenerator(
            llm,
            n_vocab=n_vocab,
            count_tokens=count,
            concurrency=slots,
            watermark=settings.watermark,
        )
    else:
        generator = OpenAICompatGenerator(
            llm, n_vocab=n_vocab, count_tokens=count, concurrency=slots
        )
    generator.connect()
    return generator


def make_llama_cpp_generator(settings: Settings) -> LlamaCppGenerator:
    """The configured GGUF, loaded through its 8-bit copy when there is one.

    A copy that no longer loads (damaged on disk) is deleted and the original loaded,
    so the next start makes a fresh one; an original that does not load is an error.
    """
    source = settings.llm.path or bundled_llm_path()
    loaded = weights_to_load(source, settings.data_dir / "models", settings.llm.requantize)

    def load(path: Path) -> LlamaCppGenerator:
        return LlamaCppGenerator(
            path,
            n_ctx=settings.llm.n_ctx,
            n_threads=settings.llm.n_threads,
            n_threads_batch=settings.llm.n_threads_batch,
            seed=settings.llm.seed,
            extra_buffers=settings.llm.extra_buffers,
            top_k=settings.llm.decoding_top_k,
            min_p=settings.llm.decoding_min_p,
            repeat_penalty=settings.llm.decoding_repetition_penalty,
            name=source.name if path == source else f"{source.name} (as {settings.llm.requantize})",
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
        IndexStore(settings.index_dir, keep_versions=settings.index.keep_versions),
        embedder,
        settings.index.chunking,
        max_file_bytes=settings.index.max_file_bytes,
        report_dir=settings.reports_dir,
        passages=passage_embedder(embedder, settings.index.passage_quantization),
        grounding=settings.index.ingest_grounding,
    )


def make_guards(
    settings: Settings, embedder: Embedder
) -> tuple[InputGuardLike | None, OutputGuardLike | None]:
    """The input and output guards of the safety policy, or (None, None) when disabled."""
    if not settings.safety.enabled:
        return None, None
    from safety import InputGuard, OutputGuard

    encoder = guard_embedder(settings, embedder)
    return (
        InputGuard(settings.safety, encoder=encoder.embed),
        OutputGuard(settings.safety, encoder=encoder.embed),
    )


def guard_embedder(settings: Settings, embedder: Embedder) -> Embedder:
    """What the guards embed with: MiniLM run by ONNX Runtime at `safety.encoder_precision`.

    Each precision has its own shipped harm head, fitted and thresholded on its vectors
    (int8's differ from float's: cosine 0.99), and the guards pick the head whose
    fingerprint their encoder matches. int8 embeds the guards' texts about twice as fast
    on one core, one text per forward pass (`safety.toxicity.heads.GUARD_BATCH`: its
    activation scales are computed over the whole batch). On a CPU where the int8 export
    gives other vectors than the int8 head was fitted on (`safety.toxicity.heads.
    shipped_fit`), the guards take the float export instead, with a warning: a guard
    whose encoder fits no head refuses everything. `embedder` itself serves when it is the
    float export already, for the hashing embedder, and when the export cannot be made
    (its float vectors then get the float head).
    """
    if settings.safety.encoder_precision == "int8":
        int8 = guard_export(settings, embedder, "int8")
        if int8 is embedder:
            return int8
        fit = int8_head_fit(int8)
        if fit >= MATCH_COSINE:
            return int8
        log.warning(
            "the guards embed with MiniLM's float export: on this CPU its int8 export gives "
            "other vectors than the shipped int8 head was fitted on (probe cosine %.4f, %s "
            'needed); set encoder_precision = "float" under [safety] to skip this check',
            fit,
            MATCH_COSINE,
        )
    return guard_export(settings, embedder, "float")


def guard_export(settings: Settings, embedder: Embedder, precision: Precision) -> Embedder:
    """The guards' ONNX export at `precision`, or `embedder` where it serves (see
    `guard_embedder`)."""
    index = settings.index
    if index.embedder == "hashing" or (index.embedder == "onnx" and precision == "float"):
        return embedder
    try:
        return guard_onnx(
            index.embedding_path or bundled_embedding_path(),
            precision,
            index.embedding_threads,
            index.onnx_cache_dir,
        )
    except (ModelLoadError, OSError) as exc:  # OSError: the export cache cannot be written
        log.warning("the guards embed with the index's embedder (no ONNX export: %s)", exc)
        return embedder


_INT8_FITS: weakref.WeakKeyDictionary[Embedder, float] = weakref.WeakKeyDictionary()


def int8_head_fit(encoder: Embedder) -> float:
    """How well the shipped int8 head fits `encoder` on this machine (its probes' lowest
    cosine to the head's fingerprint), measured once per encoder; 0.0 when it fails."""
    if encoder in _INT8_FITS:
        return _INT8_FITS[encoder]
    try:
        vectors = np.asarray(encoder.embed(list(PROBES)), dtype=np.float32)
        fit = shipped_fit(vectors, "int8")
    except Exception as exc:  # a broken export must not take the guards down with it
        log.warning("the int8 guard encoder failed on its probes: %s", exc)
        fit = 0.0
    _INT8_FITS[encoder] = fit
    return fit


@functools.cache
def guard_onnx(
    path: Path, precision: Precision, threads: int, cache_root: Path | None
) -> CachedEmbedder:
    """One guard embedder per model folder, precision and settings, shared by every
    assistant (and by the safety evaluation and training, which must see its vectors)."""
    batch = GUARD_BATCH if precision == "int8" else 32
    return CachedEmbedder(
        OnnxEmbedder(path, precision, threads=threads, batch_size=batch, cache_root=cache_root)
    )
