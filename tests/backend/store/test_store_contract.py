"""One contract, two stores: Redis (production) and the in-process store (embedded default)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from backend.store import KeyValueStore, MemoryStore, RedisStore, SetIfAbsent, StoreUnavailable
from tests.conftest import REDIS_URL


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["redis", "memory"])
async def store(request: pytest.FixtureRequest, redis_prefix: str) -> AsyncIterator[KeyValueStore]:
    if request.param == "redis":
        redis_store = RedisStore(REDIS_URL, prefix=redis_prefix + f"contract:{id(request)}:")
        yield redis_store
        await redis_store.close()
    else:
        yield MemoryStore(prefix="contract:")


async def test_get_returns_none_for_an_absent_key(store: KeyValueStore) -> None:
    assert await store.get("absent") is None


async def test_set_then_get_returns_the_value(store: KeyValueStore) -> None:
    await store.set("k", b"v")
    assert await store.get("k") == b"v"
    assert await store.ttl("k") is None


async def test_get_many_keeps_order_and_gaps(store: KeyValueStore) -> None:
    await store.set("a", b"1")
    await store.set("c", b"3")
    assert await store.get_many(["a", "b", "c"]) == [b"1", None, b"3"]


async def test_set_if_absent_stores_only_once(store: KeyValueStore) -> None:
    assert await store.set_if_absent("once", b"first", ttl=60) is True
    assert await store.set_if_absent("once", b"second", ttl=60) is False
    assert await store.get("once") == b"first"


async def test_set_if_absent_has_exactly_one_winner_under_concurrency(store: KeyValueStore) -> None:
    results = await asyncio.gather(*(store.set_if_absent("race", str(i).encode(), ttl=60) for i in range(50)))
    assert results.count(True) == 1


async def test_set_if_absent_many_stores_only_absent_keys_and_reads_in_the_same_call(
    store: KeyValueStore,
) -> None:
    await store.set("taken", b"old")
    await store.set("deny", b"1")
    stored, values = await store.set_if_absent_many(
        [SetIfAbsent("taken", b"new", 60), SetIfAbsent("fresh", b"new", 60)], get=["deny", "nothing"]
    )
    assert stored == [False, True]
    assert values == [b"1", None]
    assert await store.get_many(["taken", "fresh"]) == [b"old", b"new"]
    remaining = await store.ttl("fresh")
    assert remaining is not None
    assert 0 < remaining <= 60


async def test_set_if_absent_many_reads_values_as_they_were_before_its_writes(store: KeyValueStore) -> None:
    stored, values = await store.set_if_absent_many([SetIfAbsent("k", b"v", 60)], get=["k"])
    assert (stored, values) == ([True], [None])


async def test_set_if_absent_many_without_reads_or_writes_answers_empty(store: KeyValueStore) -> None:
    assert await store.set_if_absent_many([SetIfAbsent("only", b"v", 60)]) == ([True], [])
    assert await store.set_if_absent_many([], get=["only"]) == ([], [b"v"])
    assert await store.set_if_absent_many([]) == ([], [])


async def test_set_if_absent_many_has_exactly_one_winner_per_key_under_concurrency(
    store: KeyValueStore,
) -> None:
    results = await asyncio.gather(
        *(store.set_if_absent_many([SetIfAbsent("race-many", str(i).encode(), 60)]) for i in range(50))
    )
    assert [stored for (stored,), _ in results].count(True) == 1


async def test_incr_counts_and_starts_the_expiry_on_creation(store: KeyValueStore) -> None:
    assert await store.incr("n", ttl=60) == 1
    assert await store.incr("n", ttl=600, amount=4) == 5
    remaining = await store.ttl("n")
    # The second call must not have extended the window set by the first.
    assert remaining is not None
    assert 0 < remaining <= 60


async def test_incr_with_refresh_restarts_the_expiry_at_every_call(store: KeyValueStore) -> None:
    assert await store.incr("busy", ttl=5, refresh=True) == 1
    assert await store.incr("busy", ttl=600, amount=-1, refresh=True) == 0
    remaining = await store.ttl("busy")
    assert remaining is not None
    assert 5 < remaining <= 600


async def test_concurrent_incr_loses_no_update(store: KeyValueStore) -> None:
    await asyncio.gather(*(store.incr("many", ttl=60) for _ in range(100)))
    assert await store.get("many") == b"100"


async def test_delete_reports_how_many_keys_it_removed(store: KeyValueStore) -> None:
    await store.set("d1", b"x")
    await store.set("d2", b"x")
    assert await store.delete("d1", "d2", "d3") == 2
    assert await store.get("d1") is None


async def test_ttl_is_set_with_the_value(store: KeyValueStore) -> None:
    await store.set("t", b"x", ttl=30)
    remaining = await store.ttl("t")
    assert remaining is not None
    assert 0 < remaining <= 30


async def test_memory_store_forgets_expired_keys() -> None:
    clock = FakeMonotonic()
    store = MemoryStore(monotonic=clock)
    await store.set("short", b"x", ttl=5)
    await store.incr("window", ttl=5)
    assert await store.set_if_absent("nonce", b"x", ttl=5) is True
    assert await store.set_if_absent_many([SetIfAbsent("frame", b"x", 5)]) == ([True], [])
    clock.now += 5.001
    assert await store.get("short") is None
    assert await store.incr("window", ttl=5) == 1
    assert await store.set_if_absent("nonce", b"x", ttl=5) is True
    assert await store.set_if_absent_many([SetIfAbsent("frame", b"x", 5)]) == ([True], [])


async def test_redis_store_forgets_expired_keys(redis_prefix: str) -> None:
    store = RedisStore(REDIS_URL, prefix=redis_prefix + "expiry:")
    try:
        await store.set("short", b"x", ttl=0.05)
        for _ in range(200):
            if await store.get("short") is None:
                break
            await asyncio.sleep(0.01)
        assert await store.get("short") is None
    finally:
        await store.close()


async def test_unreachable_redis_raises_store_unavailable() -> None:
    # Port 1 on loopback: nothing listens, the connection is refused at once.
    store = RedisStore("redis://127.0.0.1:1/0", socket_timeout=0.5)
    try:
        with pytest.raises(StoreUnavailable) as caught:
            await store.get("k")
        assert caught.value.code == "store.unavailable"
        with pytest.raises(StoreUnavailable):
            await store.set_if_absent("k", b"v", ttl=1)
        with pytest.raises(StoreUnavailable):
            await store.incr("k", ttl=1)
        with pytest.raises(StoreUnavailable):
            await store.set_if_absent_many([SetIfAbsent("k", b"v", 1)], get=["d"])
    finally:
        await store.close()
