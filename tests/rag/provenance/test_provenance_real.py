"""The real path: coursebot answers, remembers, and its answers are told from human text.

The pipeline remembers each shown answer as it logs the turn. Course paragraphs must come
out quoted and nothing else; writing in no document must come out as none of the three;
bad input gets a verdict.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from pydantic import SecretStr

from rag.provenance import AnswerMemory, ProvenanceConfig
from rag.provenance.check import ProvenanceChecker
from ui.cli.watermark import command

pytestmark = pytest.mark.slow

ANY_MARKER = re.compile(r"\s*\[\d+\]")

COURSE = Path(__file__).resolve().parents[3] / "kb" / "foundations-of-machine-learning.md"
WRITTEN = (
    "During the power cut the whole street came outside. Someone brought a camping stove, "
    "the children drew chalk maps of the neighbourhood, and by the time the lights came "
    "back we had agreed to do it again, on purpose, once every summer."
)
# The first two answers add generated sentences to the quote; the third (today) is one
# course paragraph quoted verbatim, recognised only by coursebot's citation marker.
QUESTIONS = (
    "What are the stages of the machine learning development pipeline?",
    "What does a fairness audit check before deployment?",
    "What is data drift?",
)


@pytest.fixture(scope="module")
def shown(real_assistant):  # type: ignore[no-untyped-def]
    """Three real answers, remembered by the pipeline in the assistant's own database."""
    answers = []
    for question in QUESTIONS:
        answer = real_assistant.ask(question)
        assert not answer.abstained and answer.turn_id is not None
        answers.append(answer)
    memory = AnswerMemory(real_assistant.settings.db_path, create=False)
    assert memory.count() >= len(QUESTIONS)
    return answers


@pytest.fixture(scope="module")
def checker(real_assistant, shown) -> ProvenanceChecker:  # type: ignore[no-untyped-def]
    return ProvenanceChecker.from_settings(
        real_assistant.settings, embedder=real_assistant.embedder
    )


def test_a_shown_answer_is_recognised_with_its_turn(shown, checker) -> None:  # type: ignore[no-untyped-def]
    for answer in shown:
        report = checker.report(answer.text)
        assert report.quoted.share > 0 and report.quoted.spans[0].section
        assert report.from_coursebot is True, report.verdict
        assert report.verdict.startswith("coursebot answer:")
        # The session's assistant is shared: another test may have been given the same
        # answer to the same question earlier, and either turn is a true match.
        matched = {m.turn_id: m for m in report.answer.matches}
        assert answer.turn_id in matched, report.answer.matches
        assert f"#{report.answer.matches[0].turn_id} of " in report.verdict
        if answer.extractive:
            assert matched[answer.turn_id].method == "cited"


def test_the_quote_without_coursebots_marker_is_only_noted(shown, checker) -> None:  # type: ignore[no-untyped-def]
    quote = next(a for a in shown if a.extractive)
    text = ANY_MARKER.sub("", quote.text)
    report = checker.report(text)
    assert report.from_coursebot is False and report.answer.matches == [], report.verdict
    assert report.verdict.startswith("quoted from the course documents")
    notes = [n for n in report.notes if n.startswith("coursebot gave this same passage")]
    assert len(notes) == 1, report.notes
    named = re.match(r"coursebot gave this same passage as answer #(\d+) of ", notes[0])
    assert named is not None, notes[0]
    # An earlier test of the shared session may have been given the same answer first.
    assert int(named.group(1)) == quote.turn_id or "other answer" in notes[0], notes[0]
    assert quote.question not in " ".join(report.notes)


def test_course_paragraphs_are_quoted_and_nothing_else(checker) -> None:  # type: ignore[no-untyped-def]
    text = COURSE.read_text(encoding="utf-8")
    paragraphs = [
        p
        for p in text.split("\n\n")
        if len(p.split()) >= 25 and "#" not in p and not p.startswith("*Author")
    ]
    for paragraph in paragraphs[:12]:
        report = checker.report(paragraph)
        assert report.quoted.share > 0.9, report.verdict
        assert report.from_coursebot is False, report.verdict
        assert report.generated.verdict != "watermarked" and not report.generated.spans
        assert report.answer.matches == []
        assert report.verdict.startswith("quoted from the course documents")


def test_writing_in_no_document_is_none_of_the_three(checker) -> None:  # type: ignore[no-untyped-def]
    report = checker.report(WRITTEN)
    assert report.from_coursebot is False
    assert report.quoted.spans == [] and report.answer.matches == []
    assert report.generated.verdict == "not watermarked"
    assert report.verdict.startswith("no sign of coursebot")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n",
        "数据漂移是指模型输入分布随时间缓慢变化。" * 40,
        "x" * 1_100_000,
        "\ufffd" * 50,
        "[1] " * 5000,
    ],
)
def test_bad_input_gets_a_verdict(checker, text: str) -> None:  # type: ignore[no-untyped-def]
    report = checker.report(text)
    assert report.verdict and report.from_coursebot is not True
    if len(text) > checker.config.max_chars:
        assert any("first 200,000" in note for note in report.notes)


def test_another_key_and_a_missing_log(real_assistant, shown, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings = real_assistant.settings
    other_key = settings.model_copy(
        update={"watermark": settings.watermark.model_copy(update={"key": SecretStr("x")})}
    )
    report = ProvenanceChecker.from_settings(other_key, embedder=real_assistant.embedder).report(
        shown[0].text
    )
    assert report.generated.verdict != "watermarked"
    empty = settings.model_copy(update={"data_dir": tmp_path / "empty"})
    report = ProvenanceChecker.from_settings(empty).report(shown[0].text)
    assert report.answer.matches == [] and not report.answer.available
    assert any("No answer memory" in note for note in report.notes)
    assert any("Quotes not checked" in note for note in report.notes)
    assert not (tmp_path / "empty").exists()


def test_memory_switched_off_matches_nothing(real_assistant, shown) -> None:  # type: ignore[no-untyped-def]
    config = ProvenanceConfig(enabled=False)
    checker = ProvenanceChecker.from_settings(real_assistant.settings, config)
    report = checker.report(shown[0].text)
    assert report.answer.matches == [] and "switched off" in " ".join(report.notes)


def test_cli_prints_the_verdict_and_the_json_report(
    real_assistant,
    shown,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setenv("COURSEBOT_DATA_DIR", str(real_assistant.settings.data_dir))
    path = tmp_path / "answer.txt"
    path.write_text(shown[0].text, encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(command, ["detect", str(path)], obj={"config": None})
    assert result.exit_code == 0, result.output
    assert result.output.startswith("coursebot answer:"), result.output
    result = runner.invoke(command, ["detect", "-", "--json"], input=WRITTEN, obj={"config": None})
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["from_coursebot"] is False
    for signal in ("quoted", "generated", "answer"):
        assert {"share", "spans"} <= set(payload[signal])
