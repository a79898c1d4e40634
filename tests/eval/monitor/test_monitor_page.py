from __future__ import annotations

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
    with gr.Blocks() as demo, gr.Tab("Monitor"):
        monitor_page(settings)
    assert demo is not None
