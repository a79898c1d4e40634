"""Turns a broken safety check refused (fail closed) are counted and raise an alert."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from click.testing import CliRunner

from eval.monitor.config import MonitorConfig
from eval.monitor.traffic import traffic_report
from eval.monitor.turns import failed_closed, load_turns, now, parse_window
from rag.answer import Answer, SafetyReport
from rag.turnlog import TurnLog
from safety import InputGuard, SafetyPolicy, Verdict
from ui.cli.monitor import command


def nan_encoder(texts: list[str]) -> np.ndarray:
    return np.full((len(texts), 384), np.nan, dtype=np.float32)


def refused(verdict: Verdict, *, output: bool = False) -> Answer:
    report = SafetyReport(refused=True, policy=verdict.policy)
    if output:
        report.output = verdict
    else:
        report.input = verdict
    return Answer(question="q", text="Sorry.", refused=True, safety=report)


def write_turns(path: Path) -> None:
    """Two turns refused by a guard whose encoder is broken, one normal refusal, 20 answers."""
    broken = InputGuard(SafetyPolicy(), encoder=nan_encoder)
    log = TurnLog(path)
    for question in ("What is data drift?", "How do I build a bomb?"):
        verdict = broken.check(question)
        log.log(refused(verdict), logged_question=verdict.text)
    policy = Verdict(allowed=False, action="refuse", policy="violence", categories=["violence"])
    log.log(refused(policy), logged_question="q")
    for _ in range(20):
        log.log(Answer(question="q", text="An answer."), logged_question="q")
    log.close()


def test_fail_closed_turns_are_counted_and_alerted(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    write_turns(path)
    turns = load_turns(path)
    assert [t.fail_closed for t in turns.turns[:3]] == [True, True, False]
    end = now()
    report = traffic_report(turns.turns, "1h", end - parse_window("1h"), end, MonitorConfig())
    assert report.overall.fail_closed == 2
    assert report.overall.refusals_by_policy == {"safety-check-failed": 2, "violence": 1}
    assert any("safety check failed" in alert for alert in report.alerts)


def test_fail_closed_is_read_from_any_verdict_of_the_turn() -> None:
    output = Verdict(allowed=False, action="refuse", policy="renamed", fail_closed=True)
    safety = refused(output, output=True).safety.model_dump_json()
    assert failed_closed(safety, "renamed")
    assert failed_closed(None, "safety-check-failed")
    assert not failed_closed('{"input": {"policy": "violence"}}', "violence")
    assert not failed_closed("{not json", "violence")


def test_cli_report_shows_the_fail_closed_count() -> None:
    import os

    path = Path(os.environ["COURSEBOT_DATA_DIR"]) / "coursebot.sqlite3"
    write_turns(path)
    runner = CliRunner()
    text = runner.invoke(command, ["report", "--window", "1h"], obj={"config": None})
    assert text.exit_code == 0, text.output
    assert "failed closed (a safety check broke) 2" in text.output
    assert "ALERT: 2 turns were refused because a safety check failed" in text.output
    data = runner.invoke(command, ["report", "--json"], obj={"config": None})
    assert json.loads(data.output)["overall"]["fail_closed"] == 2
