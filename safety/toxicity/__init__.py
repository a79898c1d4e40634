"""Toxicity and harm checks, picked by name from the policy (`embedded` or `detoxify`)."""

from __future__ import annotations

from safety.checks import Check
from safety.errors import SafetyConfigError
from safety.policy import SafetyPolicy
from safety.toxicity.encoder import Encoder, load_encoder


def build_toxicity_check(
    policy: SafetyPolicy, encoder: Encoder | None = None, *, answers: bool = False
) -> Check:
    """The toxicity check the policy names; loads models now, so errors surface early.
    `answers` makes the embedded check read texts as answers (the output guard)."""
    if policy.toxicity_backend == "detoxify":
        from safety.toxicity.detoxify_backend import DetoxifyToxicity

        return DetoxifyToxicity(policy.detoxify_checkpoint, policy.detoxify_config_dir)
    if policy.toxicity_backend == "embedded":
        from safety.toxicity.embedded import EmbeddedToxicity

        return EmbeddedToxicity(encoder, answers=answers)
    raise SafetyConfigError(f"Unknown toxicity backend {policy.toxicity_backend!r}.")


__all__ = ["Encoder", "build_toxicity_check", "load_encoder"]
