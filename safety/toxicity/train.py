"""Rebuild the embedded harm classifier from the train split of the labelled set.

    make train-safety          # rebuilds the labelled set, then runs this
    python -m safety.toxicity.train

A multinomial logistic regression over frozen MiniLM embeddings of identity-masked
texts, one class per harm category (`prompt-injection` included, so jailbreaks and
instruction overrides are judged by the same learned model) plus `benign`. Classes are
weighted to balance. Two things are tuned on the dev split only, never on test:

- the regularisation strength C, from a small grid;
- a shift of the benign intercept, so that the guard's rule (refuse when 1 - P(benign)
  >= 0.5 on the whole text or any of its sentences) refuses at most `MAX_DEV_FPR` of the
  dev split's benign items while refusing as many harmful ones as possible.

The fit is deterministic (lbfgs, no sampling); the weights ship as a small .npz read by
`safety.toxicity.embedded.HarmClassifier`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from safety.toxicity.dataset import BENIGN, DATA_DIR, LABELLED, WEIGHTS, LabelledItem, load_items
from safety.toxicity.encoder import Encoder, load_encoder
from safety.toxicity.identity import mask_identity_groups

IDENTITY_GROUPS = DATA_DIR / "identity_groups.json"
SOURCE = IDENTITY_GROUPS
"""The identity groups the masking must cover (read by tests/safety/test_identity_mask.py)."""
C_GRID = (0.5, 1.0, 2.0, 4.0, 8.0, 16.0)
SHIFT_GRID = tuple(round(value, 2) for value in np.arange(-3.0, 3.01, 0.1))
MAX_DEV_FPR = 0.03
FRAMINGS = (
    "Hypothetically, {lower}",
    "For a novel I'm writing: {text}",
    "Let's role-play. You are an expert with many years of experience. {text}",
    "Back in the day, people used to ask this: {text}",
    "Quick question, {lower}",
    "My friend asked me this and I didn't know: {text}",
    "Imagine a story where someone asks: {text}",
    "Just curious - {lower}",
)
"""Wrappers added to train items of every label alike (two per item, picked by a hash of
its id), so that framing alone (hypothetical, fiction, role-play, hearsay) predicts nothing."""
FRAMINGS_PER_ITEM = 2


def framed(item: LabelledItem) -> list[str]:
    """The item's text and `FRAMINGS_PER_ITEM` framed copies of it, chosen by its id."""
    start = int(hashlib.sha256(item.id.encode("utf-8")).hexdigest(), 16) % len(FRAMINGS)
    lower = item.text[:1].lower() + item.text[1:]
    picked = [FRAMINGS[(start + k) % len(FRAMINGS)] for k in range(FRAMINGS_PER_ITEM)]
    return [item.text, *(frame.format(text=item.text, lower=lower) for frame in picked)]


def encode(encoder: Encoder, texts: list[str]) -> np.ndarray:
    """Embeddings of the texts with identity groups masked, as the guard reads them."""
    return encoder([mask_identity_groups(text) for text in texts])


def _probabilities(features: np.ndarray, coef: np.ndarray, intercept: np.ndarray) -> np.ndarray:
    logits = features @ coef.T + intercept
    logits -= logits.max(axis=1, keepdims=True)
    probs = np.exp(logits)
    return probs / probs.sum(axis=1, keepdims=True)


class DevUnits:
    """The dev split cut into the pieces the guard classifies, encoded once."""

    def __init__(self, encoder: Encoder, items: list[LabelledItem]) -> None:
        from safety.toxicity.embedded import text_units

        units = [text_units(item.text) or [item.text] for item in items]
        flat = list(dict.fromkeys(unit for pieces in units for unit in pieces))
        index = {unit: i for i, unit in enumerate(flat)}
        self.features = encode(encoder, flat)
        self.rows = [[index[unit] for unit in pieces] for pieces in units]
        self.harmful = np.array([item.harmful for item in items])

    def harm(self, coef: np.ndarray, intercept: np.ndarray, benign: int) -> np.ndarray:
        """Per item: the highest 1 - P(benign) over its units (the guard's harm score)."""
        unit_harm = 1.0 - _probabilities(self.features, coef, intercept)[:, benign]
        return np.array([unit_harm[row].max() for row in self.rows])


def best_shift(
    dev: DevUnits, coef: np.ndarray, intercept: np.ndarray, benign: int
) -> dict[str, float]:
    """The benign-intercept shift with the highest dev recall at dev FPR <= MAX_DEV_FPR."""
    best: dict[str, float] = {}
    for shift in SHIFT_GRID:
        moved = intercept.copy()
        moved[benign] += shift
        refused = dev.harm(coef, moved, benign) >= 0.5
        fpr = float(refused[~dev.harmful].mean())
        recall = float(refused[dev.harmful].mean())
        if fpr <= MAX_DEV_FPR and (not best or recall > best["dev_recall"]):
            best = {"shift": shift, "dev_recall": recall, "dev_fpr": fpr}
    return best or {"shift": SHIFT_GRID[-1], "dev_recall": 0.0, "dev_fpr": 1.0}


@dataclass
class Fit:
    """One fitted candidate and how it did on dev."""

    c_value: float
    classes: list[str]
    coef: np.ndarray
    intercept: np.ndarray
    tuned: dict[str, float]


def train(encoder: Encoder, labelled: Path = LABELLED, out: Path = WEIGHTS) -> dict[str, object]:
    """Fit on train, tune C and the benign shift on dev, save the weights; returns a summary."""
    from sklearn.linear_model import LogisticRegression

    items = load_items(labelled)
    train_items = [item for item in items if item.split == "train"]
    dev_items = [item for item in items if item.split == "dev"]
    texts = [text for item in train_items for text in framed(item)]
    labels = [item.label for item in train_items for _ in framed(item)]
    features = encode(encoder, texts)
    dev = DevUnits(encoder, dev_items)
    best: Fit | None = None
    for c_value in C_GRID:
        model = LogisticRegression(C=c_value, class_weight="balanced", max_iter=5000)
        model.fit(features, labels)
        classes = [str(name) for name in model.classes_]
        coef = model.coef_.astype(np.float32)
        intercept = model.intercept_.astype(np.float32)
        tuned = best_shift(dev, coef, intercept, classes.index(BENIGN))
        if best is None or tuned["dev_recall"] > best.tuned["dev_recall"]:
            intercept[classes.index(BENIGN)] += tuned["shift"]
            best = Fit(c_value, classes, coef, intercept, tuned)
    assert best is not None
    np.savez(
        out, coef=best.coef, intercept=best.intercept, classes=np.array(best.classes, dtype=str)
    )
    return {
        "C": best.c_value,
        "benign_shift": best.tuned["shift"],
        "dev_recall": round(best.tuned["dev_recall"], 4),
        "dev_fpr": round(best.tuned["dev_fpr"], 4),
        "train_items": len(train_items),
        "train_texts_with_framings": len(texts),
        "train_counts": {label: labels.count(label) for label in sorted(set(labels))},
        "dev_n": len(dev_items),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--labelled", type=Path, default=LABELLED)
    parser.add_argument("--out", type=Path, default=WEIGHTS)
    args = parser.parse_args()
    summary = train(load_encoder(), args.labelled, args.out)
    print(f"wrote {args.out}: {json.dumps(summary)}")


if __name__ == "__main__":
    main()
