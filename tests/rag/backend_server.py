"""A tiny OpenAI-compatible server on loopback, scripted per test, for the backends' logic.

It speaks the parts of vLLM's HTTP API the client uses (`/v1/models`, the probe on
`/v1/completions`, streamed `/v1/chat/completions` with `token_ids`, `/tokenize`) and can
fail the ways a real one does: refuse connections (stopped), answer 500, cut a stream after
some chunks, or stream slowly so a test can see the client hang up.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from safety.watermark import WatermarkConfig
from safety.watermark.remote import MARK_ARG, PROBE_ARG, probe_tokens

MODEL = "fake-smollm2"
EOS = 2
"""Like vLLM, the end-of-turn token comes back with the ids of the chunk that ended on it."""


@dataclass
class Script:
    """How the server behaves; tests change it between requests."""

    words: list[str] = field(default_factory=lambda: ["Data", "drift", "degrades", "models", "."])
    probe_config: WatermarkConfig | None = field(default_factory=WatermarkConfig)
    """Whose probe tokens it answers with; None = no processor (ordinary tokens)."""
    status: int = 200
    fail_chats: int = 0
    """The next this many chat requests get a 500 (a router whose replica just died)."""
    cut_after: int | None = None
    """Close the connection abruptly after this many chunks."""
    delay_s: float = 0.0
    hold: threading.Event | None = None
    """Chat requests wait for this before streaming (to count requests in flight)."""


class FakeEngine:
    """The server and what it saw: request bodies, requests in flight, hang-ups."""

    def __init__(self) -> None:
        self.script = Script()
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.hangups = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def bodies(self, path: str) -> list[dict[str, Any]]:
        return [body for seen, body in self.requests if seen == path]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        engine = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                engine.requests.append((self.path, {}))
                if self.path == "/v1/models":
                    self._json({"object": "list", "data": [{"id": MODEL}]})
                else:
                    self._json({"error": {"message": "not found"}}, status=404)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                engine.requests.append((self.path, body))
                script = engine.script
                failing = self.path == "/v1/chat/completions" and script.fail_chats > 0
                if failing:
                    script.fail_chats -= 1
                if script.status != 200 or failing:
                    status = 500 if failing else script.status
                    self._json({"error": {"message": "engine dead"}}, status=status)
                elif self.path == "/v1/completions":
                    self._json(engine.completion(body))
                elif self.path == "/tokenize":
                    self._json({"count": len(body["prompt"].split()), "max_model_len": 2048})
                elif self.path == "/v1/chat/completions":
                    self._stream(body)
                else:
                    self._json({"error": {"message": "not found"}}, status=404)

            def _json(self, data: dict[str, Any], status: int = 200) -> None:
                payload = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _stream(self, body: dict[str, Any]) -> None:
                script = engine.script
                with engine._lock:
                    engine.in_flight += 1
                    engine.max_in_flight = max(engine.max_in_flight, engine.in_flight)
                try:
                    if script.hold is not None:
                        script.hold.wait(10)
                    self.send_response(200)
                    self.send_header("Content-Type", "text/event-stream")
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    for n, chunk in enumerate(engine.chunks(body)):
                        if script.cut_after is not None and n >= script.cut_after:
                            self.close_connection = True
                            self.connection.shutdown(2)
                            return
                        data = f"data: {json.dumps(chunk)}\n\n".encode()
                        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                        self.wfile.flush()
                        time.sleep(script.delay_s)
                    done = b"data: [DONE]\n\n"
                    self.wfile.write(f"{len(done):x}\r\n".encode() + done + b"\r\n0\r\n\r\n")
                except (BrokenPipeError, ConnectionResetError):
                    with engine._lock:
                        engine.hangups += 1
                    self.close_connection = True
                finally:
                    with engine._lock:
                        engine.in_flight -= 1

        return Handler

    def completion(self, body: dict[str, Any]) -> dict[str, Any]:
        config = self.script.probe_config
        probing = PROBE_ARG in (body.get("vllm_xargs") or {})
        if probing and config is not None:
            ids = probe_tokens(config)
        else:
            ids = list(range(5, 5 + int(body.get("max_tokens", 16))))
        return {"choices": [{"index": 0, "text": "x", "token_ids": ids, "finish_reason": "length"}]}

    def chunks(self, body: dict[str, Any]) -> Iterator[dict[str, Any]]:
        words = self.script.words[: int(body.get("max_tokens", 100))]
        marked = MARK_ARG in (body.get("vllm_xargs") or {})
        with_ids = bool(body.get("return_token_ids"))
        yield {"choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]}
        for n, word in enumerate(words):
            choice: dict[str, Any] = {"index": 0, "delta": {"content": word + " "}}
            if with_ids:
                choice["token_ids"] = [2000 + n + (1000 if marked else 0)]
            if n == len(words) - 1 and len(words) == body["max_tokens"]:
                choice["finish_reason"] = "length"
            yield {"choices": [choice]}
        if len(words) < body["max_tokens"]:
            end: dict[str, Any] = {"index": 0, "delta": {}, "finish_reason": "stop"}
            if with_ids:
                end["token_ids"] = [EOS]
            yield {"choices": [end]}
        yield {
            "choices": [],
            "usage": {"prompt_tokens": 17, "completion_tokens": len(words) + 1},
        }
