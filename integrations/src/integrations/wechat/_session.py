"""The WeChat ``session_key``: a secret that must stay on the server."""

from __future__ import annotations

import hmac
from typing import Final

_MASK: Final = "SessionKey(***)"


class SessionKey:
    """The per-user key ``code2session`` returns; it decrypts that user's open data.

    WeChat's guidance is that it never leaves the server. This wrapper makes leaking it take an
    explicit :meth:`reveal`: ``repr``/``str``/f-strings print a mask, it is unhashable by value
    and msgspec refuses to encode it, so it cannot end up in a log line or a JSON response by
    accident. Callers that need it later (legacy ``encryptedData``) store ``reveal()`` encrypted
    at rest, keyed by openid, with a short TTL, and drop it on logout.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The raw base64 key, for server-side storage and crypto only."""
        return self._value

    def __repr__(self) -> str:
        return _MASK

    __str__ = __repr__

    def __format__(self, format_spec: str) -> str:
        return _MASK

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SessionKey):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("SessionKey is not picklable; store reveal() encrypted instead")
