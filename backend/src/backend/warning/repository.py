"""The warning feature's queries. The fan-out's are raw SQL that runs on PostgreSQL and SQLite alike:
many rows a statement, each decision (one delivery per citizen and channel, the planner's cursor, a
sender's claim) made by the database."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec
from piccolo.engine.sqlite import SQLiteEngine

from backend.database import Repository, is_unique_violation
from backend.warning.rows import Claimed, FanoutRow, Planned, WarningRow, fanout_of, warning_of
from backend.warning.tables import (
    WarningDelivery,
    WarningFanout,
    WarningPublisher,
    WarningSubscription,
    WarningWarning,
)
from backend.warning.tables import WarningSubscription as S
from backend.warning.tables import WarningWarning as W

# Ids an ``IN (...)`` list carries at most.
CHUNK = 1000
# Deliveries a multi-row INSERT carries on SQLite (7 parameters each).
SQLITE_ROWS = 100


def _marks(n: int) -> str:
    return ", ".join("{}" for _ in range(n))


class CursorMoved(Exception):
    """The cursor moved under the batch (another planner, or a new generation): roll it back."""


class WarningRepository(Repository):
    # Publishers.

    async def bind_publisher(self, staff_id: uuid.UUID, organisation: str, *, now: datetime) -> bool:
        """False when the account is bound already (the unique index decides)."""
        try:
            await WarningPublisher.insert(
                WarningPublisher(
                    id=uuid.uuid4(), staff_id=staff_id, organisation=organisation, created_at=now
                )
            )
        except Exception as exc:
            if is_unique_violation(exc):
                return False
            raise
        return True

    async def organisation_of(self, staff_id: uuid.UUID) -> str | None:
        row = (
            await WarningPublisher.select(WarningPublisher.organisation)
            .where(WarningPublisher.staff_id == staff_id)
            .first()
        )
        return None if row is None else str(row["organisation"])

    # Warnings.

    async def insert_warning(self, row: WarningRow) -> None:
        values = msgspec.structs.asdict(row)
        values["districts"] = msgspec.json.encode(row.districts).decode()
        await WarningWarning.insert(WarningWarning(**values))

    async def find_warning(self, warning_id: uuid.UUID) -> WarningRow | None:
        raw = await WarningWarning.select().where(WarningWarning.id == warning_id).first()
        return None if raw is None else warning_of(raw)

    async def save_warning(self, row: WarningRow, *, version: int) -> bool:
        """Write ``row`` over the warning if it is still at ``version`` (two editors: one wins)."""
        changed = (
            await W.update(
                {
                    W.level: row.level,
                    W.districts: msgspec.json.encode(row.districts).decode(),
                    W.title: row.title,
                    W.text: row.text,
                    W.valid_from: row.valid_from,
                    W.valid_until: row.valid_until,
                    W.state: row.state,
                    W.version: row.version,
                    W.updated_at: row.updated_at,
                }
            )
            .where((W.id == row.id) & (W.version == version))
            .returning(W.id)
        )
        return bool(changed)

    async def current(self, now: datetime) -> list[WarningRow]:
        """Active warnings not yet expired, newest first (a few dozen at most at any time)."""
        rows = (
            await W.select()
            .where((W.state == "active") & (W.valid_until > now))
            .order_by(W.created_at, ascending=False)
        )
        return [warning_of(raw) for raw in rows]

    async def published_by(self, organisation: str, *, limit: int) -> list[WarningRow]:
        rows = await (
            W.select()
            .where(W.organisation == organisation)
            .order_by(W.created_at, ascending=False)
            .limit(limit)
        )
        return [warning_of(raw) for raw in rows]

    # Subscriptions.

    async def districts_of(self, citizen_id: uuid.UUID) -> list[str]:
        rows = await S.select(S.district).where(S.citizen_id == citizen_id)
        return sorted(str(raw["district"]) for raw in rows)

    async def set_districts(self, citizen_id: uuid.UUID, districts: Sequence[str], *, now: datetime) -> None:
        """Replace the citizen's districts (inside the caller's transaction)."""
        await S.delete().where(S.citizen_id == citizen_id)
        if districts:
            await S.insert(
                *(S(id=uuid.uuid4(), citizen_id=citizen_id, district=d, created_at=now) for d in districts)
            )

    async def subscribers_after(
        self, districts: Sequence[str], after: uuid.UUID | None, *, limit: int
    ) -> list[uuid.UUID]:
        """The next ``limit`` citizens subscribed to any of ``districts``, in id order after ``after``:
        a walk of the (citizen, district) index, so each batch costs its own rows, not the table's."""
        where = f"district IN ({_marks(len(districts))})"
        args: list[Any] = list(districts)
        if after is not None:
            where += " AND citizen_id > {}"
            args.append(after)
        rows = await WarningSubscription.raw(
            f"SELECT DISTINCT citizen_id FROM warning_subscription WHERE {where} "  # noqa: S608
            "ORDER BY citizen_id LIMIT {}",
            *args,
            limit,
        )
        return [_uuid(raw["citizen_id"]) for raw in rows]

    # Fan-out: planning.

    async def start_fanout(self, warning_id: uuid.UUID, *, now: datetime) -> None:
        """Start (or start over: a new generation) planning the warning's fan-out."""
        await WarningFanout.raw(
            "INSERT INTO warning_fanout (warning_id, state, after_citizen, generation, planned, "
            "started_at) VALUES ({}, 'planning', NULL, 1, 0, {}) ON CONFLICT (warning_id) DO UPDATE SET "
            "state = 'planning', after_citizen = NULL, generation = warning_fanout.generation + 1, "
            "planned_at = NULL, finished_at = NULL",
            warning_id,
            now,
        )

    async def stop_fanout(self, warning_id: uuid.UUID, *, now: datetime) -> None:
        await WarningFanout.update({WarningFanout.state: "cancelled", WarningFanout.finished_at: now}).where(
            (WarningFanout.warning_id == warning_id) & (WarningFanout.state != "done")
        )

    async def find_fanout(self, warning_id: uuid.UUID) -> FanoutRow | None:
        raw = await WarningFanout.select().where(WarningFanout.warning_id == warning_id).first()
        return None if raw is None else fanout_of(raw)

    async def take_planning(self) -> FanoutRow | None:
        """A fan-out still planning, locked for the caller's transaction: on PostgreSQL a second
        planner skips it (to another fan-out, or to nothing) instead of planning the same batch and
        losing it at the cursor; SQLite's transaction holds the one write lock already."""
        lock = "" if isinstance(self._engine, SQLiteEngine) else " FOR UPDATE SKIP LOCKED"
        rows = await WarningFanout.raw(
            "SELECT warning_id, state, after_citizen, generation, planned, started_at, planned_at, "  # noqa: S608
            f"finished_at FROM warning_fanout WHERE state = 'planning' LIMIT 1{lock}"
        )
        if not rows:
            return None
        raw = dict(rows[0])
        raw["warning_id"] = _uuid(raw["warning_id"])
        raw["after_citizen"] = None if raw["after_citizen"] is None else _uuid(raw["after_citizen"])
        return fanout_of(raw)

    async def fanouts(self, state: str) -> list[FanoutRow]:
        rows = await WarningFanout.select().where(WarningFanout.state == state)
        return [fanout_of(raw) for raw in rows]

    async def plan(
        self, fanout: FanoutRow, rows: Sequence[Planned], *, last: uuid.UUID, now: datetime
    ) -> None:
        """Write a batch's deliveries (a delivery there already stays as it is) and move the cursor to
        ``last``, inside the caller's transaction. ``CursorMoved`` (roll back) when the cursor is no
        longer where ``fanout`` found it (another planner took the batch, or a new generation began)."""
        inserted = await self._insert_deliveries(fanout.warning_id, rows, now=now)
        where = "warning_id = {} AND generation = {} AND state = 'planning' AND "
        where += "after_citizen IS NULL" if fanout.after_citizen is None else "after_citizen = {}"
        args2: list[Any] = [last, inserted, fanout.warning_id, fanout.generation]
        if fanout.after_citizen is not None:
            args2.append(fanout.after_citizen)
        moved = await WarningFanout.raw(
            "UPDATE warning_fanout SET after_citizen = {}, planned = planned + {} "  # noqa: S608
            f"WHERE {where} RETURNING warning_id",
            *args2,
        )
        if not moved:
            raise CursorMoved

    async def _insert_deliveries(
        self, warning_id: uuid.UUID, rows: Sequence[Planned], *, now: datetime
    ) -> int:
        """Insert those of ``rows`` not there yet; how many were new. PostgreSQL takes the batch as
        five arrays (one statement, seven parameters: piccolo's query building grows faster than
        linearly with the parameter count, ~0.9 s for 7,000); SQLite, which has no arrays, takes
        multi-row VALUES of ``SQLITE_ROWS`` rows."""
        if not isinstance(self._engine, SQLiteEngine):
            written = await WarningDelivery.raw(
                "INSERT INTO warning_delivery (warning_id, citizen_id, channel, state, reason, due_at, "
                "tries, updated_at) SELECT {}, c, ch, st, r, d, 0, {} FROM unnest({}::uuid[], {}::text[], "
                "{}::text[], {}::text[], {}::timestamptz[]) AS t(c, ch, st, r, d) "
                "ON CONFLICT (warning_id, citizen_id, channel) DO NOTHING RETURNING id",
                warning_id,
                now,
                [r.citizen_id for r in rows],
                [r.channel for r in rows],
                [r.state for r in rows],
                [r.reason for r in rows],
                [r.due_at for r in rows],
            )
            return len(written)
        inserted = 0
        for start in range(0, len(rows), SQLITE_ROWS):
            chunk = rows[start : start + SQLITE_ROWS]
            values = ", ".join("({}, {}, {}, {}, {}, {}, 0, {})" for _ in chunk)
            args = [
                v
                for r in chunk
                for v in (warning_id, r.citizen_id, r.channel, r.state, r.reason, r.due_at, now)
            ]
            written = await WarningDelivery.raw(
                "INSERT INTO warning_delivery (warning_id, citizen_id, channel, state, reason, due_at, "  # noqa: S608
                f"tries, updated_at) VALUES {values} ON CONFLICT (warning_id, citizen_id, channel) "
                "DO NOTHING RETURNING id",
                *args,
            )
            inserted += len(written)
        return inserted

    async def planned_all(self, fanout: FanoutRow, *, now: datetime) -> None:
        await WarningFanout.update({WarningFanout.state: "sending", WarningFanout.planned_at: now}).where(
            (WarningFanout.warning_id == fanout.warning_id)
            & (WarningFanout.generation == fanout.generation)
            & (WarningFanout.state == "planning")
        )

    async def finish_if_sent(self, warning_id: uuid.UUID, *, now: datetime) -> bool:
        """Mark the fan-out done when none of its deliveries is left to send."""
        done = await WarningFanout.raw(
            "UPDATE warning_fanout SET state = 'done', finished_at = {} WHERE warning_id = {} "
            "AND state = 'sending' AND NOT EXISTS (SELECT 1 FROM warning_delivery WHERE warning_id = {} "
            "AND state IN ('planned', 'sending')) RETURNING warning_id",
            now,
            warning_id,
            warning_id,
        )
        return bool(done)

    # Fan-out: sending.

    async def give_up_uncertain(self, channel: str, *, now: datetime) -> int:
        """Deliveries whose sender died mid-send on a channel without an idempotency key: failed, not
        repeated (the message may have gone)."""
        rows = await WarningDelivery.raw(
            "UPDATE warning_delivery SET state = 'failed', reason = 'sender stopped mid-send; not "
            "repeated', lease_until = NULL, updated_at = {} WHERE channel = {} AND state = 'sending' "
            "AND lease_until < {} RETURNING id",
            now,
            channel,
            now,
        )
        return len(rows)

    async def claim(
        self, channel: str, *, now: datetime, lease_until: datetime, limit: int, resend: bool
    ) -> list[Claimed]:
        """Up to ``limit`` due deliveries of ``channel``, leased until ``lease_until``: on PostgreSQL
        concurrent senders skip each other's rows (``SKIP LOCKED``); SQLite has one writer. With
        ``resend``, a lease that ran out (its sender died) is taken again: for a channel that sends
        each delivery once however often it is asked."""
        states = "('planned', 'sending')" if resend else "('planned')"
        # PostgreSQL: ``= ANY(ARRAY(...))`` has the subquery run first and the update find its rows by
        # primary key; ``IN (...)`` let the planner hash-join it against a scan of the whole table
        # (200 ms a claim at 5,000 rows, growing with the fan-out).
        sqlite = isinstance(self._engine, SQLiteEngine)
        lock = "" if sqlite else " FOR UPDATE SKIP LOCKED"
        target = "id IN ({})" if sqlite else "id = ANY(ARRAY({}))"
        chosen = (
            f"SELECT id FROM warning_delivery WHERE channel = {{}} AND state IN {states} AND due_at <= {{}} "  # noqa: S608
            f"AND (lease_until IS NULL OR lease_until < {{}}) LIMIT {{}}{lock}"
        )
        rows = await WarningDelivery.raw(
            "UPDATE warning_delivery SET state = 'sending', lease_until = {}, tries = tries + 1, "  # noqa: S608
            f"updated_at = {{}} WHERE {target.format(chosen)} RETURNING id, warning_id, citizen_id",
            lease_until,
            now,
            channel,
            now,
            now,
            limit,
        )
        return [Claimed(int(r["id"]), _uuid(r["warning_id"]), _uuid(r["citizen_id"])) for r in rows]

    async def settle(self, ids: Sequence[int], state: str, *, reason: str = "", now: datetime) -> None:
        """Record how the claimed deliveries ``ids`` went."""
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            await WarningDelivery.raw(
                "UPDATE warning_delivery SET state = {}, reason = {}, lease_until = NULL, updated_at = {} "  # noqa: S608
                f"WHERE id IN ({_marks(len(chunk))}) AND state = 'sending'",
                state,
                reason[:128],
                now,
                *chunk,
            )

    async def release(self, ids: Sequence[int], *, due_at: datetime, reason: str, now: datetime) -> None:
        """Put claimed deliveries back, due again at ``due_at`` (the channel was unavailable)."""
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            await WarningDelivery.raw(
                "UPDATE warning_delivery SET state = 'planned', lease_until = NULL, due_at = {}, "  # noqa: S608
                f"reason = {{}}, updated_at = {{}} WHERE id IN ({_marks(len(chunk))}) "
                "AND state = 'sending'",
                due_at,
                reason[:128],
                now,
                *chunk,
            )

    async def counts(self, warning_id: uuid.UUID) -> dict[tuple[str, str], int]:
        """(channel, state) → deliveries of the warning."""
        rows = await WarningDelivery.raw(
            "SELECT channel, state, COUNT(*) AS n FROM warning_delivery WHERE warning_id = {} "
            "GROUP BY channel, state",
            warning_id,
        )
        return {(str(r["channel"]), str(r["state"])): int(r["n"]) for r in rows}


def _uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
