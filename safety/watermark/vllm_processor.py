"""coursebot's watermark inside a vLLM (v1, pinned 0.32.0) server.

Loaded at server start:

    python -m vllm.entrypoints.openai.api_server --model DIR \\
        --logits-processors safety.watermark.vllm_processor:CoursebotWatermark

The key and parameters come from the server's environment (`COURSEBOT_WATERMARK__KEY`,
`..._GAMMA`, `..._DELTA`, `..._CONTEXT_WIDTH`; see `server_env`). A request opts in through
`vllm_xargs`: `{"coursebot_mark": 1}` to be marked, `{"coursebot_probe": 1}` for the
fingerprint probe (see `remote`); every other request is generated unchanged.

What vLLM 0.32 does around a processor, read in its source (v1/sample/sampler.py,
v1/worker/gpu_input_batch.py, platforms/cpu.py):

- A processor whose `is_argmax_invariant()` is False runs in `apply_logits_processors`,
  on float32 logits, before penalties and before `apply_temperature` divides by the
  request's temperature (requests below 1e-5 are sampled greedily, undivided). That is
  the order llama-cpp-python uses, so the bias is `delta * temperature` on both.
- `update_state` receives a `BatchUpdate` before each step: removed rows, then added
  `(row, SamplingParams, prompt ids, live output ids)`, then moves or swaps.
- `SamplingParams.all_stop_token_ids` holds the request's end ids (the model's EOS ids and
  its `stop_token_ids`); they get the green bias too, unless the request ignores EOS.
- Under asynchronous scheduling the output list can end with a placeholder -1; when a
  custom processor is loaded vLLM copies the real ids in before `apply`, and the CPU
  platform turns asynchronous scheduling off. `BatchMarker` still skips (and counts) any
  step whose context holds a -1, so `--no-async-scheduling` is not needed.

vLLM is imported only here, and is absent from the app's environment: importing this
module there raises ImportError (its tests skip).
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING

import torch
from vllm.v1.sample.logits_processor import (
    BatchUpdate,
    LogitsProcessor,
    MoveDirectionality,
)

from safety.watermark.batch_marker import BatchMarker
from safety.watermark.remote import PROCESSOR_VERSION, fingerprint
from safety.watermark.server_env import config_from_env

if TYPE_CHECKING:
    from vllm.config import VllmConfig

logger = logging.getLogger("vllm.coursebot_watermark")
"""Under vLLM's logger, so its lines appear in the server's log with vLLM's own."""


class CoursebotWatermark(LogitsProcessor):
    """vLLM's batch-level logits processor, delegating every row to a `BatchMarker`."""

    def __init__(self, vllm_config: VllmConfig, device: torch.device, is_pin_memory: bool) -> None:
        config = config_from_env(os.environ)
        self.marker = BatchMarker(config)
        self._reported_skips = 0
        logger.info(
            "coursebot watermark processor v%d loaded (key fingerprint %s, gamma %s, delta %s, "
            "context width %d)",
            PROCESSOR_VERSION,
            fingerprint(config),
            config.gamma,
            config.delta,
            config.context_width,
        )

    def is_argmax_invariant(self) -> bool:
        """False: the bias changes greedy choices, so vLLM applies it before sampling."""
        return False

    def update_state(self, batch_update: BatchUpdate | None) -> None:
        """Follow the requests in and out of the batch's rows (removed, added, moved)."""
        if batch_update is None:
            return
        marker = self.marker
        for index in batch_update.removed:
            marker.remove(index)
        for index, params, prompt_ids, output_ids in batch_update.added:
            marker.add(
                index,
                params.extra_args,
                params.temperature,
                prompt_ids,
                output_ids,
                end_ids=() if params.ignore_eos else params.all_stop_token_ids,
            )
        for source, target, direction in batch_update.moved:
            marker.move(source, target, swap=direction == MoveDirectionality.SWAP)

    def apply(self, logits: torch.Tensor) -> torch.Tensor:
        """Mark or probe the rows that asked for it (in place)."""
        result = self.marker.apply(logits)
        if self.marker.skipped > self._reported_skips:
            logger.warning(
                "coursebot watermark: %d marked steps so far had no usable context "
                "(placeholder token ids) and were left unmarked",
                self.marker.skipped,
            )
            self._reported_skips = self.marker.skipped * 2
        return result
