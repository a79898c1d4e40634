"""Step 6: generate: the model writes its draft, watermarked, within the backend's slots.

Draft sentences are screened by the output guard before they are yielded (`rag.draft`),
so no caller of `Assistant.stream` ever sees unscreened model text.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

from rag.draft import DraftScreen
from rag.generation import Generator
from rag.pipeline.screening import OutputScreen
from rag.pipeline.turn import Turn
from rag.pipeline.watermarking import WatermarkStep
from rag.setting_groups import GenerationSettings


class GenerateStep:
    """Runs the generator on the turn's prompt and yields screened draft sentences."""

    def __init__(
        self,
        generator: Generator,
        slots: threading.Semaphore,
        decoding: GenerationSettings,
        watermark: WatermarkStep,
        screen: OutputScreen,
    ) -> None:
        self.generator = generator
        self.slots = slots
        self.decoding = decoding
        self.watermark = watermark
        self.screen = screen

    def run(self, turn: Turn, *, drafts: bool = True) -> Iterator[str]:
        """Generate; yield each draft sentence the output guard passed (if `drafts`).

        Fills `turn.result`, the generation timings and the token usage.
        """
        assert turn.plan is not None, "plan the prompt before generating"
        timings = turn.timings
        processor = self.watermark.processor()
        server_mark = self.watermark.on_server
        screen = DraftScreen(lambda s, context: self.screen.screen(s, timings, context).shown)
        started = time.perf_counter()
        with self.slots:
            generation = self.generator.stream(
                turn.plan.messages,
                max_tokens=self.decoding.max_answer_tokens,
                temperature=self.decoding.temperature,
                top_p=self.decoding.top_p,
                logits_processor=processor,
                server_mark=server_mark,
            )
            try:
                for piece in generation:
                    if drafts:
                        yield from screen.feed_sentences(piece)
                if drafts:
                    yield from screen.flush()
            finally:
                generation.close()
        result = generation.result
        timings.generation_s = time.perf_counter() - started
        if result.first_token_s is not None:
            timings.first_token_s = turn.elapsed() - (timings.generation_s - result.first_token_s)
        if timings.first_text_s is None:
            timings.first_text_s = timings.first_token_s
        turn.result = result
        turn.marked = processor is not None or server_mark
        answer = turn.answer
        answer.raw_text = result.text
        answer.generated_token_ids = result.token_ids
        answer.usage.prompt_tokens = result.prompt_tokens
        answer.usage.completion_tokens = max(result.completion_tokens, len(result.token_ids))
