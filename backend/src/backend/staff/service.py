"""Staff accounts: the bootstrap operator, throttled constant-work password login, account creation."""

from __future__ import annotations

import logging
import secrets
from typing import Any, Protocol

from piccolo.engine.base import Engine

from backend.audit.service import AuditLog
from backend.auth.errors import InvalidCredentials
from backend.auth.principal import Principal
from backend.auth.throttle import LoginAttempt, LoginThrottle
from backend.auth.tokens import AccessToken, TokenService
from backend.clock import Clock
from backend.crypto import PersonalDataCipher
from backend.database import transaction
from backend.pagination import decode_cursor, encode_cursor
from backend.staff.errors import PasswordTooShort, UsernameTaken
from backend.staff.repository import DuplicateUsername, Role, StaffRepository, StaffRow

log = logging.getLogger("backend.staff")

ADMIN_USERNAME = "admin"
STAFF_SCOPE = "staff"
STAFF_CLIENT_ID = "staff-console"
# Staff passwords guard the whole platform: 12 characters at least (ASVS 6.2.1 recommends 15 for
# single-factor; no composition rules, no truncation).
MIN_PASSWORD_LENGTH = 12
# The blind index naming a (lower-case) username in the login throttle and in the audit of failures.
USERNAME_INDEX = "staff.username"


class PasswordHashing(Protocol):
    async def hash(self, password: str) -> str: ...

    async def verify(self, password_hash: str | None, password: str) -> bool: ...


class StaffService:
    def __init__(
        self,
        *,
        repository: StaffRepository,
        passwords: PasswordHashing,
        tokens: TokenService,
        throttle: LoginThrottle,
        cipher: PersonalDataCipher,
        audit: AuditLog,
        clock: Clock,
        engine: Engine[Any],
    ) -> None:
        self._repository = repository
        self._passwords = passwords
        self._tokens = tokens
        self._throttle = throttle
        self._cipher = cipher
        self._audit = audit
        self._clock = clock
        self._engine = engine

    async def bootstrap_admin(self, password: str | None) -> str | None:
        """Create the operator ``admin`` unless it exists. With no configured ``password`` one is
        generated and returned, for the caller to show exactly once; only its hash is stored."""
        if await self._repository.find_by_username(ADMIN_USERNAME) is not None:
            return None
        generated = None if password else secrets.token_urlsafe(18)
        password_hash = await self._passwords.hash(password or generated or "")
        try:
            async with transaction(self._engine):
                row = await self._repository.create(
                    username=ADMIN_USERNAME,
                    display_name="Administrator",
                    role="operator",
                    password_hash=password_hash,
                    now=self._clock.now(),
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

    async def login(self, username: str, password: str, *, client: str) -> tuple[AccessToken, StaffRow]:
        """A staff access token for the right password, throttled like citizen logins
        (``backend.auth.throttle``) under the lower-cased username: "Admin" is "admin".

        Constant work: a known and an unknown username take the same steps up to the answer, one
        SELECT, the same store operations, one Argon2 verify (a dummy hash when there is no row) and
        one audited failure, so neither the answer nor its timing tells whether the account exists."""
        username = username.lower()
        handle = self._cipher.blind_index(username, column=USERNAME_INDEX)
        attempt = await self._throttle.admit(f"staff:{handle}", client)
        row = await self._repository.find_by_username(username)
        matches = await self._passwords.verify(row.password_hash if row is not None else None, password)
        if row is None or not row.active or not matches:
            await self._failed(row, handle, attempt)
            raise InvalidCredentials()
        token = await self._tokens.issue_access(
            "staff", row.id, scopes=(STAFF_SCOPE,), roles=(row.role,), client_id=STAFF_CLIENT_ID
        )
        await self._throttle.succeeded(attempt)
        await self._audit.append(
            actor=f"staff:{row.id}",
            action="staff.login",
            subject=f"staff:{row.id}",
            data={"role": row.role, "jti": token.jti[:8], "client": client},
            chain="auth",
        )
        return token, row

    async def _failed(self, row: StaffRow | None, handle: str, attempt: LoginAttempt) -> None:
        # An unknown name is audited under its blind index: never the name itself, which may be a
        # password typed into the wrong field.
        subject = f"staff:{row.id}" if row is not None else f"staff-name:{handle[:16]}"
        await self._audit.append(
            actor="anonymous",
            action="staff.login_failed",
            subject=subject,
            data={
                "failures": attempt.failures,
                "failures_from_client": attempt.address_failures,
                "client": attempt.client,
            },
            chain="auth",
        )
        if attempt.reaches_ceiling:
            # Until the failures are forgotten only addresses where the account signed in may try.
            log.warning("staff login %s reached the failure ceiling", subject)
            await self._audit.append(
                actor="system",
                action="staff.login_ceiling_reached",
                subject=subject,
                data={"failures": attempt.failures},
                chain="auth",
            )

    async def create(
        self, *, username: str, display_name: str, role: Role, password: str, by: Principal
    ) -> StaffRow:
        if len(password) < MIN_PASSWORD_LENGTH:
            raise PasswordTooShort(min_length=MIN_PASSWORD_LENGTH)
        password_hash = await self._passwords.hash(password)
        try:
            async with transaction(self._engine):
                row = await self._repository.create(
                    username=username.lower(),
                    display_name=display_name,
                    role=role,
                    password_hash=password_hash,
                    now=self._clock.now(),
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
