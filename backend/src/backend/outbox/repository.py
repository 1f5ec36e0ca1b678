"""The outbox's queries: raw SQL through the engine, the same statements on PostgreSQL and SQLite
but for the row locks (``FOR UPDATE SKIP LOCKED``: SQLite has one writer, whose IMMEDIATE
transaction already serialises claims). ``noqa: S608``: what is interpolated is our own column list,
``{}`` placeholders and a lock clause; every value is a bound parameter.

Every statement goes through ``engine.run_querystring``, which joins the caller's open transaction:
that is what makes ``enqueue`` transactional with the state change that owes the job.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from piccolo.querystring import QueryString

from backend.clock import as_utc
from backend.database import Repository, transaction
from backend.outbox.jobs import ClaimedJob, JobRecord, JobState

_COLUMNS = (
    "id, topic, key, payload, state, attempts, max_attempts, replays, due_at, last_error, "
    "created_at, updated_at, finished_at"
)


def _time(value: Any) -> datetime:
    return as_utc(datetime.fromisoformat(value) if isinstance(value, str) else value)


def _time_or_none(value: Any) -> datetime | None:
    return None if value is None else _time(value)


def _uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _record(row: Any) -> JobRecord:
    return JobRecord(
        id=_uuid(row["id"]),
        topic=row["topic"],
        key=row["key"],
        payload=row["payload"],
        state=row["state"],
        attempts=row["attempts"],
        max_attempts=row["max_attempts"],
        replays=row["replays"],
        due_at=_time(row["due_at"]),
        last_error=row["last_error"],
        created_at=_time(row["created_at"]),
        updated_at=_time(row["updated_at"]),
        finished_at=_time_or_none(row["finished_at"]),
    )


def _in(values: Sequence[str]) -> str:
    return ", ".join("{}" for _ in values)


class OutboxRepository(Repository):
    @property
    def _postgres(self) -> bool:
        return self._engine.engine_type == "postgres"

    async def _run(self, sql: str, *args: Any) -> list[Any]:
        rows = await self._engine.run_querystring(QueryString(sql, *args))
        return list(rows or [])

    async def insert(
        self,
        *,
        topic: str,
        key: str,
        payload: str,
        max_attempts: int,
        now: datetime,
        due_at: datetime,
        trace: str | None = None,
    ) -> bool:
        """Insert a pending job; False when ``(topic, key)`` is already there (an enqueue repeated)."""
        rows = await self._run(
            "INSERT INTO outbox_job (id, topic, key, payload, state, attempts, max_attempts, replays, "
            "due_at, lease, last_error, created_at, updated_at, finished_at, trace) "
            "VALUES ({}, {}, {}, {}, 'pending', 0, {}, 0, {}, NULL, '', {}, {}, NULL, {}) "
            "ON CONFLICT (topic, key) DO NOTHING RETURNING id",
            uuid.uuid4(),
            topic,
            key,
            payload,
            max_attempts,
            due_at,
            now,
            now,
            trace,
        )
        return bool(rows)

    async def bury_expired(self, topics: Sequence[str], *, now: datetime) -> int:
        """Dead-letter running jobs whose lease ended after their last try: their worker died (or
        hung) on every try, and taking them again would go past the budget."""
        rows = await self._run(
            "UPDATE outbox_job SET state = 'dead', lease = NULL, updated_at = {}, "  # noqa: S608
            "last_error = 'the worker did not finish the last try within its lease' "
            "WHERE state = 'running' AND due_at <= {} AND attempts >= max_attempts "
            f"AND topic IN ({_in(topics)}) "
            "RETURNING id",
            now,
            now,
            *topics,
        )
        return len(rows)

    async def claim(
        self, topics: Sequence[str], *, now: datetime, lease: timedelta, limit: int
    ) -> list[ClaimedJob]:
        """Take up to ``limit`` due jobs of ``topics``: pending ones whose time came, and running ones
        whose lease ended (their worker died). Each try counts against the budget when it starts, so
        a job that kills its worker every time is still dead-lettered."""
        token = str(uuid.uuid4())
        lock = " FOR UPDATE SKIP LOCKED" if self._postgres else ""
        async with transaction(self._engine):
            rows = await self._run(
                "UPDATE outbox_job SET state = 'running', attempts = attempts + 1, lease = {}, "  # noqa: S608
                "due_at = {}, updated_at = {} WHERE id IN ("
                f"SELECT id FROM outbox_job WHERE state IN ('pending', 'running') AND due_at <= {{}} "
                f"AND attempts < max_attempts AND topic IN ({_in(topics)}) "
                f"ORDER BY due_at LIMIT {{}}{lock}) "
                "RETURNING id, topic, key, payload, attempts, max_attempts, trace",
                token,
                now + lease,
                now,
                now,
                *topics,
                limit,
            )
        return [
            ClaimedJob(
                id=_uuid(row["id"]),
                topic=row["topic"],
                key=row["key"],
                payload=row["payload"],
                attempt=row["attempts"],
                max_attempts=row["max_attempts"],
                lease=token,
                trace=row["trace"],
            )
            for row in rows
        ]

    async def finish(self, job: ClaimedJob, *, now: datetime) -> bool:
        """Done; False when the lease was lost (another worker took the job over, and finishes it)."""
        rows = await self._run(
            "UPDATE outbox_job SET state = 'done', lease = NULL, last_error = '', updated_at = {}, "
            "finished_at = {} WHERE id = {} AND lease = {} RETURNING id",
            now,
            now,
            job.id,
            job.lease,
        )
        return bool(rows)

    async def forget(self, key_prefix: str) -> int:
        rows = await self._run(
            "UPDATE outbox_job SET payload = '' WHERE substr(key, 1, {}) = {} "
            "AND state IN ('done', 'dead') AND payload <> '' RETURNING id",
            len(key_prefix),
            key_prefix,
        )
        return len(rows)

    async def retry(
        self, job: ClaimedJob, *, now: datetime, due_at: datetime, error: str, refund: bool = False
    ) -> JobState | None:
        """Back to pending for ``due_at``, or dead when the budget is spent; None when the lease was
        lost. ``refund``: the try did not reach the other system, so it does not count."""
        back = 1 if refund else 0
        rows = await self._run(
            "UPDATE outbox_job SET attempts = attempts - {}, "
            "state = CASE WHEN attempts - {} >= max_attempts THEN 'dead' ELSE 'pending' END, "
            "lease = NULL, due_at = {}, last_error = {}, updated_at = {} WHERE id = {} AND lease = {} "
            "RETURNING state",
            back,
            back,
            due_at,
            error[:2000],
            now,
            job.id,
            job.lease,
        )
        return rows[0]["state"] if rows else None

    async def bury(self, job: ClaimedJob, *, now: datetime, error: str) -> bool:
        rows = await self._run(
            "UPDATE outbox_job SET state = 'dead', lease = NULL, last_error = {}, updated_at = {} "
            "WHERE id = {} AND lease = {} RETURNING id",
            error[:2000],
            now,
            job.id,
            job.lease,
        )
        return bool(rows)

    async def replay(self, job_id: uuid.UUID, *, now: datetime) -> JobRecord | None:
        """A dead job back to pending with a fresh budget; None when it is not dead (or not there)."""
        rows = await self._run(
            "UPDATE outbox_job SET state = 'pending', attempts = 0, replays = replays + 1, due_at = {}, "  # noqa: S608
            f"updated_at = {{}} WHERE id = {{}} AND state = 'dead' RETURNING {_COLUMNS}",
            now,
            now,
            job_id,
        )
        return _record(rows[0]) if rows else None

    async def find(self, job_id: uuid.UUID) -> JobRecord | None:
        rows = await self._run(f"SELECT {_COLUMNS} FROM outbox_job WHERE id = {{}}", job_id)  # noqa: S608
        return _record(rows[0]) if rows else None

    async def find_by_key(self, topic: str, key: str) -> JobRecord | None:
        rows = await self._run(
            f"SELECT {_COLUMNS} FROM outbox_job WHERE topic = {{}} AND key = {{}}",  # noqa: S608
            topic,
            key,
        )
        return _record(rows[0]) if rows else None

    async def page(
        self, *, state: str | None, topic: str | None, after: tuple[datetime, uuid.UUID] | None, limit: int
    ) -> list[JobRecord]:
        """Newest first, by (created_at, id) below ``after``."""
        where: list[str] = []
        args: list[Any] = []
        if state is not None:
            where.append("state = {}")
            args.append(state)
        if topic is not None:
            where.append("topic = {}")
            args.append(topic)
        if after is not None:
            where.append("(created_at < {} OR (created_at = {} AND id < {}))")
            args.extend((after[0], after[0], after[1]))
        clause = f"WHERE {' AND '.join(where)} " if where else ""
        rows = await self._run(
            f"SELECT {_COLUMNS} FROM outbox_job {clause}ORDER BY created_at DESC, id DESC LIMIT {{}}",  # noqa: S608
            *args,
            limit,
        )
        return [_record(row) for row in rows]

    async def counts(self, topics: Sequence[str] | None = None) -> dict[str, int]:
        """Jobs per state (the dead letter and the backlog, for metrics and operators)."""
        where = f"WHERE topic IN ({_in(topics)}) " if topics else ""
        rows = await self._run(
            f"SELECT state, COUNT(*) AS n FROM outbox_job {where}GROUP BY state",  # noqa: S608
            *(topics or ()),
        )
        return {row["state"]: int(row["n"]) for row in rows}

    async def depth(self) -> list[tuple[str, str, int, datetime]]:
        """(topic, state, jobs, oldest created_at) of the jobs not done: what the metrics show."""
        rows = await self._run(
            "SELECT topic, state, COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox_job "
            "WHERE state IN ('pending', 'running', 'dead') GROUP BY topic, state"
        )
        return [(row["topic"], row["state"], int(row["n"]), _time(row["oldest"])) for row in rows]
