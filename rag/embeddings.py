"""Text embedders behind one protocol, picked by name from settings."""

from __future__ import annotations

import copy
import hashlib
import logging
import re
import threading
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from itertools import pairwise
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

from rag.embed_queue import EmbeddingQueue, EmbeddingStats, Vectors
from rag.errors import ModelLoadError

log = logging.getLogger(__name__)


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors (one row per text)."""

    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> Vectors: ...


class SentenceTransformerEmbedder:
    """A local sentence-transformers folder (the bundled all-MiniLM-L6-v2 by default)."""

    def __init__(self, path: Path, batch_size: int = 32, threads: int | None = None) -> None:
        if not (path / "config.json").is_file() and not (path / "modules.json").is_file():
            raise ModelLoadError(
                f"No sentence-transformers model at {path}: set "
                "COURSEBOT_INDEX__EMBEDDING_PATH to a folder holding one, or reinstall with "
                "`make run`."
            )
        import torch
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.utils.logging.disable_progress_bar()

        if threads is not None:
            torch.set_num_threads(threads)
        try:
            self._model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        except Exception as exc:
            raise ModelLoadError(f"Could not load the embedding model at {path}: {exc}") from exc
        self._lock = threading.Lock()
        self._int8: SentenceTransformerEmbedder | None = None
        self.batch_size = batch_size
        self.name = path.name if path.name != "model" else path.parent.name
        self.dim = int(self._model.get_embedding_dimension() or 0)

    def int8_copy(self) -> SentenceTransformerEmbedder:
        """This model with its linear layers in int8 (torch dynamic quantisation), made once.

        About twice as fast on CPU; its vectors are a different embedder's (mean cosine
        0.93 to the float model's on the course passages), so it is named `<name>+int8`
        and an index records which of the two made it.
        """
        with self._lock:
            if self._int8 is None:
                import torch

                clone = copy.copy(self)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # torch's note that the API moves on
                    clone._model = torch.ao.quantization.quantize_dynamic(
                        self._model, {torch.nn.Linear}, dtype=torch.qint8
                    )
                clone._lock = threading.Lock()
                clone.name = f"{self.name}+int8"
                clone._int8 = clone
                self._int8 = clone
            return self._int8

    def embed(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)


def passage_embedder(embedder: Embedder, quantization: str = "off") -> Embedder:
    """The embedder an index's passages are embedded with: the model itself, outside any
    question cache, or with `quantization="int8"` its int8 copy (torch's dynamic
    quantisation, or the ONNX int8 export); questions keep the float model. An embedder
    without `int8_copy` (hashing) has no int8 copy."""
    inner = embedder.inner if isinstance(embedder, CachedEmbedder) else embedder
    copy_int8 = getattr(inner, "int8_copy", None)
    if quantization == "int8" and callable(copy_int8):
        return copy_int8()
    return inner


@contextmanager
def bulk_threads(embedder: Embedder, threads: int | None) -> Iterator[None]:
    """Run the block with `threads` embedding threads (torch's, or ONNX Runtime's for an
    embedder with `bulk_threads`); other embedders are left as they are.

    For bulk work with the cores to itself (`coursebot ingest`); answering keeps
    `index.embedding_threads`, as two threads beside llama.cpp are slower than one.
    """
    inner = embedder.inner if isinstance(embedder, CachedEmbedder) else embedder
    bulk = getattr(inner, "bulk_threads", None)
    if threads is not None and callable(bulk):
        with bulk(threads):
            yield
        return
    if threads is None or not isinstance(inner, SentenceTransformerEmbedder):
        yield
        return
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(max(1, threads))
    try:
        yield
    finally:
        torch.set_num_threads(before)


class HashingEmbedder:
    """Bag of hashed word and bigram features: deterministic, instant, for unit tests."""

    def __init__(self, dim: int = 256) -> None:
        self.name = f"hashing-{dim}"
        self.dim = dim

    def embed(self, texts: Sequence[str]) -> Vectors:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            words = re.findall(r"[a-z0-9]+", text.lower())
            for feature in [*words, *(f"{a} {b}" for a, b in pairwise(words))]:
                digest = hashlib.blake2b(feature.encode(), digest_size=4).digest()
                out[row, int.from_bytes(digest, "little") % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-9)


class CachedEmbedder:
    """Remembers vectors by text, so passage sentences and a question are embedded once.

    The grounding check scores every answer against the sentences of the retrieved
    passages, and the input guard and retrieval both embed the question; over a course
    knowledge base the same texts come back again and again. What is missing is embedded
    through an `EmbeddingQueue`, batched with the other threads' calls.
    """

    def __init__(self, inner: Embedder, max_entries: int = 50_000) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.max_entries = max_entries
        self._cache: dict[str, npt.NDArray[np.float32]] = {}
        self._lock = threading.Lock()
        self._queue = EmbeddingQueue(inner.embed, inner.dim)

    @property
    def stats(self) -> EmbeddingStats:
        """What the model did for this cache so far (calls, batches, seconds waited)."""
        return self._queue.stats

    def embed(self, texts: Sequence[str]) -> Vectors:
        # The lock guards the dict only: other turns' cache hits need not wait while the
        # model embeds this call's new texts (two threads may embed one text twice).
        with self._lock:
            known = {t: self._cache[t] for t in dict.fromkeys(texts) if t in self._cache}
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if missing:
            fresh = dict(zip(missing, self._queue.embed(missing), strict=True))
            with self._lock:
                if len(self._cache) + len(fresh) > self.max_entries:
                    self._cache.clear()
                self._cache.update(fresh)
            known.update(fresh)
        rows = [known[t] for t in texts]
        return np.asarray(rows, dtype=np.float32).reshape(len(texts), self.dim)

    def missing(self, texts: Sequence[str]) -> list[str]:
        """The texts that would need embedding."""
        with self._lock:
            return [t for t in dict.fromkeys(texts) if t not in self._cache]

    def add(self, vectors: Mapping[str, Vectors]) -> int:
        """Remember `vectors` by text (saved ones: `grounding_cache.load_into`); returns
        how many, 0 when the wrong width or more than the cache holds."""
        if any(np.shape(v) != (self.dim,) for v in vectors.values()):
            return 0
        with self._lock:
            if len(self._cache) + len(vectors) > self.max_entries:
                return 0
            self._cache.update(
                (str(t), np.asarray(v, dtype=np.float32)) for t, v in vectors.items()
            )
        return len(vectors)
