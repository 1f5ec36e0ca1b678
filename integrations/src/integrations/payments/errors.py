"""Payment-specific leaves of the library's error tree (the tree lives in ``integrations.errors``).

::

    IntegrationError
    ├── UpstreamError
    │   ├── UpstreamUnavailable             5xx, SYSTEM_ERROR, FREQUENCY_LIMITED, timeouts
    │   └── UpstreamRejected(code=...)      e.g. "ORDERPAID", "ACQ.TRADE_HAS_SUCCESS"
    │       └── UpstreamMalformed           an answer we cannot parse or whose signature is bad
    ├── SignatureRejected(reason)           notification signature: "missing_header",
    │                                       "bad_timestamp", "stale", "unknown_key", "bad_signature"
    └── NotificationRejected                signed, but still not something we may act on
        ├── ResourceUndecryptable           AES-256-GCM failed: wrong APIv3 key or altered resource
        ├── NotificationMalformed(detail)   verified bytes are not the documented shape
        └── MerchantMismatch(field)         addressed to another mchid / appid / app_id / seller
"""

from __future__ import annotations

from integrations.errors import IntegrationError

__all__ = [
    "MerchantMismatch",
    "NotificationMalformed",
    "NotificationRejected",
    "ResourceUndecryptable",
]


class NotificationRejected(IntegrationError):
    """A payment notification passed its signature check but must not change any state."""


class ResourceUndecryptable(NotificationRejected):
    """The encrypted ``resource`` failed AEAD authentication (wrong APIv3 key or tampering)."""

    def __init__(self) -> None:
        super().__init__("notification resource failed AES-256-GCM authentication")


class NotificationMalformed(NotificationRejected):
    """The verified notification does not have the documented fields."""

    def __init__(self, *, detail: str) -> None:
        self.detail = detail
        super().__init__(f"malformed payment notification: {detail}")


class MerchantMismatch(NotificationRejected):
    """The notification is genuine but for another merchant or app than the one configured."""

    def __init__(self, *, field: str, expected: str, actual: str) -> None:
        self.field = field
        self.expected = expected
        self.actual = actual
        super().__init__(f"notification {field} {actual!r} is not ours ({expected!r})")
