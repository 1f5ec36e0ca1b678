"""The licence section of the settings (``SUQIAN_LICENCE_*``)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta


class LicenceSettings(msgspec.Struct, frozen=True, kw_only=True):
    """The e-licence wallet (``backend.licence``; formats in wallet/README.md).

    Bounded like every security control an environment variable can set (``Meta``).
    """

    # The credentials' ``iss`` and the base of the status-list URIs: the public origin a verifier
    # fetches ``/.well-known/jwt-vc-issuer`` and the status lists from.
    issuer: str = "http://127.0.0.1:8000"
    # A credential is valid a year (re-issued whenever the licence or its predicates change).
    credential_ttl: Annotated[int, Meta(ge=3600, le=5 * 365 * 86_400)] = 365 * 86_400
    # Status lists (research/wallet.md T6): verifiers re-fetch after ``ttl``; a list older than ``exp``
    # is refused, so an offline counter is at most a day behind a revocation.
    status_ttl: Annotated[int, Meta(ge=10, le=3600)] = 300
    status_exp: Annotated[int, Meta(ge=600, le=7 * 86_400)] = 86_400
    # Entries per status list: random indexes from a large list hide how many licences exist (ARF
    # VCR_17); 2^20 two-bit entries are 256 KiB before compression, a few KiB after.
    status_list_size: Annotated[int, Meta(ge=1024, le=1 << 24)] = 1 << 20
    # 亮证 (T4): the shown handle rotates every 60 s and is valid 120 s, once.
    handle_ttl: Annotated[int, Meta(ge=30, le=300)] = 120
    handle_refresh: Annotated[int, Meta(ge=10, le=120)] = 60
    # A counter's request waits this long for the citizen's answer.
    request_ttl: Annotated[int, Meta(ge=30, le=1800)] = 300
    # How often the library's change feed is read: a revocation is in the published list within
    # feed_every + status_cache (well under 5 min); a verifier honouring ``ttl`` sees it within that
    # plus status_ttl.
    feed_every: Annotated[float, Meta(ge=0.1, le=600)] = 30.0
    # A worker re-signs its status list at most this often (every fetch would be a CPU lever).
    status_cache: Annotated[float, Meta(ge=0, le=60)] = 5.0
