"""The named API endpoints, called with gradio_client against the launched app."""

from __future__ import annotations

import time

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError
from pydantic import SecretStr

from tests.ui.ui_launch import serve
from ui.holder import AssistantHolder

pytestmark = pytest.mark.slow


def test_ask_endpoint_returns_answer_with_citations_and_takes_feedback(
    real_app: str, real_holder: AssistantHolder
) -> None:
    client = Client(real_app, verbose=False)
    data = client.predict("What is data drift?", api_name="/ask")
    assert data["question"] == "What is data drift?"
    assert data["text"].strip() and not data["refused"]
    assert data["citations"], data
    cited = " ".join(c["section"] + " " + c["text"] for c in data["citations"]).lower()
    assert "drift" in cited
    status = client.predict(data["turn_id"], -1, "too vague", api_name="/feedback")
    assert "saved" in status
    last = real_holder.get().turn_log.feedback()[-1]
    assert (last["turn_id"], last["value"], last["comment"]) == (data["turn_id"], -1, "too vague")


def test_chat_endpoint_streams_and_survives_a_dropped_stream(real_app: str) -> None:
    client = Client(real_app, verbose=False)
    dropped = client.submit("What is model decay?", [], api_name="/chat")
    deadline = time.monotonic() + 120
    while len(dropped.outputs()) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    dropped.cancel()  # the browser went away mid-answer

    job = client.submit("What are the data quality dimensions?", [], api_name="/chat")
    messages, box, status = job.result(timeout=180)
    updates = job.outputs()
    final = messages[-1]["content"][0]["text"]
    assert len(updates) > 2, "tokens arrive as separate updates"
    assert "drafting" not in final and ("Sources" in final or "Not in the course" in final)
    assert box == "" and status.startswith("Answered in")


def test_empty_question_is_a_clear_error(real_app: str) -> None:
    with pytest.raises(AppError, match="question is empty"):
        Client(real_app, verbose=False).predict("   ", api_name="/ask")


def test_login_required_when_configured(fake_holder: AssistantHolder) -> None:
    app, url = serve(fake_holder, auth_username="teacher", auth_password=SecretStr("s3cret"))
    try:
        with pytest.raises(Exception):  # noqa: B017 - gradio_client raises a plain error
            Client(url, verbose=False).predict("What is data drift?", api_name="/ask")
        client = Client(url, auth=("teacher", "s3cret"), verbose=False)
        assert client.predict("What is data drift?", api_name="/ask")["citations"]
    finally:
        app.close()  # type: ignore[attr-defined]
