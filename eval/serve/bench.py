"""`make bench-serve`: the web app under 1 to 200 simulated users, on each backend.

    python -m eval.serve --arms inprocess,vllm1,vllm2 --users 1,8,32,64,200 --questions 3

Arms: `inprocess` is llama.cpp inside the app (one slot); `vllm1` is one vLLM replica;
`vllm2` two replicas behind vllm-router; `scripted` the app alone against a scripted
engine with no model (eval/serve/scripted_engine.py), cheap enough to run 200 users
for the app's own limits. For each arm the app runs in its own process
(`coursebot chat`, as users run it) on a fresh port, pointed at the arm's backend, with
answers of up to 200 tokens; users (eval/serve/users.py) ask through `/chat` on loopback.
Each level records what users saw (time to first text and to the final answer, answers
per second, errors), how many turns the app logged against how many were sent, and the
watermark on the generated tokens. The in-process arm is slow (about 10 s an answer on
2 cores), so it stops at `--inprocess-max-users` and says so in the output.

Results are written after every level to `OUT/<arm>.json` (kept per arm: `--arms vllm2`
redoes that arm only) and the table `OUT/summary.md` is rebuilt from every arm file. The
ratio of answers per second at 32 users is only called comparable when both arms were
measured in the same invocation.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from pydantic import BaseModel, SecretStr

from eval.bench.machine import machine_info
from eval.serve import report
from eval.serve.engines import running_engine, scripted_engine
from eval.serve.users import simulate
from eval.stress.bench import QUESTIONS, SERVER_START_TIMEOUT_S, served_app
from rag.settings import load_settings
from safety.watermark import GreenListDetector, WatermarkConfig

ANSWER_TOKENS = 200
CONTROL_KEY = "bench-serve-control-key: marks nothing"


class Arm(BaseModel):
    name: str
    description: str
    replicas: int
    """vLLM replicas the arm starts (0: none)."""
    backend: str = "vllm"
    """The app's `llm.backend` for the arm."""


ARMS = {
    arm.name: arm
    for arm in (
        Arm(
            name="inprocess",
            description="llama.cpp in the app process, one slot",
            replicas=0,
            backend="llama-cpp",
        ),
        Arm(name="vllm1", description="vLLM (CPU build), one replica", replicas=1),
        Arm(name="vllm2", description="vLLM, two replicas behind vllm-router", replicas=2),
        Arm(
            name="scripted",
            description="the app alone: a scripted engine streams a fixed answer, a word "
            "every 20 ms, no model (no watermark)",
            replicas=0,
            backend="openai",
        ),
    )
}


def _max_id(db_path: Path) -> int:
    if not db_path.is_file():
        return 0
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30) as conn:
        row = conn.execute("SELECT COALESCE(MAX(id), 0) FROM turns").fetchone()
    return int(row[0])


def turns_after(db_path: Path, after: int) -> list[dict[str, Any]]:
    """The turn log's rows with an id above `after` (read-only)."""
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30) as conn:
        conn.row_factory = sqlite3.Row
        rows = conn.execute("SELECT * FROM turns WHERE id > ? ORDER BY id", (after,))
        return [dict(r) for r in rows.fetchall()]


def measure_level(
    url: str,
    db_path: Path,
    arm: str,
    users: int,
    per_user: int,
    *,
    deadline_s: float,
    tokenize: Callable[[str], list[int]],
    control: GreenListDetector,
    run_id: str,
) -> report.Level:
    """`users` at once against the app at `url`, whose turn log is `db_path`."""
    before = _max_id(db_path)
    measured_at = datetime.now(UTC).isoformat(timespec="seconds")
    load = list(os.getloadavg())
    requests, wall = simulate(url, users, QUESTIONS, per_user, patience_s(deadline_s))
    rows = turns_after(db_path, before)
    mark = report.watermarking(rows, tokenize, control)
    return report.level(
        arm,
        users,
        per_user,
        requests,
        wall,
        rows,
        mark,
        run_id=run_id,
        measured_at=measured_at,
        load_average=load,
    )


def warm_up(url: str, timeout_s: float = SERVER_START_TIMEOUT_S) -> None:
    """One answer through `/ask`, retried until the assistant has loaded."""
    from gradio_client import Client

    deadline = time.monotonic() + timeout_s
    while True:
        try:
            Client(url, verbose=False).predict(QUESTIONS[0], api_name="/ask")
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(2.0)


PRIMING_TIMEOUT_S = 900.0


def wait_until_primed(index_dir: Path, timeout_s: float = PRIMING_TIMEOUT_S) -> float | None:
    """Wait until the grounding vectors saved in the index folder (by the ingestion or the
    app's primer) hold every passage sentence of the live index, so a level measures an
    app that answers from them rather than one still embedding them in the background.
    Returns the seconds waited, None on timeout."""
    from rag.errors import CoursebotError
    from rag.grounding_cache import CACHE_FILE, holds_every_text
    from rag.index import IndexStore

    store = IndexStore(index_dir)
    began = time.monotonic()
    while time.monotonic() - began < timeout_s:
        with contextlib.suppress(CoursebotError):
            if holds_every_text(index_dir / CACHE_FILE, store.load().chunks):
                return time.monotonic() - began
        time.sleep(2.0)
    return None


def patience_s(deadline_s: float) -> float:
    """How long a simulated user waits for one answer: the app's longest wait in line plus
    its longest answer (both `deadline_s`, see `app_settings`), and a margin. A user who
    left earlier would count as an error what the app still promised to answer."""
    return 2 * deadline_s + 30.0


def app_settings(max_users: int, deadline_s: float) -> dict[str, str]:
    """The environment every arm's app starts with (the engine's URL is added per arm)."""
    return {
        "COURSEBOT_GENERATION__MAX_ANSWER_TOKENS": str(ANSWER_TOKENS),
        "COURSEBOT_SERVER__MAX_WAITING": str(max(max_users, 1)),
        "COURSEBOT_SERVER__WAIT_TIMEOUT_S": str(deadline_s),
        "COURSEBOT_SERVER__ANSWER_TIMEOUT_S": str(deadline_s),
    }


@contextmanager
def arm_app(
    arm: Arm, data_dir: Path, logs: Path, env: dict[str, str], engine_url: str | None
) -> Iterator[str]:
    """The app for `arm` (and its engine, unless one runs at `engine_url`)."""
    logs.mkdir(parents=True, exist_ok=True)
    engine = (
        scripted_engine(logs)
        if arm.name == "scripted"
        else running_engine(arm.replicas, engine_url, logs, data_dir)
    )
    with engine as endpoint:
        if endpoint is not None:
            env = {
                **env,
                "COURSEBOT_LLM__BACKEND": arm.backend,
                "COURSEBOT_LLM__ENDPOINTS": json.dumps([endpoint]),
            }
        with served_app(data_dir, logs / f"app-{arm.name}.log", env) as url:
            warm_up(url)
            settings = load_settings(data_dir=data_dir)
            waited = wait_until_primed(settings.index_dir)
            if waited is None:
                click.echo("  the app's grounding vectors were still being embedded", err=True)
            yield url


def run_arm(
    arm: Arm,
    levels: list[int],
    *,
    per_user: int,
    out: Path,
    data_dir: Path,
    engine_url: str | None,
    inprocess_max_users: int,
    deadline_s: float,
    run_id: str,
) -> report.ArmResults:
    settings = load_settings(data_dir=data_dir)
    from rag.watermarking import tokenize as model_tokenize

    def tokenize(text: str) -> list[int]:
        return model_tokenize(text, settings)

    control = GreenListDetector(WatermarkConfig(key=SecretStr(CONTROL_KEY)), _vocab_size(settings))
    wanted = [u for u in levels if arm.backend != "llama-cpp" or u <= inprocess_max_users]
    env = app_settings(max(levels), deadline_s)
    results = report.load_arm(out, arm.name) or report.ArmResults(
        arm=arm.name, description=arm.description, app_settings={}, machine={}
    )
    results.app_settings = {k.removeprefix("COURSEBOT_"): v for k, v in env.items()}
    results.machine = machine_info()
    results.human_text = _human_text(settings, tokenize)
    for users in levels:
        if users not in wanted:
            results.not_measured[users] = (
                f"capped at {inprocess_max_users} users (one slot, about 10 s an answer)"
            )
    with arm_app(arm, data_dir, out / "logs", env, engine_url) as url:
        for users in wanted:
            click.echo(f"{arm.name}: {users} users x {per_user} questions", err=True)
            level = measure_level(
                url,
                settings.db_path,
                arm.name,
                users,
                per_user,
                deadline_s=deadline_s,
                tokenize=tokenize,
                control=control,
                run_id=run_id,
            )
            results.levels[users] = level
            results.not_measured.pop(users, None)
            report.save_arm(out, results)
            click.echo(
                f"  {level.answered}/{level.sent} answered, {level.errors} errors, final p50 "
                f"{level.final_p50_s} s p95 {level.final_p95_s} s, {level.answers_per_s} "
                f"answers/s, {level.turns_logged} turns logged",
                err=True,
            )
    report.save_arm(out, results)
    return results


def _human_text(settings: Any, tokenize: Callable[[str], list[int]]) -> dict[str, Any]:
    from eval.watermark.questions import course_paragraphs
    from eval.watermark.summary import human_text
    from rag.watermarking import detector

    return human_text(course_paragraphs(), tokenize, detector(settings))


def _vocab_size(settings: Any) -> int:
    from rag.watermarking import detector

    return detector(settings).vocab_size


def write_summary(out: Path, command: str) -> Path:
    arms = [a for name in ARMS if (a := report.load_arm(out, name)) is not None]
    (out / "summary.json").write_text(report.summary_json(arms))
    path = out / "summary.md"
    path.write_text(report.markdown(arms, command))
    return path


def _numbers(text: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise click.BadParameter(f"expected numbers separated by commas, got {text!r}") from None
    if not values or any(v < 1 or v > 500 for v in values):
        raise click.BadParameter("each number of users must be between 1 and 500")
    return sorted(set(values))


def _arm_names(text: str) -> list[Arm]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = sorted(set(names) - set(ARMS))
    if unknown or not names:
        raise click.BadParameter(f"unknown arm(s) {unknown}; known: {', '.join(ARMS)}")
    return [ARMS[n] for n in names]


@click.command()
@click.option("--arms", default="inprocess,vllm1,vllm2", show_default=True)
@click.option("--users", "users_text", default="1,8,32,64,200", show_default=True)
@click.option("--questions", default=3, show_default=True, type=click.IntRange(1, 20))
@click.option("--inprocess-max-users", default=32, show_default=True, type=click.IntRange(1))
@click.option(
    "--deadline-s",
    default=900.0,
    show_default=True,
    type=click.FloatRange(1.0),
    help="The app's limits on a wait in line and on an answer; a user waits for both.",
)
@click.option("--vllm1-url", default=None, help="Use a running vLLM at this URL for vllm1.")
@click.option("--vllm2-url", default=None, help="Use a running router at this URL for vllm2.")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The apps' state (index, turn log); default: a fresh temporary folder.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("bench-results/serve"),
    show_default=True,
)
def main(
    arms: str,
    users_text: str,
    questions: int,
    inprocess_max_users: int,
    deadline_s: float,
    vllm1_url: str | None,
    vllm2_url: str | None,
    data_dir: Path | None,
    out: Path,
) -> None:
    """Simulated users against the web app on each backend; JSON + markdown in OUT."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    chosen = _arm_names(arms)
    levels = _numbers(users_text)
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    command = (
        f"python -m eval.serve --arms {arms} --users {users_text} --questions {questions} "
        f"--inprocess-max-users {inprocess_max_users}"
    )
    urls = {"vllm1": vllm1_url, "vllm2": vllm2_url}
    with tempfile.TemporaryDirectory(prefix="coursebot-serve-bench-") as tmp:
        state = data_dir or Path(tmp) / "data"
        for arm in chosen:
            run_arm(
                arm,
                levels,
                per_user=questions,
                out=out,
                data_dir=state,
                engine_url=urls.get(arm.name),
                inprocess_max_users=inprocess_max_users,
                deadline_s=deadline_s,
                run_id=run_id,
            )
    summary = write_summary(out, command)
    click.echo(summary.read_text())
