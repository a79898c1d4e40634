"""Personal data: find and redact e-mails, phones, cards, IBANs, IPs and national IDs.

Precision matters as much as recall: course text about code and networking must pass
unchanged. So each detector validates what its pattern finds:

- cards: Luhn, an issuer (IIN) range with that issuer's length, and card-like grouping
  ("4111 1111 1111 1111") or a payment word nearby; a bare 16-digit number that happens
  to pass Luhn (one in ten do) is not a card;
- IBANs: ISO 13616 mod 97;
- IPs: only addresses that can point at a person's connection, i.e. globally routable
  unicast ones. Loopback, unspecified, private, link-local, documentation, multicast and
  reserved ranges, well-known public resolvers and textbook placeholders (1.2.3.4) say
  nothing about a person. A link-local IPv6 address built from a MAC (EUI-64) is kept
  as personal: it embeds the hardware address. Slices such as `x[::-1]` are not IPv6;
- phones: an international number has a plausible country code and is not a decimal
  literal (`+3.14159265`); a North American number has a valid area code.
"""

from __future__ import annotations

import ipaddress
import itertools
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


Validator = Callable[[str, str, int], bool]
"""(candidate, whole text, start offset) -> is it really personal data."""


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


# -- cards -----------------------------------------------------------------------------

_ISSUERS: list[tuple[int, int, tuple[int, ...]]] = [
    # (first prefix, last prefix, allowed lengths); prefixes compared on their own length
    (4, 4, (13, 16, 19)),  # Visa
    (51, 55, (16,)),  # Mastercard
    (2221, 2720, (16,)),  # Mastercard 2-series
    (34, 34, (15,)),  # American Express
    (37, 37, (15,)),
    (300, 305, (14, 16, 17, 18, 19)),  # Diners Club
    (36, 36, (14, 16, 17, 18, 19)),
    (38, 39, (14, 16, 17, 18, 19)),
    (6011, 6011, (16, 17, 18, 19)),  # Discover
    (644, 649, (16, 17, 18, 19)),
    (65, 65, (16, 17, 18, 19)),
    (3528, 3589, (16, 17, 18, 19)),  # JCB
    (62, 62, (16, 17, 18, 19)),  # UnionPay
    (2200, 2204, (16, 17, 18, 19)),  # Mir
    (5018, 5018, (12, 13, 14, 15, 16, 17, 18, 19)),  # Maestro
    (5020, 5020, (12, 13, 14, 15, 16, 17, 18, 19)),
    (5038, 5038, (12, 13, 14, 15, 16, 17, 18, 19)),
    (5893, 5893, (12, 13, 14, 15, 16, 17, 18, 19)),
    (6304, 6304, (12, 13, 14, 15, 16, 17, 18, 19)),
    (6759, 6759, (12, 13, 14, 15, 16, 17, 18, 19)),
    (6761, 6763, (12, 13, 14, 15, 16, 17, 18, 19)),
]
_CARD_GROUPING = re.compile(
    r"\d{4}([ -])\d{4}\1\d{4}\1\d{4}(?:\1\d{1,3})?"  # 4-4-4-4 (-3)
    r"|\d{4}([ -])\d{6}\2\d{4,5}"  # Amex 4-6-5, Diners 4-6-4
)
_CARD_CONTEXT = re.compile(
    r"\b(?:card|cards|credit|debit|visa|master ?card|amex|american express|discover|jcb"
    r"|maestro|unionpay|cc|ccn|cvv|cvc|pan|expir\w*|payment|pay|paid|billing|charge)\b",
    re.IGNORECASE,
)
_CONTEXT_CHARS = 40


def card_issuer_valid(digits: str) -> bool:
    """True when the number starts with a known issuer range and has that issuer's length."""
    for first, last, lengths in _ISSUERS:
        width = len(str(first))
        if len(digits) in lengths and first <= int(digits[:width]) <= last:
            return True
    return False


def _card_valid(candidate: str, text: str, start: int) -> bool:
    digits = re.sub(r"[ -]", "", candidate)
    if not (12 <= len(digits) <= 19 and luhn_valid(digits) and card_issuer_valid(digits)):
        return False
    if _CARD_GROUPING.fullmatch(candidate):
        return True
    before = text[max(0, start - _CONTEXT_CHARS) : start]
    after = text[start + len(candidate) : start + len(candidate) + _CONTEXT_CHARS // 2]
    return bool(_CARD_CONTEXT.search(before) or _CARD_CONTEXT.search(after))


# -- IP addresses ----------------------------------------------------------------------

_NON_PERSONAL_IPS = frozenset(
    ipaddress.ip_address(address)
    for address in (
        # public DNS resolvers and time servers: they name a service, not a person
        "1.1.1.1",
        "1.0.0.1",
        "8.8.8.8",
        "8.8.4.4",
        "9.9.9.9",
        "149.112.112.112",
        "208.67.222.222",
        "208.67.220.220",
        "2606:4700:4700::1111",
        "2606:4700:4700::1001",
        "2001:4860:4860::8888",
        "2001:4860:4860::8844",
        "2620:fe::fe",
    )
)
_GLOBAL_UNICAST_V6 = ipaddress.ip_network("2000::/3")


def _textbook_ipv4(octets: list[int]) -> bool:
    """Addresses people type as examples: all octets equal, or a run such as 1.2.3.4."""
    steps = {b - a for a, b in itertools.pairwise(octets)}
    return len(steps) == 1 and steps <= {-1, 0, 1}


def ip_is_personal(candidate: str) -> bool:
    """True when an address could identify a person's device or connection."""
    try:
        address = ipaddress.ip_address(candidate)
    except ValueError:
        return False
    if address in _NON_PERSONAL_IPS:
        return False
    if isinstance(address, ipaddress.IPv6Address):
        if address.is_link_local:
            # EUI-64 interface identifiers embed the MAC address: ...:xxff:fexx:...
            return (int(address) >> 24) & 0xFFFF == 0xFFFE
        if address.ipv4_mapped is not None:
            return ip_is_personal(str(address.ipv4_mapped))
        if address not in _GLOBAL_UNICAST_V6:
            return False
    elif _textbook_ipv4([int(part) for part in candidate.split(".")]):
        return False
    return bool(address.is_global and not address.is_multicast and not address.is_reserved)


def _ipv4_valid(candidate: str, text: str, start: int) -> bool:
    return ip_is_personal(candidate)


def _ipv6_valid(candidate: str, text: str, start: int) -> bool:
    groups = [group for group in candidate.split(":") if group]
    # at least three written groups: `a::b`, `1::2` and `::` are slices or toy values
    return len(groups) >= 3 and ip_is_personal(candidate)


# -- phones ----------------------------------------------------------------------------

_ONE_DIGIT_CODES = frozenset("17")
_TWO_DIGIT_SPANS = (
    "20", "27", "30-34", "36", "39", "40", "41", "43-49", "51-58", "60-66",
    "81", "82", "84", "86", "90-95", "98",
)  # fmt: skip
_TWO_DIGIT_CODES = frozenset(
    str(code) for span in _TWO_DIGIT_SPANS for code in range(int(span[:2]), int(span[-2:]) + 1)
)
_NO_CODE_ZONE = frozenset("0")


def country_code_plausible(digits: str) -> bool:
    """True when an E.164 number starts with a country code that can exist.

    One-digit codes are 1 and 7; two-digit codes are a fixed list; every other code is
    three digits long in zones 2-9 (ITU-T E.164 assignment structure)."""
    if not digits or digits[0] in _NO_CODE_ZONE:
        return False
    if digits[0] in _ONE_DIGIT_CODES or digits[:2] in _TWO_DIGIT_CODES:
        return True
    return digits[0] in "23456789" and len(digits) > 3


def _international_phone_valid(candidate: str, text: str, start: int) -> bool:
    digits = re.sub(r"\D", "", candidate)
    if not 8 <= len(digits) <= 15 or not country_code_plausible(digits):
        return False
    separators = re.findall(r"[ .\-()]", candidate)
    # `+3.14159265`: one dot and nothing else is a signed decimal, not a phone number
    return separators != ["."]


def _nanp_phone_valid(candidate: str, text: str, start: int) -> bool:
    """North American area codes never start with 0 or 1 (`192.168.1234` is no phone)."""
    return re.sub(r"\D", "", candidate)[0] in "23456789"


# -- detectors -------------------------------------------------------------------------

_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"

# Detectors in priority order: an earlier kind wins an overlapping span.
_DETECTORS: list[tuple[str, re.Pattern[str], Validator | None]] = [
    (
        "EMAIL",
        re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"),
        None,
    ),
    ("CARD", re.compile(r"(?<![\d-])\d(?:[ -]?\d){11,18}(?![\d-])"), _card_valid),
    (
        "IBAN",
        re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b"),
        lambda candidate, _text, _start: iban_valid(candidate),
    ),
    ("SSN", re.compile(r"\b(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b"), None),
    (
        "NI_NUMBER",
        re.compile(
            r"\b(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]"
            r" ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b"
        ),
        None,
    ),
    ("IP", re.compile(rf"(?<![\d.]){_OCTET}(?:\.{_OCTET}){{3}}(?![\d.])"), _ipv4_valid),
    (
        "IP",
        re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])"),
        _ipv6_valid,
    ),
    (
        "PHONE",
        re.compile(r"(?<![\w+])(?<!\d\.)\+\d{1,3}(?:[ .-]?\(?\d{1,4}\)?){2,5}(?!\w|\.\d)"),
        _international_phone_valid,
    ),
    (
        "PHONE",
        re.compile(r"(?<![\w(])(?<!\d\.)(?:\(\d{3}\) ?|\d{3}[ .-])\d{3}[ .-]\d{4}(?!\w|\.\d)"),
        _nanp_phone_valid,
    ),
]


def find_pii(text: str) -> list[PiiMatch]:
    """All non-overlapping personal-data matches in `text`, in reading order."""
    found: list[PiiMatch] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern, validator in _DETECTORS:
        for match in pattern.finditer(text):
            start, end = match.span()
            value = match.group(0)
            if validator is not None and not validator(value, text, start):
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
