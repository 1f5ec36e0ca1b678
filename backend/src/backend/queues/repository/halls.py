from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec

from backend.clock import as_utc
from backend.database import Repository
from backend.queues.model import Counter, Hall, Service, Slot
from backend.queues.tables import QueueCounter, QueueHall, QueueHallStaff, QueueService, QueueSlot

_HALL = (
    QueueHall.id,
    QueueHall.name,
    QueueHall.kind,
    QueueHall.venue,
    QueueHall.hours,
    QueueHall.holidays,
    QueueHall.priority_bands,
    QueueHall.grace_seconds,
    QueueHall.max_recalls,
    QueueHall.check_in_before_minutes,
    QueueHall.check_in_after_minutes,
    QueueHall.created_at,
)
_SERVICE = (
    QueueService.id,
    QueueService.hall_id,
    QueueService.name,
    QueueService.prefix,
    QueueService.slot_minutes,
    QueueService.slot_capacity,
    QueueService.service_seconds,
    QueueService.last_wait_seconds,
    QueueService.party_min,
    QueueService.party_max,
)
_SLOT = (
    QueueSlot.id,
    QueueSlot.service_id,
    QueueSlot.hall_id,
    QueueSlot.day,
    QueueSlot.starts_at,
    QueueSlot.ends_at,
    QueueSlot.capacity,
    QueueSlot.booked,
)


def _hall(raw: dict[str, Any]) -> Hall:
    return Hall(
        **{
            **raw,
            "hours": json.loads(raw["hours"]),
            "holidays": json.loads(raw["holidays"]),
            "priority_bands": json.loads(raw["priority_bands"]),
            "created_at": as_utc(raw["created_at"]),
        }
    )


def _counter(raw: dict[str, Any]) -> Counter:
    return Counter(
        id=raw["id"],
        hall_id=raw["hall_id"],
        name=raw["name"],
        services=[uuid.UUID(s) for s in json.loads(raw["services"])],
    )


def slot_of(raw: dict[str, Any]) -> Slot:
    return Slot(**{**raw, "starts_at": as_utc(raw["starts_at"]), "ends_at": as_utc(raw["ends_at"])})


class HallRepository(Repository):
    async def add_hall(self, hall: Hall, *, check_in_code: str) -> None:
        values = msgspec.structs.asdict(hall)
        for name in ("hours", "holidays", "priority_bands"):
            values[name] = json.dumps(values[name])
        await QueueHall.insert(QueueHall(**values, check_in_code=check_in_code, event_seq=0))

    async def find_hall(self, hall_id: uuid.UUID) -> Hall | None:
        raw = await QueueHall.select(*_HALL).where(QueueHall.id == hall_id).first()
        return None if raw is None else _hall(raw)

    async def find_hall_by_venue(self, venue: str) -> Hall | None:
        raw = await QueueHall.select(*_HALL).where(QueueHall.venue == venue).first()
        return None if raw is None else _hall(raw)

    async def halls(self) -> list[Hall]:
        return [_hall(raw) for raw in await QueueHall.select(*_HALL).order_by(QueueHall.name)]

    async def check_in_code(self, hall_id: uuid.UUID) -> str | None:
        raw = await QueueHall.select(QueueHall.check_in_code).where(QueueHall.id == hall_id).first()
        return None if raw is None else str(raw["check_in_code"])

    async def add_service(self, service: Service, *, now: datetime) -> None:
        await QueueService.insert(QueueService(**msgspec.structs.asdict(service), created_at=now))

    async def find_service(self, service_id: uuid.UUID) -> Service | None:
        raw = await QueueService.select(*_SERVICE).where(QueueService.id == service_id).first()
        return None if raw is None else Service(**raw)

    async def services(self, hall_id: uuid.UUID | None = None) -> list[Service]:
        query = QueueService.select(*_SERVICE).order_by(QueueService.prefix)
        if hall_id is not None:
            query = query.where(QueueService.hall_id == hall_id)
        return [Service(**raw) for raw in await query]

    async def learn(
        self, service_id: uuid.UUID, *, service_seconds: float | None = None, last_wait: float | None = None
    ) -> None:
        values: dict[Any, Any] = {}
        if service_seconds is not None:
            values[QueueService.service_seconds] = service_seconds
        if last_wait is not None:
            values[QueueService.last_wait_seconds] = last_wait
        if values:
            await QueueService.update(values).where(QueueService.id == service_id)

    async def add_counter(self, counter: Counter, *, now: datetime) -> None:
        await QueueCounter.insert(
            QueueCounter(
                id=counter.id,
                hall_id=counter.hall_id,
                name=counter.name,
                services=json.dumps([str(s) for s in counter.services]),
                created_at=now,
            )
        )

    async def find_counter(self, counter_id: uuid.UUID) -> Counter | None:
        raw = (
            await QueueCounter.select(
                QueueCounter.id, QueueCounter.hall_id, QueueCounter.name, QueueCounter.services
            )
            .where(QueueCounter.id == counter_id)
            .first()
        )
        return None if raw is None else _counter(raw)

    async def counters(self, hall_id: uuid.UUID) -> list[Counter]:
        rows = await (
            QueueCounter.select(
                QueueCounter.id, QueueCounter.hall_id, QueueCounter.name, QueueCounter.services
            )
            .where(QueueCounter.hall_id == hall_id)
            .order_by(QueueCounter.name)
        )
        return [_counter(raw) for raw in rows]

    async def open_counters(self, service_id: uuid.UUID, hall_id: uuid.UUID, *, since: datetime) -> int:
        """Counters serving ``service_id`` that called someone since ``since``."""
        rows = await QueueCounter.select(QueueCounter.services).where(
            (QueueCounter.hall_id == hall_id) & (QueueCounter.last_call_at >= since)
        )
        return sum(1 for raw in rows if str(service_id) in json.loads(raw["services"]))

    async def counter_called(self, counter_id: uuid.UUID, *, now: datetime) -> None:
        await QueueCounter.update({QueueCounter.last_call_at: now}).where(QueueCounter.id == counter_id)

    async def assign(self, hall_id: uuid.UUID, staff_id: uuid.UUID, *, now: datetime) -> None:
        if not await self.assigned(hall_id, staff_id):
            await QueueHallStaff.insert(QueueHallStaff(hall_id=hall_id, staff_id=staff_id, created_at=now))

    async def assigned(self, hall_id: uuid.UUID, staff_id: uuid.UUID) -> bool:
        return bool(
            await QueueHallStaff.exists().where(
                (QueueHallStaff.hall_id == hall_id) & (QueueHallStaff.staff_id == staff_id)
            )
        )

    async def add_slots(self, slots: Sequence[Slot]) -> int:
        """Insert the slots not there yet (unique per service and start), a day's in one statement (a
        first read materialises a day: one round trip, not 48); how many were new."""
        added = 0
        for start in range(0, len(slots), 100):
            batch = slots[start : start + 100]
            values = ", ".join("({}, {}, {}, {}, {}, {}, {}, 0)" for _ in batch)
            rows = await QueueSlot.raw(
                "INSERT INTO queue_slot (id, service_id, hall_id, day, starts_at, ends_at, capacity, booked) "  # noqa: S608
                f"VALUES {values} ON CONFLICT (service_id, starts_at) DO NOTHING RETURNING id",
                *(
                    value
                    for slot in batch
                    for value in (
                        slot.id,
                        slot.service_id,
                        slot.hall_id,
                        slot.day,
                        slot.starts_at,
                        slot.ends_at,
                        slot.capacity,
                    )
                ),
            )
            added += len(rows)
        return added

    async def slots(self, service_id: uuid.UUID, day: str) -> list[Slot]:
        rows = await (
            QueueSlot.select(*_SLOT)
            .where((QueueSlot.service_id == service_id) & (QueueSlot.day == day))
            .order_by(QueueSlot.starts_at)
        )
        return [slot_of(raw) for raw in rows]

    async def find_slot(self, slot_id: uuid.UUID) -> Slot | None:
        raw = await QueueSlot.select(*_SLOT).where(QueueSlot.id == slot_id).first()
        return None if raw is None else slot_of(raw)

    async def take_place(self, slot_id: uuid.UUID) -> bool:
        """One place of the slot, if one is left: the database decides (and its CHECK backs it)."""
        rows = await QueueSlot.raw(
            "UPDATE queue_slot SET booked = booked + 1 WHERE id = {} AND booked < capacity RETURNING id",
            slot_id,
        )
        return bool(rows)

    async def give_back_place(self, slot_id: uuid.UUID) -> None:
        await QueueSlot.raw("UPDATE queue_slot SET booked = booked - 1 WHERE id = {} AND booked > 0", slot_id)
