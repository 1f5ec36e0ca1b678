"""The guidance section of the settings (``SUQIAN_GUIDANCE_*``)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta


class GuidanceSettings(msgspec.Struct, frozen=True, kw_only=True):
    # Seed the FAQ entries and aliases (``seed.py``) at start-up: None = everywhere but production.
    seed_on_start: bool | None = None
    # A worker re-reads the staff's aliases and FAQ entries at most this often (another worker's edit
    # shows within it; this worker's own at once).
    refresh_seconds: Annotated[float, Meta(ge=0, le=600)] = 30.0
    # The answer policy's thresholds on the top result's confidence (``policy.Policy``), tuned on the
    # labelled set: answer from ``answer_threshold``, offer choices from ``choices_threshold``.
    answer_threshold: Annotated[float, Meta(ge=0, le=1)] = 0.6
    choices_threshold: Annotated[float, Meta(ge=0, le=1)] = 0.3
    # Keep questions that found nothing (masked) for staff to mine.
    keep_misses: bool = True
