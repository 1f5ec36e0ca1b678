"""Which access tokens this worker already knows are not revoked, so most requests skip the store.

Revocations are rare (a logout, a reused refresh token, a lost phone, a scanner or staff member taken
out of service); token checks are on every request, and a store round trip is the largest cost of a
cheap endpoint (BENCHMARKS.md: 14 % of issuing a citizen code). So a worker remembers each token the
store said was live, until the token expires or the *revocation epoch* moves:

- every revocation writes its deny entry first, then increments ``auth:deny:epoch``, and clears this
  worker's memory at once;
- every worker polls the epoch (``poll_interval``, 1 s) and forgets everything when it changed.

A revocation therefore holds on the worker that made it immediately, and on every other worker within one
poll interval. A verdict fetched while the epoch moved is not remembered (the ``generation`` check), so a
stale "live" can't outlive the poll that saw the change. When the store can't be read the worker forgets
everything: the next requests ask the store themselves and fail closed (503) while it is down.
"""

from __future__ import annotations

import logging

import msgspec

from backend.auth.principal import Principal
from backend.clock import Clock
from backend.store import KeyValueStore, StoreUnavailable

log = logging.getLogger("backend.auth.revocation")

EPOCH_KEY = "auth:deny:epoch"


def deny_jti_key(jti: str) -> str:
    """One access token, logged out."""
    return f"auth:deny:jti:{jti}"


def deny_subject_key(subject: str) -> str:
    """Every token of ``<kind>:<id>`` issued up to the second the value names."""
    return f"auth:deny:sub:{subject}"


def deny_session_key(sid: str) -> str:
    """Every access token of one session (refresh-token family)."""
    return f"auth:deny:sid:{sid}"


# The epoch only has to outlive the tokens it speaks for (15 min); a day keeps it well clear.
_EPOCH_TTL = 24 * 3600


class RevocationCheck(msgspec.Struct, frozen=True):
    """The store keys a revocation verdict needs (none when the token is known live), and the view's
    generation when they were chosen."""

    keys: list[str]
    generation: int


class RevocationView:
    def __init__(
        self,
        store: KeyValueStore,
        clock: Clock,
        *,
        poll_interval: float = 1.0,
        max_entries: int = 200_000,
    ) -> None:
        self._store = store
        self._clock = clock
        self.poll_interval = poll_interval
        self._max_entries = max_entries
        self._live: dict[str, int] = {}
        self._epoch: bytes | None = None
        self.generation = 0

    def knows_live(self, principal: Principal) -> bool:
        exp = self._live.get(principal.jti)
        if exp is None:
            return False
        if exp <= self._clock.now().timestamp():
            del self._live[principal.jti]
            return False
        return True

    def remember_live(self, principal: Principal, generation: int) -> None:
        """Record the store's "not revoked" for ``principal`` — unless the epoch moved since
        ``generation`` was read, i.e. while the answer was on its way."""
        if generation != self.generation:
            return
        if len(self._live) >= self._max_entries:
            self._live.clear()
        self._live[principal.jti] = principal.exp

    def forget_all(self) -> None:
        self.generation += 1
        self._live.clear()

    async def revoked(self) -> None:
        """Announce a revocation whose deny entries are already written."""
        self.forget_all()
        await self._store.incr(EPOCH_KEY, ttl=_EPOCH_TTL)

    async def poll_once(self) -> None:
        try:
            epoch = await self._store.get(EPOCH_KEY)
        except StoreUnavailable:
            self.forget_all()
            return
        if epoch != self._epoch:
            self._epoch = epoch
            self.forget_all()
