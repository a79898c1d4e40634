"""Server-sent events as OpenAI-compatible servers stream them: `data: {json}` lines,
a blank line between events, `data: [DONE]` at the end."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from rag.errors import GenerationError

DONE = "[DONE]"


def events(lines: Iterable[str]) -> Iterator[dict[str, Any]]:
    """The JSON payload of each event, until `[DONE]` or the end of the lines.

    Comment lines (`: ...`) and fields other than `data` are skipped; a multi-line event's
    data lines are joined with newlines, as the SSE specification says. An event that is
    not a JSON object, or that carries an `error`, is a GenerationError.
    """
    data: list[str] = []
    for raw in lines:
        line = raw.rstrip("\r\n")
        if line == "":
            if data:
                payload = "\n".join(data)
                data = []
                if payload.strip() == DONE:
                    return
                yield _decode(payload)
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        if field == "data":
            data.append(value[1:] if value.startswith(" ") else value)
    if data:
        payload = "\n".join(data)
        if payload.strip() != DONE:
            yield _decode(payload)


def _decode(payload: str) -> dict[str, Any]:
    try:
        event = json.loads(payload)
    except json.JSONDecodeError as exc:
        raise GenerationError(
            f"The generation server streamed something that is not JSON ({payload[:80]!r}): "
            "check llm.endpoints points at an OpenAI-compatible server."
        ) from exc
    if not isinstance(event, dict):
        raise GenerationError(f"The generation server streamed {payload[:80]!r}, not an object.")
    if "error" in event:
        error = event["error"]
        message = error.get("message", error) if isinstance(error, dict) else error
        raise GenerationError(f"The generation server reported an error: {message}")
    return event
