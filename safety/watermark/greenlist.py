"""Keyed green lists: which token ids are "green" after a given context.

The context (the preceding `context_width` token ids) is hashed with the secret key
(keyed BLAKE2b) into a 64-bit seed. A token is green after that context when a 64-bit mix
of (seed, token id) falls below gamma * 2**64. Membership depends only on the key, the
context and the token id, so generator and detector agree without sharing any state, and
the whole vocabulary is classified with a handful of vectorised integer operations
(no per-call permutation of the vocabulary).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MUL1 = np.uint64(0xBF58476D1CE4E5B9)
_MUL2 = np.uint64(0x94D049BB133111EB)


def mix64(values: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """SplitMix64's finaliser: a bijective, well-scrambling map of 64-bit integers."""
    with np.errstate(over="ignore"):
        z = values + _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * _MUL1
        z = (z ^ (z >> np.uint64(27))) * _MUL2
        return z ^ (z >> np.uint64(31))


class GreenList:
    """The keyed partition of token ids into green (fraction gamma) and red."""

    def __init__(self, key: str, gamma: float, context_width: int, vocab_size: int) -> None:
        if not 0.0 < gamma < 1.0:
            raise ValueError(f"gamma must be between 0 and 1, got {gamma}")
        if vocab_size < 2:
            raise ValueError(f"vocab_size must be at least 2, got {vocab_size}")
        self.gamma = gamma
        self.context_width = context_width
        self.vocab_size = vocab_size
        self._key = hashlib.blake2b(key.encode("utf-8"), digest_size=32).digest()
        salt = int.from_bytes(hashlib.blake2b(self._key, digest_size=8).digest(), "little")
        ids = np.arange(vocab_size, dtype=np.uint64)
        self._token_hash = mix64(ids ^ np.uint64(salt))
        self._cutoff = np.uint64(min(int(gamma * 2.0**64), 2**64 - 1))

    def seed(self, context: Sequence[int] | npt.NDArray[np.integer]) -> np.uint64:
        """The keyed 64-bit seed of one context (its last `context_width` ids)."""
        window = np.asarray(context, dtype=np.int64)[-self.context_width :]
        digest = hashlib.blake2b(window.tobytes(), key=self._key, digest_size=8).digest()
        return np.uint64(int.from_bytes(digest, "little"))

    def mask(self, context: Sequence[int] | npt.NDArray[np.integer]) -> npt.NDArray[np.bool_]:
        """A boolean per vocabulary id: True where the token is green after `context`."""
        return mix64(self._token_hash ^ self.seed(context)) < self._cutoff

    def is_green(
        self, seeds: npt.NDArray[np.uint64], token_ids: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.bool_]:
        """Element-wise: is token_ids[i] green after the context that produced seeds[i]?"""
        return mix64(self._token_hash[token_ids] ^ seeds) < self._cutoff


def with_end_tokens(green: npt.NDArray[np.bool_], end_ids: Sequence[int]) -> npt.NDArray[np.bool_]:
    """`green` with the ids that end an answer counted green too, for the generator's bias.

    A red end-of-turn token loses `delta` against every green token: at delta 4 its odds
    fall about 55-fold, and a small model then writes on to the token cap (on the course's
    dev questions the median answer went from about 30 tokens to about 140). Giving the end
    tokens the bias whatever their colour leaves when to stop to the model. The detector
    never scores an end token (generation stops there), so detection is unchanged. Ids
    outside `green` (another vocabulary's) are ignored.
    """
    ids = np.asarray(end_ids, dtype=np.intp)
    ids = ids[(ids >= 0) & (ids < len(green))]
    if not ids.size:
        return green
    favoured = green.copy()
    favoured[ids] = True
    return favoured
