"""Real vllm-router processes and their ports: two on one machine at once, and a port taken
between choosing it and binding it.

The router serves Prometheus metrics on a fixed port (29000) unless told otherwise, so a
second router (another deployment, a test run beside `make serve`) used to exit with
"Address already in use". The workers here are a tiny HTTP stand-in that answers 200: what
is under test is the router's start-up, not generation (the real replicas are in
test_server_real.py).
"""

from __future__ import annotations

import http.server
import json
import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

import ui.engine.replicas as replicas
from ui.engine.errors import EngineError
from ui.engine.processes import Server
from ui.engine.replicas import free_port, router_command, start_router


class _HealthyWorker(http.server.BaseHTTPRequestHandler):
    """Answers every GET with 200 and a one-model list, as a healthy replica would."""

    def do_GET(self) -> None:
        body = json.dumps({"object": "list", "data": [{"id": "stand-in"}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def worker_url() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _HealthyWorker)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_two_routers_start_side_by_side(
    vllm_env_python: Path, worker_url: str, tmp_path: Path
) -> None:
    routers: list[Server] = []
    try:
        for number in (1, 2):
            port = free_port()
            routers.append(
                Server(
                    f"vllm-router {number}",
                    router_command(vllm_env_python, [worker_url], port, metrics_port=free_port()),
                    dict(os.environ),
                    tmp_path / f"router-{number}.log",
                    port,
                )
            )
        for router in routers:
            router.wait_healthy(120.0)
        assert all(router.alive for router in routers)
    finally:
        for router in routers:
            router.stop()


def test_the_router_is_told_its_metrics_port(tmp_path: Path) -> None:
    command = router_command(tmp_path / "python", ["http://127.0.0.1:1"], 8100, metrics_port=8101)
    assert command[command.index("--prometheus-port") + 1] == "8101"
    assert command[command.index("--prometheus-host") + 1] == "127.0.0.1"


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A loopback port something else listens on for the whole test."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def test_a_port_taken_before_the_router_binds_it_is_replaced(
    vllm_env_python: Path,
    worker_url: str,
    taken_port: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The free port chosen for the router is taken by the time it binds (as a replica's
    engine can take it while starting): the router starts again on another."""
    offered = iter([taken_port])
    monkeypatch.setattr(replicas, "free_port", lambda: next(offered, None) or free_port())
    router = start_router(vllm_env_python, [worker_url], dict(os.environ), tmp_path / "r.log")
    try:
        assert router.port != taken_port and router.healthy()
        assert "Address already in use" in (tmp_path / "r.log").read_text()
    finally:
        router.stop()


def test_a_port_asked_for_that_is_taken_is_an_error(
    vllm_env_python: Path, worker_url: str, taken_port: int, tmp_path: Path
) -> None:
    with pytest.raises(EngineError, match="Address already in use"):
        start_router(
            vllm_env_python, [worker_url], dict(os.environ), tmp_path / "r.log", port=taken_port
        )
