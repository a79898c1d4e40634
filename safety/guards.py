"""InputGuard and OutputGuard: run the checks, apply the policy, return a Verdict.

Both load their models once and are safe to share between threads. `check` never
raises: a check that fails, or returns a score that is not a number in [0, 1], makes
the guard refuse (fail closed), mark the verdict `fail_closed`, and log a warning once
per cause, so a broken classifier cannot refuse everything silently.

A verdict never carries the user's personal data: its text is PII-redacted whenever it
is not passed on as allowed, and its reasons name policies and scores, not user text.
"""

from __future__ import annotations

import logging
import math
import threading
import time

from safety.checks import Check, CheckResult
from safety.deobfuscate import decoded_views
from safety.errors import SafetyModelError
from safety.injection import CATEGORY as INJECTION_CATEGORY
from safety.injection import InjectionCheck
from safety.pii import PiiCheck, redact_pii
from safety.policy import SafetyPolicy
from safety.toxicity import Encoder, build_toxicity_check
from safety.verdict import Action, Verdict

log = logging.getLogger(__name__)

_SEVERITY: dict[Action, int] = {"allow": 0, "redact": 1, "refuse": 2}
FAIL_CLOSED_POLICY = "safety-check-failed"
"""The policy a verdict names when a check could not judge the text."""
_MAX_ERROR_CHARS = 200


def decide(
    text: str, results: dict[str, CheckResult], policy: SafetyPolicy, timings: dict[str, float]
) -> Verdict:
    """Turn check results into one Verdict according to the policy's category rules."""
    scores: dict[str, float] = {}
    reasons: dict[str, str] = {}
    redacted: str | None = None
    for result in results.values():
        for category, score in result.scores.items():
            if score >= scores.get(category, -1.0):
                scores[category] = round(score, 4)
                if category in result.reasons:
                    reasons[category] = result.reasons[category]
        redacted = redacted or result.redacted_text
    action: Action = "allow"
    triggered: list[tuple[int, float, str]] = []
    for category, score in scores.items():
        rule = policy.rule(category)
        if score >= rule.threshold and rule.action != "allow":
            triggered.append((_SEVERITY[rule.action], score, category))
            if _SEVERITY[rule.action] > _SEVERITY[action]:
                action = rule.action
    triggered.sort(reverse=True)
    categories = [category for _, _, category in triggered]
    if action == "allow":
        passed_on = text
    else:
        passed_on = redacted if redacted is not None else redact_pii(text)
    return Verdict(
        allowed=action != "refuse",
        action=action,
        scores=scores,
        categories=categories,
        reasons=[
            redact_pii(reasons.get(category, f"{category} above threshold"))
            for category in categories
        ],
        policy=categories[0] if categories else None,
        text=passed_on,
        check_ms=timings,
    )


def _refusal(text: str, policy_name: str, reason: str, *, fail_closed: bool = False) -> Verdict:
    return Verdict(
        allowed=False,
        action="refuse",
        categories=[policy_name],
        reasons=[redact_pii(reason)],
        policy=policy_name,
        text=redact_pii(text),
        fail_closed=fail_closed,
    )


def _checked_scores(name: str, result: CheckResult) -> CheckResult:
    """`result` when every score is a number in [0, 1]; a NaN would compare as "below
    every threshold" and let the text through, so it is an error instead."""
    bad = sorted(
        category
        for category, score in result.scores.items()
        if not isinstance(score, int | float) or not math.isfinite(score) or not 0 <= score <= 1
    )
    if bad:
        raise SafetyModelError(
            f"the {name} check returned invalid scores for {', '.join(bad)} (NaN, infinite "
            "or outside [0, 1]); its model is broken: reinstall it or rebuild its weights."
        )
    return result


def _on_view(result: CheckResult, label: str) -> CheckResult:
    """A check's result on a decoded view, its reasons saying where the finding was."""
    return CheckResult(
        scores=result.scores,
        reasons={
            category: f"{reason} (in {label}-decoded text)"
            for category, reason in result.reasons.items()
        },
    )


class _Guard:
    """Shared machinery: run each check, time it, fail closed (and say so) on errors.

    With `decode` (questions), every plausible decoding of the text (safety.deobfuscate) is judged
    by the judging checks too, and the worst score of any view counts; redacting checks
    (PII) see the text as given, since that is what is passed on.
    """

    def __init__(self, policy: SafetyPolicy, checks: list[Check]) -> None:
        self.policy = policy
        self._checks = checks
        self._warned: set[tuple[str, str]] = set()
        self._warned_lock = threading.Lock()

    def _run(self, text: object, checks: list[Check], *, decode: bool = False) -> Verdict:
        started = time.perf_counter()
        verdict = self._judge(text, checks, decode)
        verdict.latency_ms = round((time.perf_counter() - started) * 1000, 3)
        return verdict

    def _judge(self, text: object, checks: list[Check], decode: bool) -> Verdict:
        if not isinstance(text, str):
            return _refusal("", "bad-input", f"expected text, got {type(text).__name__}")
        if not self.policy.enabled:
            return Verdict(allowed=True, action="allow", text=text)
        if len(text) > self.policy.max_input_chars:
            return _refusal(
                text,
                "input-too-long",
                f"text has {len(text):,} characters, more than the limit of "
                f"{self.policy.max_input_chars:,} (safety.max_input_chars): shorten it",
            )
        results: dict[str, CheckResult] = {}
        timings: dict[str, float] = {}
        views = decoded_views(text, self.policy.max_decoded_views) if decode else []
        for check in checks:
            started = time.perf_counter()
            try:
                results[check.name] = _checked_scores(check.name, check(text))
                if check.name != PiiCheck.name:
                    for view in views:
                        result = _checked_scores(check.name, check(view.text))
                        results[f"{check.name}@{view.label}"] = _on_view(result, view.label)
            except Exception as exc:  # fail closed: an unchecked text must not pass
                return self._fail_closed(text, check.name, exc)
            timings[check.name] = round((time.perf_counter() - started) * 1000, 3)
        return decide(text, results, self.policy, timings)

    def _fail_closed(self, text: str, check_name: str, exc: Exception) -> Verdict:
        """The refusal for a text `check_name` could not judge; warns once per cause."""
        detail = redact_pii(str(exc))[:_MAX_ERROR_CHARS]
        cause = (check_name, type(exc).__name__)
        with self._warned_lock:
            first = cause not in self._warned
            self._warned.add(cause)
        if first:
            log.warning(
                "Safety check %r failed (%s: %s); every text it cannot judge is refused "
                "until it is fixed. Further failures of this kind are not logged again.",
                check_name,
                type(exc).__name__,
                detail,
            )
        return _refusal(
            text,
            FAIL_CLOSED_POLICY,
            f"the {check_name} check failed ({type(exc).__name__}: {detail}); refusing to be safe",
            fail_closed=True,
        )


class InputGuard(_Guard):
    """Checks questions (injection, harm, PII) and retrieved passages (indirect injection)."""

    def __init__(self, policy: SafetyPolicy | None = None, encoder: Encoder | None = None) -> None:
        policy = policy or SafetyPolicy()
        checks: list[Check] = [InjectionCheck(), build_toxicity_check(policy, encoder)]
        if policy.redact_pii:
            checks.append(PiiCheck())
        super().__init__(policy, checks)
        self._passage_checks: list[Check] = [InjectionCheck(passage=True)]

    def check(self, question: str) -> Verdict:
        """Verdict on a user question and on every plausible decoding of it; never raises."""
        return self._run(question, self._checks, decode=self.policy.deobfuscate)

    def check_passage(self, text: str) -> Verdict:
        """Verdict on a retrieved passage: action "refuse" means drop the passage."""
        if not self.policy.scan_passages:
            return Verdict(allowed=True, action="allow", text=text if isinstance(text, str) else "")
        return self._run(text, self._passage_checks)


def answer_policy(policy: SafetyPolicy) -> SafetyPolicy:
    """`policy` as it applies to answers: `prompt-injection` is scored but never acted on.

    An answer instructs nobody: what the assistant shows is read by a person, and the
    conversation carries only the questions forward. Passages that carry injected
    instructions are dropped before the model sees them (`check_passage`). Judged by the
    injection class, a course's own warning quoted back ("should not be used for security
    purposes ... see the secrets module", framed as a request) was withheld.
    """
    rule = policy.rule(INJECTION_CATEGORY).model_copy(update={"action": "allow"})
    return policy.model_copy(update={"categories": {**policy.categories, INJECTION_CATEGORY: rule}})


class OutputGuard(_Guard):
    """Checks generated answers for harmful content and redacts leaked personal data.

    An answer is judged by what it does, read whole and as the request it fulfils (see
    `safety.toxicity.embedded.answer_units`), not sentence by sentence.
    """

    def __init__(self, policy: SafetyPolicy | None = None, encoder: Encoder | None = None) -> None:
        policy = answer_policy(policy or SafetyPolicy())
        checks: list[Check] = [build_toxicity_check(policy, encoder, answers=True)]
        if policy.redact_pii:
            checks.append(PiiCheck())
        super().__init__(policy, checks)

    def check(self, answer: str) -> Verdict:
        """Verdict on a generated answer; never raises."""
        return self._run(answer, self._checks)
