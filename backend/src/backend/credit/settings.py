"""The credit section of the settings (``SUQIAN_CREDIT_*``)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta


class CreditSettings(msgspec.Struct, frozen=True, kw_only=True):
    # How often undecided objections are asked about. 60 s: the platform decides in working days (15
    # by the 2023 measures); a minute's delay in telling the citizen costs nothing.
    poll_seconds: Annotated[float, Meta(ge=0.5, le=3600)] = 60.0
