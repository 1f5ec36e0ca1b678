"""Wire schemas of the population registry (人口库) verification service."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import msgspec

__all__ = [
    "Household",
    "HouseholdMember",
    "PersonAttributes",
    "PersonQuery",
    "VerifyOutcome",
    "VerifyRequest",
    "VerifyResponse",
]

VerifyOutcome = Literal["match", "mismatch", "not_found", "deceased"]


class VerifyRequest(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    id_number: str


class VerifyResponse(msgspec.Struct):
    result: VerifyOutcome
    request_id: str


class PersonQuery(msgspec.Struct, forbid_unknown_fields=True):
    id_number: str


class PersonAttributes(msgspec.Struct, frozen=True):
    """Basic attributes of a registered person (户籍基本信息)."""

    name: str
    sex: Literal["male", "female"]
    birth_date: dt.date
    ethnicity: str
    area_code: str
    address: str
    alive: bool


class HouseholdMember(msgspec.Struct, frozen=True):
    """One person on a household register (户口簿 常住人口登记卡): ``relation`` is to the head (户主,
    本人, 配偶, 子, 女, 父亲, 母亲, ...)."""

    name: str
    id_number: str
    relation: str
    sex: Literal["male", "female"]
    birth_date: dt.date


class Household(msgspec.Struct, frozen=True):
    """The household register (户籍) a person is on: its number, registered address and members."""

    household_no: str
    address: str
    area_code: str
    members: list[HouseholdMember]
