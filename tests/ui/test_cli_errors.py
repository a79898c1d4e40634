"""Every bad input to the CLI is one line and a documented exit code; no model loads first."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.faults.procs import REPO, env_for, run_cli

PROBE = """
import atexit, sys
heavy = ("llama_cpp", "torch", "sentence_transformers", "faiss")
atexit.register(lambda: print("LOADED:" + ",".join(m for m in heavy if m in sys.modules)))
from ui.cli.main import cli
cli(sys.argv[1:], prog_name="coursebot")
"""


def probe(
    tmp_path: Path, *args: str | bytes, stdin: bytes = b""
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        input=stdin,
        capture_output=True,
        env=env_for(tmp_path / "data"),
        cwd=REPO,
        timeout=300,
        check=False,
    )


def real_coursebot(data: Path, *args: str | bytes) -> subprocess.CompletedProcess[bytes]:
    """The installed `coursebot` with the real MiniLM (the safety guards need it), as a
    user runs it."""
    env = env_for(data)
    del env["COURSEBOT_INDEX__EMBEDDER"]
    return subprocess.run(
        [str(Path(sys.executable).parent / "coursebot"), *args],
        capture_output=True,
        env=env,
        cwd=REPO,
        timeout=900,
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "stdin"),
    [
        (["ask", ""], b""),
        (["ask", "   "], b""),
        (["ask", b"\xff\xfe"], b""),
        (["ask"], b"\xff\xfe\n"),
        (["ask", "-"], b""),
    ],
    ids=["empty", "blank", "only-invalid-utf8", "stdin-invalid-utf8", "stdin-empty"],
)
def test_an_empty_question_is_refused_before_any_model_library_loads(
    tmp_path: Path, args: list[str | bytes], stdin: bytes
) -> None:
    done = probe(tmp_path, *args, stdin=stdin)
    assert done.returncode == 1
    assert done.stderr.decode().strip() == (
        "Error: Please type a question: it is empty (pass it as an argument or on stdin)."
    )
    assert done.stdout.decode().strip() == "LOADED:"


def test_usage_errors_exit_2_and_help_documents_the_codes(tmp_path: Path) -> None:
    done = run_cli(tmp_path / "data", "ask", "--no-such-option")
    assert done.returncode == 2 and "No such option" in done.stderr
    helped = run_cli(tmp_path / "data", "--help")
    assert helped.returncode == 0
    assert "Exit codes: 0 done; 1 an error" in " ".join(helped.stdout.split())


def test_index_status_and_rollback_without_an_index_are_one_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    done = run_cli(data, "index", "status")
    assert done.returncode == 0 and "No index yet" in done.stdout
    back = run_cli(data, "index", "rollback")
    assert back.returncode == 1 and back.stderr.count("\n") == 1
    assert back.stderr.startswith("Error: No index in")


def test_index_status_lists_sources_and_versions(tmp_path: Path) -> None:
    data = tmp_path / "data"
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "a.md").write_text("# A\n\n## B\n\nSome text.\n")
    ingested = run_cli(data, "ingest", str(kb))
    assert ingested.returncode == 0
    assert "Note: embedding 1/1 chunks" in ingested.stderr, "progress lines when not a tty"
    done = run_cli(data, "index", "status")
    assert done.returncode == 0, done.stderr
    assert f"folder {kb.resolve()}" in done.stdout
    assert "1 documents, 1 chunks  ok" in done.stdout


@pytest.mark.slow
def test_invalid_utf8_in_a_question_is_cleaned_answered_logged_and_quiet(tmp_path: Path) -> None:
    data = tmp_path / "data"
    done = real_coursebot(data, "ask", b"What is data drift?\xff")
    stderr = done.stderr.decode()
    assert done.returncode == 0, stderr
    assert stderr.strip() == (
        "Note: the question held bytes that are not UTF-8; they were replaced by \ufffd."
    ), "no llama.cpp or library output without --verbose"
    assert "Sources:" in done.stdout.decode()
    with sqlite3.connect(data / "coursebot.sqlite3") as db:
        (question,) = db.execute("SELECT question FROM turns").fetchone()
    assert question == "What is data drift?\ufffd"


@pytest.mark.slow
def test_eval_hallucination_keeps_llama_cpp_output_off_stderr(tmp_path: Path) -> None:
    """The evaluation loads the real model like `ask` does, and like `ask` it shows only
    its own lines without --verbose (llama.cpp printed its context-size warning here)."""
    first = (REPO / "eval" / "data" / "questions.jsonl").read_text().splitlines()[0]
    questions = tmp_path / "one.jsonl"
    questions.write_text(first + "\n")
    done = real_coursebot(
        tmp_path / "data",
        *("eval", "hallucination", "--questions", str(questions)),
        *("--out", str(tmp_path / "run"), "--no-progress"),
    )
    stderr = done.stderr.decode()
    assert done.returncode == 0, stderr
    assert "llama" not in stderr and "n_ctx" not in stderr, stderr
    assert stderr.splitlines()[0] == f"1 questions -> {tmp_path / 'run'}"
    assert "report:" in done.stdout.decode()
