"""The transactional outbox on PostgreSQL and SQLite: enqueue joins the caller's transaction, several
workers deliver each job exactly once, a worker killed after the other side accepted loses and
duplicates nothing, failures back off and dead-letter after the budget, and a replay starts afresh."""

from __future__ import annotations

import asyncio
import random
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from piccolo.engine.base import Engine

from backend.audit.service import AuditLog
from backend.crypto import PersonalDataCipher
from backend.database import transaction
from backend.outbox.errors import JobNotDead, JobNotFound
from backend.outbox.jobs import ClaimedJob, GiveUp, Handler, RetryLater
from backend.outbox.repository import OutboxRepository
from backend.outbox.service import Outbox
from backend.outbox.settings import OutboxSettings
from backend.outbox.worker import OutboxWorker, backoff
from tests.backend.auth.clock import ManualClock
from tests.services import Services

SETTINGS = OutboxSettings(poll_interval=0.02, batch=10, lease_seconds=30, max_attempts=3, backoff_base=1.0)


class Department:
    """A remote system that keeps the first answer per idempotency key, as the cases twin does."""

    def __init__(self) -> None:
        self.cases: dict[str, str] = {}
        self.calls = 0

    def submit(self, key: str) -> str:
        self.calls += 1
        return self.cases.setdefault(key, f"CASE{len(self.cases) + 1:06d}")


# The tests' own data key: what the outbox seals, only its workers open.
CIPHER = PersonalDataCipher(data_key=secrets.token_bytes(32), index_key=secrets.token_bytes(32))


def _topic() -> str:
    return f"test.{secrets.token_hex(4)}"


def _outbox(engine: Engine[Any], services: Services, clock: ManualClock | None = None) -> Outbox:
    return Outbox(
        repository=OutboxRepository(engine),
        settings=SETTINGS,
        audit=services.wiring.get(AuditLog),
        clock=clock or ManualClock(datetime.now(UTC)),
        engine=engine,
        cipher=CIPHER,
    )


def _worker(engine: Engine[Any], topic: str, handler: Handler, clock: Any, name: str = "w") -> OutboxWorker:
    return OutboxWorker(
        name,
        repository=OutboxRepository(engine),
        handlers={topic: handler},
        settings=SETTINGS,
        clock=clock,
        cipher=CIPHER,
    )


async def test_enqueue_commits_and_rolls_back_with_the_callers_transaction(
    engine: Engine[Any], services: Services
) -> None:
    outbox, topic = _outbox(engine, services), _topic()

    class Abandoned(Exception):
        pass

    async def abandoned() -> None:
        async with transaction(engine):
            assert await outbox.enqueue(topic, key="rolled-back", payload={"n": 1})
            raise Abandoned

    with pytest.raises(Abandoned):
        await abandoned()
    assert await outbox.find(topic, "rolled-back") is None

    async with transaction(engine):
        assert await outbox.enqueue(topic, key="kept", payload={"n": 2})
    job = await outbox.find(topic, "kept")
    assert job is not None
    assert job.state == "pending"
    # Sealed at rest, bound to its topic and key; the worker hands the handler the payload as enqueued.
    assert '"n"' not in job.payload
    assert CIPHER.open(job.payload, column=f"outbox_job.payload:{topic}:kept") == '{"n":2}'
    seen: list[str] = []

    async def handle(claimed: ClaimedJob) -> None:
        seen.append(claimed.payload)

    assert await _worker(engine, topic, handle, ManualClock(datetime.now(UTC))).step() == 1
    assert seen == ['{"n":2}']
    # The same key again is the same job, not a second one.
    assert not await outbox.enqueue(topic, key="kept", payload={"n": 3})
    assert (await outbox.counts([topic])) == {"done": 1}


async def test_several_workers_deliver_each_job_exactly_once(engine: Engine[Any], services: Services) -> None:
    clock = ManualClock(datetime.now(UTC))
    outbox, topic, department = _outbox(engine, services, clock), _topic(), Department()
    handled: list[str] = []

    async def deliver(job: ClaimedJob) -> None:
        handled.append(job.key)
        department.submit(job.key)
        await asyncio.sleep(0)  # let the other workers in between claim and finish

    async with transaction(engine):
        for n in range(200):
            await outbox.enqueue(topic, key=f"job-{n}", payload="{}")
    workers = [_worker(engine, topic, deliver, clock, name=f"w{n}") for n in range(4)]
    tasks = [asyncio.create_task(w.run()) for w in workers]
    try:
        for _ in range(500):
            if (await outbox.counts([topic])).get("done") == 200:
                break
            await asyncio.sleep(0.02)
    finally:
        for w in workers:
            w.stop()
        await asyncio.gather(*tasks)
    assert await outbox.counts([topic]) == {"done": 200}
    assert sorted(handled) == sorted(f"job-{n}" for n in range(200))  # each once, none twice
    assert len(department.cases) == 200
    assert department.calls == 200


async def test_a_worker_killed_after_the_department_accepted_loses_and_duplicates_nothing(
    engine: Engine[Any], services: Services
) -> None:
    clock = ManualClock(datetime.now(UTC))
    outbox, topic, department = _outbox(engine, services, clock), _topic(), Department()
    accepted, never = asyncio.Event(), asyncio.Event()
    answers: list[str] = []

    async def deliver(job: ClaimedJob) -> None:
        answers.append(department.submit(job.key))
        if job.attempt == 1:
            accepted.set()
            await never.wait()  # the process dies here: the answer was never recorded

    async with transaction(engine):
        await outbox.enqueue(topic, key="application:1:submit", payload="{}")
    doomed = asyncio.create_task(_worker(engine, topic, deliver, clock).step())
    await asyncio.wait_for(accepted.wait(), 5)
    doomed.cancel()  # killed mid-try, holding the job's lease
    with pytest.raises(asyncio.CancelledError):
        await doomed
    job = await outbox.find(topic, "application:1:submit")
    assert job is not None
    assert job.state == "running"

    survivor = _worker(engine, topic, deliver, clock)
    assert await survivor.step() == 0  # the lease still holds: nobody else takes it yet
    clock.advance(SETTINGS.lease_seconds + 1)
    assert await survivor.step() == 1  # taken over once the lease ended, under the same key
    job = await outbox.find(topic, "application:1:submit")
    assert job is not None
    assert job.state == "done"
    assert job.attempts == 2
    assert department.calls == 2
    assert len(department.cases) == 1
    assert answers[0] == answers[1]  # the department answered the first case number again


async def test_failures_back_off_then_dead_letter_and_a_replay_gives_a_fresh_budget(
    engine: Engine[Any], services: Services
) -> None:
    clock = ManualClock(datetime.now(UTC))
    outbox, topic = _outbox(engine, services, clock), _topic()
    up = False
    tries = 0

    async def deliver(job: ClaimedJob) -> None:
        nonlocal tries
        tries += 1
        if not up:
            raise RetryLater("department down")

    async with transaction(engine):
        await outbox.enqueue(topic, key="k", payload="{}")
    worker = _worker(engine, topic, deliver, clock)
    assert await worker.step() == 1
    job = await outbox.find(topic, "k")
    assert job is not None
    assert job.state == "pending"
    assert job.last_error == "department down"
    assert job.due_at > clock.now()  # backed off: not due again at once
    assert await worker.step() == 0
    for _ in range(SETTINGS.max_attempts - 1):
        clock.advance(SETTINGS.backoff_cap)
        assert await worker.step() == 1
    job = await outbox.find(topic, "k")
    assert job is not None
    assert job.state == "dead"
    assert job.attempts == SETTINGS.max_attempts
    clock.advance(SETTINGS.backoff_cap)
    assert await worker.step() == 0  # the dead letter is left alone

    with pytest.raises(JobNotFound):
        await outbox.replay(uuid.uuid4(), actor="staff:test")
    up = True
    replayed = await outbox.replay(job.id, actor="staff:test")
    assert replayed.state == "pending"
    assert replayed.attempts == 0
    assert replayed.replays == 1
    with pytest.raises(JobNotDead):
        await outbox.replay(job.id, actor="staff:test")
    assert await worker.step() == 1
    done = await outbox.get(job.id)
    assert done.state == "done"
    assert done.key == "k"
    assert tries == SETTINGS.max_attempts + 1


async def test_a_permanent_refusal_dead_letters_at_once(engine: Engine[Any], services: Services) -> None:
    clock = ManualClock(datetime.now(UTC))
    outbox, topic = _outbox(engine, services, clock), _topic()

    async def deliver(job: ClaimedJob) -> None:
        raise GiveUp("unknown_item")

    async with transaction(engine):
        await outbox.enqueue(topic, key="k", payload="{}")
    assert await _worker(engine, topic, deliver, clock).step() == 1
    job = await outbox.find(topic, "k")
    assert job is not None
    assert job.state == "dead"
    assert job.attempts == 1
    assert job.last_error == "unknown_item"


async def test_a_job_that_kills_its_worker_every_time_is_dead_lettered_after_the_budget(
    engine: Engine[Any], services: Services
) -> None:
    clock = ManualClock(datetime.now(UTC))
    outbox, topic = _outbox(engine, services, clock), _topic()
    repository = OutboxRepository(engine)
    async with transaction(engine):
        await outbox.enqueue(topic, key="poison", payload="{}")
    lease = SETTINGS.lease_seconds
    for _ in range(SETTINGS.max_attempts):
        claimed = await repository.claim([topic], now=clock.now(), lease=timedelta(seconds=lease), limit=5)
        assert len(claimed) == 1  # and then its worker dies
        clock.advance(lease + 1)
    assert await repository.bury_expired([topic], now=clock.now()) == 1
    job = await outbox.find(topic, "poison")
    assert job is not None
    assert job.state == "dead"
    # A late answer from a worker whose lease is gone changes nothing.
    assert not await repository.finish(claimed[0], now=clock.now())


def test_backoff_grows_with_full_jitter_up_to_the_cap() -> None:
    rng = random.Random(7)
    settings = OutboxSettings(backoff_base=2.0, backoff_cap=600.0)
    for attempt, ceiling in ((1, 2.0), (2, 4.0), (5, 32.0), (30, 600.0)):
        delays = [backoff(attempt, settings, rng) for _ in range(200)]
        assert all(0.2 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling * 0.8  # spread over the whole range, not bunched


async def test_a_try_our_open_breaker_never_sent_is_given_back_not_spent(
    engine: Engine[Any], services: Services
) -> None:
    clock = ManualClock(datetime.now(UTC))
    outbox, topic = _outbox(engine, services, clock), _topic()
    async with transaction(engine):
        assert await outbox.enqueue(topic, key="breaker", payload={"n": 1}, max_attempts=2)

    async def breaker_open(job: ClaimedJob) -> None:
        raise RetryLater("cases unavailable: circuit open", after=0.0, counted=False)

    worker = _worker(engine, topic, breaker_open, clock)
    for _ in range(5):  # more tries than the budget: none of them reached the department
        assert await worker.step() == 1
    job = await outbox.find(topic, "breaker")
    assert job is not None
    assert job.state == "pending"
    assert job.attempts == 0

    async def down(job: ClaimedJob) -> None:
        raise RetryLater("cases unavailable: 503", after=0.0)

    worker = _worker(engine, topic, down, clock)
    assert await worker.step() == 1
    assert await worker.step() == 1
    job = await outbox.find(topic, "breaker")
    assert job is not None
    assert job.state == "dead"  # tries that reached it are counted: 2 of 2
