"""An ONNX copy of a sentence-transformers model, exported once from its local weights.

The export runs offline from the packaged model folder (`torch.onnx.export`, then
`onnxruntime.quantization.quantize_dynamic` for the int8 copy) and is cached under
`<cache root>/<hash of the model folder>/`, so every later start, every test and every
data folder reuses it. A cached file is checked against the checksum written beside it
before use; a damaged one is exported again, with a warning that says so.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from rag.errors import ModelLoadError

log = logging.getLogger(__name__)

Precision = Literal["float", "int8"]
EXPORT_VERSION = 3
"""Bumped when the exported graph or its quantisation changes, so old caches go."""
OPSET = 17
INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def default_cache_root() -> Path:
    """`$XDG_CACHE_HOME/coursebot/onnx` (`~/.cache/coursebot/onnx` by default): per
    user, not per data folder, so fresh data folders (and tests) share one export."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "coursebot" / "onnx"


def folder_hash(model_dir: Path) -> str:
    """SHA-256 over the relative paths and contents of every file in `model_dir`."""
    digest = hashlib.sha256()
    for path in sorted(p for p in model_dir.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(model_dir)).encode() + b"\0")
        with path.open("rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
    return digest.hexdigest()


RACY_S = 2.0
"""A file changed less than this long before it was hashed is hashed again next time: its
size and modification time might not change on an immediate rewrite (coarse clocks)."""


def _signature(path: Path) -> list[int]:
    info = path.stat()
    return [info.st_size, info.st_mtime_ns, info.st_ino]


def _settled(signatures: list[list[int]]) -> bool:
    """True when no file of `signatures` changed within `RACY_S` of now."""
    now = time.time_ns()
    return all(now - s[1] > RACY_S * 1e9 for s in signatures)


def model_hash(model_dir: Path, root: Path) -> str:
    """`folder_hash(model_dir)`, remembered in `root` by the files' sizes, modification
    times and inodes, so a start does not read the ~90 MB of weights again (0.16 s on
    2 cores) unless one of them changed."""
    files = sorted(p for p in model_dir.rglob("*") if p.is_file())
    signatures = [_signature(p) for p in files]
    listing = [
        [str(p.relative_to(model_dir)), *sig] for p, sig in zip(files, signatures, strict=True)
    ]
    memo = root / "model-hashes.json"
    key = str(model_dir.resolve())
    try:
        known = json.loads(memo.read_text())
        if known.get(key, {}).get("files") == listing:
            return str(known[key]["sha256"])
    except (OSError, ValueError, AttributeError):
        known = {}
    digest = folder_hash(model_dir)
    if _settled(signatures):
        known = known if isinstance(known, dict) else {}
        known[key] = {"files": listing, "sha256": digest}
        _write_quietly(memo, json.dumps(known))
    return digest


def _write_quietly(path: Path, text: str) -> None:
    """Write a memo atomically; a cache that cannot be written is only slower."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text(text)
        os.replace(partial, path)
    except OSError:
        partial.unlink(missing_ok=True)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def onnx_model(model_dir: Path, precision: Precision, cache_root: Path | None = None) -> Path:
    """The ONNX file of `model_dir` at `precision`, exported on first use and cached.

    Raises:
        ModelLoadError: the export failed (the message says what to do).
    """
    root = cache_root or default_cache_root()
    folder = root / f"{model_hash(model_dir, root)[:16]}-v{EXPORT_VERSION}"
    target = folder / f"model-{precision}.onnx"
    problem = _cache_problem(target)
    if problem is None:
        return target
    if target.exists() or target.with_suffix(".sha256").exists():
        log.warning(
            "The cached ONNX export %s is damaged (%s); exporting it again from %s.",
            target,
            problem,
            model_dir,
        )
    _export(model_dir, folder, precision)
    return target


def _cache_problem(target: Path) -> str | None:
    """Why the cached file cannot be used, or None when its checksum matches.

    A file whose checksum matched once is not read again while its size, modification
    time and inode stay as they were then (`<file>.verified`): 0.15 s a start saved.
    """
    checksum = target.with_suffix(".sha256")
    verified = target.with_suffix(".verified")
    try:
        expected = checksum.read_text().strip()
    except OSError:
        return "no checksum"
    try:
        signature = _signature(target)
        if json.loads(verified.read_text()) == {"sha256": expected, "file": signature}:
            return None
    except (OSError, ValueError):
        pass
    try:
        actual = file_sha256(target)
    except OSError as exc:
        return f"unreadable: {exc}"
    if actual != expected:
        return "checksum mismatch"
    if _settled([signature]):
        _write_quietly(verified, json.dumps({"sha256": expected, "file": signature}))
    return None


def _export(model_dir: Path, folder: Path, precision: Precision) -> None:
    """Write `model-<precision>.onnx` and its checksum into `folder`, atomically per file
    (a process killed midway leaves only `.partial` files, redone next time)."""
    folder.mkdir(parents=True, exist_ok=True)
    float_path = folder / "model-float.onnx"
    if _cache_problem(float_path) is not None:  # an intact float export is reused
        _build(float_path, lambda out: _export_float(model_dir, out))
    if precision == "int8":
        _build(folder / "model-int8.onnx", lambda out: _quantize(float_path, out))
    with open(folder / "source.json", "w") as handle:
        json.dump({"model_dir": model_dir.name, "export_version": EXPORT_VERSION}, handle)


def _build(target: Path, make: Callable[[Path], None]) -> None:
    """`make` writes a `.partial` file, published as `target` when it is complete."""
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
    try:
        make(partial)
        _publish(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def _publish(partial: Path, target: Path) -> None:
    """Move a finished export into place, then write its checksum (read as "complete")."""
    target.with_suffix(".sha256").unlink(missing_ok=True)
    os.replace(partial, target)
    sum_partial = target.with_suffix(f".sha256.{os.getpid()}.partial")
    sum_partial.write_text(file_sha256(target) + "\n")
    os.replace(sum_partial, target.with_suffix(".sha256"))


def _export_float(model_dir: Path, out: Path) -> None:
    """The transformer of `model_dir` (token states out; pooling is done by the caller)."""
    try:
        import torch
        from transformers import AutoModel

        model = AutoModel.from_pretrained(str(model_dir), local_files_only=True).eval()
    except Exception as exc:
        raise ModelLoadError(
            f"Could not load {model_dir} to export it to ONNX: {exc}. Set "
            "COURSEBOT_INDEX__EMBEDDER=sentence-transformers to use it through torch."
        ) from exc

    class TokenStates(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(
            self,
            input_ids: torch.Tensor,
            attention_mask: torch.Tensor,
            token_type_ids: torch.Tensor,
        ) -> torch.Tensor:
            out = self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return out.last_hidden_state

    sample = torch.ones(2, 8, dtype=torch.long)
    mask = torch.ones_like(sample)
    mask[1, 5:] = 0  # traced with padding, so the graph keeps the masked path
    axes = {name: {0: "batch", 1: "tokens"} for name in (*INPUTS, "token_states")}
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer notes about data-dependent branches
            torch.onnx.export(
                TokenStates(model),
                (sample, mask, torch.zeros_like(sample)),
                str(out),
                input_names=list(INPUTS),
                output_names=["token_states"],
                dynamic_axes=axes,
                opset_version=OPSET,
                dynamo=False,
            )
    except Exception as exc:
        raise ModelLoadError(
            f"Exporting {model_dir} to ONNX failed: {exc}. Set "
            "COURSEBOT_INDEX__EMBEDDER=sentence-transformers to use it through torch."
        ) from exc


def _quantize(float_path: Path, out: Path) -> None:
    """Dynamic int8 quantisation of the weights, one scale per output channel (activations
    stay float). Per channel, the course passages' vectors keep a mean cosine of 0.994
    to the float model's (one scale per tensor: 0.946, about the torch int8 copy's).

    The weights use 7 of their 8 bits (`reduce_range`). ONNX Runtime multiplies 8-bit
    activations by 8-bit weights with an instruction that adds pairs of products into 16
    bits and saturates on CPUs without VNNI (AVX2-only ones); full-range weights gave the
    guards' probe texts vectors at cosine 0.988-0.994 to a VNNI machine's, enough to move
    a harm score across its threshold. With 7-bit weights no pair overflows, so every CPU
    should compute the same integers (checked on an AVX2-only CPU, not yet on a VNNI one;
    `rag.components.guard_embedder` falls back to float where the head does not fit)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quiet = logging.getLogger()  # the quantiser logs a pre-processing hint at WARNING
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        quantize_dynamic(
            str(float_path),
            str(out),
            weight_type=QuantType.QInt8,
            per_channel=True,
            reduce_range=True,
        )
    except Exception as exc:
        raise ModelLoadError(
            f"Quantising {float_path} to int8 failed: {exc}. Set "
            "COURSEBOT_INDEX__EMBEDDER=sentence-transformers to use the torch model."
        ) from exc
    finally:
        quiet.setLevel(level)


def remove_cache(folder: Path) -> None:
    """Delete an export folder (for tests and `make clean`-like tidying)."""
    shutil.rmtree(folder, ignore_errors=True)
