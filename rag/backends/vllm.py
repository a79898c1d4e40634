"""Generation on vLLM with coursebot's green-list processor loaded in the server.

The server holds the key; a request carrying `MARK_ARG` in `vllm_xargs` is marked there,
and `return_token_ids` brings back the exact generated ids for the app's detector. Before
an endpoint is used it must pass the probe (`safety.watermark.remote`): a server without
the processor, with another key or another processor version fails with the reason, and
no answer is generated unmarked.
"""

from __future__ import annotations

from typing import Any

import httpx

from rag.backends.endpoints import Endpoint
from rag.backends.openai_compat import OpenAICompatGenerator, TokenCounter
from rag.errors import WatermarkServerMismatch
from rag.generation import MarkSite
from rag.setting_groups import LlmSettings
from safety.watermark import WatermarkConfig
from safety.watermark.remote import MARK_ARG, PROBE_ARG, PROBE_LENGTH, probe_mismatch

PROBE_PROMPT = "coursebot watermark probe"


class VllmGenerator(OpenAICompatGenerator):
    """An OpenAI-compatible generator whose server applies the watermark."""

    kind = "vllm"

    def __init__(
        self,
        llm: LlmSettings,
        *,
        n_vocab: int,
        count_tokens: TokenCounter | None = None,
        concurrency: int,
        watermark: WatermarkConfig,
        client: httpx.Client | None = None,
    ) -> None:
        super().__init__(
            llm, n_vocab=n_vocab, count_tokens=count_tokens, concurrency=concurrency, client=client
        )
        self.watermark = watermark

    @property
    def mark_site(self) -> MarkSite:
        return "on server"

    @property
    def sends_seed(self) -> bool:
        return self.settings.vllm_request_seed

    def extra_body(self, server_mark: bool) -> dict[str, Any]:
        llm = self.settings
        body: dict[str, Any] = {
            "return_token_ids": True,
            "top_k": llm.decoding_top_k,
            "min_p": llm.decoding_min_p,
            "repetition_penalty": llm.decoding_repetition_penalty,
        }
        if server_mark:
            body["vllm_xargs"] = {MARK_ARG: 1}
        return body

    def check_endpoint(self, endpoint: Endpoint) -> None:
        """Send the probe; a reply that is not this app's key and version is an error."""
        if not self.watermark.enabled:
            return
        data = self.post_json(
            endpoint,
            "/v1/completions",
            {
                "model": self.model,
                "prompt": PROBE_PROMPT,
                "max_tokens": PROBE_LENGTH,
                "temperature": 0.0,
                "ignore_eos": True,
                "return_token_ids": True,
                "vllm_xargs": {PROBE_ARG: 1},
            },
        )
        choices = data.get("choices") or [{}]
        token_ids = choices[0].get("token_ids") or []
        mismatch = probe_mismatch(self.watermark, [int(t) for t in token_ids])
        if mismatch is not None:
            raise WatermarkServerMismatch(f"{endpoint.url}: {mismatch}.")
