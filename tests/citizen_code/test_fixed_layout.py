"""The fixed-layout reader of online codes against the strict path (COSE parse, claims decode, read).

The reader may only ever say "canonical online code, these values" or "not this layout". So for any
bytes at all: when it answers, the strict path accepts the same bytes with the same values; and the
verifier's verdict is the same whether the reader is used or not. Random mutations of valid codes
(and of their payloads, re-signed so that the signature is no longer what stops them) drive both.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from unittest.mock import patch

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from citizen_code import ParsedCode, Status, Verdict, _cose, _verify, b45decode, b45encode
from citizen_code._claims import decode_claims, online_payload, read_online
from citizen_code._fixed_layout import OnlineFields, read_online_code
from citizen_code.errors import CitizenCodeError
from tests.citizen_code.world import CODE_ID, ISSUER, ISSUER_KEY, NOW, make_world

# Bytes at the edges of CBOR's head encoding and of this format's layout.
EDGE_BYTES = [
    0x00, 0x01, 0x02, 0x03, 0x04, 0x06, 0x07, 0x17, 0x18, 0x19, 0x1A, 0x1B, 0x1F, 0x20, 0x26, 0x37,
    0x38, 0x3A, 0x40, 0x41, 0x48, 0x4D, 0x57, 0x58, 0x5F, 0x60, 0x77, 0x78, 0x7F, 0x80, 0x9F, 0xA0,
    0xA2, 0xA5, 0xA6, 0xA7, 0xBF, 0xC0, 0xD2, 0xF4, 0xF5, 0xF6, 0xF9, 0xFF,
]  # fmt: skip


def strict_read(data: bytes) -> OnlineFields | None:
    """What the strict path reads from an online code's COSE bytes, or None where it refuses."""
    try:
        message = _cose.parse_sign1(data)
        if message.kid is None:
            return None
        iss, sub, iat, exp, cti, status = read_online(decode_claims(message.payload))
    except CitizenCodeError:
        return None
    return (message.kid, iss, sub, iat, exp, cti, status, message.signature, message.to_be_signed)


@contextmanager
def strict_path_only() -> Iterator[None]:
    with patch.object(_verify, "read_online_code", lambda data: None):
        yield


def both_verdicts(text: str) -> tuple[Verdict | ParsedCode, Verdict | ParsedCode]:
    verifier = make_world().verifier()
    fast = verifier.check(text, now=NOW + 1)
    with strict_path_only():
        strict = verifier.check(text, now=NOW + 1)
    return fast, strict


def canonical_code(**overrides: object) -> bytes:
    arguments: dict[str, object] = {"issuer": ISSUER, "subject": CODE_ID, "now": NOW, "cti": CTI} | overrides
    return b45decode(make_world().code(**arguments)[4:])


@st.composite
def mutations(draw: st.DrawFn, base: bytes) -> bytes:
    """``base`` with one to four edits: a byte set (often to an edge value), inserted or deleted, or a cut."""
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["set", "set", "insert", "delete", "truncate"]))
        if not data:
            break
        pos = draw(st.integers(0, len(data) - 1))
        byte = draw(st.sampled_from(EDGE_BYTES) | st.integers(0, 255))
        if kind == "set":
            data[pos] = byte
        elif kind == "insert":
            data.insert(pos, byte)
        elif kind == "delete":
            del data[pos]
        else:
            del data[pos:]
    return bytes(data)


CTI = bytes(range(8))
BASE = canonical_code()
BASE_MESSAGE = _cose.parse_sign1(BASE)
BASE_PAYLOAD = BASE_MESSAGE.payload


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"status": Status.RESTRICTED},
        {"issuer": ""},
        {"issuer": "x" * 23},
        {"issuer": "宿迁市"},  # 9 bytes of UTF-8
        {"subject": "a" * 23},
        {"cti": b"\x00"},
        {"cti": b"\xff" * 23},
        {"ttl": 300},
        {"now": 0x10000},  # the smallest 4-byte NumericDate
        {"now": 2**31},  # top bit set: read unsigned
        {"now": 2**32 - 61},  # exp = 2**32 - 1, the largest
    ],
    ids=repr,
)
def test_issued_codes_take_the_fixed_layout_with_the_strict_values(overrides: dict[str, object]) -> None:
    data = canonical_code(**overrides)
    assert read_online_code(data) is not None
    assert read_online_code(data) == strict_read(data)


@pytest.mark.parametrize(
    "overrides",
    [{"issuer": "x" * 24}, {"subject": "a" * 24}, {"cti": b"\x01" * 24}, {"now": 0xFFFF}, {"now": 2**32}],
    ids=repr,
)
def test_codes_outside_the_layout_are_left_to_the_strict_path(overrides: dict[str, object]) -> None:
    data = canonical_code(**overrides)
    assert read_online_code(data) is None
    assert strict_read(data) is not None


def _with_payload_edit(old: bytes, new: bytes) -> bytes:
    """BASE with one edit to its payload (its signature no longer matches; parsing comes first)."""
    assert BASE_PAYLOAD.count(old) == 1
    payload = BASE_PAYLOAD.replace(old, new)
    protected = _cose.protected_header(kid=BASE_MESSAGE.kid)
    return _cose.encode_sign1(protected, payload, BASE_MESSAGE.signature)


def test_refusals_the_strict_path_makes_are_not_accepted_by_the_reader() -> None:
    exp = (NOW + 60).to_bytes(4, "big")
    iss = b"\x66" + ISSUER.encode()
    length_at = BASE.index(BASE_PAYLOAD) - 1
    refused = {
        "trailing byte": BASE + b"\x00",
        "payload length one short": BASE[:length_at] + bytes((BASE[length_at] - 1,)) + BASE[length_at + 1 :],
        "payload length one long": BASE[:length_at] + bytes((BASE[length_at] + 1,)) + BASE[length_at + 1 :],
        "date not in shortest form": _with_payload_edit(b"\x04\x1a" + exp, b"\x04\x1a\x00\x00\x00\x17"),
        "empty cti": _with_payload_edit(b"\x07\x48" + CTI, b"\x07\x40"),
        "status 2": _with_payload_edit(b"\x71\x00", b"\x71\x02"),
        "iss not UTF-8": _with_payload_edit(iss, b"\x66\xff" + ISSUER.encode()[1:]),
        "duplicate key": _with_payload_edit(b"\x02\x70", b"\x01\x70"),
    }  # fmt: skip
    for name, data in refused.items():
        assert strict_read(data) is None, name
        assert read_online_code(data) is None, name


def test_keys_out_of_order_are_read_by_the_strict_path_alone() -> None:
    # Deterministic order is what issuers write, not what the strict decoder demands.
    claims = BASE_PAYLOAD[1:]
    iss_end = 2 + claims[1] - 0x60
    reordered = b"\xa6" + claims[iss_end:] + claims[:iss_end]
    protected = _cose.protected_header(kid=ISSUER_KEY.kid)
    data = _cose.sign1(ISSUER_KEY, protected, reordered)
    assert read_online_code(data) is None
    assert strict_read(data) is not None
    text = "SQ1:" + b45encode(data)
    fast, strict = both_verdicts(text)
    assert fast == strict
    assert isinstance(fast, ParsedCode)


@settings(max_examples=1500)
@given(mutations(BASE))
@example(BASE)
def test_whatever_the_reader_accepts_the_strict_path_reads_alike(data: bytes) -> None:
    fast = read_online_code(data)
    if fast is not None:
        assert fast == strict_read(data)


@settings(max_examples=400, deadline=None)
@given(mutations(BASE_PAYLOAD))
@example(BASE_PAYLOAD)
@example(online_payload(issuer=ISSUER, subject="", status=Status.NORMAL, iat=NOW, exp=NOW, cti=b"\x01"))
def test_re_signed_mutated_payloads_get_the_same_verdict_on_both_paths(payload: bytes) -> None:
    # Signed, so the claims decide: the verdict says what parsing and policy made of them.
    data = _cose.sign1(ISSUER_KEY, _cose.protected_header(kid=ISSUER_KEY.kid), payload)
    fast, strict = both_verdicts("SQ1:" + b45encode(data))
    assert fast == strict


@settings(max_examples=300, deadline=None)
@given(mutations(BASE))
def test_mutated_codes_get_the_same_verdict_on_both_paths(data: bytes) -> None:
    fast, strict = both_verdicts("SQ1:" + b45encode(data))
    assert fast == strict
