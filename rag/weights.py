"""Which GGUF file llama.cpp loads: the configured one, or an 8-bit copy made once.

Time to first token is prompt evaluation. llama.cpp evaluates prompts in batches through
fast matrix kernels that exist for some weight formats (Q8_0, Q4_0, F16, ...) and not for
others: the bundled SmolLM2 is Q4_1, which falls back to a dot-product loop. Re-encoding
its weights at 8 bits (Q8_0) keeps the model's values almost exactly (8-bit steps are far
finer than the 4-bit ones they re-encode) and nearly doubled prompt evaluation speed here
(`make bench` has the figures). The copy is written once, atomically, into the data
folder, keyed by the source file's path, size and modification time.
"""

from __future__ import annotations

import ctypes
import hashlib
import logging
import os
from pathlib import Path
from typing import Literal

from rag.errors import ModelLoadError
from rag.generation import load_llama

log = logging.getLogger(__name__)

Requantize = Literal["off", "q8_0"]

MAX_SOURCE_BYTES = 1 << 30
"""Larger models are left as they are: an 8-bit copy would cost disk and memory."""

_FAST_FILE_TYPES = {0, 1, 2, 7, 32}
"""llama.cpp file types with batched kernels: F32, F16, Q4_0, Q8_0, BF16."""


def _cache_key(source: Path) -> str:
    stat = source.stat()
    identity = f"{source.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
    return hashlib.sha256(identity.encode()).hexdigest()[:16]


def _file_type(source: Path) -> int | None:
    """The GGUF's `general.file_type`, read without loading the weights."""
    try:
        llama = load_llama(source, vocab_only=True)
    except ModelLoadError:
        return None
    try:
        value = llama.metadata.get("general.file_type")
    finally:
        llama.close()
    return int(value) if value is not None and str(value).isdigit() else None


def _quantize(source: Path, target: Path) -> bool:
    import llama_cpp

    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = llama_cpp.LLAMA_FTYPE_MOSTLY_Q8_0
    params.allow_requantize = True
    params.nthread = os.cpu_count() or 1
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        status = llama_cpp.llama_model_quantize(
            str(source).encode(), str(partial).encode(), ctypes.byref(params)
        )
        if status != 0 or not partial.is_file():
            return False
        os.replace(partial, target)
        return True
    finally:
        partial.unlink(missing_ok=True)


def weights_to_load(source: Path, cache_dir: Path, requantize: Requantize) -> Path:
    """The file to hand to llama.cpp for `source`.

    Returns `source` itself when conversion is off, not useful (the format already has
    batched kernels), too large, or fails; a failure is logged, never raised, because the
    original file still works, only slower.
    """
    if requantize == "off" or not source.is_file():
        return source
    if source.stat().st_size > MAX_SOURCE_BYTES:
        return source
    target = cache_dir / f"{source.stem}-{_cache_key(source)}.{requantize}.gguf"
    if target.is_file():
        return target
    file_type = _file_type(source)
    if file_type is None or file_type in _FAST_FILE_TYPES:
        return source
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        if _quantize(source, target):
            log.info("wrote an 8-bit copy of %s to %s", source.name, target)
            return target
    except OSError as exc:
        log.warning("could not write an 8-bit copy of %s: %s", source.name, exc)
        return source
    log.warning("llama.cpp could not re-encode %s; loading it as it is", source.name)
    return source
