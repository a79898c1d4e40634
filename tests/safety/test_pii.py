from __future__ import annotations

import pytest

from safety import redact_pii
from safety.pii import PiiCheck, find_pii, iban_valid, luhn_valid


@pytest.mark.parametrize("number", ["4111111111111111", "5500005555555559", "378282246310005"])
def test_luhn_accepts_valid_card_numbers(number: str) -> None:
    assert luhn_valid(number)


@pytest.mark.parametrize("number", ["4111111111111112", "1234567812345678", "12ab"])
def test_luhn_rejects_invalid_numbers(number: str) -> None:
    assert not luhn_valid(number)


def test_card_redacted_only_when_luhn_valid() -> None:
    text = "pay with 4111 1111 1111 1111 not 4111 1111 1111 1112"
    assert redact_pii(text) == "pay with [CARD] not 4111 1111 1111 1112"


@pytest.mark.parametrize("iban", ["GB82 WEST 1234 5698 7654 32", "DE89370400440532013000"])
def test_iban_mod97_valid(iban: str) -> None:
    assert iban_valid(iban)
    assert "[IBAN]" in redact_pii(f"send it to {iban} today")


def test_iban_with_wrong_check_digits_is_left_alone() -> None:
    assert not iban_valid("GB82 WEST 1234 5698 7654 33")
    assert redact_pii("GB82 WEST 1234 5698 7654 33") == "GB82 WEST 1234 5698 7654 33"


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        ("mail ana.lopez@uni.example.org now", "[EMAIL]"),
        ("call +44 20 7946 0958", "[PHONE]"),
        ("call (555) 123-4567", "[PHONE]"),
        ("call +14155552671", "[PHONE]"),
        ("card no. 4111111111111111", "[CARD]"),
        ("pay with 3782 822463 10005", "[CARD]"),
        ("my home IP is 81.2.69.160", "[IP]"),
        ("host 2a00:1450:4009:81f::200e answers", "[IP]"),
        ("fe80::a8bb:ccff:fedd:eeff is my laptop", "[IP]"),
        ("SSN 123-45-6789", "[SSN]"),
        ("NI number AB 12 34 56 C", "[NI_NUMBER]"),
    ],
)
def test_each_kind_is_redacted(text: str, tag: str) -> None:
    redacted = redact_pii(text)
    assert tag in redacted
    assert [m.kind for m in find_pii(text)] == [tag.strip("[]")]


@pytest.mark.parametrize(
    "text",
    [
        "Error rate = 8/100 = 0.08 or 8%.",
        "Loan applications from 2015–2020 and 10,000 requests at 200 ms.",
        "A 70B model needs 140 GB; 45 km/h; at 12:30:45 on 2025-01-31.",
        "SSN-like but invalid: 000-12-3456 and 666-12-3456.",
    ],
)
def test_course_numbers_are_not_pii(text: str) -> None:
    assert find_pii(text) == []


def test_pii_check_reports_kinds_and_redacted_text() -> None:
    result = PiiCheck()("write to bob@example.com")
    assert result.scores["pii"] == 1.0
    assert result.redacted_text == "write to [EMAIL]"
    assert "EMAIL" in result.reasons["pii"]
