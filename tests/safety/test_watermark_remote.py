"""The probe contract between the app and a server-side watermark processor."""

from __future__ import annotations

from pydantic import SecretStr

from safety.watermark import WatermarkConfig
from safety.watermark.remote import (
    PROBE_LENGTH,
    PROCESSOR_VERSION,
    fingerprint,
    probe_mismatch,
    probe_tokens,
    read_probe,
)


def test_probe_round_trips_version_and_fingerprint() -> None:
    config = WatermarkConfig()
    tokens = probe_tokens(config)
    assert len(tokens) == PROBE_LENGTH
    assert read_probe(tokens) == (PROCESSOR_VERSION, fingerprint(config))
    assert probe_mismatch(config, tokens) is None


def test_fingerprint_changes_with_key_and_parameters_not_strength() -> None:
    base = WatermarkConfig()
    assert fingerprint(base) != fingerprint(WatermarkConfig(key=SecretStr("other")))
    assert fingerprint(base) != fingerprint(WatermarkConfig(gamma=0.5))
    assert fingerprint(base) != fingerprint(WatermarkConfig(context_width=2))
    assert fingerprint(base) == fingerprint(WatermarkConfig(delta=3.0))
    assert "coursebot-default" not in fingerprint(base)


def test_mismatches_say_which_part_differs() -> None:
    app = WatermarkConfig()
    other_key = probe_tokens(WatermarkConfig(key=SecretStr("other")))
    assert "COURSEBOT_WATERMARK__KEY" in (probe_mismatch(app, other_key) or "")
    old = probe_tokens(app, version=PROCESSOR_VERSION + 1)
    assert "version" in (probe_mismatch(app, old) or "")
    assert "not loaded" in (probe_mismatch(app, [5, 6, 7]) or "")
    assert read_probe([0] * PROBE_LENGTH) is None
