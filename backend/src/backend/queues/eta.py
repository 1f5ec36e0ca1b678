"""The wait estimate: a queue-length estimate blended with the last actual wait, shown as a range.

Per service the database keeps an exponentially weighted moving average of service times (weight
0.2 to the newest, ``learn``) and the wait of the last ticket called (LES, the "last to enter
service" delay). For a ticket with ``ahead`` people in front of it:

    queue length  QL  = ceil(ahead / open counters) × average service time
    last wait     LES = last wait × (ahead + 1) / (waiting + 1)   (scaled to this ticket's place)
    point         = (QL + LES) / 2, or QL before anyone was called today
    range         = [0.75 × point, 1.25 × point], in whole minutes

Ibrahim & Whitt (2007) find LES competitive with QL in many-server heavy traffic; blending the two
50/50 and showing a range follows research/services_guidance_queues.md §C2.
"""

from __future__ import annotations

import math

# Weight of the newest service time in the moving average.
ALPHA = 0.2
# A service time outside this is a clerk who forgot to press "finish", not a service (seconds).
SERVICE_BOUNDS = (10.0, 2 * 3600.0)


def learn(average: float, seconds: float) -> float:
    """The moving average after one more service of ``seconds``."""
    low, high = SERVICE_BOUNDS
    return (1 - ALPHA) * average + ALPHA * min(max(seconds, low), high)


def estimate(
    ahead: int, *, service_seconds: float, open_counters: int, last_wait: float | None, waiting: int
) -> tuple[int, int]:
    """The wait of a ticket with ``ahead`` people in front of it, as (low, high) minutes."""
    queue_length = math.ceil(ahead / max(1, open_counters)) * service_seconds
    point = queue_length
    if last_wait is not None:
        point = (queue_length + last_wait * (ahead + 1) / (waiting + 1)) / 2
    return math.floor(0.75 * point / 60), math.ceil(1.25 * point / 60)
