from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Literal, overload

import msgspec

from backend.auth.formats import REFRESH_TOKEN_LENGTH, REFRESH_TOKEN_PATTERN
from backend.auth.sessions import Session
from backend.fields import plain_text, token_text
from backend.staff.login import Authenticated, Challenged, Requirement, SetupOwed
from backend.staff.repository import Role, StaffRow
from backend.staff.second_factor import Enrolment, FactorStatus, Proof

# Lower-cased before lookup and storage, so "Admin" and "admin" are one account.
Username = Annotated[str, token_text(r"[A-Za-z0-9][A-Za-z0-9._-]+", min_length=2, max_length=64)]
# 128: long passphrases welcome, but Argon2 must not be handed megabytes (research A.2).
Password = Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
DisplayName = Annotated[str, plain_text(max_length=64)]
# 256 random bits in base64url.
Challenge = Annotated[str, token_text(r"[A-Za-z0-9_-]+", min_length=43, max_length=43)]
TotpCode = Annotated[str, token_text(r"[0-9]{6}", min_length=6, max_length=6)]
# 16 base32 characters, in groups of 4 as shown (hyphens and case optional).
RecoveryCode = Annotated[str, token_text(r"[A-Za-z2-7]{4}(-?[A-Za-z2-7]{4}){3}", max_length=19)]
RefreshToken = Annotated[str, token_text(REFRESH_TOKEN_PATTERN, max_length=REFRESH_TOKEN_LENGTH)]


class StaffLogin(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    username: Username
    password: Password


class StaffAuthenticated(msgspec.Struct, frozen=True, kw_only=True, tag_field="status", tag="authenticated"):
    """A staff session (RFC 6749 §5.1 token fields): renew it at ``/api/v1/staff/token/refresh``."""

    access_token: str
    refresh_token: str
    token_type: str = "Bearer"  # noqa: S105 (RFC 6750)
    expires_in: int
    role: Role

    @overload
    @classmethod
    def of(cls, result: Authenticated) -> StaffAuthenticated: ...

    @overload
    @classmethod
    def of(cls, result: None) -> None: ...

    @classmethod
    def of(cls, result: Authenticated | None) -> StaffAuthenticated | None:
        if result is None:
            return None
        pair = result.pair
        return cls(
            access_token=pair.access_token,
            refresh_token=pair.refresh_token,
            expires_in=pair.expires_in,
            role=result.role,
        )


class SecondFactorRequired(
    msgspec.Struct, frozen=True, kw_only=True, tag_field="status", tag="second_factor_required"
):
    """The password was right: send ``challenge`` with a code of the authenticator app (or a recovery
    code) to ``/api/v1/staff/token/second-factor`` within ``expires_in`` seconds."""

    challenge: str
    expires_in: int
    methods: tuple[str, ...] = ("totp", "recovery_code")


class SetupRequired(msgspec.Struct, frozen=True, kw_only=True, tag_field="status", tag="setup_required"):
    """The account owes what ``required`` lists first; ``access_token`` (scope ``staff:account``) can do
    only that, at ``/api/v1/staff/me/...``; the step that settles the last one answers the session."""

    access_token: str
    token_type: str = "Bearer"  # noqa: S105 (RFC 6750)
    expires_in: int
    role: Role
    required: tuple[Requirement, ...]


StaffLoginResult = StaffAuthenticated | SecondFactorRequired | SetupRequired
StaffSecondStepResult = StaffAuthenticated | SetupRequired


def login_answer(result: Authenticated | Challenged | SetupOwed) -> StaffLoginResult:
    if isinstance(result, Authenticated):
        return StaffAuthenticated.of(result)
    if isinstance(result, Challenged):
        return SecondFactorRequired(challenge=result.challenge, expires_in=result.expires_in)
    token = result.token
    return SetupRequired(
        access_token=token.token, expires_in=token.expires_in, role=result.role, required=result.required
    )


class SecondFactorLogin(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """``challenge`` and exactly one of ``code`` (6 digits) and ``recovery_code``."""

    challenge: Challenge
    code: TotpCode | None = None
    recovery_code: RecoveryCode | None = None


class StaffRefresh(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    refresh_token: RefreshToken


class FactorProof(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A code of the enrolled factor: exactly one of ``code`` and ``recovery_code`` (none needed
    while nothing is enrolled). A first enrolment from a session (not the setup token) carries
    ``current_password`` instead."""

    code: TotpCode | None = None
    recovery_code: RecoveryCode | None = None
    current_password: Password | None = None

    def proof(self) -> Proof:
        return Proof(code=self.code, recovery_code=self.recovery_code)


class TotpEnrolment(msgspec.Struct, frozen=True, kw_only=True):
    """The new secret, shown this once: add it to an authenticator (the URI as a QR code), then confirm
    with its first code within ``expires_in`` seconds."""

    secret: str
    otpauth_uri: str
    algorithm: str = "SHA1"
    digits: int = 6
    period: int = 30
    expires_in: int

    @classmethod
    def of(cls, enrolment: Enrolment) -> TotpEnrolment:
        return cls(secret=enrolment.secret, otpauth_uri=enrolment.uri, expires_in=enrolment.expires_in)


class TotpConfirm(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    code: TotpCode


class AccountSettled(msgspec.Struct, frozen=True, kw_only=True):
    """What the account still owes, and — when this step settled the last of it for a restricted
    token — the session (the restricted token ends)."""

    required: tuple[Requirement, ...]
    session: StaffAuthenticated | None = None


class TotpConfirmed(msgspec.Struct, frozen=True, kw_only=True):
    """The recovery codes, shown this once (each works once, in place of a code)."""

    recovery_codes: list[str]
    required: tuple[Requirement, ...]
    session: StaffAuthenticated | None = None


class RecoveryCodes(msgspec.Struct, frozen=True, kw_only=True):
    recovery_codes: list[str]


class PasswordChange(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    current_password: Password
    new_password: Password


class SecondFactorRead(msgspec.Struct, frozen=True, kw_only=True):
    enrolled: bool
    enrolled_at: datetime | None
    recovery_codes_left: int


class StaffMe(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    username: str
    display_name: str
    role: Role
    second_factor: SecondFactorRead
    required: tuple[Requirement, ...]

    @classmethod
    def of(cls, row: StaffRow, status: FactorStatus, required: tuple[Requirement, ...]) -> StaffMe:
        return cls(
            id=row.id,
            username=row.username,
            display_name=row.display_name,
            role=row.role,
            second_factor=SecondFactorRead(
                enrolled=status.enrolled,
                enrolled_at=status.enrolled_at,
                recovery_codes_left=status.recovery_codes_left,
            ),
            required=required,
        )


class SessionRead(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    current: bool
    started_at: datetime
    last_used_at: datetime
    expires_at: datetime
    client: str  # the address's network only: 203.0.113.* or an IPv6 /48
    user_agent: str


class SessionList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[SessionRead]

    @classmethod
    def of(cls, sessions: Sequence[Session], current: str | None) -> SessionList:
        return cls(
            items=[
                SessionRead(
                    id=s.id,
                    current=s.id == current,
                    started_at=s.started_at,
                    last_used_at=s.last_used_at,
                    expires_at=s.expires_at,
                    client=s.client,
                    user_agent=s.user_agent,
                )
                for s in sessions
            ]
        )


class SessionsEnded(msgspec.Struct, frozen=True, kw_only=True):
    ended: int


class StaffCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    username: Username
    display_name: DisplayName
    role: Role
    password: Password


class StaffRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    username: str
    display_name: str
    role: Role
    active: bool
    must_change_password: bool
    created_at: datetime

    @classmethod
    def of(cls, row: StaffRow) -> StaffRead:
        return cls(
            id=row.id,
            username=row.username,
            display_name=row.display_name,
            role=row.role,
            active=row.active,
            must_change_password=row.must_change_password,
            created_at=row.created_at,
        )


class StaffPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[StaffRead]
    next_cursor: str | None = None


class StaffStatus(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    status: Literal["active", "disabled"]


class PasswordReset(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A password the member must change at their next login."""

    password: Password
