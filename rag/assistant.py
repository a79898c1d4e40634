"""The assistant: one question in, one grounded, guarded, watermarked Answer out.

`Assistant.stream` runs the steps of `rag.pipeline` in order; each is a small object with
one job, built once from the settings, and what passes between them is a `Turn`:

    screen the question -> find passages -> decide abstention -> plan the prompt
      -> open with a course quote -> generate (draft sentences screened) -> finish
      (grounding, composition, fallback) -> screen the answer -> record the turn

The knowledge base (`rag.knowledge`) and A/B routing (`rag.arms`) live beside it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from rag.answer import Answer, Passage
from rag.arms import ArmRouter
from rag.backends.openai_compat import OpenAICompatGenerator
from rag.common_words import wordpiece_words
from rag.components import go_offline, make_embedder, make_generator, make_guards
from rag.embeddings import Embedder
from rag.events import FinalEvent, QuoteEvent, StreamEvent, TokenEvent
from rag.generation import Generator
from rag.grounding import GroundingChecker
from rag.index import FileRecord, IndexStore
from rag.ingest import IngestReport, ProgressCallback
from rag.knowledge import KnowledgeBase
from rag.paths import bundled_embedding_path
from rag.pipeline.abstention import AbstentionStep
from rag.pipeline.finishing import FinishStep
from rag.pipeline.generating import GenerateStep
from rag.pipeline.messages import Wording, documents_name
from rag.pipeline.passages import PassageStep
from rag.pipeline.planning import PlanStep
from rag.pipeline.question import QuestionStep
from rag.pipeline.quoting import QuoteStep
from rag.pipeline.recording import RecordStep
from rag.pipeline.screening import OutputScreen
from rag.pipeline.turn import Turn
from rag.pipeline.watermarking import WatermarkStep
from rag.prompting import PromptPlan
from rag.protocols import InputGuardLike, OutputGuardLike
from rag.provenance.memory import AnswerMemory
from rag.settings import Settings, load_settings
from rag.turnlog import TurnLog

log = logging.getLogger(__name__)


class Assistant:
    """Answers questions from the indexed course documents. Thread-safe."""

    def __init__(
        self,
        settings: Settings,
        embedder: Embedder,
        generator: Generator,
        *,
        input_guard: InputGuardLike | None = None,
        output_guard: OutputGuardLike | None = None,
        turn_log: TurnLog | None = None,
        generation_lock: threading.Semaphore | None = None,
        answer_memory: AnswerMemory | None = None,
    ) -> None:
        self.settings = settings
        self.embedder = embedder
        self.generator = generator
        self.input_guard = input_guard
        self.output_guard = output_guard
        self.turn_log = turn_log or TurnLog(settings.db_path)
        if answer_memory is None and settings.provenance.enabled:
            answer_memory = AnswerMemory(settings.db_path, settings.provenance, embedder)
        self.answer_memory = answer_memory
        self.knowledge = KnowledgeBase(settings, embedder)
        answer = settings.answer
        self.grounding = GroundingChecker(embedder, answer.support_threshold, answer.tuning)
        self._generation_lock = generation_lock or threading.BoundedSemaphore(generator.concurrency)
        self._fingerprint = settings.fingerprint()
        screen = OutputScreen(output_guard)
        wording = Wording(
            lambda: documents_name(answer.documents_name, [f.source for f in self.documents()])
        )
        watermark = WatermarkStep(
            settings.watermark,
            vocab_size=generator.n_vocab,
            temperature=settings.generation.temperature,
            site=generator.mark_site,
            end_ids=generator.end_ids,
        )
        self.question_step = QuestionStep(answer.max_question_chars, input_guard)
        self.passage_step = PassageStep(
            self.knowledge.retrieve,
            guard=input_guard,
            scan_passages=settings.safety.scan_passages,
            history_turns=answer.history_turns,
            min_passage_score=settings.retrieval.min_passage_score,
        )
        self.abstention_step = AbstentionStep(
            self.grounding,
            min_dense_score=settings.retrieval.min_dense_score,
            example_overlap=answer.tuning.example_overlap,
            vocabulary=self.knowledge.vocabulary,
            common_words=lambda: wordpiece_words(
                settings.index.embedding_path or bundled_embedding_path()
            ),
            wording=wording,
        )
        self.plan_step = PlanStep(
            generator.count_tokens,
            prompt_passages=answer.prompt_passages,
            budget_tokens=answer.prompt_budget_tokens,
            wording=wording,
        )
        self.quote_step = QuoteStep(
            self.grounding,
            screen,
            quote_first=answer.quote_first,
            min_similarity=answer.extractive_min_similarity,
            wording=wording,
        )
        self.generate_step = GenerateStep(
            generator, self._generation_lock, settings.generation, watermark, screen
        )
        self.finish_step = FinishStep(self.grounding, self.quote_step, watermark, answer, wording)
        self.output_screen = screen
        self.record_step = RecordStep(self.turn_log, answer_memory)
        self.arms: ArmRouter[Assistant] = ArmRouter(settings, self, self._arm_assistant)

    @classmethod
    def from_settings(cls, settings: Settings | None = None, **overrides: Any) -> Assistant:
        """The assistant on the given (default: embedded) settings; builds the index if missing."""
        go_offline()
        if settings is None:
            settings = load_settings(**overrides)
        elif overrides:
            settings = settings.with_overrides(overrides)
        embedder = make_embedder(settings)
        generator = make_generator(settings)
        input_guard, output_guard = make_guards(settings, embedder)
        bot = cls(settings, embedder, generator, input_guard=input_guard, output_guard=output_guard)
        bot.open_index()
        return bot

    # -- the knowledge base --------------------------------------------------------------

    @property
    def store(self) -> IndexStore:
        return self.knowledge.store

    def open_index(self) -> None:
        """Load the index, building it from `kb_paths` when there is none yet."""
        self.knowledge.open()

    def ingest(
        self,
        paths: Sequence[Path] | None = None,
        *,
        rebuild: bool = False,
        on_progress: ProgressCallback | None = None,
    ) -> IngestReport:
        """Index new or changed documents (default: `kb_paths`) and start using them."""
        return self.knowledge.ingest(paths, rebuild=rebuild, on_progress=on_progress)

    def documents(self) -> list[FileRecord]:
        return self.knowledge.documents()

    def last_report(self) -> IngestReport | None:
        return self.knowledge.last_report()

    def retrieve(self, question: str) -> list[Passage]:
        return self.knowledge.retrieve(question)

    # -- answering -----------------------------------------------------------------------

    def validate(self, question: str) -> str:
        """The cleaned question, or InvalidQuestion (empty, too long)."""
        return self.question_step.validate(question)

    def plan_prompt(self, question: str, usable: Sequence[Passage]) -> PromptPlan:
        """The prompt the model would get for `question` over these passages."""
        return self.plan_step.build(question, usable)

    def ask(
        self, question: str, *, history: Sequence[str] | None = None, session_id: str | None = None
    ) -> Answer:
        """Answer a question (the non-streaming form of `stream`, without draft events)."""
        for event in self._start(question, history, session_id, drafts=False):
            if isinstance(event, FinalEvent):
                return event.answer
        raise RuntimeError("the pipeline ended without a final answer")

    def stream(
        self, question: str, *, history: Sequence[str] | None = None, session_id: str | None = None
    ) -> Iterator[StreamEvent]:
        """Yield the opening quote, then the model's draft sentence by sentence, each one
        screened by the output guard, then one FinalEvent with the Answer.

        With an A/B experiment on (`settings.ab`), the session's arm answers.

        Raises:
            InvalidQuestion: empty or too long (before anything is logged).
        """
        return self._start(question, history, session_id, drafts=True)

    def _start(
        self,
        question: str,
        history: Sequence[str] | None,
        session_id: str | None,
        *,
        drafts: bool,
    ) -> Iterator[StreamEvent]:
        text = self.validate(question)
        arm, target = self.arms.route(session_id)
        turn = Turn(
            answer=Answer(
                question=text,
                text="",
                model=target.generator.name,
                settings_hash=target._fingerprint,
            ),
            text=text,
            logged_question=text,
            history=list(history or []),
            session_id=session_id,
            arm=arm,
        )
        return target._run(turn, drafts=drafts)

    def _run(self, turn: Turn, *, drafts: bool) -> Iterator[StreamEvent]:
        """The steps, then the turn recorded: finished, or interrupted if they were."""
        try:
            yield from self._steps(turn, drafts=drafts)
        except BaseException as exc:
            why = "the reader left" if isinstance(exc, GeneratorExit) else type(exc).__name__
            try:
                self.record_step.record_interrupted(turn, why)
            except Exception:
                log.exception("could not log the interrupted turn")
            raise
        yield FinalEvent(answer=self.record_step.record(turn))

    def _steps(self, turn: Turn, *, drafts: bool) -> Iterator[StreamEvent]:
        if self.question_step.screen(turn):
            return
        self.passage_step.find(turn)
        if self.abstention_step.decide(turn):
            return
        self.plan_step.plan(turn)
        opening = self.quote_step.open(turn)
        if opening:
            yield QuoteEvent(text=opening)
        for sentence in self.generate_step.run(turn, drafts=drafts):
            yield TokenEvent(text=sentence)
        self.finish_step.finish(turn)
        self.output_screen.screen_answer(turn)

    def close(self) -> None:
        """Stop background priming, close the databases (turn log, answer memory, A/B
        assignments) and a remote backend's HTTP connections, the A/B arms' own included;
        for shutdown."""
        for child in self.arms.built():
            child.knowledge.close()
            if child.generator is not self.generator and isinstance(
                child.generator, OpenAICompatGenerator
            ):
                child.generator.close()
        self.knowledge.close()
        self.arms.close()
        if self.answer_memory is not None:
            self.answer_memory.close()
        self.turn_log.close()
        if isinstance(self.generator, OpenAICompatGenerator):
            self.generator.close()

    def _arm_assistant(self, settings: Settings) -> Assistant:
        """The assistant of an A/B arm: same index, embedder, guards and turn log; the same
        loaded model (and its lock) unless the arm loads another."""
        same_model = settings.llm == self.settings.llm
        child = Assistant(
            settings,
            self.embedder,
            self.generator if same_model else make_generator(settings),
            input_guard=self.input_guard,
            output_guard=self.output_guard,
            turn_log=self.turn_log,
            generation_lock=self._generation_lock if same_model else None,
            answer_memory=self.answer_memory,
        )
        child.knowledge.reload()
        return child
