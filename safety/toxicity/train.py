"""Rebuild the embedded harm classifier from the train split of the labelled set.

    make train-safety          # rebuilds the labelled set, then runs this
    python -m safety.toxicity.train

An MLP head (one ReLU hidden layer) over frozen MiniLM embeddings of identity-masked
texts, one class per harm category (`prompt-injection` included, so jailbreaks and
instruction overrides are judged by the same learned model) plus `benign`. Every train
item is fitted with its variants (`safety.toxicity.augment`: framings, tense changes,
and encodings as the guard reads them after de-obfuscation). Classes are weighted to
balance. `ENSEMBLE` heads with different seeds are averaged in logit space, which is
itself one MLP (their hidden layers side by side), so the guard runs one small head.

Tuned on the dev split only, never on test: a shift of the benign logit, so that the
guard's rule (refuse when 1 - P(benign) >= 0.5 on any unit the guard reads: the whole
text, its sentences, its decoded and normalised views) passes at least 1 - `MAX_DEV_FPR`
of the dev split's benign items at the lower end of a 95% bootstrap interval (a margin,
so the rate holds beyond dev) while refusing as many harmful ones as possible.

The embeddings are those of the bundled MiniLM with the top layer fine-tuned by
`safety.toxicity.finetune` (`--tuned-top`), or of MiniLM as it is (`--tuned-top none`).

Deterministic: fixed seeds, one torch thread. The weights ship as a small .npz read by
`safety.toxicity.embedded.HarmClassifier`.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from safety.toxicity.augment import guard_views, variants
from safety.toxicity.dataset import BENIGN, DATA_DIR, LABELLED, WEIGHTS, LabelledItem, load_items
from safety.toxicity.encoder import Encoder, load_encoder
from safety.toxicity.head import Layer, head_probabilities
from safety.toxicity.heads import PROBES
from safety.toxicity.identity import mask_identity_groups
from safety.toxicity.lexical import LexicalModel, blend, fit_lexical
from safety.toxicity.stats import bootstrap_ci
from safety.toxicity.tuned import BASE_ENCODER, TUNED_ENCODER, TUNED_TOP, load_tuned_encoder

IDENTITY_GROUPS = DATA_DIR / "identity_groups.json"
SOURCE = IDENTITY_GROUPS
"""The identity groups the masking must cover (read by tests/safety/test_identity_mask.py)."""
SHIFT_GRID = tuple(round(value, 2) for value in np.arange(-3.0, 6.01, 0.1))
MAX_DEV_FPR = 0.03


@dataclass(frozen=True)
class HeadConfig:
    """Shape and schedule of the MLP head, chosen on dev. Dropout 0.3, weight decay 1e-2
    and label smoothing 0.1 keep the head from scoring a benign neighbour of a train item
    ("share my location with my wife so she knows I got home") at 0.999, which no
    threshold can then pass: on dev they raised the recall at the margin rule."""

    hidden: int = 256
    epochs: int = 60
    batch: int = 64
    learning_rate: float = 1e-3
    weight_decay: float = 1e-2
    dropout: float = 0.3
    ensemble: int = 5
    label_smoothing: float = 0.1
    lexical_weight: float = 0.35
    """Share of the character n-gram model (`safety.toxicity.lexical`) in the class
    probabilities; 0 fits the MLP head alone. Chosen on dev among 0.2, 0.35 and 0.5."""


def encode(encoder: Encoder, texts: list[str]) -> np.ndarray:
    """Embeddings of the texts with identity groups masked, as the guard reads them."""
    return encoder([mask_identity_groups(text) for text in texts])


def fit_units(text: str) -> list[str]:
    """The pieces the guard classifies for `text`: its units and those of every view it
    reads after de-obfuscation and normalisation."""
    from safety.toxicity.embedded import text_units

    views = [text, *guard_views(text)]
    return list(dict.fromkeys(unit for view in views for unit in text_units(view) or [view]))


class DevUnits:
    """The dev split cut into the pieces the guard classifies, encoded once."""

    def __init__(
        self,
        encoder: Encoder,
        items: list[LabelledItem],
        lexical: LexicalModel | None = None,
        lexical_weight: float = 0.0,
    ) -> None:
        units = [fit_units(item.text) for item in items]
        flat = list(dict.fromkeys(unit for pieces in units for unit in pieces))
        index = {unit: i for i, unit in enumerate(flat)}
        self.features = encode(encoder, flat)
        self.lexical = (
            lexical.probabilities([mask_identity_groups(unit) for unit in flat])
            if lexical is not None
            else None
        )
        self.lexical_weight = lexical_weight
        self.rows = [[index[unit] for unit in pieces] for pieces in units]
        self.harmful = np.array([item.harmful for item in items])

    def harm(self, layers: list[Layer], benign: int) -> np.ndarray:
        """Per item: the highest 1 - P(benign) over its units (the guard's harm score)."""
        probs = head_probabilities(layers, self.features)
        if self.lexical is not None:
            probs = blend(probs, self.lexical, self.lexical_weight)
        unit_harm = 1.0 - probs[:, benign]
        return np.array([unit_harm[row].max() for row in self.rows])


def shifted(layers: list[Layer], benign: int, shift: float) -> list[Layer]:
    """The layers with the benign output's bias moved by `shift`."""
    weight, bias = layers[-1]
    moved = bias.copy()
    moved[benign] += shift
    return [*layers[:-1], (weight, moved)]


def best_shift(dev: DevUnits, layers: list[Layer], benign: int) -> dict[str, float]:
    """The benign-logit shift with the highest dev recall among those whose dev benign
    pass rate holds with a margin: the lower end of its 95% bootstrap interval is at
    least 1 - MAX_DEV_FPR. A point estimate at the limit did not hold on test (the
    previous head: 97.1% of dev benign passed, 92.2% of test)."""
    best: dict[str, float] = {}
    for shift in SHIFT_GRID:
        refused = dev.harm(shifted(layers, benign, shift), benign) >= 0.5
        passed = [not flag for flag in refused[~dev.harmful]]
        low, _ = bootstrap_ci(passed)
        recall = float(refused[dev.harmful].mean())
        if low >= 1.0 - MAX_DEV_FPR and (not best or recall > best["dev_recall"]):
            fpr = 1.0 - float(np.mean(passed))
            best = {"shift": shift, "dev_recall": recall, "dev_fpr": fpr, "dev_pass_low": low}
    return best or {"shift": SHIFT_GRID[-1], "dev_recall": 0.0, "dev_fpr": 1.0, "dev_pass_low": 0.0}


def fit_head(
    features: np.ndarray, labels: list[str], config: HeadConfig = HeadConfig()
) -> tuple[list[str], list[Layer]]:
    """`config.ensemble` MLPs (seeds 0, 1, ...) fitted with class-balanced cross-entropy,
    merged into one MLP whose logits are their mean. Returns (classes, layers)."""
    import torch

    classes = sorted(set(labels))
    targets = torch.tensor([classes.index(label) for label in labels])
    counts = torch.bincount(targets, minlength=len(classes)).float()
    loss_fn = torch.nn.CrossEntropyLoss(
        weight=len(labels) / (len(classes) * counts), label_smoothing=config.label_smoothing
    )
    inputs = torch.tensor(features, dtype=torch.float32)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    parts: list[tuple[np.ndarray, ...]] = []
    try:
        for seed in range(config.ensemble):
            torch.manual_seed(seed)
            first = torch.nn.Linear(inputs.shape[1], config.hidden)
            second = torch.nn.Linear(config.hidden, len(classes))
            net = torch.nn.Sequential(
                torch.nn.Dropout(config.dropout),
                first,
                torch.nn.ReLU(),
                torch.nn.Dropout(config.dropout),
                second,
            )
            optimiser = torch.optim.AdamW(
                net.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay
            )
            order = torch.Generator().manual_seed(seed)
            for _ in range(config.epochs):
                net.train()
                permutation = torch.randperm(len(labels), generator=order)
                for start in range(0, len(labels), config.batch):
                    batch = permutation[start : start + config.batch]
                    optimiser.zero_grad()
                    loss_fn(net(inputs[batch]), targets[batch]).backward()
                    optimiser.step()
            parts.append(
                tuple(
                    tensor.detach().numpy().astype(np.float32)
                    for tensor in (first.weight, first.bias, second.weight, second.bias)
                )
            )
    finally:
        torch.set_num_threads(threads)
    w1 = np.concatenate([p[0].T for p in parts], axis=1)
    b1 = np.concatenate([p[1] for p in parts])
    w2 = np.concatenate([p[2].T for p in parts], axis=0) / len(parts)
    b2 = np.mean([p[3] for p in parts], axis=0).astype(np.float32)
    return classes, [(w1, b1), (w2.astype(np.float32), b2)]


def train(
    encoder: Encoder,
    labelled: Path = LABELLED,
    out: Path = WEIGHTS,
    config: HeadConfig = HeadConfig(),
    encoder_name: str = BASE_ENCODER,
) -> dict[str, object]:
    """Fit on train (with variants), tune the benign shift on dev, save the weights with
    the name and fingerprint (`safety.toxicity.heads`) of the encoder they were fitted on;
    returns a summary."""
    items = load_items(labelled)
    train_items = [item for item in items if item.split == "train"]
    dev_items = [item for item in items if item.split == "dev"]
    pairs = [(text, item.label) for item in train_items for text in variants(item.id, item.text)]
    texts = [text for text, _ in pairs]
    labels = [label for _, label in pairs]
    features = encode(encoder, texts)
    classes, layers = fit_head(features, labels, config)
    benign = classes.index(BENIGN)
    weight = config.lexical_weight
    lexical = (
        fit_lexical([mask_identity_groups(text) for text in texts], labels, classes)
        if weight > 0
        else None
    )
    tuned = best_shift(DevUnits(encoder, dev_items, lexical, weight), layers, benign)
    (w1, b1), (w2, b2) = shifted(layers, benign, tuned["shift"])
    arrays = {
        "w1": w1, "b1": b1, "w2": w2, "b2": b2, "classes": np.array(classes, dtype=str),
        "encoder": np.array(encoder_name), "fingerprint": encoder(list(PROBES)),
        **(lexical.arrays(weight) if lexical is not None else {}),
    }  # fmt: skip
    np.savez(out, **arrays)  # type: ignore[arg-type]
    return {
        "encoder": encoder_name,
        "head": {"hidden": config.hidden, "ensemble": config.ensemble, "epochs": config.epochs},
        "lexical_weight": weight,
        "benign_shift": tuned["shift"],
        "dev_recall": round(tuned["dev_recall"], 4),
        "dev_fpr": round(tuned["dev_fpr"], 4),
        "dev_benign_pass_lower_bound": tuned["dev_pass_low"],
        "train_items": len(train_items),
        "train_texts_with_variants": len(texts),
        "train_counts": {label: labels.count(label) for label in sorted(set(labels))},
        "dev_n": len(dev_items),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--labelled", type=Path, default=LABELLED)
    parser.add_argument("--out", type=Path, default=WEIGHTS)
    parser.add_argument(
        "--tuned-top",
        default="auto",
        help="fine-tuned encoder layers to fit on (written by safety.toxicity.finetune); "
        "'auto': those at safety/data/harm_encoder_top.npz if present, else the bundled "
        "MiniLM as it is ('none')",
    )
    args = parser.parse_args()
    top = TUNED_TOP if args.tuned_top == "auto" else Path(args.tuned_top)
    if args.tuned_top == "none" or (args.tuned_top == "auto" and not TUNED_TOP.exists()):
        summary = train(load_encoder(), args.labelled, args.out)
    else:
        encoder = load_tuned_encoder(top)
        summary = train(encoder, args.labelled, args.out, encoder_name=TUNED_ENCODER)
    print(f"wrote {args.out}: {json.dumps(summary)}")


if __name__ == "__main__":
    main()
