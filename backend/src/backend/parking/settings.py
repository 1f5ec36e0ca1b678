from __future__ import annotations

from typing import Annotated

import msgspec


class ParkingSettings(msgspec.Struct, frozen=True, kw_only=True):
    # Plates of stays and reservations are erased this long after they ended (the lot's own records
    # are kept 30 days under the city's parking rules).
    retention_days: Annotated[int, msgspec.Meta(ge=1, le=3650)] = 30
    # How often the gate platform's event feed is read.
    feed_every: Annotated[float, msgspec.Meta(ge=0.2, le=60.0)] = 1.0
    # A paid stay's barrier stays open this long after the payment (time to drive to the exit).
    leave_minutes: Annotated[int, msgspec.Meta(ge=1, le=120)] = 15
