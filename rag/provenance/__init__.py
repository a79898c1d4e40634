"""Provenance of a pasted text: quoted from the documents, generated, or a coursebot answer."""

from rag.provenance.config import ProvenanceConfig
from rag.provenance.memory import AnswerMatch, AnswerMemory
from rag.provenance.quotes import QuoteIndex, QuoteSpan
from rag.provenance.report import (
    AnswerSignal,
    GeneratedSignal,
    ProvenanceReport,
    QuotedSignal,
    TextSpan,
)

__all__ = [
    "AnswerMatch",
    "AnswerMemory",
    "AnswerSignal",
    "GeneratedSignal",
    "ProvenanceConfig",
    "ProvenanceReport",
    "QuoteIndex",
    "QuoteSpan",
    "QuotedSignal",
    "TextSpan",
]
