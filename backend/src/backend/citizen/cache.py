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
- A write (``changing``) counts itself in the citizen's *writers* (``citizen:writers:<id>``, read in
  the same round trip as the version) and marks the version before its transaction, and after its
  commit sets a fresh version, then leaves the count. While any writer is counted, no worker answers
  the citizen from memory or caches them: two overlapping writes can't unmark each other. The write
  is bounded (``WRITE_LIMIT``), and the count lasts ``WRITERS_TTL`` past its last change, so it never
  lapses during one. A store that is down refuses the write before it happens (``StoreUnavailable``:
  503) rather than leave workers a version that would never move; one lost after the commit is
  logged, not answered (the write stands): the count and the mark lapse into a version nobody cached
  under.
- A missing version (never written, expired, lost in a Redis restart or evicted) is created by the
  reader that misses it, never cached under: tokens are random, so no old entry can come back.
- When the store can't be read, nothing is answered from memory or kept — the worker forgets what it
  holds (the store may come back rolled back to an older version): the database answers.
- Bounded: ``max_entries`` (the oldest entry goes first) and ``ttl``; expired entries are dropped as
  new ones come (the ttl is the same for all, so the oldest are first), so a closed account's masked
  record doesn't outlive it in an idle worker by more than the ttl.

The cache decides nothing about who may read the record: the token check does. A request that passed
it just before the account was frozen or its closure asked sees the record as it was (so does one
without a cache); freezing and closing revoke the account's tokens, and the next request is refused
there.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
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
WRITERS_TTL = 60.0
# A write to a citizen is one short transaction; one that takes longer is cancelled (rolled back)
# before its count or mark could lapse.
WRITE_LIMIT = 20.0
_MARK = b"-"

log = logging.getLogger(__name__)


def _token() -> bytes:
    # Hex: a version never starts with the mark.
    return secrets.token_hex(12).encode()


def version_key(citizen_id: uuid.UUID) -> str:
    return f"citizen:version:{citizen_id}"


def writers_key(citizen_id: uuid.UUID) -> str:
    return f"citizen:writers:{citizen_id}"


class CitizenCache:
    def __init__(
        self,
        store: KeyValueStore,
        clock: Clock,
        *,
        # ~0.6 KiB an entry: ~30 MiB a worker at most, for millions of citizens.
        max_entries: int = 50_000,
        ttl: float = 60.0,
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
            version, writers = await self._store.get_many([key, writers_key(citizen_id)])
            if version is None:
                fresh = _token()
                version = fresh if await self._store.set_if_absent(key, fresh, ttl=VERSION_TTL) else _MARK
        except StoreUnavailable:
            self._entries.clear()
            return await read(citizen_id)
        if writers is not None and int(writers) != 0:
            version = _MARK  # a write is under way: neither answered from memory nor kept
        entry = self._entries.get(citizen_id)
        now = self._clock.monotonic()
        if entry is not None:
            if entry[0] == version and entry[1] > now:
                return entry[2]
            del self._entries[citizen_id]
        citizen = await read(citizen_id)
        if not version.startswith(_MARK):
            self._make_room(now)
            self._entries[citizen_id] = (version, now + self._ttl, citizen)
        return citizen

    def _make_room(self, now: float) -> None:
        entries = self._entries
        while entries:
            oldest = next(iter(entries))
            if entries[oldest][1] > now and len(entries) < self._max_entries:
                return
            del entries[oldest]

    @contextlib.asynccontextmanager
    async def changing(self, citizen_id: uuid.UUID) -> AsyncIterator[None]:
        """Around a write to the citizen that commits inside: no worker answers from memory what it
        had before, from the moment the write starts."""
        self._entries.pop(citizen_id, None)
        await self._store.incr(writers_key(citizen_id), ttl=WRITERS_TTL, refresh=True)
        try:
            await self._store.set(version_key(citizen_id), _MARK + _token(), ttl=MARK_TTL)
            async with asyncio.timeout(WRITE_LIMIT):
                yield
        finally:
            # After a commit or a failure alike: what the write did (if anything) is behind a fresh
            # version before the count lets workers cache again. The write's own outcome is what the
            # caller answers; a store lost now leaves the count and the mark to lapse.
            try:
                await self._moved(citizen_id)
            except StoreUnavailable:
                log.warning(
                    "citizen %s: the store was lost after a write; cached only again in %d s",
                    citizen_id,
                    int(WRITERS_TTL),
                )

    async def _moved(self, citizen_id: uuid.UUID) -> None:
        self._entries.pop(citizen_id, None)
        await self._store.set(version_key(citizen_id), _token(), ttl=VERSION_TTL)
        left = await self._store.incr(writers_key(citizen_id), ttl=WRITERS_TTL, amount=-1, refresh=True)
        if left < 0:
            # The count lapsed under a writer that outlived it (it can't: WRITE_LIMIT < WRITERS_TTL):
            # don't leave a -1 that would hide the next writer.
            await self._store.delete(writers_key(citizen_id))

    def __len__(self) -> int:
        return len(self._entries)
