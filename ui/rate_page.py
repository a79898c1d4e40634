"""The Rate tab: raters enter their ID, get their next assigned answer(s) and score them.

Raters see the question, the answer (or answers A and B in random order) and the sources,
never which configuration wrote what. Errors (unknown ID, missing score) show in the page.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from eval.rating.errors import RatingError
from eval.rating.models import RaterView, ShownAnswer
from eval.rating.rubric import COMPARISON_GUIDE, DIMENSIONS, SCALE, TITLES, rubric_markdown
from eval.rating.store import RatingStore
from rag.settings import Settings

NO_ITEM = "Enter your rater ID and press **Next item**."
CHOICE_LABELS = [
    ("A is better", "A"),
    ("B is better", "B"),
    ("Tie", "tie"),
    ("Both bad", "both_bad"),
]


def answer_markdown(answer: ShownAnswer, heading: str) -> str:
    """An answer and its sources as Markdown; quoting keeps source text from becoming markup."""
    lines = [f"### {heading}", "", answer.text or "*(empty answer)*"]
    if answer.abstained:
        lines += ["", "*The assistant declined to answer from the documents.*"]
    if answer.sources:
        lines += ["", "**Sources**"]
        for source in answer.sources:
            quoted = "\n".join("> " + line for line in source.text.splitlines() if line.strip())
            lines += ["", f"*{source.label}*", "", quoted]
    return "\n".join(lines)


class RateHandlers:
    """The page's event handlers as plain methods over a store, so tests can call them."""

    def __init__(self, store: RatingStore) -> None:
        self.store = store

    def show(self, rater_id: str) -> tuple[Any, ...]:
        """Status, question, left answer, right answer, item state, likert/pair visibility."""
        try:
            view = self.store.next_item(rater_id or "")
        except RatingError as exc:
            return self._empty(f"**Problem:** {exc}")
        if view is None:
            return self._empty("All done: no more items for you. Thank you!")
        return self._render(view, f"Item {view.item_id}: rate it below, then press Submit.")

    def _empty(self, status: str) -> tuple[Any, ...]:
        return (
            status,
            "",
            "",
            gr.update(value="", visible=False),
            None,
            gr.update(visible=False),
            gr.update(visible=False),
        )

    def _render(self, view: RaterView, status: str) -> tuple[Any, ...]:
        pair = view.kind == "pair"
        left = answer_markdown(view.answers[0], "Answer A" if pair else "Answer")
        right = answer_markdown(view.answers[1], "Answer B") if pair else ""
        return (
            status,
            f"## Question\n\n{view.question}",
            left,
            gr.update(value=right, visible=pair),
            {"item_id": view.item_id, "kind": view.kind},
            gr.update(visible=not pair),
            gr.update(visible=pair),
        )

    def submit_likert(
        self, rater_id: str, item: dict[str, Any] | None, *scores_and_comment: Any
    ) -> tuple[Any, ...]:
        """Save the four scores; on success clear the form and show the next item."""
        *scores, comment = scores_and_comment
        cleared = (*[gr.update(value=None)] * len(DIMENSIONS), "")
        if not item:
            return (
                *self._empty("**Problem:** No item loaded: press **Next item** first."),
                *cleared,
            )
        try:
            self.store.submit_likert(
                rater_id,
                int(item["item_id"]),
                dict(zip(DIMENSIONS, scores, strict=True)),
                comment or "",
            )
        except RatingError as exc:
            return (*self._keep(f"**Problem:** {exc}"), *[gr.update()] * (len(DIMENSIONS) + 1))
        return (*self._after_submit(rater_id, item), *cleared)

    def submit_pair(
        self, rater_id: str, item: dict[str, Any] | None, choice: str | None, comment: str
    ) -> tuple[Any, ...]:
        """Save the verdict; on success clear the form and show the next item."""
        cleared = (gr.update(value=None), "")
        if not item:
            return (
                *self._empty("**Problem:** No item loaded: press **Next item** first."),
                *cleared,
            )
        try:
            self.store.submit_comparison(
                rater_id, int(item["item_id"]), choice or "", comment or ""
            )
        except RatingError as exc:
            return (*self._keep(f"**Problem:** {exc}"), gr.update(), gr.update())
        return (*self._after_submit(rater_id, item), *cleared)

    def _keep(self, status: str) -> tuple[Any, ...]:
        """Leave the item on screen, only change the status."""
        keep = gr.update()
        return (status, keep, keep, keep, keep, keep, keep)

    def _after_submit(self, rater_id: str, item: dict[str, Any]) -> tuple[Any, ...]:
        shown = self.show(rater_id)
        return (f"Saved your rating of item {item['item_id']}. {shown[0]}", *shown[1:])


def rate_page(settings: Settings) -> None:
    """Build the Rate tab's components inside the caller's Blocks/Tab context."""
    handlers = RateHandlers(RatingStore.from_settings(settings))
    gr.Markdown(
        "## Rate answers\nYour ratings tell us how good the assistant's answers really are. "
        "You will not be told which version of the assistant wrote an answer."
    )
    with gr.Row():
        rater = gr.Textbox(label="Your rater ID", elem_id="rate-rater-id", scale=3)
        next_button = gr.Button("Next item", elem_id="rate-next", scale=1)
    status = gr.Markdown(NO_ITEM, elem_id="rate-status")
    question = gr.Markdown("", elem_id="rate-question")
    with gr.Row():
        left = gr.Markdown("", elem_id="rate-answer-a")
        right = gr.Markdown("", elem_id="rate-answer-b", visible=False)
    item = gr.State(None)
    with gr.Group(visible=False, elem_id="rate-likert") as likert_box:
        with gr.Accordion("Rubric", open=True):
            gr.Markdown(rubric_markdown())
        radios = [
            gr.Radio([str(v) for v in SCALE], label=f"{TITLES[d]} (1-5)", elem_id=f"rate-{d}")
            for d in DIMENSIONS
        ]
        likert_comment = gr.Textbox(label="Comment (optional)", elem_id="rate-likert-comment")
        likert_submit = gr.Button("Submit rating", variant="primary", elem_id="rate-submit-likert")
    with gr.Group(visible=False, elem_id="rate-pair") as pair_box:
        gr.Markdown(COMPARISON_GUIDE)
        choice = gr.Radio(CHOICE_LABELS, label="Which answer is better?", elem_id="rate-choice")
        pair_comment = gr.Textbox(label="Comment (optional)", elem_id="rate-pair-comment")
        pair_submit = gr.Button("Submit verdict", variant="primary", elem_id="rate-submit-pair")

    outputs = [status, question, left, right, item, likert_box, pair_box]
    next_button.click(handlers.show, inputs=[rater], outputs=outputs, api_visibility="private")
    rater.submit(handlers.show, inputs=[rater], outputs=outputs, api_visibility="private")
    likert_submit.click(
        handlers.submit_likert,
        inputs=[rater, item, *radios, likert_comment],
        outputs=[*outputs, *radios, likert_comment],
        api_visibility="private",
    )
    pair_submit.click(
        handlers.submit_pair,
        inputs=[rater, item, choice, pair_comment],
        outputs=[*outputs, choice, pair_comment],
        api_visibility="private",
    )


def build_rate_app(settings: Settings) -> gr.Blocks:
    """The Rate page on its own, for tests and for a raters-only server."""
    with gr.Blocks(title="coursebot: rate answers", analytics_enabled=False) as app:
        rate_page(settings)
    return app
