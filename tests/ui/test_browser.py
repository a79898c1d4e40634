"""End to end in headless Chromium against the app serving the real assistant."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, sync_playwright

from tests.browser import launch_chromium
from ui.holder import AssistantHolder

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
# Records every text the chat showed, so a streamed draft is seen even if it is brief.
WATCH_CHAT = """
window.__chatTexts = [];
new MutationObserver(() => {
  const chat = document.querySelector('#cb-chat');
  if (chat) window.__chatTexts.push(chat.innerText);
}).observe(document, {subtree: true, childList: true, characterData: true});
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        instance = launch_chromium(p)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Browser, real_app: str) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1200, "height": 1100})
    page = context.new_page()
    page.add_init_script(WATCH_CHAT)
    page.goto(real_app)
    page.get_by_text("Ready.").wait_for(timeout=30_000)
    yield page
    context.close()


def ask(p: Page, question: str) -> Locator:
    """Type a question, send it, and wait for the final (grounded) answer bubble."""
    before = p.locator("#cb-chat .bot").count()
    p.fill("#cb-question textarea", question)
    p.click("#cb-send")
    p.wait_for_function(
        "n => document.querySelectorAll('#cb-chat .bot').length > n", arg=before, timeout=30_000
    )
    p.get_by_text("Answered in").wait_for(timeout=90_000)
    return p.locator("#cb-chat .bot").last


def test_ask_stream_sources_and_feedback(page: Page, real_holder: AssistantHolder) -> None:
    p = page
    answer = ask(p, "What is data drift?")
    seen = p.evaluate("window.__chatTexts")
    assert any("adding to the course" in text for text in seen), "no quote before the draft"
    assert any("screened draft" in text for text in seen), "the draft did not stream"
    final = answer.inner_text()
    assert "screened draft" not in final and "adding to" not in final and "Sources" in final
    source = answer.locator("details.cb-source").first
    source.locator("summary").click()
    passage = source.locator("blockquote").inner_text()
    assert "drift" in (passage + source.inner_text()).lower()
    ARTIFACTS.mkdir(exist_ok=True)
    p.screenshot(path=str(ARTIFACTS / "chat-answer.png"), full_page=True)
    if os.environ.get("UPDATE_SCREENSHOT"):
        p.screenshot(path=str(REPO / "docs" / "screenshot-chat.png"))

    p.fill("#cb-comment textarea", "clear and cited")
    p.locator("#cb-chat").get_by_label("Like", exact=True).last.click()
    p.get_by_text("thumbs up saved with your comment").wait_for(timeout=10_000)
    last = real_holder.get().turn_log.feedback()[-1]
    assert last["value"] == 1 and last["comment"] == "clear and cited"

    p.click("#cb-clear")
    p.get_by_text("Conversation cleared.").wait_for(timeout=10_000)
    assert p.locator("#cb-chat .bot").count() == 0


def test_upload_a_document_then_ask_about_it(
    page: Page, tmp_path: Path, real_holder: AssistantHolder
) -> None:
    p = page
    notes = tmp_path / "zorblax-schedule.md"
    notes.write_text(
        "# Zorblax learning-rate schedule\n\n"
        "The Zorblax schedule halves the learning rate every seven epochs and stops "
        "training when the validation loss has not improved for three epochs.\n"
    )
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7 truncated nonsense")
    p.get_by_role("tab", name="Knowledge base").click()
    p.set_input_files("#cb-upload input[type=file]", [str(notes), str(broken)])
    p.click("#cb-index")
    message = p.locator("#cb-upload-message")
    message.get_by_text("zorblax-schedule.md").wait_for(timeout=60_000)
    text = message.inner_text()
    assert "zorblax-schedule.md: indexed" in text and "broken.pdf: not indexed" in text
    p.screenshot(path=str(ARTIFACTS / "kb-upload.png"), full_page=True)
    sources = {str(d) for d in real_holder.get().documents()}
    assert any("foundations-of-machine-learning" in s for s in sources), "nothing was lost"

    p.get_by_role("tab", name="Chat").click()
    answer = ask(p, "What does the Zorblax schedule do to the learning rate?")
    assert "zorblax-schedule.md" in answer.inner_text()
