"""The city's parking gate platform (智慧停车) on the wire: the lots' entry and exit events, read by
cursor, and the clearance that opens an exit barrier for a paid stay. Amounts are integer fen."""

from __future__ import annotations

from typing import Literal

import msgspec

GateEventKind = Literal["entered", "exit_requested", "exited"]


class GateEvent(msgspec.Struct, frozen=True, kw_only=True):
    """A camera read a plate at a lot's gate. ``seq`` orders the platform's events (the cursor);
    ``event_id`` is unique; ``at`` is RFC 3339."""

    seq: int
    event_id: str
    lot_code: str
    kind: GateEventKind
    plate: str
    at: str


class GateEvents(msgspec.Struct, frozen=True, kw_only=True):
    items: list[GateEvent]
    next_after: int


class Clearance(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """We tell the gate a stay is paid: the barrier opens for ``plate`` until ``until`` (RFC 3339)."""

    plate: str
    stay_ref: str
    paid_fen: int
    until: str


class ClearanceAnswer(msgspec.Struct, frozen=True, kw_only=True):
    """``open`` when the car was waiting at the exit and the barrier opened now; ``armed`` when it
    will open as the car arrives there before ``until``."""

    clearance_id: str
    barrier: Literal["open", "armed"]
