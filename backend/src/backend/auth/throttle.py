"""Failed-login throttles that slow a guesser down but never let a stranger lock the owner out.

ASVS 5.0 6.1.1 / 6.3.1 (documented controls against brute force and credential stuffing that prevent
malicious account lockout), in the manner of NIST SP 800-63B 5.2.2: delays that grow with each failure
and a ceiling of failures per account, instead of a lock that anyone knowing a phone number or a
username can set off. Every password login, citizen or staff, passes ``LoginThrottle.admit`` before
its password is checked, under an opaque account key (a blind index: unknown accounts are throttled
exactly like real ones). The numbers are ``AuthSettings.login_*``, each with its reason:

1. per client address (IPv6: per /64), across accounts: ``login_failures_per_address`` failures per
   ``login_failures_window`` (password spraying);
2. per (account, address): ``login_free_failures`` failures, then each attempt from that address waits
   ``login_first_delay`` s after the previous one, doubling up to ``login_max_delay``;
3. per account, for addresses that already failed on it: from ``login_account_free_failures`` failures
   on, they share one turn, the wait doubling up to ``login_account_max_delay``;
4. per account: past ``login_account_ceiling`` failures in ``login_failure_memory``, no address tries
   a password any more but those where the account signed in (``login_known_address_ttl``) — or, for
   an account with no other way in (staff have no SMS login; ``slow_past_ceiling``), new addresses
   share one turn, the wait doubling up to ``login_ceiling_max_delay``. ``clear`` forgets an
   account's failures (an operator unlocking a staff member).

Measures 3 and 4 never apply to an address where the account signed in, and 3 never to an address
that has not failed on it: during an attack the owner's password is checked at once from home, and
from a new address unless the ceiling is reached. A citizen's SMS code never passes here at all.
A refused attempt is 429 ``auth.login_throttled`` with ``Retry-After`` and checks nothing.

**Why "known" is an address, not a device** (checked in the review of issue 21). An address is known
to an account only by proof — a right password or SMS login from it, or (``backend.auth.sms``) an SMS
code of the phone used from it, never an address that merely asked for one — and it is counted as
``address_key`` counts it (IPv4; IPv6 by its /64): the one fact about a caller a stranger can't choose,
since TCP needs the answer to reach it and ``X-Forwarded-For`` is believed only from
``SUQIAN_TRUSTED_PROXIES``. Its weakness is sharing: behind the owner's carrier-grade NAT, office or
café a stranger is "known" too. What that buys them is bounded, because measures 1 and 2 still hold
there: 30 failures per 15 minutes across accounts, and on one account 5, then 30 s doubling to 15 min
(about 100 guesses a day, shared with the owner) — one address's worth on top of the ceiling's 100; for
SMS codes it skips the phone's spacing, not the 5 codes an hour per phone and address. A device-bound
secret (OWASP's device cookies) would not be shared, but needs every client to keep and send one and
does nothing for a first login from a device; the bound above makes it an option, not a fix this
threat needs.

Counting is atomic in the store: each attempt is counted (INCR) before its password is checked and
takes its turn with a SET NX, so a parallel burst from one address gets ``login_free_failures``
checks at most; a success gives its counts back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import msgspec

from backend.auth.errors import LoginThrottled
from backend.auth.settings import AuthSettings
from backend.ratelimit import RateLimit, RateLimiter, address_key
from backend.store import KeyValueStore


class Backoff(msgspec.Struct, frozen=True, kw_only=True):
    """Progressive delays: the first ``free`` - 1 attempts go straight through; attempt ``free`` and
    every later one makes the next wait, ``first`` seconds doubling up to ``cap``."""

    free: int
    first: int
    cap: int

    def delay(self, attempt: int) -> int | None:
        """Seconds the attempt after attempt number ``attempt`` must wait; None while free."""
        if attempt < self.free:
            return None
        # The exponent is bounded so that a huge count can't build a huge integer.
        return min(self.cap, self.first << min(attempt - self.free, 32))


async def take_turn(store: KeyValueStore, key: str, delay: int | None) -> int | None:
    """Claim the turn ``key`` for ``delay`` seconds: None when claimed (or no turn is needed), else the
    seconds until the current holder's turn ends (``Retry-After``). One SET NX decides."""
    if delay is None or await store.set_if_absent(key, b"1", ttl=delay):
        return None
    remaining = await store.ttl(key)
    return max(1, math.ceil(remaining)) if remaining is not None else 1


async def give_back(store: KeyValueStore, key: str) -> None:
    """Take one count back from ``key`` (an attempt that turned out not to count); no credit survives
    the end of its window."""
    if await store.incr(key, ttl=1, amount=-1) < 0:
        await store.delete(key)


def login_throttle(settings: AuthSettings) -> RateLimit:
    """Failed logins per client address, shared by citizen and staff logins."""
    return RateLimit(
        LoginThrottled,
        limit=settings.login_failures_per_address,
        window=settings.login_failures_window,
        by_address=True,
    )


@dataclass(frozen=True, slots=True)
class _Keys:
    """One hash tag per account: every key of an account lives in one Redis Cluster slot."""

    account: str
    address: str

    def _key(self, name: str) -> str:
        return f"auth:login:{{{self.account}}}:{name}"

    @property
    def failures(self) -> str:
        return self._key("failures")

    @property
    def turn(self) -> str:
        return self._key("turn")

    @property
    def ceiling_turn(self) -> str:
        return self._key("turn:ceiling")

    @property
    def address_failures(self) -> str:
        return self._key(f"failures:{self.address}")

    @property
    def address_turn(self) -> str:
        return self._key(f"turn:{self.address}")

    @property
    def known(self) -> str:
        return self._key(f"known:{self.address}")


@dataclass(frozen=True, slots=True)
class LoginAttempt:
    """An admitted attempt. The counts include it, as if it fails: what a failure's audit records."""

    account: str
    client: str
    failures: int
    address_failures: int
    # The account signed in from this address lately (measures 3 and 4 don't apply).
    known_address: bool
    # This attempt is the one that, failing, reaches ``login_account_ceiling``.
    reaches_ceiling: bool


class LoginThrottle:
    def __init__(self, *, store: KeyValueStore, limiter: RateLimiter, settings: AuthSettings) -> None:
        self._store = store
        self._limiter = limiter
        self._settings = settings
        self._per_address = login_throttle(settings)
        self._from_address = Backoff(
            free=settings.login_free_failures, first=settings.login_first_delay, cap=settings.login_max_delay
        )
        self._on_account = Backoff(
            free=settings.login_account_free_failures,
            first=settings.login_first_delay,
            cap=settings.login_account_max_delay,
        )
        self._past_ceiling = Backoff(
            free=settings.login_account_ceiling,
            first=settings.login_first_delay,
            cap=settings.login_ceiling_max_delay,
        )

    async def admit(self, account: str, client: str, *, slow_past_ceiling: bool = False) -> LoginAttempt:
        """Count an attempt on ``account`` from ``client`` before its credential is checked, or refuse
        it (``LoginThrottled``, nothing counted). Settle it with ``succeeded``; a failure needs nothing.
        ``slow_past_ceiling``: past the ceiling, new addresses wait their turn instead of being refused
        until the failures are forgotten (for accounts without an SMS login)."""
        await self._limiter.hit(self._per_address, client)
        keys = _Keys(account, address_key(client))
        try:
            return await self._admit(keys, client, slow_past_ceiling)
        except LoginThrottled:
            await self._limiter.refund(self._per_address, client)
            raise

    async def _admit(self, keys: _Keys, client: str, slow_past_ceiling: bool) -> LoginAttempt:
        memory = self._settings.login_failure_memory
        known = await self._store.get(keys.known) is not None
        address_failures = await self._store.incr(keys.address_failures, ttl=memory)
        address_delay = self._from_address.delay(address_failures)
        wait = await take_turn(self._store, keys.address_turn, address_delay)
        if wait is not None:
            await give_back(self._store, keys.address_failures)
            raise LoginThrottled(retry_after=wait)
        failures = await self._store.incr(keys.failures, ttl=memory)
        ceiling = self._settings.login_account_ceiling
        if not known:
            if failures > ceiling and slow_past_ceiling:
                wait = await take_turn(self._store, keys.ceiling_turn, self._past_ceiling.delay(failures))
            elif failures > ceiling:
                remaining = await self._store.ttl(keys.failures)
                wait = max(1, math.ceil(remaining)) if remaining is not None else 1
            elif address_failures > 1:
                wait = await take_turn(self._store, keys.turn, self._on_account.delay(failures))
            if wait is not None:
                await give_back(self._store, keys.failures)
                await give_back(self._store, keys.address_failures)
                if address_delay is not None:
                    # The address's turn went to an attempt that checked nothing: hand it back.
                    await self._store.delete(keys.address_turn)
                raise LoginThrottled(retry_after=wait)
        return LoginAttempt(
            account=keys.account,
            client=client,
            failures=failures,
            address_failures=address_failures,
            known_address=known,
            reaches_ceiling=failures == ceiling,
        )

    async def succeeded(self, attempt: LoginAttempt) -> None:
        """The attempt's credential was right: it was no failure, and its address is now known."""
        await self._limiter.refund(self._per_address, attempt.client)
        await give_back(self._store, _Keys(attempt.account, address_key(attempt.client)).failures)
        await self.signed_in(attempt.account, attempt.client)

    async def clear(self, account: str) -> None:
        """Forget ``account``'s failures and turns (measures 3 and 4): its owner tries from a new address
        at once. Each failing address keeps its own backoff (measure 2), so a guesser gains no tries."""
        keys = _Keys(account, "")
        await self._store.delete(keys.failures, keys.turn, keys.ceiling_turn)

    async def signed_in(self, account: str, client: str) -> None:
        """``account`` proved itself from ``client`` (a password, or a citizen's SMS code): that
        address's failures are forgotten, and it is known for ``login_known_address_ttl``."""
        keys = _Keys(account, address_key(client))
        await self._store.delete(keys.address_failures, keys.address_turn)
        await self._store.set(keys.known, b"1", ttl=self._settings.login_known_address_ttl)
