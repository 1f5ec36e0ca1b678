"""Who is calling: the ``Principal`` every guard hands to a route, built only from a verified token."""

from __future__ import annotations

import uuid
from typing import Any, Literal

import msgspec

PrincipalKind = Literal["citizen", "staff", "device"]
PRINCIPAL_KINDS: frozenset[str] = frozenset({"citizen", "staff", "device"})

# What a citizen's own tokens may do; staff and devices get the scopes their login grants.
CITIZEN_SCOPES: tuple[str, ...] = ("citizen",)
# A staff member's full token; every staff route requires it (``guards.require_staff``).
STAFF_SCOPE = "staff"
# Managing one's own staff account (password, second factor). Full staff tokens hold it too; a login
# that still owes a password change or a second-factor enrolment gets a token with this scope alone.
STAFF_ACCOUNT_SCOPE = "staff:account"


# Claim ``ctx`` keys of a citizen's token acting for an organisation (``backend.organisation``): the
# organisation and the authorisation (grant) it acts under, checked live at every use.
ACTING_ORGANISATION = "org"
ACTING_GRANT = "grant"
# What an agent may be authorised to do as the organisation: file applications (and their
# materials), pay its orders, see its licences. A route admits acting-as tokens under some of them.
AGENT_SCOPES: tuple[str, ...] = ("apply", "pay", "licences")


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

    @property
    def organisation(self) -> uuid.UUID | None:
        """The organisation a citizen acts for with this token; None when acting for themselves."""
        if self.kind != "citizen" or ACTING_ORGANISATION not in self.context:
            return None
        return uuid.UUID(self.context[ACTING_ORGANISATION])

    @property
    def owner(self) -> uuid.UUID:
        """Whose objects this token reaches: the organisation acted for, or the caller."""
        return self.organisation or self.id

    @property
    def actor(self) -> str:
        """The audit actor naming both the person and the organisation they act for."""
        organisation = self.organisation
        return self.subject if organisation is None else f"{self.subject}@organisation:{organisation}"

    def has_scopes(self, required: tuple[str, ...] | frozenset[str]) -> bool:
        return all(scope in self.scopes for scope in required)


def principal_from_claims(claims: dict[str, Any]) -> Principal:
    """The principal a verified token's claims describe; ``ValueError``/``TypeError`` when their
    shapes are wrong (the caller turns either into ``auth.token_invalid``)."""
    kind, _, raw_id = claims["sub"].partition(":")
    if kind not in PRINCIPAL_KINDS:
        raise ValueError("sub")
    scope = claims.get("scope", "")
    roles = claims.get("roles", [])
    sid = claims.get("sid")
    context = claims.get("ctx", {})
    if not isinstance(context, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in context.items()
    ):
        raise TypeError("ctx")
    if (
        not isinstance(scope, str)
        or not isinstance(roles, list)
        or not all(isinstance(r, str) for r in roles)
        or not isinstance(claims["client_id"], str)
        or not (sid is None or isinstance(sid, str))
        or not isinstance(claims["iat"], int)
        or not isinstance(claims["exp"], int)
        or not isinstance(claims["jti"], str)
    ):
        raise TypeError("claims")
    if ACTING_ORGANISATION in context:
        uuid.UUID(context[ACTING_ORGANISATION])
        uuid.UUID(context.get(ACTING_GRANT, ""))
    return Principal(
        kind=kind,
        id=uuid.UUID(raw_id),
        scopes=frozenset(scope.split()),
        roles=frozenset(roles),
        client_id=claims["client_id"],
        jti=claims["jti"],
        iat=claims["iat"],
        exp=claims["exp"],
        sid=sid,
        context=context,
    )
