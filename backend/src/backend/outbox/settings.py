"""The outbox section of the settings (``SUQIAN_OUTBOX_*``)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta


class OutboxSettings(msgspec.Struct, frozen=True, kw_only=True):
    """How outbox workers take and retry jobs (``backend.outbox``)."""

    # Run the workers inside the API process: always in the embedded default (one process does
    # everything), elsewhere unless ``suqian worker`` runs them (production sets this false).
    in_process: bool = True
    # Concurrent workers per process; each claims its own batch, so they never share a job.
    workers: Annotated[int, Meta(ge=1, le=32)] = 2
    # An idle worker looks for due jobs this often; an enqueue in this process wakes it at once.
    poll_interval: Annotated[float, Meta(ge=0.01, le=60)] = 0.5
    batch: Annotated[int, Meta(ge=1, le=500)] = 20
    # A claimed job is another worker's to take over when its worker has not finished it in this time
    # (it was killed, or hangs): longer than any handler's upstream call (15 s total timeout).
    lease_seconds: Annotated[float, Meta(ge=1, le=3600)] = 60.0
    # The budget: after this many failed tries a job is dead-lettered for an operator to replay.
    # 12 tries 2 s apart doubling up to 10 min: about an hour of trying (Open Forms' lesson #1957:
    # an operator's replay gives a fresh budget).
    max_attempts: Annotated[int, Meta(ge=1, le=100)] = 12
    backoff_base: Annotated[float, Meta(ge=0.01, le=3600)] = 2.0
    backoff_cap: Annotated[float, Meta(ge=0.1, le=86_400)] = 600.0
