"""The profanity model computed from its coefficients gives the package's own numbers."""

from __future__ import annotations

import numpy as np
from profanity_check import predict_prob

from safety.toxicity.embedded import ProfanityScorer
from safety.toxicity.identity import mask_identity_words

TEXTS = [
    "What is data drift?",
    "you are a stupid worthless idiot",
    "Moderators read toxic content for hours.",
    "fuck this shit",
    "",
    "The gay and lesbian students' society meets on Fridays.",
]


def test_the_direct_sum_matches_predict_prob() -> None:
    scorer = ProfanityScorer()
    assert scorer._linear is not None, "the bundled model should take the direct path"
    expected = predict_prob([mask_identity_words(t) for t in TEXTS])
    assert np.allclose(scorer(TEXTS), expected, atol=1e-9)


def test_a_model_of_another_shape_falls_back_to_the_package() -> None:
    scorer = ProfanityScorer()
    scorer._linear = None
    expected = predict_prob([mask_identity_words(t) for t in TEXTS])
    assert np.allclose(scorer(TEXTS), expected)
