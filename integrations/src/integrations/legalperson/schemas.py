"""The legal-person registry (法人库) on the wire: an organisation's public registration, and the check
that a person is its legal representative (answered yes or no, never which field differed)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import msgspec

# 企业 (companies, 91…) and 个体工商户 (individual businesses, 92…).
OrganisationKind = Literal["enterprise", "individual_business"]
# 存续 / 吊销 / 注销: only an active organisation can be claimed.
RegistrationStatus = Literal["active", "revoked", "cancelled"]


class Organisation(msgspec.Struct, frozen=True, kw_only=True):
    """An organisation's registration as the registry publishes it (企业信用信息公示): the legal
    representative by name only."""

    credit_code: str
    name: str
    kind: OrganisationKind
    status: RegistrationStatus
    legal_representative: str
    registered_on: dt.date
    address: str
    authority: str


class RepresentativeCheck(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Is this person (real name and ID number, as verified by us) the organisation's representative?"""

    name: str
    id_number: str


class RepresentativeVerdict(msgspec.Struct, frozen=True, kw_only=True):
    match: bool
