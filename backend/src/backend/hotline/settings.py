"""The hotline section of the settings (``SUQIAN_HOTLINE_*``)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta


class HotlineSettings(msgspec.Struct, frozen=True, kw_only=True):
    # How often open tickets' status and replies are pulled from 12345. 30 s: a reply reaches the
    # citizen within half a minute; 500 open tickets a round is 5 calls.
    poll_seconds: Annotated[float, Meta(ge=0.5, le=3600)] = 30.0
    # A phone photo is 2–5 MB (research security_integrations A.1.4 IV-2).
    photo_max_bytes: Annotated[int, Meta(ge=1024, le=20 * 1024 * 1024)] = 5 * 1024 * 1024
    # Photos uploaded but never filed with a ticket are deleted after this long (hourly sweep).
    photo_ttl_hours: Annotated[int, Meta(ge=1, le=720)] = 24
