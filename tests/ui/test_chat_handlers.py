from __future__ import annotations

import sqlite3
import threading

import pytest

from rag.settings import Settings
from tests.ui.ui_fakes import FakeAssistant
from ui.chat_page import ChatHandlers
from ui.holder import AssistantHolder


def _last(handlers: ChatHandlers, question: str, **state: object) -> tuple:
    return list(handlers.respond(question, **state))[-1]  # type: ignore[arg-type]


def test_stream_shows_draft_then_grounded_final(fake_holder: AssistantHolder) -> None:
    steps = list(ChatHandlers(fake_holder).respond("What is data drift?", [], [], {}))
    drafts = [s[0][-1]["content"] for s in steps[1:-1]]
    assert any("1850" in d for d in drafts), "the raw draft streams token by token"
    messages, box, questions, turn_ids, status = steps[-1]
    final = messages[-1]["content"]
    assert messages[0] == {"role": "user", "content": "What is data drift?"}
    assert "invented in 1850" in final.split("Sources")[-1]  # only in the 'removed' list
    assert "It was invented in 1850." not in final.split("\n\n")[1]
    assert box == "" and questions == ["What is data drift?"]
    assert turn_ids == {1: 1} and status.startswith("Answered in 1.2 s")


def test_follow_up_passes_previous_questions(fake_holder: AssistantHolder) -> None:
    handlers = ChatHandlers(fake_holder)
    messages, _, questions, ids, _ = _last(
        handlers, "What is data drift?", messages=[], questions=[], turn_ids={}
    )
    _last(handlers, "And how is it detected?", messages=messages, questions=questions, turn_ids=ids)
    bot = fake_holder.get()
    assert bot.histories[-1] == ["What is data drift?"]  # type: ignore[attr-defined]


def test_empty_question_changes_nothing(fake_holder: AssistantHolder) -> None:
    messages, _, questions, _, status = _last(
        ChatHandlers(fake_holder), "   ", messages=[], questions=[], turn_ids={}
    )
    assert messages == [] and questions == [] and "Type a question" in status


def test_question_while_loading_gets_a_message(settings: Settings) -> None:
    release = threading.Event()

    def slow_factory(s: Settings) -> FakeAssistant:
        release.wait(10)
        return FakeAssistant(s)

    holder = AssistantHolder(settings, slow_factory)
    messages, box, _, _, status = _last(
        ChatHandlers(holder), "What is data drift?", messages=[], questions=[], turn_ids={}
    )
    assert "still loading" in status and box == "What is data drift?" and messages == []
    release.set()
    assert holder.wait(10)
    messages, *_ = _last(
        ChatHandlers(holder), "What is data drift?", messages=[], questions=[], turn_ids={}
    )
    assert "Data drift" in messages[-1]["content"]


def test_failed_load_is_reported_not_raised(settings: Settings) -> None:
    def broken(s: Settings) -> FakeAssistant:
        raise FileNotFoundError("model.gguf")

    holder = AssistantHolder(settings, broken)
    holder.wait(10)
    *_, status = _last(ChatHandlers(holder), "hi", messages=[], questions=[], turn_ids={})
    assert "could not be loaded" in status and "model.gguf" in status


def test_error_mid_stream_is_shown_and_app_keeps_serving(settings: Settings) -> None:
    holder = AssistantHolder(settings, lambda s: FakeAssistant(s, fail_after_tokens=3))
    holder.wait(10)
    messages, *_ = _last(
        ChatHandlers(holder), "What is data drift?", messages=[], questions=[], turn_ids={}
    )
    assert messages[-1]["content"].startswith("**Could not answer:** llama.cpp stopped")
    holder.get().fail_after_tokens = None  # type: ignore[attr-defined]
    messages, *_ = _last(
        ChatHandlers(holder), "What is data drift?", messages=messages, questions=[], turn_ids={}
    )
    assert "Sources" in messages[-1]["content"]


def test_client_disconnect_mid_stream_releases_the_assistant(fake_holder: AssistantHolder) -> None:
    stream = ChatHandlers(fake_holder).respond("What is data drift?", [], [], {})
    next(stream), next(stream), next(stream)
    stream.close()  # what Gradio does when the browser goes away
    bot = fake_holder.get()
    assert bot.lock.acquire(timeout=1)  # type: ignore[attr-defined]
    bot.lock.release()  # type: ignore[attr-defined]


def test_feedback_is_stored_in_sqlite(fake_holder: AssistantHolder) -> None:
    handlers = ChatHandlers(fake_holder)
    _, _, _, ids, _ = _last(handlers, "What is data drift?", messages=[], questions=[], turn_ids={})
    status, comment = handlers.like(1, False, ids, "  wrong year  ")
    assert "thumbs down saved with your comment" in status and comment == ""
    handlers.like([1, 0], True, ids, "")
    db = fake_holder.get().turn_log.path
    rows = sqlite3.connect(db).execute("SELECT turn_id, value, comment FROM feedback").fetchall()
    assert rows == [(ids[1], -1, "wrong year"), (ids[1], 1, None)]


@pytest.mark.parametrize("index", [0, 7, None])
def test_feedback_on_a_non_answer_is_refused_politely(
    fake_holder: AssistantHolder, index: object
) -> None:
    status, comment = ChatHandlers(fake_holder).like(index, True, {1: 1}, "keep me")
    assert "logged answer" in status and comment == "keep me"


def test_feedback_api_rejects_unknown_turns(fake_holder: AssistantHolder) -> None:
    handlers = ChatHandlers(fake_holder)
    assert "Feedback not saved" in handlers.feedback(999, 1)
    assert "must be 1" in handlers.feedback(999, 5)


def test_ask_api_returns_json(fake_holder: AssistantHolder) -> None:
    data = ChatHandlers(fake_holder).ask("What is data drift?")
    assert data["citations"][0]["section"].endswith("Data Drift") and data["turn_id"] == 1
