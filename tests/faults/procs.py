"""Run coursebot as users do, in real processes over real files, and stop it mid-way."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
COURSEBOT = Path(sys.executable).parent / "coursebot"


def env_for(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a coursebot process on `data_dir`, hashing embedder, offline."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COURSEBOT_")}
    env.update(
        COURSEBOT_DATA_DIR=str(data_dir),
        COURSEBOT_INDEX__EMBEDDER="hashing",
        HF_HUB_OFFLINE="1",
        PYTHONPATH=str(REPO),
        **extra,
    )
    return env


def _file_size_limit(limit: int | None) -> Callable[[], None] | None:
    """A preexec function that caps the size of files the child writes (`ulimit -f`),
    so writing past it fails with EFBIG the way a full disk fails with ENOSPC."""
    if limit is None:
        return None

    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def run_cli(
    data_dir: Path,
    *args: str | bytes,
    stdin: bytes = b"",
    file_size_limit: int | None = None,
    **extra: str,
) -> subprocess.CompletedProcess[str]:
    """`coursebot ARGS` in a fresh process; stdout and stderr decoded."""
    done = subprocess.run(
        [str(COURSEBOT), *args],
        input=stdin,
        capture_output=True,
        env=env_for(data_dir, **extra),
        cwd=REPO,
        timeout=600,
        check=False,
        preexec_fn=_file_size_limit(file_size_limit),
    )
    return subprocess.CompletedProcess(
        done.args,
        done.returncode,
        done.stdout.decode("utf-8", "replace"),
        done.stderr.decode("utf-8", "replace"),
    )


PAUSE = """
import importlib, sys, time
owner = importlib.import_module({module!r})
*path, name = {attr!r}.split(".")
for part in path:
    owner = getattr(owner, part)
original = getattr(owner, name)
def paused(*args, **kwargs):
    print("PAUSED", flush=True)
    time.sleep(600)
    return original(*args, **kwargs)
setattr(owner, name, paused)
from ui.cli.main import cli
cli(sys.argv[1:], prog_name="coursebot")
"""


def kill_at(data_dir: Path, module: str, attr: str, *args: str, sig: int = signal.SIGKILL) -> int:
    """Start `coursebot ARGS`, wait until it calls `module.attr` (`attr` may be
    `Class.method`), send `sig`; returns the
    exit status. The patch only pauses the process there; what runs is the real code."""
    script = textwrap.dedent(PAUSE.format(module=module, attr=attr))
    proc = subprocess.Popen(
        [sys.executable, "-c", script, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env_for(data_dir),
        cwd=REPO,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if b"PAUSED" not in line:
        proc.kill()
        _, err = proc.communicate(timeout=60)
        raise AssertionError(f"never reached {module}.{attr}: {line!r} {err.decode()[-2000:]}")
    proc.send_signal(sig)
    proc.communicate(timeout=120)
    return proc.returncode
