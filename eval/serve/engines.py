"""The generation engine an arm needs: none (in process), a running one, or one started here.

The engine is started as a child process with the project's own launcher (the command
`make serve` uses, without the app), on a free loopback port, and stopped with SIGTERM
when the arm is done. It is a separate process, not an import: eval/ sits below ui/.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from eval.stress.bench import _free_port

ENGINE_START_TIMEOUT_S = 600.0
ENGINE_COMMAND = "{python} -m ui.engine.launch --replicas {replicas} --port {port} --no-app"
"""The launcher's command line; `{python}`, `{replicas}` and `{port}` are filled in."""


class EngineError(RuntimeError):
    """The engine did not start; the message names its log."""


def _wait_until_serving(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + ENGINE_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise EngineError(f"the engine exited with code {server.returncode}; see {log}")
        try:
            with urllib.request.urlopen(f"{url}/v1/models", timeout=5):
                return
        except OSError:
            time.sleep(2.0)
    raise EngineError(f"the engine did not answer at {url} within {ENGINE_START_TIMEOUT_S:.0f} s")


@contextmanager
def running_engine(replicas: int, url: str | None, logs: Path) -> Iterator[str | None]:
    """Yields the engine URL for `replicas` vLLM replicas (None for the in-process arm).

    Raises:
        EngineError: the engine could not be started.
    """
    if replicas == 0:
        yield None
        return
    if url is not None:
        yield url.rstrip("/")
        return
    port = _free_port()
    python = shlex.quote(sys.executable)
    command = ENGINE_COMMAND.format(python=python, replicas=replicas, port=port)
    log = logs / f"engine-{replicas}.log"
    logs.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as handle:
        server = subprocess.Popen(
            shlex.split(command), stdout=handle, stderr=handle, start_new_session=True
        )
        try:
            engine = f"http://127.0.0.1:{port}"
            _wait_until_serving(engine, server, log)
            yield engine
        finally:
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGTERM)
                try:
                    server.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    os.killpg(server.pid, signal.SIGKILL)
                    server.wait()
