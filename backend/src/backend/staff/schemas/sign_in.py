"""The staff sign-in's HTTP shapes: password, second factor, refresh, enrolment, password change."""

from __future__ import annotations

from typing import Annotated, Literal, overload

import msgspec

from backend.auth.formats import REFRESH_TOKEN_LENGTH, REFRESH_TOKEN_PATTERN
from backend.fields import doc, plain_text, token_text
from backend.staff.login import Authenticated, Challenged, Requirement, SetupOwed
from backend.staff.repository import Role
from backend.staff.second_factor import Enrolment, Proof

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
    username: Annotated[
        Username,
        doc(
            "The staff member's login name (lower-cased: `Admin` and `admin` are one "
            "account); 2–64 of letters, digits, `.`, `_`, `-`",
            "wang.fang",
        ),
    ]
    password: Password


class StaffAuthenticated(msgspec.Struct, frozen=True, kw_only=True, tag_field="status", tag="authenticated"):
    """A staff session (RFC 6749 §5.1 token fields): renew it at ``/api/v1/staff/token/refresh``."""

    access_token: str
    refresh_token: str
    token_type: str = "Bearer"  # noqa: S105 (RFC 6750)
    expires_in: int
    role: Annotated[
        Role,
        doc(
            "The staff member's role: `operator` (runs the platform), `counter` (hall "
            "counters and kiosks), `school` (a school's account), `publisher` (a "
            "warning publisher of an organisation), `reviewer` (reviews the applications "
            "of the departments it is bound to)",
            "operator",
        ),
    ]

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

    challenge: Annotated[
        str,
        doc(
            "Send back with the second factor to `/api/v1/staff/token/second-factor` "
            "within `expires_in` seconds (43 characters, base64url)",
            "q3Jx0bC4k1W8dE5rT7yU2iO9pA6sD3fG1hJ4kL7zX0c",
        ),
    ]
    expires_in: int
    methods: Annotated[
        tuple[Literal["totp", "recovery_code"], ...],
        doc(
            "The second factors accepted: `totp` (a 6-digit code of the authenticator "
            "app) and `recovery_code`",
            ["totp", "recovery_code"],
        ),
    ] = ("totp", "recovery_code")


class SetupRequired(msgspec.Struct, frozen=True, kw_only=True, tag_field="status", tag="setup_required"):
    """The account owes what ``required`` lists first; ``access_token`` (scope ``staff:account``) can do
    only that, at ``/api/v1/staff/me/...``; the step that settles the last one answers the session."""

    access_token: str
    token_type: str = "Bearer"  # noqa: S105 (RFC 6750)
    expires_in: int
    role: Annotated[
        Role,
        doc(
            "The staff member's role: `operator` (runs the platform), `counter` (hall "
            "counters and kiosks), `school` (a school's account), `publisher` (a "
            "warning publisher of an organisation), `reviewer` (reviews the applications "
            "of the departments it is bound to)",
            "operator",
        ),
    ]
    required: Annotated[
        tuple[Requirement, ...],
        doc(
            "What the account must do before it gets a full session, in order: "
            "`password_change`, `second_factor_enrolment`; empty when nothing",
            ["password_change", "second_factor_enrolment"],
        ),
    ]


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

    challenge: Annotated[
        Challenge,
        doc(
            "The `challenge` of the `second_factor_required` answer",
            "q3Jx0bC4k1W8dE5rT7yU2iO9pA6sD3fG1hJ4kL7zX0c",
        ),
    ]
    code: (
        Annotated[
            TotpCode,
            doc("The authenticator app's current 6-digit code; or send `recovery_code` instead", "492038"),
        ]
        | None
    ) = None
    recovery_code: (
        Annotated[
            RecoveryCode,
            doc(
                "One of the recovery codes (16 base32 characters, hyphens and case optional), each once",
                "K7QM-2XWD-P4NA-63RT",
            ),
        ]
        | None
    ) = None


class StaffRefresh(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    refresh_token: RefreshToken


class FactorProof(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A code of the enrolled factor: exactly one of ``code`` and ``recovery_code`` (none needed
    while nothing is enrolled). A first enrolment from a session (not the setup token) carries
    ``current_password`` instead."""

    code: (
        Annotated[TotpCode, doc("A current 6-digit code of the enrolled authenticator", "492038")] | None
    ) = None
    recovery_code: (
        Annotated[
            RecoveryCode, doc("One of the unused recovery codes, instead of `code`", "K7QM-2XWD-P4NA-63RT")
        ]
        | None
    ) = None
    current_password: (
        Annotated[
            Password,
            doc(
                "The account's password: a first enrolment from a full session proves the "
                "person with it instead of a code"
            ),
        ]
        | None
    ) = None

    def proof(self) -> Proof:
        return Proof(code=self.code, recovery_code=self.recovery_code)


class TotpEnrolment(msgspec.Struct, frozen=True, kw_only=True):
    """The new secret, shown this once: add it to an authenticator (the URI as a QR code), then confirm
    with its first code within ``expires_in`` seconds."""

    secret: Annotated[
        str,
        doc(
            "The new TOTP secret (base32), shown this once: type it into the "
            "authenticator if the QR code can't be scanned",
            "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
        ),
    ]
    otpauth_uri: Annotated[
        str,
        doc(
            "The same secret as an `otpauth://` URI: show it as a QR code for the authenticator app",
            "otpauth://totp/My%20Suqian:wang.fang?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=My%20Suqian",
        ),
    ]
    algorithm: Annotated[str, doc("The TOTP hash algorithm (RFC 6238): always `SHA1`", "SHA1")] = "SHA1"
    digits: Annotated[int, doc("Digits per code: always 6", 6)] = 6
    period: Annotated[int, doc("Seconds each code is valid: always 30", 30)] = 30
    expires_in: int

    @classmethod
    def of(cls, enrolment: Enrolment) -> TotpEnrolment:
        return cls(secret=enrolment.secret, otpauth_uri=enrolment.uri, expires_in=enrolment.expires_in)


class TotpConfirm(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    code: Annotated[TotpCode, doc("The authenticator's first 6-digit code for the new secret", "492038")]


class AccountSettled(msgspec.Struct, frozen=True, kw_only=True):
    """What the account still owes, and — when this step settled the last of it for a restricted
    token — the session (the restricted token ends)."""

    required: Annotated[
        tuple[Requirement, ...],
        doc(
            "What the account must do before it gets a full session, in order: "
            "`password_change`, `second_factor_enrolment`; empty when nothing",
            [],
        ),
    ]
    session: StaffAuthenticated | None = None


class TotpConfirmed(msgspec.Struct, frozen=True, kw_only=True):
    """The recovery codes, shown this once (each works once, in place of a code)."""

    recovery_codes: Annotated[
        list[str],
        doc(
            "The new recovery codes, shown this once: each works once in place of a code; keep them offline",
            ["K7QM-2XWD-P4NA-63RT", "B3ZC-7HYF-Q2LE-5WVU"],
        ),
    ]
    required: Annotated[
        tuple[Requirement, ...],
        doc(
            "What the account must do before it gets a full session, in order: "
            "`password_change`, `second_factor_enrolment`; empty when nothing",
            [],
        ),
    ]
    session: StaffAuthenticated | None = None


class RecoveryCodes(msgspec.Struct, frozen=True, kw_only=True):
    recovery_codes: Annotated[
        list[str],
        doc(
            "The new recovery codes, shown this once (the old ones no longer work)",
            ["K7QM-2XWD-P4NA-63RT", "B3ZC-7HYF-Q2LE-5WVU"],
        ),
    ]


class PasswordChange(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    current_password: Annotated[Password, doc("The password the account has now")]
    new_password: Annotated[
        Password,
        doc(
            "The new password: up to 128 characters, long enough, not the username, "
            "not a common password (the policy answers which rule it broke)"
        ),
    ]
