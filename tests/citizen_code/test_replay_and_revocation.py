"""The in-memory replay cache and the revocation list."""

from __future__ import annotations

import pytest

from citizen_code import MemoryReplayCache, ReplayCache, RevocationList
from citizen_code.errors import CitizenCodeError
from tests.citizen_code.world import NOW


def test_memory_cache_satisfies_the_protocol() -> None:
    cache: ReplayCache = MemoryReplayCache()
    assert cache.add("k", expires_at=NOW + 60, now=NOW)


def test_a_key_is_refused_until_it_expires() -> None:
    cache = MemoryReplayCache()
    assert cache.add("k", expires_at=NOW + 60, now=NOW)
    assert not cache.add("k", expires_at=NOW + 60, now=NOW + 59)
    assert cache.add("k", expires_at=NOW + 120, now=NOW + 60)


def test_sweeps_drop_expired_keys() -> None:
    cache = MemoryReplayCache(sweep_every=10)
    for i in range(9):
        cache.add(f"old{i}", expires_at=NOW + 1, now=NOW)
    cache.add("new", expires_at=NOW + 100, now=NOW + 50)
    assert len(cache) == 1


def test_a_full_cache_evicts_the_oldest_live_keys() -> None:
    cache = MemoryReplayCache(max_entries=3)
    for key in "abcd":
        assert cache.add(key, expires_at=NOW + 60, now=NOW)
    assert len(cache) <= 3
    assert not cache.add("d", expires_at=NOW + 60, now=NOW)


def test_revocation_keeps_the_latest_time_per_code_id() -> None:
    revocations = RevocationList([("a", 10), ("a", 30), ("a", 20), ("b", 5)])
    assert revocations.revoked_at("a") == 30
    assert revocations.revoked_at("b") == 5
    assert revocations.revoked_at("c") is None
    assert len(revocations.with_entry("c", 7)) == 3
    assert len(revocations) == 2


def test_revocation_prune_drops_old_entries() -> None:
    revocations = RevocationList({"a": NOW - 3 * 86400, "b": NOW})
    assert list(revocations.prune(older_than=NOW - 2 * 86400)) == [("b", NOW)]


def test_revocation_json_round_trip() -> None:
    revocations = RevocationList({"a": 1, "b": 2})
    assert list(RevocationList.from_json(revocations.to_json())) == [("a", 1), ("b", 2)]
    with pytest.raises(CitizenCodeError):
        RevocationList.from_json(b"[]")
