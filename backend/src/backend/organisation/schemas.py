from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from backend.fields import doc, plain_text, token_text

Scope = Literal["apply", "pay", "licences"]

_SCOPES = "What the holder may do for the organisation: `apply`, `pay`, `licences`"


class OrganisationClaim(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    # Checked against GB 32100 by the service, so a wrong check character is its own 422 code.
    credit_code: Annotated[
        str,
        msgspec.Meta(min_length=1, max_length=40),
        doc(
            "The unified social credit code (GB 32100, 18 characters) of the organisation whose legal "
            "representative the caller is, as the legal-person registry records",
            "91321302MA1W8K3PX4",
        ),
    ]


class OrganisationRead(msgspec.Struct, frozen=True, kw_only=True):
    id: Annotated[uuid.UUID, doc("The organisation's id in this service")]
    credit_code: Annotated[
        str, doc("Its unified social credit code (public registration data)", "91321302MA1W8K3PX4")
    ]
    name: Annotated[str, doc("Its registered name", "宿迁市宿城区小迁餐饮有限公司")]
    kind: Annotated[
        str, doc("Its kind, as the registry says: `enterprise` or `individual_business`", "enterprise")
    ]
    # The caller's standing: "representative" or "agent", with what they may do and until when.
    role: Annotated[str, doc("The caller's standing: `representative` or `agent`", "agent")]
    scopes: Annotated[list[str], doc(_SCOPES, ["apply", "pay"])]
    expires_at: Annotated[
        datetime | None, doc("When the caller's authorisation ends; null for the representative")
    ]


class OrganisationPage(msgspec.Struct, frozen=True, kw_only=True):
    items: Annotated[list[OrganisationRead], doc("The organisations the caller represents or acts for")]


class AgentCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Who the representative authorises (their registered phone, real name and ID number, all three
    must match one citizen), to do what, until when."""

    phone: Annotated[
        str,
        token_text(r"1[0-9]{10}", min_length=11, max_length=11),
        doc("The agent's registered mobile number", "13805270002"),
    ]
    name: Annotated[
        str, plain_text(max_length=32), doc("The agent's real name, as on their ID card", "宿小迁")
    ]
    id_number: Annotated[
        str,
        token_text(r"[0-9]{17}[0-9Xx]", min_length=18, max_length=18),
        doc("The agent's resident ID number (GB 11643)", "321302199505200017"),
    ]
    scopes: Annotated[list[Scope], msgspec.Meta(min_length=1, max_length=3), doc(_SCOPES, ["apply", "pay"])]
    expires_at: Annotated[
        datetime, doc("When the authorisation ends (in the future)", "2027-06-30T16:00:00Z")
    ]


class GrantRead(msgspec.Struct, frozen=True, kw_only=True):
    id: Annotated[uuid.UUID, doc("The authorisation's id (to revoke it)")]
    organisation_id: Annotated[uuid.UUID, doc("The organisation it is for")]
    citizen_id: Annotated[uuid.UUID, doc("The citizen it authorises")]
    role: Annotated[str, doc("`representative` (every scope, no expiry) or `agent`", "agent")]
    scopes: Annotated[list[str], doc(_SCOPES, ["apply"])]
    expires_at: Annotated[datetime | None, doc("When it ends; null for the representative's")]
    revoked_at: Annotated[
        datetime | None,
        doc(
            "When it ended: revoked by the representative, or with their claim when the legal-person "
            "registry named another representative; null while not revoked"
        ),
    ]
    created_at: Annotated[datetime, doc("When it was given")]


class GrantPage(msgspec.Struct, frozen=True, kw_only=True):
    items: Annotated[
        list[GrantRead], doc("The organisation's authorisations, revoked ones included, oldest first")
    ]


class ActingToken(msgspec.Struct, frozen=True, kw_only=True):
    """An access token acting for the organisation (same session as the caller's own); every use is
    checked against the authorisation, so a revoked or expired one stops working at once."""

    access_token: Annotated[str, doc("The bearer token acting for the organisation")]
    token_type: Annotated[str, doc("Always `Bearer`", "Bearer")] = "Bearer"  # noqa: S105 (RFC 6750)
    expires_in: Annotated[int, doc("Seconds until it expires (never after the authorisation)", 900)]
    organisation_id: Annotated[uuid.UUID, doc("The organisation it acts for")]
    scopes: Annotated[list[str], doc(_SCOPES, ["apply", "pay"])]
