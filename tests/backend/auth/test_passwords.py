"""Argon2 off the event loop and behind it: hashes run on a pool of their own whose threads are
lowered to ``HASH_NICENESS``, so a login storm takes only the CPU the loop leaves (the benchmark's
"/health/live during an argon2 login storm" row measures what that buys)."""

from __future__ import annotations

import os
import threading

from argon2 import PasswordHasher

from backend.auth.passwords import HASH_NICENESS, Passwords, thread_niceness

# Cheap parameters: these tests look at where the work runs, not at its cost.
FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


async def test_hashes_run_on_lowered_threads_and_the_loop_keeps_its_priority() -> None:
    passwords = Passwords(concurrency=2, hasher=FAST)
    loop_niceness = thread_niceness()
    where = await passwords.run_in_pool(lambda: (threading.current_thread().name, thread_niceness()))
    name, niceness = where
    assert name.startswith("argon2")
    # Raising one's own niceness is always allowed; a process already nicer than that stays so.
    assert niceness == max(HASH_NICENESS, os.getpriority(os.PRIO_PROCESS, 0))
    assert thread_niceness() == loop_niceness  # the event loop's thread is untouched


async def test_hash_and_verify_work_on_the_pool() -> None:
    passwords = Passwords(concurrency=1, hasher=FAST)
    stored = await passwords.hash("correct horse battery staple")
    assert await passwords.verify(stored, "correct horse battery staple")
    assert not await passwords.verify(stored, "wrong")
    assert not await passwords.verify(None, "anything")  # an unknown account still costs a check
