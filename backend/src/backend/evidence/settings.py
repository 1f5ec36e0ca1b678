"""The evidence section of the settings (``SUQIAN_EVIDENCE_*``)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta


class EvidenceSettings(msgspec.Struct, frozen=True, kw_only=True):
    # The audit chains whose days are sealed and published: applications (submissions, department
    # decisions, with the digests of what was submitted), payments, the catalogue's published forms.
    chains: tuple[str, ...] = ("application", "payment", "catalogue")
    # A day is sealed this long after it ended (Beijing), so its last transactions have committed.
    grace_seconds: Annotated[float, Meta(ge=0, le=3600)] = 300.0
    # How often workers look for days to seal.
    every_seconds: Annotated[float, Meta(ge=1, le=86400)] = 600.0
    # Days sealed per chain and look, when catching up (a new chain, a long outage).
    catch_up_days: Annotated[int, Meta(ge=1, le=3660)] = 62
    # Who signs: the ``iss`` of every root.
    issuer: Annotated[str, Meta(min_length=1, max_length=128)] = "https://my.suqian.gov.cn"
