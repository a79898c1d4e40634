"""The assistant: one question in, one grounded, guarded, watermarked Answer out.

question -> input guard -> follow-up resolution -> hybrid retrieval
  -> abstain if nothing relevant -> indirect-injection scan of passages
  -> prompt within a token budget -> llama.cpp generation (watermarked, streamed)
  -> grounding check (unsupported sentences removed, citations aligned)
  -> output guard -> Answer -> turn log
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from rag.ab import DEFAULT_ARM, AssignmentLog, arm_overrides
from rag.answer import Answer, Passage, SafetyReport, Timings, Usage
from rag.components import (
    go_offline,
    make_embedder,
    make_generator,
    make_guards,
    make_ingestor,
)
from rag.compose import compose, quoted_part
from rag.conversation import resolve
from rag.embeddings import Embedder
from rag.errors import ConfigError, IndexCorrupt, IndexMissing, InvalidQuestion
from rag.events import FinalEvent, QuoteEvent, StreamEvent, TokenEvent
from rag.generation import Generator, LogitsProcessor
from rag.grounding import GroundedText, GroundingChecker, mentioned_only_as_example
from rag.grounding_cache import prime_grounding_vectors
from rag.index import REBUILD_HINT, FileRecord, IndexStore, manifest_settings_problem
from rag.ingest import IngestReport, ProgressCallback
from rag.prompting import PromptPlan, build_prompt
from rag.retrieval import HybridRetriever
from rag.settings import Settings, load_settings
from rag.turnlog import TurnLog

NOT_COVERED = "The course documents don't cover this."


class Assistant:
    """Answers questions from the indexed course documents. Thread-safe."""

    def __init__(
        self,
        settings: Settings,
        embedder: Embedder,
        generator: Generator,
        *,
        input_guard: Any = None,
        output_guard: Any = None,
        turn_log: TurnLog | None = None,
    ) -> None:
        self.settings = settings
        self.embedder = embedder
        self.generator = generator
        self.input_guard = input_guard
        self.output_guard = output_guard
        self.turn_log = turn_log or TurnLog(settings.db_path)
        self.store = IndexStore(settings.index_dir)
        self.grounding = GroundingChecker(embedder, settings.support_threshold)
        self._generation_lock = threading.Lock()
        self._ingest_lock = threading.Lock()
        self._retriever: HybridRetriever | None = None
        self._detector: Any = None
        self._arms: dict[str, Assistant] = {}
        self._arms_lock = threading.Lock()
        self._assignments: AssignmentLog | None = None

    @classmethod
    def from_settings(cls, settings: Settings | None = None, **overrides: Any) -> Assistant:
        """The assistant on the given (default: embedded) settings; builds the index if missing."""
        go_offline()
        if settings is None:
            settings = load_settings(**overrides)
        elif overrides:
            settings = load_settings(**{**settings.model_dump(), **overrides})
        embedder = make_embedder(settings)
        generator = make_generator(settings)
        input_guard, output_guard = make_guards(settings, embedder)
        bot = cls(settings, embedder, generator, input_guard=input_guard, output_guard=output_guard)
        bot.open_index()
        return bot

    # -- index ---------------------------------------------------------------------------

    def open_index(self) -> None:
        """Load the index, building it from `kb_paths` when there is none yet.

        Raises:
            IndexCorrupt: the index is damaged or was built with other settings.
        """
        if not self.store.exists():
            self.ingest()
            return
        manifest = self.store.read_manifest()
        problem = manifest_settings_problem(manifest, self.embedder.name, self.settings.chunking)
        if problem:
            raise IndexCorrupt(f"{problem} {REBUILD_HINT}")
        self._load_retriever()

    def _load_retriever(self) -> None:
        data = self.store.load()
        self._retriever = HybridRetriever(
            data.chunks,
            data.vectors,
            data.faiss_index,
            self.embedder,
            mode=self.settings.retrieval,
            top_k=self.settings.top_k,
            candidate_k=self.settings.candidate_k,
            rrf_k=self.settings.rrf_k,
        )
        prime_grounding_vectors(self.embedder, data.chunks, self.settings.index_dir)

    def ingest(
        self,
        paths: Sequence[Path] | None = None,
        *,
        rebuild: bool = False,
        on_progress: ProgressCallback | None = None,
    ) -> IngestReport:
        """Index new or changed documents (default: `kb_paths`) and start using them."""
        with self._ingest_lock:
            report = make_ingestor(self.settings, self.embedder).run(
                list(paths or self.settings.kb_paths), rebuild=rebuild, on_progress=on_progress
            )
            self._load_retriever()
            return report

    def documents(self) -> list[FileRecord]:
        """The documents in the index."""
        try:
            return sorted(self.store.read_manifest().files.values(), key=lambda f: f.source)
        except IndexMissing:
            return []

    def last_report(self) -> IngestReport | None:
        path = self.settings.data_dir / "reports" / "latest.json"
        return IngestReport.model_validate_json(path.read_text()) if path.is_file() else None

    def retrieve(self, question: str) -> list[Passage]:
        if self._retriever is None:
            raise IndexMissing("No index loaded. Build it with `coursebot ingest`.")
        return self._retriever.retrieve(question)

    # -- answering -----------------------------------------------------------------------

    def ask(
        self, question: str, *, history: Sequence[str] | None = None, session_id: str | None = None
    ) -> Answer:
        """Answer a question (the non-streaming form of `stream`)."""
        for event in self.stream(question, history=history, session_id=session_id):
            if isinstance(event, FinalEvent):
                return event.answer
        raise RuntimeError("stream ended without a final answer")

    def validate(self, question: str) -> str:
        text = question.strip() if isinstance(question, str) else ""
        if not text:
            raise InvalidQuestion("Please type a question.")
        if len(text) > self.settings.max_question_chars:
            raise InvalidQuestion(
                f"The question is {len(text):,} characters long; the limit is "
                f"{self.settings.max_question_chars:,}. Please shorten it."
            )
        return text

    def stream(
        self, question: str, *, history: Sequence[str] | None = None, session_id: str | None = None
    ) -> Iterator[StreamEvent]:
        """Yield TokenEvents while the model writes, then one FinalEvent with the Answer.

        With an A/B experiment on (`settings.ab`), the session's arm answers.

        Raises:
            InvalidQuestion: empty or too long (before anything is logged).
        """
        self.validate(question)
        arm, target = self.arm_for(session_id)
        return target._answer(question, history, session_id, arm)

    def arm_for(self, session_id: str | None) -> tuple[str, Assistant]:
        """The session's experiment arm and the assistant configured for it (sticky)."""
        ab = self.settings.ab
        if not ab.enabled:
            return DEFAULT_ARM, self
        with self._arms_lock:
            if self._assignments is None:
                self._assignments = AssignmentLog(self.settings.db_path)
            arm = self._assignments.assign(session_id, ab)
            if arm == ab.control:
                return arm, self
            if arm not in self._arms:
                self._arms[arm] = self._arm_assistant(arm)
            return arm, self._arms[arm]

    def _arm_assistant(self, arm: str) -> Assistant:
        overrides = arm_overrides(arm, self.settings.ab)
        fixed = {
            "embedder",
            "embedding_path",
            "chunk_max_chars",
            "chunk_overlap_chars",
            "data_dir",
            "kb_paths",
            "ab",
        } & set(overrides)
        if fixed:
            raise ConfigError(
                f"A/B arm {arm!r} changes {sorted(fixed)}; arms share one index, so only "
                "generation, retrieval and grounding settings may differ."
            )
        settings = load_settings(
            **{**self.settings.model_dump(), **overrides, "ab": {"enabled": False}}
        )
        llm_keys = (
            "llm_path",
            "n_ctx",
            "n_threads",
            "n_threads_batch",
            "seed",
            "llm_extra_buffers",
            "llm_requantize",
        )
        same_model = all(getattr(settings, k) == getattr(self.settings, k) for k in llm_keys)
        generator = self.generator if same_model else make_generator(settings)
        child = Assistant(
            settings,
            self.embedder,
            generator,
            input_guard=self.input_guard,
            output_guard=self.output_guard,
            turn_log=self.turn_log,
        )
        if same_model:
            child._generation_lock = self._generation_lock
        child._load_retriever()
        return child

    def _answer(
        self, question: str, history: Sequence[str] | None, session_id: str | None, arm: str
    ) -> Iterator[StreamEvent]:
        started = time.perf_counter()
        text = self.validate(question)
        answer = Answer(
            question=text,
            text="",
            model=getattr(self.generator, "name", ""),
            settings_hash=self.settings.fingerprint(),
        )
        logged_question = text
        timings = answer.timings

        # Input guard: refuse early; redact PII before it is logged or shown to the model.
        if self.input_guard is not None:
            t = time.perf_counter()
            verdict = self.input_guard.check(text)
            timings.safety_s += time.perf_counter() - t
            answer.safety.input = verdict
            logged_question = verdict.text or text
            if not verdict.allowed:
                from safety import redact_pii

                logged_question = redact_pii(text)
                answer.refused = True
                answer.safety.refused = True
                answer.safety.policy = verdict.policy
                answer.reason = f"refused by the {verdict.policy or 'safety'} policy"
                answer.text = refusal_message(verdict.policy, verdict.reasons)
                yield FinalEvent(
                    answer=self._finish(answer, started, logged_question, session_id, arm)
                )
                return
            text = verdict.text or text

        answer.resolved_question = resolve(
            text,
            list(history or [])[-self.settings.history_turns :]
            if self.settings.history_turns
            else [],
        )
        t = time.perf_counter()
        passages = self.retrieve(answer.resolved_question)
        timings.retrieval_s = time.perf_counter() - t
        passages = self._drop_injected(passages, answer.safety)
        answer.passages = passages
        usable = [p for p in passages if p.dense_score >= self.settings.min_passage_score]
        top = max((p.dense_score for p in passages), default=0.0)

        if not usable or top < self.settings.min_dense_score:
            self._abstain(
                answer,
                "weak-retrieval",
                f"{NOT_COVERED} Nothing in them is close enough to the question.",
            )
            yield FinalEvent(answer=self._finish(answer, started, logged_question, session_id, arm))
            return
        example = mentioned_only_as_example(answer.resolved_question, usable[:2])
        if example is not None:
            self._abstain(
                answer,
                "mentioned-as-example",
                f"The course documents don't answer this. They mention the question "
                f'only as an example, in "{example.section}" [1].',
            )
            answer.citations = self.grounding.cite_whole(example)
            yield FinalEvent(answer=self._finish(answer, started, logged_question, session_id, arm))
            return

        plan = self.plan_prompt(answer.resolved_question, usable)
        answer.usage = Usage(
            prompt_tokens=plan.prompt_tokens,
            budget_tokens=plan.budget_tokens,
            passages_offered=len(usable),
            passages_in_prompt=len(plan.passages),
        )
        quote = None
        if self._quote_first():
            t = time.perf_counter()
            quote = self.grounding.extract(
                answer.resolved_question, usable, self.settings.extractive_min_similarity
            )
            timings.grounding_s += time.perf_counter() - t
            opening = quoted_part(quote) if quote is not None else ""
            if opening and self._passes_output_guard(opening, timings):
                timings.first_text_s = time.perf_counter() - started
                yield QuoteEvent(text=opening)
        processor = self._watermark_processor()
        t = time.perf_counter()
        with self._generation_lock:
            generation = self.generator.stream(
                plan.messages,
                max_tokens=self.settings.max_answer_tokens,
                temperature=self.settings.temperature,
                top_p=self.settings.top_p,
                logits_processor=processor,
            )
            try:
                for piece in generation:
                    yield TokenEvent(text=piece)
            finally:
                generation.close()
        result = generation.result
        timings.generation_s = time.perf_counter() - t
        timings.first_token_s = (
            None
            if result.first_token_s is None
            else time.perf_counter() - started - (timings.generation_s - result.first_token_s)
        )
        if timings.first_text_s is None:
            timings.first_text_s = timings.first_token_s
        answer.raw_text = result.text
        answer.generated_token_ids = result.token_ids
        answer.usage.prompt_tokens = result.prompt_tokens
        answer.usage.completion_tokens = len(result.token_ids)

        t = time.perf_counter()
        self._ground(answer, plan.passages, result.finish_reason, quote)
        timings.grounding_s += time.perf_counter() - t
        shows_generated_text = not (answer.abstained or answer.extractive)
        if processor is not None and shows_generated_text:
            answer.watermark = self._detect(result.token_ids)

        if self.output_guard is not None and not answer.abstained:
            t = time.perf_counter()
            verdict = self.output_guard.check(answer.text)
            timings.safety_s += time.perf_counter() - t
            answer.safety.output = verdict
            if not verdict.allowed:
                answer.refused = True
                answer.safety.refused = True
                answer.safety.policy = verdict.policy
                answer.reason = f"answer withheld by the {verdict.policy or 'safety'} policy"
                answer.text = refusal_message(verdict.policy, verdict.reasons, output=True)
                answer.citations = []
            elif verdict.action == "redact":
                answer.text = verdict.text
        yield FinalEvent(answer=self._finish(answer, started, logged_question, session_id, arm))

    # -- steps ---------------------------------------------------------------------------

    def _drop_injected(self, passages: list[Passage], report: SafetyReport) -> list[Passage]:
        if self.input_guard is None or not self.settings.safety.scan_passages:
            return passages
        kept = []
        for passage in passages:
            verdict = self.input_guard.check_passage(passage.text)
            if verdict.allowed:
                kept.append(passage)
            else:
                report.passages.append(verdict)
        return kept

    def plan_prompt(self, question: str, usable: Sequence[Passage]) -> PromptPlan:
        """The prompt for `question`: the first `prompt_passages` usable passages, within
        the token budget."""
        count = getattr(self.generator, "count_tokens", lambda s: len(s) // 3)
        return build_prompt(
            question,
            usable[: self.settings.prompt_passages],
            count,
            self.settings.prompt_budget_tokens,
        )

    def _quote_first(self) -> bool:
        return (
            self.settings.answer_mode == "quote-and-generate"
            and self.settings.grounding == "remove"
        )

    def _passes_output_guard(self, text: str, timings: Timings) -> bool:
        if self.output_guard is None:
            return True
        t = time.perf_counter()
        verdict = self.output_guard.check(text)
        timings.safety_s += time.perf_counter() - t
        return bool(verdict.allowed and verdict.action == "allow")

    def _ground(
        self,
        answer: Answer,
        passages: list[Passage],
        finish_reason: str,
        quote: GroundedText | None,
    ) -> None:
        """Turn the raw draft into the shown answer. `quote` is the opening course quote
        already chosen in quote-first mode (None otherwise, or when nothing matched)."""
        raw = answer.raw_text.strip()
        if finish_reason == "length":
            raw = drop_unfinished_sentence(raw)
        if self.settings.grounding == "off":
            answer.text = raw or NOT_COVERED
            answer.citations = [c for p in passages for c in self.grounding.cite_whole(p)]
            for n, citation in enumerate(answer.citations, start=1):
                citation.n = n
            answer.abstained = not raw
            return
        grounded = self.grounding.check(raw, passages, self.settings.grounding)
        quote_first = self._quote_first()
        supported = any(s.supported for s in grounded.sentences)
        if not quote_first and not supported and self.settings.extractive_fallback:
            quote = self.grounding.extract(
                answer.resolved_question, passages, self.settings.extractive_min_similarity
            )
        if not quote_first and supported:
            answer.text, answer.citations = grounded.text, grounded.citations
            answer.sentences = grounded.sentences
            return
        composed = compose(quote, grounded, self.settings.max_generated_sentences)
        answer.sentences = composed.sentences
        if composed.quoted or composed.generated:
            answer.text, answer.citations = composed.text, composed.citations
            answer.extractive = composed.generated == 0
            return
        self._abstain(
            answer,
            "unsupported",
            f"{NOT_COVERED} The model's draft was not supported by the passages "
            "retrieved, so it is not shown.",
        )

    @staticmethod
    def _abstain(answer: Answer, reason: str, text: str) -> None:
        answer.abstained = True
        answer.reason = reason
        answer.text = text
        answer.citations = []

    def _watermark_processor(self) -> LogitsProcessor | None:
        config = self.settings.watermark
        if not config.enabled:
            return None
        from safety.watermark import GreenListProcessor

        n_vocab = int(getattr(self.generator, "n_vocab", 0))
        processor: LogitsProcessor = GreenListProcessor(
            config, vocab_size=n_vocab, temperature=self.settings.temperature
        )
        return processor

    def _detect(self, token_ids: list[int]) -> dict[str, Any]:
        if self._detector is None:
            from safety.watermark import GreenListDetector

            self._detector = GreenListDetector(
                self.settings.watermark, vocab_size=int(getattr(self.generator, "n_vocab", 0))
            )
        verdict = self._detector.detect(token_ids)
        data: dict[str, Any] = verdict.model_dump(exclude={"green_mask", "token_flags"})
        data["applies_to"] = "generated tokens (before sentences were removed)"
        return data

    def _finish(
        self,
        answer: Answer,
        started: float,
        logged_question: str,
        session_id: str | None,
        arm: str,
    ) -> Answer:
        answer.timings.total_s = time.perf_counter() - started
        answer.arm = arm
        answer.turn_id = self.turn_log.log(
            answer, logged_question=logged_question, session_id=session_id, arm=arm
        )
        return answer


def drop_unfinished_sentence(text: str) -> str:
    """Cut a draft that hit the token limit back to its last complete sentence."""
    end = max(text.rfind(". "), text.rfind("! "), text.rfind("? "), text.rfind(".\n"))
    if text.endswith((".", "!", "?")):
        return text
    return text[: end + 1] if end > 0 else text


def refusal_message(policy: str | None, reasons: Sequence[str], *, output: bool = False) -> str:
    """A short, polite refusal that names the policy that applied."""
    what = "share that answer" if output else "help with that request"
    why = f" ({'; '.join(reasons[:2])})" if reasons else ""
    return (
        f"Sorry, I can't {what}: it falls under the {policy or 'safety'} policy{why}. "
        "I can answer questions about the course material."
    )
