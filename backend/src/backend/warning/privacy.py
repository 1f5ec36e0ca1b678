"""Warnings: the districts a citizen chose (their subscriptions) and the warnings pushed to them (one
delivery per warning and channel). Both are deleted with the account: a delivery is our own record of
having told someone, not one a law makes us keep. The warnings, their publishers (staff) and the
fan-outs' rows hold no citizen's data but one: ``after_citizen``, the planning walk's bookmark, is the
last account planned; a closure blanks it there (planning restarts from the first subscriber, and the
unique deliveries keep anyone told already from being told again) rather than deleting the row, which
would stop the warning reaching the citizens not planned yet."""

from __future__ import annotations

from backend.personal_data import Category, Held, OnClosure, PersonalData
from backend.warning.tables import (
    WarningDelivery,
    WarningFanout,
    WarningPublisher,
    WarningSubscription,
    WarningWarning,
)

PERSONAL_DATA = PersonalData(
    categories=(
        Category(
            name="warnings",
            description="The districts you chose for disaster warnings, and the warnings pushed to you: "
            "which warning, on which channel (WeChat or SMS), when and whether it went",
            purpose="Showing and pushing the meteorological bureau's and water authority's warnings for "
            "your districts, each to you once",
            legal_basis="PIPL art. 13(1): your consent (you choose the districts; none chosen, none pushed)",
            retention="While the account is open, or until you clear your districts",
        ),
    ),
    held=(
        Held(table=WarningSubscription, category="warnings"),
        Held(table=WarningDelivery, category="warnings"),
        Held(
            table=WarningFanout,
            category="warnings",
            citizen=("after_citizen",),
            on_closure=OnClosure.RETAIN,
            scrub={"after_citizen": None},
            retained_because="a warning's fan-out progress, still telling the other citizens of its "
            "districts (kept as long as the warning); only the bookmark naming the account is blanked",
        ),
    ),
    unrelated={
        WarningWarning: "published warnings: areas and texts, naming the publishing staff account",
        WarningPublisher: "staff accounts bound to the organisation they publish for",
    },
)
