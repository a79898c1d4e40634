"""PII precision: course text about code and networking passes unchanged, while real
personal data in the same shapes is still caught. Property tests over generated text."""

from __future__ import annotations

import hashlib
import ipaddress
import itertools
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safety import redact_pii
from safety.pii import find_pii, ip_is_personal, luhn_valid

PROPERTY = settings(max_examples=300, deadline=None, database=None)


def luhn_complete(body: str) -> str:
    """`body` plus the check digit that makes it pass Luhn."""
    return next(body + d for d in "0123456789" if luhn_valid(body + d))


@pytest.mark.parametrize(
    "text",
    [
        "Reverse a list with x[::-1] and take every other item with arr[1::2].",
        "Slices like a[::2], b[1::], m[:, ::3] and s[a::c] are not addresses.",
        "Bind to 127.0.0.1 or 0.0.0.0; the docs use 1.2.3.4 and 192.0.2.10.",
        "The router is 192.168.1.1 and the VPN hands out 10.8.0.2 (CGNAT 100.64.0.1).",
        "Use ::1 for IPv6 loopback, fe80::1 on the link, and 2001:db8::8a2e:370:7334.",
        "Public resolvers such as 8.8.8.8 and 1.1.1.1 answer DNS queries.",
        "Set pi = +3.14159265 and e = +2.7182818284; the change was +12.5%.",
        "The seed 4539578763621486 and the id 5500005555555559 are just numbers.",
        "sha256 = 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "Version 1.2.3.4 of the package; build 2024.01.31.1200.",
    ],
)
def test_code_and_networking_text_passes_unchanged(text: str) -> None:
    assert redact_pii(text) == text, find_pii(text)


def test_the_issue_message_loses_its_email_and_card() -> None:
    text = "My email is jane.doe@example.com and card 4111 1111 1111 1111. How do I ...?"
    assert redact_pii(text) == "My email is [EMAIL] and card [CARD]. How do I ...?"


slice_part = st.one_of(st.just(""), st.integers(-99, 999).map(str), st.sampled_from("abcdef"))


@PROPERTY
@given(st.sampled_from(["x", "arr", "df.values", "s"]), slice_part, slice_part, slice_part)
def test_python_slices_are_never_ip_addresses(name: str, a: str, b: str, c: str) -> None:
    text = f"y = {name}[{a}:{b}:{c}] + {name}[{a}::{c}]"
    assert find_pii(text) == []


NON_PERSONAL_NETWORKS = [
    "127.0.0.0/8",
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "169.254.0.0/16",
    "192.0.2.0/24",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "0.0.0.0/8",
    "224.0.0.0/4",
    "240.0.0.0/4",
    "100.64.0.0/10",
    "::1/128",
    "fc00::/7",
    "2001:db8::/32",
    "ff00::/8",
]


@PROPERTY
@given(st.sampled_from(NON_PERSONAL_NETWORKS), st.integers(min_value=0))
def test_non_personal_addresses_are_left_alone(network: str, offset: int) -> None:
    net = ipaddress.ip_network(network)
    address = net[offset % net.num_addresses]
    text = f"ping {address} now"
    assert redact_pii(text) == text


@PROPERTY
@given(
    st.sampled_from([24, 31, 46, 73, 81, 86, 92, 151, 176, 212]),
    st.integers(0, 255),
    st.integers(0, 255),
    st.integers(1, 254),
)
def test_routable_addresses_are_redacted(first: int, b: int, c: int, d: int) -> None:
    octets = [first, b, c, d]
    steps = {y - x for x, y in itertools.pairwise(octets)}
    if len(steps) == 1 and steps <= {-1, 0, 1}:
        return  # textbook placeholder such as 24.25.26.27
    text = f"my IP is {first}.{b}.{c}.{d} today"
    assert redact_pii(text) == "my IP is [IP] today"


@PROPERTY
@given(st.integers(0, 2**64 - 1))
def test_routable_ipv6_is_redacted(host: int) -> None:
    address = ipaddress.IPv6Address((0x2A00_1450 << 96) | host)
    if len([group for group in address.compressed.split(":") if group]) < 3:
        return  # a prefix such as 2a00:1450:: names a network, not a host
    assert ip_is_personal(address.compressed)
    assert redact_pii(f"from {address.compressed} at 9") == "from [IP] at 9"


@PROPERTY
@given(st.floats(min_value=0, max_value=1e6, allow_nan=False), st.integers(4, 12))
def test_signed_decimals_are_not_phone_numbers(value: float, digits: int) -> None:
    text = f"x = +{value:.{digits}f} and y = -{value:.{digits}f}"
    assert find_pii(text) == []


@PROPERTY
@given(st.text(alphabet="0123456789", min_size=15, max_size=15))
def test_bare_numbers_that_pass_luhn_are_not_cards(body: str) -> None:
    number = luhn_complete(body)
    assert [m.kind for m in find_pii(f"row {number} of the table")] == []


@PROPERTY
@given(st.text(alphabet="0123456789", min_size=14, max_size=14), st.sampled_from(" -"))
def test_formatted_or_named_cards_are_redacted(body: str, sep: str) -> None:
    number = luhn_complete("4" + body)
    grouped = sep.join(number[i : i + 4] for i in range(0, 16, 4))
    assert redact_pii(f"my card is {grouped}.") == "my card is [CARD]."
    assert redact_pii(f"Visa number {number}") == "Visa number [CARD]"


@PROPERTY
@given(
    st.from_regex(r"[a-z][a-z0-9]{1,10}(\.[a-z]{2,8})?", fullmatch=True),
    st.from_regex(r"[a-z]{2,10}\.(com|org|edu|io|de)", fullmatch=True),
)
def test_emails_are_redacted(user: str, domain: str) -> None:
    assert redact_pii(f"write to {user}@{domain} soon") == "write to [EMAIL] soon"


@PROPERTY
@given(st.sampled_from(["+44 20 7946 0958", "+1 415 555 2671", "+49 30 901820", "+33 1 4268 5300"]))
def test_international_phones_are_redacted(phone: str) -> None:
    assert redact_pii(f"ring me on {phone}.") == "ring me on [PHONE]."


@PROPERTY
@given(st.binary(min_size=1, max_size=64))
def test_hashes_and_uuids_are_not_pii(data: bytes) -> None:
    text = (
        f"md5 {hashlib.md5(data).hexdigest()} sha1 {hashlib.sha1(data).hexdigest()} "
        f"id {uuid.UUID(bytes=hashlib.md5(data).digest())}"
    )
    assert find_pii(text) == []
