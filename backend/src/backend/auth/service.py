"""Citizen logins (password, SMS code, refresh token), throttled without a lock.

A password login passes ``LoginThrottle`` (``backend.auth.throttle``) under the phone's blind index, so
an unknown phone is throttled exactly like a known one, and it answers exactly like a wrong password
(same code, same Argon2 work). Failures slow the failing address down and, past a ceiling, keep new
addresses from trying passwords; they never stop an SMS login: a right SMS code always signs in (the
code itself is single use and dies after 5 wrong tries, ``backend.auth.sms``), and its address then
counts as the owner's.

Per client address (IPv6: per /64), ``sms_login_throttle`` bounds wrong SMS codes across phones and
``refresh_throttle`` rejected refresh tokens (replays). Both count only failures: an attempt is
counted before it is checked, so a parallel burst can't slip past the limit, and handed back when it
succeeds, so thousands of citizens behind one carrier-grade NAT never use them up.
"""

from __future__ import annotations

import logging
import uuid
from typing import Literal

from backend.audit.service import AuditLog
from backend.auth.errors import InvalidCredentials, RefreshThrottled, SmsLoginThrottled
from backend.auth.passwords import Passwords
from backend.auth.principal import CITIZEN_SCOPES
from backend.auth.settings import AuthSettings
from backend.auth.sms import SmsCodes
from backend.auth.throttle import LoginAttempt, LoginThrottle
from backend.auth.tokens import TokenPair, TokenService
from backend.citizen.errors import AccountFrozen, NotRegistered
from backend.citizen.service import CitizenService
from backend.observability.masking import mask_phone
from backend.ratelimit import RateLimit, RateLimiter

log = logging.getLogger("backend.auth")

Grant = Literal["password", "sms_code"]


def sms_login_throttle(settings: AuthSettings) -> RateLimit:
    """Wrong SMS login codes per client address: ``limiter.hit`` it before checking a code and
    ``limiter.refund`` it after a right one."""
    return RateLimit(
        SmsLoginThrottled,
        limit=settings.sms_login_failures_per_address,
        window=settings.sms_login_failures_window,
        by_address=True,
    )


def refresh_throttle(settings: AuthSettings) -> RateLimit:
    """Rejected refresh tokens per client address (used like ``sms_login_throttle``)."""
    return RateLimit(
        RefreshThrottled,
        limit=settings.refresh_failures_per_address,
        window=settings.refresh_failures_window,
        by_address=True,
    )


def login_account(phone_index: str) -> str:
    """The ``LoginThrottle`` account of a citizen's phone (its blind index)."""
    return f"citizen:{phone_index}"


class AuthService:
    def __init__(
        self,
        *,
        citizens: CitizenService,
        tokens: TokenService,
        passwords: Passwords,
        sms_codes: SmsCodes,
        limiter: RateLimiter,
        throttle: LoginThrottle,
        audit: AuditLog,
        settings: AuthSettings,
        client_id: str,
    ) -> None:
        self._citizens = citizens
        self._tokens = tokens
        self._passwords = passwords
        self._sms_codes = sms_codes
        self._limiter = limiter
        self._throttle = throttle
        self._audit = audit
        self._client_id = client_id
        self._sms_login_throttle = sms_login_throttle(settings)
        self._refresh_throttle = refresh_throttle(settings)

    async def password_grant(self, phone: str, password: str, *, client: str) -> TokenPair:
        handle = self._citizens.phone_index(phone)
        attempt = await self._throttle.admit(login_account(handle), client)
        citizen = await self._citizens.find_login(handle)
        # Unknown phone, or a citizen without a password: a dummy hash is checked all the same.
        ok = await self._passwords.verify(citizen.password_hash if citizen else None, password)
        if citizen is None or not ok:
            await self._failed(phone, handle, citizen.id if citizen else None, "password", client, attempt)
            raise InvalidCredentials()
        if citizen.frozen:
            raise AccountFrozen()
        if citizen.password_hash and self._passwords.needs_rehash(citizen.password_hash):
            await self._citizens.set_password_hash(citizen.id, await self._passwords.hash(password))
        await self._throttle.succeeded(attempt)
        return await self._succeeded(phone, citizen.id, "password", client)

    async def sms_code_grant(self, phone: str, code: str, *, client: str) -> TokenPair:
        """Never refused for the phone's password failures: a right code is the owner's way in."""
        await self._limiter.hit(self._sms_login_throttle, client)
        handle = self._citizens.phone_index(phone)
        if not await self._sms_codes.consume(phone, "login", code, client=client):
            citizen = await self._citizens.find_login(handle)
            await self._failed(phone, handle, citizen.id if citizen else None, "sms_code", client, None)
            raise InvalidCredentials()
        await self._limiter.refund(self._sms_login_throttle, client)
        citizen = await self._citizens.find_login(handle)
        if citizen is None:
            # Not a failed login: the code was right. The caller proved they hold the phone, so
            # telling them it has no account leaks nothing.
            raise NotRegistered()
        if citizen.frozen:
            raise AccountFrozen()
        await self._throttle.signed_in(login_account(handle), client)
        return await self._succeeded(phone, citizen.id, "sms_code", client)

    async def refresh_grant(self, refresh_token: str, *, client: str) -> TokenPair:
        await self._limiter.hit(self._refresh_throttle, client)
        # Citizen sessions only: a staff session renews through the staff feature, which checks the account.
        pair = await self._tokens.refresh(refresh_token, kind="citizen")
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

    async def _failed(
        self,
        phone: str,
        handle: str,
        citizen_id: uuid.UUID | None,
        grant: Grant,
        client: str,
        attempt: LoginAttempt | None,
    ) -> None:
        subject = f"citizen:{citizen_id}" if citizen_id else f"phone:{handle[:16]}"
        data: dict[str, object] = {"phone": mask_phone(phone), "grant": grant, "client": client}
        if attempt is not None:
            data |= {"failures": attempt.failures, "failures_from_client": attempt.address_failures}
        await self._audit.append(
            actor="anonymous", action="auth.login_failed", subject=subject, data=data, chain="auth"
        )
        if attempt is not None and attempt.reaches_ceiling:
            # From now until the failures are forgotten only known addresses (and SMS codes) sign in.
            log.warning("password logins of %s reached the failure ceiling", mask_phone(phone))
            await self._audit.append(
                actor="system",
                action="auth.login_ceiling_reached",
                subject=subject,
                data={"phone": mask_phone(phone), "failures": attempt.failures},
                chain="auth",
            )

    async def _succeeded(self, phone: str, citizen_id: uuid.UUID, grant: Grant, client: str) -> TokenPair:
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
