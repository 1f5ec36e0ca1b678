"""Readiness: the database and the key-value store answer within a probe's budget."""

from __future__ import annotations

import asyncio
from typing import Any

from piccolo.engine.base import Engine

from backend.database import ping as ping_database
from backend.errors import DomainError
from backend.health.errors import NotReady
from backend.store import KeyValueStore

# A readiness probe must answer before the orchestrator's own timeout (typically 1-3 s).
_CHECK_TIMEOUT = 1.0


class Readiness:
    def __init__(self, *, engine: Engine[Any], store: KeyValueStore, store_name: str) -> None:
        self._engine = engine
        self._store = store
        self._store_name = store_name

    async def check(self) -> list[str]:
        """The names of the dependencies that answer; raises 503 ``health.not_ready`` naming the rest."""
        checks = {"database": ping_database(self._engine), self._store_name: self._store.ping()}
        results = await asyncio.gather(
            *(asyncio.wait_for(check, _CHECK_TIMEOUT) for check in checks.values()),
            return_exceptions=True,
        )
        failed = [name for name, result in zip(checks, results, strict=True) if result is not None]
        if failed:
            raise NotReady(
                failed=failed, checks={n: _describe(r) for n, r in zip(checks, results, strict=True)}
            )
        return list(checks)


def _describe(result: BaseException | None) -> str:
    if result is None:
        return "ok"
    if isinstance(result, TimeoutError):
        return "timeout"
    if isinstance(result, DomainError):
        return result.code
    return "error"
