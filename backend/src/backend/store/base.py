from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple, Protocol

from backend.errors import Unavailable


class StoreUnavailable(Unavailable):
    """The store (Redis) can't be reached: what it guards (rate limits, replay claims) fails closed."""

    code = "store.unavailable"
    detail = "The key-value store is unavailable"
    retry_after = 1

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail=detail)


class SetIfAbsent(NamedTuple):
    """One write of ``set_if_absent_many``: store ``value`` under ``key`` for ``ttl`` s unless present."""

    key: str
    value: bytes
    ttl: float


class KeyValueStore(Protocol):
    """Atomic operations on byte values with optional expiry (``ttl`` in seconds).

    Every method raises ``StoreUnavailable`` when the store cannot be reached; none of them ever
    half-applies an operation.
    """

    async def get(self, key: str) -> bytes | None: ...

    async def get_many(self, keys: list[str]) -> list[bytes | None]: ...

    async def set(self, key: str, value: bytes, *, ttl: float | None = None) -> None: ...

    async def set_if_absent(self, key: str, value: bytes, *, ttl: float) -> bool:
        """Store ``value`` only if ``key`` is absent; True when this call stored it."""
        ...

    async def set_if_absent_many(
        self, items: Sequence[SetIfAbsent], *, get: Sequence[str] = ()
    ) -> tuple[list[bool], list[bytes | None]]:
        """In ONE round trip: read ``get``, then store each item whose key is absent.

        Returns ``(stored, values)``: per item, True when this call stored it (each write is as atomic
        as ``set_if_absent``); per ``get`` key, its value as it was before these writes. Not a
        transaction across keys (Redis Cluster may place them in different slots): a hot path uses it
        to fold a denylist read into its replay claim.
        """
        ...

    async def incr(self, key: str, *, ttl: float, amount: int = 1, refresh: bool = False) -> int:
        """Add ``amount`` and return the new value; the expiry starts when the key is created, or at
        this call with ``refresh`` (a count of work in flight: it lasts ``ttl`` past the last change)."""
        ...

    async def delete(self, *keys: str) -> int: ...

    async def ttl(self, key: str) -> float | None:
        """Seconds until ``key`` expires; None when it is absent or never expires."""
        ...

    async def ping(self) -> None: ...

    async def close(self) -> None: ...
