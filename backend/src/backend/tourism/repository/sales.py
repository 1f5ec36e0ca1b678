"""Holds and tickets. Places are taken by one conditional write (``take``): on PostgreSQL one
statement updates a stock row, inserts the hold and its tickets, so a per-ID violation or a full row
undoes all of it; on SQLite (one writer) the same three steps run in one transaction."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec
from piccolo.engine.sqlite import SQLiteEngine

from backend.clock import as_utc, as_utc_or_none
from backend.database import Repository, transaction
from backend.tourism.model import Hold, Ticket
from backend.tourism.repository.statement import Statement
from backend.tourism.tables import TourismHold, TourismStock, TourismTicket

_HOLD = TourismHold.all_columns()
_TICKET = TourismTicket.all_columns()
_UUIDS = ("id", "hold_id", "citizen_id", "spot_id", "slot_id", "visitor_id", "product_id")

_TAKE_PG = """
WITH s AS (
  UPDATE tourism_stock SET held = held + {qty}::int
  WHERE slot_id = {slot} AND shard = {shard} AND held + sold + {qty} <= capacity
  RETURNING id
), h AS (
  INSERT INTO tourism_hold (id, citizen_id, spot_id, slot_id, stock_id, day, qty, amount_fen, state,
                            order_id, expires_at, paid_at, closed_at, created_at)
  SELECT {hold}::uuid, {citizen}::uuid, {spot}::uuid, {slot}::uuid, s.id, {day}::varchar, {qty}::int,
         {amount}::int, 'held', NULL, {expires}::timestamptz, NULL, NULL, {now}::timestamptz FROM s
  RETURNING id, stock_id
), t AS (
  INSERT INTO tourism_ticket (id, hold_id, citizen_id, spot_id, slot_id, day, visitor_id, id_index,
                              product_id, kind, price_fen, code_id, state, valid_from, valid_until,
                              redeemed_at, gate, created_at, changed_at)
  SELECT v.id, h.id, {citizen}::uuid, {spot}::uuid, {slot}::uuid, {day}::varchar, v.visitor_id,
         v.id_index, v.product_id, v.kind, v.price_fen, v.code_id, 'held', {valid_from}::timestamptz,
         {valid_until}::timestamptz, NULL, '', {now}::timestamptz, {now}::timestamptz
  FROM h CROSS JOIN unnest({ids}::uuid[], {visitors}::uuid[], {indexes}::text[], {products}::uuid[],
                           {kinds}::text[], {prices}::int[], {codes}::text[])
       AS v(id, visitor_id, id_index, product_id, kind, price_fen, code_id)
  RETURNING 1
)
SELECT h.stock_id, (SELECT count(*) FROM t) AS tickets FROM h
"""
# Compiled once: the hot path's write (statement.py says why).
_TAKE = Statement(_TAKE_PG)
# One named counter row, never one a subquery picks: under concurrent updates PostgreSQL re-checks the
# WHERE of a row another transaction changed (EvalPlanQual), and a subquery with random() there would
# pick another row, so the update would miss though the row has room.
_ON_ROW = (
    "UPDATE tourism_stock SET {column} = {column} + {{}} "
    "WHERE slot_id = {{}} AND shard = {{}} AND held + sold + {{}} <= capacity RETURNING id"
)


def _hold(raw: dict[str, Any]) -> Hold:
    return Hold(
        **{
            **raw,
            "expires_at": as_utc(raw["expires_at"]),
            "paid_at": as_utc_or_none(raw["paid_at"]),
            "closed_at": as_utc_or_none(raw["closed_at"]),
            "created_at": as_utc(raw["created_at"]),
        }
    )


def _ticket(raw: dict[str, Any]) -> Ticket:
    return Ticket(
        **{
            **raw,
            "valid_from": as_utc(raw["valid_from"]),
            "valid_until": as_utc(raw["valid_until"]),
            "redeemed_at": as_utc_or_none(raw["redeemed_at"]),
            "created_at": as_utc(raw["created_at"]),
            "changed_at": as_utc(raw["changed_at"]),
        }
    )


def ticket_of(row: dict[str, Any]) -> Ticket:
    """A ticket from a raw row (``RETURNING *``: driver types, UUIDs as text on SQLite)."""
    raw = {k: row[k] for k in (c._meta.name for c in _TICKET)}
    return _ticket({**raw, **{k: _uuid(raw[k]) for k in _UUIDS}})


def _redeemed(rows: list[dict[str, Any]]) -> Ticket | None:
    return ticket_of(rows[0]) if rows else None


def _uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


class SalesRepository(Repository):
    async def take(self, hold: Hold, tickets: Sequence[Ticket], *, shard: int) -> uuid.UUID | None:
        """Hold ``hold.qty`` places on the slot's counter row ``shard`` if it has room, and insert the
        hold and its tickets; the row's id, or None when it has no room. Raises a unique violation
        when a visitor has a live ticket for the spot that day."""
        if isinstance(self._engine, SQLiteEngine):
            return await self._take_sqlite(hold, tickets, shard)
        values: dict[str, Any] = {
            "qty": hold.qty,
            "slot": hold.slot_id,
            "shard": shard,
            "hold": hold.id,
            "citizen": hold.citizen_id,
            "spot": hold.spot_id,
            "day": hold.day,
            "amount": hold.amount_fen,
            "expires": hold.expires_at,
            "now": hold.created_at,
            "valid_from": tickets[0].valid_from,
            "valid_until": tickets[0].valid_until,
            "ids": [t.id for t in tickets],
            "visitors": [t.visitor_id for t in tickets],
            "indexes": [t.id_index for t in tickets],
            "products": [t.product_id for t in tickets],
            "kinds": [t.kind for t in tickets],
            "prices": [t.price_fen for t in tickets],
            "codes": [t.code_id for t in tickets],
        }
        rows = await _TAKE.fetch(self._engine, values)
        return _uuid(rows[0]["stock_id"]) if rows else None

    async def _take_sqlite(self, hold: Hold, tickets: Sequence[Ticket], shard: int) -> uuid.UUID | None:
        async with transaction(self._engine):
            rows = await TourismStock.raw(
                _ON_ROW.format(column="held"), hold.qty, hold.slot_id, shard, hold.qty
            )
            if not rows:
                return None
            stock_id = _uuid(rows[0]["id"])
            await TourismHold.insert(TourismHold(**{**msgspec.structs.asdict(hold), "stock_id": stock_id}))
            await TourismTicket.insert(*(TourismTicket(**msgspec.structs.asdict(t)) for t in tickets))
        return stock_id

    async def left(self, slot_id: uuid.UUID) -> dict[int, int]:
        """Places left on each of the slot's counter rows, by shard."""
        rows = await TourismStock.raw(
            "SELECT shard, capacity - held - sold AS left FROM tourism_stock WHERE slot_id = {}", slot_id
        )
        return {int(row["shard"]): int(row["left"]) for row in rows}

    async def next_expiry(self, slot_id: uuid.UUID) -> datetime | None:
        """When the slot's first live hold expires (its places may come back then)."""
        raw = await (
            TourismHold.select(TourismHold.expires_at)
            .where((TourismHold.slot_id == slot_id) & (TourismHold.state == "held"))
            .order_by(TourismHold.expires_at)
            .first()
        )
        return None if raw is None else as_utc(raw["expires_at"])

    async def find_hold(self, hold_id: uuid.UUID, citizen_id: uuid.UUID | None = None) -> Hold | None:
        query = TourismHold.select(*_HOLD).where(TourismHold.id == hold_id)
        if citizen_id is not None:
            query = query.where(TourismHold.citizen_id == citizen_id)
        raw = await query.first()
        return None if raw is None else _hold(raw)

    async def holds_of(self, citizen_id: uuid.UUID, *, limit: int = 50) -> list[Hold]:
        rows = await (
            TourismHold.select(*_HOLD)
            .where(TourismHold.citizen_id == citizen_id)
            .order_by(TourismHold.created_at, ascending=False)
            .limit(limit)
        )
        return [_hold(raw) for raw in rows]

    async def paid_tickets_ahead(self, citizen_id: uuid.UUID, *, today: str) -> int:
        """The citizen's tickets paid for with money and not used yet, for today (Beijing) or later."""
        holds = await TourismHold.select(TourismHold.id).where(
            (TourismHold.citizen_id == citizen_id)
            & (TourismHold.state == "paid")
            & (TourismHold.amount_fen > 0)
            & (TourismHold.day >= today)
        )
        if not holds:
            return 0
        count: int = await TourismTicket.count().where(
            TourismTicket.hold_id.is_in([row["id"] for row in holds]) & (TourismTicket.state == "valid")
        )
        return count

    async def tickets_of_hold(self, hold_id: uuid.UUID) -> list[Ticket]:
        rows = await TourismTicket.select(*_TICKET).where(TourismTicket.hold_id == hold_id)
        return [_ticket(raw) for raw in rows]

    async def tickets_of(self, citizen_id: uuid.UUID, *, limit: int = 100) -> list[Ticket]:
        rows = await (
            TourismTicket.select(*_TICKET)
            .where((TourismTicket.citizen_id == citizen_id) & (TourismTicket.state != "held"))
            .order_by(TourismTicket.created_at, ascending=False)
            .limit(limit)
        )
        return [_ticket(raw) for raw in rows]

    async def find_ticket(self, ticket_id: uuid.UUID) -> Ticket | None:
        raw = await TourismTicket.select(*_TICKET).where(TourismTicket.id == ticket_id).first()
        return None if raw is None else _ticket(raw)

    async def ticket_by_code(self, code_id: str) -> Ticket | None:
        raw = await TourismTicket.select(*_TICKET).where(TourismTicket.code_id == code_id).first()
        return None if raw is None else _ticket(raw)

    async def set_order(self, hold_id: uuid.UUID, order_id: uuid.UUID) -> bool:
        rows = await TourismHold.raw(
            "UPDATE tourism_hold SET order_id = {} WHERE id = {} AND (order_id IS NULL OR order_id = {}) "
            "RETURNING id",
            order_id,
            hold_id,
            order_id,
        )
        return bool(rows)

    async def confirm(self, hold_id: uuid.UUID, *, order_id: uuid.UUID | None, now: datetime) -> bool:
        """held → paid: its places move from held to sold and its tickets become valid. Call inside a
        transaction. False when the hold is not held (paid already, expired, cancelled)."""
        rows = await TourismHold.raw(
            "UPDATE tourism_hold SET state = 'paid', paid_at = {}, order_id = COALESCE(order_id, {}) "
            "WHERE id = {} AND state = 'held' RETURNING stock_id, qty",
            now,
            order_id,
            hold_id,
        )
        if not rows:
            return False
        await TourismStock.raw(
            "UPDATE tourism_stock SET held = held - {}, sold = sold + {} WHERE id = {}",
            rows[0]["qty"],
            rows[0]["qty"],
            rows[0]["stock_id"],
        )
        await self._tickets(hold_id, from_state="held", to="valid", now=now)
        return True

    async def reseat(self, hold: Hold, *, shard: int, now: datetime) -> bool:
        """A late payment of an expired hold: sell its places again if counter row ``shard`` has room,
        reviving its tickets. Call inside a transaction; raises a unique violation when a visitor got
        another ticket for that day meanwhile."""
        rows = await TourismStock.raw(_ON_ROW.format(column="sold"), hold.qty, hold.slot_id, shard, hold.qty)
        if not rows:
            return False
        moved = await TourismHold.raw(
            "UPDATE tourism_hold SET state = 'paid', paid_at = {}, stock_id = {}, closed_at = NULL "
            "WHERE id = {} AND state = 'expired' RETURNING id",
            now,
            rows[0]["id"],
            hold.id,
        )
        if not moved:
            raise Raced()
        await self._tickets(hold.id, from_state="void", to="valid", now=now)
        return True

    async def close(
        self, hold_id: uuid.UUID, *, from_states: Sequence[str], to: str, now: datetime
    ) -> Hold | None:
        """Move a hold out of ``from_states`` (conditional); the hold as it was, or None."""
        raw = await TourismHold.select(*_HOLD).where(TourismHold.id == hold_id).first()
        if raw is None or raw["state"] not in from_states:
            return None
        marks = ", ".join("{}" for _ in from_states)
        rows = await TourismHold.raw(
            f"UPDATE tourism_hold SET state = {{}}, closed_at = {{}} WHERE id = {{}} AND state IN ({marks}) "  # noqa: S608
            "RETURNING id",
            to,
            now,
            hold_id,
            *from_states,
        )
        return _hold(raw) if rows else None

    async def release(self, hold: Hold, *, column: str, now: datetime) -> int:
        """Give back a closed hold's places (``held`` or ``sold``) and void its live tickets; how
        many tickets were voided."""
        assert column in ("held", "sold")
        await TourismStock.raw(
            f"UPDATE tourism_stock SET {column} = {column} - {{}} WHERE id = {{}}",  # noqa: S608
            hold.qty,
            hold.stock_id,
        )
        rows = await TourismTicket.raw(
            "UPDATE tourism_ticket SET state = 'void', changed_at = {} WHERE hold_id = {} "
            "AND state IN ('held', 'valid') RETURNING id",
            now,
            hold.id,
        )
        return len(rows)

    async def expire(
        self, now: datetime, *, slot_id: uuid.UUID | None = None, limit: int = 500
    ) -> set[uuid.UUID]:
        """Expire held holds past ``expires_at`` (of one slot, or any) and give back their places, in
        one transaction; the slots that got places back."""
        only = "AND slot_id = {} " if slot_id is not None else ""
        args: list[Any] = [now, now, *([slot_id] if slot_id is not None else []), limit]
        async with transaction(self._engine):
            rows = await TourismHold.raw(
                "UPDATE tourism_hold SET state = 'expired', closed_at = {} WHERE state = 'held' AND id IN "  # noqa: S608
                "(SELECT id FROM tourism_hold WHERE state = 'held' AND expires_at <= {} "
                f"{only}ORDER BY expires_at LIMIT {{}}) RETURNING id, stock_id, slot_id, qty",
                *args,
            )
            if not rows:
                return set()
            back: Counter[uuid.UUID] = Counter()
            for row in rows:
                back[_uuid(row["stock_id"])] += int(row["qty"])
            for stock_id, qty in sorted(back.items()):
                await TourismStock.raw(
                    "UPDATE tourism_stock SET held = held - {} WHERE id = {}", qty, stock_id
                )
            await TourismTicket.update({TourismTicket.state: "void", TourismTicket.changed_at: now}).where(
                TourismTicket.hold_id.is_in([_uuid(row["id"]) for row in rows])
                & (TourismTicket.state == "held")
            )
        return {_uuid(row["slot_id"]) for row in rows}

    async def redeem(self, code_id: str, *, spot_id: uuid.UUID, gate: str, now: datetime) -> Ticket | None:
        """Let a ticket in, once: one conditional UPDATE decides; the ticket, or None."""
        rows = await TourismTicket.raw(
            "UPDATE tourism_ticket SET state = 'redeemed', redeemed_at = {}, gate = {}, changed_at = {} "
            "WHERE code_id = {} AND state = 'valid' AND spot_id = {} AND valid_from <= {} "
            "AND valid_until > {} RETURNING *",
            now,
            gate,
            now,
            code_id,
            spot_id,
            now,
            now,
        )
        return _redeemed(rows)

    async def redeem_own(
        self, citizen_id: uuid.UUID, *, spot_id: uuid.UUID, gate: str, now: datetime
    ) -> Ticket | None:
        """刷码入园: let in the citizen's own ticket (their ``is_self`` visitor) for the spot, valid
        now, once: one conditional UPDATE decides; the ticket, or None."""
        rows = await TourismTicket.raw(
            "UPDATE tourism_ticket SET state = 'redeemed', redeemed_at = {}, gate = {}, changed_at = {} "
            "WHERE id = "
            "(SELECT t.id FROM tourism_ticket t JOIN tourism_visitor v ON v.id = t.visitor_id "
            "WHERE t.citizen_id = {} AND v.is_self AND t.spot_id = {} AND t.state = 'valid' "
            "AND t.valid_from <= {} AND t.valid_until > {} LIMIT 1) AND state = 'valid' RETURNING *",
            now,
            gate,
            now,
            citizen_id,
            spot_id,
            now,
            now,
        )
        return _redeemed(rows)

    async def drift(self, since_day: str) -> list[dict[str, Any]]:
        """Counter rows (of slots from ``since_day`` on) whose ``held`` / ``sold`` differ from the sum
        of their live / paid holds: must be none (the reconciliation, research/bookings.md §e-14)."""
        rows: list[dict[str, Any]] = await TourismStock.raw(
            "SELECT k.id, k.slot_id, k.held, k.sold, c.held_holds, c.paid_holds FROM tourism_stock k "
            "JOIN tourism_slot s ON s.id = k.slot_id "
            "JOIN (SELECT k2.id, "
            "COALESCE(SUM(CASE WHEN h.state = 'held' THEN h.qty END), 0) AS held_holds, "
            "COALESCE(SUM(CASE WHEN h.state = 'paid' THEN h.qty END), 0) AS paid_holds "
            "FROM tourism_stock k2 LEFT JOIN tourism_hold h ON h.stock_id = k2.id GROUP BY k2.id) c "
            "ON c.id = k.id WHERE s.day >= {} AND (k.held <> c.held_holds OR k.sold <> c.paid_holds)",
            since_day,
        )
        return rows

    async def _tickets(self, hold_id: uuid.UUID, *, from_state: str, to: str, now: datetime) -> None:
        await TourismTicket.update({TourismTicket.state: to, TourismTicket.changed_at: now}).where(
            (TourismTicket.hold_id == hold_id) & (TourismTicket.state == from_state)
        )

    async def live_tickets_of_visitor(self, visitor_id: uuid.UUID) -> bool:
        return bool(
            await TourismTicket.exists().where(
                (TourismTicket.visitor_id == visitor_id) & TourismTicket.state.is_in(["held", "valid"])
            )
        )


class Raced(Exception):
    """The hold changed between reading it and re-seating it: roll back, the caller re-reads."""
