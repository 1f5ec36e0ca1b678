"""Parking: the plates a citizen registered, their reservations, the stays those covered and what
they paid. A car still in a lot on the citizen's reservation blocks closing the account (the exit
gate finds it by its plate). A stay is the citizen's when its plate is one they registered."""

from __future__ import annotations

import uuid

from backend.parking.service import PLATE_COLUMN
from backend.parking.tables import (
    ParkingBay,
    ParkingBucket,
    ParkingFeed,
    ParkingGateEvent,
    ParkingLot,
    ParkingPayment,
    ParkingPlate,
    ParkingReservation,
    ParkingStay,
)
from backend.personal_data import Blocker, BlockerCheck, Category, Held, OnClosure, PersonalData
from backend.wiring import Wiring


def _blockers(w: Wiring) -> BlockerCheck:
    async def check(citizen_id: uuid.UUID) -> list[Blocker]:
        plates = await ParkingPlate.select(ParkingPlate.plate_index).where(
            ParkingPlate.citizen_id == citizen_id
        )
        if not plates:
            return []
        parked = await ParkingStay.count().where(
            ParkingStay.plate_index.is_in([row["plate_index"] for row in plates])
            & ParkingStay.status.is_in(["parked", "exiting"])
        )
        if not parked:
            return []
        return [
            Blocker(code="parking.parked", detail="car(s) of your plates still in a car park", count=parked)
        ]

    return check


PERSONAL_DATA = PersonalData(
    categories=(
        Category(
            name="parking",
            description="Your number plates, parking reservations, the stays they covered and the fees "
            "you paid",
            purpose="Reserving bays, opening the barrier and charging for the stay",
            legal_basis="PIPL art. 13(2): the service you use",
            retention="Plates of stays erased 30 days after they end; all of it deleted when the account "
            "closes (the fees kept as financial records)",
        ),
    ),
    held=(
        Held(
            table=ParkingPlate,
            category="parking",
            sealed={"plate_sealed": PLATE_COLUMN},
            omit=("plate_index",),
        ),
        Held(
            table=ParkingStay,
            category="parking",
            parent=("plate_index", ParkingPlate),
            parent_key="plate_index",
            sealed={"plate_sealed": PLATE_COLUMN},
            omit=("plate_index",),
            on_closure=OnClosure.RETAIN,
            scrub={"plate_sealed": "", "plate_index": "", "reservation_id": None},
            retained_because="the car park's record of a stay (its fee is accounted for); plate erased",
        ),
        Held(
            table=ParkingReservation,
            category="parking",
            sealed={"plate_sealed": PLATE_COLUMN},
            omit=("plate_index",),
        ),
        Held(
            table=ParkingPayment,
            category="parking",
            on_closure=OnClosure.RETAIN,
            retained_because="accounting records (會計檔案管理辦法 art. 14); no name, ID or phone",
        ),
    ),
    unrelated={
        ParkingLot: "car parks (operators' catalogue)",
        ParkingBay: "bays",
        ParkingBucket: "per-hour reservation counters",
        ParkingGateEvent: "gate events already applied (ids only)",
        ParkingFeed: "the gate feed's cursor",
    },
    blockers=_blockers,
)
