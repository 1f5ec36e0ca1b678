"""The application section of the settings (``SUQIAN_APPLICATION_*``)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta


class ApplicationSettings(msgspec.Struct, frozen=True, kw_only=True):
    # The secret departments sign their callbacks with (HMAC-SHA256); empty = the sandbox's.
    callback_secret: str = ""
    # Drafts holding licence data are emptied after this long untouched (the issue: 72 h).
    draft_ttl_hours: Annotated[int, Meta(ge=1, le=720)] = 72
