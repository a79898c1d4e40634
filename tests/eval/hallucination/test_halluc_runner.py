"""Runs with a scripted assistant: resumable after a kill, reports written, metrics move."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from eval.hallucination.errors import RunDirError
from eval.hallucination.evaluate import evaluate
from eval.hallucination.questions import Question
from eval.hallucination.store import ResultStore
from eval.hallucination.verifier import ClaimVerifier
from tests.eval.hallucination.halluc_fakes import (
    BAD_SCRIPT,
    GOOD_SCRIPT,
    ScriptedAssistant,
    write_jsonl,
)
from ui.cli.eval_hallucination import compare, hallucination, parse_overrides

INFO = {"name": "t", "started_at": "now", "settings_fingerprint": "abc"}


def ids_in(run_dir: Path) -> list[str]:
    lines = (run_dir / "results.jsonl").read_text().splitlines()
    return [json.loads(line)["id"] for line in lines]


def test_killed_run_resumes_without_duplicates(
    tmp_path: Path, questions: list[Question], verifier: ClaimVerifier
) -> None:
    out = tmp_path / "run"
    dying = ScriptedAssistant(GOOD_SCRIPT, die_after=2)
    with pytest.raises(KeyboardInterrupt):
        evaluate(dying, questions, out, verifier, None, dict(INFO), progress=False)
    assert ids_in(out) == ["q1", "q2"]
    again = ScriptedAssistant(GOOD_SCRIPT)
    evaluate(again, questions, out, verifier, None, dict(INFO), progress=False)
    assert again.calls == [q.question for q in questions[2:]]
    assert ids_in(out) == ["q1", "q2", "q3", "q4"]
    run = json.loads((out / "run.json").read_text())
    assert run["status"] == "complete" and len(run["resumed_at"]) == 1


def test_truncated_last_line_is_redone_and_damaged_middle_line_is_an_error(
    tmp_path: Path, questions: list[Question], verifier: ClaimVerifier
) -> None:
    out = tmp_path / "run"
    evaluate(
        ScriptedAssistant(GOOD_SCRIPT),
        questions[:2],
        out,
        verifier,
        None,
        dict(INFO),
        progress=False,
    )
    results = out / "results.jsonl"
    good = results.read_text()
    results.write_text(good + good.splitlines()[0][:40])  # a kill in the middle of a write
    again = ScriptedAssistant(GOOD_SCRIPT)
    evaluate(again, questions[:3], out, verifier, None, dict(INFO), progress=False)
    assert again.calls == [questions[2].question] and ids_in(out) == ["q1", "q2", "q3"]
    lines = results.read_text().splitlines()
    results.write_text("\n".join([lines[0], "{oops", *lines[1:]]) + "\n")
    with pytest.raises(RunDirError, match="line 2 is damaged"):
        ResultStore(out).load()


def test_run_dir_with_other_settings_is_refused(
    tmp_path: Path, questions: list[Question], verifier: ClaimVerifier
) -> None:
    out = tmp_path / "run"
    evaluate(
        ScriptedAssistant(GOOD_SCRIPT),
        questions[:1],
        out,
        verifier,
        None,
        dict(INFO),
        progress=False,
    )
    other = {**INFO, "settings_fingerprint": "zzz"}
    with pytest.raises(RunDirError, match="other settings"):
        evaluate(
            ScriptedAssistant(GOOD_SCRIPT), questions, out, verifier, None, other, progress=False
        )


def test_good_assistant_scores_better_than_a_hallucinating_one(
    tmp_path: Path, questions: list[Question], verifier: ClaimVerifier
) -> None:
    good = evaluate(
        ScriptedAssistant(GOOD_SCRIPT),
        questions,
        tmp_path / "good",
        verifier,
        None,
        dict(INFO),
        progress=False,
    )
    bad = evaluate(
        ScriptedAssistant(BAD_SCRIPT),
        questions,
        tmp_path / "bad",
        verifier,
        None,
        dict(INFO),
        progress=False,
    )
    rate = lambda m, k: m.rates[k].value  # noqa: E731
    assert rate(good, "hallucination_rate") == 0.0 and rate(bad, "hallucination_rate") == 1.0
    assert rate(good, "abstention_f1") == 1.0 and rate(bad, "abstention_recall") == 0.0
    assert rate(good, "trap_failure_rate") == 0.0 and rate(bad, "trap_failure_rate") == 1.0
    assert rate(good, "answer_correctness") == 1.0 and rate(good, "citation_precision") == 1.0
    for name in ("metrics.json", "report.md", "report.html", "run.json", "rates.png"):
        assert (tmp_path / "good" / name).is_file(), name
    assert "data:image/png;base64," in (tmp_path / "good" / "report.html").read_text()
    line = json.loads((tmp_path / "good" / "results.jsonl").read_text().splitlines()[0])
    assert {"id", "question", "kind", "answer", "metrics"} <= set(line)
    assert line["answer"]["text"] and "passages" in line["answer"]

    result = CliRunner().invoke(compare, [str(tmp_path / "good"), str(tmp_path / "bad")])
    assert result.exit_code == 0, result.output
    assert "hallucination_rate" in result.output and "B worse" in result.output


def test_cli_reports_bad_question_file_and_bad_override(tmp_path: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(
        hallucination,
        ["--questions", str(tmp_path / "nope.jsonl"), "--out", str(tmp_path / "o")],
        obj={"config": None},
    )
    assert missing.exit_code != 0 and "Question file not found" in missing.output
    bad = write_jsonl(tmp_path / "q.jsonl", [{"id": "a", "question": "x"}])
    result = runner.invoke(
        hallucination, ["--questions", str(bad), "--out", str(tmp_path / "o")], obj={"config": None}
    )
    assert result.exit_code != 0 and "line 1: missing field 'kind'" in result.output
    assert parse_overrides(("grounding=off", "top_k=6", "watermark.delta=3")) == {
        "grounding": "off",
        "top_k": 6,
        "watermark": {"delta": 3},
    }
    typo = runner.invoke(
        hallucination, ["--out", str(tmp_path / "o"), "--set", "groundin=off"], obj={"config": None}
    )
    assert typo.exit_code != 0 and "groundin" in typo.output
