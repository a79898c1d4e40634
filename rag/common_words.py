"""Which words are everyday English, read from the embedding model's own vocabulary.

A question word that no indexed document uses is a strong sign the documents do not
cover the question only when the word is a rare, specific term ("kurtosis", "Timsort"):
an everyday word ("affect", "explain") is more often a paraphrase of what the documents
say in other words. The embedding model's WordPiece vocabulary keeps whole the ~20,000
words its training text used most; a word it splits into pieces is a rare one. Nothing
here depends on a particular course.
"""

from __future__ import annotations

import json
import logging
from functools import cache
from pathlib import Path

log = logging.getLogger(__name__)


@cache
def wordpiece_words(model_dir: Path) -> frozenset[str]:
    """The whole words (lower-cased, letters only, no '##' continuation pieces) of the
    WordPiece vocabulary in `model_dir`'s `tokenizer.json`; empty when there is none or
    the tokenizer is not WordPiece, which turns the rare-term check off."""
    path = model_dir / "tokenizer.json"
    try:
        model = json.loads(path.read_text(encoding="utf-8")).get("model", {})
    except (OSError, ValueError) as exc:
        log.info("no word list for the rare-term check (%s): %s", path, exc)
        return frozenset()
    if model.get("type") != "WordPiece":
        return frozenset()
    return frozenset(w.lower() for w in model.get("vocab", {}) if w.isalpha())


def is_rare(word: str, common: frozenset[str]) -> bool:
    """True when `word` (as written in the question) is not an everyday word: neither it
    nor its singular/base form ('layers' -> 'layer', 'computes' -> 'compute') is whole in
    `common`. Anything with a digit or an underscore is a name, hence rare."""
    low = word.lower().strip("'’-")
    if not low:
        return False
    if not low.isalpha():
        return True
    forms = {low, low.removesuffix("s"), low.removesuffix("es"), low.removesuffix("ed")}
    forms |= {low.removesuffix("ing"), low.removesuffix("d"), low.removesuffix("ly")}
    return not any(form in common for form in forms if len(form) >= 3)
