"""The catalogue section of the settings (``SUQIAN_CATALOGUE_*``)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta


class CatalogueSettings(msgspec.Struct, frozen=True, kw_only=True):
    # Load the seed catalogue (``seed_items.py``) at start-up: None = everywhere but production, where
    # operators run ``suqian seed-catalogue`` once (an item already there is never overwritten).
    seed_on_start: bool | None = None
    # A worker re-reads the published catalogue at most this often (another worker's publish shows
    # within it; this worker's own at once).
    cache_seconds: Annotated[float, Meta(ge=0, le=600)] = 10.0
