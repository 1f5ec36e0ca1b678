from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from backend.fields import plain_text, token_text

Scope = Literal["apply", "pay", "licences"]


class OrganisationClaim(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    # Checked against GB 32100 by the service, so a wrong check character is its own 422 code.
    credit_code: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]


class OrganisationRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    credit_code: str
    name: str
    kind: str
    # The caller's standing: "representative" or "agent", with what they may do and until when.
    role: str
    scopes: list[str]
    expires_at: datetime | None


class OrganisationPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[OrganisationRead]


class AgentCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Who the representative authorises (their registered phone, real name and ID number, all three
    must match one citizen), to do what, until when."""

    phone: Annotated[str, token_text(r"1[0-9]{10}", min_length=11, max_length=11)]
    name: Annotated[str, plain_text(max_length=32)]
    id_number: Annotated[str, token_text(r"[0-9]{17}[0-9Xx]", min_length=18, max_length=18)]
    scopes: Annotated[list[Scope], msgspec.Meta(min_length=1, max_length=3)]
    expires_at: datetime


class GrantRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    organisation_id: uuid.UUID
    citizen_id: uuid.UUID
    role: str
    scopes: list[str]
    expires_at: datetime | None
    revoked_at: datetime | None
    created_at: datetime


class GrantPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[GrantRead]


class ActingToken(msgspec.Struct, frozen=True, kw_only=True):
    """An access token acting for the organisation (same session as the caller's own); every use is
    checked against the authorisation, so a revoked or expired one stops working at once."""

    access_token: str
    token_type: str = "Bearer"  # noqa: S105 (RFC 6750)
    expires_in: int
    organisation_id: uuid.UUID
    scopes: list[str]
