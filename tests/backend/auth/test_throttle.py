"""The login throttle on a clock the tests move: delays that grow per (account, address), one turn for
the addresses failing on an account, a ceiling that spares known addresses, and nothing a stranger can
turn into a lock on the owner."""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime

import msgspec
import pytest

from backend.auth.errors import LoginThrottled
from backend.auth.settings import AuthSettings
from backend.auth.throttle import Backoff, LoginAttempt, LoginThrottle
from backend.ratelimit import RateLimiter
from backend.store import MemoryStore
from tests.backend.auth.clock import ManualClock

DEFAULTS = AuthSettings()


def _throttle(clock: ManualClock, **settings: int) -> LoginThrottle:
    store = MemoryStore(prefix="throttle-test:", monotonic=clock.monotonic)
    return LoginThrottle(
        store=store, limiter=RateLimiter(store), settings=msgspec.structs.replace(DEFAULTS, **settings)
    )


def _address() -> str:
    return f"198.51.{secrets.randbelow(256)}.{secrets.randbelow(256)}"


async def _refused(throttle: LoginThrottle, account: str, client: str) -> int:
    """The Retry-After of a refused attempt (fails the test if it was admitted)."""
    with pytest.raises(LoginThrottled) as caught:
        await throttle.admit(account, client)
    assert caught.value.retry_after is not None
    return caught.value.retry_after


def test_backoff_is_free_then_doubles_up_to_its_cap() -> None:
    backoff = Backoff(free=5, first=30, cap=900)
    assert [backoff.delay(n) for n in range(1, 12)] == [None] * 4 + [30, 60, 120, 240, 480, 900, 900]
    assert backoff.delay(10**9) == 900


async def test_failures_from_one_address_wait_longer_each_time_up_to_the_cap() -> None:
    clock = ManualClock(datetime.now(UTC))
    throttle = _throttle(clock)
    account, client = "citizen:a", _address()
    for _ in range(DEFAULTS.login_free_failures):
        await throttle.admit(account, client)  # each fails: nothing settles it
    waits = []
    for _ in range(7):
        wait = await _refused(throttle, account, client)
        waits.append(wait)
        clock.advance(wait)
        await throttle.admit(account, client)
    assert waits == [30, 60, 120, 240, 480, 900, 900]


async def test_a_success_forgets_its_addresses_failures() -> None:
    clock = ManualClock(datetime.now(UTC))
    throttle = _throttle(clock)
    account, client = "staff:b", _address()
    for _ in range(DEFAULTS.login_free_failures - 1):
        await throttle.admit(account, client)
    await throttle.succeeded(await throttle.admit(account, client))
    for _ in range(DEFAULTS.login_free_failures):
        await throttle.admit(account, client)
    assert await _refused(throttle, account, client) == DEFAULTS.login_first_delay


async def test_an_attempt_whose_check_never_finished_counts_and_its_wait_still_ends() -> None:
    # A worker that died between admitting an attempt and settling it: the attempt counts as failed,
    # and the wait it started ends on its own (store expiry): nothing is left refused for good.
    clock = ManualClock(datetime.now(UTC))
    throttle = _throttle(clock)
    account, client = "citizen:c", _address()
    for _ in range(DEFAULTS.login_free_failures):
        await throttle.admit(account, client)
    clock.advance(await _refused(throttle, account, client))
    await throttle.succeeded(await throttle.admit(account, client))
    await throttle.admit(account, client)


async def test_a_burst_from_one_address_gets_no_more_checks_than_its_free_failures() -> None:
    clock = ManualClock(datetime.now(UTC))
    throttle = _throttle(clock)
    account, client = "citizen:d", _address()
    results = await asyncio.gather(
        *(throttle.admit(account, client) for _ in range(20)), return_exceptions=True
    )
    admitted = [r for r in results if isinstance(r, LoginAttempt)]
    assert len(admitted) == DEFAULTS.login_free_failures
    assert all(isinstance(r, LoginThrottled) for r in results if not isinstance(r, LoginAttempt))


async def test_a_stranger_failing_from_many_addresses_never_holds_back_a_clean_one() -> None:
    clock = ManualClock(datetime.now(UTC))
    throttle = _throttle(clock)
    account = "citizen:e"
    strangers = [_address() for _ in range(DEFAULTS.login_account_free_failures)]
    for stranger in strangers:
        await throttle.admit(account, stranger)
    # Past login_account_free_failures the addresses that failed share one turn ...
    await throttle.admit(account, strangers[0])
    assert 1 <= await _refused(throttle, account, strangers[1]) <= 2 * DEFAULTS.login_first_delay
    # ... and an address that never failed on the account is checked at once: the owner's new one.
    owner = await throttle.admit(account, _address())
    await throttle.succeeded(owner)


async def test_the_shared_turn_of_failing_addresses_waits_no_more_than_a_few_minutes() -> None:
    clock = ManualClock(datetime.now(UTC))
    throttle = _throttle(clock, login_account_ceiling=1000, login_free_failures=1000)
    account = "staff:f"
    strangers = [_address() for _ in range(4)]
    for stranger in strangers:
        await throttle.admit(account, stranger)
    longest = 0
    for n in range(200):
        try:
            await throttle.admit(account, strangers[n % len(strangers)])
        except LoginThrottled as refused:
            wait = refused.retry_after or 0
            longest = max(longest, wait)
            clock.advance(wait)
    assert longest == DEFAULTS.login_account_max_delay


async def test_past_the_ceiling_only_an_address_where_the_account_signed_in_may_try() -> None:
    clock = ManualClock(datetime.now(UTC))
    throttle = _throttle(clock, login_account_ceiling=5, login_account_free_failures=100)
    account, home = "citizen:g", _address()
    await throttle.succeeded(await throttle.admit(account, home))
    attempts = [await throttle.admit(account, _address()) for _ in range(5)]
    assert [a.reaches_ceiling for a in attempts] == [False] * 4 + [True]
    wait = await _refused(throttle, account, _address())
    assert wait <= DEFAULTS.login_failure_memory
    assert (await throttle.admit(account, home)).known_address
    # The ceiling holds until the failures are forgotten.
    clock.advance(wait)
    await throttle.admit(account, _address())


async def test_past_the_ceiling_an_account_without_sms_slows_new_addresses_instead_of_refusing() -> None:
    # Issue 21 review, finding 2: staff have no SMS login, so a hard stop for new addresses let a
    # stranger keep a staff member out for a day. Slowed instead: one shared turn, doubling to an hour.
    clock = ManualClock(datetime.now(UTC))
    throttle = _throttle(clock, login_account_ceiling=5, login_account_free_failures=100)
    account = "staff:slow"
    for _ in range(5):
        await throttle.admit(account, _address(), slow_past_ceiling=True)
    waits = []
    for _ in range(10):
        await throttle.admit(account, _address(), slow_past_ceiling=True)  # the turn is free: a try
        with pytest.raises(LoginThrottled) as refused:
            await throttle.admit(account, _address(), slow_past_ceiling=True)
        wait = refused.value.retry_after or 0
        waits.append(wait)
        clock.advance(wait)
    assert waits[:3] == [2 * DEFAULTS.login_first_delay, 4 * DEFAULTS.login_first_delay, 240]
    assert max(waits) == DEFAULTS.login_ceiling_max_delay
    assert waits == sorted(waits)


async def test_clearing_an_account_lets_its_owner_in_from_a_new_address_at_once() -> None:
    clock = ManualClock(datetime.now(UTC))
    throttle = _throttle(
        clock, login_account_ceiling=5, login_account_free_failures=100, login_free_failures=2
    )
    account, stranger = "staff:cleared", _address()
    for _ in range(2):
        await throttle.admit(account, stranger)
    for _ in range(3):
        await throttle.admit(account, _address())
    await _refused(throttle, account, _address())
    await throttle.clear(account)
    owner = await throttle.admit(account, _address())
    assert owner.failures == 1
    # The stranger's own address keeps its backoff: clearing the account gives it no new tries.
    assert await _refused(throttle, account, stranger) > 0
