"""Staff accounts: the bootstrap operator, password login with lockout, and account creation."""

from __future__ import annotations

import base64
import binascii
import logging
import math
import secrets
from datetime import timedelta
from typing import Any, Protocol

from piccolo.engine.base import Engine

from backend.audit.service import AuditLog
from backend.auth.principal import Principal
from backend.auth.service import LOGIN_PER_CLIENT
from backend.auth.tokens import AccessToken, TokenService
from backend.clock import Clock
from backend.database import write_transaction
from backend.errors import Conflict, Invalid, RateLimited, Unauthenticated
from backend.ratelimit import RateLimiter
from backend.settings import AuthSettings
from backend.staff.repository import Role, StaffRepository, StaffRow, UsernameTaken

log = logging.getLogger("backend.staff")

ADMIN_USERNAME = "admin"
STAFF_SCOPE = "staff"
STAFF_CLIENT_ID = "staff-console"
# Staff passwords guard the whole platform: 12 characters at least (ASVS 6.2.1 recommends 15 for
# single-factor; no composition rules, no truncation).
MIN_PASSWORD_LENGTH = 12


class PasswordHashing(Protocol):
    async def hash(self, password: str) -> str: ...

    async def verify(self, password_hash: str | None, password: str) -> bool: ...


def encode_cursor(username: str) -> str:
    return base64.urlsafe_b64encode(username.encode()).decode()


def decode_cursor(cursor: str) -> str:
    try:
        return base64.urlsafe_b64decode(cursor.encode()).decode()
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise Invalid("request.cursor_invalid", "The cursor is not one this list handed out") from None


class StaffService:
    def __init__(
        self,
        *,
        repository: StaffRepository,
        passwords: PasswordHashing,
        tokens: TokenService,
        limiter: RateLimiter,
        audit: AuditLog,
        clock: Clock,
        settings: AuthSettings,
        engine: Engine[Any],
    ) -> None:
        self._repository = repository
        self._passwords = passwords
        self._tokens = tokens
        self._limiter = limiter
        self._audit = audit
        self._clock = clock
        self._settings = settings
        self._engine = engine

    async def bootstrap_admin(self, password: str | None) -> str | None:
        """Create the operator ``admin`` unless it exists. With no configured ``password`` one is
        generated and returned, for the caller to show exactly once; only its hash is stored."""
        if await self._repository.find_by_username(ADMIN_USERNAME) is not None:
            return None
        generated = None if password else secrets.token_urlsafe(18)
        password_hash = await self._passwords.hash(password or generated or "")
        try:
            async with write_transaction(self._engine):
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
        except UsernameTaken:
            return None  # another worker created it first; its password is the one printed
        return generated

    async def login(self, username: str, password: str, *, client: str) -> tuple[AccessToken, StaffRow]:
        """A staff access token for the right password. ``settings.lockout_threshold`` consecutive
        wrong ones lock the account for ``lockout_seconds``, even against the right password; the
        citizens' per-address throttle (``LOGIN_PER_CLIENT``) bounds guessing across accounts."""
        await self._limiter.hit(LOGIN_PER_CLIENT, client)
        row = await self._repository.find_by_username(username.lower())
        now = self._clock.now()
        if row is not None and row.locked_until is not None and row.locked_until > now:
            # Logged, not audited: the lock itself was audited, and attempts against it are unbounded.
            log.info("staff login refused: staff:%s is locked", row.id)
            raise RateLimited(
                "auth.account_locked",
                "Too many wrong passwords; the account is locked for a while",
                retry_after=math.ceil((row.locked_until - now).total_seconds()),
            )
        # Unknown usernames still pay for a hash check, so timing doesn't tell which names exist.
        matches = await self._passwords.verify(row.password_hash if row else None, password)
        if row is None or not row.active or not matches:
            if row is not None and row.active:
                await self._count_failure(row, client)
            raise Unauthenticated("auth.invalid_credentials", "The username or password is wrong")
        token = await self._tokens.issue_access(
            "staff", row.id, scopes=(STAFF_SCOPE,), roles=(row.role,), client_id=STAFF_CLIENT_ID
        )
        async with write_transaction(self._engine):
            await self._repository.clear_failures(row.id)
            await self._audit.append(
                actor=f"staff:{row.id}",
                action="staff.login",
                subject=f"staff:{row.id}",
                data={"role": row.role, "jti": token.jti[:8], "client": client},
                chain="auth",
            )
        return token, row

    async def _count_failure(self, row: StaffRow, client: str) -> None:
        threshold = self._settings.lockout_threshold
        until = self._clock.now() + timedelta(seconds=self._settings.lockout_seconds)
        # One transaction: on PostgreSQL the row lock of the counting UPDATE queues racing failures,
        # so exactly one of them sees the threshold and locks.
        async with write_transaction(self._engine):
            failures = await self._repository.count_failure(row.id)
            await self._audit.append(
                actor="anonymous",
                action="staff.login_failed",
                subject=f"staff:{row.id}",
                data={"consecutive_failures": failures, "client": client},
                chain="auth",
            )
            if failures < threshold or not await self._repository.lock(
                row.id, threshold=threshold, until=until
            ):
                return
            await self._audit.append(
                actor="system",
                action="staff.locked",
                subject=f"staff:{row.id}",
                data={"until": until.isoformat(), "failures": failures},
                chain="auth",
            )
        log.warning("staff:%s locked after %d wrong passwords", row.id, failures)

    async def create(
        self, *, username: str, display_name: str, role: Role, password: str, by: Principal
    ) -> StaffRow:
        if len(password) < MIN_PASSWORD_LENGTH:
            raise Invalid(
                "staff.password_too_short", f"Staff passwords have at least {MIN_PASSWORD_LENGTH} characters"
            )
        password_hash = await self._passwords.hash(password)
        try:
            async with write_transaction(self._engine):
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
        except UsernameTaken:
            raise Conflict("staff.username_taken", "A staff account with this username exists") from None
        return row

    async def list(self, *, cursor: str | None, limit: int) -> tuple[list[StaffRow], str | None]:
        after = decode_cursor(cursor) if cursor else None
        rows = await self._repository.list(after=after, limit=limit + 1)
        page = rows[:limit]
        return page, encode_cursor(page[-1].username) if len(rows) > limit else None
