"""The Chat tab: streamed answers, the grounded final text, sources, badges and feedback.

The course quote that opens an answer appears first, before the model has evaluated its
prompt; the model's draft then appears below it sentence by sentence, each one only after
the output guard passed it (rag/draft.py), and the final Answer's text replaces the
bubble because the grounding check may have removed sentences. Answering events wait
in the app's line (ui/line.py), which runs as many at once as the backend has slots (one
for llama.cpp in process), shows a waiting user their place, and turns users away with a
one-line "busy" message when too many wait.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import gradio as gr

from rag.answer import Answer
from rag.errors import CoursebotError
from rag.settings import Settings
from safety.errors import SafetyError
from ui.feedback import record_feedback
from ui.holder import AssistantHolder, StillLoading
from ui.line import Line, line_for, place_message
from ui.render import answer_json, answer_markdown, draft_markdown

log = logging.getLogger(__name__)

EXAMPLE_QUESTIONS = [
    "What is data drift?",
    "What are the data quality dimensions?",
    "How does retrieval-augmented generation reduce hallucinations?",
    "What does a fairness audit check?",
]
API_LOAD_WAIT_S = 60.0

Message = dict[str, Any]
ChatOutputs = tuple[list[Message], str, list[str], dict[int, int], str]


def _message(role: str, content: str) -> Message:
    return {"role": role, "content": content}


def timing_status(answer: Answer) -> str:
    t = answer.timings
    firsts = []
    if t.first_text_s is not None and t.first_text_s != t.first_token_s:
        firsts.append(f"first words after {t.first_text_s:.1f} s")
    if t.first_token_s is not None:
        firsts.append(f"first generated token after {t.first_token_s:.1f} s")
    detail = f", {', '.join(firsts)}" if firsts else ""
    return f"Answered in {t.total_s:.1f} s{detail}."


class ChatHandlers:
    """The Chat tab's event handlers, kept free of components so tests can call them."""

    def __init__(self, holder: AssistantHolder) -> None:
        self.holder = holder

    def respond(
        self,
        question: str,
        messages: list[Message] | None,
        questions: list[str] | None,
        turn_ids: dict[int, int] | None,
        session_id: str | None = None,
    ) -> Iterator[ChatOutputs]:
        """Stream one answer; yields (messages, textbox, questions, turn ids, status)."""
        messages = list(messages or [])
        questions = list(questions or [])
        turn_ids = dict(turn_ids or {})
        text = (question or "").strip()
        if not text:
            yield messages, "", questions, turn_ids, "Type a question first."
            return
        try:
            bot = self.holder.get()
        except StillLoading as exc:
            yield messages, question, questions, turn_ids, str(exc)
            return
        except CoursebotError as exc:
            yield messages, question, questions, turn_ids, f"Error: {exc}"
            return

        messages += [_message("user", text), _message("assistant", "…")]
        yield messages, "", questions, turn_ids, "Thinking…"
        answer: Answer | None = None
        quote = ""
        draft: list[str] = []
        events = bot.stream(text, history=list(questions) or None, session_id=session_id)
        try:
            for event in events:
                if event.kind == "quote":
                    quote = event.text
                    messages[-1] = _message("assistant", draft_markdown(" ".join(draft), quote))
                    yield messages, "", questions, turn_ids, "Quoting the course…"
                elif event.kind == "token":
                    draft.append(event.text)
                    messages[-1] = _message("assistant", draft_markdown(" ".join(draft), quote))
                    yield messages, "", questions, turn_ids, "Generating…"
                elif event.kind == "final":
                    answer = event.answer
        except (CoursebotError, SafetyError) as exc:
            messages[-1] = _message("assistant", f"**Could not answer:** {exc}")
            yield messages, "", questions, turn_ids, "That question could not be answered."
            return
        except Exception:
            log.exception("chat turn failed")
            messages[-1] = _message(
                "assistant",
                "**Something went wrong** while answering. The app is still running: "
                "please ask again.",
            )
            yield messages, "", questions, turn_ids, "Error (logged on the server)."
            return
        finally:
            close = getattr(events, "close", None)
            if close is not None:
                close()
        if answer is None:
            messages[-1] = _message("assistant", "**The answer was interrupted**: ask again.")
            yield messages, "", questions, turn_ids, "Interrupted."
            return
        messages[-1] = _message("assistant", answer_markdown(answer))
        if answer.turn_id is not None:
            turn_ids[len(messages) - 1] = answer.turn_id
        questions.append(text)
        yield messages, "", questions, turn_ids, timing_status(answer)

    def like(
        self, index: Any, liked: Any, turn_ids: dict[int, int] | None, comment: str | None
    ) -> tuple[str, str]:
        """Store 👍/👎 (+ the comment box) on the answer at `index`; returns (status, comment)."""
        position = index[0] if isinstance(index, list | tuple) else index
        turn_id = (turn_ids or {}).get(int(position)) if position is not None else None
        if turn_id is None:
            return "Feedback can only be given on a logged answer.", comment or ""
        if liked is True or liked is False:
            status = record_feedback(self.holder, turn_id, 1 if liked else -1, comment)
            return status, ""
        return "Feedback cleared in the page (the earlier vote stays in the log).", comment or ""

    @staticmethod
    def clear() -> ChatOutputs:
        return [], "", [], {}, "Conversation cleared."

    def ask(self, question: str, history: list[str] | None = None) -> dict[str, Any]:
        """Answer one question and return the Answer as JSON (the `ask` API endpoint)."""
        if not (question or "").strip():
            raise gr.Error("The question is empty: send some text.")
        try:
            bot = self.holder.get(API_LOAD_WAIT_S)
            return answer_json(bot.ask(question.strip(), history=history or None))
        except CoursebotError as exc:
            raise gr.Error(str(exc)) from exc

    def feedback(self, turn_id: int, value: int, comment: str = "") -> str:
        """Store feedback on a turn (the `feedback` API endpoint); value is 1 or -1."""
        return record_feedback(self.holder, int(turn_id), int(value), comment)


def chat_page(holder: AssistantHolder, settings: Settings | None = None) -> Line:
    """Build the Chat tab's components inside the current Blocks/Tab context; returns the
    line its answering events wait in."""
    handlers = ChatHandlers(holder)
    line = line_for(settings or holder.settings)
    chatbot = gr.Chatbot(
        label="Conversation",
        elem_id="cb-chat",
        height=560,
        examples=[{"text": q} for q in EXAMPLE_QUESTIONS],
        placeholder="Ask anything about the course. Every answer lists its sources.",
        feedback_options=("Like", "Dislike"),
        sanitize_html=True,
        buttons=["copy"],
    )
    with gr.Row():
        question = gr.Textbox(
            placeholder="Ask about the course…",
            show_label=False,
            scale=8,
            elem_id="cb-question",
            max_lines=4,
        )
        send = gr.Button("Ask", variant="primary", scale=1, elem_id="cb-send")
    with gr.Row():
        comment = gr.Textbox(
            label="Optional comment, sent with your next thumbs up / down",
            elem_id="cb-comment",
            scale=8,
        )
        clear = gr.Button("Clear conversation", scale=1, elem_id="cb-clear")
    status = gr.Markdown(elem_id="cb-chat-status")
    questions = gr.State([])
    turn_ids = gr.State({})

    async def respond(
        text: str,
        messages: list[Message],
        asked: list[str],
        ids: dict[int, int],
        request: gr.Request,
    ) -> AsyncIterator[ChatOutputs]:
        session = getattr(request, "session_hash", None)

        def answer() -> Iterator[ChatOutputs]:
            return handlers.respond(text, messages, asked, ids, session_id=session)

        if not (text or "").strip():
            for update in answer():
                yield update
            return
        shown = [*(messages or []), _message("user", text.strip())]

        def waiting(position: int) -> ChatOutputs:
            place = place_message(position)
            bubble = _message("assistant", f"*{place}*")
            return [*shown, bubble], "", list(asked or []), dict(ids or {}), place

        async for update in line.stream(answer, waiting):
            yield update

    chat_io: dict[str, Any] = {
        "inputs": [question, chatbot, questions, turn_ids],
        "outputs": [chatbot, question, questions, turn_ids, status],
        "concurrency_limit": None,
        "show_progress": "minimal",
    }
    send.click(respond, api_name="chat", **chat_io)
    question.submit(respond, api_visibility="private", **chat_io)

    def pick_example(data: gr.SelectData) -> str:
        return str(data.value["text"] if isinstance(data.value, dict) else data.value)

    chatbot.example_select(pick_example, None, question, api_visibility="private").then(
        respond, api_visibility="private", **chat_io
    )

    def on_like(data: gr.LikeData, ids: dict[int, int], note: str) -> tuple[str, str]:
        return handlers.like(data.index, data.liked, ids, note)

    chatbot.like(on_like, [turn_ids, comment], [status, comment], api_visibility="private")
    for clearing in (clear.click, chatbot.clear):
        clearing(
            handlers.clear,
            outputs=[chatbot, question, questions, turn_ids, status],
            api_visibility="private",
        )

    async def ask(question: str, history: list[str] | None = None) -> dict[str, Any]:
        """Answer one question and return the Answer as JSON (the `ask` API endpoint)."""
        return await line.call(lambda: handlers.ask(question, history))

    gr.api(ask, api_name="ask", concurrency_limit=None)
    gr.api(handlers.feedback, api_name="feedback")
    return line
