"""Second-factor challenges: what a staff member holds between the right password and the code.

A challenge is 256 random bits, handed out once after the password; the store keeps the member's id
under its SHA-256 for ``StaffSettings.challenge_ttl`` (5 min), so a dump of the store yields no usable
challenge. It is redeemed at most once — the tokens come only with the redeeming request — and takes
``StaffSettings.challenge_attempts`` codes, whatever their outcome: then the password is asked again.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid

from backend.store import KeyValueStore


def _key(challenge: str) -> str:
    # The hash tag keeps a challenge and its attempt counter in one Redis Cluster slot.
    return "staff:challenge:{" + hashlib.sha256(challenge.encode()).hexdigest() + "}"


class Challenges:
    def __init__(self, store: KeyValueStore, *, ttl: int, attempts: int) -> None:
        self._store = store
        self.ttl = ttl
        self._attempts = attempts

    async def issue(self, staff_id: uuid.UUID) -> str:
        challenge = secrets.token_urlsafe(32)
        await self._store.set(_key(challenge), staff_id.bytes, ttl=self.ttl)
        return challenge

    async def find(self, challenge: str) -> uuid.UUID | None:
        """The staff member a live challenge was issued to, without redeeming it."""
        raw = await self._store.get(_key(challenge))
        return None if raw is None else uuid.UUID(bytes=raw)

    async def charge(self, challenge: str) -> bool:
        """Count one code against ``challenge`` (one atomic increment): False past the attempts."""
        attempts = await self._store.incr(_key(challenge) + ":attempts", ttl=self.ttl)
        return attempts <= self._attempts

    async def redeem(self, challenge: str) -> bool:
        """Use ``challenge`` up; True for exactly one caller however many race for it."""
        return await self._store.delete(_key(challenge)) == 1
