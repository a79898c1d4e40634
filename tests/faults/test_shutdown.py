"""SIGTERM mid-stream: the client sees an error event, the server exits cleanly, and every
logged turn is still in the database. A real server process; the assistant is the UI's
fake with slow tokens (generation is not what is tested)."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from tests.faults.procs import REPO, env_for
from tests.ui.ui_launch import free_port
from ui.shutdown import SHUTDOWN_MESSAGE

SERVER = """
import sys, time
from rag.answer import Answer
from rag.settings import load_settings
from tests.ui.ui_fakes import FakeAssistant
from ui.serving import launch

class SlowFake(FakeAssistant):
    def _answer(self, question):
        return Answer(
            question=question,
            text="Data drift is a gradual change in the input distribution.",
            raw_text="Data drift is a gradual change in the input distribution, word by word.",
        )

    def stream(self, *args, **kwargs):
        for event in super().stream(*args, **kwargs):
            time.sleep(0.4)
            yield event

settings = load_settings(server={"port": int(sys.argv[1])})
launch(settings, SlowFake, quiet=True)
print("STOPPED", flush=True)
"""


def wait_for_server(url: str, proc: subprocess.Popen[bytes]) -> Client:
    deadline = time.monotonic() + 120
    while True:
        try:
            return Client(url, verbose=False)
        except Exception:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_mid_stream_ends_the_stream_with_an_error_and_keeps_the_turns(
    tmp_path: Path, sig: int
) -> None:
    data = tmp_path / "data"
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(SERVER), str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env_for(data),
        cwd=REPO,
    )
    try:
        client = wait_for_server(f"http://127.0.0.1:{port}/", proc)
        done = client.predict("What is data drift?", api_name="/ask")
        job = client.submit("What is data drift?", [], api_name="/chat")
        deadline = time.monotonic() + 60
        while len(job.outputs()) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(job.outputs()) >= 3, "the stream started"
        proc.send_signal(sig)
        with pytest.raises(AppError, match="shutting down"):
            job.result(timeout=60)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err.decode()[-2000:]
    assert b"STOPPED" in out
    assert "Traceback" not in err.decode()
    with sqlite3.connect(data / "turns.sqlite3") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        ids = [row[0] for row in db.execute("SELECT id FROM turns")]
    assert done["turn_id"] in ids and len(ids) == 2, "the finished and the streamed turn"
    assert SHUTDOWN_MESSAGE.startswith("The coursebot server is shutting down")
