"""Wire schemas of the operators' three-element real-name check (name + ID number + phone).

Mainland operators keep a real-name record (实名登记) of every mobile number; an aggregation
gateway answers whether a number is registered to a given person. ``match``: it is;
``mismatch``: it is registered to someone else (or the name differs — which element differed
is never said); ``not_registered``: the operator has no real-name record of the number;
``unknown``: the check cannot answer for this number (virtual operators' 162/165/167/170/171
ranges are outside it).
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from integrations.sms.schemas import PHONE_PATTERN

__all__ = ["Carrier", "CheckOutcome", "MobileCheck", "MobileCheckRequest", "carrier_of"]

CheckOutcome = Literal["match", "mismatch", "not_registered", "unknown"]
Carrier = Literal["china_mobile", "china_unicom", "china_telecom", "china_broadnet"]


# MIIT numbering plan: the first three digits name the operator. Virtual operators (162, 165, 167,
# 170, 171) resell the big three's networks under real-name records of their own.
def _prefixes(spec: str) -> frozenset[str]:
    """``"134-136 147"`` → {"134", "135", "136", "147"}."""
    found: set[str] = set()
    for part in spec.split():
        first, _, last = part.partition("-")
        found.update(str(p) for p in range(int(first), int(last or first) + 1))
    return frozenset(found)


_PREFIXES: dict[Carrier, frozenset[str]] = {
    "china_mobile": _prefixes("134-139 147 148 150-152 157-159 172 178 182-184 187 188 195 197 198"),
    "china_unicom": _prefixes("130-132 145 146 155 156 166 175 176 185 186 196"),
    "china_telecom": _prefixes("133 149 153 173 174 177 180 181 189-191 193 199"),
    "china_broadnet": _prefixes("192"),
}
VIRTUAL_OPERATOR_PREFIXES = _prefixes("162 165 167 170 171")


def carrier_of(phone: str) -> Carrier | None:
    """The operator a number was allocated to, or ``None`` (virtual operators, unallocated ranges)."""
    prefix = phone[:3]
    return next((carrier for carrier, prefixes in _PREFIXES.items() if prefix in prefixes), None)


class MobileCheckRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: str
    id_number: str
    phone: Annotated[str, msgspec.Meta(pattern=PHONE_PATTERN)]


class MobileCheck(msgspec.Struct, frozen=True, kw_only=True):
    """The operator's verdict on one (name, ID number, phone) triple."""

    result: CheckOutcome
    carrier: Carrier | None
    request_id: str
