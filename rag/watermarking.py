"""Glue between the model's tokenizer and the watermark detector.

Detection works on token ids, so a text is tokenised with the same GGUF tokenizer that
generated it (loaded vocabulary-only: no weights, a fraction of a second, cached per
file). Re-tokenising a text need not reproduce the exact generated ids, which costs a
little sensitivity and never a false alarm.
"""

from __future__ import annotations

import codecs
import functools
import threading
from pathlib import Path
from typing import Any

from rag.generation import load_llama
from rag.paths import bundled_llm_path
from rag.settings import Settings, load_settings
from safety.watermark import GreenListDetector, WatermarkSpan, WatermarkVerdict

_lock = threading.Lock()


@functools.lru_cache(maxsize=4)
def _vocabulary(path: Path) -> Any:
    return load_llama(path, vocab_only=True)


def _tokenizer(settings: Settings) -> Any:
    path = (settings.llm.path or bundled_llm_path()).resolve()
    with _lock:
        return _vocabulary(path)


def tokenize(text: str, settings: Settings) -> list[int]:
    """The token ids the model's own tokenizer gives `text` (no BOS, no special tokens)."""
    if not text:
        return []
    vocab = _tokenizer(settings)
    with _lock:
        return list(vocab.tokenize(text.encode("utf-8"), add_bos=False, special=False))


def vocabulary_size(settings: Settings) -> int:
    """The number of token ids of the settings' GGUF (bundled SmolLM2 by default)."""
    return int(_tokenizer(settings).n_vocab())


def detector(settings: Settings) -> GreenListDetector:
    """A detector with the settings' key and parameters, sized to the model's vocabulary."""
    return GreenListDetector(settings.watermark, vocabulary_size(settings))


def detect_text(text: str, settings: Settings | None = None) -> WatermarkVerdict:
    """Is `text` watermarked under the settings' key? Bad input gets a verdict, not an error."""
    settings = settings or load_settings()
    return detector(settings).detect(tokenize(text, settings))


def detect_spans(
    text: str, settings: Settings | None = None, window: int = 64, stride: int = 16
) -> list[tuple[str, WatermarkSpan]]:
    """The marked stretches of a text mixing generated and other writing, with their text."""
    settings = settings or load_settings()
    ids = tokenize(text, settings)
    spans = detector(settings).detect_spans(ids, window=window, stride=stride)
    return [(_detokenize(ids[span.start : span.end], settings), span) for span in spans]


def highlight(text: str, settings: Settings | None = None) -> list[tuple[str, bool | None]]:
    """(token text, green?) pairs covering `text`, for the UI's watermark page.

    None marks tokens that were not scored. A character split across several tokens is
    shown with the token that completes it.
    """
    settings = settings or load_settings()
    ids = tokenize(text, settings)
    flags = detector(settings).detect(ids).green_flags
    vocab = _tokenizer(settings)
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    pairs: list[tuple[str, bool | None]] = []
    for position, (token, flag) in enumerate(zip(ids, flags, strict=True)):
        with _lock:
            data: bytes = vocab.detokenize([token])
        pairs.append((decoder.decode(data, final=position == len(ids) - 1), flag))
    return pairs


def token_offsets(ids: list[int], settings: Settings | None = None) -> list[tuple[int, int]]:
    """The [start, end) characters of each token in the text the ids decode to.

    A character split across several tokens belongs to the token that completes it
    (the others get an empty range).
    """
    settings = settings or load_settings()
    vocab = _tokenizer(settings)
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    offsets: list[tuple[int, int]] = []
    position = 0
    for number, token in enumerate(ids):
        with _lock:
            data: bytes = vocab.detokenize([token])
        piece = decoder.decode(data, final=number == len(ids) - 1)
        offsets.append((position, position + len(piece)))
        position += len(piece)
    return offsets


def _detokenize(ids: list[int], settings: Settings) -> str:
    vocab = _tokenizer(settings)
    with _lock:
        data: bytes = vocab.detokenize(ids)
    return data.decode("utf-8", errors="replace")
