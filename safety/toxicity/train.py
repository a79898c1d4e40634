"""Rebuild the embedded harm classifier's weights from the project's labelled set.

    python -m safety.toxicity.train            # writes safety/data/harm_classifier.npz

The labelled set (safety/data/labelled_source.json) is written by the project: request
frames x harmful tasks per category, benign tasks (everyday, course and security-research
ones) in the same frames, benign questions about the course's sensitive subjects,
identity-term sentences, and the course's own sentences. A multinomial logistic
regression over MiniLM embeddings learns intent, not topic: the same subject appears on
both sides.

Debiasing is counterfactual data augmentation: every `{g}` template is filled with every
identity group (harmful ones keep their harmful label for every group), and every
literal sentence that names a group gets copies with that group swapped for each other
group on the same axis, with the same label, so no identity term predicts a label.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path
from typing import Any

import numpy as np

from safety.toxicity.encoder import Encoder, load_encoder
from safety.toxicity.identity import mask_identity_groups

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
SOURCE = DATA_DIR / "labelled_source.json"
WEIGHTS = DATA_DIR / "harm_classifier.npz"
BENIGN = "benign"
FRAMES_PER_TASK = 4
"""Each task is asked in this many request frames. A written benign question appears once,
so it is weighted by the same number: every item the project wrote has the same say."""
C_VALUE = 4.0


def counterfactuals(text: str, identity_groups: dict[str, list[str]]) -> list[str]:
    """`text` with its first identity term swapped for each other term on the same axis."""
    for terms in identity_groups.values():
        pattern = "|".join(re.escape(term) for term in sorted(terms, key=len, reverse=True))
        match = re.search(rf"\b(?:{pattern})\b", text, flags=re.IGNORECASE)
        if match is None:
            continue
        found = match.group(0).lower()
        swapped: list[str] = []
        for term in terms:
            if term.lower() == found:
                continue
            if match.start() == 0:
                term = term[0].upper() + term[1:]
            swapped.append(text[: match.start()] + term + text[match.end() :])
        return swapped
    return []


def expand(source: dict[str, Any], seed: int = 0) -> list[tuple[str, str]]:
    """(text, label) pairs from the compact labelled source, deterministically, deduplicated."""
    rng = random.Random(seed)
    frames: list[str] = source["frames"]
    identity_groups: dict[str, list[str]] = source["identity_groups"]
    groups = [group for terms in identity_groups.values() for group in terms]
    literal: list[tuple[str, str]] = []
    templated: list[tuple[str, str]] = []
    for category, tasks in source["harmful_tasks"].items():
        for task in tasks:
            if "{g}" in task:
                for group in groups:
                    templated.append(
                        (rng.choice(frames).format(t=task.replace("{g}", group)), category)
                    )
            else:
                literal.extend(
                    (frame.format(t=task), category)
                    for frame in rng.sample(frames, FRAMES_PER_TASK)
                )
    for category, texts in source["harmful_text"].items():
        for text in texts:
            if "{g}" in text:
                templated.extend((text.replace("{g}", group), category) for group in groups)
            else:
                literal.append((text, category))
    for task in source["benign_tasks"]:
        literal.extend(
            (frame.format(t=task), BENIGN) for frame in rng.sample(frames, FRAMES_PER_TASK)
        )
    for text in source["benign_questions"] + source["course_sentences"]:
        literal.append((text, BENIGN))
    for frame in source["benign_group_frames"]:
        templated.extend((frame.format(g=group), BENIGN) for group in groups)
    augmented = [
        (swapped, label)
        for text, label in literal
        for swapped in counterfactuals(text, identity_groups)
    ]
    return list(dict.fromkeys(literal + augmented + templated))


def train(encoder: Encoder, source_path: Path = SOURCE, out: Path = WEIGHTS) -> dict[str, int]:
    """Fit the classifier and save coefficients, intercepts and class names as .npz."""
    from sklearn.linear_model import LogisticRegression

    source = json.loads(source_path.read_text(encoding="utf-8"))
    pairs = expand(source)
    texts = [text for text, _ in pairs]
    labels = [label for _, label in pairs]
    features = encoder([mask_identity_groups(text) for text in texts])
    questions = set(source["benign_questions"])
    weights = np.array([FRAMES_PER_TASK if text in questions else 1.0 for text in texts])
    model = LogisticRegression(C=C_VALUE, class_weight="balanced", max_iter=5000)
    model.fit(features, labels, sample_weight=weights)
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
