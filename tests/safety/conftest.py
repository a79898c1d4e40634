"""Shared fixtures: the real encoder the shipped harm classifier was fitted on (the
bundled MiniLM, with its fine-tuned top when the weights name it), loaded once."""

from __future__ import annotations

import pytest

from safety import InputGuard, OutputGuard, SafetyPolicy
from safety.toxicity.dataset import WEIGHTS
from safety.toxicity.embedded import HarmClassifier, harm_encoder
from safety.toxicity.encoder import Encoder


@pytest.fixture(scope="session")
def safety_encoder() -> Encoder:
    return harm_encoder(HarmClassifier(WEIGHTS).encoder_name)


@pytest.fixture(scope="session")
def input_guard(safety_encoder: Encoder) -> InputGuard:
    return InputGuard(SafetyPolicy(), encoder=safety_encoder)


@pytest.fixture(scope="session")
def output_guard(safety_encoder: Encoder) -> OutputGuard:
    return OutputGuard(SafetyPolicy(), encoder=safety_encoder)
