"""The key-value store: fast, shared, expendable state (rate limits, replay caches, denylists, queues).

PostgreSQL holds the truth; this store only ever rejects early or remembers briefly. Two
implementations share one contract (tests/backend/store runs the same suite on both): Redis for
production, and an in-process dictionary for the single-process embedded default.
"""

from backend.store.base import KeyValueStore, SetIfAbsent, StoreUnavailable
from backend.store.memory import MemoryStore
from backend.store.redis import RedisStore

__all__ = ["KeyValueStore", "MemoryStore", "RedisStore", "SetIfAbsent", "StoreUnavailable"]
