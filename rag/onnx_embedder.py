"""A sentence-transformers model run by ONNX Runtime: the fast embedding path.

Same tokenizer (the folder's fast `tokenizer.json`), same mean pooling and
normalisation as sentence-transformers, without torch at run time. Texts are sorted
by token count before batching, so a batch pads only to its own longest text.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from rag.errors import ModelLoadError
from rag.onnx_export import INPUTS, Precision, onnx_model

Vectors = npt.NDArray[np.float32]
BATCH_TOKENS = 2048
"""Padded tokens per forward pass at most (see `OnnxEmbedder._batches`)."""


class OnnxEmbedder:
    """MiniLM (or any mean-pooled BERT-style sentence-transformers folder) on ONNX Runtime.

    `precision="int8"` runs the dynamically quantised copy (named `<name>+onnx-int8`),
    `"float"` the plain export (`<name>+onnx`); the name is what an index records.
    `threads` is the intra-op thread count of answering; `bulk_threads` runs a block
    (an ingestion) with more.
    """

    def __init__(
        self,
        path: Path,
        precision: Precision = "int8",
        *,
        threads: int = 1,
        batch_size: int = 32,
        cache_root: Path | None = None,
    ) -> None:
        if not (path / "tokenizer.json").is_file():
            raise ModelLoadError(
                f"No fast tokenizer (tokenizer.json) in {path}: set "
                "COURSEBOT_INDEX__EMBEDDER=sentence-transformers, or point "
                "COURSEBOT_INDEX__EMBEDDING_PATH at a folder that has one."
            )
        from tokenizers import Tokenizer

        self._check_mean_pooling(path)
        self._file = onnx_model(path, precision, cache_root)
        self._tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(self._max_tokens(path))
        self._sessions: dict[int, Any] = {}
        self._lock = threading.Lock()
        self._source = (path, cache_root)
        self._int8: OnnxEmbedder | None = None
        self._local = threading.local()
        self.threads = threads
        self.batch_size = batch_size
        base = path.name if path.name != "model" else path.parent.name
        self.name = f"{base}+onnx-int8" if precision == "int8" else f"{base}+onnx"
        self.dim = int(self._session(threads).get_outputs()[0].shape[-1] or 0) or self._dim(path)

    def int8_copy(self) -> OnnxEmbedder:
        """The int8 export of the same model (`index.passage_quantization = "int8"`), made
        once: its vectors are another embedder's (`<name>+onnx-int8`), which the index
        records. An int8 embedder is its own copy."""
        if self.name.endswith("+onnx-int8"):
            return self
        with self._lock:
            if self._int8 is None:
                path, cache_root = self._source
                self._int8 = OnnxEmbedder(
                    path,
                    "int8",
                    threads=self.threads,
                    batch_size=self.batch_size,
                    cache_root=cache_root,
                )
            return self._int8

    @staticmethod
    def _max_tokens(path: Path) -> int:
        try:
            config = json.loads((path / "sentence_bert_config.json").read_text())
            return int(config.get("max_seq_length") or 256)
        except (OSError, ValueError):
            return 256

    @staticmethod
    def _dim(path: Path) -> int:
        return int(json.loads((path / "config.json").read_text())["hidden_size"])

    @staticmethod
    def _check_mean_pooling(path: Path) -> None:
        pooling = path / "1_Pooling" / "config.json"
        if pooling.is_file() and not json.loads(pooling.read_text()).get(
            "pooling_mode_mean_tokens", False
        ):
            raise ModelLoadError(
                f"{path} does not pool by mean tokens, which the ONNX path assumes: set "
                "COURSEBOT_INDEX__EMBEDDER=sentence-transformers for this model."
            )

    def _session(self, threads: int) -> Any:
        """One session per thread count (intra-op threads are fixed when one is made)."""
        with self._lock:
            session = self._sessions.get(threads)
            if session is None:
                import onnxruntime as ort

                options = ort.SessionOptions()
                options.intra_op_num_threads = threads
                options.inter_op_num_threads = 1
                options.log_severity_level = 3
                # idle pool threads sleep instead of spinning: on cores shared with
                # llama.cpp (or other processes) spinning threads take their time
                options.add_session_config_entry("session.intra_op.allow_spinning", "0")
                try:
                    session = ort.InferenceSession(
                        str(self._file), options, providers=["CPUExecutionProvider"]
                    )
                except Exception as exc:
                    raise ModelLoadError(
                        f"ONNX Runtime could not load {self._file}: {exc}. Delete that "
                        "folder to export it again."
                    ) from exc
                self._sessions[threads] = session
            return session

    @contextmanager
    def bulk_threads(self, threads: int) -> Iterator[None]:
        """Embed on `threads` threads inside the block, in this thread only."""
        before = getattr(self._local, "threads", None)
        self._local.threads = max(1, threads)
        try:
            yield
        finally:
            self._local.threads = before

    def _batches(self, order: Any, lengths: list[int]) -> Iterator[list[int]]:
        """Rows in `order` (shortest first), at most `batch_size` and `BATCH_TOKENS`
        padded tokens a batch: attention memory grows with rows times width squared. On
        KB2's pages, 32 passages of up to 256 tokens a batch took the process to 1.2 GB
        at peak; 2,048 tokens a batch to 0.47 GB, in less CPU time."""
        batch: list[int] = []
        for row in order:
            row = int(row)
            if batch and (
                len(batch) >= self.batch_size or (len(batch) + 1) * lengths[row] > BATCH_TOKENS
            ):
                yield batch
                batch = []
            batch.append(row)
        if batch:
            yield batch

    def _forward(self, texts: Sequence[str]) -> Iterator[tuple[list[int], Any, Any, list[Any]]]:
        """(rows, token states, attention mask, encodings of the rows) per forward pass."""
        threads = getattr(self._local, "threads", None) or self.threads
        encodings = self._tokenizer.encode_batch(list(texts))
        lengths = [len(e.ids) for e in encodings]
        batches = list(self._batches(np.argsort(lengths, kind="stable"), lengths))
        feeds = (self._feeds(rows, encodings, lengths) for rows in batches)
        for rows, (states, mask) in zip(
            batches, self._run(feeds, threads, len(batches)), strict=True
        ):
            yield rows, states, mask, [encodings[r] for r in rows]

    @staticmethod
    def _feeds(rows: list[int], encodings: list[Any], lengths: list[int]) -> dict[str, Any]:
        width = max(lengths[r] for r in rows)
        ids = np.zeros((len(rows), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for i, row in enumerate(rows):
            tokens = encodings[row].ids
            ids[i, : len(tokens)] = tokens
            mask[i, : len(tokens)] = 1
        return dict(zip(INPUTS, (ids, mask, np.zeros_like(ids)), strict=True))

    def _run(
        self, feeds: Iterator[dict[str, Any]], threads: int, count: int
    ) -> Iterator[tuple[Any, Any]]:
        """(token states, attention mask) of each batch of `feeds`, in order.

        One batch runs on one session with `threads` intra-op threads. Several batches
        on several threads run side by side on one-thread sessions instead (ONNX Runtime
        releases the GIL and a session may run concurrently): one pass's padding and
        pooling overlap the other's model time. Side by side on this 2-core machine
        (2026-12-02, 1,002 course and KB2 chunks, medians of 3), int8 embedded 108.4
        against 95.2 chunks/s, float 61.9 against 57.6, the same vectors. At
        most `2 * threads` batches are in flight, so memory stays bounded."""
        if threads <= 1 or count <= 1:
            session = self._session(threads)
            for feed in feeds:
                yield session.run(None, feed)[0], feed[INPUTS[1]]
            return
        session = self._session(1)
        pending: deque[tuple[dict[str, Any], Future[Any]]] = deque()
        with ThreadPoolExecutor(threads, thread_name_prefix="coursebot-embed") as pool:
            for feed in feeds:
                pending.append((feed, pool.submit(session.run, None, feed)))
                if len(pending) >= 2 * threads:
                    done, future = pending.popleft()
                    yield future.result()[0], done[INPUTS[1]]
            while pending:
                done, future = pending.popleft()
                yield future.result()[0], done[INPUTS[1]]

    def embed(self, texts: Sequence[str]) -> Vectors:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        for rows, states, mask, _ in self._forward(texts):
            out[rows] = _normalise(np.einsum("btd,bt->bd", states, mask.astype(np.float32)))
        return out

    def embed_pooled(
        self, texts: Sequence[str], spans: Sequence[Sequence[Span]]
    ) -> tuple[Vectors, list[list[Vectors | None]]]:
        """Each text's vector, and a vector for each of its span groups from the same
        forward pass: the mean of the token states whose characters fall in the group's
        ranges (with the text's first and last token, as a standalone text's mean has its
        own), normalised. A group whose ranges reach past the last token kept (the
        tokenizer truncates) or hold no token gets None.

        This is how an ingestion gets a vector for every passage sentence without a model
        call per sentence (`rag/grounding_vectors.py`); the vectors are the sentence in
        its passage's context, close to but not the same as the sentence embedded alone.
        """
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        pooled: list[list[Vectors | None]] = [[] for _ in texts]
        if not texts:
            return out, pooled
        for rows, states, mask, encodings in self._forward(texts):
            out[rows] = _normalise(np.einsum("btd,bt->bd", states, mask.astype(np.float32)))
            for i, row in enumerate(rows):
                offsets = encodings[i].offsets
                n = len(encodings[i].ids)
                starts = np.array([a for a, _ in offsets[: n - 1]] or [0])
                ends = np.array([b for _, b in offsets[: n - 1]] or [0])
                covered = int(ends.max()) if n > 1 else 0
                for group in spans[row]:
                    pooled[row].append(_pool(states[i, :n], starts, ends, group, covered))
        return out, pooled


Span = list[tuple[int, int]]
"""Character ranges (start, end) of one text whose tokens are pooled together."""


def _normalise(summed: Any) -> Any:
    norms = np.linalg.norm(summed, axis=-1, keepdims=True)
    return summed / np.maximum(norms, 1e-12)


def _pool(states: Any, starts: Any, ends: Any, group: Span, covered: int) -> Vectors | None:
    """The normalised mean of the first and last token and those inside `group`."""
    if not group or any(b > covered for _, b in group):
        return None
    inside = np.zeros(len(starts), dtype=bool)
    for a, b in group:
        inside |= (starts < b) & (ends > a) & (ends > starts)
    if not inside.any():
        return None
    inside[0] = True  # the first token ([CLS]: its offsets are (0, 0))
    picked = np.concatenate([states[: len(starts)][inside], states[-1:]])
    return np.asarray(_normalise(picked.mean(axis=0)), dtype=np.float32)
