"""Personal data: find and redact e-mails, phones, cards (Luhn), IBANs (mod 97), IPs, IDs.

Checksums keep precision high: a 16-digit number that fails Luhn is not a card, and an
IBAN-shaped string that fails mod 97 is left alone.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass

from safety.checks import CheckResult


@dataclass(frozen=True)
class PiiMatch:
    """One piece of personal data found in a text."""

    kind: str
    start: int
    end: int
    text: str


def luhn_valid(digits: str) -> bool:
    """True when a digit string passes the Luhn checksum used by payment cards."""
    if not digits.isdigit():
        return False
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def iban_valid(candidate: str) -> bool:
    """True when an IBAN (spaces allowed) passes the ISO 13616 mod-97 check."""
    compact = candidate.replace(" ", "").upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", compact):
        return False
    rearranged = compact[4:] + compact[:4]
    numeric = "".join(str(int(char, 36)) for char in rearranged)
    return int(numeric) % 97 == 1


def _ipv6_valid(candidate: str) -> bool:
    try:
        ipaddress.IPv6Address(candidate)
    except ValueError:
        return False
    return True


def _card_valid(candidate: str) -> bool:
    digits = re.sub(r"[ -]", "", candidate)
    return 13 <= len(digits) <= 19 and luhn_valid(digits)


def _phone_valid(candidate: str) -> bool:
    return 7 <= sum(char.isdigit() for char in candidate) <= 15


_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"

# Detectors in priority order: an earlier kind wins an overlapping span.
_DETECTORS: list[tuple[str, re.Pattern[str], Callable[[str], bool] | None]] = [
    (
        "EMAIL",
        re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"),
        None,
    ),
    ("CARD", re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])"), _card_valid),
    ("IBAN", re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b"), iban_valid),
    ("SSN", re.compile(r"\b(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b"), None),
    (
        "NI_NUMBER",
        re.compile(
            r"\b(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]"
            r" ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b"
        ),
        None,
    ),
    ("IP", re.compile(rf"(?<![\d.]){_OCTET}(?:\.{_OCTET}){{3}}(?![\d.])"), None),
    (
        "IP",
        re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])"),
        _ipv6_valid,
    ),
    (
        "PHONE",
        re.compile(r"(?<![\w+])\+\d{1,3}(?:[ .-]?\(?\d{1,4}\)?){2,5}(?![\w])"),
        _phone_valid,
    ),
    ("PHONE", re.compile(r"(?<![\w(])(?:\(\d{3}\) ?|\d{3}[ .-])\d{3}[ .-]\d{4}(?!\w)"), None),
]


def find_pii(text: str) -> list[PiiMatch]:
    """All non-overlapping personal-data matches in `text`, in reading order."""
    found: list[PiiMatch] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern, validator in _DETECTORS:
        for match in pattern.finditer(text):
            start, end = match.span()
            value = match.group(0)
            if validator is not None and not validator(value):
                continue
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            taken.append((start, end))
            found.append(PiiMatch(kind=kind, start=start, end=end, text=value))
    return sorted(found, key=lambda item: item.start)


def redact_pii(text: str) -> str:
    """`text` with each piece of personal data replaced by a tag such as `[EMAIL]`."""
    pieces: list[str] = []
    cursor = 0
    for match in find_pii(text):
        pieces.append(text[cursor : match.start])
        pieces.append(f"[{match.kind}]")
        cursor = match.end
    pieces.append(text[cursor:])
    return "".join(pieces)


class PiiCheck:
    """Scores 1.0 for category `pii` when personal data is present; returns the redacted text."""

    name = "pii"

    def __call__(self, text: str) -> CheckResult:
        matches = find_pii(text)
        if not matches:
            return CheckResult(scores={"pii": 0.0})
        kinds = sorted({match.kind for match in matches})
        return CheckResult(
            scores={"pii": 1.0},
            reasons={"pii": f"personal data found and redacted: {', '.join(kinds)}"},
            redacted_text=redact_pii(text),
        )
