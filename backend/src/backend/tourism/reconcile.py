"""The reconciliation job (every 60 s): counter rows whose ``held`` / ``sold`` differ from the sums of
their live / paid holds (slots from yesterday on) — there must be none (research/bookings.md §e-14)."""

from __future__ import annotations

import logging
from datetime import timedelta

from backend.clock import Clock
from backend.tourism.model import BEIJING
from backend.tourism.repository.sales import SalesRepository

log = logging.getLogger("backend.tourism")


async def reconcile(sales: SalesRepository, clock: Clock) -> int:
    """Each drifted counter row logged as an error — someone must look; how many."""
    since = (clock.now().astimezone(BEIJING).date() - timedelta(days=1)).isoformat()
    drifted = await sales.drift(since)
    for row in drifted:
        log.error(
            "tourism: counter row %s of slot %s drifted: held %s / holds %s, sold %s / paid %s",
            row["id"], row["slot_id"], row["held"], row["held_holds"], row["sold"], row["paid_holds"],
        )  # fmt: skip
    return len(drifted)
