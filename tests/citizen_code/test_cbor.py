"""The strict CBOR subset: round-trips, agreement with cbor2, and what it refuses."""

from __future__ import annotations

import contextlib
from typing import Any

import cbor2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from citizen_code import _cbor
from citizen_code.errors import InvalidCbor

scalars = (
    st.integers(min_value=-(2**64), max_value=2**64 - 1)
    | st.binary(max_size=40)
    | st.text(max_size=20)
    | st.booleans()
    | st.none()
)
keys = st.integers(min_value=-(2**64), max_value=2**64 - 1) | st.text(max_size=8)
values: st.SearchStrategy[Any] = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(keys, inner, max_size=5),
    max_leaves=20,
)


def depth_of(value: object) -> int:
    if isinstance(value, list):
        return 1 + max((depth_of(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth_of(v) for v in value.values()), default=0)
    return 0


@given(values)
def test_round_trip_for_any_value_within_depth(value: object) -> None:
    assert _cbor.decode(_cbor.encode(value), max_depth=depth_of(value)) == value  # type: ignore[arg-type]


@given(values)
def test_cbor2_reads_what_we_encode(value: object) -> None:
    assert cbor2.loads(_cbor.encode(value)) == value  # type: ignore[arg-type]


@given(values)
def test_we_read_what_cbor2_canonically_encodes(value: object) -> None:
    encoded = cbor2.dumps(value, canonical=True)
    assert _cbor.decode(encoded, max_depth=depth_of(value)) == value


@given(st.dictionaries(keys, scalars, max_size=8))
def test_map_keys_are_written_in_rfc_8949_bytewise_order(value: dict[Any, Any]) -> None:
    # RFC 8949 §4.2.1 sorts by encoded key bytes (cbor2's canonical mode sorts length-first,
    # the older RFC 7049 rule, so it is not the reference here).
    written_order = list(cbor2.loads(_cbor.encode(value)))
    encoded_keys = [_cbor.encode(key) for key in written_order]
    assert encoded_keys == sorted(encoded_keys)


@given(st.binary(max_size=80))
def test_arbitrary_bytes_raise_only_invalid_cbor(data: bytes) -> None:
    with contextlib.suppress(InvalidCbor):
        _cbor.decode(data, max_depth=4)


@pytest.mark.parametrize(
    ("data", "complaint"),
    [
        (b"\x9f\x01\xff", "indefinite"),  # indefinite-length array
        (b"\x5f\x41\x00\xff", "indefinite"),  # indefinite-length byte string
        (b"\x18\x05", "shortest"),  # 5 in two bytes
        (b"\x19\x00\x10", "shortest"),
        (b"\x1a\x00\x00\x01\x00", "shortest"),
        (b"\x1b\x00\x00\x00\x00\x00\x01\x00\x00", "shortest"),
        (b"\xc1\x1a\x00\x00\x00\x00", "tag"),  # tag 1 (epoch datetime)
        (b"\xd8\x23\x61a", "tag"),  # tag 35 (regex) must never be compiled
        (b"\xf9\x3c\x00", "float"),  # half-precision 1.0
        (b"\xfb\x3f\xf0\x00\x00\x00\x00\x00\x00", "float"),
        (b"\xf7", "simple"),  # undefined
        (b"\xa2\x01\x01\x01\x02", "duplicate"),
        (b"\xa2\x61a\x01\x61a\x02", "duplicate"),
        (b"\xa1\xf5\x01", "keys"),  # true as a map key
        (b"\xa1\x81\x01\x01", "deeper"),  # array as a map key
        (b"\x83\x01\x02", "truncated"),
        (b"\x45abc", "truncated"),
        (b"\x1a\x00\x01", "truncated"),
        (b"\x9a\x00\x01\x00\x00\x01", "truncated"),  # a count of 65536 with one item
        (b"\x01\x02", "trailing"),
        (b"\x62\xc3\x28", "UTF-8"),
        (b"", "truncated"),
        # The same rules inside a map, where the decoder takes its inline fast paths.
        (b"\xa1\x01\x1a\x00\x00\x01\x00", "shortest"),  # 4-byte value below 65536
        (b"\xa1\x3a\x00\x00\x00\x01\x01", "shortest"),  # 4-byte negative key
        (b"\xa1\x01\x1a\x00\x01", "truncated"),
        (b"\xa1\x3a\x00\x01", "truncated"),
        (b"\xa1\x01\x63ab", "truncated"),
        (b"\xa1\x01\x43ab", "truncated"),
        (b"\xa1\x01\x62\xc3\x28", "UTF-8"),
        (b"\xa1\x01", "truncated"),
        (b"\xa2\x3a\x00\x01\x11\x71\x01\x3a\x00\x01\x11\x71\x02", "duplicate"),
    ],
)
def test_decode_refuses_what_the_subset_excludes(data: bytes, complaint: str) -> None:
    with pytest.raises(InvalidCbor, match=complaint):
        _cbor.decode(data, max_depth=4)


def test_decode_refuses_nesting_beyond_the_bound() -> None:
    nested = b"\x81" * 5 + b"\x01"
    assert _cbor.decode(nested, max_depth=5) == [[[[[1]]]]]
    with pytest.raises(InvalidCbor, match="deeper"):
        _cbor.decode(nested, max_depth=4)


def test_decode_refuses_deep_nesting_without_recursing_into_it() -> None:
    # 600 nested arrays would blow a naive recursive decoder's stack budget.
    with pytest.raises(InvalidCbor, match="deeper"):
        _cbor.decode(b"\x81" * 600 + b"\x01", max_depth=3)


def test_encode_refuses_types_outside_the_subset() -> None:
    with pytest.raises(TypeError):
        _cbor.encode(1.5)  # type: ignore[arg-type]
