"""A staff member's second factor: an authenticator app (TOTP) and single-use recovery codes.

Enrolment shows the secret once (with its ``otpauth://`` URI) and counts only once a first code confirms
it; confirming issues fresh recovery codes, also shown once and kept as keyed hashes. Replacing an
enrolled authenticator, or regenerating the recovery codes, first asks for a code of the enrolled
factor (a stolen access token alone must not buy a factor of the thief's). Every code is checked under
the login throttle (``backend.auth.throttle``, account ``staff-factor:<id>``), and whether it counts is
decided by a conditional write: a time step accepted once, a recovery code used once.

The throttle slows guessing but forgets after a day; what stops it is a count of wrong authenticator
codes in a row, kept in the database and never reset by time: at ``StaffSettings.code_failure_limit``
authenticator codes are refused (``SecondFactorLocked``, audited and logged) until a right code is
impossible to guess again — the member's password changed or reset, or the factor reset or replaced.
Recovery codes (80 bits) stay usable, so the owner still signs in.
"""

from __future__ import annotations

import base64
import logging
import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

import msgspec
from piccolo.engine.base import Engine

from backend.audit.service import AuditLog
from backend.auth.principal import Principal
from backend.auth.throttle import LoginThrottle
from backend.clock import Clock
from backend.crypto import PersonalDataCipher
from backend.database import transaction
from backend.staff import totp
from backend.staff.errors import (
    EnrolmentCodeWrong,
    EnrolmentNotStarted,
    SecondFactorInvalid,
    SecondFactorLocked,
    SecondFactorNotEnrolled,
    SecondFactorProofInvalid,
    StepUpFailed,
)
from backend.staff.repository import SecondFactorRepository, StaffRepository, StaffRow
from backend.staff.settings import StaffSettings
from backend.staff.setup import Method, settle

__all__ = ["Method"]
log = logging.getLogger("backend.staff")

RECOVERY_INDEX = "staff.recovery_code"


class Proof(msgspec.Struct, frozen=True, kw_only=True):
    """What a member offers for their second factor: exactly one of the two."""

    code: str | None = None
    recovery_code: str | None = None


class Enrolment(msgspec.Struct, frozen=True, kw_only=True):
    secret: str
    uri: str
    expires_in: int


class FactorStatus(msgspec.Struct, frozen=True, kw_only=True):
    enrolled: bool
    enrolled_at: datetime | None
    recovery_codes_left: int


def factor_account(staff_id: uuid.UUID) -> str:
    """The ``LoginThrottle`` account second-factor codes of one member are counted under."""
    return f"staff-factor:{staff_id}"


def _sealed_column(staff_id: uuid.UUID) -> str:
    # Bound to the member: a secret copied into another member's row does not open.
    return f"staff_totp:{staff_id}"


def _new_recovery_code() -> str:
    raw = base64.b32encode(secrets.token_bytes(10)).decode().lower()  # 80 bits, 16 characters
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def _normalised(recovery_code: str) -> str:
    return recovery_code.replace("-", "").replace(" ", "").lower()


class SecondFactors:
    def __init__(
        self,
        *,
        repository: SecondFactorRepository,
        accounts: StaffRepository,
        throttle: LoginThrottle,
        cipher: PersonalDataCipher,
        audit: AuditLog,
        clock: Clock,
        engine: Engine[Any],
        settings: StaffSettings,
    ) -> None:
        self._repository = repository
        self._accounts = accounts
        self._throttle = throttle
        self._cipher = cipher
        self._audit = audit
        self._clock = clock
        self._engine = engine
        self._settings = settings

    async def status(self, staff_id: uuid.UUID) -> FactorStatus:
        row = await self._repository.find(staff_id)
        enrolled = row is not None and row.confirmed_at is not None
        left = await self._repository.recovery_codes_left(staff_id) if enrolled else 0
        return FactorStatus(
            enrolled=enrolled, enrolled_at=row.confirmed_at if row else None, recovery_codes_left=left
        )

    async def enrolled(self, staff_id: uuid.UUID) -> bool:
        row = await self._repository.find(staff_id)
        return row is not None and row.confirmed_at is not None

    async def start(self, staff: StaffRow, *, proof: Proof | None, client: str) -> Enrolment:
        """A new secret to enrol, shown this once. With a factor enrolled, ``proof`` of it comes first."""
        if await self.enrolled(staff.id):
            await self.step_up(staff.id, proof, client=client)
        secret = totp.new_secret()
        await self._repository.start(
            staff.id,
            pending_secret=self._cipher.seal(secret, column=_sealed_column(staff.id)),
            expires_at=self._clock.now() + timedelta(seconds=self._settings.enrolment_ttl),
        )
        uri = totp.provisioning_uri(secret, account=staff.username, issuer=self._settings.totp_issuer)
        return Enrolment(secret=secret, uri=uri, expires_in=self._settings.enrolment_ttl)

    async def confirm(self, staff: StaffRow, code: str, *, by: Principal) -> list[str]:
        """Confirm the pending secret with its first code; returns the new recovery codes (shown once)."""
        now = self._clock.now()
        row = await self._repository.find(staff.id)
        if (
            row is None
            or row.pending_secret is None
            or row.pending_expires_at is None
            or row.pending_expires_at <= now
        ):
            raise EnrolmentNotStarted()
        secret = self._cipher.open(row.pending_secret, column=_sealed_column(staff.id))
        step = totp.matching_step(secret, code, now.timestamp())
        if step is None:
            raise EnrolmentCodeWrong()
        codes = [_new_recovery_code() for _ in range(self._settings.recovery_codes)]
        async with transaction(self._engine):
            if not await self._repository.confirm(
                staff.id, pending_secret=row.pending_secret, step=step, now=now
            ):
                raise EnrolmentNotStarted()
            # Every other setup token of the member ends here; this one counts what it settled.
            await settle(self._accounts, by, staff, "second_factor_enrolment")
            await self._repository.replace_recovery_codes(
                staff.id, [self._recovery_hash(staff.id, c) for c in codes], now=now
            )
            await self._audit.append(
                actor=by.subject,
                action="staff.second_factor_enrolled",
                subject=f"staff:{staff.id}",
                data={
                    "method": "totp",
                    "replaced": row.confirmed_at is not None,
                    "recovery_codes": len(codes),
                },
                chain="auth",
            )
        return codes

    async def verify(self, staff_id: uuid.UUID, proof: Proof, *, client: str) -> Method:
        """Check a code of the member's second factor and spend it, under the login throttle;
        ``SecondFactorInvalid`` for a wrong or used one (audited)."""
        if (proof.code is None) == (proof.recovery_code is None):
            raise SecondFactorProofInvalid()
        attempt = await self._throttle.admit(factor_account(staff_id), client, slow_past_ceiling=True)
        method: Method = "totp" if proof.code is not None else "recovery_code"
        if proof.code is not None:
            accepted = await self._accept_code(staff_id, proof.code, client=client)
        else:
            accepted = await self._use_recovery_code(staff_id, proof.recovery_code or "")
        if not accepted:
            await self._audit.append(
                actor="anonymous",
                action="staff.second_factor_failed",
                subject=f"staff:{staff_id}",
                data={"method": method, "failures": attempt.failures, "client": client},
                chain="auth",
            )
            raise SecondFactorInvalid()
        await self._throttle.succeeded(attempt)
        return method

    async def step_up(self, staff_id: uuid.UUID, proof: Proof | None, *, client: str) -> Method:
        """``verify`` for a member already signed in, before they replace their factor or codes."""
        try:
            return await self.verify(staff_id, proof or Proof(), client=client)
        except SecondFactorInvalid:
            raise StepUpFailed() from None

    async def regenerate(
        self, staff: StaffRow, proof: Proof | None, *, client: str, by: Principal
    ) -> list[str]:
        """New recovery codes (shown once) in place of every old one, used or not."""
        if not await self.enrolled(staff.id):
            raise SecondFactorNotEnrolled()
        await self.step_up(staff.id, proof, client=client)
        codes = [_new_recovery_code() for _ in range(self._settings.recovery_codes)]
        async with transaction(self._engine):
            await self._repository.replace_recovery_codes(
                staff.id, [self._recovery_hash(staff.id, c) for c in codes], now=self._clock.now()
            )
            await self._audit.append(
                actor=by.subject,
                action="staff.recovery_codes_regenerated",
                subject=f"staff:{staff.id}",
                data={"recovery_codes": len(codes)},
                chain="auth",
            )
        return codes

    async def reset(self, staff_id: uuid.UUID, *, by: Principal) -> bool:
        """An operator removes a member's factor (a lost phone and lost codes); True when one was
        enrolled. The member's sessions are the caller's to end."""
        async with transaction(self._engine):
            removed = await self._repository.remove(staff_id)
            await self._audit.append(
                actor=by.subject,
                action="staff.second_factor_reset",
                subject=f"staff:{staff_id}",
                data={"was_enrolled": removed},
                chain="auth",
            )
        return removed

    async def _accept_code(self, staff_id: uuid.UUID, code: str, *, client: str) -> bool:
        limit = self._settings.code_failure_limit
        row = await self._repository.find(staff_id)
        if row is None or row.secret is None or row.confirmed_at is None:
            return False
        if row.code_failures >= limit:
            raise SecondFactorLocked()
        secret = self._cipher.open(row.secret, column=_sealed_column(staff_id))
        step = totp.matching_step(secret, code, self._clock.now().timestamp())
        if step is not None and await self._repository.accept_step(staff_id, step, limit=limit):
            return True
        failures = await self._repository.count_code_failure(staff_id, limit=limit)
        if failures is None:
            raise SecondFactorLocked()  # a concurrent wrong code reached the limit first
        if failures == limit:
            log.warning("staff:%s: %d wrong authenticator codes in a row, codes refused", staff_id, limit)
            await self._audit.append(
                actor="system",
                action="staff.second_factor_locked",
                subject=f"staff:{staff_id}",
                data={"failures": failures, "client": client},
                chain="auth",
            )
        return False

    async def unlock(self, staff_id: uuid.UUID) -> None:
        """Accept authenticator codes again (the password changed: whoever guessed no longer has it)."""
        await self._repository.clear_code_failures(staff_id)

    async def _use_recovery_code(self, staff_id: uuid.UUID, recovery_code: str) -> bool:
        async with transaction(self._engine):
            used = await self._repository.use_recovery_code(
                staff_id, self._recovery_hash(staff_id, recovery_code), now=self._clock.now()
            )
            if used:
                left = await self._repository.recovery_codes_left(staff_id)
                await self._audit.append(
                    actor=f"staff:{staff_id}",
                    action="staff.recovery_code_used",
                    subject=f"staff:{staff_id}",
                    data={"left": left},
                    chain="auth",
                )
        return used

    def _recovery_hash(self, staff_id: uuid.UUID, recovery_code: str) -> str:
        return self._cipher.blind_index(f"{staff_id}:{_normalised(recovery_code)}", column=RECOVERY_INDEX)
