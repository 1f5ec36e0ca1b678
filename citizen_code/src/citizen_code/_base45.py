"""Strict Base45 (RFC 9285) codec.

Decoding is on the scanner's hot path, so it avoids a Python loop per character: one
``bytes.translate`` maps characters to digit values (and marks foreign characters), the
digit string is read as one big integer of 3-byte lanes (one lane a triple), and shifts and
a lane mask split out the three digit columns, combined as ``c + 45*d + 2025*e`` in one
multiply-add. A lane holds at most 91 124 (< 2**24), so lanes never carry into each other;
a lane above 65 535 is the RFC's overflow.
"""

from __future__ import annotations

from citizen_code.errors import InvalidBase45

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

_INVALID = 0xFF
_DIGITS = bytearray([_INVALID] * 256)
for _value, _char in enumerate(ALPHABET):
    _DIGITS[ord(_char)] = _value
_DIGIT_TABLE = bytes(_DIGITS)

# Per triple count: a mask selecting the low byte of every 3-byte lane. Cached for the
# lengths codes have (a code is at most 1000 characters), computed for longer inputs.
_LANE_MASKS: dict[int, int] = {}
_CACHED_MASKS_UP_TO = 400


def _lane_mask(groups: int) -> int:
    mask = int.from_bytes(b"\0\0\xff" * groups, "big")
    if groups <= _CACHED_MASKS_UP_TO:
        _LANE_MASKS[groups] = mask
    return mask


# Two low digits of a 16-bit group, indexed by ``n % 2025``: turns encoding into two lookups.
_LOW_PAIRS = tuple(ALPHABET[n % 45] + ALPHABET[n // 45] for n in range(45 * 45))


def b45encode(data: bytes) -> str:
    """Encode bytes as Base45 text (RFC 9285 §4)."""
    pairs = _LOW_PAIRS
    alphabet = ALPHABET
    even = len(data) & ~1
    groups = [
        pairs[(n := (data[i] << 8) | data[i + 1]) % 2025] + alphabet[n // 2025] for i in range(0, even, 2)
    ]
    if len(data) & 1:
        groups.append(pairs[data[-1]])
    return "".join(groups)


def b45decode(text: str) -> bytes:
    """Decode Base45 text, rejecting anything RFC 9285 §4.3 calls invalid.

    Raises:
        InvalidBase45: a character outside the alphabet (no trimming: space is a digit),
            a length of 3k+1, or a group whose value overflows its byte width.
    """
    try:
        digits = text.encode("ascii").translate(_DIGIT_TABLE)
    except UnicodeEncodeError:
        raise InvalidBase45("non-ASCII character") from None
    if _INVALID in digits:
        raise InvalidBase45(f"character outside the Base45 alphabet at {digits.index(_INVALID)}")
    groups, rest = divmod(len(digits), 3)
    if rest == 1:
        raise InvalidBase45(f"length {len(digits)} leaves a lone trailing character")
    out = bytearray(2 * groups + (rest >> 1))
    if groups:
        full = 3 * groups
        mask = _LANE_MASKS.get(groups) or _lane_mask(groups)
        # Big-endian, so each triple's first digit is its lane's top byte.
        lanes = int.from_bytes(digits[:full], "big")
        values = (((lanes >> 16) & mask) + 45 * ((lanes >> 8) & mask) + 2025 * (lanes & mask)).to_bytes(
            full, "big"
        )
        if values[0::3].count(0) != groups:
            raise InvalidBase45("a triple encodes a value above 65535")
        out[0 : 2 * groups : 2] = values[1::3]
        out[1 : 2 * groups : 2] = values[2::3]
    if rest:
        value = digits[-2] + 45 * digits[-1]
        if value > 0xFF:
            raise InvalidBase45("the final pair encodes a value above 255")
        out[-1] = value
    return bytes(out)
