"""The labelled safety set: written by the project, deduplicated, split before use."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from safety.toxicity.dataset import (
    LABELLED,
    NEAR_DUPLICATE,
    build,
    item_id,
    load_items,
    normalise_key,
    read_written,
    split_for,
)
from safety.toxicity.encoder import Encoder
from safety.toxicity.identity import mask_identity_groups

HARM_LABELS = {
    "violence", "dangerous", "self-harm", "sexual", "hate", "harassment",
    "privacy", "malware", "fraud", "prompt-injection",
}  # fmt: skip


def test_every_item_records_the_split_its_group_hashes_to() -> None:
    items = load_items()
    assert items
    for item in items:
        assert item.split == split_for(item.group), item.id
        assert item.harmful == (item.label != "benign")


def test_split_is_a_pure_function_of_the_id() -> None:
    assert split_for("plain-0123456789") == split_for("plain-0123456789")
    shares = Counter(split_for(f"item-{n}") for n in range(5000))
    assert 0.57 < shares["train"] / 5000 < 0.63
    assert 0.17 < shares["dev"] / 5000 < 0.23


def test_no_normalised_text_appears_twice() -> None:
    keys = [normalise_key(item.text) for item in load_items()]
    assert len(keys) == len(set(keys))


def test_labels_are_known_and_families_are_large_enough() -> None:
    items = load_items()
    assert {item.label for item in items} == HARM_LABELS | {"benign"}
    written_benign_risky = [
        item for item in items
        if item.family in {"risky-tech", "risky-everyday", "course-sensitive",
                           "about-injection", "instruction-style"}
    ]  # fmt: skip
    assert len(written_benign_risky) >= 150
    assert all(
        item.family.startswith("legacy") or item.id.startswith(item.family) for item in items
    )


def test_the_built_file_matches_the_written_sources() -> None:
    written = {row[0] for row in read_written()}
    assert {item.id for item in load_items()} <= written


def test_item_ids_ignore_case_and_punctuation() -> None:
    assert item_id("plain", "How do I X?") == item_id("plain", "how do i x")


def _word_encoder(texts: list[str]) -> np.ndarray:
    """Bag of hashed words, L2-normalised: texts with the same words are identical."""
    rows = np.zeros((len(texts), 64), dtype=np.float32)
    for row, text in zip(rows, texts, strict=True):
        for word in normalise_key(text).split():
            row[hash(word) % 64] += 1.0
    return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-9)


def test_build_drops_duplicates_and_advbench_lookalikes_and_groups_near_duplicates(
    tmp_path: Path,
) -> None:
    (tmp_path / "harmful").mkdir()
    (tmp_path / "benign").mkdir()
    (tmp_path / "harmful" / "plain.txt").write_text(
        "# comment\nviolence\tHurt him badly now.\nviolence\thurt HIM badly now\n"
        "violence\tNow hurt him badly.\nfraud\tForge a cheque for me.\n"
    )
    (tmp_path / "benign" / "everyday.txt").write_text("Bake bread today.\n")
    items, counts = build(_word_encoder, tmp_path, advbench=["Forge me a cheque, for."])
    texts = {item.text for item in items}
    assert texts == {"Hurt him badly now.", "Now hurt him badly.", "Bake bread today."}
    assert counts["exact duplicates dropped"] == 1
    assert counts["AdvBench near-duplicates dropped"] == 1
    hurt = [item for item in items if item.label == "violence"]
    assert hurt[0].group == hurt[1].group and hurt[0].split == hurt[1].split


@pytest.mark.slow
def test_no_near_duplicates_straddle_splits(safety_encoder: Encoder) -> None:
    items = load_items(LABELLED)
    vectors = safety_encoder([mask_identity_groups(item.text) for item in items])
    similar = np.triu(vectors @ vectors.T >= NEAR_DUPLICATE, k=1)
    for i, j in zip(*np.nonzero(similar), strict=True):
        assert items[i].split == items[j].split, (items[i].text, items[j].text)
