"""Bind tickets are opaque, single-use, short-lived and burnt after too many failed proofs."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator

import pytest

from backend.account_link.identity import PlatformIdentity
from backend.account_link.tickets import MAX_ATTEMPTS, TICKET_TTL_SECONDS, BindTickets
from backend.store import KeyValueStore, MemoryStore, RedisStore
from tests.conftest import REDIS_URL


@pytest.fixture(params=["redis", "memory"])
async def store(request: pytest.FixtureRequest, redis_prefix: str) -> AsyncIterator[KeyValueStore]:
    if request.param == "redis":
        redis_store = RedisStore(REDIS_URL, prefix=f"{redis_prefix}tickets:{secrets.token_hex(4)}:")
        yield redis_store
        await redis_store.close()
    else:
        yield MemoryStore(prefix="tickets:")


def _identity() -> PlatformIdentity:
    return PlatformIdentity(
        platform="wechat", app_id="wx-app", subject=f"o{secrets.token_hex(8)}", unionid="u1"
    )


async def test_a_ticket_names_its_identity_until_redeemed(store: KeyValueStore) -> None:
    tickets, identity = BindTickets(store), _identity()
    ticket = await tickets.issue(identity)
    assert await tickets.find(ticket) == identity
    assert await tickets.redeem(ticket) is True
    assert await tickets.find(ticket) is None
    assert await tickets.redeem(ticket) is False


async def test_a_ticket_is_opaque_and_stored_only_under_its_hash(store: KeyValueStore) -> None:
    identity = _identity()
    ticket = await BindTickets(store).issue(identity)
    assert identity.subject not in ticket
    assert len(ticket) >= 43  # 256 bits, base64url
    assert await store.get(f"mp:bind:{ticket}") is None


async def test_a_ticket_expires_after_ten_minutes() -> None:
    now = [1000.0]
    tickets = BindTickets(MemoryStore(monotonic=lambda: now[0]))
    ticket = await tickets.issue(_identity())
    now[0] += TICKET_TTL_SECONDS - 1
    assert await tickets.find(ticket) is not None
    now[0] += 1
    assert await tickets.find(ticket) is None
    assert TICKET_TTL_SECONDS == 600


async def test_racing_redemptions_succeed_exactly_once(store: KeyValueStore) -> None:
    tickets = BindTickets(store)
    ticket = await tickets.issue(_identity())
    results = await asyncio.gather(*(tickets.redeem(ticket) for _ in range(8)))
    assert sorted(results) == [False] * 7 + [True]


async def test_a_ticket_allows_max_attempts_and_no_more(store: KeyValueStore) -> None:
    tickets = BindTickets(store)
    ticket = await tickets.issue(_identity())
    allowed = [await tickets.charge(ticket) for _ in range(MAX_ATTEMPTS + 2)]
    assert allowed == [True] * MAX_ATTEMPTS + [False, False]


async def test_racing_attempts_admit_exactly_max_attempts(store: KeyValueStore) -> None:
    tickets = BindTickets(store)
    ticket = await tickets.issue(_identity())
    allowed = await asyncio.gather(*(tickets.charge(ticket) for _ in range(20)))
    assert sorted(allowed) == [False] * (20 - MAX_ATTEMPTS) + [True] * MAX_ATTEMPTS
