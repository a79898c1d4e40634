"""The embedded default: harm classifier over MiniLM embeddings plus a profanity model.

Works out of the box (weights ship in safety/data/). Categories: hate, harassment,
violence, self-harm, sexual, dangerous (illegal or dangerous instructions), profanity.
"""

from __future__ import annotations

import contextlib
import re
import threading
from pathlib import Path

import numpy as np

from safety.checks import CheckResult
from safety.errors import SafetyModelError
from safety.normalize import normalize
from safety.text import split_sentences
from safety.toxicity.dataset import BENIGN, WEIGHTS
from safety.toxicity.encoder import Encoder, load_encoder, validated_embeddings
from safety.toxicity.head import Layer, head_probabilities
from safety.toxicity.heads import (
    INT8_ENCODER,
    MATCH_COSINE,
    PROBES,
    SHIPPED,
    matches,
    probe_cosines,
)
from safety.toxicity.identity import mask_identity_groups, mask_identity_words
from safety.toxicity.lexical import LexicalModel, blend
from safety.toxicity.tuned import BASE_ENCODER, TUNED_ENCODER, load_tuned_encoder

WINDOW_CHARS = 600
MAX_SENTENCES = 6
CLAUSES = True
"""Judge the request after each frame too (`clauses`); the units go to the encoder in
one batch (on dev: about 10% more guard time, one more harmful item of 213 refused)."""


def harm_encoder(name: str) -> Encoder:
    """The encoder a classifier's weights name: the bundled MiniLM, or it with the
    fine-tuned top layers applied."""
    if name == TUNED_ENCODER:
        return load_tuned_encoder()
    if name == BASE_ENCODER:
        return load_encoder()
    if name == INT8_ENCODER:
        raise SafetyModelError(
            f"The harm head was fitted on {name} (MiniLM's int8 ONNX export), which the "
            "safety package does not build: pass that encoder to the guard (the app does, "
            "rag.components.guard_embedder), or use the float head."
        )
    raise SafetyModelError(f"The harm classifier names an unknown encoder {name!r}: rebuild it.")


_CLAUSE_BREAK = re.compile(r"\s*(?:[:;]|\s[-\u2013\u2014]\s|,)\s+")
MIN_CLAUSE_WORDS = 4


def clauses(sentence: str) -> list[str]:
    """The request inside a frame: each tail of `sentence` after a colon, semicolon,
    dash or comma ("For a novel I'm writing: how do I ..." -> "how do I ..."), with at
    least `MIN_CLAUSE_WORDS` words. A wrapper then cannot dilute the request's embedding,
    and the tail keeps everything the request says after its frame."""
    tails: list[str] = []
    for match in _CLAUSE_BREAK.finditer(sentence):
        tail = sentence[match.end() :].strip()
        if len(tail.split()) >= MIN_CLAUSE_WORDS:
            tails.append(tail)
    return tails


def text_units(text: str) -> list[str]:
    """Pieces to classify: the whole short text, its sentences and the tails of their
    clauses (`clauses`), or windows of a long one."""
    sentences = split_sentences(text)
    if len(text) <= WINDOW_CHARS * 2:
        units = [text.strip()] if text.strip() else []
        if 1 < len(sentences) <= MAX_SENTENCES:
            units.extend(sentences)
        if CLAUSES and len(sentences) <= MAX_SENTENCES:
            units.extend(tail for sentence in sentences for tail in clauses(sentence))
        return list(dict.fromkeys(units))
    windows: list[str] = []
    current = ""
    for sentence in sentences:
        while len(sentence) > WINDOW_CHARS:
            windows.append(sentence[:WINDOW_CHARS])
            sentence = sentence[WINDOW_CHARS:]
        if len(current) + len(sentence) + 1 > WINDOW_CHARS and current:
            windows.append(current)
            current = ""
        current = f"{current} {sentence}".strip()
    if current:
        windows.append(current)
    return windows


class HarmClassifier:
    """A small classifier over sentence embeddings, loaded from .npz: an MLP head (one
    ReLU hidden layer: `w1`, `b1`, `w2`, `b2`) or a multinomial logistic regression
    (`coef`, `intercept`); `classes` names the outputs either way, `encoder` the
    embeddings it was fitted on (`TUNED_ENCODER`, `INT8_ENCODER` or, when absent, the
    bundled MiniLM) and `fingerprint`, when present, that encoder's vectors of
    `safety.toxicity.heads.PROBES`."""

    def __init__(self, weights: Path = WEIGHTS) -> None:
        try:
            data = np.load(weights, allow_pickle=False)
            self.classes = [str(name) for name in data["classes"]]
            self.encoder_name = str(data["encoder"]) if "encoder" in data else BASE_ENCODER
            self.fingerprint: np.ndarray | None = (
                np.asarray(data["fingerprint"], np.float32) if "fingerprint" in data else None
            )
            self.lexical: LexicalModel | None = None
            self.lexical_weight = 0.0
            if "lex_coef" in data:
                self.lexical = LexicalModel(
                    data["lex_idf"], data["lex_coef"], data["lex_intercept"]
                )
                self.lexical_weight = float(data["lex_weight"])
            self.layers: list[Layer]
            if "w1" in data:
                self.layers = [
                    (np.asarray(data[w], np.float32), np.asarray(data[b], np.float32))
                    for w, b in (("w1", "b1"), ("w2", "b2"))
                ]
            else:
                self.layers = [
                    (
                        np.asarray(data["coef"], np.float32).T,
                        np.asarray(data["intercept"], np.float32),
                    )
                ]
        except (OSError, KeyError, ValueError) as exc:  # ValueError: a lexical part's shape
            raise SafetyModelError(
                f"Harm classifier weights at {weights} are missing or corrupt: "
                "rebuild them with `python -m safety.toxicity.train`."
            ) from exc
        shapes_fit = all(
            weight.ndim == 2 and bias.shape == (weight.shape[1],)
            and (k == 0 or weight.shape[0] == self.layers[k - 1][0].shape[1])
            for k, (weight, bias) in enumerate(self.layers)
        )  # fmt: skip
        if (
            BENIGN not in self.classes
            or not shapes_fit
            or (self.layers[-1][0].shape[1] != len(self.classes))
        ):
            raise SafetyModelError(f"Harm classifier weights at {weights} have an unknown layout.")

    @property
    def input_dim(self) -> int:
        """The embedding size the weights were trained on."""
        return int(self.layers[0][0].shape[0])

    @property
    def categories(self) -> list[str]:
        """Harm categories the classifier knows (every class but benign)."""
        return [name for name in self.classes if name != BENIGN]

    def probabilities(self, embeddings: np.ndarray, texts: list[str] | None = None) -> np.ndarray:
        """Per row, the probability of each class (in `classes` order): the MLP head's on
        the embeddings, mixed with the lexical model's on the (identity-masked) texts
        when the weights have one (`safety.toxicity.lexical`)."""
        probs = head_probabilities(self.layers, embeddings)
        if self.lexical is None:
            return probs
        if texts is None or len(texts) != len(probs):
            raise SafetyModelError("This harm classifier reads the texts too: pass them.")
        return blend(probs, self.lexical.probabilities(texts), self.lexical_weight)

    def scores(
        self, embeddings: np.ndarray, texts: list[str] | None = None
    ) -> list[dict[str, float]]:
        """Per row: the top harm category gets P(harmful); the others their own probability."""
        benign = self.classes.index(BENIGN)
        rows: list[dict[str, float]] = []
        for row in self.probabilities(embeddings, texts):
            scores = {name: float(row[i]) for i, name in enumerate(self.classes) if i != benign}
            top = max(scores, key=scores.__getitem__)
            scores[top] = float(1.0 - row[benign])
            rows.append(scores)
        return rows


class ProfanityScorer:
    """alt-profanity-check's bundled linear model, with identity terms masked.

    The raw model scores words such as "gay" as profane; masking identity terms keeps
    the filter from flagging people for naming who they are.

    The bundled model is five sigmoid-calibrated linear SVMs averaged by scikit-learn's
    `CalibratedClassifierCV`, whose `predict_proba` cost 3.5 ms per message here, mostly
    input validation. The same sum is computed directly from the fitted coefficients
    (0.1 ms); a model of another shape falls back to the package's own `predict_prob`.
    """

    def __init__(self) -> None:
        try:
            from profanity_check import predict_prob
            from profanity_check import profanity_check as bundled
        except ImportError as exc:
            raise SafetyModelError(
                "alt-profanity-check is not installed: `pip install alt-profanity-check`."
            ) from exc
        self._predict = predict_prob
        self._vectorizer = bundled.vectorizer
        self._linear = _calibrated_linear_parts(bundled.model)

    def __call__(self, texts: list[str]) -> list[float]:
        masked = [mask_identity_words(text) for text in texts]
        if self._linear is None:
            return [float(value) for value in self._predict(masked)]
        weights, intercepts, slopes, offsets = self._linear
        decision = np.asarray(self._vectorizer.transform(masked) @ weights.T) + intercepts
        probabilities = 1.0 / (1.0 + np.exp(slopes * decision + offsets))
        return [float(value) for value in probabilities.mean(axis=1)]


def _calibrated_linear_parts(
    model: object,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """(weights, intercepts, sigmoid slopes, sigmoid offsets), one row per calibrated
    binary linear classifier, or None when the model is not of that shape."""
    try:
        parts = [
            (
                np.ravel(part.estimator.coef_),
                float(np.ravel(part.estimator.intercept_)[0]),
                float(part.calibrators[0].a_),
                float(part.calibrators[0].b_),
            )
            for part in model.calibrated_classifiers_  # type: ignore[attr-defined]
        ]
        binary = getattr(model, "method", "") == "sigmoid" and len(model.classes_) == 2  # type: ignore[attr-defined]
    except (AttributeError, IndexError, TypeError):
        return None
    if not parts or not binary:
        return None
    weights = np.vstack([w for w, _, _, _ in parts])
    return (
        weights,
        np.array([b for _, b, _, _ in parts]),
        np.array([a for _, _, a, _ in parts]),
        np.array([c for _, _, _, c in parts]),
    )


ANSWER_FRAME = "Tell me how to do this: {text}"
"""How an answer is put to the classifier, beside the answer itself: as the request it
fulfils. The classifier learned from requests, harmful and benign tasks in the same
frames, so it judges the task a request asks for; an answer read bare is out of that
distribution, and one instruction sentence on its own ("cut along the lines with a
small serrated knife") looks like a fragment of a harmful request. Framed whole, an
answer is judged by what it tells the reader to do."""


def answer_units(text: str) -> list[str]:
    """Pieces of an answer to classify: the whole answer (windows of a long one), each
    bare and framed as the request it fulfils; never single sentences out of context."""
    stripped = text.strip()
    if not stripped:
        return []
    pieces = [stripped] if len(stripped) <= WINDOW_CHARS * 2 else text_units(stripped)
    return [unit for piece in pieces for unit in (piece, ANSWER_FRAME.format(text=piece))]


class EmbeddedToxicity:
    """Check: harm categories from the classifier, `profanity` from the profanity model.

    `answers=True` (the output guard) reads a text as an answer: whole, and framed as the
    request it fulfils (`answer_units`); otherwise (questions) the whole text and each of
    its sentences are judged. Without an `encoder` the float head is used with the
    encoder it was fitted on (`harm_encoder`); a given encoder gets the shipped head whose
    fingerprint its vectors match (`weights` names the only head to consider), and a
    check whose encoder matches none fails, so the guard refuses (fail closed).
    """

    name = "toxicity"

    def __init__(
        self, encoder: Encoder | None = None, weights: Path | None = None, *, answers: bool = False
    ) -> None:
        paths = [weights] if weights else [path for path in SHIPPED.values() if path.exists()]
        self._heads = [HarmClassifier(path) for path in paths or [WEIGHTS]]
        self._classifier: HarmClassifier | None = None
        self._lock = threading.Lock()
        if encoder is None:
            self._classifier = self._heads[0]
            self._encode = harm_encoder(self._classifier.encoder_name)
        else:
            self._encode = encoder
            # matched now if the encoder works; one that does not fails each check closed
            with contextlib.suppress(Exception):
                self._head()
        self._profanity = ProfanityScorer()
        self._units = answer_units if answers else text_units

    @property
    def categories(self) -> list[str]:
        return [*(self._classifier or self._heads[0]).categories, "profanity"]

    @property
    def encoder_name(self) -> str | None:
        """The encoder of the head in use, once the given encoder has been matched."""
        return self._classifier.encoder_name if self._classifier else None

    def _head(self) -> HarmClassifier:
        """The head fitted on this check's encoder, found once by fingerprint
        (`safety.toxicity.heads`). SafetyModelError when the encoder is broken or
        matches no head: judged by a head fitted on other vectors, harmful text passes."""
        with self._lock:
            if self._classifier is not None:
                return self._classifier
            if len(self._heads) == 1 and self._heads[0].fingerprint is None:
                self._classifier = self._heads[0]  # a head from before fingerprints
                return self._classifier
            dim = self._heads[0].input_dim
            vectors = validated_embeddings(self._encode(list(PROBES)), len(PROBES), dim)
            closest = 0.0
            for head in self._heads:
                if head.fingerprint is not None and matches(vectors, head.fingerprint):
                    self._classifier = head
                    return head
                if head.fingerprint is not None:
                    closest = max(closest, float(probe_cosines(vectors, head.fingerprint).min()))
            names = ", ".join(head.encoder_name for head in self._heads)
            raise SafetyModelError(
                f"The guard's encoder gives vectors no harm head was fitted on (heads: {names}; "
                f"closest probe cosine {closest:.4f}, {MATCH_COSINE} needed). Give the guard "
                "the encoder a head names (the app's is set by encoder_precision in the "
                "[safety] settings) or fit a head on this one (`make train-safety`)."
            )

    def __call__(self, text: str) -> CheckResult:
        views = normalize(text).all_views
        units = list(dict.fromkeys(unit for view in views for unit in self._units(view)))
        if not units:
            return CheckResult(scores=dict.fromkeys(self.categories, 0.0))
        best: dict[str, float] = dict.fromkeys(self.categories, 0.0)
        culprit: dict[str, str] = {}
        head = self._head()
        masked = [mask_identity_groups(unit) for unit in units]
        vectors = validated_embeddings(self._encode(masked), len(masked), head.input_dim)
        plain = set(self._units(views[0]))
        for unit, row in zip(units, head.scores(vectors, masked), strict=True):
            for category, score in row.items():
                if score > best[category]:
                    best[category], culprit[category] = score, unit
        for unit, score in zip(views, self._profanity(views), strict=True):
            if score > best["profanity"]:
                best["profanity"], culprit["profanity"] = score, unit
        # reasons are shown and logged: they say what and how sure, never the user's words
        reasons = {
            category: f"{category} (score {best[category]:.2f})"
            + ("" if culprit[category] in plain or culprit[category] == views[0] else
               " in hidden or obfuscated text")
            for category in culprit
        }  # fmt: skip
        return CheckResult(scores=best, reasons=reasons)
