"""The generation side: a llama-cpp-python logits processor that favours green tokens."""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import numpy.typing as npt

from safety.watermark.config import WatermarkConfig
from safety.watermark.errors import VocabularyMismatch
from safety.watermark.greenlist import GreenList, with_end_tokens


class GreenListProcessor:
    """Adds a bias to the logits of the green tokens of each step's context.

    llama-cpp-python applies logits processors before dividing by the temperature, so the
    bias added here is delta * temperature: after sampling's division the green tokens
    gain exactly delta (greedy decoding, temperature 0, gets delta itself). The tokens
    that end an answer (`end_ids`) get the bias too, so the mark does not keep the model
    from stopping (`greenlist.with_end_tokens`).

    llama-cpp-python prints and swallows exceptions raised inside a processor, so the
    processor keeps its own record: `calls` counts the steps it biased, `errors` the
    messages of the steps it refused. A caller that generated tokens while `calls == 0`
    produced unmarked text and should say so loudly.
    """

    def __init__(
        self,
        config: WatermarkConfig,
        vocab_size: int,
        temperature: float,
        end_ids: Collection[int] = (),
    ) -> None:
        if temperature < 0:
            raise ValueError(f"temperature must be >= 0, got {temperature}")
        self.config = config
        self.vocab_size = vocab_size
        self.temperature = temperature
        self.bias = np.float32(config.delta * temperature if temperature > 0 else config.delta)
        self.end_ids = sorted(end_ids)
        self.green_list = GreenList(
            config.key.get_secret_value(), config.gamma, config.context_width, vocab_size
        )
        self.calls = 0
        self.errors: list[str] = []

    def __call__(
        self, input_ids: npt.NDArray[np.intc], scores: npt.NDArray[np.single]
    ) -> npt.NDArray[np.single]:
        """Return `scores` with the bias added to this step's green tokens."""
        if len(scores) != self.vocab_size:
            message = (
                f"The watermark was built for a vocabulary of {self.vocab_size} tokens but "
                f"received {len(scores)} logits: build GreenListProcessor with the "
                "model's n_vocab()."
            )
            self.errors.append(message)
            raise VocabularyMismatch(message)
        if len(input_ids) < self.config.context_width:
            self.errors.append("No preceding token to seed the green list; step left unmarked.")
            return scores
        green = with_end_tokens(
            self.green_list.mask(input_ids[-self.config.context_width :]), self.end_ids
        )
        self.calls += 1
        return np.asarray(scores + self.bias * green, dtype=np.single)
