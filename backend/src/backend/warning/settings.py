"""The warning section of the settings (``SUQIAN_WARNING_*``): fan-out batch sizes and channel rates."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta


class WarningSettings(msgspec.Struct, frozen=True, kw_only=True):
    # Citizens planned per transaction: 1,000 deliveries a commit (a million recipients: 1,000 commits).
    plan_batch: Annotated[int, Meta(ge=10, le=5000)] = 1000
    # Deliveries one sender claims at a time (an SMS claim goes out as batches of 100 numbers).
    send_batch: Annotated[int, Meta(ge=1, le=5000)] = 1000
    # Messages a second per channel across every worker (counted in the shared store): the gateway's
    # and the platform's contracted rates.
    sms_per_second: Annotated[int, Meta(ge=1, le=1_000_000)] = 20_000
    wechat_per_second: Annotated[int, Meta(ge=1, le=1_000_000)] = 2_000
    # WeChat calls in flight at once per sender.
    wechat_concurrency: Annotated[int, Meta(ge=1, le=256)] = 32
    # A claimed batch not finished within this is claimed again (a worker died mid-batch).
    lease_seconds: Annotated[int, Meta(ge=5, le=3600)] = 60
    # How often an idle fan-out worker looks for work.
    poll_seconds: Annotated[float, Meta(ge=0.05, le=60)] = 1.0
    # Run the fan-out in this process's background work (every API worker: the embedded default and
    # production alike; they share the work through the database). Tests drive it by hand.
    in_process: bool = True
