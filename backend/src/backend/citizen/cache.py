"""Each worker's copy of citizens as they see themselves (``GET /me``), answered only while the store
says nothing changed since it was read.

Every app screen starts with ``GET /me``; its database read was half the request's CPU (BENCHMARKS.md,
"me"). What it answers changes rarely (a password set, the account closed and then deleted), so a
worker keeps the masked record — never the sealed row, nothing in clear — under the citizen's
*version*: a random token in the store (``citizen:version:<id>``), shared by every worker.

- A read fetches the version first (one store GET, far cheaper than the row) and answers from memory
  only when its entry was cached under that very version; else it reads the database and caches what
  it read under the version fetched *before* the read. A write that commits while the read is in
  flight moves the version afterwards, so what that read cached is never answered: a change is seen
  by the next read on every worker, not at a poll.
- A write (``changing``) marks the version before its transaction and sets a fresh one after the
  commit. While marked, no worker caches the citizen. A store that is down refuses the write before
  it happens (``StoreUnavailable``: 503) rather than leave workers a version that would never move;
  one that fails between the two leaves the mark, which expires into a version nobody cached under.
- A missing version (never written, expired, lost in a Redis restart or evicted) is created by the
  reader that misses it, never cached under: tokens are random, so no old entry can come back.
- When the store can't be read, nothing is answered from memory or kept: the database answers.
- Bounded: ``max_entries`` (the oldest entry goes first) and ``ttl`` as a safety net.

The cache decides nothing about who may read the record: the token check does. A request that passed
it just before the account was frozen or its closure asked sees the record as it was (so does one
without a cache); freezing and closing revoke the account's tokens, and the next request is refused
there.
"""

from __future__ import annotations

import contextlib
import secrets
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

from backend.citizen.records import Citizen
from backend.clock import Clock
from backend.store import KeyValueStore, StoreUnavailable

# A version outlives the entries cached under it many times over; one that expires costs each worker
# one database read. An hour keeps the store to the citizens seen in the last hour.
VERSION_TTL = 3600.0
# Longer than any write's transaction: a writer that died after marking leaves the citizen uncached
# only this long.
MARK_TTL = 60.0
_MARK = b"-"


def _token() -> bytes:
    # Hex: a version never starts with the mark.
    return secrets.token_hex(12).encode()


def version_key(citizen_id: uuid.UUID) -> str:
    return f"citizen:version:{citizen_id}"


class CitizenCache:
    def __init__(
        self,
        store: KeyValueStore,
        clock: Clock,
        *,
        # ~0.6 KiB an entry: ~30 MiB a worker at most, for millions of citizens.
        max_entries: int = 50_000,
        ttl: float = 300.0,
    ) -> None:
        self._store = store
        self._clock = clock
        self._max_entries = max_entries
        self._ttl = ttl
        self._entries: dict[uuid.UUID, tuple[bytes, float, Citizen]] = {}

    async def get(self, citizen_id: uuid.UUID, read: Callable[[uuid.UUID], Awaitable[Citizen]]) -> Citizen:
        """The citizen from memory when their version hasn't moved since it was cached, else
        ``read(citizen_id)`` (cached when the version allows)."""
        key = version_key(citizen_id)
        try:
            version = await self._store.get(key)
            if version is None:
                fresh = _token()
                version = fresh if await self._store.set_if_absent(key, fresh, ttl=VERSION_TTL) else _MARK
        except StoreUnavailable:
            return await read(citizen_id)
        entry = self._entries.get(citizen_id)
        now = self._clock.monotonic()
        if entry is not None:
            if entry[0] == version and entry[1] > now:
                return entry[2]
            del self._entries[citizen_id]
        citizen = await read(citizen_id)
        if not version.startswith(_MARK):
            if len(self._entries) >= self._max_entries:
                self._entries.pop(next(iter(self._entries)))
            self._entries[citizen_id] = (version, now + self._ttl, citizen)
        return citizen

    @contextlib.asynccontextmanager
    async def changing(self, citizen_id: uuid.UUID) -> AsyncIterator[None]:
        """Around a write to the citizen that commits inside: no worker answers from memory what it
        had before, from the moment the write starts."""
        key = version_key(citizen_id)
        self._entries.pop(citizen_id, None)
        await self._store.set(key, _MARK + _token(), ttl=MARK_TTL)
        try:
            yield
        except BaseException:
            # Whatever the write did stays marked until the mark expires if the store is gone too; the
            # write's own error is the one to answer.
            with contextlib.suppress(StoreUnavailable):
                await self._moved(citizen_id)
            raise
        await self._moved(citizen_id)

    async def _moved(self, citizen_id: uuid.UUID) -> None:
        self._entries.pop(citizen_id, None)
        await self._store.set(version_key(citizen_id), _token(), ttl=VERSION_TTL)

    def __len__(self) -> int:
        return len(self._entries)
