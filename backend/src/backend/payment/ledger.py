"""The ledger's vocabulary and the one rule that reads an order's state out of its events.

An order's events, in any order, say what it is: nothing paid → ``pending`` (or ``closed`` once
closed); paid → ``paid``, then ``partially_refunded`` / ``refunded`` as confirmed refunds add up;
paid *after* it was closed (a late payment) → ``refunding`` until the automatic refund is confirmed.
The order row's ``status`` caches this, written by the same conditional UPDATE that appends each
event; ``derive`` is the definition the cache is tested against.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Literal

import msgspec

EventKind = Literal["created", "paid", "closed", "refund_requested", "refunded", "refund_failed"]
OrderStatus = Literal["pending", "paid", "partially_refunded", "refunded", "closed", "refunding"]
# Orders that hold their payable: a second order for it is refused (a partial unique index).
LIVE = ("pending", "paid", "partially_refunded")
PAID = ("paid", "partially_refunded", "refunding")


class LedgerEvent(msgspec.Struct, frozen=True, kw_only=True):
    kind: EventKind
    amount_fen: int
    reference: str
    source: str
    at: datetime
    data: str = "{}"


def derive(events: Iterable[LedgerEvent]) -> OrderStatus:
    """The state ``events`` put an order in."""
    paid = closed = refunded = 0
    for event in events:
        if event.kind == "paid":
            paid += event.amount_fen
        elif event.kind == "closed":
            closed += 1
        elif event.kind == "refunded":
            refunded += event.amount_fen
    if paid == 0:
        return "closed" if closed else "pending"
    if refunded >= paid:
        return "refunded"
    if closed:
        return "refunding"
    return "partially_refunded" if refunded else "paid"
