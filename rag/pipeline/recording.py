"""Step 9: record the turn: one row in the turn log, whatever happened to the question."""

from __future__ import annotations

import logging

from rag.answer import Answer
from rag.pipeline.messages import INTERRUPTED
from rag.pipeline.turn import Turn
from rag.provenance.memory import AnswerMemory
from rag.turnlog import TurnLog

log = logging.getLogger(__name__)


class RecordStep:
    """Writes the finished (or interrupted) turn to the turn log, and remembers a shown
    answer (keyed hashes and a vector, no text) so provenance can recognise it later."""

    def __init__(self, turn_log: TurnLog, memory: AnswerMemory | None = None) -> None:
        self.turn_log = turn_log
        self.memory = memory

    def record(self, turn: Turn) -> Answer:
        """Log the turn; returns its Answer with `turn_id` and the total time set."""
        answer = turn.answer
        answer.timings.total_s = turn.elapsed()
        answer.arm = turn.arm
        answer.turn_id = self.turn_log.log(
            answer,
            logged_question=turn.logged_question,
            session_id=turn.session_id,
            arm=turn.arm,
        )
        shown = not (answer.abstained or answer.refused) and answer.text.strip()
        if self.memory is not None and shown and answer.turn_id is not None:
            try:
                self.memory.remember(answer.turn_id, answer.text)
            except Exception:
                log.exception("could not remember answer %s for provenance", answer.turn_id)
        return answer

    def record_interrupted(self, turn: Turn, why: str) -> Answer:
        """Log a turn that ended before its answer was complete (client gone, shutdown,
        an error), so no asked question goes missing from the log."""
        answer = turn.answer
        if not (answer.refused or answer.abstained):
            answer.abstained = True
            answer.text = INTERRUPTED
            answer.citations = []
        answer.reason = f"interrupted: {why}"
        return self.record(turn)
