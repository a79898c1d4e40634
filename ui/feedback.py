"""Thumbs up/down with an optional comment, stored in the turn log's `feedback` table."""

from __future__ import annotations

from rag.errors import CoursebotError
from ui.holder import AssistantHolder


def record_feedback(
    holder: AssistantHolder, turn_id: int, value: int, comment: str | None = None
) -> str:
    """Store one vote on a logged turn and say so; bad votes get a message, never a crash."""
    if value not in (-1, 1):
        return "Feedback must be 1 (👍) or -1 (👎)."
    try:
        holder.get().turn_log.add_feedback(turn_id, value, comment)
    except CoursebotError as exc:
        return f"Feedback not saved: {exc}"
    thumb = "thumbs up" if value == 1 else "thumbs down"
    note = " with your comment" if (comment or "").strip() else ""
    return f"Thanks: {thumb} saved{note} for answer #{turn_id}."
