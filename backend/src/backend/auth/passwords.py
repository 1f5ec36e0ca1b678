"""Argon2id password hashing, off the event loop and bounded in memory.

argon2-cffi's defaults are RFC 9106's second recommendation (t=3, m=64 MiB, p=4); a hash takes
tens of milliseconds of CPU, so it runs in a worker thread, and at most ``concurrency`` at a time so
that a burst of logins can't take ``n × 64 MiB``. ``verify`` on an unknown account still hashes (a
dummy), so an unknown phone and a wrong password cost the same time.
"""

from __future__ import annotations

import asyncio
import secrets

import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


class Passwords:
    def __init__(self, *, concurrency: int, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher()
        self._slots = asyncio.Semaphore(concurrency)
        # Made once, at start-up, with today's parameters: checking it costs what a real check costs.
        self._dummy = self._hasher.hash(secrets.token_urlsafe(16))

    async def hash(self, password: str) -> str:
        async with self._slots:
            return await anyio.to_thread.run_sync(self._hasher.hash, password)

    async def verify(self, stored_hash: str | None, password: str) -> bool:
        """True when ``password`` matches ``stored_hash``. With no hash (unknown account, or one
        without a password) a dummy hash is checked instead, and the answer is False."""
        if stored_hash is None:
            await self._check(self._dummy, password)
            return False
        return await self._check(stored_hash, password)

    async def _check(self, stored_hash: str, password: str) -> bool:
        async with self._slots:
            return await anyio.to_thread.run_sync(self._verify_sync, stored_hash, password)

    def _verify_sync(self, stored_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(stored_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        """True when ``stored_hash`` was made with other parameters than today's (rehash on login)."""
        return self._hasher.check_needs_rehash(stored_hash)
