"""The strict CBOR (RFC 8949) subset the ``SQ1`` formats use.

Why not a general CBOR library on untrusted input: general decoders build objects for
semantic tags (dates, regexes, decimals, sets), accept indefinite lengths and recurse as
deep as the input says. Scanners read codes from strangers, so this decoder accepts only
what the format needs and refuses the rest: unsigned/negative integers, byte and text
strings, arrays, maps with integer or text keys (no duplicates), true/false/null; definite
lengths in shortest form; no tags (the COSE layer handles its single tag 18 itself), no
floats; nesting bounded by ``max_depth``.

The encoder writes RFC 8949 §4.2.1 deterministic CBOR (shortest arguments, map keys sorted
by their encoded bytes), so the same claims always give the same bytes (golden vectors).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeAlias

from citizen_code.errors import InvalidCbor

CborValue: TypeAlias = "int | bytes | str | bool | Sequence[CborValue] | Mapping[int | str, CborValue] | None"

# Simple values by number (RFC 8949 §3.3); shortest form forces them into the initial byte.
_SIMPLE = {20: False, 21: True, 22: None}
_NO_ENTRY = object()


def encode_head(major: int, argument: int) -> bytes:
    """Encode a CBOR initial byte plus its argument in shortest form."""
    mt = major << 5
    if argument < 24:
        return bytes((mt | argument,))
    if argument < 0x100:
        return bytes((mt | 24, argument))
    if argument < 0x10000:
        return bytes((mt | 25,)) + argument.to_bytes(2, "big")
    if argument < 0x100000000:
        return bytes((mt | 26,)) + argument.to_bytes(4, "big")
    if argument < 0x10000000000000000:
        return bytes((mt | 27,)) + argument.to_bytes(8, "big")
    raise ValueError(f"integer {argument} does not fit CBOR's 64-bit argument")


def encode(value: CborValue) -> bytes:
    """Encode a value as deterministic CBOR."""
    if value is None or isinstance(value, bool):
        return {False: b"\xf4", True: b"\xf5", None: b"\xf6"}[value]
    if isinstance(value, int):
        return encode_head(0, value) if value >= 0 else encode_head(1, -1 - value)
    if isinstance(value, bytes):
        return encode_head(2, len(value)) + value
    if isinstance(value, str):
        utf8 = value.encode("utf-8")
        return encode_head(3, len(utf8)) + utf8
    if isinstance(value, Mapping):
        items = sorted((encode(k), encode(v)) for k, v in value.items())
        return encode_head(5, len(items)) + b"".join(k + v for k, v in items)
    if isinstance(value, Sequence):
        return encode_head(4, len(value)) + b"".join(encode(v) for v in value)
    raise TypeError(f"cannot encode {type(value).__name__} as CBOR")


def decode(data: bytes, *, max_depth: int) -> object:
    """Decode exactly one CBOR item filling ``data``.

    Raises:
        InvalidCbor: anything outside the subset, truncation or trailing bytes.
    """
    try:
        value, end = decode_item(data, 0, max_depth)
    except IndexError:
        raise InvalidCbor("truncated: item expected") from None
    if end != len(data):
        raise InvalidCbor(f"{len(data) - end} trailing bytes")
    return value


def decode_head(data: bytes, pos: int) -> tuple[int, int, int]:
    """Read an initial byte and its argument: ``(major, argument, next position)``."""
    try:
        initial = data[pos]
    except IndexError:
        raise InvalidCbor("truncated: item expected") from None
    info = initial & 0x1F
    if info < 24:
        return initial >> 5, info, pos + 1
    argument, pos = _long_argument(data, pos + 1, info)
    return initial >> 5, argument, pos


def _long_argument(data: bytes, pos: int, info: int) -> tuple[int, int]:
    if info > 27:
        raise InvalidCbor(f"indefinite length or reserved additional info {info}")
    width = 1 << (info - 24)
    end = pos + width
    if end > len(data):
        raise InvalidCbor("truncated: argument")
    argument = int.from_bytes(data[pos:end], "big")
    # Shortest form only: a longer encoding of the same number is a second spelling.
    if argument < (24 if width == 1 else 1 << (4 * width)):
        raise InvalidCbor("argument not in shortest form")
    return argument, end


def _uint32_at(data: bytes, pos: int) -> int:
    """The 4-byte argument of the head at ``pos`` (NumericDates, private claim keys)."""
    end = pos + 5
    if end > len(data):
        raise InvalidCbor("truncated: argument")
    argument = int.from_bytes(data[pos + 1 : end], "big")
    if argument < 0x10000:
        raise InvalidCbor("argument not in shortest form")
    return argument


def decode_item(data: bytes, pos: int, depth: int) -> tuple[object, int]:
    """Decode one item at ``pos``: ``(value, next position)``.

    Scanners run this for every code, so the initial byte is parsed inline rather than
    through ``decode_head``. Reading past the end raises IndexError, which ``decode`` maps to
    InvalidCbor.
    """
    initial = data[pos]
    major = initial >> 5
    argument = initial & 0x1F
    pos += 1
    if argument == 26:
        # Inline the 4-byte case: every NumericDate (iat, exp) of this decade takes it.
        end = pos + 4
        if end > len(data):
            raise InvalidCbor("truncated: argument")
        argument = int.from_bytes(data[pos:end], "big")
        if argument < 0x10000:
            raise InvalidCbor("argument not in shortest form")
        pos = end
    elif argument >= 24:
        argument, pos = _long_argument(data, pos, argument)
    if major == 0:
        return argument, pos
    if major == 1:
        return -1 - argument, pos
    if major == 2:
        end = pos + argument
        if end > len(data):
            raise InvalidCbor("truncated: byte string")
        return data[pos:end], end
    if major == 3:
        end = pos + argument
        if end > len(data):
            raise InvalidCbor("truncated: text string")
        try:
            return data[pos:end].decode("utf-8"), end
        except UnicodeDecodeError:
            raise InvalidCbor("text string is not UTF-8") from None
    if major == 7:
        simple = _SIMPLE.get(argument, _NO_ENTRY)
        if simple is _NO_ENTRY:
            raise InvalidCbor("floats and unassigned simple values are not used")
        return simple, pos
    if major == 6:
        raise InvalidCbor(f"tag {argument} is not allowed here")
    if depth <= 0:
        raise InvalidCbor("nesting deeper than allowed")
    # Each element takes at least one byte, so a count beyond the rest is a lie worth
    # refusing before looping on it.
    if argument > len(data) - pos:
        raise InvalidCbor("truncated: container")
    depth -= 1
    if major == 4:
        items = []
        for _ in range(argument):
            item, pos = decode_item(data, pos, depth)
            items.append(item)
        return items, pos
    entries: dict[object, object] = {}
    for _ in range(argument):
        # Fast paths for the shapes claim maps are made of (one-byte integer keys, the
        # 4-byte private claim keys, short strings, 4-byte NumericDates): scanners decode
        # a claims map per code, and each avoided decode_item call shows in the budget.
        # Every other shape goes through decode_item; the hypothesis tests hold both
        # paths to the same answers.
        initial = data[pos]
        if initial < 0x18:
            key: object = initial
            pos += 1
        elif 0x20 <= initial < 0x38:
            key = 0x1F - initial
            pos += 1
        elif initial == 0x3A:
            key = -1 - _uint32_at(data, pos)
            pos += 5
        else:
            key, pos = decode_item(data, pos, 0)
            if type(key) is not int and type(key) is not str:
                raise InvalidCbor("map keys must be integers or text")
        if key in entries:
            raise InvalidCbor(f"duplicate map key {key!r}")
        initial = data[pos]
        if initial < 0x18:
            entries[key] = initial
            pos += 1
            continue
        if initial == 0x1A:
            entries[key] = _uint32_at(data, pos)
            pos += 5
            continue
        if 0x40 <= initial < 0x78 and initial & 0x1F < 0x18:
            end = pos + 1 + (initial & 0x1F)
            if end > len(data):
                raise InvalidCbor("truncated: string")
            value: object = data[pos + 1 : end]
            if initial >= 0x60:
                try:
                    value = data[pos + 1 : end].decode("utf-8")
                except UnicodeDecodeError:
                    raise InvalidCbor("text string is not UTF-8") from None
            entries[key] = value
            pos = end
            continue
        entries[key], pos = decode_item(data, pos, depth)
    return entries, pos
