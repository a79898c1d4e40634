"""The classifier head's forward pass, shared by the guard and by training."""

from __future__ import annotations

import numpy as np

Layer = tuple[np.ndarray, np.ndarray]
"""(weight of shape (inputs, outputs), bias of shape (outputs,))."""


def head_probabilities(layers: list[Layer], features: np.ndarray) -> np.ndarray:
    """Softmax over the last layer's outputs; ReLU between layers (none for one layer,
    which is a multinomial logistic regression)."""
    hidden = np.asarray(features, dtype=np.float32)
    for k, (weight, bias) in enumerate(layers):
        hidden = hidden @ weight + bias
        if k < len(layers) - 1:
            hidden = np.maximum(hidden, 0.0)
    hidden = hidden - hidden.max(axis=1, keepdims=True)
    probs = np.exp(hidden)
    return np.asarray(probs / probs.sum(axis=1, keepdims=True))
