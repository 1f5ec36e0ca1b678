"""Staff accounts: the bootstrap operator, creation under the password policy, disabling and enabling,
password changes and resets, sessions, and clearing a member's login throttle. Signing in is
``backend.staff.login``; the second factor ``backend.staff.second_factor``."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from typing import Any, Protocol

from piccolo.engine.base import Engine

from backend.audit.service import AuditLog
from backend.auth.principal import Principal
from backend.auth.sessions import Session
from backend.auth.throttle import LoginThrottle
from backend.auth.tokens import TokenService
from backend.clock import Clock
from backend.crypto import PersonalDataCipher
from backend.database import transaction
from backend.pagination import decode_cursor, encode_cursor
from backend.staff.errors import (
    CurrentPasswordWrong,
    LastOperator,
    NotOnYourself,
    PasswordTooCommon,
    PasswordUnchanged,
    ReauthenticationRequired,
    SessionNotFound,
    StaffNotFound,
    UsernameTaken,
)
from backend.staff.login import password_account
from backend.staff.password_policy import check_password
from backend.staff.repository import DuplicateUsername, LastActiveOperator, Role, StaffRepository, StaffRow
from backend.staff.second_factor import Enrolment, Proof, SecondFactors, factor_account
from backend.staff.settings import StaffSettings
from backend.staff.setup import is_setup, settle

ADMIN_USERNAME = "admin"


class PasswordHashing(Protocol):
    async def hash(self, password: str) -> str: ...

    async def verify(self, password_hash: str | None, password: str) -> bool: ...


class StaffService:
    def __init__(
        self,
        *,
        repository: StaffRepository,
        factors: SecondFactors,
        passwords: PasswordHashing,
        tokens: TokenService,
        throttle: LoginThrottle,
        cipher: PersonalDataCipher,
        audit: AuditLog,
        clock: Clock,
        engine: Engine[Any],
        settings: StaffSettings,
    ) -> None:
        self._repository = repository
        self._factors = factors
        self._passwords = passwords
        self._tokens = tokens
        self._throttle = throttle
        self._cipher = cipher
        self._audit = audit
        self._clock = clock
        self._engine = engine
        self._settings = settings

    def check_password(self, password: str, *, username: str) -> None:
        """Raise the password policy's leaf (``backend.staff.password_policy``) unless ``password`` is
        one ``username`` may use."""
        check_password(password, username=username, min_length=self._settings.password_min_length)

    async def bootstrap_admin(self, password: str | None) -> str | None:
        """Create the operator ``admin`` unless it exists. With no configured ``password`` one is
        generated and returned, for the caller to show exactly once; only its hash is stored, and it
        may stay (nobody but the one who read it knows it). A configured password must pass the
        policy (the caller stops the start-up otherwise) and, since it sits in a configuration others
        may read, be changed at the first sign-in (unless ``bootstrap_password_change`` is off: a
        throwaway bench stack)."""
        if await self._repository.find_by_username(ADMIN_USERNAME) is not None:
            return None
        generated = None if password else self._generated_password(ADMIN_USERNAME)
        chosen = password or generated or ""
        self.check_password(chosen, username=ADMIN_USERNAME)
        password_hash = await self._passwords.hash(chosen)
        try:
            async with transaction(self._engine):
                row = await self._repository.create(
                    username=ADMIN_USERNAME,
                    display_name="Administrator",
                    role="operator",
                    password_hash=password_hash,
                    now=self._clock.now(),
                    must_change=generated is None and self._settings.bootstrap_password_change,
                )
                await self._audit.append(
                    actor="system",
                    action="staff.bootstrapped",
                    subject=f"staff:{row.id}",
                    data={"username": ADMIN_USERNAME, "password": "generated" if generated else "configured"},
                    chain="auth",
                )
        except DuplicateUsername:
            return None  # another worker created it first; its password is the one printed
        return generated

    def _generated_password(self, username: str) -> str:
        while True:  # 144 random bits; drawn again in the rare case the policy objects
            candidate = secrets.token_urlsafe(18)
            try:
                self.check_password(candidate, username=username)
            except PasswordTooCommon:
                continue
            return candidate

    async def create(
        self, *, username: str, display_name: str, role: Role, password: str, by: Principal
    ) -> StaffRow:
        username = username.lower()
        self.check_password(password, username=username)
        password_hash = await self._passwords.hash(password)
        try:
            async with transaction(self._engine):
                row = await self._repository.create(
                    username=username,
                    display_name=display_name,
                    role=role,
                    password_hash=password_hash,
                    now=self._clock.now(),
                    must_change=True,  # the operator knows it: the member changes it at first login
                )
                await self._audit.append(
                    actor=by.subject,
                    action="staff.created",
                    subject=f"staff:{row.id}",
                    data={"username": row.username, "role": role},
                    chain="auth",
                )
        except DuplicateUsername:
            raise UsernameTaken() from None
        return row

    async def list(self, *, cursor: str | None, limit: int) -> tuple[list[StaffRow], str | None]:
        after = decode_cursor(cursor, tuple[str])[0] if cursor else None
        rows = await self._repository.list(after=after, limit=limit + 1)
        page = rows[:limit]
        return page, encode_cursor(page[-1].username) if len(rows) > limit else None

    async def get(self, staff_id: uuid.UUID) -> StaffRow:
        row = await self._repository.find(staff_id)
        if row is None:
            raise StaffNotFound()
        return row

    async def change_password(
        self, principal: Principal, row: StaffRow, *, current: str, new: str, client: str
    ) -> None:
        """The member's own change: the current password first (throttled like a login, a failure
        audited), then the policy and a password other than the current one; every other session
        ends (a thief's included), and every other setup token; the caller's stays."""
        await self.verify_password(row, current, client=client, purpose="password_change")
        if new == current:
            raise PasswordUnchanged()
        self.check_password(new, username=row.username)
        password_hash = await self._passwords.hash(new)
        async with transaction(self._engine):
            await self._repository.set_password_hash(row.id, password_hash, must_change=False)
            await settle(self._repository, principal, row, "password_change")
            await self._factors.unlock(row.id)
            await self._audit.append(
                actor=principal.subject,
                action="staff.password_changed",
                subject=principal.subject,
                data={"forced": row.must_change_password, "client": client},
                chain="auth",
            )
        await self._tokens.end_other_sessions("staff", row.id, keep_session=principal.sid)

    async def verify_password(self, row: StaffRow, password: str, *, client: str, purpose: str) -> None:
        """Re-authentication: ``CurrentPasswordWrong`` unless ``password`` is the member's, throttled
        like a login and audited (``staff.password_check_failed``) when wrong."""
        _, account = password_account(self._cipher, row.username)
        attempt = await self._throttle.admit(account, client, slow_past_ceiling=True)
        if not await self._passwords.verify(row.password_hash, password):
            await self._audit.append(
                actor=f"staff:{row.id}",
                action="staff.password_check_failed",
                subject=f"staff:{row.id}",
                data={"purpose": purpose, "failures": attempt.failures, "client": client},
                chain="auth",
            )
            raise CurrentPasswordWrong()
        await self._throttle.succeeded(attempt)

    async def start_enrolment(
        self, principal: Principal, row: StaffRow, *, proof: Proof | None, password: str | None, client: str
    ) -> Enrolment:
        """Start enrolling an authenticator. With one enrolled, a code of it comes first
        (``SecondFactors.start``); a first one enrolled from a session asks for the current password
        (a setup token was obtained with it minutes ago)."""
        if not is_setup(principal) and not await self._factors.enrolled(row.id):
            if password is None:
                raise ReauthenticationRequired()
            await self.verify_password(row, password, client=client, purpose="second_factor_enrolment")
        return await self._factors.start(row, proof=proof, client=client)

    async def reset_password(self, staff_id: uuid.UUID, password: str, *, by: Principal) -> None:
        """An operator sets a member's password, to be changed at their next login; every session and
        token of theirs ends now."""
        row = await self._other(staff_id, by)
        self.check_password(password, username=row.username)
        password_hash = await self._passwords.hash(password)
        async with transaction(self._engine):
            await self._repository.set_password_hash(row.id, password_hash, must_change=True)
            await self._factors.unlock(row.id)
            await self._audit.append(
                actor=by.subject, action="staff.password_reset", subject=f"staff:{row.id}", chain="auth"
            )
        await self._tokens.revoke_subject("staff", row.id)

    async def set_active(self, staff_id: uuid.UUID, active: bool, *, by: Principal) -> StaffRow:
        """Disable (every session and token ends at once; never oneself, never the last active
        operator) or enable (logins work again) a member."""
        await self._other(staff_id, by)
        async with transaction(self._engine):
            try:
                row = await (self._repository.enable if active else self._repository.disable)(staff_id)
            except LastActiveOperator:
                raise LastOperator() from None
            if row is None:
                raise StaffNotFound()
            await self._audit.append(
                actor=by.subject,
                action="staff.enabled" if active else "staff.disabled",
                subject=f"staff:{staff_id}",
                data={"role": row.role},
                chain="auth",
            )
        if not active:
            # After the write: a login racing with it re-reads the account once its tokens exist.
            await self._tokens.revoke_subject("staff", staff_id)
        return row

    async def reset_second_factor(self, staff_id: uuid.UUID, *, by: Principal) -> None:
        """Remove a member's authenticator and recovery codes (lost both); their sessions end, and the
        policy has them enrol again at their next login."""
        await self._other(staff_id, by)
        await self._factors.reset(staff_id, by=by)
        await self._tokens.revoke_subject("staff", staff_id)

    async def clear_login_throttle(self, staff_id: uuid.UUID, *, by: Principal) -> None:
        """Forget the failures counted on a member's account (password and second factor): kept out
        from new addresses by a stranger's guessing, they sign in at once again. Each guessing
        address keeps its own wait."""
        row = await self.get(staff_id)
        await self._forget_failures(row)
        await self._audit.append(
            actor=by.subject, action="staff.login_throttle_cleared", subject=f"staff:{row.id}", chain="auth"
        )

    async def reset_password_on_machine(self, username: str, *, actor: str) -> str:
        """``suqian staff reset-password``: a generated password for the member, returned for the caller
        to show once and changed at their next login; their sessions end, their authenticator accepts
        codes again and their login failures are forgotten. ``actor``: who ran it, for the audit."""
        row = await self._by_username(username)
        password = self._generated_password(row.username)
        password_hash = await self._passwords.hash(password)
        async with transaction(self._engine):
            await self._repository.set_password_hash(row.id, password_hash, must_change=True)
            await self._factors.unlock(row.id)
            await self._audit.append(
                actor=actor, action="staff.password_reset", subject=f"staff:{row.id}", chain="auth"
            )
        await self._tokens.revoke_subject("staff", row.id)
        await self._forget_failures(row)
        return password

    async def unlock_on_machine(self, username: str, *, actor: str) -> None:
        """``suqian staff unlock``: forget the member's login failures (password and second factor) and
        let their authenticator's codes count again; the password stays."""
        row = await self._by_username(username)
        async with transaction(self._engine):
            await self._factors.unlock(row.id)
            await self._audit.append(
                actor=actor, action="staff.unlocked", subject=f"staff:{row.id}", chain="auth"
            )
        await self._forget_failures(row)

    async def _by_username(self, username: str) -> StaffRow:
        row = await self._repository.find_by_username(username.lower())
        if row is None:
            raise StaffNotFound()
        return row

    async def _forget_failures(self, row: StaffRow) -> None:
        _, account = password_account(self._cipher, row.username)
        await self._throttle.clear(account)
        await self._throttle.clear(factor_account(row.id))

    async def sessions(self, staff_id: uuid.UUID) -> Sequence[Session]:
        await self.get(staff_id)
        return await self._tokens.sessions.live("staff", staff_id)

    async def end_session(self, staff_id: uuid.UUID, session_id: str, *, by: Principal) -> None:
        if not await self._tokens.sessions.end("staff", staff_id, session_id):
            raise SessionNotFound()
        await self._audit.append(
            actor=by.subject,
            action="staff.session_ended",
            subject=f"staff:{staff_id}",
            data={"session": session_id[:8]},
            chain="auth",
        )

    async def end_sessions(self, staff_id: uuid.UUID, *, keep: str | None, by: Principal) -> int:
        """End every session of the member but ``keep``; returns how many were live."""
        await self.get(staff_id)
        ended = await self._tokens.sessions.end_all("staff", staff_id, keep=keep)
        await self._audit.append(
            actor=by.subject,
            action="staff.sessions_ended",
            subject=f"staff:{staff_id}",
            data={"sessions": len(ended), "kept": keep is not None},
            chain="auth",
        )
        return len(ended)

    async def _other(self, staff_id: uuid.UUID, by: Principal) -> StaffRow:
        if staff_id == by.id:
            raise NotOnYourself()
        return await self.get(staff_id)
