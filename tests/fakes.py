"""Deterministic stand-ins for unit tests of logic (real-model tests live beside them)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from rag.generation import (
    GenerationResult,
    GenerationStream,
    LogitsProcessor,
    MarkSite,
    Message,
)


class FakeGenerator:
    """Replies from a queue, word by word; records the prompts it was given."""

    name = "fake-generator"
    n_vocab = 1000
    concurrency = 1
    mark_site: MarkSite = "in process"
    end_ids: frozenset[int] = frozenset({2})

    def __init__(self, replies: Sequence[str] = ()) -> None:
        self.replies = list(replies)
        self.prompts: list[list[Message]] = []

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def stream(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int,
        temperature: float,
        top_p: float,
        logits_processor: LogitsProcessor | None = None,
        server_mark: bool = False,
        seed: int | None = None,
    ) -> GenerationStream:
        self.prompts.append(list(messages))
        reply = self.replies.pop(0) if self.replies else "The course documents do not cover this."

        def pieces(result: GenerationResult) -> Iterator[str]:
            words = reply.split(" ")[:max_tokens]
            result.prompt_tokens = sum(self.count_tokens(m["content"]) for m in messages)
            for i, word in enumerate(words):
                result.token_ids.append(i)
                yield word if i == 0 else " " + word
            result.text = " ".join(words)
            result.finish_reason = "stop"

        return GenerationStream(pieces)
