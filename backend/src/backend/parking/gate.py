"""The gate platform's side: its event feed read by cursor (each event taken once, in the transaction
that applies it and moves the cursor) and the clearance that opens an exit barrier, delivered by the
outbox under the job's idempotency key."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

import msgspec
from piccolo.engine.base import Engine

from backend.clock import Clock
from backend.database import transaction
from backend.outbox.jobs import ClaimedJob, GiveUp, RetryLater
from backend.outbox.service import Outbox
from backend.parking.records import FeedRepository, StayRepository
from backend.parking.repository import LotRepository, ReservationRepository, StayRow
from backend.parking.service import CLEAR_TOPIC, PLATE_COLUMN, ParkingService
from integrations import UpstreamRejected, UpstreamUnavailable
from integrations.parking import GateEvent, ParkingGateClient, is_valid_plate, mask_plate, normalise_plate

log = logging.getLogger("backend.parking")


class ClearPayload(msgspec.Struct, frozen=True):
    stay_id: uuid.UUID
    until: datetime


class GateFeed:
    def __init__(
        self,
        *,
        parking: ParkingService,
        gate: ParkingGateClient,
        lots: LotRepository,
        reservations: ReservationRepository,
        stays: StayRepository,
        feed: FeedRepository,
        outbox: Outbox,
        clock: Clock,
        engine: Engine[Any],
    ) -> None:
        self._parking = parking
        self._gate = gate
        self._lots = lots
        self._reservations = reservations
        self._stays = stays
        self._feed = feed
        self._outbox = outbox
        self._clock = clock
        self._engine = engine

    async def step(self) -> int:
        """Read and apply the events after our cursor; how many were new."""
        try:
            events, _ = await self._gate.events(after=await self._feed.cursor(), limit=200)
        except UpstreamUnavailable:
            return 0  # the next step asks again from the same cursor
        new = 0
        for event in events:
            async with transaction(self._engine):
                if await self._feed.take(event.event_id, event.seq, self._clock.now()):
                    await self._apply(event)
                    new += 1
        if new:
            self._outbox.wake()
        return new

    async def _apply(self, event: GateEvent) -> None:
        lot = await self._lots.by_code(event.lot_code)
        plate = normalise_plate(event.plate)
        if lot is None or not is_valid_plate(plate):
            log.warning("gate event %s: unknown lot or unreadable plate; skipped", event.event_id)
            return
        at = datetime.fromisoformat(event.at)
        index = self._parking.plate_index(plate)
        if event.kind == "entered":
            reservation = await self._reservations.covering(lot.id, index, at)
            if reservation is not None and not await self._reservations.move(
                reservation.id, from_status="active", to="used", now=at
            ):
                reservation = None
            await self._stays.enter(
                StayRow(
                    id=uuid.uuid4(),
                    lot_id=lot.id,
                    plate_index=index,
                    plate_sealed=self._parking.cipher.seal(plate, column=PLATE_COLUMN),
                    plate_masked=mask_plate(plate),
                    reservation_id=None if reservation is None else reservation.id,
                    status="parked",
                    entered_at=at,
                    exit_requested_at=None,
                    exited_at=None,
                    paid_fen=0,
                    anonymised_at=None,
                )
            )
            return
        stay = await self._stays.inside(lot.id, index)
        if stay is None:
            # Never saw it enter (before our time, or a misread): the lot's staff decide.
            log.warning("gate event %s: %s of a car never seen entering; skipped", event.event_id, event.kind)
            return
        if event.kind == "exit_requested":
            await self._stays.move(stay.id, from_status=("parked",), to="exiting", exit_requested_at=at)
            if await self._parking.due(stay, at=at) <= 0:
                # Free, or paid up to this started hour: the barrier opens at once.
                until = at + timedelta(minutes=self._parking.settings.leave_minutes)
                await self._outbox.enqueue(
                    CLEAR_TOPIC,
                    key=f"parking:{stay.id}:exit:{event.event_id}",
                    payload=ClearPayload(stay_id=stay.id, until=until),
                )
        elif event.kind == "exited":
            await self._stays.move(stay.id, from_status=("parked", "exiting"), to="exited", exited_at=at)

    async def clear(self, job: ClaimedJob) -> None:
        """The outbox's delivery of a clearance: the gate opens the barrier for the stay's plate."""
        payload = msgspec.json.decode(job.payload, type=ClearPayload)
        stay = await self._stays.find(payload.stay_id)
        if stay is None or stay.status == "exited" or not stay.plate_sealed:
            return
        lot = await self._lots.find(stay.lot_id)
        assert lot is not None
        try:
            await self._gate.clear(
                lot.code,
                plate=self._parking.cipher.open(stay.plate_sealed, column=PLATE_COLUMN),
                stay_ref=str(stay.id),
                paid_fen=stay.paid_fen,
                until=payload.until.isoformat(),
                idempotency_key=job.key,
            )
        except UpstreamUnavailable as exc:
            raise RetryLater(str(exc)) from None
        except UpstreamRejected as exc:
            if exc.code == "vehicle_not_in_lot":
                return  # it left meanwhile
            raise GiveUp(exc.code) from None
