"""Tourism: the visitors a citizen books for (real-name tickets: name and ID number sealed), their
holds and tickets."""

from __future__ import annotations

from backend.personal_data import Category, Held, PersonalData
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
    unrelated={
        TourismSpot: "scenic spots (operators' catalogue)",
        TourismProduct: "ticket products",
        TourismSlot: "timed entry slots",
        TourismStock: "sharded stock counters",
        TourismGateScan: "offline gates' uploaded entries: a ticket's code id, a gate, a moment",
    },
)
