"""The app under load: its line of answers, the busy message, time limits, leaving readers.

The line's logic is tested on its own; the rest goes through `gradio_client` against the
real app launched in-process with a fake assistant whose answers wait on a gate, so a test
decides when a slot frees up. Waiting loops poll the line's state (no timed assertions).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import gradio as gr
import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from rag.settings import Settings
from tests.ui.ui_fakes import Event, FakeAssistant
from tests.ui.ui_launch import serve
from ui.holder import AssistantHolder
from ui.line import Line, busy_message, line_for

WAIT_S = 60.0


class GatedAssistant(FakeAssistant):
    """Answers only once `gate` is set: blocking inside one step, or (`ticking`) yielding a
    token every few milliseconds meanwhile, as a long generation does."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.gate = threading.Event()
        self.ticking = False
        self.started = 0
        self.closed = 0

    def stream(
        self, question: str, history: list[str] | None = None, session_id: str | None = None
    ) -> Iterator[Event]:
        self.started += 1
        try:
            yield Event("token", text="Data drift ")
            if self.ticking:
                while not self.gate.wait(0.02):
                    yield Event("token", text="is ")
            else:
                self.gate.wait()
            answer = self.ask(question, history, session_id)
            yield Event("final", answer=answer)
        except GeneratorExit:
            self.closed += 1
            raise


def until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.02)


@pytest.fixture
def gated(settings: Settings) -> Iterator[Callable[..., tuple[Any, GatedAssistant, str]]]:
    """Launch the app on a gated assistant with the given server settings."""
    apps: list[Any] = []
    bots: list[GatedAssistant] = []

    def launch(**server: Any) -> tuple[Any, GatedAssistant, str]:
        holder = AssistantHolder(settings, GatedAssistant)
        assert holder.wait(10)
        bot = holder.get()
        assert isinstance(bot, GatedAssistant)
        app, url = serve(holder, **server)
        apps.append(app)
        bots.append(bot)
        return app, bot, url

    yield launch
    for bot in bots:
        bot.gate.set()
    for app in apps:
        app.close()


# -- the line on its own ---------------------------------------------------------------


def _collect(line: Line, items: list[str]) -> list[str]:
    async def run() -> list[str]:
        return [item async for item in line.stream(lambda: iter(items), str)]

    return asyncio.run(run())


def test_a_free_slot_answers_without_a_waiting_update() -> None:
    line = Line(2, 5, wait_timeout_s=10, answer_timeout_s=10)
    assert _collect(line, ["a", "b"]) == ["a", "b"]
    assert (line.stats().running, line.stats().waiting) == (0, 0)


def test_waiters_get_their_place_then_their_turn_in_order() -> None:
    async def run() -> tuple[list[str], list[str], str]:
        line = Line(1, 2, wait_timeout_s=30, answer_timeout_s=30)
        release = asyncio.Event()

        async def first() -> list[str]:
            out = []
            async for item in line.stream(lambda: iter(["first"]), lambda n: f"place {n}"):
                out.append(item)
                await release.wait()
            return out

        async def later(name: str) -> list[str]:
            return [
                item async for item in line.stream(lambda: iter([name]), lambda n: f"place {n}")
            ]

        holder = asyncio.ensure_future(first())
        while line.stats().running < 1:
            await asyncio.sleep(0.01)
        second = asyncio.ensure_future(later("second"))
        third = asyncio.ensure_future(later("third"))
        while line.stats().waiting < 2:
            await asyncio.sleep(0.01)
        with pytest.raises(gr.Error) as refused:
            await later("fourth")
        release.set()
        await holder
        return await second, await third, refused.value.message

    second, third, refused = asyncio.run(run())
    assert second == ["place 1", "second"]
    assert third[0] == "place 2" and third[-1] == "third"
    assert (
        refused
        == busy_message(2)
        == ("coursebot is busy: 2 people are waiting; try again in a minute.")
    )


def test_the_line_is_sized_to_the_backend(settings: Settings) -> None:
    assert line_for(settings).slots == 1  # llama.cpp in process: one at a time
    remote = settings.with_overrides({"llm": {"backend": "vllm", "concurrency": 24}})
    assert line_for(remote).slots == 24
    server = settings.with_overrides({"server": {"max_waiting": 7}})
    assert line_for(server).max_waiting == 7


def test_bad_server_limits_are_config_errors(settings: Settings) -> None:
    from rag.errors import ConfigError

    with pytest.raises(ConfigError, match=r"server\.answer_timeout_s"):
        line_for(settings.with_overrides({"server": {"answer_timeout_s": 0}}))


# -- through gradio_client against the app ------------------------------------------------


def test_a_full_line_turns_the_next_user_away_in_one_line(gated: Any) -> None:
    app, bot, url = gated(max_waiting=2)
    client = Client(url, verbose=False)
    jobs = [client.submit(f"What is data drift? ({i})", [], api_name="/chat") for i in range(3)]
    until(lambda: (app.line.stats().running, app.line.stats().waiting) == (1, 2), "1 + 2 in line")

    with pytest.raises(AppError) as refused:
        Client(url, verbose=False).predict("What is concept drift?", api_name="/ask")
    assert str(refused.value) == "coursebot is busy: 2 people are waiting; try again in a minute."
    assert "\n" not in str(refused.value)

    until(lambda: any("in line" in str(out) for job in jobs for out in job.outputs()), "place")
    places = [str(out[-1]) for job in jobs for out in job.outputs() if "in line" in str(out)]
    assert any(place.startswith("You are number 1 in line") for place in places)

    bot.gate.set()
    finals = [job.result(timeout=WAIT_S) for job in jobs]
    assert all(status.startswith("Answered in") for _, _, status in finals)
    assert sum(1 for _ in bot.turn_log.turns()) == 3  # the refused user asked nothing


def test_an_answer_over_its_time_limit_ends_with_an_error_event(gated: Any) -> None:
    app, bot, url = gated(answer_timeout_s=0.5)
    bot.ticking = True  # a generation that goes on and on
    client = Client(url, verbose=False)
    with pytest.raises(AppError, match=r"took longer than [01] s and was stopped"):
        client.predict("What is data drift?", [], api_name="/chat")
    until(lambda: bot.closed == 1, "the stream closed")
    until(lambda: app.line.stats().running == 0, "the slot freed")


def test_a_step_stuck_past_the_time_limit_frees_its_slot_when_it_returns(gated: Any) -> None:
    app, bot, url = gated(answer_timeout_s=0.5)
    client = Client(url, verbose=False)
    with pytest.raises(AppError, match="and was stopped"):
        client.predict("What is data drift?", [], api_name="/chat")
    assert app.line.stats().running == 1  # the step still runs on its worker thread
    bot.gate.set()
    until(lambda: app.line.stats().running == 0, "the slot freed")
    bot.gate.set()
    assert client.predict("What is data drift?", api_name="/ask")["text"]


def test_a_wait_over_its_time_limit_ends_with_an_error_event(gated: Any) -> None:
    app, bot, url = gated(wait_timeout_s=0.5)
    client = Client(url, verbose=False)
    holding = client.submit("What is data drift?", [], api_name="/chat")
    until(lambda: app.line.stats().running == 1, "the slot taken")
    with pytest.raises(AppError, match="no answer slot came free within"):
        client.predict("What is concept drift?", [], api_name="/chat")
    bot.gate.set()
    assert holding.result(timeout=WAIT_S)[2].startswith("Answered in")


def test_a_reader_who_leaves_closes_the_answer_stream(gated: Any) -> None:
    app, bot, url = gated()
    bot.ticking = True
    client = Client(url, verbose=False)
    job = client.submit("What is data drift?", [], api_name="/chat")
    until(lambda: len(job.outputs()) >= 3, "tokens streaming")
    job.cancel()
    until(lambda: bot.closed == 1, "the stream closed")
    until(lambda: app.line.stats().running == 0, "the slot freed")
    assert bot.started == 1


def read_then_drop(url: str, session: str, question: str, updates: int) -> None:
    """Ask through Gradio's own protocol, as the page does, and drop the event stream's
    connection after `updates` updates (no cancel request: the tab just closed)."""
    import httpx

    config = httpx.get(f"{url}config", timeout=30).json()
    chat = next(d for d in config["dependencies"] if d.get("api_name") == "chat")
    joined = httpx.post(
        f"{url}gradio_api/queue/join",
        json={
            "data": [question, [], None, None],
            "fn_index": chat["id"],
            "session_hash": session,
            "event_data": None,
            "trigger_id": None,
        },
        timeout=30,
    )
    assert joined.status_code == 200, joined.text
    seen = 0
    with httpx.stream(
        "GET", f"{url}gradio_api/queue/data", params={"session_hash": session}, timeout=30
    ) as events:
        for line in events.iter_lines():
            seen += '"process_generating"' in line
            if seen >= updates:
                return


def test_a_reader_whose_connection_drops_closes_the_answer_stream(gated: Any) -> None:
    app, bot, url = gated()
    bot.ticking = True
    read_then_drop(url, "dropped-mid-answer", "What is data drift?", updates=3)
    until(lambda: bot.closed == 1, "the stream closed")
    until(lambda: app.line.stats().running == 0, "the slot freed")


def test_a_waiting_reader_whose_connection_drops_leaves_the_line(gated: Any) -> None:
    app, bot, url = gated()
    holding = Client(url, verbose=False).submit("What is data drift?", [], api_name="/chat")
    until(lambda: app.line.stats().running == 1, "the slot taken")
    read_then_drop(url, "dropped-in-line", "What is concept drift?", updates=1)
    until(lambda: app.line.stats().waiting == 0, "the line emptied")
    bot.gate.set()
    assert holding.result(timeout=WAIT_S)[2].startswith("Answered in")
    assert bot.started == 1  # the one who left was never answered


def test_more_users_than_gradios_default_workers_all_reach_the_line_and_are_answered(
    gated: Any,
) -> None:
    """Gradio runs 40 events at once unless told otherwise; the rest wait in its own queue,
    where the line's place and busy messages never reach them. Every user must reach the
    line, and every one be answered and logged once (through the bench's own users)."""
    from eval.serve.users import simulate

    users = 48
    app, bot, url = gated(max_waiting=users)
    done: list[Any] = []
    asking = threading.Thread(
        target=lambda: done.append(simulate(url, users, ["What is data drift?"], 1, WAIT_S * 5))
    )
    asking.start()
    until(lambda: app.line.stats().waiting == users - 1, "every user in the line")
    assert app.line.stats().running == 1
    bot.gate.set()
    asking.join(timeout=WAIT_S * 5)
    requests, _ = done[0]
    assert [r.error for r in requests if not r.ok] == []
    assert len(requests) == users
    assert sum(r.waited_in_line for r in requests) == users - 1  # all but the first
    assert sum(1 for _ in bot.turn_log.turns()) == users
