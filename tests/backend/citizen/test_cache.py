"""``GET /me`` from each worker's memory: answered only while the citizen's version in the store hasn't
moved, so a change made through one worker is what the next read through any other answers; every
write to a citizen moves it; a read racing a write never keeps what it read."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import httpx
import msgspec
import pytest
from argon2 import PasswordHasher

from backend.citizen.cache import CitizenCache, version_key, writers_key
from backend.citizen.errors import CitizenNotFound
from backend.citizen.records import Citizen
from backend.citizen.tables import Citizen as CitizenTable
from backend.datarights.service import DataRightsService
from backend.store import KeyValueStore, MemoryStore, StoreUnavailable
from miniprogram_api.app import create_app
from tests.backend.auth.clock import ManualClock
from tests.backend.citizen.factories import bearer, register, request_code, taken_with_a_former_number
from tests.conftest import http_client
from tests.services import Services


class _Reads:
    """The database's side of a cache under test: what a read answers, how often it was asked, and
    (``gate``) a read held in flight until the test lets it answer."""

    def __init__(self, citizen_id: uuid.UUID) -> None:
        now = datetime(2026, 12, 4, tzinfo=UTC)
        self.citizen = Citizen(
            id=citizen_id,
            name="宿**",
            id_number="3213**********0017",
            phone="138****0001",
            has_password=False,
            verified_at=now,
            created_at=now,
        )
        self.count = 0
        self.gate: asyncio.Event | None = None
        self.started = asyncio.Event()

    def change(self) -> None:
        self.citizen = msgspec.structs.replace(self.citizen, has_password=not self.citizen.has_password)

    async def __call__(self, citizen_id: uuid.UUID) -> Citizen:
        self.count += 1
        answer = self.citizen  # the row as the query saw it
        self.started.set()
        if self.gate is not None:
            await self.gate.wait()
        return answer


@pytest.fixture(params=["redis", "memory"])
def store(request: pytest.FixtureRequest, services: Services) -> KeyValueStore:
    """Production's store (the session's Redis) and the embedded default's."""
    return services.store if request.param == "redis" else MemoryStore()


def _workers(store: KeyValueStore, services: Services) -> tuple[CitizenCache, CitizenCache]:
    return CitizenCache(store, services.clock), CitizenCache(store, services.clock)


async def test_a_second_read_is_answered_from_memory(store: KeyValueStore, services: Services) -> None:
    cache, _ = _workers(store, services)
    reads = _Reads(uuid.uuid4())
    first = await cache.get(reads.citizen.id, reads)
    assert await cache.get(reads.citizen.id, reads) == first
    assert reads.count == 1


async def test_a_change_through_one_worker_is_read_through_the_other_at_once(
    store: KeyValueStore, services: Services
) -> None:
    one, other = _workers(store, services)
    reads = _Reads(uuid.uuid4())
    await other.get(reads.citizen.id, reads)
    async with one.changing(reads.citizen.id):
        reads.change()
    assert (await other.get(reads.citizen.id, reads)).has_password is True
    assert reads.count == 2


async def test_a_read_in_flight_while_the_citizen_changes_is_not_kept(
    store: KeyValueStore, services: Services
) -> None:
    one, other = _workers(store, services)
    reads = _Reads(uuid.uuid4())
    reads.gate = asyncio.Event()
    in_flight = asyncio.create_task(other.get(reads.citizen.id, reads))
    await reads.started.wait()  # it has its version and its row
    async with one.changing(reads.citizen.id):
        reads.change()
    reads.gate.set()
    assert (await in_flight).has_password is False  # what it read, answered once
    reads.gate = None
    assert (await other.get(reads.citizen.id, reads)).has_password is True
    assert reads.count == 2


async def test_nothing_is_cached_while_a_write_is_under_way(store: KeyValueStore, services: Services) -> None:
    one, other = _workers(store, services)
    reads = _Reads(uuid.uuid4())
    async with one.changing(reads.citizen.id):
        await other.get(reads.citizen.id, reads)  # the old row: the write hasn't committed
        await other.get(reads.citizen.id, reads)  # not kept: read again
        assert reads.count == 2
        reads.change()
    assert (await other.get(reads.citizen.id, reads)).has_password is True
    await other.get(reads.citizen.id, reads)
    assert reads.count == 3


async def test_two_overlapping_writes_keep_the_citizen_uncached_until_both_are_done(
    store: KeyValueStore, services: Services
) -> None:
    one, two, other = *_workers(store, services), CitizenCache(store, services.clock)
    reads = _Reads(uuid.uuid4())
    second_in, second_may_finish = asyncio.Event(), asyncio.Event()

    async def second_write() -> None:
        async with two.changing(reads.citizen.id):
            second_in.set()
            await second_may_finish.wait()
            reads.change()

    async with one.changing(reads.citizen.id):
        second = asyncio.create_task(second_write())
        await second_in.wait()
    # The first write is done, the second is not: nothing read now may be kept.
    await other.get(reads.citizen.id, reads)
    await other.get(reads.citizen.id, reads)
    assert reads.count == 2
    second_may_finish.set()
    await second
    assert (await other.get(reads.citizen.id, reads)).has_password is True
    await other.get(reads.citizen.id, reads)
    assert reads.count == 3
    assert await store.get(writers_key(reads.citizen.id)) == b"0"


async def test_a_write_that_fails_still_moves_the_version(store: KeyValueStore, services: Services) -> None:
    one, other = _workers(store, services)
    reads = _Reads(uuid.uuid4())
    await other.get(reads.citizen.id, reads)
    before = await store.get(version_key(reads.citizen.id))
    with pytest.raises(RuntimeError):
        async with one.changing(reads.citizen.id):
            raise RuntimeError("the transaction failed after the write")
    assert await store.get(version_key(reads.citizen.id)) not in (before, None)
    await other.get(reads.citizen.id, reads)
    await other.get(reads.citizen.id, reads)  # cached again under the fresh version
    assert reads.count == 2


async def test_a_lost_version_is_never_taken_for_the_old_one(
    store: KeyValueStore, services: Services
) -> None:
    cache, _ = _workers(store, services)
    reads = _Reads(uuid.uuid4())
    await cache.get(reads.citizen.id, reads)
    await store.delete(version_key(reads.citizen.id))  # expired, evicted, or Redis restarted empty
    await cache.get(reads.citizen.id, reads)
    await cache.get(reads.citizen.id, reads)
    assert reads.count == 2


class _BrokenStore(MemoryStore):
    async def get(self, key: str) -> bytes | None:
        raise StoreUnavailable()

    async def get_many(self, keys: list[str]) -> list[bytes | None]:
        raise StoreUnavailable()

    async def incr(self, key: str, *, ttl: float, amount: int = 1, refresh: bool = False) -> int:
        raise StoreUnavailable()

    async def set(self, key: str, value: bytes, *, ttl: float | None = None) -> None:
        raise StoreUnavailable()


async def test_without_the_store_every_read_goes_to_the_database(services: Services) -> None:
    cache = CitizenCache(_BrokenStore(), services.clock)
    reads = _Reads(uuid.uuid4())
    await cache.get(reads.citizen.id, reads)
    await cache.get(reads.citizen.id, reads)
    assert reads.count == 2
    assert len(cache) == 0


class _Switchable(MemoryStore):
    down = False

    async def get_many(self, keys: list[str]) -> list[bytes | None]:
        if self.down:
            raise StoreUnavailable()
        return await super().get_many(keys)


async def test_a_worker_that_loses_the_store_forgets_what_it_cached(services: Services) -> None:
    # The store may come back rolled back (a failover to a replica behind): an entry kept across the
    # outage could match an old version again.
    store = _Switchable()
    cache = CitizenCache(store, services.clock)
    reads = _Reads(uuid.uuid4())
    await cache.get(reads.citizen.id, reads)
    store.down = True
    await cache.get(reads.citizen.id, reads)
    assert len(cache) == 0
    store.down = False
    await cache.get(reads.citizen.id, reads)
    assert reads.count == 3


async def test_without_the_store_a_write_is_refused_before_it_runs(services: Services) -> None:
    cache = CitizenCache(_BrokenStore(), services.clock)
    wrote = False
    with pytest.raises(StoreUnavailable):
        async with cache.changing(uuid.uuid4()):
            wrote = True
    assert not wrote


class _StoreThatGoes(MemoryStore):
    """A store that stops answering writes once ``gone`` is set."""

    gone = False

    async def set(self, key: str, value: bytes, *, ttl: float | None = None) -> None:
        if self.gone:
            raise StoreUnavailable()
        await super().set(key, value, ttl=ttl)


async def test_a_write_the_store_failed_midway_leaves_the_citizen_uncached(services: Services) -> None:
    store = _StoreThatGoes()
    one, other = _workers(store, services)
    reads = _Reads(uuid.uuid4())

    async def write() -> None:
        async with one.changing(reads.citizen.id):
            await other.get(reads.citizen.id, reads)  # the old row, while the write is under way
            reads.change()
            store.gone = True  # the store is lost before the version could move after the commit

    await write()  # the write stands: the lost store is logged, not answered
    assert (await other.get(reads.citizen.id, reads)).has_password is True
    await other.get(reads.citizen.id, reads)  # its count is still up: not kept
    assert reads.count == 3


async def test_memory_is_bounded_in_entries_and_in_time(services: Services) -> None:
    clock = ManualClock(datetime(2026, 12, 4, tzinfo=UTC))
    cache = CitizenCache(MemoryStore(), clock, max_entries=2, ttl=300)
    first, second, third = _Reads(uuid.uuid4()), _Reads(uuid.uuid4()), _Reads(uuid.uuid4())
    for reads in (first, second, third):
        await cache.get(reads.citizen.id, reads)
    assert len(cache) == 2
    await cache.get(first.citizen.id, first)  # the oldest went first
    assert first.count == 2
    clock.advance(300)
    await cache.get(third.citizen.id, third)
    assert third.count == 2


async def test_an_expired_entry_leaves_memory_when_others_come(services: Services) -> None:
    # A closed account's masked record doesn't stay in an idle worker's memory past the ttl.
    clock = ManualClock(datetime(2026, 12, 4, tzinfo=UTC))
    cache = CitizenCache(MemoryStore(), clock, ttl=60)
    closed, later = _Reads(uuid.uuid4()), _Reads(uuid.uuid4())
    await cache.get(closed.citizen.id, closed)
    clock.advance(61)
    await cache.get(later.citizen.id, later)
    assert len(cache) == 1


# Every write that changes a citizen moves their version, through the app's own services.


async def _other_worker(services: Services) -> Services:
    """Another process's services over the same database and store, with a cache of its own."""
    return services.rewired()


async def test_setting_a_password_is_seen_by_every_worker(web: httpx.AsyncClient, services: Services) -> None:
    registered = await register(web, password=None)
    citizen_id = uuid.UUID(registered["citizen"]["id"])
    other = await _other_worker(services)
    assert (await other.citizens.get(citizen_id)).has_password is False
    await services.citizens.set_password_hash(citizen_id, PasswordHasher().hash("a new passphrase"))
    assert (await other.citizens.get(citizen_id)).has_password is True


async def test_me_through_another_app_answers_a_change_made_through_this_one(
    web: httpx.AsyncClient, services: Services
) -> None:
    registered = await register(web, password=None)
    citizen_id = uuid.UUID(registered["citizen"]["id"])
    headers = bearer(registered["tokens"]["access_token"])
    other = await _other_worker(services)
    await other.tokens.keys.ensure_loaded()
    async with http_client(create_app(services.settings, wiring=other.wiring)) as second:
        assert (await second.get("/api/v1/me", headers=headers)).json()["has_password"] is False
        await services.citizens.set_password_hash(citizen_id, PasswordHasher().hash("a new passphrase"))
        assert (await second.get("/api/v1/me", headers=headers)).json()["has_password"] is True


async def test_a_password_rehashed_at_login_moves_the_version(
    web: httpx.AsyncClient, services: Services
) -> None:
    registered = await register(web)
    citizen_id = registered["citizen"]["id"]
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(registered["_password"])
    await CitizenTable.update({CitizenTable.password_hash: weak}).where(CitizenTable.id == citizen_id)
    before = await services.store.get(version_key(uuid.UUID(citizen_id)))
    login = await web.post(
        "/api/v1/auth/token",
        json={
            "grant_type": "password",
            "phone": registered["_person"]["phone"],
            "password": registered["_password"],
        },
    )
    assert login.status_code == 200, login.text
    assert await services.store.get(version_key(uuid.UUID(citizen_id))) not in (before, None)


async def test_freezing_a_reclaimed_account_moves_its_version(
    web: httpx.AsyncClient, services: Services
) -> None:
    taken, owner = await taken_with_a_former_number(web)
    frozen = uuid.UUID(taken["citizen"]["id"])
    await services.citizens.get(frozen)
    before = await services.store.get(version_key(frozen))
    code = await request_code(web, owner["phone"], "register")
    reclaimed = await web.post(
        "/api/v1/auth/reclaim",
        json={
            "phone": owner["phone"],
            "name": owner["name"],
            "id_number": owner["id_number"],
            "sms_code": code,
        },
    )
    assert reclaimed.status_code == 201, reclaimed.text
    assert await services.store.get(version_key(frozen)) not in (before, None)


async def test_a_closed_account_is_gone_from_every_worker(web: httpx.AsyncClient, services: Services) -> None:
    registered = await register(web)
    citizen_id = uuid.UUID(registered["citizen"]["id"])
    other = await _other_worker(services)
    await other.citizens.get(citizen_id)
    before = await services.store.get(version_key(citizen_id))
    closing = await web.post(
        "/api/v1/data-rights/closure", headers=bearer(registered["tokens"]["access_token"])
    )
    assert closing.status_code == 202, closing.text
    asked = await services.store.get(version_key(citizen_id))
    assert asked not in (before, None)
    await services.wiring.get(DataRightsService).finish_closure(citizen_id)
    assert await services.store.get(version_key(citizen_id)) != asked
    with pytest.raises(CitizenNotFound):
        await other.citizens.get(citizen_id)


async def test_me_answers_what_the_cache_holds(web: httpx.AsyncClient) -> None:
    registered = await register(web)
    headers = bearer(registered["tokens"]["access_token"])
    first = await web.get("/api/v1/me", headers=headers)
    # Changed behind the services' back (no version moved): /me still answers what it cached.
    await CitizenTable.update({CitizenTable.password_hash: None}).where(
        CitizenTable.id == registered["citizen"]["id"]
    )
    second = await web.get("/api/v1/me", headers=headers)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json() == registered["citizen"]
    assert second.json()["has_password"] is True
