"""coursebot's retrieval-augmented answering: `Assistant.from_settings().ask(question)`."""

from rag.answer import Answer, Citation, Passage
from rag.assistant import Assistant
from rag.events import FinalEvent, StreamEvent, TokenEvent
from rag.settings import Settings, load_settings
from rag.watermarking import detect_text as detect_watermark

__all__ = [
    "Answer",
    "Assistant",
    "Citation",
    "FinalEvent",
    "Passage",
    "Settings",
    "StreamEvent",
    "TokenEvent",
    "detect_watermark",
    "load_settings",
]
