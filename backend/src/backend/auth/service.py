"""Citizen logins (password, SMS code, refresh token) with lockout and throttling.

Lockout (MLPS 8.1.4.1 b, ASVS v5 6.3.1): ``lockout_threshold`` consecutive failures for one phone lock
it for ``lockout_seconds``, whatever the credential afterwards (429 ``auth.account_locked`` with
``Retry-After``). Counting is keyed by the phone's blind index, so an unknown phone locks exactly like
a known one, and it answers exactly like a wrong password (same code, same Argon2 work).

Per client address (IPv6: per /64), ``login_throttle`` bounds failed logins across phones (password
spraying) and ``refresh_throttle`` rejected refresh tokens (replays). Both count only failures: an
attempt is counted before it is checked, so a parallel burst can't slip past the limit, and handed
back when it succeeds, so thousands of citizens behind one carrier-grade NAT never use them up.
"""

from __future__ import annotations

import logging
import uuid
from typing import Literal

from backend.audit.service import AuditLog
from backend.auth.errors import AccountLocked, InvalidCredentials, LoginThrottled, RefreshThrottled
from backend.auth.passwords import Passwords
from backend.auth.principal import CITIZEN_SCOPES
from backend.auth.settings import AuthSettings
from backend.auth.sms import SmsCodes
from backend.auth.tokens import TokenPair, TokenService
from backend.citizen.errors import AccountFrozen, NotRegistered
from backend.citizen.service import CitizenService
from backend.observability.masking import mask_phone
from backend.ratelimit import RateLimit, RateLimiter
from backend.store import KeyValueStore

log = logging.getLogger("backend.auth")

Grant = Literal["password", "sms_code"]


def login_throttle(settings: AuthSettings) -> RateLimit:
    """Failed logins per client address, shared by citizen and staff logins: ``limiter.hit`` it
    before checking a credential and ``limiter.refund`` it after a successful login."""
    return RateLimit(
        LoginThrottled,
        limit=settings.login_failures_per_address,
        window=settings.login_failures_window,
        by_address=True,
    )


def refresh_throttle(settings: AuthSettings) -> RateLimit:
    """Rejected refresh tokens per client address (used like ``login_throttle``)."""
    return RateLimit(
        RefreshThrottled,
        limit=settings.refresh_failures_per_address,
        window=settings.refresh_failures_window,
        by_address=True,
    )


class AuthService:
    def __init__(
        self,
        *,
        citizens: CitizenService,
        tokens: TokenService,
        passwords: Passwords,
        sms_codes: SmsCodes,
        limiter: RateLimiter,
        store: KeyValueStore,
        audit: AuditLog,
        settings: AuthSettings,
        client_id: str,
    ) -> None:
        self._citizens = citizens
        self._tokens = tokens
        self._passwords = passwords
        self._sms_codes = sms_codes
        self._limiter = limiter
        self._store = store
        self._audit = audit
        self._settings = settings
        self._client_id = client_id
        self._login_throttle = login_throttle(settings)
        self._refresh_throttle = refresh_throttle(settings)

    async def password_grant(self, phone: str, password: str, *, client: str) -> TokenPair:
        handle, attempt = await self._admit(phone, client)
        citizen = await self._citizens.find_login(handle)
        # Unknown phone, or a citizen without a password: a dummy hash is checked all the same.
        ok = await self._passwords.verify(citizen.password_hash if citizen else None, password)
        if citizen is None or not ok:
            await self._failed(phone, handle, attempt, citizen.id if citizen else None, "password", client)
            raise InvalidCredentials()
        if citizen.frozen:
            raise AccountFrozen()
        if citizen.password_hash and self._passwords.needs_rehash(citizen.password_hash):
            await self._citizens.set_password_hash(citizen.id, await self._passwords.hash(password))
        return await self._succeeded(phone, handle, citizen.id, "password", client)

    async def sms_code_grant(self, phone: str, code: str, *, client: str) -> TokenPair:
        handle, attempt = await self._admit(phone, client)
        if not await self._sms_codes.consume(phone, "login", code):
            citizen = await self._citizens.find_login(handle)
            await self._failed(phone, handle, attempt, citizen.id if citizen else None, "sms_code", client)
            raise InvalidCredentials()
        citizen = await self._citizens.find_login(handle)
        if citizen is None:
            # Not a failed login: the code was right. The caller proved they hold the phone, so
            # telling them it has no account leaks nothing.
            await self._limiter.refund(self._login_throttle, client)
            raise NotRegistered()
        if citizen.frozen:
            raise AccountFrozen()
        return await self._succeeded(phone, handle, citizen.id, "sms_code", client)

    async def refresh_grant(self, refresh_token: str, *, client: str) -> TokenPair:
        await self._limiter.hit(self._refresh_throttle, client)
        pair = await self._tokens.refresh(refresh_token)
        principal = self._tokens.verify_access(pair.access_token)
        if principal.kind == "citizen":
            try:
                await self._citizens.ensure_active(principal.id)
            except AccountFrozen:
                # Frozen while this session was being renewed: end what the renewal just made.
                await self._tokens.revoke_subject("citizen", principal.id)
                raise
        await self._limiter.refund(self._refresh_throttle, client)
        return pair

    def _lock_keys(self, handle: str) -> tuple[str, str]:
        return f"auth:login:{{{handle}}}:attempts", f"auth:login:{{{handle}}}:lock"

    async def _admit(self, phone: str, client: str) -> tuple[str, int]:
        """Throttle the client, refuse a locked phone, count this attempt: (blind index, attempt).

        The attempt is counted *before* the credential is checked, so a burst of parallel guesses
        can't slip more than ``lockout_threshold`` checks in before the lock lands.
        """
        await self._limiter.hit(self._login_throttle, client)
        handle = self._citizens.phone_index(phone)
        attempts_key, lock_key = self._lock_keys(handle)
        locked_for = await self._store.ttl(lock_key)
        if locked_for is None:
            attempt = await self._store.incr(attempts_key, ttl=self._settings.lockout_seconds)
            if attempt <= self._settings.lockout_threshold:
                return handle, attempt
            await self._store.set_if_absent(lock_key, b"1", ttl=self._settings.lockout_seconds)
            locked_for = await self._store.ttl(lock_key)
        raise AccountLocked(retry_after=max(1, int(locked_for or self._settings.lockout_seconds)))

    async def _failed(
        self,
        phone: str,
        handle: str,
        attempt: int,
        citizen_id: uuid.UUID | None,
        grant: Grant,
        client: str,
    ) -> None:
        attempts_key, lock_key = self._lock_keys(handle)
        subject = f"citizen:{citizen_id}" if citizen_id else f"phone:{handle[:16]}"
        data = {"phone": mask_phone(phone), "grant": grant, "client": client, "failures": attempt}
        await self._audit.append(
            actor="anonymous", action="auth.login_failed", subject=subject, data=data, chain="auth"
        )
        if attempt >= self._settings.lockout_threshold:
            await self._store.set(lock_key, b"1", ttl=self._settings.lockout_seconds)
            await self._store.delete(attempts_key)
            log.warning("login locked for %s after %s failures", mask_phone(phone), attempt)
            await self._audit.append(
                actor="system",
                action="auth.locked_out",
                subject=subject,
                data={"phone": mask_phone(phone), "seconds": self._settings.lockout_seconds},
                chain="auth",
            )

    async def _succeeded(
        self, phone: str, handle: str, citizen_id: uuid.UUID, grant: Grant, client: str
    ) -> TokenPair:
        attempts_key, _ = self._lock_keys(handle)
        await self._store.delete(attempts_key)
        await self._limiter.refund(self._login_throttle, client)
        subject = f"citizen:{citizen_id}"
        await self._audit.append(
            actor=subject,
            action="auth.login_succeeded",
            subject=subject,
            data={"phone": mask_phone(phone), "grant": grant, "client": client},
            chain="auth",
        )
        return await self._tokens.issue_pair(
            "citizen", citizen_id, scopes=CITIZEN_SCOPES, client_id=self._client_id
        )
