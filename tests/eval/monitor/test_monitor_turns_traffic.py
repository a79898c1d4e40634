from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from eval.monitor.config import MonitorConfig
from eval.monitor.errors import BadWindow, TurnLogMissing
from eval.monitor.traffic import traffic_report
from eval.monitor.turns import load_turns, now, parse_window
from ui.cli.monitor import command


def test_parse_window() -> None:
    assert parse_window("1h") == timedelta(hours=1)
    assert parse_window("7d") == timedelta(days=7)
    assert parse_window(" 30m ") == timedelta(minutes=30)
    for bad in ("", "1y", "h", "0d", "-1h"):
        with pytest.raises(BadWindow):
            parse_window(bad)


def test_missing_log_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(TurnLogMissing, match="ask the assistant"):
        load_turns(tmp_path / "nope.sqlite3")


def test_corrupt_rows_are_skipped_and_counted(write_log) -> None:  # type: ignore[no-untyped-def]
    path = write_log([{"question": f"q{i}"} for i in range(4)])
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE turns SET retrieved = '{not json' WHERE id = 2")
        conn.execute("UPDATE turns SET timings = '[1, 2]' WHERE id = 3")
    turns = load_turns(path)
    assert [t.id for t in turns.turns] == [1, 4]
    assert turns.skipped == 2


def test_rates_latency_and_refusals_by_policy(write_log) -> None:  # type: ignore[no-untyped-def]
    specs: list[dict[str, object]] = [
        {"total_s": float(s), "first_token_s": s / 10} for s in range(1, 21)
    ]
    specs += [{"abstained": True, "top_score": 0.1, "total_s": 0.5}] * 5
    specs += [{"refused": True, "policy": "toxicity", "top_score": None, "total_s": 0.1}] * 3
    specs += [{"refused": True, "policy": "injection", "top_score": None, "total_s": 0.1}] * 2
    specs += [{"ago": timedelta(days=3)}]  # outside the window
    path = write_log(specs)
    turns = load_turns(path)
    end = now()
    report = traffic_report(turns.turns, "1d", end - timedelta(days=1), end, MonitorConfig())
    o = report.overall
    assert o.turns == 30
    assert o.abstention_rate == pytest.approx(5 / 30)
    assert o.refusal_rate == pytest.approx(5 / 30)
    assert o.refusals_by_policy == {"toxicity": 3, "injection": 2}
    totals = [float(s) for s in range(1, 21)] + [0.5] * 5 + [0.1] * 5
    assert o.p50_total_s == pytest.approx(sorted(totals)[14] / 2 + sorted(totals)[15] / 2)
    assert o.p95_first_token_s is not None and 1.8 < o.p95_first_token_s <= 2.0
    assert sum(b.turns for b in report.buckets) == 30
    assert report.alerts == []


def test_young_log_says_not_enough_data(write_log) -> None:  # type: ignore[no-untyped-def]
    path = write_log([{}] * 3)
    turns = load_turns(path)
    end = now()
    report = traffic_report(turns.turns, "1h", end - timedelta(hours=1), end, MonitorConfig())
    assert report.alerts == ["not enough data for rate alerts: 3 turns, need 20"]


def test_alerts_fire_on_thresholds(write_log) -> None:  # type: ignore[no-untyped-def]
    path = write_log([{"abstained": True, "total_s": 40.0}] * 25)
    turns = load_turns(path)
    end = now()
    report = traffic_report(turns.turns, "1h", end - timedelta(hours=1), end, MonitorConfig())
    assert any("abstention rate 100%" in a for a in report.alerts)
    assert any("p95 latency 40.0 s" in a for a in report.alerts)


def test_cli_report_text_and_json(write_log) -> None:  # type: ignore[no-untyped-def]
    write_log([{"total_s": 2.0}] * 21 + [{"refused": True, "policy": "pii", "top_score": None}])
    runner = CliRunner()
    text = runner.invoke(command, ["report", "--window", "1h"], obj={"config": None})
    assert text.exit_code == 0, text.output
    assert "22 turns" in text.output and "'pii': 1" in text.output
    data = runner.invoke(command, ["report", "--json"], obj={"config": None})
    assert json.loads(data.output)["overall"]["refusals_by_policy"] == {"pii": 1}


def test_cli_report_without_log_and_bad_window() -> None:
    runner = CliRunner()
    result = runner.invoke(command, ["report"], obj={"config": None})
    assert result.exit_code == 1 and "No turn log" in result.output
    result = runner.invoke(command, ["report", "--window", "soon"], obj={"config": None})
    assert result.exit_code == 1 and "Cannot read the window" in result.output
