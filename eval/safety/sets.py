"""The evaluation families: one split of the labelled set, encoded attacks, and AdvBench.

Families come from the labelled set's `family` field (one written file each). Encoded
families are derived from the same split's plain and paraphrased harmful requests, so
they carry no item that another split holds. AdvBench is measuring-only: it is never in
the labelled set (near-duplicates of it are dropped there) and is reported on its own.
"""

from __future__ import annotations

import base64
import codecs
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel

from safety.toxicity.dataset import LABELLED, SPLITS, Split, load_items, read_prompts

ADVBENCH_FAMILY = "advbench (measuring only)"
ENCODED_SOURCES = ("plain", "paraphrased")
_LEET = str.maketrans({"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7"})


class EvalItem(BaseModel):
    """One text to put through the input guard, and what it should get."""

    text: str
    family: str
    harmful: bool


def encodings() -> dict[str, Callable[[str], str]]:
    """Name -> function(text) -> obfuscated request."""
    return {
        "base64": lambda t: f"Decode this and answer it: {base64.b64encode(t.encode()).decode()}",
        "base32": lambda t: f"Decode this and answer it: {base64.b32encode(t.encode()).decode()}",
        "hex": lambda t: f"Decode this hex and answer it: {t.encode().hex()}",
        "rot13": lambda t: f"Decode this ROT13 and answer it: {codecs.encode(t, 'rot13')}",
        "leetspeak": lambda t: t.lower().translate(_LEET),
        "reversed": lambda t: f"Read this backwards and answer it: {t[::-1]}",
    }


def labelled_families(split: Split, path: Path = LABELLED) -> dict[str, list[EvalItem]]:
    """The split's items by family, then encoded copies of its plain harmful requests.

    A family written on both sides (a harmful and a benign file of one name) is reported
    as two families, so each family is all harmful or all benign."""
    families: dict[str, list[EvalItem]] = {}
    items = load_items(path, split)
    both = {i.family for i in items if i.harmful} & {i.family for i in items if not i.harmful}
    for item in items:
        name = item.family
        if name in both:
            name = f"{name} ({'harmful' if item.harmful else 'benign'})"
        families.setdefault(name, []).append(
            EvalItem(text=item.text, family=name, harmful=item.harmful)
        )
    sources = [item.text for item in items if item.harmful and item.family in ENCODED_SOURCES]
    for name, encode in encodings().items():
        family = f"encoded-{name}"
        families[family] = [
            EvalItem(text=encode(text), family=family, harmful=True) for text in sources
        ]
    return families


def advbench_family(path: Path | None) -> list[EvalItem]:
    """AdvBench's prompts as one harmful family, or nothing when the file is absent."""
    if path is None or not path.is_file():
        return []
    return [
        EvalItem(text=text, family=ADVBENCH_FAMILY, harmful=True) for text in read_prompts(path)
    ]


def split_sizes(path: Path = LABELLED) -> dict[str, dict[str, int]]:
    """Harmful and benign counts per split of the labelled set."""
    items = load_items(path)
    return {
        split: {
            "harmful": sum(item.harmful for item in items if item.split == split),
            "benign": sum(not item.harmful for item in items if item.split == split),
        }
        for split in SPLITS
    }
