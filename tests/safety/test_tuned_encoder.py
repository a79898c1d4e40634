"""The fine-tuned top of MiniLM: saving and applying layers, and the training metric."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from safety.errors import SafetyModelError
from safety.toxicity.dataset import WEIGHTS
from safety.toxicity.embedded import HarmClassifier, harm_encoder
from safety.toxicity.finetune import recall_at_fpr
from safety.toxicity.tuned import apply_top, save_top


def _tiny_bert(seed: int) -> Any:
    import torch
    from transformers import BertConfig, BertModel

    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=50, hidden_size=8, num_hidden_layers=3, num_attention_heads=2,
        intermediate_size=16, max_position_embeddings=16,
    )  # fmt: skip
    return BertModel(config)


def test_saved_top_layers_replace_those_of_another_model(tmp_path: Path) -> None:
    import torch

    tuned, other = _tiny_bert(0), _tiny_bert(1)
    path = tmp_path / "top.npz"
    save_top(path, 2, tuned.encoder.layer[2:])
    assert apply_top(other.encoder.layer, path) == 1
    mine = tuned.encoder.layer[2].state_dict()
    theirs = other.encoder.layer[2].state_dict()
    assert all(torch.allclose(mine[k], theirs[k], atol=1e-2) for k in mine)
    lower_mine = tuned.encoder.layer[1].state_dict()
    lower_theirs = other.encoder.layer[1].state_dict()
    assert not torch.allclose(
        lower_mine["output.dense.weight"], lower_theirs["output.dense.weight"]
    )


def test_top_layers_that_do_not_fit_are_a_clear_error(tmp_path: Path) -> None:
    small = _tiny_bert(0)
    path = tmp_path / "top.npz"
    save_top(path, 5, small.encoder.layer[2:])
    with pytest.raises(SafetyModelError, match="make train-safety"):
        apply_top(small.encoder.layer, path)
    with pytest.raises(SafetyModelError, match="missing"):
        apply_top(small.encoder.layer, tmp_path / "absent.npz")


def test_recall_at_fpr_uses_the_strictest_threshold_that_keeps_benign_passing() -> None:
    harm = np.array([0.9, 0.8, 0.4, 0.1, 0.2, 0.3, 0.85])
    harmful = np.array([True, True, True, False, False, False, False])
    assert recall_at_fpr(harm, harmful, max_fpr=0.0) == pytest.approx(1 / 3)
    assert recall_at_fpr(harm, harmful, max_fpr=0.25) == pytest.approx(1.0)


def test_an_unknown_encoder_name_is_a_clear_error() -> None:
    with pytest.raises(SafetyModelError, match="rebuild"):
        harm_encoder("some-other-model")


@pytest.mark.slow
def test_shipped_classifier_loads_the_encoder_it_names() -> None:
    classifier = HarmClassifier(WEIGHTS)
    vectors = harm_encoder(classifier.encoder_name)(["How do I kill a Python process?"])
    assert vectors.shape == (1, classifier.input_dim)
    assert np.linalg.norm(vectors) == pytest.approx(1.0, abs=1e-4)


@pytest.mark.slow
def test_a_saved_top_applied_to_the_bundled_model_gives_its_embeddings(tmp_path: Path) -> None:
    from safety.toxicity.encoder import load_encoder
    from safety.toxicity.tuned import load_bert, load_tuned_encoder

    bert, _ = load_bert()
    path = tmp_path / "top.npz"
    save_top(path, 5, bert.encoder.layer[5:])
    assert path.stat().st_size < 4_000_000
    texts = ["How do I kill a Python process?", "Write a poem about the sea."]
    same = load_tuned_encoder(path)(texts)
    base = load_encoder()(texts)
    assert np.allclose(same, base, atol=2e-3)
