from __future__ import annotations

import json
import random
from pathlib import Path

from click.testing import CliRunner

from eval.monitor.ab_report import ab_report
from eval.monitor.config import MonitorConfig
from eval.monitor.review import flag_for_review
from eval.monitor.turns import load_turns
from ui.cli.monitor import command


def test_review_flags_weak_answers_only(write_log, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write_log([
        {"question": "good", "support": 0.9, "top_score": 0.7},
        {"question": "weak support", "support": 0.2, "top_score": 0.7, "feedback": -1},
        {"question": "low retrieval", "support": 0.9, "top_score": 0.25},
        {"question": "abstained", "abstained": True, "support": None, "top_score": 0.1},
        {"question": "refused", "refused": True, "policy": "toxicity", "top_score": None},
    ])  # fmt: skip
    items = flag_for_review(load_turns(path).turns, MonitorConfig())
    assert [i.question for i in items] == ["weak support", "low retrieval"]
    assert "user gave thumbs down" in items[0].reasons

    out = tmp_path / "review-run"
    result = CliRunner().invoke(command, ["review", "--export", str(out)], obj={"config": None})
    assert result.exit_code == 0, result.output
    assert "2 answered turns" in result.output
    run = json.loads((out / "run.json").read_text())
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert run["kind"] == "review" and run["count"] == 2
    assert rows[0]["id"] == "turn-2" and rows[0]["kind"] == "review"
    assert rows[0]["answer"] == {"text": "An answer.", "citations": [], "passages": [],
                                 "abstained": False}  # fmt: skip
    assert rows[0]["metrics"] == {}


def _simulate(seed: int, up_a: float, up_b: float, n: int = 200) -> list[dict[str, object]]:
    rng = random.Random(seed)
    specs: list[dict[str, object]] = []
    for i in range(n):
        arm = "default" if i % 2 == 0 else "treatment"
        rate = up_a if arm == "default" else up_b
        specs.append({
            "arm": arm,
            "session": f"s{i}",
            "feedback": 1 if rng.random() < rate else -1,
            "abstained": rng.random() < 0.1,
            "total_s": rng.lognormvariate(0.0, 0.3),
        })  # fmt: skip
    return specs


def test_ab_detects_a_known_effect(write_log) -> None:  # type: ignore[no-untyped-def]
    path = write_log(_simulate(seed=1, up_a=0.5, up_b=0.8))
    report = ab_report(load_turns(path).turns, MonitorConfig())
    up = next(c for c in report.comparisons if c.metric == "thumbs_up_rate")
    assert up.significant and up.better
    assert "consider promoting treatment" in report.recommendation


def test_ab_without_effect_keeps_collecting(write_log) -> None:  # type: ignore[no-untyped-def]
    path = write_log(_simulate(seed=2, up_a=0.6, up_b=0.6))
    report = ab_report(load_turns(path).turns, MonitorConfig())
    assert not any(c.significant for c in report.comparisons)
    assert "no significant difference; keep collecting" in report.recommendation


def test_ab_false_alarms_are_rare_over_seeded_null_trials() -> None:
    from eval.monitor.turns import Turn, now

    alarms = 0
    for seed in range(20):
        rng = random.Random(seed)
        turns = [
            Turn(id=i, ts=now(), session_id=f"s{i}", arm="default" if i % 2 else "b",
                 question="q", answer="a", abstained=rng.random() < 0.2, refused=False,
                 refusal_policy=None, chunk_ids=(), top_score=0.6, support_min=0.9,
                 support_mean=0.9, total_s=rng.random(), first_token_s=None,
                 feedback=1 if rng.random() < 0.6 else -1)
            for i in range(200)
        ]  # fmt: skip
        alarms += any(c.significant for c in ab_report(turns, MonitorConfig()).comparisons)
    assert alarms <= 3  # family-wise alpha 0.05 -> about 1 in 20


def test_ab_with_too_little_data_says_so(write_log) -> None:  # type: ignore[no-untyped-def]
    write_log(_simulate(seed=3, up_a=0.5, up_b=0.9, n=20))
    result = CliRunner().invoke(command, ["ab"], obj={"config": None})
    assert result.exit_code == 0, result.output
    assert "not enough data: default has 10, treatment has 10 turns, need 30" in result.output
