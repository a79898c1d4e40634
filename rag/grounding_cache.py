"""Grounding's passage vectors, embedded once per index and kept beside it.

Every answer is grounded against the sentences of its retrieved passages (support
check) and quoted from them (the opening quote). Embedding those sentences on each
question cost a few hundred milliseconds on 2 cores, before the first quoted words and
after the last generated token. They depend only on the indexed text, so they are
embedded when an index is first used and saved as `grounding-vectors.npz` in the index
folder; later starts load them (`GroundingPrimer` embeds them in the background, so a
fresh index answers at once). The file is only a cache: without it, or with a damaged
one, answers are the same, only slower.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import threading
import time
import weakref
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from rag.chunking import Chunk
from rag.cpu_priority import lower_this_thread
from rag.embeddings import CachedEmbedder, Embedder
from rag.grounding import grounding_texts
from rag.vector_space import same_space

log = logging.getLogger(__name__)

CACHE_FILE = "grounding-vectors.npz"
MAX_TEXTS = 20_000
"""Beyond this many passage sentences, nothing is embedded ahead of time."""
FORMAT_VERSION = 2
"""Written into the file (`format`); a file of another version is not used. Version 1
files (the primer's before this field existed) have no `format` and are read as 1."""
READABLE_FORMATS = (1, 2)

Vectors = npt.NDArray[np.float32]


def save_vectors(
    path: Path, model: str, texts: Sequence[str], vectors: Vectors, method: str
) -> None:
    """Write `texts` and their `vectors` (made by embedder `model`) to `path`, atomically;
    `method` says how they were made ("alone", "pooled", or a mix)."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.partial")
    try:
        with partial.open("wb") as handle:
            np.savez(
                handle,
                model=np.array(model),
                format=np.array(FORMAT_VERSION),
                method=np.array(method),
                texts=np.array(json.dumps(list(texts))),
                vectors=np.asarray(vectors, dtype=np.float32),
            )
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def file_is_usable(path: Path, model: str) -> bool:
    """True when `path` holds grounding vectors of `model`'s vector space (made by it, or
    by the same weights on another float runtime) in a format this code reads."""
    try:
        with np.load(path, allow_pickle=False) as saved:
            version = int(saved["format"]) if "format" in saved.files else 1
            return same_space(str(saved["model"]), model) and version in READABLE_FORMATS
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return False


def read_vectors(path: Path, model: str, *, standalone_only: bool = False) -> dict[str, Vectors]:
    """The saved vectors by text, if `path` is a usable file of `model` (else empty);
    with `standalone_only`, empty too when some of them were pooled from passages (they
    are not the vectors answering would embed, and must not pass as such)."""
    if not file_is_usable(path, model):
        return {}
    try:
        with np.load(path, allow_pickle=False) as saved:
            method = str(saved["method"]) if "method" in saved.files else "alone"
            if standalone_only and "pooled" in method:
                return {}
            texts, vectors = json.loads(str(saved["texts"])), saved["vectors"]
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return {}
    if not isinstance(texts, list) or len(texts) != len(vectors):
        return {}
    return {str(t): np.asarray(v, dtype=np.float32) for t, v in zip(texts, vectors, strict=True)}


def saved_texts(path: Path) -> set[str]:
    """The texts a grounding-vectors file holds, whatever made it (empty if unreadable)."""
    try:
        with np.load(path, allow_pickle=False) as saved:
            texts = json.loads(str(saved["texts"]))
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return set()
    return {str(t) for t in texts} if isinstance(texts, list) else set()


def holds_every_text(path: Path, chunks: Sequence[Chunk]) -> bool:
    """True when the file at `path` has a vector for every text grounding may embed for
    `chunks` (or there are too many texts for any to be kept ahead of time)."""
    texts = texts_of(chunks)
    return len(texts) > MAX_TEXTS or set(texts) <= saved_texts(path)


def load_into(embedder: CachedEmbedder, path: Path) -> int:
    """Add the file's vectors to the embedder's cache when the file is usable (a missing,
    damaged or other model's file adds nothing: it is only a cache); returns how many."""
    if path.exists() and not file_is_usable(path, embedder.name):
        log.info("not using the grounding vectors %s (another model or format)", path)
    return embedder.add(read_vectors(path, embedder.name))


def texts_of(chunks: Sequence[Chunk]) -> list[str]:
    """Every text grounding may embed for `chunks`, each once."""
    return list(dict.fromkeys(t for c in chunks for t in grounding_texts(c.section, c.text)))


def prime_grounding_vectors(embedder: Embedder, chunks: Sequence[Chunk], index_dir: Path) -> int:
    """Put the vectors of every text grounding may embed for `chunks` into the embedder's
    cache, from the saved file where possible; returns how many texts are primed."""
    if not isinstance(embedder, CachedEmbedder):
        return 0
    texts = texts_of(chunks)
    if not texts or len(texts) > MAX_TEXTS:
        return 0
    if not embedder.missing(texts):
        return len(texts)
    path = index_dir / CACHE_FILE
    load_into(embedder, path)
    if embedder.missing(texts):
        try:
            save_vectors(path, embedder.name, texts, embedder.embed(texts), "alone")
        except OSError as exc:
            log.warning("could not save grounding vectors to %s: %s", path, exc)
    return len(texts)


class GroundingPrimer:
    """Primes the grounding vectors of an index in a background thread, while idle.

    Eager priming made a fresh index answerable only after every passage sentence was
    embedded (494 chunks, about 4,700 texts: most of two minutes on 2 cores). Here the
    saved file is loaded, and what is missing is embedded `batch` texts at a time, only
    after `idle_s` seconds without a question (`touch`); a question meanwhile embeds the
    few sentences of its own passages on demand, through the same cache. When every text
    is in, the file is saved for the next start. The thread runs at the lowest CPU
    priority where the system allows it; `idle_s` (10 s) outlasts a whole answer, so it
    does not embed beside llama.cpp's generation, and a question that finds it inside a
    batch waits for that batch only.
    """

    def __init__(
        self,
        embedder: Embedder,
        chunks: Sequence[Chunk],
        index_dir: Path,
        *,
        idle_s: float = 10.0,
        batch: int = 16,
    ) -> None:
        self.embedder = embedder
        self.chunks = chunks
        self.path = index_dir / CACHE_FILE
        self.idle_s = idle_s
        self.batch = batch
        self.primed = 0
        self._last_activity = time.monotonic()
        self._stop = threading.Event()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="grounding-primer", daemon=True)
        _LIVE.add(self)

    def start(self) -> GroundingPrimer:
        """Load the saved vectors now (a few milliseconds), embed the rest in the thread."""
        if isinstance(self.embedder, CachedEmbedder):
            load_into(self.embedder, self.path)
        self._thread.start()
        return self

    def touch(self) -> None:
        """A question is being answered: wait `idle_s` more before the next batch."""
        self._last_activity = time.monotonic()

    def stop(self) -> None:
        self._stop.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until priming is finished (or stopped); True when it finished."""
        return self._done.wait(timeout)

    def _idle(self) -> bool:
        """Wait until no question came for `idle_s`; False when stopped meanwhile."""
        while not self._stop.is_set():
            quiet_for = time.monotonic() - self._last_activity
            if quiet_for >= self.idle_s:
                return True
            self._stop.wait(self.idle_s - quiet_for)
        return False

    def _run(self) -> None:
        try:
            lower_this_thread()
            if not isinstance(self.embedder, CachedEmbedder) or not self._idle():
                return
            texts = texts_of(self.chunks)
            if not texts or len(texts) > MAX_TEXTS:
                return
            missing = self.embedder.missing(texts)
            for start in range(0, len(missing), self.batch):
                if not self._idle():
                    return
                self.embedder.embed(self.embedder.missing(missing[start : start + self.batch]))
            if missing and not self._stop.is_set():
                try:
                    vectors = self.embedder.embed(texts)
                    save_vectors(self.path, self.embedder.name, texts, vectors, "primer")
                except OSError as exc:
                    log.warning("could not save grounding vectors to %s: %s", self.path, exc)
            self.primed = len(texts)
        except Exception:  # only a cache: answers stay right without it
            log.exception("priming the grounding vectors failed; answers embed on demand")
        finally:
            self._done.set()


_LIVE: weakref.WeakSet[GroundingPrimer] = weakref.WeakSet()


@atexit.register
def _stop_all(timeout_s: float = 30.0) -> None:
    """At exit, let each primer finish its batch: a thread still inside torch while the
    interpreter tears down can crash the process on its way out."""
    primers = list(_LIVE)
    for primer in primers:
        primer.stop()
    for primer in primers:
        if primer._thread.is_alive():
            primer._thread.join(timeout_s)
