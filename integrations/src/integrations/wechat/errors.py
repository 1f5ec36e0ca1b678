"""WeChat-specific leaves of the library's error tree (the tree lives in ``integrations.errors``).

::

    IntegrationError
    ├── UpstreamError
    │   ├── UpstreamUnavailable            errcode -1 (system busy), timeouts, 5xx, 429
    │   └── UpstreamRejected(code=...)     any other errcode != 0, e.g. "40029" bad js_code
    ├── SignatureRejected("bad_signature") rawData is not sha1(rawData + session_key)
    └── OpenDataRejected                   open data relayed by the mini program failed a check
        ├── OpenDataUndecryptable          encryptedData would not decrypt (usually a stale key)
        └── WatermarkMismatch              it decrypted, but was issued to another appid
"""

from __future__ import annotations

from integrations.errors import IntegrationError

__all__ = ["OpenDataRejected", "OpenDataUndecryptable", "WatermarkMismatch"]


class OpenDataRejected(IntegrationError):
    """Open data the mini program relayed cannot be trusted; ask the client to log in again."""


class OpenDataUndecryptable(OpenDataRejected):
    """``encryptedData`` failed to decrypt; deliberately one answer for every cause."""

    def __init__(self) -> None:
        super().__init__("encryptedData could not be decrypted with the session key")


class WatermarkMismatch(OpenDataRejected):
    """The data decrypted (or the phone number arrived) but its watermark names another appid."""

    def __init__(self, *, expected: str, actual: str | None) -> None:
        self.expected = expected
        self.actual = actual
        super().__init__(f"watermark appid {actual!r} is not {expected!r}")
