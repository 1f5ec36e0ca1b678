"""Who is calling: the ``Principal`` every guard hands to a route, built only from a verified token."""

from __future__ import annotations

import uuid
from typing import Literal

import msgspec

PrincipalKind = Literal["citizen", "staff", "device"]
PRINCIPAL_KINDS: frozenset[str] = frozenset({"citizen", "staff", "device"})

# What a citizen's own tokens may do; staff and devices get the scopes their login grants.
CITIZEN_SCOPES: tuple[str, ...] = ("citizen",)


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    """The verified caller. ``jti``/``iat``/``exp`` identify the access token it came from;
    ``sid`` is its session (refresh-token family), so logging out ends every token of the session."""

    kind: PrincipalKind
    id: uuid.UUID
    scopes: frozenset[str] = frozenset()
    roles: frozenset[str] = frozenset()
    client_id: str
    jti: str
    iat: int
    exp: int
    sid: str | None = None
    # Short facts the issuer put in the token (claim ``ctx``), e.g. a scanner's scene and venue.
    context: dict[str, str] = msgspec.field(default_factory=dict)

    @property
    def subject(self) -> str:
        """The token's ``sub``: ``"<kind>:<id>"``; also the audit actor."""
        return f"{self.kind}:{self.id}"

    def has_scopes(self, required: tuple[str, ...] | frozenset[str]) -> bool:
        return all(scope in self.scopes for scope in required)
