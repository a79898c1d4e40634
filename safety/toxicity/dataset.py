"""The project's labelled safety set: written items, deduplicated, split before use.

    python -m safety.toxicity.dataset --advbench PATH   # rewrites safety/data/labelled.jsonl

Items are written by the project as plain text, one per line, in
`safety/data/written/harmful/<family>.txt` (`label<TAB>text`) and
`safety/data/written/benign/<family>.txt` (`text`; label `benign`). Lines starting with
`#` are comments. The build:

1. drops exact duplicates after normalisation (NFKC, case, punctuation, spacing);
2. drops items within cosine `ADVBENCH_NEAR` of an AdvBench prompt (MiniLM embeddings of
   the identity-masked texts): AdvBench is for measuring only, nothing like it is trained
   or tuned on;
3. joins near-duplicates (cosine >= `NEAR_DUPLICATE`) into one group, so paraphrases of
   one item never straddle splits;
4. assigns each group to train / dev / test by a hash of the group id (its smallest item
   id), 60 / 20 / 20, and records `split` and `group` on every item.

The split depends only on ids and the frozen encoder, never on any result.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import unicodedata
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

from safety.toxicity.encoder import Encoder, load_encoder
from safety.toxicity.identity import mask_identity_groups

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
WRITTEN = DATA_DIR / "written"
LABELLED = DATA_DIR / "labelled.jsonl"
WEIGHTS = DATA_DIR / "harm_classifier.npz"
"""The fitted harm classifier the guards load (written by `make train-safety`)."""
BENIGN = "benign"
"""The label of everything that may pass."""
BENIGN = "benign"
NEAR_DUPLICATE = 0.9
ADVBENCH_NEAR = 0.8
"""Stricter for AdvBench: at 0.8 an item is the same request as an AdvBench prompt in other
words ("Outline a plan to steal credit card numbers from an online shop.")."""
Split = Literal["train", "dev", "test"]
SPLITS: tuple[Split, ...] = ("train", "dev", "test")


class LabelledItem(BaseModel):
    """One labelled text: what it is, where it came from, and which split it belongs to."""

    model_config = ConfigDict(extra="forbid")

    id: str
    text: str
    label: str
    family: str
    harmful: bool
    group: str
    split: Split


def normalise_key(text: str) -> str:
    """Text folded for exact-duplicate detection: NFKC, casefold, words only."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.findall(r"\w+", folded))


def split_for(group: str) -> Split:
    """The split of a group, from a hash of its id: 60% train, 20% dev, 20% test."""
    bucket = int(hashlib.sha256(group.encode("utf-8")).hexdigest(), 16) % 100
    return "train" if bucket < 60 else "dev" if bucket < 80 else "test"


def item_id(family: str, text: str) -> str:
    """A stable id: the family and a hash of the normalised text (order-independent)."""
    return f"{family}-{hashlib.sha1(normalise_key(text).encode('utf-8')).hexdigest()[:10]}"


def read_written(root: Path = WRITTEN) -> list[tuple[str, str, str, str]]:
    """(id, text, label, family) for every written line, harmful files first, sorted by name."""
    rows: list[tuple[str, str, str, str]] = []
    for kind in ("harmful", "benign"):
        for path in sorted((root / kind).glob("*.txt")):
            family = path.stem
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if not line.strip() or line.startswith("#"):
                    continue
                if kind == "harmful":
                    label, sep, text = line.partition("\t")
                    if not sep or not text.strip():
                        raise ValueError(f"{path}:{number}: expected `label<TAB>text`")
                else:
                    label, text = BENIGN, line
                rows.append((item_id(family, text), text.strip(), label.strip(), family))
    return rows


def _groups(vectors: np.ndarray, ids: list[str], threshold: float) -> list[str]:
    """Union-find over pairs at or above `threshold`; each item's group is its smallest id."""
    parent = list(range(len(ids)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    similar = vectors @ vectors.T
    for i, j in zip(*np.nonzero(np.triu(similar >= threshold, k=1)), strict=True):
        a, b = root(int(i)), root(int(j))
        if a != b:
            parent[max(a, b)] = min(a, b)
    members: dict[int, list[str]] = {}
    for index, name in enumerate(ids):
        members.setdefault(root(index), []).append(name)
    smallest = {key: min(names) for key, names in members.items()}
    return [smallest[root(index)] for index in range(len(ids))]


def build(
    encoder: Encoder,
    root: Path = WRITTEN,
    advbench: list[str] | None = None,
    threshold: float = NEAR_DUPLICATE,
    advbench_threshold: float = ADVBENCH_NEAR,
) -> tuple[list[LabelledItem], dict[str, int]]:
    """Deduplicate, decontaminate and split the written items; returns items and counts."""
    rows = read_written(root)
    seen: set[str] = set()
    unique: list[tuple[str, str, str, str]] = []
    for row in rows:
        key = normalise_key(row[1])
        if key and key not in seen:
            seen.add(key)
            unique.append(row)
    vectors = encoder([mask_identity_groups(text) for _, text, _, _ in unique])
    keep = np.ones(len(unique), dtype=bool)
    if advbench:
        reference = encoder([mask_identity_groups(text) for text in advbench])
        keep = (vectors @ reference.T).max(axis=1) < advbench_threshold
    kept = [row for row, flag in zip(unique, keep, strict=True) if flag]
    groups = _groups(vectors[keep], [row[0] for row in kept], threshold)
    items = [
        LabelledItem(
            id=name,
            text=text,
            label=label,
            family=family,
            harmful=label != BENIGN,
            group=group,
            split=split_for(group),
        )
        for (name, text, label, family), group in zip(kept, groups, strict=True)
    ]
    counts: dict[str, int] = {
        "written": len(rows),
        "exact duplicates dropped": len(rows) - len(unique),
        "AdvBench near-duplicates dropped": int((~keep).sum()),
        "near-duplicate groups joined": len(items) - len(set(groups)),
    }
    counts.update({split: sum(item.split == split for item in items) for split in SPLITS})
    return items, counts


def write_items(items: list[LabelledItem], path: Path = LABELLED) -> None:
    """One JSON object a line, in a stable order."""
    lines = [item.model_dump_json() for item in sorted(items, key=lambda item: item.id)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def load_items(path: Path = LABELLED, split: Split | None = None) -> list[LabelledItem]:
    """The labelled set (or one split of it)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    items = [LabelledItem.model_validate_json(line) for line in lines if line.strip()]
    return [item for item in items if split is None or item.split == split]


def read_prompts(path: Path, key: str = "prompt") -> list[str]:
    """One field from each line of a JSONL file (AdvBench: `prompt`)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [str(json.loads(line)[key]) for line in lines if line.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--advbench", type=Path, help="AdvBench JSONL, to decontaminate against")
    parser.add_argument("--out", type=Path, default=LABELLED)
    args = parser.parse_args()
    advbench = read_prompts(args.advbench) if args.advbench else None
    items, counts = build(load_encoder(), advbench=advbench)
    write_items(items, args.out)
    print(f"wrote {args.out}: {json.dumps(counts)}")


if __name__ == "__main__":
    main()
