"""Rebuild the embedded harm classifier's weights from the project's labelled set.

    python -m safety.toxicity.train            # writes safety/data/harm_classifier.npz

The labelled set (safety/data/labelled_source.json) is written by the project: request
frames x harmful tasks per category, benign tasks in the same frames, benign questions
about the course's sensitive subjects, identity-term sentences, and the course's own
sentences. A multinomial logistic regression over MiniLM embeddings learns intent, not
topic: the same subject appears on both sides.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from typing import Any

import numpy as np

from safety.toxicity.encoder import Encoder, load_encoder

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
SOURCE = DATA_DIR / "labelled_source.json"
WEIGHTS = DATA_DIR / "harm_classifier.npz"
BENIGN = "benign"
FRAMES_PER_TASK = 4


def _rotate(items: list[str], start: int, count: int) -> list[str]:
    return [items[(start + offset) % len(items)] for offset in range(count)]


def expand(source: dict[str, Any], seed: int = 0) -> list[tuple[str, str]]:
    """(text, label) pairs from the compact labelled source, deterministically."""
    rng = random.Random(seed)
    frames: list[str] = source["frames"]
    groups: list[str] = source["groups"]
    pairs: list[tuple[str, str]] = []
    counter = 0
    for category, tasks in source["harmful_tasks"].items():
        for task in tasks:
            for frame in rng.sample(frames, FRAMES_PER_TASK):
                filled = task.replace("{g}", groups[counter % len(groups)])
                counter += 1
                pairs.append((frame.format(t=filled), category))
    for category, texts in source["harmful_text"].items():
        for index, text in enumerate(texts):
            for group in _rotate(groups, index * 5, 5 if "{g}" in text else 1):
                pairs.append((text.replace("{g}", group), category))
    for task in source["benign_tasks"]:
        for frame in rng.sample(frames, FRAMES_PER_TASK):
            pairs.append((frame.format(t=task), BENIGN))
    for text in source["benign_questions"] + source["course_sentences"]:
        pairs.append((text, BENIGN))
    for frame in source["benign_group_frames"]:
        for group in groups:
            pairs.append((frame.format(g=group), BENIGN))
    return pairs


def train(encoder: Encoder, source_path: Path = SOURCE, out: Path = WEIGHTS) -> dict[str, int]:
    """Fit the classifier and save coefficients, intercepts and class names as .npz."""
    from sklearn.linear_model import LogisticRegression

    source = json.loads(source_path.read_text(encoding="utf-8"))
    pairs = expand(source)
    texts = [text for text, _ in pairs]
    labels = [label for _, label in pairs]
    features = encoder(texts)
    model = LogisticRegression(C=4.0, class_weight="balanced", max_iter=5000)
    model.fit(features, labels)
    np.savez(
        out,
        coef=model.coef_.astype(np.float32),
        intercept=model.intercept_.astype(np.float32),
        classes=np.array(model.classes_, dtype=str),
    )
    return {label: labels.count(label) for label in sorted(set(labels))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=WEIGHTS)
    args = parser.parse_args()
    counts = train(load_encoder(), out=args.out)
    print(f"wrote {args.out} from {sum(counts.values())} examples: {counts}")


if __name__ == "__main__":
    main()
