"""One-time SMS codes: 6 random digits, 5 minutes, single use, 5 attempts (ASVS v5 6.6.x).

A code is bound to (phone, purpose): a login code can't register. Only its keyed MAC is kept, in the
store with a 300 s expiry; a new code replaces the old one and resets its attempts. Sending is limited
per phone (one a minute, 5 an hour, 10 a day), so the gateway can't be turned into a spam cannon, and
per client address (IPv6: per /64) to ``AuthSettings.unused_sms_per_address`` codes an hour that were
never used, so it can't be turned into a bill (SMS pumping): a code that gets used gives its address
its unit back, so citizens sharing a carrier-grade NAT don't use the budget up.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import uuid
from typing import Literal

from backend.auth.errors import PhoneInvalid, SmsRateLimited, SmsUnavailable
from backend.auth.settings import AuthSettings
from backend.crypto import PersonalDataCipher
from backend.observability.masking import mask_phone
from backend.ratelimit import RateLimit, RateLimiter
from backend.store import KeyValueStore
from integrations import UpstreamRejected, UpstreamUnavailable
from integrations.sms import SmsClient

log = logging.getLogger("backend.auth.sms")

# "bind": linking a mini-program identity (backend.account_link), to a new or an existing account.
SmsPurpose = Literal["register", "login", "bind"]

CODE_TTL = 300
MAX_ATTEMPTS = 5
TEMPLATE = "SQ_VERIFY_CODE"
_COOLDOWN = 60
PER_PHONE_HOUR = RateLimit(SmsRateLimited, limit=5, window=3600)
PER_PHONE_DAY = RateLimit(SmsRateLimited, limit=10, window=86_400)


class SmsCodes:
    def __init__(
        self,
        *,
        store: KeyValueStore,
        limiter: RateLimiter,
        sms: SmsClient,
        cipher: PersonalDataCipher,
        settings: AuthSettings,
    ) -> None:
        self._store = store
        self._limiter = limiter
        self._sms = sms
        self._cipher = cipher
        self._per_client = RateLimit(
            SmsRateLimited,
            limit=settings.unused_sms_per_address,
            window=settings.unused_sms_window,
            by_address=True,
        )

    def _keys(self, phone: str, purpose: str) -> tuple[str, str]:
        handle = self._cipher.blind_index(f"{purpose}:{phone}", column="auth.sms_code")
        # One hash tag per (phone, purpose): the multi-key DELs below stay in one Redis Cluster slot.
        # Next to the code live ``:cooldown`` and ``:client`` (the address that asked for it).
        return f"auth:sms:{{{handle}}}:code", f"auth:sms:{{{handle}}}:tries"

    def _mac(self, phone: str, purpose: str, code: str) -> bytes:
        return self._cipher.mac(f"{purpose}:{phone}:{code}", purpose="sms_code").encode()

    async def send(self, phone: str, purpose: SmsPurpose, *, client: str) -> None:
        """Text a fresh code to ``phone``; raises ``RateLimited`` past the sending limits,
        ``Invalid`` for a number the gateway refuses, ``Unavailable`` when it is down."""
        code_key, tries_key = self._keys(phone, purpose)
        cooldown_key = f"{code_key}:cooldown"
        if not await self._store.set_if_absent(cooldown_key, b"1", ttl=_COOLDOWN):
            retry_after = await self._store.ttl(cooldown_key)
            raise SmsRateLimited(retry_after=max(1, int(retry_after or _COOLDOWN)))
        await self._limiter.hit(self._per_client, client)
        phone_handle = self._cipher.blind_index(phone, column="auth.sms_phone")
        await self._limiter.hit(PER_PHONE_HOUR, phone_handle)
        await self._limiter.hit(PER_PHONE_DAY, phone_handle)
        code = f"{secrets.randbelow(1_000_000):06d}"
        await self._store.set(code_key, self._mac(phone, purpose, code), ttl=CODE_TTL)
        await self._store.set(f"{code_key}:client", client.encode(), ttl=CODE_TTL)
        await self._store.delete(tries_key)
        try:
            # The idempotency key lets the adapter retry a timed-out send without a second text.
            await self._sms.send(phone, TEMPLATE, {"code": code}, idempotency_key=uuid.uuid4().hex)
        except UpstreamRejected as exc:
            await self._store.delete(code_key, cooldown_key, f"{code_key}:client")
            if exc.code == "invalid_phone":
                raise PhoneInvalid() from None
            log.warning("sms gateway rejected a code: %s", exc.code)
            raise SmsUnavailable() from None
        except UpstreamUnavailable:
            await self._store.delete(code_key, cooldown_key, f"{code_key}:client")
            # No text went out: an outage shouldn't eat the address's budget.
            await self._limiter.refund(self._per_client, client)
            raise SmsUnavailable(retry_after=30) from None
        log.info("sms code sent purpose=%s phone=%s", purpose, mask_phone(phone))

    async def consume(self, phone: str, purpose: SmsPurpose, code: str) -> bool:
        """True, once, for the live code of (``phone``, ``purpose``). Every call counts as an
        attempt; after ``MAX_ATTEMPTS`` the code is destroyed and a new one must be requested."""
        code_key, tries_key = self._keys(phone, purpose)
        tries = await self._store.incr(tries_key, ttl=CODE_TTL)
        if tries > MAX_ATTEMPTS:
            await self._store.delete(code_key)
            return False
        stored = await self._store.get(code_key)
        if stored is None or not hmac.compare_digest(stored, self._mac(phone, purpose, code)):
            return False
        # Single use even under a race: only the caller whose DELETE removed the key wins.
        if await self._store.delete(code_key) != 1:
            return False
        client = await self._store.get(f"{code_key}:client")
        # A spent code ends its cooldown: the holder may need the next one at once.
        await self._store.delete(tries_key, f"{code_key}:cooldown", f"{code_key}:client")
        if client is not None:
            # A used code is no sign of SMS pumping: it stops counting against its address.
            await self._limiter.refund(self._per_client, client.decode())
        return True
