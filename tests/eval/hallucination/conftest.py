"""Fixtures for the hallucination evaluation: an instant verifier and a small question set."""

from __future__ import annotations

import pytest

from eval.hallucination.questions import Question
from eval.hallucination.verifier import ClaimVerifier, VerifierConfig
from rag.embeddings import HashingEmbedder


@pytest.fixture()
def verifier() -> ClaimVerifier:
    return ClaimVerifier(HashingEmbedder(), VerifierConfig(threshold=0.6, embedding_weight=0.3))


@pytest.fixture()
def questions() -> list[Question]:
    return [
        Question(
            id="q1",
            question="What is data drift?",
            kind="answerable",
            key_facts=[["distribution"], ["degrade"]],
        ),
        Question(id="q2", question="Who invented the transformer?", kind="unanswerable"),
        Question(
            id="q3",
            question="Which country won the 2026 FIFA World Cup?",
            kind="trap",
            forbidden=["brazil won"],
        ),
        Question(id="q4", question="What is the capital of Australia?", kind="unanswerable"),
    ]
