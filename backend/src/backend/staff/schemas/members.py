"""The HTTP shapes of staff members: their account, sessions, and the operators' management of them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from backend.auth.sessions import Session
from backend.fields import doc
from backend.staff.login import Requirement
from backend.staff.repository import Role, StaffRow
from backend.staff.schemas.sign_in import (
    DisplayName,
    Password,
    Username,
)
from backend.staff.second_factor import FactorStatus


class SecondFactorRead(msgspec.Struct, frozen=True, kw_only=True):
    enrolled: Annotated[bool, doc("Whether an authenticator app is enrolled", True)]
    enrolled_at: Annotated[
        datetime | None,
        doc("When it was enrolled (ISO 8601, UTC); null when none is", "2026-11-02T01:20:00Z"),
    ]
    recovery_codes_left: Annotated[
        int,
        doc(
            "Recovery codes not used yet (0 when nothing is enrolled): regenerate them before they run out", 8
        ),
    ]


# How a staff member is named and what they may do, as every answer about one describes them.
StaffUsername = Annotated[
    str, doc("The staff member's login name (lower-cased: `Admin` and `admin` are one account)", "wang.fang")
]
StaffDisplayName = Annotated[str, doc("The name shown to other staff and in the audit log", "王芳")]
StaffRole = Annotated[
    Role,
    doc(
        "The staff member's role: `operator` (runs the platform), `counter` (hall counters and kiosks), "
        "`school` (a school's account), `publisher` (a warning publisher of an organisation), "
        "`reviewer` (reviews the applications of the departments it is bound to)",
        "operator",
    ),
]


class StaffMe(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    username: StaffUsername
    display_name: StaffDisplayName
    role: StaffRole
    second_factor: SecondFactorRead
    required: Annotated[
        tuple[Requirement, ...],
        doc(
            "What the account must do before it gets a full session, in order: "
            "`password_change`, `second_factor_enrolment`; empty when nothing",
            [],
        ),
    ]

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
    current: Annotated[bool, doc("Whether this is the session the request came with", True)]
    started_at: datetime
    last_used_at: datetime
    expires_at: datetime
    client: Annotated[
        str,
        doc(
            "The network the session was started from: an IPv4 /24 or an IPv6 /48, never the full address",
            "203.0.113.*",
        ),
    ]  # the address's network only: 203.0.113.* or an IPv6 /48
    user_agent: Annotated[
        str,
        doc(
            "The browser's User-Agent when the session started (printable characters, truncated)",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0",
        ),
    ]


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
    ended: Annotated[int, doc("How many sessions were ended", 2)]


class StaffCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    username: Annotated[
        Username,
        doc(
            "The staff member's login name (lower-cased: `Admin` and `admin` are one "
            "account); 2–64 of letters, digits, `.`, `_`, `-`",
            "wang.fang",
        ),
    ]
    display_name: Annotated[DisplayName, doc("The name shown to other staff and in the audit log", "王芳")]
    role: Annotated[
        Role,
        doc(
            "The staff member's role: `operator` (runs the platform), `counter` (hall "
            "counters and kiosks), `school` (a school's account), `publisher` (a "
            "warning publisher of an organisation), `reviewer` (reviews the applications "
            "of the departments it is bound to)",
            "counter",
        ),
    ]
    password: Annotated[Password, doc("A first password, which the member must change at their first login")]


class StaffRead(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    username: StaffUsername
    display_name: StaffDisplayName
    role: StaffRole
    active: Annotated[
        bool, doc("False once disabled: the member can't sign in and their sessions are ended", True)
    ]
    must_change_password: Annotated[
        bool, doc("The member must change the password at the next login (a first or reset password)", False)
    ]
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
    status: Annotated[
        Literal["active", "disabled"],
        doc(
            "`disabled` ends the member's sessions and refuses their logins; `active` lets them in again",
            "disabled",
        ),
    ]


class PasswordReset(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A password the member must change at their next login."""

    password: Password
