"""Fine-tune the top of the bundled MiniLM for the harm classifier.

    python -m safety.toxicity.finetune      # writes safety/data/harm_encoder_top.npz

The embeddings and lower transformer layers stay frozen; the top `TOP_LAYERS` layer(s)
are trained with a class-balanced cross-entropy through mean pooling and a linear head,
on the train split with its variants (`safety.toxicity.augment`), early-stopped on the
dev split (the epoch with the highest dev recall at <= `MAX_DEV_FPR` false refusals over
the pieces the guard reads). The frozen part runs once: its output for every text is
cached and only the top layers run per epoch, which keeps the fit to minutes on 2 cores.

Only the tuned layers ship (float16, `safety.toxicity.tuned.TUNED_TOP`); the guard applies
them on top of the bundled model at load time (`safety.toxicity.tuned.load_tuned_encoder`).
The MLP head is then refitted on the tuned embeddings by `safety.toxicity.train`.

Deterministic: fixed seeds, one torch thread, items in file order.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from safety.toxicity.augment import variants
from safety.toxicity.dataset import BENIGN, LABELLED, load_items
from safety.toxicity.identity import mask_identity_groups
from safety.toxicity.train import MAX_DEV_FPR, fit_units
from safety.toxicity.tuned import TUNED_TOP, load_bert, save_top


@dataclass(frozen=True)
class TuneConfig:
    """Schedule of the fine-tuning (chosen on dev)."""

    top_layers: int = 1
    epochs: int = 6
    batch: int = 32
    learning_rate: float = 5e-5
    head_learning_rate: float = 2e-3
    scale: float = 20.0
    seed: int = 0
    max_tokens: int = 256


def recall_at_fpr(harm: np.ndarray, harmful: np.ndarray, max_fpr: float = MAX_DEV_FPR) -> float:
    """The share of harmful items refused at the highest threshold refusing at most
    `max_fpr` of the benign ones."""
    benign = np.sort(harm[~harmful])[::-1]
    allowed = int(np.floor(max_fpr * len(benign)))
    threshold = benign[allowed] if allowed < len(benign) else -np.inf
    return float((harm[harmful] > threshold).mean())


class _Cached:
    """Frozen-part outputs of a list of texts, padded per length-sorted batch."""

    def __init__(self, bert: Any, tokenizer: Any, texts: list[str], below: int, cfg: TuneConfig):
        import torch

        self.batches: list[tuple[Any, Any, Any]] = []
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        with torch.no_grad():
            for start in range(0, len(order), 64):
                index = order[start : start + 64]
                tokens = tokenizer(
                    [texts[i] for i in index],
                    padding=True,
                    truncation=True,
                    max_length=cfg.max_tokens,
                    return_tensors="pt",
                )
                out = bert(**tokens, output_hidden_states=True)
                hidden = out.hidden_states[below]
                self.batches.append((torch.tensor(index), hidden, tokens["attention_mask"]))


def _top_forward(layers: Any, hidden: Any, mask: Any) -> Any:
    """The tuned layers, mean pooling and L2 normalisation (as sentence-transformers does)."""
    import torch

    extended = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
    for layer in layers:
        hidden = layer(hidden, attention_mask=extended)
        hidden = hidden[0] if isinstance(hidden, tuple) else hidden
    weights = mask.unsqueeze(-1).float()
    pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
    return torch.nn.functional.normalize(pooled, dim=1)


def finetune(
    labelled: Path = LABELLED, out: Path = TUNED_TOP, cfg: TuneConfig = TuneConfig()
) -> dict[str, object]:
    """Fit the top layers on train, early-stop on dev, save them; returns a summary."""
    import copy

    import torch

    torch.set_num_threads(1)
    torch.manual_seed(cfg.seed)
    started = time.monotonic()
    bert, tokenizer = load_bert()
    bert.eval()
    total = len(bert.encoder.layer)
    below = total - cfg.top_layers
    items = load_items(labelled)
    train_items = [item for item in items if item.split == "train"]
    dev_items = [item for item in items if item.split == "dev"]
    pairs = [(t, item.label) for item in train_items for t in variants(item.id, item.text)]
    texts = [mask_identity_groups(t) for t, _ in pairs]
    classes = sorted({label for _, label in pairs})
    targets = torch.tensor([classes.index(label) for _, label in pairs])
    dev_pieces = [fit_units(item.text) for item in dev_items]
    dev_flat = list(dict.fromkeys(u for pieces in dev_pieces for u in pieces))
    dev_index = {u: i for i, u in enumerate(dev_flat)}
    dev_rows = [[dev_index[u] for u in pieces] for pieces in dev_pieces]
    dev_harmful = np.array([item.harmful for item in dev_items])
    train_cache = _Cached(bert, tokenizer, texts, below, cfg)
    dev_cache = _Cached(bert, tokenizer, [mask_identity_groups(u) for u in dev_flat], below, cfg)
    cached_at = time.monotonic() - started

    layers = torch.nn.ModuleList(copy.deepcopy(bert.encoder.layer[below:]))
    head = torch.nn.Linear(bert.config.hidden_size, len(classes))
    counts = torch.bincount(targets, minlength=len(classes)).float()
    loss_fn = torch.nn.CrossEntropyLoss(weight=len(targets) / (len(classes) * counts))
    optimiser = torch.optim.AdamW(
        [
            {"params": layers.parameters(), "lr": cfg.learning_rate},
            {"params": head.parameters(), "lr": cfg.head_learning_rate},
        ],
        weight_decay=1e-4,
    )
    benign = classes.index(BENIGN)
    order = torch.Generator().manual_seed(cfg.seed)
    history: list[dict[str, float]] = []
    best: tuple[float, int, dict[str, Any]] = (-1.0, -1, {})

    def dev_recall() -> float:
        layers.eval()
        harm = np.zeros(len(dev_flat))
        with torch.no_grad():
            for index, hidden, mask in dev_cache.batches:
                logits = head(_top_forward(layers, hidden, mask) * cfg.scale)
                harm[index.numpy()] = 1.0 - torch.softmax(logits, 1)[:, benign].numpy()
        per_item = np.array([harm[row].max() for row in dev_rows])
        return recall_at_fpr(per_item, dev_harmful)

    history.append({"epoch": 0, "dev_recall": dev_recall()})
    for epoch in range(1, cfg.epochs + 1):
        layers.train()
        losses = []
        for b in torch.randperm(len(train_cache.batches), generator=order).tolist():
            index, hidden, mask = train_cache.batches[b]
            for start in range(0, len(index), cfg.batch):
                part = slice(start, start + cfg.batch)
                optimiser.zero_grad()
                embedded = _top_forward(layers, hidden[part], mask[part])
                loss = loss_fn(head(embedded * cfg.scale), targets[index[part]])
                loss.backward()
                optimiser.step()
                losses.append(float(loss))
        recall = dev_recall()
        history.append({"epoch": epoch, "loss": float(np.mean(losses)), "dev_recall": recall})
        print(json.dumps(history[-1]), flush=True)
        if recall > best[0]:
            state = {k: v.detach().clone() for k, v in layers.state_dict().items()}
            best = (recall, epoch, state)
    layers.load_state_dict(best[2])
    save_top(out, below, layers)
    return {
        "top_layers": cfg.top_layers,
        "best_epoch": best[1],
        "dev_recall_at_fpr": round(best[0], 4),
        "history": history,
        "train_texts": len(texts),
        "cache_seconds": round(cached_at, 1),
        "seconds": round(time.monotonic() - started, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--labelled", type=Path, default=LABELLED)
    parser.add_argument("--out", type=Path, default=TUNED_TOP)
    parser.add_argument("--epochs", type=int, default=TuneConfig.epochs)
    parser.add_argument("--top-layers", type=int, default=TuneConfig.top_layers)
    parser.add_argument("--lr", type=float, default=TuneConfig.learning_rate)
    args = parser.parse_args()
    cfg = TuneConfig(epochs=args.epochs, top_layers=args.top_layers, learning_rate=args.lr)
    summary = finetune(args.labelled, args.out, cfg)
    print(f"wrote {args.out}: {json.dumps(summary)}")


if __name__ == "__main__":
    main()
