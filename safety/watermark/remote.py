"""The contract between coursebot and a green-list processor running inside a serving engine.

When generation runs on a remote server (vLLM), the processor that marks tokens lives in the
server's process and the detector in the app's. They must agree on the key and parameters,
or the app would report "not marked" on every answer (or worse, the server would mark with a
key nobody holds). Two things keep them honest:

- `fingerprint(config)`: a short keyed hash of everything detection depends on (key, gamma,
  context width). It reveals nothing about the key.
- The probe: a request carrying `PROBE_ARG` makes the server-side processor force the exact
  token ids `probe_tokens(config)`: its processor version, then its fingerprint, one hex
  digit per token. The app compares them with its own. A reply that differs proves a
  different key, a different version, or no processor at all, and it travels through any
  proxy or router that forwards ordinary completion requests.

A request carrying `MARK_ARG` (the value is ignored, presence switches it on) is marked; any
other request is generated unchanged, so one server can also serve unmarked traffic.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from safety.watermark.config import WatermarkConfig

PROCESSOR_VERSION = 2
"""Bumped whenever the processor would mark differently for the same key and parameters."""

MARK_ARG = "coursebot_mark"
PROBE_ARG = "coursebot_probe"

PROBE_BASE_TOKEN = 1000
"""Hex digit d is sent as token id PROBE_BASE_TOKEN + d: ordinary ids, clear of the special
tokens at the start of common vocabularies, and below any vocabulary size a chat model has."""

VERSION_DIGITS = 4
FINGERPRINT_DIGITS = 16
PROBE_LENGTH = VERSION_DIGITS + FINGERPRINT_DIGITS


def fingerprint(config: WatermarkConfig) -> str:
    """16 hex digits naming the key and the parameters detection depends on."""
    material = "\x1f".join(
        [
            "coursebot-watermark",
            config.key.get_secret_value(),
            repr(float(config.gamma)),
            str(config.context_width),
        ]
    )
    return hashlib.blake2b(material.encode("utf-8"), digest_size=8).hexdigest()


def probe_tokens(config: WatermarkConfig, version: int = PROCESSOR_VERSION) -> list[int]:
    """The token ids a processor of `version` holding `config` forces on a probe request."""
    digits = f"{version:0{VERSION_DIGITS}x}{fingerprint(config)}"
    return [PROBE_BASE_TOKEN + int(digit, 16) for digit in digits]


def read_probe(token_ids: Sequence[int]) -> tuple[int, str] | None:
    """(version, fingerprint) from a probe reply, or None when it is not one."""
    if len(token_ids) != PROBE_LENGTH:
        return None
    digits = []
    for token in token_ids:
        value = int(token) - PROBE_BASE_TOKEN
        if not 0 <= value < 16:
            return None
        digits.append(f"{value:x}")
    text = "".join(digits)
    return int(text[:VERSION_DIGITS], 16), text[VERSION_DIGITS:]


def probe_mismatch(config: WatermarkConfig, token_ids: Sequence[int]) -> str | None:
    """Why a probe reply does not match this app's watermark, or None when it matches."""
    reply = read_probe(token_ids)
    if reply is None:
        return (
            "the server did not answer the watermark probe: its coursebot processor is not "
            "loaded (start vLLM with --logits-processors as `make serve` does)"
        )
    version, server_print = reply
    if version != PROCESSOR_VERSION:
        return (
            f"the server's watermark processor is version {version}, this app expects "
            f"{PROCESSOR_VERSION}: install the same coursebot on both"
        )
    if server_print != fingerprint(config):
        return (
            f"the server marks with key fingerprint {server_print}, this app detects with "
            f"{fingerprint(config)}: give both the same COURSEBOT_WATERMARK__KEY"
        )
    return None
