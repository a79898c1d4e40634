"""The Rate page: handlers on a real store, and a rating made through headless chromium."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from eval.rating.models import NewItem
from eval.rating.store import RatingStore
from rag.ports import free_port
from rag.settings import Settings
from tests.browser import launch_chromium
from ui.rate_page import RateHandlers, build_rate_app

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSAGE = "Data Drift: Gradual input distribution changes degrade performance."


def seed_store(settings: Settings) -> RatingStore:
    store = RatingStore.from_settings(settings, seed=3)
    answer = {
        "text": "Data drift is a gradual change in the input distribution [1].",
        "citations": [{"n": 1, "source": "course.md", "section": "Data Drift", "text": PASSAGE}],
        "passages": [{"source": "course.md", "section": "Data Drift", "text": PASSAGE}],
    }
    store.add_items(
        [
            NewItem(
                kind="likert",
                question_id="q1",
                question="What is data drift?",
                answer_a=answer,
                config_a="secret-config-hybrid",
            ),
            NewItem(
                kind="pair",
                question_id="q1",
                question="What is data drift?",
                answer_a=answer,
                config_a="secret-config-hybrid",
                answer_b={
                    "text": "Brazil won the 2026 World Cup.",
                    "citations": [],
                    "passages": [],
                },
                config_b="secret-config-closed-book",
            ),
        ]
    )
    store.add_rater("Ann")
    return store


def test_handlers_show_errors_and_never_reveal_configurations() -> None:
    settings = Settings()
    handlers = RateHandlers(seed_store(settings))
    assert "No rater with ID" in handlers.show("nobody")[0]
    assert "No item loaded" in handlers.submit_pair("ann", None, "A", "")[0]
    shown = handlers.show("ann")
    seen = [shown]
    for _ in range(2):
        item = shown[4]
        assert "What is data drift?" in shown[1] and "Sources" in str(shown[2:4])
        if item["kind"] == "likert":
            missing = handlers.submit_likert("ann", item, "5", None, "4", "5", "")
            assert "helpfulness must be a whole number" in missing[0]
            shown = handlers.submit_likert("ann", item, "5", "4", "4", "5", "clear")
        else:
            assert "Choice must be one of" in handlers.submit_pair("ann", item, None, "")[0]
            shown = handlers.submit_pair("ann", item, "A", "")
        assert shown[0].startswith("Saved")
        seen.append(shown)
    assert "All done" in shown[0]
    assert "secret-config" not in " ".join(str(x) for x in seen)


@pytest.fixture
def rate_server() -> Iterator[tuple[str, Settings]]:
    settings = Settings()
    seed_store(settings)
    app = build_rate_app(settings)
    port = free_port()
    app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/", settings
    finally:
        app.close()


@pytest.fixture
def browser_page() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1200, "height": 1400})
        try:
            yield page
        finally:
            browser.close()


@pytest.mark.browser
def test_rate_an_item_in_a_real_browser(
    rate_server: tuple[str, Settings], browser_page: Any
) -> None:
    url, settings = rate_server
    page = browser_page
    page.goto(url)
    rater = page.locator("#rate-rater-id").get_by_role("textbox")

    rater.fill("nobody")
    page.locator("#rate-next").click()
    page.locator("#rate-status").get_by_text("No rater with ID").wait_for(timeout=20_000)

    rater.fill("ann")
    page.locator("#rate-next").click()
    page.locator("#rate-question").get_by_text("What is data drift?").wait_for(timeout=20_000)
    ARTIFACTS.mkdir(exist_ok=True)
    faithful_left = None
    for step in range(2):
        assert "secret-config" not in page.content()
        if page.locator("#rate-submit-likert").is_visible():
            for dimension, score in (
                ("faithfulness", "5"),
                ("helpfulness", "4"),
                ("citation_accuracy", "4"),
                ("safety", "5"),
            ):
                page.locator(f"#rate-{dimension}").get_by_label(score, exact=True).check()
            comment = page.locator("#rate-likert-comment").get_by_role("textbox")
            comment.fill("cites the right passage")
            page.screenshot(path=str(ARTIFACTS / "rate-page-likert.png"), full_page=True)
            page.locator("#rate-submit-likert").click()
        else:
            # Blind side-by-side: pick the faithful answer, whichever side it landed on.
            faithful_left = "gradual change" in page.locator("#rate-answer-a").inner_text()
            page.screenshot(path=str(ARTIFACTS / "rate-page-pair.png"), full_page=True)
            label = "A is better" if faithful_left else "B is better"
            page.locator("#rate-choice").get_by_label(label, exact=True).check()
            page.locator("#rate-submit-pair").click()
        expected = "Saved your rating" if step == 0 else "All done"
        page.locator("#rate-status").get_by_text(expected).wait_for(timeout=20_000)
    assert faithful_left is not None

    conn = sqlite3.connect(settings.data_dir / "ratings.sqlite3")
    rating = conn.execute(
        "SELECT rater_id, faithfulness, helpfulness, citation_accuracy, safety, comment"
        " FROM ratings"
    ).fetchall()
    assert rating == [("ann", 5, 4, 4, 5, "cites the right passage")]
    vote = conn.execute("SELECT choice, first_side, winner FROM comparisons").fetchall()
    assert vote == [("A" if faithful_left else "B", "a" if faithful_left else "b", "a")]
    conn.close()
