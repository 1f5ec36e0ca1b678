"""The tourism section of the settings (``SUQIAN_TOURISM_*``)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta


class TourismSettings(msgspec.Struct, frozen=True, kw_only=True):
    # An unpaid hold lives 10 min (WeChat Pay / Alipay ``time_expire`` for tickets; research/bookings.md
    # §e-7). The order outlives it (payment's order_ttl, 15 min): a payment landing in between is
    # re-seated if places are left, else refunded.
    hold_ttl: Annotated[int, Meta(ge=30, le=3600)] = 600
    # How often a worker returns expired holds' places (≤ 10 s from expiry to capacity seen again).
    sweep_every: Annotated[float, Meta(ge=0.2, le=60)] = 5.0
    # Slots exist this many days ahead (a job, and the first read of a day).
    days_ahead: Annotated[int, Meta(ge=1, le=90)] = 14
    # Paid tickets can be cancelled (and refunded in full) until this long before their slot starts.
    cancel_before: Annotated[int, Meta(ge=0, le=7 * 86_400)] = 2 * 3600
    # A gate lets a ticket in from this long before its slot starts until the spot closes.
    enter_early: Annotated[int, Meta(ge=0, le=4 * 3600)] = 1800
    # The rotating QR: a fresh signed code every ``code_ttl`` seconds (a screenshot is dead after it).
    code_ttl: Annotated[int, Meta(ge=10, le=300)] = 60
    # The ticket signing key is derived from the data key for this epoch; raise it to rotate (the
    # previous epoch's key stays trusted for one code lifetime).
    key_epoch: Annotated[int, Meta(ge=1, le=1_000_000)] = 1
    # Offline gates' feed serves ticket changes at least this old (a change is stamped inside its
    # transaction; the window covers it committing later than a change stamped after it).
    feed_settle: Annotated[float, Meta(ge=0, le=60)] = 5.0
    # The waiting list's automatic offer: a hold made for the first waiter lives this long unpaid.
    offer_ttl: Annotated[int, Meta(ge=30, le=3600)] = 300
    # Load the seed spots at start-up: None = everywhere but production.
    seed_on_start: bool | None = None
