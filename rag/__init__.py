"""coursebot's retrieval-augmented answering: `Assistant.from_settings().ask(question)`."""

from rag.answer import Answer, Citation, Passage
from rag.assistant import Assistant
from rag.events import FinalEvent, StreamEvent, TokenEvent
from rag.settings import Settings, load_settings

__all__ = [
    "Answer",
    "Assistant",
    "Citation",
    "FinalEvent",
    "Passage",
    "Settings",
    "StreamEvent",
    "TokenEvent",
    "load_settings",
]
