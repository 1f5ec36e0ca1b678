"""Replay caches: remember accepted codes until they could no longer pass anyway."""

from __future__ import annotations

from typing import Protocol


class ReplayCache(Protocol):
    """Where a verifier records accepted codes. The backend's Redis version is async and is
    used through ``Verifier.check`` + ``ParsedCode.replay_key`` instead of this protocol."""

    def add(self, key: str, *, expires_at: int, now: int) -> bool:
        """Record ``key`` until ``expires_at``; True if it was not already recorded."""
        ...


class MemoryReplayCache:
    """A bounded in-process replay cache for offline scanners.

    Expired keys are swept in bulk every ``sweep_every`` insertions. When the cache is full
    of live keys the oldest insertions go first: under such a flood a replay could slip
    through, so size ``max_entries`` above a gate's traffic in one validity window.
    """

    __slots__ = ("_entries", "_max_entries", "_since_sweep", "_sweep_every")

    def __init__(self, *, max_entries: int = 1_000_000, sweep_every: int = 10_000) -> None:
        self._entries: dict[str, int] = {}
        self._max_entries = max_entries
        self._sweep_every = sweep_every
        self._since_sweep = 0

    def add(self, key: str, *, expires_at: int, now: int) -> bool:
        """Record ``key`` until ``expires_at``; True if it was not already live."""
        entries = self._entries
        seen = entries.get(key)
        if seen is not None and seen > now:
            return False
        self._since_sweep += 1
        if self._since_sweep >= self._sweep_every or len(entries) >= self._max_entries:
            self._sweep(now)
        self._entries[key] = expires_at
        return True

    def _sweep(self, now: int) -> None:
        self._since_sweep = 0
        live = {k: t for k, t in self._entries.items() if t > now}
        overflow = len(live) - self._max_entries + 1
        if overflow > 0:
            for key in list(live)[:overflow]:
                del live[key]
        self._entries = live

    def __len__(self) -> int:
        return len(self._entries)
