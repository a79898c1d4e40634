from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import gradio as gr

from rag.settings import load_settings
from ui.monitor_page import monitor_page, monitor_snapshot


def test_snapshot_without_a_log_says_so() -> None:
    text, table, series = monitor_snapshot(load_settings(), "1d")
    assert text.startswith("No turns yet") and table.empty and series.empty


def test_snapshot_and_page_on_a_log(write_log) -> None:  # type: ignore[no-untyped-def]
    write_log([{"total_s": 1.5, "first_token_s": 0.4}] * 22 + [{"abstained": True}] * 3)
    settings = load_settings()
    text, table, series = monitor_snapshot(settings, "1d")
    assert "25 turns" in text and "abstained 12%" in text
    assert len(table) == 25 and list(table.columns)[:3] == ["id", "time", "arm"]
    assert set(series["measure"]) == {"total", "first token"} and len(series) == 50


def _refresh_handler(demo: gr.Blocks) -> tuple[Callable[[str], Any], list[Any]]:
    """The function the Refresh button runs, and the components it fills, in order."""
    for handler in demo.fns.values():
        for block_id, event in handler.targets:
            block = demo.blocks[block_id]
            if event == "click" and isinstance(block, gr.Button) and block.value == "Refresh":
                return handler.fn, list(handler.outputs)
    raise AssertionError("the Monitor tab has no Refresh button")


def test_the_page_shows_the_numbers_of_a_known_log(write_log) -> None:  # type: ignore[no-untyped-def]
    minutes = timedelta(minutes=1)
    write_log(
        [
            {"total_s": 1.0, "first_token_s": 0.2, "ago": 40 * minutes, "feedback": 1},
            {"total_s": 2.0, "first_token_s": 0.4, "ago": 30 * minutes, "feedback": -1},
            {"total_s": 3.0, "first_token_s": None, "ago": 20 * minutes, "abstained": True,
             "session": "s2"},
            {"total_s": 4.0, "first_token_s": None, "ago": 10 * minutes, "refused": True,
             "policy": "violence", "session": "s3"},
        ]
    )  # fmt: skip
    with gr.Blocks() as demo, gr.Tab("Monitor"):
        monitor_page(load_settings())
    refresh, outputs = _refresh_handler(demo)
    shown = dict(zip((type(c).__name__ for c in outputs), refresh("1d"), strict=True))

    summary = shown["Markdown"]
    assert "4 turns, 3 sessions" in summary
    assert "abstained 25%, refused 25% (violence: 1)" in summary
    assert "latency p50 2.50 s, p95 3.85 s; first token p50 0.30 s, p95 0.39 s" in summary
    assert "thumbs-up 50% of 2 ratings" in summary

    table = shown["Dataframe"]
    assert list(table["total s"]) == [4.0, 3.0, 2.0, 1.0]  # newest first
    assert list(table["abstained"]) == [False, True, False, False]
    assert list(table["refused"]) == [True, False, False, False]
    assert list(table["policy"]) == ["violence", "", "", ""]
    assert list(table["feedback"])[2:] == [-1, 1]

    series = shown["LinePlot"]
    assert sorted(series[series["measure"] == "total"]["seconds"]) == [1.0, 2.0, 3.0, 4.0]
    assert sorted(series[series["measure"] == "first token"]["seconds"]) == [0.2, 0.4]
