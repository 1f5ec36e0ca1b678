"""The piccolo engine, bound from settings, and the migration runner.

Piccolo keeps its engine on each table class (``Table._meta.db``) and finds it for migrations through
a module named ``piccolo_conf``. We bind one engine per process from ``Settings`` at start-up, point
every registered table at it, and ship a ``piccolo_conf`` shim that forwards to the bound engine, so
there is no configuration read at import time and the piccolo CLI still works.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import sqlite3
from collections.abc import Callable, Generator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import asyncpg
import msgspec
from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.apps.migrations.tables import Migration
from piccolo.conf.apps import AppRegistry
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from backend.errors import Unavailable
from backend.settings import DatabaseSettings

log = logging.getLogger("backend.database")

# The apps whose tables the bound engine serves, in migration order (``backend.wiring.piccolo_apps``).
_registry: AppRegistry | None = None
_bound: Engine[Any] | None = None


class DatabaseUnavailable(Unavailable):
    """The database can't be reached; ``detail`` may name what failed (never a connection string)."""

    code = "database.unavailable"
    detail = "The database is unavailable"
    retry_after = 1

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail=detail)


def make_engine(settings: DatabaseSettings) -> Engine[Any]:
    if settings.is_sqlite:
        path = Path(settings.url.removeprefix("sqlite:///").removeprefix("sqlite://"))
        path.parent.mkdir(parents=True, exist_ok=True)
        return SQLiteEngine(path=str(path))
    # extensions=(): we need no extension, and creating one needs a superuser. timeout: asyncpg waits
    # 60 s for a connection to open by default, longer than any request should.
    return PostgresEngine(config={"dsn": settings.url, "timeout": settings.connect_timeout}, extensions=())


def connection_lost(exc: BaseException) -> bool:
    """The connection a query ran on broke under it — closed, reset, or ended by the server (a
    restart, a failover, an operator's ``pg_terminate_backend``) — as opposed to a query the database
    refused. The next query gets a fresh connection from the pool: the request may be retried."""
    if isinstance(exc, asyncpg.PostgresConnectionError | asyncpg.exceptions.OperatorInterventionError):
        return True
    if isinstance(exc, asyncpg.InterfaceError):
        return "connection is closed" in str(exc)
    # The server's "terminating connection" arrived on an idle pooled connection before its end of
    # stream did: the next query finds the protocol mid-error (seen in the fault drills).
    return isinstance(exc, asyncpg.InternalClientError) and "cannot switch to state" in str(exc)


class _Acquiring:
    """What ``pool.acquire()`` returns, awaited (piccolo's transactions) or entered (its queries)."""

    def __init__(self, pool: BoundedPool, timeout: float) -> None:
        self._pool = pool
        self._timeout = timeout
        self._connection: Any = None

    def __await__(self) -> Generator[Any, None, Any]:
        return self._pool.connection(self._timeout).__await__()

    async def __aenter__(self) -> Any:
        self._connection = await self._pool.connection(self._timeout)
        return self._connection

    async def __aexit__(self, *_: object) -> None:
        await self._pool.release(self._connection)


class BoundedPool:
    """The asyncpg pool as piccolo sees it (``engine.pool``), with the two waits a request can't see
    the end of bounded: for a free connection when all are busy, and for a new one to open when the
    server is slow or gone. Failing either, or the server refusing the connection (shutting down, not
    accepting connections, out of slots), is ``DatabaseUnavailable``: a 503 with Retry-After, never a
    500, and the next request tries again."""

    def __init__(self, pool: Any, *, acquire_timeout: float) -> None:
        self._pool = pool
        self._acquire_timeout = acquire_timeout

    def acquire(self, *, timeout: float | None = None) -> _Acquiring:
        return _Acquiring(self, timeout or self._acquire_timeout)

    async def connection(self, within: float) -> Any:
        try:
            return await self._pool.acquire(timeout=within)
        except TimeoutError:
            raise DatabaseUnavailable(f"no database connection within {within:g} s") from None
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise DatabaseUnavailable(f"connecting to the database failed: {type(exc).__name__}") from exc

    def __getattr__(self, name: str) -> Any:
        # release, close, terminate, get_size...: the pool's own.
        return getattr(self._pool, name)


def bind_engine(settings: DatabaseSettings, apps: Sequence[str]) -> Engine[Any]:
    """Create the engine for ``settings`` and point every table of ``apps`` (piccolo app modules,
    in migration order) and piccolo's own migration table at it."""
    global _bound, _registry
    engine = make_engine(settings)
    _registry = AppRegistry(apps=list(apps))
    for app in _registry.app_configs.values():
        for table in app.table_classes:
            table._meta.db = engine
    Migration._meta.db = engine
    _bound = engine
    return engine


def bound_engine() -> Engine[Any] | None:
    return _bound


def bound_registry() -> AppRegistry | None:
    return _registry


def transaction(engine: Engine[Any]) -> Any:
    """The one way to open a transaction: ``async with transaction(engine): ...``.

    On SQLite it is IMMEDIATE, taking the write lock up front: a deferred one that reads and then
    writes fails with SQLITE_BUSY when another writer got in between. Inside an open transaction it
    joins that one."""
    if isinstance(engine, SQLiteEngine):
        return engine.transaction(transaction_type=TransactionType.immediate)
    return engine.transaction()


class Repository:
    """Every repository is built the same way, ``XRepository(engine)``, and is the only place its
    feature's queries live; services open transactions with ``transaction(engine)``."""

    def __init__(self, engine: Engine[Any]) -> None:
        self._engine = engine


def is_unique_violation(exc: BaseException) -> bool:
    """True when ``exc`` is a unique-constraint violation, on PostgreSQL or SQLite."""
    if isinstance(exc, asyncpg.UniqueViolationError):
        return True
    return isinstance(exc, sqlite3.IntegrityError) and "UNIQUE constraint failed" in str(exc)


class UniqueViolation:
    """A block in which a unique-constraint violation is an answer (the row exists), not a fault.

    ``with UniqueViolation(raise_as=AlreadyRegistered):`` raises ``raise_as()`` from the violation;
    ``with UniqueViolation() as taken:`` swallows it and sets ``taken.occurred``. Any other
    exception passes through unchanged.
    """

    def __init__(self, *, raise_as: Callable[[], Exception] | None = None) -> None:
        self._raise_as = raise_as
        self.occurred = False

    def __enter__(self) -> UniqueViolation:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool:
        if exc is None or not is_unique_violation(exc):
            return False
        self.occurred = True
        if self._raise_as is None:
            return True
        raise self._raise_as() from exc


async def open_pool(engine: Engine[Any], settings: DatabaseSettings) -> None:
    if isinstance(engine, PostgresEngine):
        # reset=_no_reset: asyncpg's reset query on every release costs ~45 % on DB endpoints
        # (research/perf.md b-3). Safe because we never use session-level SET, LISTEN, advisory
        # session locks or cursors outside transactions; asyncpg still rolls back open transactions.
        await engine.start_connection_pool(
            min_size=settings.pool_min, max_size=settings.pool_max, reset=_no_reset
        )
        engine.pool = BoundedPool(engine.pool, acquire_timeout=settings.acquire_timeout)
    else:
        await engine.run_ddl("PRAGMA journal_mode=WAL")


# Seconds shutdown waits for checked-out connections before cutting them.
_POOL_CLOSE_GRACE = 10.0


async def close_pool(engine: Engine[Any]) -> None:
    """Close the PostgreSQL pool, waiting at most ``_POOL_CLOSE_GRACE`` for connections to come back.

    asyncpg's ``Pool.close`` waits for every checked-out connection forever; one that is never
    released (a task killed mid-query) would hang shutdown, so after the grace the rest are cut.
    """
    if not isinstance(engine, PostgresEngine) or engine.pool is None:
        return
    try:
        await asyncio.wait_for(engine.pool.close(), _POOL_CLOSE_GRACE)
    except TimeoutError:
        log.warning("database pool: connections not returned in %.0f s; terminating", _POOL_CLOSE_GRACE)
        engine.pool.terminate()
    engine.pool = None


async def ping(engine: Engine[Any]) -> None:
    try:
        await engine.run_ddl("SELECT 1")
    except Exception as exc:
        raise DatabaseUnavailable(f"database ping failed: {type(exc).__name__}") from exc


class Migrated(msgspec.Struct, frozen=True, kw_only=True):
    """What ``migrate`` did: the apps it went through, the migrations it ran now, and how many the
    database has run in all."""

    apps: tuple[str, ...]
    applied: int
    total: int

    def summary(self) -> str:
        return f"migrations: {self.applied} applied now, {self.total} in all, for {len(self.apps)} apps"


async def migrate() -> Migrated:
    """Apply every pending migration of every registered app, in registry order, on the bound engine.
    Piccolo prints a block per app; that goes to a buffer, shown only in the error of a failure."""
    if _bound is None or _registry is None:
        raise RuntimeError("bind_engine() must run before migrate()")
    before = await _migrations_run()
    apps: list[str] = []
    for app_name in _registry.app_configs:
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            result = await run_forwards(app_name=app_name, migration_id="all", fake=False)
        if not result.success and "already been run" not in (result.message or ""):
            raise RuntimeError(f"migrating {app_name} failed: {result.message}\n{printed.getvalue()}")
        apps.append(app_name)
    total = await _migrations_run()
    return Migrated(apps=tuple(apps), applied=total - before, total=total)


async def _migrations_run() -> int:
    if not await Migration.table_exists().run():
        return 0
    count: int = await Migration.count().run()
    return count


async def _no_reset(connection: Any) -> None:
    return None
