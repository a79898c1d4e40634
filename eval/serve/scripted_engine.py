"""A scripted OpenAI-compatible engine: no model, a fixed answer streamed word by word.

The `scripted` arm of `make bench-serve` points the app at it to measure the app alone
(its line, Gradio, the guards, retrieval, grounding, the turn log) at many users, for the
cost of a sleep per word instead of a generation. It answers `/v1/models`,
`/v1/chat/completions` (streamed, with made-up token ids and usage) and `/tokenize`.

    python -m eval.serve.scripted_engine --port 8911 --word-delay-s 0.02
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator

import click

SENTENCES = (
    "Data drift is a gradual change in the distribution of the inputs a model sees over {n} "
    "days in production.",
    "It degrades performance because the model learned a different distribution from the "
    "{n} training examples.",
    "Monitoring compares the last {n} inputs with the training data and raises an alert when "
    "they differ.",
    "Concept drift changes the relation between inputs and labels, so {n} relabelled cases "
    "may be needed.",
    "A team usually retrains the model after {n} weeks, or sooner when the alert fires.",
    "Checking data quality on {n} sampled rows catches missing values before they reach the model.",
)
"""What requests get: course-like prose, so the guards and the grounding check do their
usual work on it. `{n}` is the request's number, so no two answers share a sentence (a
real model's do not either, and the app's embedding cache would otherwise hide the cost
of screening and grounding them)."""
PROMPT_TOKENS = 500


def answer(number: int) -> str:
    """The answer to request `number`: the sentences in turn, each naming the number."""
    repeated = SENTENCES * 4
    return " ".join(s.format(n=len(repeated) * number + k + 1) for k, s in enumerate(repeated))


def chunks(max_tokens: int, delay_s: float, number: int = 0) -> AsyncIterator[str]:
    """The server-sent events of one streamed answer to request `number`."""
    words = answer(number).split()[: max(1, max_tokens)]

    async def stream() -> AsyncIterator[str]:
        for i, word in enumerate(words):
            await asyncio.sleep(delay_s)
            text = word if i == len(words) - 1 else f"{word} "
            choice = {"index": 0, "delta": {"content": text}, "token_ids": [100 + i]}
            yield f"data: {json.dumps({'choices': [{**choice, 'finish_reason': None}]})}\n\n"
        end = {"index": 0, "delta": {}, "token_ids": [], "finish_reason": "length"}
        yield f"data: {json.dumps({'choices': [end]})}\n\n"
        usage = {"prompt_tokens": PROMPT_TOKENS, "completion_tokens": len(words)}
        yield f"data: {json.dumps({'choices': [], 'usage': usage})}\n\n"
        yield "data: [DONE]\n\n"

    return stream()


def app(delay_s: float) -> object:
    """The ASGI app."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, StreamingResponse
    from starlette.routing import Route

    async def models(request: Request) -> JSONResponse:
        return JSONResponse({"data": [{"id": "scripted"}]})

    served = itertools.count()

    async def chat(request: Request) -> StreamingResponse:
        body = await request.json()
        events = chunks(int(body.get("max_tokens", 200)), delay_s, next(served))
        return StreamingResponse(events, media_type="text/event-stream")

    async def tokenize(request: Request) -> JSONResponse:
        body = await request.json()
        return JSONResponse({"count": len(str(body.get("prompt", "")).split())})

    return Starlette(
        routes=[
            Route("/v1/models", models),
            Route("/v1/chat/completions", chat, methods=["POST"]),
            Route("/tokenize", tokenize, methods=["POST"]),
        ]
    )


@click.command()
@click.option("--port", type=int, required=True)
@click.option("--word-delay-s", default=0.02, show_default=True, type=click.FloatRange(0.0))
def main(port: int, word_delay_s: float) -> None:
    """Serve the scripted engine on 127.0.0.1:PORT until stopped."""
    import uvicorn

    uvicorn.run(app(word_delay_s), host="127.0.0.1", port=port, log_level="warning")  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
