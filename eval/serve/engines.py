"""The generation engine an arm needs: none (in process), a running one, or one started here
(vLLM, or the scripted engine of the `scripted` arm).

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

from eval.stress.bench import stop_process
from rag.ports import free_port

ENGINE_START_TIMEOUT_S = 1200.0
"""vLLM's first start on 2 cores compiles the model: minutes."""
ENGINE_COMMAND = "{bin}/coursebot serve --replicas {replicas} --engine-port {port} --engine-only"
"""The launcher's command line (`make serve` without the app); `{bin}` is this
interpreter's folder, `{replicas}` and `{port}` are filled in."""


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
def running_engine(
    replicas: int, url: str | None, logs: Path, data_dir: Path | None = None
) -> Iterator[str | None]:
    """Yields the engine URL for `replicas` vLLM replicas (None for the in-process arm);
    a started engine keeps its state (converted model, logs) in `data_dir`.

    Raises:
        EngineError: the engine could not be started.
    """
    if replicas == 0:
        yield None
        return
    if url is not None:
        yield url.rstrip("/")
        return
    port = free_port()
    folder = shlex.quote(str(Path(sys.executable).parent))
    command = ENGINE_COMMAND.format(bin=folder, replicas=replicas, port=port)
    log = logs / f"engine-{replicas}.log"
    logs.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as handle:
        env = {**os.environ, **({"COURSEBOT_DATA_DIR": str(data_dir)} if data_dir else {})}
        server = subprocess.Popen(
            shlex.split(command), stdout=handle, stderr=handle, env=env, start_new_session=True
        )
        try:
            engine = f"http://127.0.0.1:{port}"
            _wait_until_serving(engine, server, log)
            yield engine
        finally:
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGTERM)  # it stops its replicas and router
                try:
                    server.wait(timeout=180)
                except subprocess.TimeoutExpired:
                    os.killpg(server.pid, signal.SIGKILL)
                    server.wait()


@contextmanager
def scripted_engine(logs: Path, word_delay_s: float = 0.02) -> Iterator[str]:
    """The scripted engine (eval/serve/scripted_engine.py) on a free loopback port.

    Raises:
        EngineError: it did not start.
    """
    port = free_port()
    log = logs / "engine-scripted.log"
    logs.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "eval.serve.scripted_engine",
        "--port",
        str(port),
        "--word-delay-s",
        str(word_delay_s),
    ]
    with log.open("wb") as handle:
        server = subprocess.Popen(command, stdout=handle, stderr=handle)
        try:
            engine = f"http://127.0.0.1:{port}"
            _wait_until_serving(engine, server, log)
            yield engine
        finally:
            stop_process(server)
