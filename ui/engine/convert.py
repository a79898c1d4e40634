"""A GGUF model as a Hugging Face checkpoint that vLLM loads, made once and reused.

vLLM's CPU build loads Hugging Face folders (config, safetensors, tokenizer); coursebot
ships a GGUF. transformers reads a GGUF (it dequantises the weights, with the `gguf`
package) and writes the folder; the chat template travels in the tokenizer files, taken
from the GGUF's own metadata when transformers leaves it out, so the server formats chat
requests the way llama.cpp does in process.

This module imports nothing of coursebot: it runs inside the vLLM environment
(`python -m ui.engine.convert MODEL.gguf OUT_DIR`), where the app's dependencies are absent.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
import time
from pathlib import Path

MARKER = "coursebot-converted.txt"
"""Written last into a finished conversion: a folder without it is incomplete."""


def is_checkpoint(path: Path) -> bool:
    """True for a Hugging Face model folder (served as it is)."""
    return path.is_dir() and (path / "config.json").is_file()


def converted_dir(gguf: Path, models_dir: Path) -> Path:
    """Where the conversion of `gguf` lives: named by its file name, size and path."""
    stat = gguf.stat()
    tag = hashlib.blake2b(f"{gguf.resolve()}\x1f{stat.st_size}".encode(), digest_size=4).hexdigest()
    return models_dir / f"{gguf.stem}-{tag}"


def is_converted(out_dir: Path) -> bool:
    """True when `out_dir` holds a finished conversion."""
    return (out_dir / MARKER).is_file() and is_checkpoint(out_dir)


def _gguf_chat_template(gguf: Path) -> str | None:
    from gguf import GGUFReader

    field = GGUFReader(str(gguf)).fields.get("tokenizer.chat_template")
    if field is None:
        return None
    return bytes(field.parts[field.data[0]]).decode("utf-8")


def convert(gguf: Path, out_dir: Path) -> Path:
    """Write `gguf` as a Hugging Face checkpoint into `out_dir` (atomically); return it."""
    if is_converted(out_dir):
        return out_dir
    from transformers import AutoModelForCausalLM, AutoTokenizer

    partial = out_dir.with_name(f"{out_dir.name}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    if not getattr(tokenizer, "chat_template", None):
        tokenizer.chat_template = _gguf_chat_template(gguf)
    model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    # The weights arrive dequantised; only the record of where they came from remains,
    # and transformers refuses to save a model still marked as GGUF-quantised.
    if "hf_quantizer" in vars(model):
        del model.hf_quantizer
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.save_pretrained(str(partial), safe_serialization=True)
    tokenizer.save_pretrained(str(partial))
    (partial / MARKER).write_text(f"converted from {gguf.name}\n", encoding="utf-8")
    if is_converted(out_dir):  # another process finished the same conversion first
        shutil.rmtree(partial, ignore_errors=True)
        return out_dir
    shutil.rmtree(out_dir, ignore_errors=True)
    partial.rename(out_dir)
    return out_dir


def main(argv: list[str] | None = None) -> int:
    """`python -m ui.engine.convert MODEL.gguf OUT_DIR`: convert, print the seconds taken."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("gguf", type=Path)
    parser.add_argument("out_dir", type=Path)
    args = parser.parse_args(argv)
    if not args.gguf.is_file():
        print(f"Error: no GGUF file at {args.gguf}", file=sys.stderr)
        return 1
    started = time.perf_counter()
    convert(args.gguf, args.out_dir)
    print(f"converted {args.gguf.name} in {time.perf_counter() - started:.1f} s -> {args.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
