"""Argon2id password hashing, off the event loop, behind it in the CPU's queue, and bounded in memory.

argon2-cffi's defaults are RFC 9106's second recommendation (t=3, m=64 MiB, p=4); a hash takes
tens of milliseconds of CPU, so it runs in a worker thread, and at most ``concurrency`` at a time so
that a burst of logins can't take ``n × 64 MiB``. ``verify`` on an unknown account still hashes (a
dummy), so an unknown phone and a wrong password cost the same time.

A thread off the loop is not enough on a machine with few cores: a login storm's hashes compete with
the event loop for them, and every other request (a health probe, a gate's verify) waits behind
them. The hashing threads are their own pool, each lowered to ``HASH_NICENESS`` when it starts
(Linux's niceness is per thread, and argon2's lane threads inherit it): the kernel then runs the loop
first whenever both are ready, and a storm takes only the CPU left over (the benchmark's
"/health/live during an argon2 login storm" row measures it). Where a thread may not be lowered the
pool runs as it is.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

T = TypeVar("T")

# Niceness 10 of 19: behind everything at the default 0, still ahead of batch work at 19.
HASH_NICENESS = 10


def _lower_this_thread() -> None:
    with contextlib.suppress(OSError, AttributeError):  # not permitted, or not Linux: run as is
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASH_NICENESS)


def thread_niceness() -> int:
    """The calling thread's niceness (tests look at the pool's threads with it)."""
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


class Passwords:
    def __init__(self, *, concurrency: int, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher()
        self._slots = asyncio.Semaphore(concurrency)
        self._pool = ThreadPoolExecutor(
            max_workers=concurrency, thread_name_prefix="argon2", initializer=_lower_this_thread
        )
        # Made once, at start-up, with today's parameters: checking it costs what a real check costs.
        self._dummy = self._hasher.hash(secrets.token_urlsafe(16))

    async def hash(self, password: str) -> str:
        async with self._slots:
            return await asyncio.get_running_loop().run_in_executor(self._pool, self._hasher.hash, password)

    async def verify(self, stored_hash: str | None, password: str) -> bool:
        """True when ``password`` matches ``stored_hash``. With no hash (unknown account, or one
        without a password) a dummy hash is checked instead, and the answer is False."""
        if stored_hash is None:
            await self._check(self._dummy, password)
            return False
        return await self._check(stored_hash, password)

    async def _check(self, stored_hash: str, password: str) -> bool:
        async with self._slots:
            return await asyncio.get_running_loop().run_in_executor(
                self._pool, self._verify_sync, stored_hash, password
            )

    def _verify_sync(self, stored_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(stored_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    async def run_in_pool(self, call: Callable[[], T]) -> T:
        """``call`` on one of the hashing threads (tests: what niceness do they run at?)."""
        return await asyncio.get_running_loop().run_in_executor(self._pool, call)

    def needs_rehash(self, stored_hash: str) -> bool:
        """True when ``stored_hash`` was made with other parameters than today's (rehash on login)."""
        return self._hasher.check_needs_rehash(stored_hash)
