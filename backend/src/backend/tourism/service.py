"""Selling timed tickets: hold (one conditional write takes the places), pay through the payment
feature, confirm on its notice (once, however often it is told), expire, cancel and refund.

How a hold can't oversell: the places are taken by one conditional UPDATE of one stock row, which the
CHECK ``held + sold <= capacity`` backs; Redis only keeps a short "sold out" flag that turns losers
away before they reach the database (a missing or stale flag only costs a query; Redis down costs
nothing but speed). A buyer who finds the slot full first reclaims the slot's expired holds and tries
once more, so expired holds never cause a false "sold out".
"""

from __future__ import annotations

import logging
import random
import secrets
import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import msgspec
from piccolo.engine.base import Engine

from backend.audit.service import AuditLog
from backend.clock import Clock
from backend.database import UniqueViolation, is_unique_violation, transaction
from backend.idempotency import Idempotency
from backend.payment.owners import PaymentNotice
from backend.payment.refunds import RefundService
from backend.payment.service import CreatedOrder, PaymentService
from backend.store import KeyValueStore
from backend.tourism.admission import Admission
from backend.tourism.errors import (
    CancelTooLate,
    HoldExpired,
    HoldNotCancellable,
    HoldNotFound,
    HoldNotPayable,
    IdLimitReached,
    ProductNotForVisitor,
    ProductUnknown,
    SlotClosed,
    SoldOut,
    TicketsInvalid,
    VisitorUnknown,
)
from backend.tourism.flags import SoldOutFlags
from backend.tourism.model import BEIJING, MAX_TICKETS, Hold, Slot, Ticket, TicketRequest, age_on, kind_admits
from backend.tourism.repository.sales import Raced, SalesRepository
from backend.tourism.settings import TourismSettings
from backend.tourism.signing import new_code_id
from backend.tourism.spots import SpotService
from backend.tourism.visitors import VisitorService

if TYPE_CHECKING:
    from backend.tourism.waitlist import WaitlistService

log = logging.getLogger("backend.tourism")

OWNER = "tourism"
_NO_STOCK = uuid.UUID(int=0)


def _shuffled(shards: list[int]) -> list[int]:
    random.shuffle(shards)
    return shards


class TourismService:
    def __init__(
        self,
        *,
        sales: SalesRepository,
        spots: SpotService,
        visitors: VisitorService,
        payments: PaymentService,
        refunds: RefundService,
        store: KeyValueStore,
        idempotency: Idempotency,
        settings: TourismSettings,
        audit: AuditLog,
        clock: Clock,
        engine: Engine[Any],
        data_key: bytes,
    ) -> None:
        self._sales = sales
        self._spots = spots
        self._visitors = visitors
        self._payments = payments
        self._refunds = refunds
        self.flags = SoldOutFlags(store, sales)
        self.admission = Admission(store=store, data_key=data_key, clock=clock, audit=audit)
        # The hold route's ``Idempotency-Key`` (one dependency on the hot path, not two).
        self.idempotency = idempotency
        self._settings = settings
        self._audit = audit
        self._clock = clock
        self._engine = engine
        self.waitlist: WaitlistService | None = None  # set by the feature: offers before flags go

    async def places_back(self, slots: Iterable[uuid.UUID]) -> None:
        """Places came back: waiters are offered them first, then the sold-out flags go."""
        back = set(slots)
        if back:
            self._spots.forget()
            if self.waitlist is not None:
                await self.waitlist.offer(back)
            await self.flags.clear(back)

    async def hold(
        self,
        citizen_id: uuid.UUID,
        slot_id: uuid.UUID,
        tickets: Sequence[TicketRequest],
        *,
        waiter_id: uuid.UUID | None = None,
        admission: str | None = None,
    ) -> tuple[Hold, list[Ticket]]:
        """Hold places for ``tickets`` (one per visitor) until ``hold_ttl``: two statements when it
        succeeds (the visitors, then the one conditional write). For a waiting list's offer
        (``waiter_id``, the hold's id too): ``offer_ttl``, past the sold-out flag, nothing reclaimed."""
        slot = await self._spots.slot(slot_id)
        now = self._clock.now()
        if now >= slot.ends_at:
            raise SlotClosed()
        if waiter_id is None:
            flagged_for, queued = await self.flags.look(slot_id)
            if flagged_for is not None:
                self.flags.mirror(slot_id, closes_in=(slot.ends_at - now).total_seconds(), ttl=flagged_for)
                raise SoldOut()
            self.admission.require(queued, citizen_id, slot_id, admission)  # a flash sale's pass
        spot = await self._spots.spot(slot.spot_id)
        hold_id = waiter_id or uuid.uuid4()
        made = await self.tickets_for(citizen_id, slot, tickets, hold_id=hold_id, now=now)
        ttl = self._settings.hold_ttl if waiter_id is None else self._settings.offer_ttl
        hold = Hold(
            id=hold_id,
            citizen_id=citizen_id,
            spot_id=slot.spot_id,
            slot_id=slot.id,
            stock_id=_NO_STOCK,
            day=slot.day,
            qty=len(made),
            amount_fen=sum(t.price_fen for t in made),
            state="held",
            order_id=None,
            expires_at=now + timedelta(seconds=ttl),
            paid_at=None,
            closed_at=None,
            created_at=now,
        )
        # A counter row at random; when it has no room, the rows that have (read once), each tried once.
        stock = await self._take(hold, made, random.randrange(spot.shards))  # noqa: S311 (spreading load, not a secret)
        if stock is None:
            stock = await self._take_any(hold, made)
        if stock is None and waiter_id is None:
            reclaimed = await self._sales.expire(now, slot_id=slot_id)
            if reclaimed:
                await self.places_back(reclaimed)
                stock = await self._take_any(hold, made)
        if stock is None:
            if not any((await self._sales.left(slot_id)).values()):
                await self.flags.set(slot_id, now, ends_at=slot.ends_at)
            raise SoldOut()
        self._spots.forget(slot.spot_id, slot.day)
        return msgspec.structs.replace(hold, stock_id=stock), made

    async def tickets_for(
        self,
        citizen_id: uuid.UUID,
        slot: Slot,
        tickets: Sequence[TicketRequest],
        *,
        hold_id: uuid.UUID,
        now: datetime,
    ) -> list[Ticket]:
        """The tickets of a purchase, checked: distinct visitors of the citizen's, ticket types of the
        spot that admit each visitor's age on the day."""
        if not 1 <= len(tickets) <= MAX_TICKETS or len({t.visitor_id for t in tickets}) != len(tickets):
            raise TicketsInvalid()
        spot = await self._spots.spot(slot.spot_id)
        products = {p.id: p for p in await self._spots.products(slot.spot_id)}
        keys = await self._visitors.keys(citizen_id, [t.visitor_id for t in tickets])
        day = date.fromisoformat(slot.day)
        closes = datetime.combine(day, datetime.min.time(), BEIJING) + timedelta(minutes=spot.closes)
        made: list[Ticket] = []
        for request in tickets:
            product = products.get(request.product_id)
            if product is None:
                raise ProductUnknown()
            key = keys.get(request.visitor_id)
            if key is None:
                raise VisitorUnknown()
            if not kind_admits(product.kind, age_on(key.born, day)):
                raise ProductNotForVisitor()
            made.append(
                Ticket(
                    id=uuid.uuid4(),
                    hold_id=hold_id,
                    citizen_id=citizen_id,
                    spot_id=slot.spot_id,
                    slot_id=slot.id,
                    day=slot.day,
                    visitor_id=key.id,
                    id_index=key.id_index,
                    product_id=product.id,
                    kind=product.kind,
                    price_fen=product.price_fen,
                    code_id=new_code_id(secrets.token_bytes(10)),
                    state="held",
                    valid_from=slot.starts_at - timedelta(seconds=self._settings.enter_early),
                    valid_until=closes,
                    redeemed_at=None,
                    gate="",
                    created_at=now,
                    changed_at=now,
                )
            )
        return made

    async def _take(self, hold: Hold, tickets: Sequence[Ticket], shard: int) -> uuid.UUID | None:
        with UniqueViolation(raise_as=IdLimitReached):
            return await self._sales.take(hold, tickets, shard=shard)
        raise AssertionError("unreachable: UniqueViolation raises")

    async def _take_any(self, hold: Hold, tickets: Sequence[Ticket]) -> uuid.UUID | None:
        left = await self._sales.left(hold.slot_id)
        for shard in _shuffled([k for k, n in left.items() if n >= hold.qty]):
            stock = await self._take(hold, tickets, shard)
            if stock is not None:
                return stock
        return None

    async def get(self, citizen_id: uuid.UUID, hold_id: uuid.UUID) -> tuple[Hold, list[Ticket]]:
        hold = await self._sales.find_hold(hold_id, citizen_id)
        if hold is None:
            raise HoldNotFound()
        return hold, await self._sales.tickets_of_hold(hold_id)

    async def holds(self, citizen_id: uuid.UUID) -> list[Hold]:
        return await self._sales.holds_of(citizen_id)

    async def tickets(self, citizen_id: uuid.UUID) -> list[Ticket]:
        return await self._sales.tickets_of(citizen_id)

    async def pay(
        self, citizen_id: uuid.UUID, hold_id: uuid.UUID, *, channel: str
    ) -> tuple[Hold, CreatedOrder | None]:
        """An order for the hold (the same order again while it is unpaid); free tickets are
        confirmed at once, with no order."""
        hold, _ = await self.get(citizen_id, hold_id)
        now = self._clock.now()
        if hold.state == "expired" or (hold.state == "held" and hold.expires_at <= now):
            raise HoldExpired()
        if hold.state != "held":
            raise HoldNotPayable()
        if hold.amount_fen == 0:
            if not await self._confirm(hold.id, order_id=None, now=now):
                raise HoldNotPayable()
            return (await self.get(citizen_id, hold_id))[0], None
        spot = await self._spots.spot(hold.spot_id)
        created = await self._payments.create_order(
            citizen_id=citizen_id,
            owner=OWNER,
            payable=f"hold:{hold.id}",
            description=f"{spot.name} 门票 {hold.day} ×{hold.qty}",
            amount_fen=hold.amount_fen,
            channel=channel,
        )
        if not await self._sales.set_order(hold.id, created.order.id):
            raise HoldNotPayable()
        return msgspec.structs.replace(hold, order_id=created.order.id), created

    async def _confirm(self, hold_id: uuid.UUID, *, order_id: uuid.UUID | None, now: datetime) -> bool:
        async with transaction(self._engine):
            confirmed = await self._sales.confirm(hold_id, order_id=order_id, now=now)
            if confirmed:
                await self._audit.append(
                    actor="system",
                    action="tourism.tickets_issued",
                    subject=f"tourism_hold:{hold_id}",
                    data={"order": str(order_id) if order_id else None},
                    chain="tourism",
                )
        return confirmed

    async def on_payment(self, notice: PaymentNotice) -> None:
        """The payment feature's notice. Paid: the hold's tickets become valid — once, whoever tells
        us how often. A payment for a hold that expired meanwhile is re-seated when the slot has
        room, else refunded in full; one for a cancelled hold is refunded."""
        if not notice.payable.startswith("hold:"):
            return
        hold_id = uuid.UUID(notice.payable.removeprefix("hold:"))
        if notice.event == "refunded":
            await self._refunded(hold_id, notice)
            return
        now = self._clock.now()
        if await self._confirm(hold_id, order_id=notice.order_id, now=now):
            return
        hold = await self._sales.find_hold(hold_id)
        if hold is None or hold.state == "paid":
            return  # a replay: the tickets exist once
        if hold.state == "expired" and await self._reseat(hold, now):
            return
        if hold.state != "refunded":
            await self._sales.close(hold.id, from_states=("expired", "cancelled"), to="refunded", now=now)
        # One automatic full refund per order (a fixed refund number): a replay asks nothing new.
        await self._refunds.refund_in_full(notice.order_id, tag="TKSO", reason="门票已售罄，自动退款")

    async def _reseat(self, hold: Hold, now: datetime) -> bool:
        left = await self._sales.left(hold.slot_id)
        for shard in _shuffled([k for k, n in left.items() if n >= hold.qty]):
            if await self._reseat_on(hold, shard, now):
                return True
        return False

    async def _reseat_on(self, hold: Hold, shard: int, now: datetime) -> bool:
        try:
            async with transaction(self._engine):
                if not await self._sales.reseat(hold, shard=shard, now=now):
                    return False
                await self._audit.append(
                    actor="system",
                    action="tourism.late_payment_reseated",
                    subject=f"tourism_hold:{hold.id}",
                    chain="tourism",
                )
        except Raced:
            return True  # another delivery of this notice settled it
        except Exception as exc:
            if is_unique_violation(exc):
                return False  # a visitor holds another ticket that day now: refund
            raise
        return True

    async def _refunded(self, hold_id: uuid.UUID, notice: PaymentNotice) -> None:
        # Refunded in full by an operator: the unused tickets go, and their places come back.
        if notice.refunded_fen < notice.paid_fen:
            return
        now = self._clock.now()
        async with transaction(self._engine):
            closed = await self._sales.close(hold_id, from_states=("paid",), to="refunded", now=now)
            if closed is not None:
                await self._sales.release(closed, column="sold", now=now)
        if closed is not None:
            await self.places_back([closed.slot_id])

    async def cancel(self, citizen_id: uuid.UUID, hold_id: uuid.UUID) -> Hold:
        """Unpaid: the places come back at once (and the order is closed). Paid: cancelled and
        refunded in full until ``cancel_before`` the slot starts, if no ticket was used."""
        hold, tickets = await self.get(citizen_id, hold_id)
        now = self._clock.now()
        if hold.state == "held":
            async with transaction(self._engine):
                closed = await self._sales.close(hold.id, from_states=("held",), to="cancelled", now=now)
                if closed is not None:
                    await self._sales.release(closed, column="held", now=now)
            if closed is None:
                raise HoldNotCancellable()
            await self.places_back([hold.slot_id])
            if hold.order_id is not None:
                await self._close_order(hold.order_id)
            return (await self.get(citizen_id, hold_id))[0]
        if hold.state != "paid" or any(t.state == "redeemed" for t in tickets):
            raise HoldNotCancellable()
        slot = await self._spots.slot(hold.slot_id)
        if now > slot.starts_at - timedelta(seconds=self._settings.cancel_before):
            raise CancelTooLate()
        async with transaction(self._engine):
            closed = await self._sales.close(hold.id, from_states=("paid",), to="refunded", now=now)
            if closed is None or await self._sales.release(closed, column="sold", now=now) != hold.qty:
                raise HoldNotCancellable()  # a ticket was used meanwhile: nothing changes
            await self._audit.append(
                actor=f"citizen:{citizen_id}",
                action="tourism.cancelled",
                subject=f"tourism_hold:{hold.id}",
                data={"refund_fen": hold.amount_fen},
                chain="tourism",
            )
        await self.places_back([hold.slot_id])
        if hold.order_id is not None:
            await self._refunds.refund_in_full(hold.order_id, tag="TKCX", reason="游客退票")
        return (await self.get(citizen_id, hold_id))[0]

    async def _close_order(self, order_id: uuid.UUID) -> None:
        try:
            order = await self._payments.get(order_id)
            if order.status == "pending":
                await self._payments.close(order, source="tourism_cancel")
        except Exception:
            # The order expires by itself; a payment landing meanwhile is refunded (on_payment).
            log.exception("tourism: closing order %s after a cancel failed", order_id)

    async def sweep(self) -> None:
        """A step of the background job: expired holds give their places back."""
        await self.places_back(await self._sales.expire(self._clock.now()))
