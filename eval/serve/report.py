"""What one load level measured, the files it is kept in, and the markdown table.

Every arm's results live in their own JSON file (`OUT/<arm>.json`, one entry per number
of users, rewritten after each level), so a run can be resumed or redone arm by arm;
`OUT/summary.md` and `OUT/summary.json` are rebuilt from whatever arm files exist.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from eval.serve.users import Request
from eval.stress.bench import percentile
from safety.watermark import GreenListDetector

LONG_ANSWER_TOKENS = 150
"""Watermark figures count answers with at least this many generated tokens."""


class Watermarking(BaseModel):
    """Detection on the level's generated tokens, and false alarms on unmarked text."""

    generated: int = Field(0, description="answers with generated tokens (not pure quotes)")
    generated_tokens_p50: float | None = None
    untested: int = Field(
        0,
        description="answers that generated tokens but show only course quotes: the app "
        "tests no watermark on them (Answer.watermark is None)",
    )
    long_answers: int = Field(0, description=f"answers with >= {LONG_ANSWER_TOKENS} tokens")
    detected: int = 0
    detection_rate: float | None = None
    median_z: float | None = None
    min_z: float | None = None
    unmarked_judged: int = Field(
        0, description="the level's answer texts tested under a key that did not mark them"
    )
    unmarked_flagged: int = 0
    false_positive_rate: float | None = None


class Level(BaseModel):
    """One arm at one number of users."""

    arm: str
    users: int
    questions_per_user: int
    run_id: str
    measured_at: str
    load_average: list[float]
    sent: int
    answered: int
    errors: int
    error_samples: list[str]
    waited_in_line: int
    first_text_p50_s: float | None
    first_text_p95_s: float | None
    final_p50_s: float | None
    final_p95_s: float | None
    wall_s: float
    answers_per_s: float
    turns_logged: int
    watermark: Watermarking


class ArmResults(BaseModel):
    arm: str
    description: str
    app_settings: dict[str, str]
    machine: dict[str, Any]
    levels: dict[int, Level] = Field(default_factory=dict)
    not_measured: dict[int, str] = Field(default_factory=dict)
    human_text: dict[str, Any] = Field(
        default_factory=dict,
        description="the app's key on the course's own paragraphs (unmarked, human-written)",
    )


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _p(values: list[float], q: float) -> float | None:
    return _rounded(percentile(values, q)) if values else None


def watermarking(
    rows: Sequence[dict[str, Any]],
    tokenize: Callable[[str], list[int]],
    control: GreenListDetector,
) -> Watermarking:
    """Detection on the turns' long generations (the app's own test of their generated
    token ids), and the control detector's verdicts on every answer's text."""
    zs: list[float] = []
    lengths: list[int] = []
    detected = flagged = judged = untested = 0
    for row in rows:
        unmarked = control.detect(tokenize(row["answer"] or ""))
        if unmarked.verdict != "too short to tell":
            judged += 1
            flagged += unmarked.verdict == "watermarked"
        tokens = int(json.loads(row["usage"] or "{}").get("completion_tokens") or 0)
        lengths += [tokens] if tokens else []
        report = json.loads(row["watermark"]) if row["watermark"] else None
        untested += bool(tokens) and report is None
        if report is None or tokens < LONG_ANSWER_TOKENS:
            continue
        zs.append(float(report["z"]))
        detected += report["verdict"] == "watermarked"
    return Watermarking(
        generated=len(lengths),
        generated_tokens_p50=statistics.median(lengths) if lengths else None,
        untested=untested,
        long_answers=len(zs),
        detected=detected,
        detection_rate=_rounded(detected / len(zs)) if zs else None,
        median_z=_rounded(statistics.median(zs)) if zs else None,
        min_z=_rounded(min(zs)) if zs else None,
        unmarked_judged=judged,
        unmarked_flagged=flagged,
        false_positive_rate=_rounded(flagged / judged) if judged else None,
    )


def level(
    arm: str,
    users: int,
    per_user: int,
    requests: list[Request],
    wall_s: float,
    rows: Sequence[dict[str, Any]],
    mark: Watermarking,
    *,
    run_id: str,
    measured_at: str,
    load_average: list[float],
) -> Level:
    answered = [r for r in requests if r.ok]
    failed = [r for r in requests if not r.ok]
    samples = list(dict.fromkeys(str(r.error) for r in failed))[:5]
    return Level(
        arm=arm,
        users=users,
        questions_per_user=per_user,
        run_id=run_id,
        measured_at=measured_at,
        load_average=load_average,
        sent=users * per_user,
        answered=len(answered),
        errors=users * per_user - len(answered),
        error_samples=samples,
        waited_in_line=sum(r.waited_in_line for r in requests),
        first_text_p50_s=_p([r.first_text_s for r in answered if r.first_text_s], 50),
        first_text_p95_s=_p([r.first_text_s for r in answered if r.first_text_s], 95),
        final_p50_s=_p([r.final_s for r in answered if r.final_s], 50),
        final_p95_s=_p([r.final_s for r in answered if r.final_s], 95),
        wall_s=round(wall_s, 2),
        answers_per_s=round(len(answered) / wall_s, 3) if wall_s > 0 else 0.0,
        turns_logged=len(rows),
        watermark=mark,
    )


def load_arm(out: Path, arm: str) -> ArmResults | None:
    path = out / f"{arm}.json"
    return ArmResults.model_validate_json(path.read_text()) if path.is_file() else None


def save_arm(out: Path, results: ArmResults) -> None:
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{results.arm}.json"
    partial = path.with_suffix(".json.partial")
    partial.write_text(results.model_dump_json(indent=2))
    partial.replace(path)


def _cell(value: float | None, unit: str = "") -> str:
    return "–" if value is None else f"{value:g}{unit}"


def _rate(numerator: int, denominator: int) -> str:
    return "–" if not denominator else f"{numerator}/{denominator} ({numerator / denominator:.0%})"


def markdown(arms: Sequence[ArmResults], command: str) -> str:
    """The table of every level of every arm, the 32-user ratio, and what was left out."""
    lines = [
        "# make bench-serve",
        "",
        f"Command: `{command}`. Times are seen by the simulated users (waiting in line "
        "included), p50 / p95; first text = the course quote or the first draft sentence "
        "on screen (polled every 50 ms). Watermark: answers with >= "
        f"{LONG_ANSWER_TOKENS} generated tokens detected at the app's threshold; false "
        "positives: every answer's text tested under a key that did not mark it. An "
        "answer that shows only course quotes has no watermark test in the app (counted as "
        "untested); `scripts/measure_serving_mark.py` measures the mark at the engine "
        "itself. Users ask the same course questions in turn, so some answers repeat.",
        "",
        "| arm | users x q | answered / sent | errors | first text p50 / p95 s | "
        "final p50 / p95 s | answers/s | turns logged | generated tokens p50 | "
        "untested | mark detected | false positives | load avg | run |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for arm in arms:
        for users in sorted(arm.levels):
            lv = arm.levels[users]
            wm = lv.watermark
            lines.append(
                f"| {arm.arm} | {users} x {lv.questions_per_user} | {lv.answered} / {lv.sent} "
                f"| {lv.errors} | {_cell(lv.first_text_p50_s)} / {_cell(lv.first_text_p95_s)} "
                f"| {_cell(lv.final_p50_s)} / {_cell(lv.final_p95_s)} | {lv.answers_per_s:g} "
                f"| {lv.turns_logged} / {lv.sent} | {_cell(wm.generated_tokens_p50)} "
                f"| {wm.untested} "
                f"| {_rate(wm.detected, wm.long_answers)} "
                f"| {_rate(wm.unmarked_flagged, wm.unmarked_judged)} "
                f"| {lv.load_average[0]:.1f} | {lv.run_id} |"
            )
    lines += ["", *_ratio_lines(arms)]
    human = next((a.human_text for a in arms if a.human_text), None)
    if human:
        lines += [
            "",
            f"Unmarked human text under the app's key: {human.get('false_positives')} of "
            f"{human.get('judged')} course paragraphs flagged "
            f"(highest z {_cell(_rounded(human.get('max_z')))}).",
        ]
    skipped = [
        f"- {arm.arm} at {users} users: {why}"
        for arm in arms
        for users, why in sorted(arm.not_measured.items())
    ]
    if skipped:
        lines += ["", "Not measured:", *skipped]
    lines += ["", "Arms:", *[f"- {a.arm}: {a.description} ({a.app_settings})" for a in arms]]
    return "\n".join(lines) + "\n"


def _ratio_lines(arms: Sequence[ArmResults]) -> list[str]:
    by_name = {a.arm: a for a in arms}
    single = by_name.get("inprocess")
    out = []
    for name in ("vllm1", "vllm2"):
        engine = by_name.get(name)
        if single is None or engine is None:
            continue
        for users in sorted(set(single.levels) & set(engine.levels)):
            a, b = single.levels[users], engine.levels[users]
            if not a.answers_per_s:
                continue
            same = "same run" if a.run_id == b.run_id else "different runs: not comparable"
            out.append(
                f"At {users} users, {name} / in-process answers per second: "
                f"{b.answers_per_s / a.answers_per_s:.1f}x ({same})."
            )
    return out


def summary_json(arms: Sequence[ArmResults]) -> str:
    return json.dumps([a.model_dump(mode="json") for a in arms], indent=2)
