"""What a user might do to a coursebot answer before passing it off: edit, reorder,
paraphrase. Each edit is a pure function of (text, seed)."""

from __future__ import annotations

import random
import re

from eval.robustness.perturb import perturb
from safety.text import split_sentences

# Replacement words for the word edits: common English words, none of them course terms.
_FILLER = (
    "also",
    "really",
    "quite",
    "often",
    "simply",
    "clearly",
    "usually",
    "just",
    "still",
    "rather",
    "maybe",
    "perhaps",
    "indeed",
    "mostly",
    "nearly",
    "always",
    "certainly",
    "generally",
    "basically",
    "largely",
    "fairly",
    "truly",
    "thing",
    "stuff",
    "part",
    "way",
    "kind",
    "sort",
    "lot",
    "bit",
    "case",
    "point",
    "fact",
    "idea",
)
# A word for the editor: a run of letters, or a citation marker like "[1]" or "[1, 2]",
# which an editor may delete or replace like any other word.
_WORD = re.compile(r"\[\d+(?:\s*[,-]\s*\d+)*\]|[A-Za-z]+")


def edit_words(text: str, fraction: float, seed: int) -> str:
    """Replace, delete or insert at `fraction` of the words (a third each), at random;
    citation markers count as words."""
    rng = random.Random(f"{seed}:{fraction}:{text}")
    matches = list(_WORD.finditer(text))
    if not matches:
        return text
    chosen = rng.sample(range(len(matches)), max(1, round(fraction * len(matches))))
    out = text
    for i in sorted(chosen, reverse=True):
        match = matches[i]
        kind = rng.choice(("replace", "delete", "insert"))
        if kind == "replace":
            new = rng.choice(_FILLER)
        elif kind == "delete":
            new = ""
        else:
            new = f"{match.group()} {rng.choice(_FILLER)}"
        out = out[: match.start()] + new + out[match.end() :]
    return re.sub(r"  +", " ", out)


def reorder_sentences(text: str, seed: int) -> str:
    """The same sentences in another order (reversed when a shuffle changes nothing)."""
    sentences = split_sentences(text)
    if len(sentences) < 2:
        return text
    order = list(range(len(sentences)))
    random.Random(f"{seed}:{text}").shuffle(order)
    if order == sorted(order):
        order.reverse()
    return " ".join(sentences[i] for i in order)


def paraphrase(text: str, seed: int) -> str:
    """Synonym substitution from the robustness perturbations (eval/robustness/perturb.py)."""
    return perturb(text, "synonym", seed)


EDITS = ("unedited", "edit 10%", "edit 25%", "reordered", "paraphrased")


def apply_edit(text: str, edit: str, seed: int) -> str:
    if edit == "unedited":
        return text
    if edit == "edit 10%":
        return edit_words(text, 0.10, seed)
    if edit == "edit 25%":
        return edit_words(text, 0.25, seed)
    if edit == "reordered":
        return reorder_sentences(text, seed)
    if edit == "paraphrased":
        return paraphrase(text, seed)
    raise ValueError(f"unknown edit {edit!r}; choose from {', '.join(EDITS)}")
