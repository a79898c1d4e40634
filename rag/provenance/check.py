"""The provenance check: the three signals over one text, combined into a report.

`provenance_report(text, settings)` is what `coursebot watermark detect` and the
Watermark page show. It needs the document index (for quotes), the model's tokenizer and
the key (for the watermark) and the answer memory in the turn log's database; whatever
is missing is reported as a note, never raised.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from rag.embeddings import Embedder
from rag.errors import CoursebotError
from rag.index import IndexStore
from rag.provenance.config import ProvenanceConfig
from rag.provenance.memory import MOSTLY_QUOTED, AnswerMatch, AnswerMemory, Evidence
from rag.provenance.quotes import QuoteIndex, QuoteSpan
from rag.provenance.reference import reference_vectors
from rag.provenance.report import (
    AnswerSignal,
    GeneratedSignal,
    ProvenanceReport,
    QuotedSignal,
    TextSpan,
    verdict_line,
)
from rag.provenance.shingles import Word, is_marker, shingle_strings, words
from rag.settings import Settings, load_settings
from rag.watermarking import detector, token_offsets, tokenize
from safety.watermark import WatermarkSpan, WatermarkVerdict

SHOWN_SPAN_CHARS = 300


class ProvenanceChecker:
    """Checks texts against one coursebot's documents, watermark key and answer memory."""

    def __init__(
        self,
        settings: Settings,
        config: ProvenanceConfig | None = None,
        *,
        quotes: QuoteIndex | None = None,
        reference: npt.NDArray[np.float32] | None = None,
        memory: AnswerMemory | None = None,
        notes: Sequence[str] = (),
    ) -> None:
        self.settings = settings
        self.config = config or settings.provenance
        self.quotes = quotes
        self.reference = reference
        self.memory = memory
        self.notes = list(notes)

    @classmethod
    def from_settings(
        cls,
        settings: Settings | None = None,
        config: ProvenanceConfig | None = None,
        embedder: Embedder | None = None,
    ) -> ProvenanceChecker:
        """Load the index and open the answer memory (neither is created if missing)."""
        settings = settings or load_settings()
        config = config or settings.provenance
        notes: list[str] = []
        quotes = reference = None
        try:
            data = IndexStore(settings.index_dir).load()
            quotes = QuoteIndex(data.chunks, config.shingle_words)
            reference = np.asarray(data.vectors, dtype=np.float32)
        except CoursebotError as exc:
            notes.append(f"Quotes not checked: {exc}")
        memory = None
        if config.enabled:
            memory = AnswerMemory(settings.db_path, config, embedder, create=False)
            if not memory.available:
                notes.append("No answer memory yet: no answers have been remembered.")
            elif memory.count():
                if memory.embedder is None:
                    from rag.components import make_embedder

                    memory.embedder = make_embedder(settings)
                if quotes is not None:
                    reference = reference_vectors(
                        memory.embedder, quotes.chunks, settings.data_dir / "provenance"
                    )
        else:
            notes.append("The answer memory is switched off.")
        return cls(settings, config, quotes=quotes, reference=reference, memory=memory, notes=notes)

    def report(self, text: str) -> ProvenanceReport:
        """The provenance report of `text`; bad input gets a report, never an exception."""
        text = text if isinstance(text, str) else ""
        notes = list(self.notes)
        total_chars = len(text)
        if total_chars > self.config.max_chars:
            text = text[: self.config.max_chars]
            notes.append(
                f"Only the first {self.config.max_chars:,} of {total_chars:,} characters "
                "were checked."
            )
        items = words(text)
        quoted = self._quoted(text, items)
        generated, marked_words = self._generated(text, items, quoted.spans)
        answer, answer_words = self._answer(text, items)
        count = len(items)
        quoted_words = self._mask(items, [(s.start, s.end) for s in quoted.spans])
        quoted.share = _share(quoted_words, count)
        generated.share = _share(
            [m and not q for m, q in zip(marked_words, quoted_words, strict=True)], count
        )
        answer.share = _share(answer_words, count)
        marked = generated.verdict == "watermarked" or bool(generated.spans)
        from_coursebot: bool | None
        if marked or answer.matches:
            from_coursebot = True
        elif count == 0 or (generated.verdict == "too short to tell" and quoted.share == 0):
            from_coursebot = None
        else:
            from_coursebot = False
        return ProvenanceReport(
            verdict=verdict_line(from_coursebot, quoted, generated, answer, count),
            from_coursebot=from_coursebot,
            words=count,
            characters=total_chars,
            analysed_characters=len(text),
            quoted=quoted,
            generated=generated,
            answer=answer,
            notes=[n for n in [*notes, generated.note, answer.note] if n],
        )

    def _quoted(self, text: str, items: list[Word]) -> QuotedSignal:
        if self.quotes is None:
            return QuotedSignal(available=False, note="No document index was available.")
        found: list[QuoteSpan] = self.quotes.find(
            text, self.config.quote_min_words, self.config.quote_max_gap, items
        )
        return QuotedSignal(
            spans=[
                TextSpan(
                    start=s.start,
                    end=s.end,
                    text=_shown(text, s.start, s.end),
                    source=s.source,
                    section=s.section,
                )
                for s in found
            ]
        )

    def _generated(
        self, text: str, items: list[Word], quoted: list[TextSpan]
    ) -> tuple[GeneratedSignal, list[bool]]:
        ids = tokenize(text, self.settings)
        offsets = token_offsets(ids, self.settings)
        ranges = [(s.start, s.end) for s in quoted]
        skip = [_inside((a + b) / 2, ranges) for a, b in offsets]
        mark = detector(self.settings)
        verdict: WatermarkVerdict = mark.detect(ids, skip=skip)
        spans: list[WatermarkSpan] = mark.detect_spans(ids, skip=skip) if ids else []
        char_spans = [
            (offsets[s.start][0], offsets[max(s.start, s.end - 1)][1]) for s in spans if s.end
        ]
        signal = GeneratedSignal(
            verdict=verdict.verdict,
            z=verdict.z,
            p_value=verdict.p_value,
            scored_tokens=verdict.scored_tokens,
            note=verdict.note if verdict.verdict != "too short to tell" else "",
            spans=[
                TextSpan(start=a, end=b, text=_shown(text, a, b), z=s.z, p_value=s.p_value)
                for (a, b), s in zip(char_spans, spans, strict=True)
            ],
        )
        if verdict.verdict == "watermarked":
            return signal, [True] * len(items)
        return signal, self._mask(items, char_spans)

    def _answer(self, text: str, items: list[Word]) -> tuple[AnswerSignal, list[bool]]:
        if self.memory is None or not self.memory.available:
            return AnswerSignal(available=False), [False] * len(items)
        explained, markers = self._explained(text, items)
        matches: list[AnswerMatch] = self.memory.match(
            text, explained, self.reference, items, markers
        )
        spans = [
            TextSpan(start=a, end=b, text=_shown(text, a, b), turn_id=m.turn_id, date=m.date)
            for m in matches[:5]
            for a, b in m.spans
        ]
        ranges = [(s.start, s.end) for s in spans]
        note = "" if matches else self._echo_note(items, explained)
        signal = AnswerSignal(matches=matches[:5], spans=spans, note=note)
        return signal, self._mask(items, ranges)

    def _explained(self, text: str, items: list[Word]) -> tuple[list[bool] | None, list[Word]]:
        """Which shingles of the text the documents hold, and the text's citation markers
        that are not the documents' own (all of them when there is no index)."""
        marked = words(text, markers=True)
        if self.quotes is None:
            return None, [w for w in marked if is_marker(w)]
        shingles = shingle_strings(items, self.config.shingle_words)
        return self.quotes.known(shingles), self.quotes.foreign_markers(marked)

    def _echo_note(self, items: list[Word], explained: list[bool] | None) -> str:
        """A note for an instructor when the text repeats a passage coursebot also gave as
        an answer but nothing tells the two apart (turn id and date only)."""
        if self.memory is None or not explained or sum(explained) < MOSTLY_QUOTED * len(explained):
            return ""  # only a text that is (nearly all) the documents' own words
        echoes = self.memory.echoes(items, explained)
        if not echoes:
            return ""
        best = echoes[0]
        more = f" (and {len(echoes) - 1} other answer(s))" if len(echoes) > 1 else ""
        return (
            f"coursebot gave this same passage as answer #{best.turn_id} of {best.date}{more}; "
            "a verbatim quote cannot be told apart from copying the document, so this is not "
            "counted as coursebot output."
        )

    def evidence(self, text: str) -> Evidence:
        """The answer memory's raw evidence for `text`, before thresholds (for tuning)."""
        if self.memory is None:
            return Evidence()
        text = text[: self.config.max_chars]
        items = words(text)
        explained, markers = self._explained(text, items)
        return self.memory.evidence(text, explained, self.reference, items, markers)

    @staticmethod
    def _mask(items: list[Word], ranges: list[tuple[int, int]]) -> list[bool]:
        return [_inside((w.start + w.end) / 2, ranges) for w in items]


def _inside(point: float, ranges: list[tuple[int, int]]) -> bool:
    return any(a <= point < b for a, b in ranges)


def _share(mask: list[bool], count: int) -> float:
    return sum(mask) / count if count else 0.0


def _shown(text: str, start: int, end: int) -> str:
    piece = text[start:end]
    return piece if len(piece) <= SHOWN_SPAN_CHARS else piece[: SHOWN_SPAN_CHARS - 1] + "…"


def provenance_report(
    text: str, settings: Settings | None = None, checker: ProvenanceChecker | None = None
) -> ProvenanceReport:
    """Where `text` came from: quoted from the documents, generated, a coursebot answer."""
    if checker is None:
        checker = ProvenanceChecker.from_settings(settings or load_settings())
    return checker.report(text)
