"""Two real vllm-router processes on one machine at once: each must get its own ports.

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
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from ui.engine.replicas import Server, free_port, router_command


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
