"""Staff accounts: the bootstrap operator, password login with lockout, and account creation."""

from __future__ import annotations

import logging
import math
import secrets
from datetime import datetime, timedelta
from typing import Any, Protocol

from piccolo.engine.base import Engine

from backend.audit.service import AuditLog
from backend.auth.errors import AccountLocked, InvalidCredentials
from backend.auth.principal import Principal
from backend.auth.service import login_throttle
from backend.auth.settings import AuthSettings
from backend.auth.tokens import AccessToken, TokenService
from backend.clock import Clock
from backend.database import transaction
from backend.pagination import decode_cursor, encode_cursor
from backend.ratelimit import RateLimit, RateLimiter
from backend.staff.errors import PasswordTooShort, UsernameTaken
from backend.staff.repository import DuplicateUsername, Role, StaffRepository, StaffRow

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
        """A staff access token for the right password. Every attempt is counted *before* the
        password is checked, so a parallel burst gets at most ``settings.lockout_threshold`` checks;
        the failure that reaches the threshold locks the account for ``lockout_seconds``, even against
        the right password. The per-address throttle shared with citizen logins bounds guessing across
        accounts; a successful login gives its unit back, so only failures spend it."""
        throttle = login_throttle(self._settings)
        await self._limiter.hit(throttle, client)
        username = username.lower()
        row = await self._repository.find_by_username(username)
        if row is None:
            # An unknown name answers like a real one: the same hash work, the same 401s, and the same
            # 429 after as many attempts (counted in the store: there is no row to count in).
            await self._limiter.hit(self._unknown_name_rule(), username)
            await self._passwords.verify(None, password)
            raise InvalidCredentials()
        attempt = await self._admit(row)
        matches = await self._passwords.verify(row.password_hash, password)
        if not row.active or not matches:
            await self._failed(row, attempt, client)
            raise InvalidCredentials()
        token = await self._tokens.issue_access(
            "staff", row.id, scopes=(STAFF_SCOPE,), roles=(row.role,), client_id=STAFF_CLIENT_ID
        )
        await self._limiter.refund(throttle, client)
        async with transaction(self._engine):
            await self._repository.clear_failures(row.id)
            await self._audit.append(
                actor=f"staff:{row.id}",
                action="staff.login",
                subject=f"staff:{row.id}",
                data={"role": row.role, "jti": token.jti[:8], "client": client},
                chain="auth",
            )
        return token, row

    def _unknown_name_rule(self) -> RateLimit:
        return RateLimit(
            AccountLocked,
            limit=self._settings.lockout_threshold,
            window=self._settings.lockout_seconds,
        )

    async def _admit(self, row: StaffRow) -> int:
        """Count this attempt and return its number, or refuse a locked account (429)."""
        now = self._clock.now()
        threshold = self._settings.lockout_threshold
        attempt = await self._repository.count_attempt(row.id, threshold=threshold, now=now)
        if attempt is not None:
            return attempt
        # Locked, or ``threshold`` attempts already admitted and not yet settled (a burst in flight,
        # or a worker that died mid-check): lock now, so the account can't stay refused without a
        # lock that ends.
        locked_until = await self._lock(row, until=now + timedelta(seconds=self._settings.lockout_seconds))
        if locked_until is None:
            current = await self._repository.find(row.id)
            locked_until = current.locked_until if current is not None else None
        # Logged, not audited: the lock itself was audited, and attempts against it are unbounded.
        log.info("staff login refused: staff:%s is locked", row.id)
        seconds = (locked_until - now).total_seconds() if locked_until else self._settings.lockout_seconds
        raise AccountLocked(retry_after=max(1, math.ceil(seconds)))

    async def _failed(self, row: StaffRow, attempt: int, client: str) -> None:
        async with transaction(self._engine):
            await self._audit.append(
                actor="anonymous",
                action="staff.login_failed",
                subject=f"staff:{row.id}",
                data={"consecutive_failures": attempt, "client": client},
                chain="auth",
            )
        if attempt >= self._settings.lockout_threshold:
            await self._lock(row, until=self._clock.now() + timedelta(seconds=self._settings.lockout_seconds))

    async def _lock(self, row: StaffRow, *, until: datetime) -> datetime | None:
        """Lock the account if its count reached the threshold; ``until`` for the one caller that
        locked it (and audited the lock), None for every other."""
        async with transaction(self._engine):
            if not await self._repository.lock(
                row.id, threshold=self._settings.lockout_threshold, until=until
            ):
                return None
            await self._audit.append(
                actor="system",
                action="staff.locked",
                subject=f"staff:{row.id}",
                data={"until": until.isoformat(), "failures": self._settings.lockout_threshold},
                chain="auth",
            )
        log.warning("staff:%s locked after %d wrong passwords", row.id, self._settings.lockout_threshold)
        return until

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
