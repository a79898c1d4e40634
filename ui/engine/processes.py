"""Server processes started on loopback: each in its own process group, ended with the
process that started it, healthy when GET /health answers 200.

A vLLM replica spawns an engine-core process and workers of its own; its own group lets
one signal stop them all, and PR_SET_PDEATHSIG keeps a killed launcher or test run from
leaving any behind.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from ui.engine.errors import EngineError

PR_SET_PDEATHSIG = 1


def _end_with_parent() -> None:
    """In the child, before exec (Linux): SIGTERM it when the process that started it dies,
    so a killed launcher or test run leaves no vLLM behind."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class Process:
    """One server process (a replica or the router) in its own process group."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], log: Path) -> None:
        self.name = name
        self.log = log
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("ab") as sink:
            self.popen = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
                preexec_fn=_end_with_parent if sys.platform == "linux" else None,
            )

    @property
    def alive(self) -> bool:
        return self.popen.poll() is None

    def signal(self, signum: int) -> None:
        """Send `signum` to the whole process group (vLLM's children included)."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signum)

    def kill(self) -> None:
        """End it at once (SIGKILL), as a crash would."""
        self.signal(signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=30)

    def stop(self, grace_s: float = 20.0) -> None:
        """SIGTERM, then SIGKILL what is left after `grace_s` seconds."""
        if self.alive:
            self.signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(timeout=grace_s)
        # the group may outlive its leader (engine core, workers)
        self.signal(signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=10)

    def tail(self, lines: int = 15) -> str:
        """The end of its log, for an error message."""
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.strip().splitlines()[-lines:])


class Server(Process):
    """A process serving HTTP on a loopback port."""

    def __init__(
        self, name: str, command: list[str], env: dict[str, str], log: Path, port: int
    ) -> None:
        super().__init__(name, command, env, log)
        self.port = port

    @property
    def url(self) -> str:
        """Its base URL, without /v1."""
        return f"http://127.0.0.1:{self.port}"

    def healthy(self) -> bool:
        """True when GET /health answers 200."""
        try:
            with urllib.request.urlopen(self.url + "/health", timeout=5) as response:
                return int(response.status) == 200
        except (urllib.error.URLError, OSError, ValueError):
            return False

    def wait_healthy(self, timeout_s: float) -> None:
        """Block until healthy; an EngineError (with its log's end) if it dies or times out."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if not self.alive:
                raise EngineError(
                    f"{self.name} exited with code {self.popen.returncode} while starting "
                    f"(log: {self.log}):\n{self.tail()}"
                )
            if self.healthy():
                return
            time.sleep(1.0)
        raise EngineError(
            f"{self.name} did not become healthy within {timeout_s:.0f} s (log: {self.log}); "
            "the machine may be busy: try again, or raise the start-up timeout."
        )
