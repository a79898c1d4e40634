"""Shared fixtures: the real bundled MiniLM, loaded once per test session."""

from __future__ import annotations

import pytest

from safety import InputGuard, OutputGuard, SafetyPolicy
from safety.toxicity.encoder import Encoder, load_encoder


@pytest.fixture(scope="session")
def safety_encoder() -> Encoder:
    return load_encoder()


@pytest.fixture(scope="session")
def input_guard(safety_encoder: Encoder) -> InputGuard:
    return InputGuard(SafetyPolicy(), encoder=safety_encoder)


@pytest.fixture(scope="session")
def output_guard(safety_encoder: Encoder) -> OutputGuard:
    return OutputGuard(SafetyPolicy(), encoder=safety_encoder)
