from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from backend.store.base import SetIfAbsent


class MemoryStore:
    """The in-process store of the embedded default: one process, one event loop.

    Every method runs without an ``await`` in between its read and its write, so each is atomic with
    respect to other coroutines, the same guarantee a single Redis command gives.
    """

    def __init__(self, *, prefix: str = "", monotonic: Callable[[], float] = time.monotonic) -> None:
        self._prefix = prefix
        self._monotonic = monotonic
        self._data: dict[str, tuple[bytes, float | None]] = {}
        self._writes = 0

    def _live(self, key: str) -> bytes | None:
        entry = self._data.get(self._prefix + key)
        if entry is None:
            return None
        value, expires_at = entry
        if expires_at is not None and expires_at <= self._monotonic():
            del self._data[self._prefix + key]
            return None
        return value

    def _put(self, key: str, value: bytes, ttl: float | None) -> None:
        expires_at = None if ttl is None else self._monotonic() + ttl
        self._data[self._prefix + key] = (value, expires_at)
        self._writes += 1
        # Sweep expired entries now and then so an idle key space doesn't grow without bound.
        if self._writes % 1024 == 0:
            now = self._monotonic()
            for k in [k for k, (_, exp) in self._data.items() if exp is not None and exp <= now]:
                del self._data[k]

    async def get(self, key: str) -> bytes | None:
        return self._live(key)

    async def get_many(self, keys: list[str]) -> list[bytes | None]:
        return [self._live(k) for k in keys]

    async def set(self, key: str, value: bytes, *, ttl: float | None = None) -> None:
        self._put(key, value, ttl)

    async def set_if_absent(self, key: str, value: bytes, *, ttl: float) -> bool:
        if self._live(key) is not None:
            return False
        self._put(key, value, ttl)
        return True

    async def set_if_absent_many(
        self, items: Sequence[SetIfAbsent], *, get: Sequence[str] = ()
    ) -> tuple[list[bool], list[bytes | None]]:
        values = [self._live(k) for k in get]
        stored = []
        for item in items:
            absent = self._live(item.key) is None
            if absent:
                self._put(item.key, item.value, item.ttl)
            stored.append(absent)
        return stored, values

    async def incr(self, key: str, *, ttl: float, amount: int = 1, refresh: bool = False) -> int:
        current = self._live(key)
        if current is None:
            self._put(key, str(amount).encode(), ttl)
            return amount
        value = int(current) + amount
        if refresh:
            self._put(key, str(value).encode(), ttl)
            return value
        _, expires_at = self._data[self._prefix + key]
        self._data[self._prefix + key] = (str(value).encode(), expires_at)
        return value

    async def delete(self, *keys: str) -> int:
        removed = 0
        for key in keys:
            if self._live(key) is not None:
                del self._data[self._prefix + key]
                removed += 1
        return removed

    async def ttl(self, key: str) -> float | None:
        if self._live(key) is None:
            return None
        expires_at = self._data[self._prefix + key][1]
        return None if expires_at is None else expires_at - self._monotonic()

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        self._data.clear()
