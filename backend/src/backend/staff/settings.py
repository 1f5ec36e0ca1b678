"""The staff section of the settings (``SUQIAN_STAFF_*``): the second-factor policy, staff sessions and
the password policy. Every number is bounded: a typo or a hostile value can't switch a control off."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

# "school": a school's account, bound to its school by the education feature (``backend.education``);
# "publisher": a warning publisher (meteorological bureau, water authority), bound to its organisation
# by the warning feature (``backend.warning``); "reviewer": reviews citizens' applications (窗口受理/审核)
# of the departments an operator bound it to (``backend.application.reviewers``).
Role = Literal["operator", "counter", "school", "publisher", "reviewer"]


class StaffSettings(msgspec.Struct, frozen=True, kw_only=True):
    # Roles that must use a second factor (GB/T 22239-2019 8.1.4.1 d, level 3: administrators sign
    # in with two factors; a reviewer decides citizens' cases, school admissions among them). A member
    # of such a role without one gets, after the password, a token that can only enrol it (and change
    # the password): ``SUQIAN_STAFF_SECOND_FACTOR_ROLES='["operator", "reviewer", "counter"]'`` extends
    # it; '[]' leaves it to each member (ADR 8). Whoever enrolled one always needs it, whatever their
    # role.
    second_factor_roles: tuple[Role, ...] = ("operator", "reviewer")
    # The name authenticator apps show next to the account (the otpauth:// URI's issuer).
    totp_issuer: Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[^:\x00-\x1f]+$")] = "My Suqian"
    # After the password, the second-factor challenge lives 5 min and takes 5 codes at most.
    challenge_ttl: Annotated[int, Meta(ge=30, le=900)] = 300
    challenge_attempts: Annotated[int, Meta(ge=1, le=10)] = 5
    # An enrolment not confirmed by a first code within 10 min is forgotten.
    enrolment_ttl: Annotated[int, Meta(ge=60, le=3600)] = 600
    # The token a login gets while a password change or an enrolment is owed (capped by the access
    # token lifetime).
    setup_ttl: Annotated[int, Meta(ge=60, le=900)] = 600
    # Wrong authenticator codes in a row after which codes are refused until the password is changed
    # or reset, or the factor reset: never forgotten by time (recovery codes still work).
    code_failure_limit: Annotated[int, Meta(ge=3, le=20)] = 10
    # A configured SUQIAN_BOOTSTRAP_ADMIN_PASSWORD must be changed at the first sign-in (a generated
    # one, printed once, need not). Off only for a throwaway bench stack whose operator is a tool.
    bootstrap_password_change: bool = True
    # Recovery codes shown at enrolment, each 80 bits and single use.
    recovery_codes: Annotated[int, Meta(ge=5, le=20)] = 10
    # Staff sessions: 30 min without a refresh ends them (登录连接超时自动退出: an open console
    # refreshes every 15 min), and none outlives a 12-hour working day.
    session_idle_ttl: Annotated[int, Meta(ge=300, le=86_400)] = 1800
    session_absolute_ttl: Annotated[int, Meta(ge=3600, le=7 * 86_400)] = 12 * 3600
    # Staff passwords guard the whole platform: 12 characters at least (ASVS 5.0 6.2.1 asks 15 for a
    # single factor; 12 with the second factor operators must use). Only raised, never lowered.
    password_min_length: Annotated[int, Meta(ge=12, le=64)] = 12
