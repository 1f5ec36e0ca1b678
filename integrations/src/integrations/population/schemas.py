"""Wire schemas of the population registry (人口库) verification service."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import msgspec

__all__ = ["PersonAttributes", "PersonQuery", "VerifyOutcome", "VerifyRequest", "VerifyResponse"]

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
