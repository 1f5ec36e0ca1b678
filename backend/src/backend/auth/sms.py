"""One-time SMS codes: 6 random digits, 5 minutes, single use, 5 attempts (ASVS 5.0 6.5.1-6.5.5, 6.6.2).

A code is bound to (phone, purpose): a login code can't register. Only its keyed MAC is kept, in the
store with a 300 s expiry; a new code replaces the old one and resets its attempts.

Sending is limited so that the gateway can't be turned into a spam cannon against a phone, nor a
stranger's requests into a denial for its owner (every code goes to the owner's phone; what a stranger
can cost them is waiting). The numbers are ``AuthSettings.sms_*``, each with its reason:

- per (phone, purpose, client address): one code per ``sms_cooldown``;
- per (phone, client address): ``sms_per_phone_address`` codes per ``sms_per_phone_address_window``,
  what one address can text a phone however the rest goes;
- per phone, from all addresses: ``sms_phone_free`` codes per ``sms_phone_window``, then each code
  must wait ``sms_phone_first_delay`` s after the previous one, doubling up to ``sms_phone_max_delay``.
  Codes are spaced, never stopped: after any attack the owner waits at most that long, and a code
  that gets used lifts the current wait. An address from which a code of the phone was used (within
  ``login_known_address_ttl``) is the owner's and never waits this turn; it remains bound by the
  limits above. The spacing also bounds guessing (5 tries per code, ASVS 6.6.3).
- per client address (IPv6: per /64), across phones: ``unused_sms_per_address`` codes that were never
  used, so the gateway can't be turned into a bill (SMS pumping): a code that gets used gives its
  address its unit back, so citizens sharing a carrier-grade NAT don't use the budget up.

Each is counted atomically (INCR, SET NX) before the text goes out; a refused request is 429
``auth.sms_rate_limited`` with ``Retry-After`` and counts against none of them.
"""

from __future__ import annotations

import hmac
import logging
import math
import secrets
import uuid
from typing import Literal

from backend.auth.errors import PhoneInvalid, SmsRateLimited, SmsUnavailable
from backend.auth.settings import AuthSettings
from backend.auth.throttle import Backoff, give_back, take_turn
from backend.crypto import PersonalDataCipher
from backend.observability.masking import mask_phone
from backend.ratelimit import RateLimit, RateLimiter, address_key
from backend.store import KeyValueStore
from integrations import UpstreamRejected, UpstreamUnavailable
from integrations.sms import SmsClient

log = logging.getLogger("backend.auth.sms")

# "bind": linking a mini-program identity (backend.account_link), to a new or an existing account.
SmsPurpose = Literal["register", "login", "bind"]

CODE_TTL = 300
MAX_ATTEMPTS = 5
# Wrong guesses at one code from all addresses but the one that asked for it: with the asker's own
# five, at most 25 guesses of a million per code; the spacing of codes per phone bounds codes a day.
MAX_STRANGER_ATTEMPTS = 20
TEMPLATE = "SQ_VERIFY_CODE"


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
        self._settings = settings
        self._per_client = RateLimit(
            SmsRateLimited,
            limit=settings.unused_sms_per_address,
            window=settings.unused_sms_window,
            by_address=True,
        )
        self._per_phone_address = RateLimit(
            SmsRateLimited, limit=settings.sms_per_phone_address, window=settings.sms_per_phone_address_window
        )
        self._per_phone = Backoff(
            free=settings.sms_phone_free,
            first=settings.sms_phone_first_delay,
            cap=settings.sms_phone_max_delay,
        )

    def _keys(self, phone: str, purpose: str) -> tuple[str, str]:
        handle = self._cipher.blind_index(f"{purpose}:{phone}", column="auth.sms_code")
        # One hash tag per (phone, purpose): the multi-key DELs below stay in one Redis Cluster slot.
        # Next to the code live ``:cooldown:<address>`` and ``:client`` (the address that asked for it).
        return f"auth:sms:{{{handle}}}:code", f"auth:sms:{{{handle}}}:tries"

    def _phone_keys(self, phone: str) -> tuple[str, str, str]:
        """(its handle, the count of codes sent to it, the turn that spaces them): one hash tag per phone."""
        handle = self._cipher.blind_index(phone, column="auth.sms_phone")
        return handle, f"auth:sms:{{{handle}}}:sent", f"auth:sms:{{{handle}}}:turn"

    def _known_key(self, phone_handle: str, client: str) -> str:
        return f"auth:sms:{{{phone_handle}}}:known:{address_key(client)}"

    def _mac(self, phone: str, purpose: str, code: str) -> bytes:
        return self._cipher.mac(f"{purpose}:{phone}:{code}", purpose="sms_code").encode()

    async def send(self, phone: str, purpose: SmsPurpose, *, client: str) -> None:
        """Text a fresh code to ``phone``; raises ``RateLimited`` past the sending limits,
        ``Invalid`` for a number the gateway refuses, ``Unavailable`` when it is down."""
        code_key, tries_key = self._keys(phone, purpose)
        cooldown_key = f"{code_key}:cooldown:{address_key(client)}"
        cooldown = self._settings.sms_cooldown
        if not await self._store.set_if_absent(cooldown_key, b"1", ttl=cooldown):
            retry_after = await self._store.ttl(cooldown_key)
            raise SmsRateLimited(retry_after=max(1, math.ceil(retry_after or cooldown)))
        try:
            spaced = await self._charge(phone, client)
        except SmsRateLimited:
            await self._store.delete(cooldown_key)
            raise
        code = f"{secrets.randbelow(1_000_000):06d}"
        await self._store.set(code_key, self._mac(phone, purpose, code), ttl=CODE_TTL)
        await self._store.set(f"{code_key}:client", client.encode(), ttl=CODE_TTL)
        await self._store.delete(tries_key)
        try:
            # The idempotency key lets the adapter retry a timed-out send without a second text.
            await self._sms.send(phone, TEMPLATE, {"code": code}, idempotency_key=uuid.uuid4().hex)
        except UpstreamRejected as exc:
            await self._store.delete(code_key, cooldown_key, f"{code_key}:client")
            await self._uncharge_phone(phone, client, spaced=spaced)
            if exc.code == "invalid_phone":
                raise PhoneInvalid() from None
            log.warning("sms gateway rejected a code: %s", exc.code)
            raise SmsUnavailable() from None
        except UpstreamUnavailable:
            await self._store.delete(code_key, cooldown_key, f"{code_key}:client")
            # No text went out: an outage shouldn't eat the address's budget, nor space the phone's codes.
            await self._limiter.refund(self._per_client, client)
            await self._uncharge_phone(phone, client, spaced=spaced)
            raise SmsUnavailable(retry_after=30) from None
        log.info("sms code sent purpose=%s phone=%s", purpose, mask_phone(phone))

    async def _charge(self, phone: str, client: str) -> bool:
        """Count one code against every sending limit, or give each count back and raise
        ``SmsRateLimited``. True when this code took the phone's turn (it spaces the next one)."""
        await self._limiter.hit(self._per_client, client)
        handle, sent_key, turn_key = self._phone_keys(phone)
        pair = f"{handle}:{address_key(client)}"
        try:
            await self._limiter.hit(self._per_phone_address, pair)
        except SmsRateLimited:
            await self._limiter.refund(self._per_client, client)
            raise
        known = await self._store.get(self._known_key(handle, client)) is not None
        sent = await self._store.incr(sent_key, ttl=self._settings.sms_phone_window)
        # An address where a code of this phone was used is the owner's: it doesn't wait its turn.
        delay = None if known else self._per_phone.delay(sent)
        wait = await take_turn(self._store, turn_key, delay)
        if wait is not None:
            await give_back(self._store, sent_key)
            await self._limiter.refund(self._per_phone_address, pair)
            await self._limiter.refund(self._per_client, client)
            raise SmsRateLimited(retry_after=wait)
        return delay is not None

    async def _uncharge_phone(self, phone: str, client: str, *, spaced: bool) -> None:
        """No text reached the phone: its counts go back, and the turn this code took with them."""
        handle, sent_key, turn_key = self._phone_keys(phone)
        await give_back(self._store, sent_key)
        await self._limiter.refund(self._per_phone_address, f"{handle}:{address_key(client)}")
        if spaced:
            await self._store.delete(turn_key)

    async def consume(self, phone: str, purpose: SmsPurpose, code: str, *, client: str) -> bool:
        """True, once, for the live code of (``phone``, ``purpose``).

        Every call counts as an attempt of its address (``client``, the caller's: IPv6 by its /64).
        The address that asked for the code has ``MAX_ATTEMPTS``, after which the code is destroyed;
        any other address has ``MAX_ATTEMPTS`` of its own and all of them together
        ``MAX_STRANGER_ATTEMPTS``, after which they are refused — but the code stays alive for its
        owner: a stranger's wrong guesses must not destroy the code the owner is about to type (issue
        21 review). ``client`` is required: a call site that passed none once counted every caller as
        the asker, and let anyone burn the codes of the mini-program bind and link. An owner whose
        address changed since asking counts as a stranger, and is refused once the strangers' guesses
        are spent: a trade-off accepted in ADR 7 (they ask for another code), logged when it can bite.
        """
        code_key, _ = self._keys(phone, purpose)
        stored = await self._store.get(code_key)
        if stored is None:
            return False
        asker = await self._store.get(f"{code_key}:client")
        source = address_key(client)
        own = asker is None or address_key(asker.decode()) == source
        # Keyed by this code (its MAC), so a new code starts every count afresh.
        tries_prefix = f"{code_key}:tries:{stored[-16:].decode(errors='replace')}"
        tries = await self._store.incr(f"{tries_prefix}:{source}", ttl=CODE_TTL)
        if own:
            if tries > MAX_ATTEMPTS:
                await self._store.delete(code_key)
                return False
        else:
            strangers = await self._store.incr(f"{tries_prefix}:strangers", ttl=CODE_TTL)
            if strangers == MAX_STRANGER_ATTEMPTS + 1:
                # Once per code (the INCR is atomic): a guessing attack on this phone's code, and the
                # moment an owner whose address changed since asking would be refused too (ADR 7).
                log.warning(
                    "sms code %s for %s: strangers spent their %d guesses; until it expires only the "
                    "address that asked for it may use it",
                    purpose,
                    mask_phone(phone),
                    MAX_STRANGER_ATTEMPTS,
                )
            if tries > MAX_ATTEMPTS or strangers > MAX_STRANGER_ATTEMPTS:
                return False
        if not hmac.compare_digest(stored, self._mac(phone, purpose, code)):
            return False
        # Single use even under a race: only the caller whose DELETE removed the key wins.
        if await self._store.delete(code_key) != 1:
            return False
        await self._store.delete(f"{code_key}:client")
        # A spent code ends the phone's current wait: the holder just proved they hold the phone and
        # may need the next code at once. The address that used it is theirs (known); the one that
        # asked for it may be a stranger's whose request replaced the owner's code, and proved nothing.
        handle, _, turn_key = self._phone_keys(phone)
        await self._store.delete(turn_key)
        await self._store.set(
            self._known_key(handle, client), b"1", ttl=self._settings.login_known_address_ttl
        )
        if asker is not None:
            asker_address = asker.decode()
            await self._store.delete(f"{code_key}:cooldown:{address_key(asker_address)}")
            # A used code is no sign of SMS pumping: it stops counting against the address charged.
            await self._limiter.refund(self._per_client, asker_address)
        return True
