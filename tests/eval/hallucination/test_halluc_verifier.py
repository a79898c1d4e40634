"""The verifier's rules, checked with an instant deterministic embedder, and the label set."""

from __future__ import annotations

from collections import Counter

import pytest

from eval.hallucination.calibration import calibrate, load_labels
from eval.hallucination.evaluate import DEFAULT_LABELS
from eval.hallucination.metrics import passage_text
from eval.hallucination.verifier import ClaimVerifier
from tests.eval.hallucination.halluc_fakes import DRIFT, HALLUCINATION
from tests.real_models import RealModels


def test_paraphrase_supported_but_quoted_wrong_answer_is_not(verifier: ClaimVerifier) -> None:
    passages = [passage_text(DRIFT), passage_text(HALLUCINATION)]
    assert verifier.check(
        "Data drift means gradual input distribution changes.", passages
    ).supported
    brazil = verifier.check("Brazil won the 2026 FIFA World Cup.", passages)
    assert not brazil.supported
    reported = verifier.check(
        "A model might confidently respond that Brazil won the 2026 FIFA World Cup.", passages
    )
    assert reported.score > brazil.score


def test_wrong_number_and_negation_lower_the_score(verifier: ClaimVerifier) -> None:
    passage = "Stress Tests: simulate 10,000 concurrent inference requests; latency below 200 ms."
    right = verifier.check("The stress test simulates 10,000 concurrent requests.", [passage])
    wrong = verifier.check("The stress test simulates 1,000 concurrent requests.", [passage])
    negated = verifier.check("The stress test does not simulate concurrent requests.", [passage])
    assert right.supported and wrong.score == 0.0 and negated.score < right.score


def test_no_passages_means_unsupported(verifier: ClaimVerifier) -> None:
    result = verifier.check("Data drift degrades performance.", [])
    assert not result.supported and result.passage is None


def test_label_set_size_and_hard_negatives() -> None:
    pairs = load_labels(DEFAULT_LABELS)
    categories = Counter(p.category for p in pairs if not p.supported)
    assert len(pairs) >= 150
    for hard in ("wrong_number", "negated", "other_section", "quoted_example"):
        assert categories[hard] >= 3, hard
    assert all(not p.supported for p in pairs if p.category == "quoted_example")


def test_calibration_cross_validates_and_beats_chance(verifier: ClaimVerifier) -> None:
    pairs = load_labels(DEFAULT_LABELS)
    result = calibrate(verifier, pairs, folds=5)
    assert result.cross_validated.n == len(pairs)
    assert result.cross_validated.accuracy > 0.6
    assert verifier.config == result.config


@pytest.mark.slow
def test_verifier_embeds_with_the_assistants_float_embedder_or_loads_the_model(
    real_models: RealModels,
) -> None:
    """The float ONNX default and torch give the verifier the vectors its calibration was
    judged on, so the assistant's embedder is reused (no second model, no torch import);
    word hashing is not the model, so the model is loaded for the verifier."""
    from eval.hallucination.evaluate import verifier_embedder
    from rag.embeddings import HashingEmbedder, SentenceTransformerEmbedder
    from rag.paths import bundled_embedding_path

    path = bundled_embedding_path()
    default = real_models.course.embedder
    assert default.name.endswith("+onnx")
    assert verifier_embedder(default, path) is default
    torch = real_models.torch_embedder()
    assert verifier_embedder(torch, path) is torch
    loaded = verifier_embedder(HashingEmbedder(), path)
    assert isinstance(loaded, SentenceTransformerEmbedder)
