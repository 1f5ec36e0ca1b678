"""A lot's tariff, pure: what a stay costs. Integer fen throughout.

The first ``free_minutes`` are free; a longer stay pays from its first minute: ``hour_fen`` per started
hour, at most ``daily_cap_fen`` per started 24 hours (each full day costs the cap, the rest of the
last day at most the cap). A minute started is a minute parked.
"""

from __future__ import annotations

import math
from datetime import datetime

import msgspec


class Tariff(msgspec.Struct, frozen=True, kw_only=True):
    free_minutes: int
    hour_fen: int
    daily_cap_fen: int


def fee_fen(tariff: Tariff, entered_at: datetime, until: datetime) -> int:
    minutes = max(0, math.ceil((until - entered_at).total_seconds() / 60))
    if minutes <= tariff.free_minutes:
        return 0
    days, rest = divmod(minutes, 24 * 60)
    last_day = min(math.ceil(rest / 60) * tariff.hour_fen, tariff.daily_cap_fen)
    return days * tariff.daily_cap_fen + last_day
