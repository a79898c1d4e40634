"""Deterministic question perturbations: typos, casing, synonyms, word order.

Each perturbation is a pure function of (question, seed): the random generator is seeded
with both, so a report can be reproduced exactly.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from typing import Literal

Kind = Literal["identity", "typo", "casing", "synonym", "reorder"]
KINDS: tuple[Kind, ...] = ("identity", "typo", "casing", "synonym", "reorder")

SYNONYMS: dict[str, str] = {
    "accuracy": "correctness",
    "annotation": "labelling",
    "bias": "prejudice",
    "biases": "prejudices",
    "data": "information",
    "define": "explain",
    "deployment": "rollout",
    "deployed": "released",
    "describe": "explain",
    "difference": "distinction",
    "drift": "shift",
    "error": "mistake",
    "errors": "mistakes",
    "example": "instance",
    "explain": "describe",
    "failure": "breakdown",
    "failures": "breakdowns",
    "fairness": "equity",
    "hallucinations": "fabrications",
    "important": "significant",
    "improve": "enhance",
    "labels": "annotations",
    "measure": "gauge",
    "model": "system",
    "models": "systems",
    "monitoring": "tracking",
    "performance": "effectiveness",
    "quality": "standard",
    "reduce": "lower",
    "test": "check",
    "testing": "checking",
    "tests": "checks",
    "training": "learning",
    "used": "employed",
    "why": "for what reason",
}

_WORD = re.compile(r"[A-Za-z]+")


def _rng(question: str, seed: int, kind: str) -> random.Random:
    return random.Random(f"{seed}:{kind}:{question}")


def _typo(question: str, rng: random.Random) -> str:
    """One keyboard-style slip (swap, drop or double a letter) in about a third of long words."""
    words = [m for m in _WORD.finditer(question) if len(m.group()) >= 4]
    if not words:
        return question
    chosen = [m for m in words if rng.random() < 0.34] or [rng.choice(words)]
    out = question
    for match in reversed(chosen):
        word = match.group()
        i = rng.randrange(1, len(word) - 2)
        edit = rng.choice(("swap", "drop", "double"))
        if edit == "swap":
            new = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        elif edit == "drop":
            new = word[:i] + word[i + 1 :]
        else:
            new = word[: i + 1] + word[i] + word[i + 1 :]
        out = out[: match.start()] + new + out[match.end() :]
    return out


def _casing(question: str, rng: random.Random) -> str:
    style = rng.choice(("lower", "upper", "title"))
    if style == "lower":
        return question.lower()
    if style == "upper":
        return question.upper()
    return _WORD.sub(lambda m: m.group().capitalize(), question)


def _synonym(question: str, rng: random.Random) -> str:
    def swap(match: re.Match[str]) -> str:
        word = match.group()
        replacement = SYNONYMS.get(word.lower())
        if replacement is None:
            return word
        return replacement.capitalize() if word[0].isupper() else replacement

    return _WORD.sub(swap, question)


def _reorder(question: str, rng: random.Random) -> str:
    """Swap two neighbouring words, keeping the final punctuation where it was."""
    stripped = question.rstrip()
    tail = ""
    while stripped and stripped[-1] in "?.!":
        tail = stripped[-1] + tail
        stripped = stripped[:-1]
    words = stripped.split()
    if len(words) < 3:
        return question
    i = rng.randrange(1, len(words) - 1)
    words[i], words[i + 1] = words[i + 1], words[i]
    return " ".join(words) + tail


_PERTURB: dict[str, Callable[[str, random.Random], str]] = {
    "identity": lambda q, _rng: q,
    "typo": _typo,
    "casing": _casing,
    "synonym": _synonym,
    "reorder": _reorder,
}


def perturb(question: str, kind: Kind, seed: int = 0) -> str:
    """The question after one perturbation of the given kind; same inputs, same output."""
    try:
        func = _PERTURB[kind]
    except KeyError:
        raise ValueError(f"unknown perturbation {kind!r}; choose from {', '.join(KINDS)}") from None
    return func(question, _rng(question, seed, kind))
