from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from opentelemetry.trace import SpanKind, Tracer

from backend.store.base import SetIfAbsent, StoreUnavailable
from backend.store.resp import Arg, PipelinedRedis, RedisCommandError, RedisUnavailable


class RedisStore:
    """The production store on Redis (or Redis Cluster with ``{hash tags}`` in keys).

    Each worker speaks to Redis over one pipelined connection (:mod:`backend.store.resp`): the
    commands of every request in flight go out in one write per event-loop turn, with no pool to
    wait for. Every Redis failure becomes ``StoreUnavailable``, so callers see one failure shape for
    "the fast store is gone"; a command whose connection failed is not retried (its outcome is
    unknown), the next one connects anew.
    """

    def __init__(
        self, url: str, *, prefix: str = "", socket_timeout: float = 2.0, tracer: Tracer | None = None
    ) -> None:
        self._prefix = prefix
        self._redis = PipelinedRedis(url, timeout=socket_timeout, connect_timeout=socket_timeout)
        self._tracer = tracer

    async def _run(self, name: str, *commands: Sequence[Arg]) -> list[Any]:
        try:
            if self._tracer is None:
                return await self._redis.execute_many(commands)
            # A span per store call (never its keys or values: they may name a person).
            attributes = {"db.system": "redis", "db.operation.name": name}
            with self._tracer.start_as_current_span(
                f"redis {name}", kind=SpanKind.CLIENT, attributes=attributes
            ):
                return await self._redis.execute_many(commands)
        except (RedisUnavailable, RedisCommandError) as exc:
            raise StoreUnavailable(f"Redis {name} failed: {type(exc).__name__}") from exc

    async def get(self, key: str) -> bytes | None:
        (value,) = await self._run("GET", ("GET", self._prefix + key))
        return cast(bytes | None, value)

    async def get_many(self, keys: list[str]) -> list[bytes | None]:
        if not keys:
            return []
        prefix = self._prefix
        (values,) = await self._run("MGET", ("MGET", *(prefix + k for k in keys)))
        return cast(list[bytes | None], values)

    async def set(self, key: str, value: bytes, *, ttl: float | None = None) -> None:
        expiry: tuple[Arg, ...] = ("PX", _ms(ttl)) if ttl is not None else ()
        await self._run("SET", ("SET", self._prefix + key, value, *expiry))

    async def set_if_absent(self, key: str, value: bytes, *, ttl: float) -> bool:
        (stored,) = await self._run("SET NX", ("SET", self._prefix + key, value, "PX", _ms(ttl), "NX"))
        return stored is not None

    async def set_if_absent_many(
        self, items: Sequence[SetIfAbsent], *, get: Sequence[str] = ()
    ) -> tuple[list[bool], list[bytes | None]]:
        prefix = self._prefix
        # No MULTI/EXEC: keys may live in different cluster slots; each command is atomic on its own,
        # and Redis runs them in order, in one round trip.
        reads: list[tuple[Arg, ...]] = [("MGET", *(prefix + k for k in get))] if get else []
        writes = [("SET", prefix + item.key, item.value, "PX", _ms(item.ttl), "NX") for item in items]
        results = await self._run("SET NX", *reads, *writes)
        values = cast(list[bytes | None], results[0]) if get else []
        return [r is not None for r in results[1 if get else 0 :]], values

    async def incr(self, key: str, *, ttl: float, amount: int = 1, refresh: bool = False) -> int:
        full = self._prefix + key
        # One round trip, applied atomically: the expiry is set only when INCRBY created the key (or
        # at every call, with ``refresh``).
        expire: tuple[Arg, ...] = ("PEXPIRE", full, _ms(ttl)) + (() if refresh else ("NX",))
        *_, done = await self._run("INCR", ("MULTI",), ("INCRBY", full, amount), expire, ("EXEC",))
        if done is None:
            raise StoreUnavailable("Redis INCR failed: the transaction was aborted")
        return int(done[0])

    async def delete(self, *keys: str) -> int:
        if not keys:
            return 0
        (removed,) = await self._run("DEL", ("DEL", *(self._prefix + k for k in keys)))
        return int(removed)

    async def ttl(self, key: str) -> float | None:
        (ms,) = await self._run("PTTL", ("PTTL", self._prefix + key))
        return int(ms) / 1000 if ms >= 0 else None

    async def ping(self) -> None:
        await self._run("PING", ("PING",))

    async def close(self) -> None:
        await self._redis.close()


def _ms(seconds: float) -> int:
    return max(1, int(seconds * 1000))
