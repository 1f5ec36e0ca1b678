"""Hotels and room types, availability, booking a room paid through the payment feature (its nights
held until the order expires), the payment's notices, cancellation with a refund, and self check-in
with the guest's identity checked through the citizen account and a key code from the hotel's PMS."""

from __future__ import annotations

import contextlib
import logging
import uuid
from datetime import date, datetime, timedelta
from typing import Any

from piccolo.engine.base import Engine

from backend.audit.service import AuditLog
from backend.citizen.service import CitizenService
from backend.clock import Clock
from backend.crypto import PersonalDataCipher
from backend.database import UniqueViolation, transaction
from backend.hotel import rules
from backend.hotel.errors import (
    BookingNotCancellable,
    BookingNotConfirmed,
    CheckInNotOpen,
    HotelBookingNotFound,
    HotelCodeTaken,
    HotelNotFound,
    IdentityMismatch,
    NoRoomReady,
    PmsRefused,
    PmsUnavailable,
    RoomTypeCodeTaken,
    RoomTypeNotFound,
    SoldOut,
    StayInvalid,
)
from backend.hotel.repository import BookingRow, HotelRepository, HotelRow, RoomTypeRow
from backend.outbox.service import Outbox
from backend.payment.errors import OrderNotRefundable, RefundExceedsPaid
from backend.payment.owners import PaymentNotice
from backend.payment.refunds import RefundService
from backend.payment.service import CreatedOrder, PaymentService
from integrations import UpstreamRejected, UpstreamUnavailable
from integrations.hotelpms import CheckIn, HotelPmsClient

log = logging.getLogger("backend.hotel")

OWNER = "hotel"
REFUND_TOPIC = "hotel.refund"
_KEY_COLUMN = "hotel_booking.key_code"


class HotelService:
    def __init__(
        self,
        *,
        repository: HotelRepository,
        payments: PaymentService,
        refunds: RefundService,
        citizens: CitizenService,
        pms: HotelPmsClient,
        outbox: Outbox,
        cipher: PersonalDataCipher,
        audit: AuditLog,
        clock: Clock,
        engine: Engine[Any],
        hold: timedelta,
    ) -> None:
        self._hold = hold  # until the order expires (its TTL), and not longer
        self._repository = repository
        self._payments = payments
        self._refunds = refunds
        self._citizens = citizens
        self._pms = pms
        self._outbox = outbox
        self._cipher = cipher
        self._audit = audit
        self._clock = clock
        self._engine = engine

    async def add_hotel(self, *, by: str, **fields: Any) -> HotelRow:
        row = HotelRow(id=uuid.uuid4(), created_at=self._clock.now(), **fields)
        with UniqueViolation(raise_as=HotelCodeTaken):
            async with transaction(self._engine):
                await self._repository.add_hotel(row)
                await self._audit.append(
                    actor=by,
                    action="hotel.added",
                    subject=f"hotel:{row.id}",
                    data={"code": row.code},
                    chain="staff",
                )
        return row

    async def add_room_type(self, hotel_id: uuid.UUID, *, by: str, **fields: Any) -> RoomTypeRow:
        await self.hotel(hotel_id)
        row = RoomTypeRow(id=uuid.uuid4(), hotel_id=hotel_id, created_at=self._clock.now(), **fields)
        with UniqueViolation(raise_as=RoomTypeCodeTaken):
            async with transaction(self._engine):
                await self._repository.add_room_type(row)
                await self._audit.append(
                    actor=by,
                    action="hotel.room_type_added",
                    subject=f"hotel:{hotel_id}",
                    data={"code": row.code, "rooms": row.rooms, "price_fen": row.price_fen},
                    chain="staff",
                )
        return row

    async def has_code(self, code: str) -> bool:
        return await self._repository.has_hotel_code(code)

    async def hotels(self) -> list[HotelRow]:
        return await self._repository.hotels()

    async def hotel(self, hotel_id: uuid.UUID) -> HotelRow:
        found = await self._repository.find_hotel(hotel_id)
        if found is None:
            raise HotelNotFound()
        return found

    async def room_types(self, hotel_id: uuid.UUID) -> list[RoomTypeRow]:
        kinds = await self._repository.room_types(hotel_id)
        if not kinds:  # no such hotel (404), or one without room types yet; the hot path skips the read
            await self.hotel(hotel_id)
        return kinds

    async def availability(
        self, hotel_id: uuid.UUID, arrival: date, departure: date
    ) -> list[tuple[RoomTypeRow, int]]:
        """Each room type with the rooms left for every night of the stay."""
        self._check_stay(arrival, departure)
        kinds = await self.room_types(hotel_id)
        left = await self._repository.left([k.id for k in kinds], arrival.isoformat(), departure.isoformat())
        return [(k, max(0, min(k.rooms, left.get(k.id, k.rooms)))) for k in kinds]

    def _check_stay(self, arrival: date, departure: date) -> None:
        if not rules.stay_is_valid(arrival, departure, now=self._clock.now()):
            raise StayInvalid()

    async def book(
        self, citizen_id: uuid.UUID, room_type_id: uuid.UUID, *, arrival: date, departure: date, channel: str
    ) -> tuple[BookingRow, CreatedOrder]:
        """Hold one room for every night (all or none, the database decides), then open its order;
        the hold lasts as long as the order."""
        self._check_stay(arrival, departure)
        kind = await self._repository.find_room_type(room_type_id)
        if kind is None:
            raise RoomTypeNotFound()
        hotel = await self.hotel(kind.hotel_id)
        nights = rules.nights_of(arrival, departure)
        now = self._clock.now()
        booking = BookingRow(
            id=uuid.uuid4(),
            citizen_id=citizen_id,
            hotel_id=hotel.id,
            room_type_id=kind.id,
            arrival=arrival.isoformat(),
            departure=departure.isoformat(),
            nights=len(nights),
            amount_fen=kind.price_fen * len(nights),
            status="pending",
            order_id=None,
            expires_at=now + self._hold,
            fee_fen=0,
            refund_fen=0,
            refunded_fen=0,
            room_no="",
            key_code="",
            key_valid_until="",
            created_at=now,
            changed_at=now,
        )
        async with transaction(self._engine):
            if not await self._repository.take_nights(kind, nights):
                raise SoldOut()  # rolls back the nights this statement took
            await self._repository.add_booking(booking)
            await self._audit.append(
                actor=f"citizen:{citizen_id}",
                action="hotel.booked",
                subject=f"hotel_booking:{booking.id}",
                data={"room_type": str(kind.id), "arrival": booking.arrival, "nights": len(nights)},
                chain="booking",
            )
        try:
            created = await self._payments.create_order(
                citizen_id=citizen_id,
                owner=OWNER,
                payable=f"booking:{booking.id}",
                description=f"{hotel.name} {kind.name} {booking.arrival} {len(nights)}晚",
                amount_fen=booking.amount_fen,
                channel=channel,
            )
        except Exception:
            await self._release(booking, to="cancelled", by="system")  # nothing to pay: the nights go back
            raise
        await self._repository.attach_order(booking.id, created.order.id, created.order.expires_at)
        return await self.booking(citizen_id, booking.id), created

    async def booking(self, citizen_id: uuid.UUID, booking_id: uuid.UUID) -> BookingRow:
        found = await self._repository.find_booking(booking_id, citizen_id)
        if found is None:
            raise HotelBookingNotFound()
        return found

    async def bookings(self, citizen_id: uuid.UUID) -> list[BookingRow]:
        return await self._repository.of_citizen(citizen_id)

    def key_code(self, booking: BookingRow) -> str | None:
        """The door's key code, for the booking's own guest once checked in."""
        if booking.status != "checked_in" or not booking.key_code:
            return None
        return self._cipher.open(booking.key_code, column=_KEY_COLUMN)

    async def _release(self, booking: BookingRow, *, to: str, by: str, **values: Any) -> BookingRow | None:
        now = self._clock.now()
        async with transaction(self._engine):
            moved = await self._repository.move(
                booking.id, from_status=booking.status, to=to, now=now, **values
            )
            if moved is None:
                return None
            await self._repository.give_back_nights(booking.room_type_id, booking.arrival, booking.departure)
            await self._audit.append(
                actor=by,
                action=f"hotel.{to}",
                subject=f"hotel_booking:{booking.id}",
                data=values,
                chain="booking",
            )
            if moved.refund_fen > 0:
                await self._outbox.enqueue(
                    REFUND_TOPIC, key=f"hotel:{booking.id}:refund", payload={"booking_id": str(booking.id)}
                )
        return moved

    async def cancel(self, citizen_id: uuid.UUID, booking_id: uuid.UUID) -> BookingRow:
        """An unpaid booking is dropped and its order closed; a paid one is refunded less the fee its
        hotel's rule sets (free until the cut-off). A checked-in stay is the front desk's."""
        booking = await self.booking(citizen_id, booking_id)
        actor = f"citizen:{citizen_id}"
        if booking.status == "pending":
            moved = await self._release(booking, to="cancelled", by=actor)
            if moved is None:
                raise BookingNotCancellable()
            await self._close_order(moved)
            return moved
        if booking.status != "confirmed":
            raise BookingNotCancellable()
        hotel = await self.hotel(booking.hotel_id)
        free_until = rules.free_cancel_until(
            booking.arrival, check_in_minute=hotel.check_in_minute, free_cancel_hours=hotel.free_cancel_hours
        )
        fee = rules.cancellation_fee(
            amount_fen=booking.amount_fen,
            nights=booking.nights,
            late_fee_percent=hotel.late_fee_percent,
            now=self._clock.now(),
            free_until=free_until,
        )
        moved = await self._release(
            booking, to="cancelled", by=actor, fee_fen=fee, refund_fen=booking.amount_fen - fee
        )
        if moved is None:
            raise BookingNotCancellable()
        self._outbox.wake()
        return moved

    async def _close_order(self, booking: BookingRow) -> None:
        if booking.order_id is None:
            return
        try:
            order = await self._payments.get(booking.order_id)
            if order.status == "pending":
                await self._payments.close(order, source="hotel")
        except Exception:  # the payment sweep closes it at its expiry anyway
            log.exception("closing the order of hotel booking %s failed", booking.id)

    async def refund(self, booking_id: uuid.UUID) -> None:
        """The outbox's delivery of a cancellation's refund: asked once per order (a redelivery finds
        the refund made, and the payment feature never refunds more than was paid)."""
        booking = await self._repository.find_booking(booking_id)
        if booking is None or booking.order_id is None or booking.refund_fen <= 0:
            return
        if await self._refunds.of_order(booking.order_id):
            return
        try:
            await self._refunds.refund(
                booking.order_id, amount_fen=booking.refund_fen, reason="酒店预订取消退款", by="system:hotel"
            )
        except (RefundExceedsPaid, OrderNotRefundable):
            log.warning("hotel booking %s: the order has nothing more to refund", booking.id)

    async def on_payment(self, notice: PaymentNotice) -> None:
        """The payment feature's notice. Paid: the held booking is confirmed, once; a booking no
        longer held (cancelled meanwhile) is refunded in full. Refunded: the total is recorded."""
        booking = await self._repository.by_order(notice.order_id)
        if booking is None:
            return
        if notice.event == "refunded":
            await self._repository.refunded(notice.order_id, notice.refunded_fen)
            return
        now = self._clock.now()
        async with transaction(self._engine):
            confirmed = await self._repository.move(
                booking.id, from_status="pending", to="confirmed", now=now
            )
            if confirmed is not None:
                await self._audit.append(
                    actor="system",
                    action="hotel.confirmed",
                    subject=f"hotel_booking:{booking.id}",
                    chain="booking",
                )
        if confirmed is None and booking.status in ("cancelled", "expired"):
            # A replayed notice finds it refunded: more than was paid is refused.
            with contextlib.suppress(RefundExceedsPaid, OrderNotRefundable):
                await self._refunds.refund(
                    notice.order_id,
                    amount_fen=notice.paid_fen,
                    reason="预订已取消，自动退款",
                    by="system:hotel",
                )

    async def check_in(
        self, citizen_id: uuid.UUID, booking_id: uuid.UUID, *, name: str, id_number: str
    ) -> BookingRow:
        """Self check-in: the guest proves to be the booking's citizen (the name and ID number on
        their card are the account's real identity), then the PMS assigns a room and its key code,
        under a key per booking (a retry answers the same room)."""
        booking = await self.booking(citizen_id, booking_id)
        if booking.status == "checked_in":
            return booking
        if booking.status != "confirmed":
            raise BookingNotConfirmed()
        if not rules.check_in_open(booking.arrival, booking.departure, now=self._clock.now()):
            raise CheckInNotOpen()
        if not await self._citizens.holds_identity(citizen_id, name=name, id_number=id_number):
            raise IdentityMismatch()
        identity = await self._citizens.real_identity(citizen_id)
        hotel = await self.hotel(booking.hotel_id)
        kind = await self._repository.find_room_type(booking.room_type_id)
        assert kind is not None
        try:
            key = await self._pms.check_in(
                hotel.code,
                CheckIn(
                    booking_ref=str(booking.id),
                    room_type=kind.code,
                    arrival=booking.arrival,
                    departure=booking.departure,
                    guest_name=identity.name,
                    guest_id_number=identity.id_number,
                ),
                idempotency_key=f"hotel:{booking.id}:check-in",
            )
        except UpstreamUnavailable:
            raise PmsUnavailable() from None
        except UpstreamRejected as exc:
            raise (NoRoomReady() if exc.code == "no_room_ready" else PmsRefused()) from None
        async with transaction(self._engine):
            moved = await self._repository.move(
                booking.id,
                from_status="confirmed",
                to="checked_in",
                now=self._clock.now(),
                room_no=key.room_no,
                key_code=self._cipher.seal(key.key_code, column=_KEY_COLUMN),
                key_valid_until=key.valid_until,
            )
            if moved is not None:
                await self._audit.append(
                    actor=f"citizen:{citizen_id}",
                    action="hotel.checked_in",
                    subject=f"hotel_booking:{booking.id}",
                    data={"room_no": key.room_no},
                    chain="booking",
                )
        return moved or await self.booking(citizen_id, booking_id)

    async def sweep(self, *, now: datetime | None = None, limit: int = 100) -> int:
        """Give back the nights of bookings whose order expired unpaid (a step of the background job):
        the order is closed first, so a payment arriving later is refunded by the payment feature."""
        expired = 0
        for booking in await self._repository.due_to_expire(now or self._clock.now(), limit=limit):
            if booking.order_id is not None:
                order = await self._payments.get(booking.order_id)
                if order.status == "pending":
                    if not await self._payments.close(order, source="hotel"):
                        continue  # paid after all: its notice confirms the booking
                elif order.status != "closed":
                    continue  # paid: its notice confirms the booking
            if await self._release(booking, to="expired", by="system") is not None:
                expired += 1
        return expired
