"""The citizen-code section of the settings (``SUQIAN_CODE_*``)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta


class CodeSettings(msgspec.Struct, frozen=True, kw_only=True):
    """The citizen code (市民码; ``backend.code``, format in citizen_code/README.md).

    Every number is bounded (``Meta``): these are security controls an environment variable can set,
    so a typo or a hostile value (``inf``, ``0``, a ten-year TTL) is refused at start-up instead of
    quietly switching a control off. The bounds are checked when the section is read from the
    environment (``load_settings``).
    """

    # The trust list's ``iss``; every code carries it.
    issuer: str = "suqian"
    # 60 s: an online code is a bearer token; the app refreshes it after 20 s (issue 5: 15-30 s), so
    # a shown code always has 40 s left for queueing and clock error.
    online_ttl: Annotated[int, Meta(ge=10, le=300)] = 60
    refresh_in: Annotated[int, Meta(ge=1, le=120)] = 20
    # 48 h holder credentials, at most 2 active devices per citizen (research/citizen_code.md §5.3).
    holder_ttl: Annotated[int, Meta(ge=3600, le=7 * 86_400)] = 48 * 3600
    max_devices: Annotated[int, Meta(ge=1, le=10)] = 2
    # Issuer keys sign for 30 days; the successor is published 7 days ahead (§5.5).
    key_usage_period: Annotated[int, Meta(ge=86_400, le=365 * 86_400)] = 30 * 86_400
    key_prepublish: Annotated[int, Meta(ge=3600, le=90 * 86_400)] = 7 * 86_400
    # Trust lists are valid 7 days and re-signed daily, so a scanner syncing weekly is never stale.
    trust_list_ttl: Annotated[int, Meta(ge=86_400, le=30 * 86_400)] = 7 * 86_400
    trust_list_resign: Annotated[int, Meta(ge=3600, le=7 * 86_400)] = 86_400
    # How often a worker re-reads trust material and revocations another worker may have written.
    refresh_every: Annotated[float, Meta(ge=0.1, le=60)] = 5.0
    # Verification audit rows are written in batches: every 150 ms or 500 rows, whichever is first.
    audit_flush_every: Annotated[float, Meta(ge=0.01, le=10)] = 0.15
    audit_flush_rows: Annotated[int, Meta(ge=1, le=100_000)] = 500
    # An offline scan of a credential at another venue within this many seconds is flagged as a clone.
    clone_window: Annotated[int, Meta(ge=1, le=86_400)] = 120
    # Codes one citizen may be issued, per worker (``backend.code.throttle``): the app fetches one every
    # refresh_in (20 s), 3 a minute; 30 a minute, in bursts of up to 10 (opening the app, the QR image,
    # a few screens), is 10 times that. Only the benchmark, driving one citizen at thousands a second,
    # raises it.
    issue_per_minute: Annotated[int, Meta(ge=1)] = 30
    issue_burst: Annotated[int, Meta(ge=1)] = 10
