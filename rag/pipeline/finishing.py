"""Step 7: finish: turn the model's raw draft into the answer that is shown.

Grounding, composition and the fallback to the course's own words are decided here, in
one place: the draft's sentences are checked against the passages the model read;
in quote-first mode the answer is the opening quote plus the supported generated
sentences that add to it; in "generate" mode the supported sentences stand alone, and
a quote replaces them when none is supported. A question whose premise no passage
supports gets the correction and the quote, no generated sentences: a small model goes
along with the premise it is given. With nothing left, the assistant abstains.
"""

from __future__ import annotations

from rag.compose import compose
from rag.grounding import GroundingChecker
from rag.pipeline.messages import Wording, abstain
from rag.pipeline.quoting import QuoteStep
from rag.pipeline.turn import Turn, timed
from rag.pipeline.watermarking import WatermarkStep
from rag.setting_groups import AnswerSettings


def drop_unfinished_sentence(text: str) -> str:
    """Cut a draft that hit the token limit back to its last complete sentence."""
    end = max(text.rfind(". "), text.rfind("! "), text.rfind("? "), text.rfind(".\n"))
    if text.endswith((".", "!", "?")):
        return text
    return text[: end + 1] if end > 0 else text


class FinishStep:
    """Grounds and composes the answer, then tests the generated tokens for the mark."""

    def __init__(
        self,
        grounding: GroundingChecker,
        quotes: QuoteStep,
        watermark: WatermarkStep,
        config: AnswerSettings,
        wording: Wording | None = None,
    ) -> None:
        self.grounding = grounding
        self.quotes = quotes
        self.watermark = watermark
        self.config = config
        self.wording = wording or Wording()

    def finish(self, turn: Turn) -> None:
        with timed(turn.timings, "grounding_s"):
            self._ground(turn)
        answer = turn.answer
        shows_generated_text = not (answer.abstained or answer.extractive)
        if shows_generated_text and turn.result is not None:
            answer.watermark = self.watermark.report(turn.result.token_ids, applied=turn.marked)

    def _ground(self, turn: Turn) -> None:
        assert turn.plan is not None and turn.result is not None, "generate before finishing"
        answer, passages = turn.answer, turn.plan.passages
        raw = turn.result.text.strip()
        if turn.result.finish_reason == "length":
            raw = drop_unfinished_sentence(raw)
        if self.config.grounding == "off":
            answer.text = raw or self.wording.not_covered
            answer.citations = [c for p in passages for c in self.grounding.cite_whole(p)]
            for n, citation in enumerate(answer.citations, start=1):
                citation.n = n
            answer.abstained = not raw
            return
        grounded = self.grounding.check(raw, passages, self.config.grounding)
        supported = any(s.supported for s in grounded.sentences)
        if not self.config.quote_first and supported and turn.premise is None:
            answer.text, answer.citations = grounded.text, grounded.citations
            answer.sentences = grounded.sentences
            return
        quote = None
        if self.config.quote_first or self.config.extractive_fallback or turn.premise:
            quote = self.quotes.quote(turn)
        composed = compose(
            quote,
            grounded,
            0 if turn.premise is not None else self.config.max_generated_sentences,
            self.config.tuning.redundant_overlap,
        )
        answer.sentences = composed.sentences
        if composed.quoted or composed.generated:
            answer.text, answer.citations = composed.text, composed.citations
            answer.extractive = composed.generated == 0
            return
        if turn.premise is not None:
            abstain(answer, "premise-not-supported", self.wording.premise_not_stated(turn.premise))
            return
        abstain(answer, "unsupported", self.wording.unsupported_draft)
