"""Tourism: the visitors a citizen books for (real-name tickets: name and ID number sealed), their
holds and tickets."""

from __future__ import annotations

import uuid

from backend.database import transaction
from backend.personal_data import Blocker, BlockerCheck, Category, CitizenStep, Held, PersonalData
from backend.tourism.model import BEIJING
from backend.tourism.repository.sales import SalesRepository
from backend.tourism.service import TourismService
from backend.tourism.tables import (
    TourismGateScan,
    TourismHold,
    TourismProduct,
    TourismSlot,
    TourismSpot,
    TourismStock,
    TourismTicket,
    TourismVisitor,
    TourismWaiter,
)
from backend.tourism.visitors import ID_NUMBER, NAME
from backend.wiring import Wiring


def _blockers(w: Wiring) -> BlockerCheck:
    """Tickets paid for a visit still to come block the closure: the citizen uses them or cancels them
    (a cancellation refunds under the spot's rules) first, rather than lose what they paid. Free
    tickets don't: the closure gives their places back."""
    sales = SalesRepository(w.infra.engine)
    clock = w.infra.clock

    async def check(citizen_id: uuid.UUID) -> list[Blocker]:
        today = clock.now().astimezone(BEIJING).date().isoformat()
        ahead = await sales.paid_tickets_ahead(citizen_id, today=today)
        if not ahead:
            return []
        detail = "paid ticket(s) for a visit still to come: use them, or cancel them for a refund"
        return [Blocker(code="tourism.tickets_ahead", detail=detail, count=ahead)]

    return check


def _give_places_back(w: Wiring) -> CitizenStep:
    """Before the closing account's holds and tickets are deleted, their places go back on sale (a
    deleted hold would leave its counter row holding places nobody owns: the reconciliation's drift).
    Held ones are cancelled; paid ones left (tickets of past days, or of one the blocker let through
    in the instant before the closure) are given up, their tickets void. Safe to repeat: each move is
    conditional on the state it leaves."""
    sales = SalesRepository(w.infra.engine)
    tourism = w.get(TourismService)
    clock = w.infra.clock

    async def step(citizen_id: uuid.UUID) -> None:
        back: set[uuid.UUID] = set()
        for hold in await sales.holds_of(citizen_id, limit=10_000):
            column = {"held": "held", "paid": "sold"}.get(hold.state)
            if column is None:
                continue
            now = clock.now()
            async with transaction(w.infra.engine):
                closed = await sales.close(hold.id, from_states=(hold.state,), to="cancelled", now=now)
                if closed is not None:
                    await sales.release(closed, column=column, now=now)
                    back.add(closed.slot_id)
        await tourism.places_back(back)

    return step


PERSONAL_DATA = PersonalData(
    categories=(
        Category(
            name="tourism",
            description="The visitors you book for (name and ID number), your holds and real-name tickets",
            purpose="Real-name timed tickets to scenic spots, checked at the gate",
            legal_basis="PIPL art. 13(2): the contract you make; real-name ticketing rules of the spots",
            retention="While the account is open; the payments are kept as financial records",
        ),
    ),
    held=(
        Held(
            table=TourismVisitor,
            category="tourism",
            sealed={"name_sealed": NAME, "id_number_sealed": ID_NUMBER},
            omit=("id_index",),
        ),
        Held(table=TourismHold, category="tourism"),
        Held(table=TourismTicket, category="tourism", omit=("id_index",)),
        Held(table=TourismWaiter, category="tourism"),
    ),
    on_closure=_give_places_back,
    blockers=_blockers,
    unrelated={
        TourismSpot: "scenic spots (operators' catalogue)",
        TourismProduct: "ticket products",
        TourismSlot: "timed entry slots",
        TourismStock: "sharded stock counters",
        TourismGateScan: "offline gates' uploaded entries: a ticket's code id, a gate, a moment",
    },
)
