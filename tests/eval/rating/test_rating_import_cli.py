"""Importing run directories and the `coursebot rate` commands, end to end on real SQLite."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from eval.rating import RatingStore, RunImportError
from eval.rating.importer import import_runs
from rag.settings import Settings
from ui.cli.rate import command

RunWriter = Callable[..., Path]
GOOD = {"faithfulness": 5, "helpfulness": 4, "citation_accuracy": 5, "safety": 5}


def rate(*args: str) -> Result:
    return CliRunner().invoke(command, list(args), obj={"config": None})


def test_import_one_run_queues_likert_items_once(write_run: RunWriter) -> None:
    run = write_run("hybrid")
    first = rate("import", str(run))
    assert first.exit_code == 0, first.output
    assert "Queued 3 Likert items from hybrid (0 already queued)" in first.output
    again = rate("import", str(run))
    assert "Queued 0 Likert items" in again.output and "3 already queued" in again.output
    items = RatingStore.from_settings(Settings()).items()
    assert [i["question_id"] for i in items] == ["q1", "q2", "q3"]
    assert items[0]["settings_a"]["fingerprint"] == "fp-hybrid"
    assert items[0]["metrics_a"] == {"faithfulness": pytest.approx(0.9)}
    assert items[0]["answer_a"]["citations"][0]["n"] == 1


def test_import_two_runs_pairs_the_shared_questions(write_run: RunWriter) -> None:
    a = write_run("hybrid")
    b = write_run("dense", "bad", questions=[("q2", "Who won?", "x"), ("q9", "Other?", "y")])
    result = rate("import", str(a), str(b))
    assert result.exit_code == 0, result.output
    assert "Queued 1 side-by-side items from hybrid vs dense" in result.output


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        ("missing_dir", "does not exist"),
        ("no_results", "results.jsonl is missing"),
        ("bad_json", "not valid JSON"),
        ("no_name", "needs a non-empty string field `name`"),
        ("bad_line", "results.jsonl:2 is not a valid result line"),
        ("duplicate_id", "repeats question id"),
        ("empty", "holds no results"),
    ],
)
def test_malformed_runs_fail_clearly_and_store_nothing(
    write_run: RunWriter, tmp_path: Path, breakage: str, message: str
) -> None:
    run = write_run("broken")
    results = run / "results.jsonl"
    lines = results.read_text().splitlines()
    if breakage == "missing_dir":
        run = tmp_path / "nowhere"
    elif breakage == "no_results":
        results.unlink()
    elif breakage == "bad_json":
        (run / "run.json").write_text("{not json")
    elif breakage == "no_name":
        (run / "run.json").write_text(json.dumps({"settings": {}}))
    elif breakage == "bad_line":
        broken = json.loads(lines[1])
        del broken["answer"]["text"]
        results.write_text("\n".join([lines[0], json.dumps(broken), lines[2]]))
    elif breakage == "duplicate_id":
        results.write_text("\n".join([lines[0], lines[0]]))
    elif breakage == "empty":
        results.write_text("\n")
    result = rate("import", str(run))
    assert result.exit_code == 1 and message in result.output, result.output
    assert "Traceback" not in result.output
    assert RatingStore.from_settings(Settings()).items() == []


def test_runs_sharing_no_questions_or_the_same_name_are_refused(write_run: RunWriter) -> None:
    store = RatingStore.from_settings(Settings())
    a = write_run("a")
    b = write_run("b", questions=[("z1", "Other?", "x")])
    with pytest.raises(RunImportError, match="share no question ids"):
        import_runs(store, a, b)
    with pytest.raises(RunImportError, match="different configurations"):
        import_runs(store, a, a)
    assert store.items() == []


def test_raters_gold_report_and_export(write_run: RunWriter, tmp_path: Path) -> None:
    assert rate("import", str(write_run("hybrid"))).exit_code == 0
    assert (
        rate("import", str(write_run("hybrid2")), str(write_run("closed-book", "bad"))).exit_code
        == 0
    )
    outputs = [rate("raters", "add", name).output for name in ("Ann Lee", "Bob", "Cy")]
    assert "Registered Ann Lee: rater ID ann-lee" in outputs[0]
    assert "rater ID ann2" in rate("raters", "add", "Ann Lee", "--id", "ann2").output
    duplicate = rate("raters", "add", "Bob")
    assert duplicate.exit_code == 1 and "taken" in duplicate.output
    listed = rate("raters", "list").output
    assert "ann-lee\tAnn Lee" in listed and "ann2\tAnn Lee" in listed
    gold = rate("gold", "2", "--expect", "faithfulness=1")
    assert gold.exit_code == 0, gold.output
    assert rate("gold", "2", "--expect", "nonsense").exit_code == 1
    assert rate("gold", "99", "--expect", "faithfulness=1").exit_code == 1

    store = RatingStore.from_settings(Settings(), seed=1)
    for rater in ("ann-lee", "bob", "cy"):
        while (view := store.next_item(rater)) is not None:
            if view.kind == "likert":
                bad = "won it in 2026" in view.answers[0].text or view.item_id == 2
                store.submit_likert(rater, view.item_id, {**GOOD, "faithfulness": 1 if bad else 5})
            else:
                good = next(a.label for a in view.answers if "won it in 2026" not in a.text)
                store.submit_comparison(rater, view.item_id, good)

    out = tmp_path / "report"
    report = rate("report", "--out", str(out), "--bootstrap", "50")
    assert report.exit_code == 0, report.output
    md = (out / "report.md").read_text()
    assert "Krippendorff" in md and "Leaderboard" in md and "Spearman" in md and "Gold" in md
    assert "| 1 | hybrid2 |" in md
    assert (out / "report.html").read_text().startswith("<!doctype html>")
    for plot in ("likert_means.png", "leaderboard.png", "win_rates.png"):
        assert (out / plot).read_bytes()[:4] == b"\x89PNG"

    exported = tmp_path / "export"
    assert rate("export", "--out", str(exported)).exit_code == 0
    with (exported / "ratings.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 9 and {r["rater_id"] for r in rows} == {"ann-lee", "bob", "cy"}
    comparisons = [json.loads(x) for x in (exported / "comparisons.jsonl").read_text().splitlines()]
    assert len(comparisons) == 9 and all(c["winner"] == "a" for c in comparisons)


def test_report_on_an_empty_store_still_writes(tmp_path: Path) -> None:
    result = rate("report", "--out", str(tmp_path / "r"))
    assert result.exit_code == 0, result.output
    assert "0 items" in (tmp_path / "r" / "report.md").read_text()
