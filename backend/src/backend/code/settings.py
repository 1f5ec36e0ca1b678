"""The citizen-code section of the settings (``SUQIAN_CODE_*``)."""

from __future__ import annotations

import msgspec


class CodeSettings(msgspec.Struct, frozen=True, kw_only=True):
    """The citizen code (市民码; ``backend.code``, format in citizen_code/README.md)."""

    # The trust list's ``iss``; every code carries it.
    issuer: str = "suqian"
    # 60 s: an online code is a bearer token; the app refreshes it after 20 s (issue 5: 15-30 s), so
    # a shown code always has 40 s left for queueing and clock error.
    online_ttl: int = 60
    refresh_in: int = 20
    # 48 h holder credentials, at most 2 active devices per citizen (research/citizen_code.md §5.3).
    holder_ttl: int = 48 * 3600
    max_devices: int = 2
    # Issuer keys sign for 30 days; the successor is published 7 days ahead (§5.5).
    key_usage_period: int = 30 * 86_400
    key_prepublish: int = 7 * 86_400
    # Trust lists are valid 7 days and re-signed daily, so a scanner syncing weekly is never stale.
    trust_list_ttl: int = 7 * 86_400
    trust_list_resign: int = 86_400
    # How often a worker re-reads trust material and revocations another worker may have written.
    refresh_every: float = 5.0
    # Verification audit rows are written in batches: every 150 ms or 500 rows, whichever is first.
    audit_flush_every: float = 0.15
    audit_flush_rows: int = 500
    # An offline scan of a credential at another venue within this many seconds is flagged as a clone.
    clone_window: int = 120
    # Codes one citizen may be issued, per worker (``backend.code.throttle``): the app fetches one every
    # refresh_in (20 s), 3 a minute; 30 a minute, in bursts of up to 10 (opening the app, the QR image,
    # a few screens), is 10 times that. Only the benchmark, driving one citizen at thousands a second,
    # raises it.
    issue_per_minute: int = 30
    issue_burst: int = 10
