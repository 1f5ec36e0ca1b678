"""Wire schemas of the e-licence library (电子证照库)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import msgspec

__all__ = [
    "Licence",
    "LicenceChange",
    "LicenceChanges",
    "LicenceList",
    "LicenceSearch",
    "LicenceStatus",
    "LicenceSummary",
    "SealInfo",
]

# "suspended" is temporary (a licence withheld pending a decision); "revoked" and "expired" are final.
LicenceStatus = Literal["valid", "suspended", "expired", "revoked"]


class LicenceSearch(msgspec.Struct, forbid_unknown_fields=True):
    holder_id_number: str


class LicenceSummary(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One entry of a holder's licence list. ``identifier_issues`` is filled by our client
    (see :func:`~integrations.elicence.check_licence_identifier`), never by the upstream."""

    identifier: str
    kind_code: str
    kind_name: str
    number: str
    issuer_name: str
    issued_on: dt.date
    expires_on: dt.date | None = None
    status: LicenceStatus
    identifier_issues: tuple[str, ...] = ()


class LicenceList(msgspec.Struct, frozen=True):
    items: list[LicenceSummary]


class SealInfo(msgspec.Struct, frozen=True, kw_only=True):
    """The electronic seal over the licence file (GB/T 38540 seal, SM2 signature)."""

    seal_name: str
    seal_code: str
    issuer_code: str
    algorithm: str
    certificate_serial: str
    signature: str
    signed_at: dt.datetime


class Licence(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One licence with its data items, file digest and seal metadata."""

    identifier: str
    kind_code: str
    kind_name: str
    number: str
    holder_name: str
    holder_id_number: str
    issuer_name: str
    issuer_code: str
    issued_on: dt.date
    expires_on: dt.date | None = None
    status: LicenceStatus
    trust_level: Literal["A", "B", "C", "D"]
    data: dict[str, str]
    file_format: Literal["OFD", "PDF"]
    file_sha256: str
    seal: SealInfo
    identifier_issues: tuple[str, ...] = ()


class LicenceChange(msgspec.Struct, frozen=True, kw_only=True):
    """One entry of the library's status-change feed: the licence's status as of ``changed_at``."""

    seq: int
    identifier: str
    status: LicenceStatus
    changed_at: dt.datetime


class LicenceChanges(msgspec.Struct, frozen=True, kw_only=True):
    """A page of the feed after a cursor, oldest first; ``last_seq`` is the cursor to ask after
    next (unchanged when the page is empty)."""

    items: list[LicenceChange]
    last_seq: int
