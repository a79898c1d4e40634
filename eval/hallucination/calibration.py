"""Calibrate the claim verifier on labelled (claim, passage, supported) pairs.

Method: stratified k-fold cross-validation. On each training split a grid search picks the
embedding weight and threshold with the best balanced accuracy; the held-out fold is scored
with them; the reported accuracy, precision, recall and F1 pool the held-out predictions of
all folds (positive class = "supported"). The configuration used for evaluation runs is then
fitted on all pairs.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError

from eval.hallucination.errors import LabelFileError
from eval.hallucination.verifier import ClaimVerifier, Features, VerifierConfig

WEIGHTS = (0.0, 0.25, 0.4, 0.5, 0.6, 0.75, 1.0)
THRESHOLDS = tuple(round(t, 3) for t in np.arange(0.20, 0.95, 0.01))


class LabelledPair(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    claim: str
    passage: str
    section: str = ""
    supported: bool
    category: str = ""


class Scores(BaseModel):
    n: int
    accuracy: float
    precision: float
    recall: float
    f1: float
    unsupported_recall: float


class Calibration(BaseModel):
    """What the verifier was calibrated to, and how well it does on held-out pairs."""

    config: VerifierConfig
    method: str
    folds: int
    cross_validated: Scores
    by_category: dict[str, float]
    labels_file: str


def load_labels(path: Path) -> list[LabelledPair]:
    if not path.is_file():
        raise LabelFileError(f"Verifier label file not found: {path}.")
    pairs = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            pairs.append(LabelledPair.model_validate(json.loads(line)))
        except (json.JSONDecodeError, ValidationError) as exc:
            raise LabelFileError(f"{path}, line {number}: {exc}") from None
    return pairs


def calibrate(
    verifier: ClaimVerifier, pairs: Sequence[LabelledPair], folds: int = 5, seed: int = 0
) -> Calibration:
    """Cross-validate, then set `verifier.config` to the grid point fitted on all pairs."""
    verifier.warm([p.claim for p in pairs], sorted({_passage_text(p) for p in pairs}))
    feats = [verifier.features(p.claim, _passage_text(p)) for p in pairs]
    labels = np.array([p.supported for p in pairs])
    predicted = np.zeros(len(pairs), dtype=bool)
    for held_out in _stratified_folds(labels, folds, seed):
        train = np.setdiff1d(np.arange(len(pairs)), held_out)
        config = _fit([feats[i] for i in train], labels[train], verifier.config)
        predicted[held_out] = [feats[i].score(config) >= config.threshold for i in held_out]
    verifier.config = _fit(feats, labels, verifier.config)
    categories = sorted({p.category for p in pairs})
    by_category = {
        c: float(
            np.mean([predicted[i] == labels[i] for i, p in enumerate(pairs) if p.category == c])
        )
        for c in categories
    }
    return Calibration(
        config=verifier.config,
        method=f"stratified {folds}-fold cross-validation (seed {seed}); pooled held-out "
        "predictions; final threshold fitted on all pairs",
        folds=folds,
        cross_validated=score_predictions(labels, predicted),
        by_category=by_category,
        labels_file="",
    )


def _passage_text(pair: LabelledPair) -> str:
    return f"{pair.section}: {pair.passage}" if pair.section else pair.passage


def _fit(feats: Sequence[Features], labels: np.ndarray, base: VerifierConfig) -> VerifierConfig:
    best: tuple[float, VerifierConfig] = (-1.0, base)
    for weight in WEIGHTS:
        trial = base.model_copy(update={"embedding_weight": weight})
        scores = np.array([f.score(trial) for f in feats])
        for threshold in THRESHOLDS:
            predicted = scores >= threshold
            balanced = 0.5 * (_rate(predicted[labels], True) + _rate(predicted[~labels], False))
            if balanced > best[0]:
                best = (balanced, trial.model_copy(update={"threshold": float(threshold)}))
    return best[1]


def _rate(values: np.ndarray, wanted: bool) -> float:
    return float(np.mean(values == wanted)) if len(values) else 0.0


def score_predictions(labels: np.ndarray, predicted: np.ndarray) -> Scores:
    tp = int(np.sum(predicted & labels))
    fp = int(np.sum(predicted & ~labels))
    fn = int(np.sum(~predicted & labels))
    tn = int(np.sum(~predicted & ~labels))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(
        n=len(labels),
        accuracy=(tp + tn) / len(labels) if len(labels) else 0.0,
        precision=precision,
        recall=recall,
        f1=f1,
        unsupported_recall=tn / (tn + fp) if tn + fp else 0.0,
    )


def _stratified_folds(labels: np.ndarray, folds: int, seed: int) -> list[np.ndarray]:
    rng = random.Random(seed)
    buckets: list[list[int]] = [[] for _ in range(folds)]
    for value in (True, False):
        indices = [i for i, label in enumerate(labels) if bool(label) is value]
        rng.shuffle(indices)
        for position, index in enumerate(indices):
            buckets[position % folds].append(index)
    return [np.array(sorted(b), dtype=int) for b in buckets if b]
