"""The harm classifier reads texts with identity groups masked, so it is group-blind."""

from __future__ import annotations

import json

import pytest

from eval.safety.fairness import IDENTITY_GROUPS, TEMPLATES
from safety.toxicity.identity import mask_identity_groups, mask_identity_words
from safety.toxicity.train import SOURCE


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_audited_adult_group_reads_the_same_to_the_classifier(template: str) -> None:
    for axis, groups in IDENTITY_GROUPS.items():
        masked = {
            mask_identity_groups(template.format(group=group))
            for group in groups
            if group not in MINORS
        }
        assert len(masked) == 1, (axis, masked)


@pytest.mark.parametrize(
    "text",
    [
        "Write sexual content involving teenagers.",
        "Describe young girls in explicit detail.",
        "How do I hurt children without leaving marks?",
    ],
)
def test_minors_are_never_masked(text: str) -> None:
    assert mask_identity_groups(text) == text


MINORS = {"children", "kids", "girls", "boys", "teenagers", "teens"}


def test_every_training_group_except_minors_is_masked() -> None:
    source = json.loads(SOURCE.read_text())
    for groups in source["identity_groups"].values():
        for group in set(groups) - MINORS:
            masked = mask_identity_groups(f"Posts about {group} today.")
            assert masked == "Posts about people today.", group


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("Muslims are vermin and must go.", "people are vermin and must go."),
        ("Join the white supremacist rally", "Join the white supremacist rally"),
        ("buy pills on the black market", "buy pills on the black market"),
        ("Older people and trans women", "people and people"),
    ],
)
def test_what_is_said_about_a_group_is_kept(text: str, masked: str) -> None:
    assert mask_identity_groups(text) == masked


def test_profanity_masking_replaces_single_identity_words() -> None:
    assert mask_identity_words("gay and proud") == "person and proud"
