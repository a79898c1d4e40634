"""Rule backstop for prompt injection and jailbreaks, for questions and retrieved passages.

The judgement for questions is learned: the embedded harm classifier has a
`prompt-injection` class trained on written overrides, jailbreak personas and
system-prompt extraction, against questions *about* those attacks and harmless
meta-instructions ("From now on, answer without any jargon"); see
safety/toxicity/train.py. These rules only catch the unmistakable forms, so they stay
narrow: they run over the normalised text and every decoded view (base64, Unicode tag
characters, leetspeak, spaced letters), and, for questions, with quoted spans removed,
so a question that quotes an attack ("Why does 'ignore previous instructions' work?")
is judged by the classifier, not refused by a phrase.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from safety.checks import CheckResult
from safety.normalize import normalize

CATEGORY = "prompt-injection"


@dataclass(frozen=True)
class Rule:
    """One named pattern and how strongly a match signals an attack."""

    name: str
    pattern: re.Pattern[str]
    score: float


def _rule(name: str, pattern: str, score: float) -> Rule:
    return Rule(name, re.compile(pattern, re.IGNORECASE | re.DOTALL), score)


_TARGET = (
    r"(?:instructions?|prompts?|rules?|directions?|guidelines?|guardrails?|context|messages?"
    r"|constraints?|polic(?:y|ies)|programming|restrictions?|safeguards?|filters?)"
)
_OVERRIDE_VERB = r"(?:ignore|disregard|forget|override|bypass|skip|drop|abandon|discard)"

QUESTION_RULES: list[Rule] = [
    _rule(
        "instruction override",
        rf"\b{_OVERRIDE_VERB}\b[^.?!\n]{{0,40}}\b(?:previous|prior|above|earlier|all|any|your"
        rf"|the|system|preceding|initial|original)\b[^.?!\n]{{0,30}}\b{_TARGET}\b",
        0.95,
    ),
    _rule(
        "do-anything-now jailbreak",
        r"\bdo anything now\b|\byou are (?:now )?DAN\b|\bDAN mode\b",
        0.95,
    ),
    _rule(
        "role-play without rules",
        r"\b(?:pretend|imagine|act as if|act like|roleplay|role-play|suppose)\b[^.?!\n]{0,40}"
        r"\b(?:no|without|free from|free of|zero)\b[^.?!\n]{0,20}\b(?:rules|restrictions"
        r"|filters|guidelines|ethics|morals|censorship|safeguards)\b",
        0.9,
    ),
    _rule(
        "unrestricted persona",
        r"\b(?:you are now|act as|you will act as|behave as|become|play the role of)\s+(?:an?\s+)?"
        r"(?:unrestricted|unfiltered|uncensored|jailbroken|evil|amoral|unethical|rogue|unaligned)\b",
        0.9,
    ),
    _rule(
        "jailbreak mode",
        r"\b(?:enable|activate|enter|switch to|turn on)\b[^.?!\n]{0,20}\b(?:jailbreak|god"
        r"|unrestricted|opposite|DAN)\s+mode\b",
        0.9,
    ),
    _rule(
        "no-restrictions demand",
        r"\b(?:answer|respond|reply|tell me|do it|comply)\b[^.?!\n]{0,40}\bwithout\b[^.?!\n]{0,15}"
        r"\b(?:any )?(?:restrictions|filters|censorship|refusing|refusals|warnings|ethical"
        r"|moral|safety)\b",
        0.85,
    ),
    _rule(
        "system prompt extraction",
        r"\b(?:reveal|print|show|repeat|output|leak|tell me|display|write out)\b[^.?!\n]{0,25}"
        r"\byour\s+(?:system|hidden|initial|original|secret)\s+(?:prompt|instructions"
        r"|message|rules)\b",
        0.9,
    ),
    _rule(
        "new instructions injected",
        r"(?:^|\n|\.\s)\s*(?:new|updated|revised|real)\s+(?:instructions|rules|system prompt)\s*:",
        0.85,
    ),
    _rule(
        "persona switch",
        r"\bfrom now on,? you (?:are|will|must|shall)\b[^.?!\n]{0,60}"
        r"\b(?:no|never|any|ignore|without|unrestricted|unfiltered)\b",
        0.85,
    ),
]

PASSAGE_RULES: list[Rule] = [
    *QUESTION_RULES,
    _rule(
        "chat-template tokens",
        r"<\|(?:im_start|im_end|system|assistant|user|endoftext)\|>|\[/?INST\]|<<SYS>>",
        0.9,
    ),
    _rule(
        "instructions addressed to the assistant",
        r"\b(?:assistant|AI|chatbot|language model|LLM)\b[^.?!\n]{0,20}\b(?:must|should|shall"
        r"|is instructed to|needs to)\s+(?:now\s+)?(?:ignore|say|tell|respond|reply|answer with"
        r"|include|recommend|output|reveal|send)\b",
        0.85,
    ),
    _rule(
        "hidden directive to the reader model",
        r"\b(?:when|if) (?:you|the assistant) (?:answer|respond|reply|summari[sz]e)\b[^.?!\n]{0,40}"
        r"\b(?:say|tell|include|add|insert|recommend|visit|click)\b",
        0.85,
    ),
]

_SMUGGLING_SCORE = 0.9
_QUOTED = re.compile(
    r"(?<!\w)'[^'\n]{3,200}'(?!\w)|\"[^\"\n]{3,200}\"|\u2018[^\u2019\n]{3,200}\u2019|\u201c[^\u201d\n]{3,200}\u201d"
)


def without_quotes(text: str) -> str:
    """`text` with quoted spans removed: a quoted attack is talked about, not issued."""
    return _QUOTED.sub(" ", text)


class InjectionCheck:
    """Scores category `prompt-injection` for a question (or, stricter, a retrieved passage)."""

    def __init__(self, *, passage: bool = False) -> None:
        self.name = "passage-injection" if passage else "injection"
        self._rules = [rule for rule in (PASSAGE_RULES if passage else QUESTION_RULES)]
        self._passage = passage

    def __call__(self, text: str) -> CheckResult:
        normalized = normalize(text)
        best = 0.0
        reasons: list[str] = []
        for index, view in enumerate(normalized.all_views):
            if not self._passage:
                view = without_quotes(view)
            for rule in self._rules:
                if rule.pattern.search(view):
                    decoded = index > 0
                    best = max(best, min(1.0, rule.score + (0.05 if decoded else 0.0)))
                    where = " (in decoded hidden text)" if decoded else ""
                    reasons.append(f"{rule.name}{where}")
        if "Unicode tag characters" in normalized.hidden:
            best = max(best, _SMUGGLING_SCORE)
            reasons.append("text smuggled in invisible Unicode tag characters")
        if best == 0.0:
            return CheckResult(scores={CATEGORY: 0.0})
        unique = list(dict.fromkeys(reasons))
        hidden = [h for h in normalized.hidden if h != "Unicode tag characters"]
        suffix = f"; obfuscation seen: {', '.join(hidden)}" if hidden else ""
        return CheckResult(
            scores={CATEGORY: best},
            reasons={CATEGORY: "prompt injection or jailbreak: " + "; ".join(unique) + suffix},
        )
