"""Car parks and bays, plates a citizen links, reservations per hour (the database decides whether a
bay is left), stays read from the gate feed (``gate.py``), their fees by the lot's tariff paid through
the payment feature, and the gate told by the outbox to open the barrier for a paid stay."""

from __future__ import annotations

import math
import uuid
from datetime import datetime, timedelta
from typing import Any

from piccolo.engine.base import Engine

from backend.audit.service import AuditLog
from backend.clock import Clock
from backend.crypto import PersonalDataCipher
from backend.database import UniqueViolation, transaction
from backend.outbox.service import Outbox
from backend.parking.errors import (
    BaysInvalid,
    LotCodeTaken,
    LotFull,
    LotNotFound,
    NothingToPay,
    PlateInvalid,
    PlateLinked,
    PlateNotFound,
    ReservationNotActive,
    ReservationNotFound,
    StayClosed,
    StayNotFound,
    WindowInvalid,
)
from backend.parking.records import StayRepository
from backend.parking.repository import (
    BayRow,
    LotRepository,
    LotRow,
    PaymentRow,
    PlateRepository,
    PlateRow,
    ReservationRepository,
    ReservationRow,
    StayRow,
)
from backend.parking.settings import ParkingSettings
from backend.parking.tariff import fee_fen
from backend.payment.owners import PaymentNotice
from backend.payment.service import CreatedOrder, PaymentService
from integrations.parking import is_valid_plate, mask_plate, normalise_plate

OWNER = "parking"
CLEAR_TOPIC = "parking.clear"
PLATE_COLUMN = "parking.plate"
_HOUR = 3600
_AHEAD = timedelta(days=7)


def hour_of(at: datetime, *, up: bool = False) -> int:
    seconds = at.timestamp() / _HOUR
    return math.ceil(seconds) if up else math.floor(seconds)


class ParkingService:
    def __init__(
        self,
        *,
        lots: LotRepository,
        plates: PlateRepository,
        reservations: ReservationRepository,
        stays: StayRepository,
        payments: PaymentService,
        outbox: Outbox,
        cipher: PersonalDataCipher,
        settings: ParkingSettings,
        audit: AuditLog,
        clock: Clock,
        engine: Engine[Any],
    ) -> None:
        self._lots = lots
        self._plates = plates
        self._reservations = reservations
        self._stays = stays
        self._payments = payments
        self._outbox = outbox
        self.cipher = cipher
        self.settings = settings
        self._audit = audit
        self._clock = clock
        self._engine = engine

    def plate_index(self, plate: str) -> str:
        return self.cipher.blind_index(normalise_plate(plate), column=PLATE_COLUMN)

    async def add_lot(self, *, by: str, bays: list[tuple[str, str, bool]], **fields: Any) -> LotRow:
        codes = [code for code, _, _ in bays]
        if not 1 <= len(codes) <= 5000 or len(set(codes)) != len(codes):
            raise BaysInvalid()
        lot = LotRow(
            id=uuid.uuid4(),
            bays=len(bays),
            reservable=sum(1 for _, _, r in bays if r),
            created_at=self._clock.now(),
            **fields,
        )
        rows = [
            BayRow(id=uuid.uuid4(), lot_id=lot.id, code=code, kind=kind, reservable=int(reservable))
            for code, kind, reservable in bays
        ]
        with UniqueViolation(raise_as=LotCodeTaken):
            async with transaction(self._engine):
                await self._lots.add(lot, rows)
                await self._audit.append(
                    actor=by,
                    action="parking.lot_added",
                    subject=f"parking_lot:{lot.id}",
                    data={"code": lot.code},
                    chain="staff",
                )
        return lot

    async def lots(self) -> list[LotRow]:
        return await self._lots.lots()

    async def lot(self, lot_id: uuid.UUID) -> LotRow:
        found = await self._lots.find(lot_id)
        if found is None:
            raise LotNotFound()
        return found

    async def has_code(self, code: str) -> bool:
        return await self._lots.by_code(code) is not None

    async def bays(self, lot_id: uuid.UUID) -> list[BayRow]:
        await self.lot(lot_id)
        return await self._lots.bays(lot_id)

    def _window(self, starts_at: datetime, ends_at: datetime) -> tuple[int, int]:
        now = self._clock.now()
        if not (now - timedelta(minutes=5) <= starts_at < ends_at <= starts_at + timedelta(hours=24)):
            raise WindowInvalid()
        if starts_at > now + _AHEAD:
            raise WindowInvalid()
        return hour_of(starts_at), hour_of(ends_at, up=True)

    async def available(
        self, lot_id: uuid.UUID, starts_at: datetime, ends_at: datetime
    ) -> tuple[LotRow, int]:
        """The bays left to reserve for every hour of the window."""
        lot = await self.lot(lot_id)
        first, last = self._window(starts_at, ends_at)
        return lot, max(0, lot.reservable - await self._lots.reserved(lot.id, first, last))

    async def link_plate(self, citizen_id: uuid.UUID, plate: str) -> PlateRow:
        if not is_valid_plate(plate):
            raise PlateInvalid()
        plate = normalise_plate(plate)
        row = PlateRow(
            id=uuid.uuid4(),
            citizen_id=citizen_id,
            plate_index=self.plate_index(plate),
            plate_sealed=self.cipher.seal(plate, column=PLATE_COLUMN),
            plate_masked=mask_plate(plate),
            created_at=self._clock.now(),
        )
        if not await self._plates.link(row):
            raise PlateLinked()
        return row

    async def plates(self, citizen_id: uuid.UUID) -> list[PlateRow]:
        return await self._plates.of_citizen(citizen_id)

    async def plate(self, citizen_id: uuid.UUID, plate_id: uuid.UUID) -> PlateRow:
        found = next((p for p in await self.plates(citizen_id) if p.id == plate_id), None)
        if found is None:
            raise PlateNotFound()
        return found

    async def unlink_plate(self, citizen_id: uuid.UUID, plate_id: uuid.UUID) -> None:
        if not await self._plates.unlink(citizen_id, plate_id):
            raise PlateNotFound()

    async def reserve(
        self,
        citizen_id: uuid.UUID,
        lot_id: uuid.UUID,
        plate_id: uuid.UUID,
        *,
        starts_at: datetime,
        ends_at: datetime,
    ) -> ReservationRow:
        """A bay for every hour of the window, or none (the database decides)."""
        lot = await self.lot(lot_id)
        plate = await self.plate(citizen_id, plate_id)
        first, last = self._window(starts_at, ends_at)
        now = self._clock.now()
        row = ReservationRow(
            id=uuid.uuid4(),
            citizen_id=citizen_id,
            lot_id=lot.id,
            plate_index=plate.plate_index,
            plate_sealed=plate.plate_sealed,
            plate_masked=plate.plate_masked,
            starts_at=starts_at,
            ends_at=ends_at,
            first_hour=first,
            last_hour=last,
            status="active",
            created_at=now,
            changed_at=now,
        )
        async with transaction(self._engine):
            if not await self._lots.take_hours(lot, first, last):
                raise LotFull()  # rolls back the hours this statement took
            await self._reservations.add(row)
            await self._audit.append(
                actor=f"citizen:{citizen_id}",
                action="parking.reserved",
                subject=f"parking_reservation:{row.id}",
                data={"lot": str(lot.id), "hours": last - first},
                chain="booking",
            )
        return row

    async def reservation(self, citizen_id: uuid.UUID, reservation_id: uuid.UUID) -> ReservationRow:
        found = await self._reservations.find(reservation_id, citizen_id)
        if found is None:
            raise ReservationNotFound()
        return found

    async def reservations(self, citizen_id: uuid.UUID) -> list[ReservationRow]:
        return await self._reservations.of_citizen(citizen_id)

    async def cancel_reservation(self, citizen_id: uuid.UUID, reservation_id: uuid.UUID) -> ReservationRow:
        row = await self.reservation(citizen_id, reservation_id)
        await self._end_reservation(row, to="cancelled", by=f"citizen:{citizen_id}")
        return await self.reservation(citizen_id, reservation_id)

    async def _end_reservation(self, row: ReservationRow, *, to: str, by: str) -> None:
        async with transaction(self._engine):
            if not await self._reservations.move(row.id, from_status="active", to=to, now=self._clock.now()):
                raise ReservationNotActive()
            await self._lots.give_back_hours(row.lot_id, row.first_hour, row.last_hour)
            await self._audit.append(
                actor=by,
                action=f"parking.reservation_{to}",
                subject=f"parking_reservation:{row.id}",
                chain="booking",
            )

    async def stays(self, citizen_id: uuid.UUID) -> list[StayRow]:
        """Stays of the caller's linked plates, newest first."""
        return await self._stays.of_plates([p.plate_index for p in await self.plates(citizen_id)])

    async def stay(self, citizen_id: uuid.UUID, stay_id: uuid.UUID) -> StayRow:
        found = await self._stays.find(stay_id)
        indexes = {p.plate_index for p in await self.plates(citizen_id)}
        if found is None or not found.plate_index or found.plate_index not in indexes:
            raise StayNotFound()
        return found

    async def due(self, stay: StayRow, *, at: datetime | None = None) -> int:
        """What the stay owes now (or at ``at``) beyond what was paid."""
        lot = await self.lot(stay.lot_id)
        until = stay.exited_at or at or self._clock.now()
        return max(0, fee_fen(lot.tariff, stay.entered_at, until) - stay.paid_fen)

    async def pay(
        self, citizen_id: uuid.UUID, stay_id: uuid.UUID, *, channel: str
    ) -> tuple[StayRow, PaymentRow, CreatedOrder]:
        """An order for what the stay owes up to now (the same order again while it is unpaid)."""
        stay = await self.stay(citizen_id, stay_id)
        if stay.status == "exited":
            raise StayClosed()
        now = self._clock.now()
        amount = await self.due(stay, at=now)
        if amount <= 0:
            raise NothingToPay()
        lot = await self.lot(stay.lot_id)
        created = await self._payments.create_order(
            citizen_id=citizen_id,
            owner=OWNER,
            payable=f"stay:{stay.id}:{stay.paid_fen}",
            description=f"{lot.name} 停车费 {stay.plate_masked}",
            amount_fen=amount,
            channel=channel,
        )
        await self._stays.add_payment(
            PaymentRow(
                id=uuid.uuid4(),
                stay_id=stay.id,
                citizen_id=citizen_id,
                order_id=created.order.id,
                amount_fen=created.order.amount_fen,
                covers_until=now,
                status="pending",
                created_at=now,
            )
        )
        payment = await self._stays.payment_by_order(created.order.id)
        assert payment is not None
        return stay, payment, created

    async def on_payment(self, notice: PaymentNotice) -> None:
        """The payment feature's notice: a stay's fee was paid. Once per order (a compare-and-set):
        the stay's paid total moves and the gate is owed a clearance, in one transaction."""
        if notice.event != "paid":
            return
        async with transaction(self._engine):
            payment = await self._stays.settle_payment(notice.order_id)
            if payment is None:
                return  # unknown, or told before: a replay changes nothing
            await self._stays.add_paid(payment.stay_id, payment.amount_fen)
            until = payment.covers_until + timedelta(minutes=self.settings.leave_minutes)
            await self._outbox.enqueue(
                CLEAR_TOPIC,
                key=f"parking:{payment.id}:clear",
                payload={"stay_id": str(payment.stay_id), "until": until.isoformat()},
            )
            await self._audit.append(
                actor="system",
                action="parking.paid",
                subject=f"parking_stay:{payment.stay_id}",
                data={"amount_fen": payment.amount_fen},
                chain="payment",
            )
        self._outbox.wake()

    async def sweep(self, *, now: datetime | None = None) -> tuple[int, int]:
        """Expire reservations nobody used and erase plates past the retention period (a step of the
        background job): how many of each."""
        now = now or self._clock.now()
        expired = 0
        for row in await self._reservations.no_shows(now, limit=200):
            try:
                await self._end_reservation(row, to="expired", by="system")
                expired += 1
            except ReservationNotActive:
                continue
        before = now - timedelta(days=self.settings.retention_days)
        erased = await self._stays.anonymise(before, now) + await self._reservations.anonymise(before)
        return expired, erased
