"""A day plan (行程规划) from the spots a visitor chose: in their order (or, asked, the spot that closes
first goes first), each visit placed in the first entry slot with room for the party that starts
after the previous visit and its travel, and that leaves time to see the spot before it closes.

It plans, it does not hold: places are taken when the visitor buys. A spot that cannot fit says why
(`closed` that day, `no_room` in any later slot, `no_time` before it closes) instead of silently
dropping out. Visit and travel times are the visitor's (defaults 2 h and 30 min): we know opening
hours and places, not roads.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Literal

import msgspec

from backend.tourism.model import BEIJING, Spot
from backend.tourism.spots import SpotService

Skip = Literal["closed", "no_room", "no_time"]


class Visit(msgspec.Struct, frozen=True, kw_only=True):
    spot: Spot
    slot_id: uuid.UUID
    arrive: datetime
    leave: datetime
    available: int


class Skipped(msgspec.Struct, frozen=True, kw_only=True):
    spot: Spot
    reason: Skip


class Plan(msgspec.Struct, frozen=True, kw_only=True):
    day: date
    visits: list[Visit]
    skipped: list[Skipped]


async def plan_day(
    spots: SpotService,
    spot_ids: Sequence[uuid.UUID],
    *,
    day: date,
    start: int,
    party: int,
    visit_minutes: int,
    travel_minutes: int,
    closing_first: bool,
) -> Plan:
    """``start``: minutes after the day's local midnight the visitor sets out."""
    chosen = [await spots.spot(spot_id) for spot_id in dict.fromkeys(spot_ids)]
    if closing_first:
        chosen.sort(key=lambda s: (s.closes, s.opens))
    midnight = datetime.combine(day, datetime.min.time(), BEIJING)
    now = midnight + timedelta(minutes=start)
    visits: list[Visit] = []
    skipped: list[Skipped] = []
    for spot in chosen:
        closes = midnight + timedelta(minutes=spot.closes)
        slots = await spots.availability(spot.id, day)
        if not slots:
            skipped.append(Skipped(spot=spot, reason="closed"))
            continue
        fitting = [
            a
            for a in slots
            if a.available >= party and a.slot.ends_at > now and max(now, a.slot.starts_at) < closes
        ]
        choice = next(
            (a for a in fitting if max(now, a.slot.starts_at) + timedelta(minutes=visit_minutes) <= closes),
            None,
        )
        if choice is None:
            skipped.append(Skipped(spot=spot, reason="no_time" if fitting else "no_room"))
            continue
        arrive = max(now, choice.slot.starts_at)
        leave = arrive + timedelta(minutes=visit_minutes)
        visits.append(
            Visit(spot=spot, slot_id=choice.slot.id, arrive=arrive, leave=leave, available=choice.available)
        )
        now = leave + timedelta(minutes=travel_minutes)
    return Plan(day=day, visits=visits, skipped=skipped)
