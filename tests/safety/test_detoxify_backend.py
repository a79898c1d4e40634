"""The Detoxify backend through Detoxify's real loading code, on a tiny random BERT."""

from __future__ import annotations

from pathlib import Path

import pytest

from safety import InputGuard, SafetyModelError, SafetyPolicy

CLASSES = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]
WORDS = ["what", "is", "data", "drift", "how", "do", "i", "build", "a", "bomb", "?", "the"]


def build_tiny_checkpoint(folder: Path) -> Path:
    """Save a random 2-layer BERT in Detoxify's checkpoint layout; return the .ckpt path."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

    folder.mkdir(parents=True, exist_ok=True)
    vocab = folder / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS]) + "\n")
    config = BertConfig(
        vocab_size=5 + len(WORDS),
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=64,
        num_labels=len(CLASSES),
    )
    torch.manual_seed(0)
    model = BertForSequenceClassification(config)
    config.save_pretrained(folder)
    BertTokenizer(str(vocab)).save_pretrained(folder)
    checkpoint = folder / "tiny.ckpt"
    torch.save(
        {
            "state_dict": model.state_dict(),
            "config": {
                "arch": {
                    "args": {
                        "model_type": str(folder),
                        "model_name": "BertForSequenceClassification",
                        "tokenizer_name": "BertTokenizer",
                        "num_classes": len(CLASSES),
                    }
                },
                "dataset": {"args": {"classes": CLASSES}},
            },
        },
        checkpoint,
    )
    return checkpoint


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("detoxify")
    return build_tiny_checkpoint(folder), folder


def _policy(checkpoint: Path, folder: Path) -> SafetyPolicy:
    return SafetyPolicy(
        toxicity_backend="detoxify", detoxify_checkpoint=checkpoint, detoxify_config_dir=folder
    )


def test_real_detoxify_loading_path_scores_every_category(tiny: tuple[Path, Path]) -> None:
    checkpoint, folder = tiny
    verdict = InputGuard(_policy(checkpoint, folder)).check("what is data drift?")
    for category in ("toxicity", "profanity", "violence", "harassment", "hate"):
        assert 0.0 <= verdict.scores[category] <= 1.0
    assert verdict.check_ms["toxicity"] > 0


def test_missing_checkpoint_raises_typed_error(tmp_path: Path) -> None:
    with pytest.raises(SafetyModelError, match="does not exist"):
        InputGuard(_policy(tmp_path / "absent.ckpt", tmp_path))


def test_missing_settings_raise_typed_error() -> None:
    with pytest.raises(SafetyModelError, match="detoxify_checkpoint"):
        InputGuard(SafetyPolicy(toxicity_backend="detoxify"))


def test_corrupt_checkpoint_raises_typed_error(tmp_path: Path, tiny: tuple[Path, Path]) -> None:
    corrupt = tmp_path / "corrupt.ckpt"
    corrupt.write_bytes(b"not a torch file at all")
    with pytest.raises(SafetyModelError, match="corrupt"):
        InputGuard(_policy(corrupt, tiny[1]))
