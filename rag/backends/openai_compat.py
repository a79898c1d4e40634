"""Generation on any OpenAI-compatible server (vLLM, llama-server, Ollama, a hosted one).

The server applies its own chat template (`/v1/chat/completions`) and streams server-sent
events over httpx. Requests go to a healthy endpoint of the configured list; one that fails
before any text arrived is left out and the request retried on another, one that fails in
the middle of an answer costs that answer a BackendUnavailable, and so does one that
streams longer than `llm.answer_timeout_s`. Closing the stream closes the HTTP response,
so the engine aborts the request. Such a server cannot run coursebot's
watermark: `mark_site` is "not possible" and the answer's report says so.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import httpx

from rag.backends.endpoints import Endpoint, EndpointPool
from rag.backends.sse import events
from rag.errors import BackendUnavailable, GenerationError, WatermarkServerMismatch
from rag.generation import GenerationResult, GenerationStream, LogitsProcessor, MarkSite, Message
from rag.setting_groups import LlmSettings

TokenCounter = Callable[[str], int]


class ServerFailure(Exception):
    """The endpoint failed (5xx, a stream cut short): another endpoint may do better."""


class OpenAICompatGenerator:
    """Streams chat completions from the configured endpoints; thread-safe."""

    kind = "openai"

    def __init__(
        self,
        llm: LlmSettings,
        *,
        n_vocab: int,
        count_tokens: TokenCounter | None = None,
        concurrency: int,
        client: httpx.Client | None = None,
    ) -> None:
        self.settings = llm
        self.n_vocab = n_vocab
        self._count = count_tokens
        self._concurrency = concurrency
        self._model = llm.model
        self.pool = EndpointPool(llm.endpoints, retry_after_s=llm.retry_after_s)
        headers = {}
        if llm.api_key is not None:
            headers["Authorization"] = f"Bearer {llm.api_key.get_secret_value()}"
        self._client = client or httpx.Client(
            headers=headers,
            timeout=httpx.Timeout(
                connect=llm.connect_timeout_s,
                read=llm.read_timeout_s,
                write=llm.connect_timeout_s,
                pool=llm.read_timeout_s,
            ),
            limits=httpx.Limits(max_connections=concurrency + 4, max_keepalive_connections=None),
        )
        self._model_lock = threading.Lock()

    @property
    def name(self) -> str:
        return f"{self._model or 'unknown model'} ({self.kind})"

    @property
    def concurrency(self) -> int:
        return self._concurrency

    @property
    def mark_site(self) -> MarkSite:
        return "not possible"

    @property
    def end_ids(self) -> frozenset[int]:
        """None known here: a server that marks takes each request's own stop ids."""
        return frozenset()

    def close(self) -> None:
        self._client.close()

    def count_tokens(self, text: str) -> int:
        """Tokens of `text` by the model's tokenizer: the GGUF's, or the server's /tokenize."""
        if self._count is not None:
            return self._count(text)
        return self._request(self._tokenize, text)

    def connect(self) -> None:
        """Check every endpoint that answers now (model name, and on vLLM the watermark
        probe); the others are checked before their first use.

        Raises:
            WatermarkServerMismatch: an endpoint would not mark with this app's key.
        """
        for endpoint in self.pool.endpoints:
            try:
                self._ensure_connected(endpoint)
            except (httpx.TransportError, ServerFailure):
                self.pool.failed(endpoint)

    def stream(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int,
        temperature: float,
        top_p: float,
        logits_processor: LogitsProcessor | None = None,
        server_mark: bool = False,
        seed: int | None = None,
    ) -> GenerationStream:
        if logits_processor is not None:
            raise GenerationError(
                f"The {self.kind} backend generates on a server and cannot run an in-process "
                "logits processor."
            )
        if server_mark and self.mark_site != "on server":
            raise GenerationError(f"The {self.kind} backend cannot apply the watermark.")
        body: dict[str, Any] = {
            "messages": [dict(m) for m in messages],
            "max_tokens": max_tokens,
            "temperature": temperature,
            "top_p": top_p,
            "stream": True,
            "stream_options": {"include_usage": True},
            **self.extra_body(server_mark),
        }
        if self.sends_seed:
            body["seed"] = self.settings.seed if seed is None else seed

        def pieces(result: GenerationResult) -> Iterator[str]:
            yield from self._generate(body, result)

        return GenerationStream(pieces)

    def extra_body(self, server_mark: bool) -> dict[str, Any]:
        """Fields a particular engine adds to each chat request."""
        return {}

    @property
    def sends_seed(self) -> bool:
        """Whether chat requests carry the sampling seed."""
        return True

    def check_endpoint(self, endpoint: Endpoint) -> None:
        """What must hold of an endpoint before it is used (vLLM: the watermark probe)."""

    def _generate(self, body: dict[str, Any], result: GenerationResult) -> Iterator[str]:
        tried: list[str] = []
        last = "no endpoint"
        for endpoint in self._attempts():
            tried.append(endpoint.url)
            streamed = False
            try:
                self._ensure_connected(endpoint)
                for piece in self._stream_from(endpoint, body, result):
                    streamed = True
                    yield piece
                self.pool.succeeded(endpoint)
                return
            except (httpx.TransportError, ServerFailure) as exc:
                self.pool.failed(endpoint)
                if streamed:
                    raise BackendUnavailable(
                        f"The generation server {endpoint.url} stopped in the middle of this "
                        f"answer ({_describe(exc)}); ask again."
                    ) from exc
                last = _describe(exc)
                _reset(result)
        raise BackendUnavailable(
            f"No generation server answered (tried {', '.join(dict.fromkeys(tried))}; last: "
            f"{last}). Start "
            "the server (`make serve`) or check llm.endpoints."
        )

    def _attempts(self) -> list[Endpoint]:
        """Where one request may go: `1 + retries` tries over the endpoints in order, the
        list repeated when it is shorter (a router sends a retry to another replica)."""
        order = self.pool.order()
        return [order[n % len(order)] for n in range(1 + self.settings.retries)]

    def _ensure_connected(self, endpoint: Endpoint) -> None:
        if endpoint.connected:
            return
        with endpoint.lock:
            if endpoint.connected:
                return
            try:
                self._resolve_model(endpoint)
                self.check_endpoint(endpoint)
            except WatermarkServerMismatch:
                self.pool.failed(endpoint)
                raise
            endpoint.connected = True

    def _resolve_model(self, endpoint: Endpoint) -> None:
        with self._model_lock:
            if self._model is not None:
                return
        data = self.get_json(endpoint, "/v1/models")
        models = data.get("data") or []
        if not models or "id" not in models[0]:
            raise GenerationError(
                f"{endpoint.url} serves no model: set llm.model to the served model's name."
            )
        with self._model_lock:
            self._model = self._model or str(models[0]["id"])

    @property
    def model(self) -> str:
        if self._model is None:
            raise GenerationError("No endpoint has been connected yet; the model is unknown.")
        return self._model

    def get_json(self, endpoint: Endpoint, path: str) -> dict[str, Any]:
        response = self._client.get(endpoint.url + path)
        return _json_of(endpoint, response)

    def post_json(self, endpoint: Endpoint, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self._client.post(endpoint.url + path, json=body)
        return _json_of(endpoint, response)

    def _request(self, call: Callable[[Endpoint, str], int], text: str) -> int:
        """A small non-streamed request with the same failover as generation."""
        last = "no endpoint"
        for endpoint in self._attempts():
            try:
                self._ensure_connected(endpoint)
                return call(endpoint, text)
            except (httpx.TransportError, ServerFailure) as exc:
                self.pool.failed(endpoint)
                last = _describe(exc)
        raise BackendUnavailable(
            f"No generation server answered ({last}). Start the server (`make serve`) or check "
            "llm.endpoints."
        )

    def _tokenize(self, endpoint: Endpoint, text: str) -> int:
        data = self.post_json(
            endpoint,
            "/tokenize",
            {"model": self.model, "prompt": text, "content": text, "add_special_tokens": False},
        )
        if isinstance(data.get("count"), int):
            return int(data["count"])
        tokens = data.get("tokens")
        if not isinstance(tokens, list):
            raise GenerationError(
                f"{endpoint.url}/tokenize returned no tokens: set llm.tokenizer to 'gguf'."
            )
        return len(tokens)

    def _stream_from(
        self, endpoint: Endpoint, body: dict[str, Any], result: GenerationResult
    ) -> Iterator[str]:
        started = time.perf_counter()
        text: list[str] = []
        payload = {"model": self.model, **body}
        try:
            with self._client.stream(
                "POST", endpoint.url + "/v1/chat/completions", json=payload
            ) as response:
                if response.status_code >= 400:
                    response.read()
                    _json_of(endpoint, response)
                for event in _server_events(response):
                    if time.perf_counter() - started > self.settings.answer_timeout_s:
                        raise BackendUnavailable(
                            f"The generation server {endpoint.url} was still writing this "
                            f"answer after {self.settings.answer_timeout_s:.0f} s "
                            "(llm.answer_timeout_s) and was stopped; ask again."
                        )
                    piece = _take(event, result)
                    if piece:
                        if result.first_token_s is None:
                            result.first_token_s = time.perf_counter() - started
                        text.append(piece)
                        yield piece
        finally:
            result.text = "".join(text)
            result.seconds = time.perf_counter() - started
        if not result.finish_reason:
            raise ServerFailure("the stream ended before the answer was finished")
        if result.token_ids:
            result.completion_tokens = len(result.token_ids)


def _server_events(response: httpx.Response) -> Iterator[dict[str, Any]]:
    """The streamed events; an error the server streams is the endpoint's failure."""
    try:
        yield from events(response.iter_lines())
    except GenerationError as exc:
        raise ServerFailure(str(exc)) from exc


def _take(event: dict[str, Any], result: GenerationResult) -> str:
    """Record what one streamed chunk says in `result`; return its text."""
    usage = event.get("usage")
    if isinstance(usage, dict):
        result.prompt_tokens = int(usage.get("prompt_tokens") or result.prompt_tokens)
        if not result.token_ids:
            result.completion_tokens = int(usage.get("completion_tokens") or 0)
    prompt_ids = event.get("prompt_token_ids")
    if isinstance(prompt_ids, list) and not result.prompt_tokens:
        result.prompt_tokens = len(prompt_ids)
    text = ""
    for choice in event.get("choices") or []:
        delta = choice.get("delta") or {}
        text += delta.get("content") or ""
        ids = choice.get("token_ids")
        if isinstance(ids, list):
            result.token_ids.extend(int(i) for i in ids)
        if choice.get("finish_reason"):
            result.finish_reason = str(choice["finish_reason"])
            if result.finish_reason == "stop" and not isinstance(choice.get("stop_reason"), str):
                _drop_stop_token(result, ids)
    return text


def _drop_stop_token(result: GenerationResult, ids: object) -> None:
    """vLLM returns the end-of-turn token with the ids that ended on it; the answer's ids
    leave it out, as llama.cpp's do (a stop string's tokens are text and stay)."""
    if isinstance(ids, list) and ids and result.token_ids:
        result.token_ids.pop()


def _json_of(endpoint: Endpoint, response: httpx.Response) -> dict[str, Any]:
    """The JSON object of a finished response; a failed status is a typed error."""
    if response.status_code >= 500:
        raise ServerFailure(f"HTTP {response.status_code} {_detail(response)}")
    if response.status_code >= 400:
        raise GenerationError(
            f"{endpoint.url} refused the request (HTTP {response.status_code}): {_detail(response)}"
        )
    try:
        data = response.json()
    except ValueError as exc:
        raise ServerFailure(f"a reply that is not JSON: {response.text[:80]!r}") from exc
    if not isinstance(data, dict):
        raise ServerFailure(f"a reply that is not a JSON object: {response.text[:80]!r}")
    return data


def _detail(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text[:200]
    error = data.get("error", data) if isinstance(data, dict) else data
    if isinstance(error, dict):
        return str(error.get("message", error))[:300]
    return str(error)[:300]


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _reset(result: GenerationResult) -> None:
    """Forget a failed attempt before the next endpoint tries."""
    fresh = GenerationResult()
    for field in GenerationResult.model_fields:
        setattr(result, field, getattr(fresh, field))
