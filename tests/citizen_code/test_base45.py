"""Base45 (RFC 9285): the RFC's own examples, strictness, and a naive reference decoder."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from citizen_code import b45decode, b45encode
from citizen_code._base45 import ALPHABET
from citizen_code.errors import InvalidBase45, MalformedCode

RFC_9285_EXAMPLES = [
    (b"AB", "BB8"),
    (b"Hello!!", "%69 VD92EX0"),
    (b"base-45", "UJCLQE7W581"),
    (b"ietf!", "QED8WEX0"),
    (b"", ""),
]


def reference_decode(text: str) -> bytes:
    """RFC 9285 §4.2 written as plainly as possible, to check the lane-based decoder."""
    out = bytearray()
    for i in range(0, len(text), 3):
        chunk = [ALPHABET.index(c) for c in text[i : i + 3]]
        value = sum(d * 45**k for k, d in enumerate(chunk))
        out += value.to_bytes(len(chunk) - 1, "big")
    return bytes(out)


def reference_encode(data: bytes) -> str:
    """RFC 9285 §4 written as plainly as possible, to check the lane-based encoder."""
    out: list[str] = []
    for i in range(0, len(data), 2):
        value = int.from_bytes(data[i : i + 2], "big")
        digits = 3 if i + 1 < len(data) else 2
        out.extend(ALPHABET[value // 45**k % 45] for k in range(digits))
    return "".join(out)


@pytest.mark.parametrize(("data", "text"), RFC_9285_EXAMPLES)
def test_encode_matches_rfc_9285_examples(data: bytes, text: str) -> None:
    assert b45encode(data) == text


@pytest.mark.parametrize(("data", "text"), RFC_9285_EXAMPLES)
def test_decode_matches_rfc_9285_examples(data: bytes, text: str) -> None:
    assert b45decode(text) == data


@pytest.mark.parametrize(
    "text",
    [
        "GGW",  # RFC 9285 §4.3: 65536 does not fit two bytes
        ":::",  # the largest triple, 91124
        "BB8GGW",  # overflow in a later group
        "ZZ",  # a final pair above 255
        "BB8ZZ",
    ],
)
def test_decode_rejects_group_overflow(text: str) -> None:
    with pytest.raises(InvalidBase45, match="above"):
        b45decode(text)


@pytest.mark.parametrize("text", ["A", "BB8A", "BB8BB8A"])
def test_decode_rejects_length_of_three_k_plus_one(text: str) -> None:
    with pytest.raises(InvalidBase45, match="lone trailing"):
        b45decode(text)


@pytest.mark.parametrize("text", ["bb8", "BB8\n", " BB8\t", "BB=", "QED8WEX0é", "BB8\x00"])
def test_decode_rejects_characters_outside_the_alphabet_without_trimming(text: str) -> None:
    with pytest.raises(InvalidBase45):
        b45decode(text)


def test_base45_errors_are_malformed_code_errors() -> None:
    assert issubclass(InvalidBase45, MalformedCode)


@given(st.binary(max_size=700))
def test_round_trip_for_any_bytes(data: bytes) -> None:
    assert b45decode(b45encode(data)) == data


@given(st.binary(max_size=700))
def test_encoding_uses_only_the_qr_alphanumeric_set(data: bytes) -> None:
    assert set(b45encode(data)) <= set(ALPHABET)


@given(st.text(alphabet=ALPHABET, max_size=120))
def test_decode_agrees_with_the_reference_on_any_alphabet_text(text: str) -> None:
    try:
        expected: bytes | None = reference_decode(text)
    except OverflowError:
        expected = None  # the reference hits the RFC's overflow case
    if len(text) % 3 == 1:
        expected = None
    if expected is None:
        with pytest.raises(InvalidBase45):
            b45decode(text)
    else:
        assert b45decode(text) == expected


@given(st.binary(max_size=700))
def test_encode_agrees_with_the_reference_on_any_bytes(data: bytes) -> None:
    assert b45encode(data) == reference_encode(data)


def test_encode_is_exact_for_every_16_bit_group_and_the_extremes() -> None:
    every = b"".join(n.to_bytes(2, "big") for n in range(65536))
    assert b45encode(every) == reference_encode(every)
    for data in (b"\xff" * 1001, b"\0" * 1000, b"\xff\xff" * 401):  # past the cached masks too
        assert b45encode(data) == reference_encode(data)
