"""Robustness of the real assistant on a question file: the path the CLI and `-m` share."""

from __future__ import annotations

from pathlib import Path

from eval.hallucination.questions import load_questions
from eval.robustness.runner import RobustnessReport, run_robustness, write_report
from rag.settings import Settings


def run_on_assistant(
    questions_file: Path,
    out_dir: Path,
    settings: Settings | None = None,
    answers: bool = False,
    limit: int | None = None,
    seed: int = 0,
) -> RobustnessReport:
    """Build the Assistant, measure retrieval stability (and answer agreement when `answers`),
    write the report under `out_dir` and return it."""
    from rag import Assistant

    questions = load_questions(questions_file)
    if limit is not None:
        questions = questions[:limit]
    bot = Assistant.from_settings(settings)
    k = bot.settings.retrieval.top_k if hasattr(bot, "settings") else 4
    embedder = bot.embedder if answers else None
    report = run_robustness(
        questions, bot, k=k, seed=seed, asker=bot if answers else None, embedder=embedder
    )
    write_report(report, out_dir)
    return report
