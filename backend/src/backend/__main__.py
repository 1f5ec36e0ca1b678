"""``python -m backend migrate``: apply pending migrations to the configured database.
``python -m backend seed-catalogue``: publish the seed catalogue's items the catalogue lacks.
``python -m backend worker``: run the background jobs (the outbox's workers among them) without the
HTTP side, until SIGTERM or SIGINT — production's ``suqian worker``."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys

import msgspec

from backend.app import FEATURES
from backend.catalogue.feature import seed_catalogue
from backend.data_dir import DataDirInUse, hold
from backend.database import bind_engine, close_pool, migrate, open_pool
from backend.feature import feature_sections
from backend.observability.logs import configure_logging
from backend.outbox.settings import OutboxSettings
from backend.settings import Settings, SettingsError, load_settings
from backend.wiring import Wiring, piccolo_apps


async def _migrate(settings: Settings) -> None:
    engine = bind_engine(settings.database, piccolo_apps(FEATURES))
    await open_pool(engine, settings.database)
    try:
        applied = await migrate()
    finally:
        await close_pool(engine)
    print(f"migrations applied for: {', '.join(applied)}")


async def _seed(settings: Settings) -> None:
    wiring = Wiring(settings, FEATURES)
    await open_pool(wiring.infra.engine, settings.database)
    try:
        added = await seed_catalogue(wiring)
    finally:
        await close_pool(wiring.infra.engine)
    print(f"seed catalogue: {added} service items published")


async def _work(settings: Settings) -> None:
    # A worker process exists to run the outbox, whatever the API processes were told.
    section = settings.features.get("outbox")
    outbox = section if isinstance(section, OutboxSettings) else OutboxSettings()
    features = {**settings.features, "outbox": msgspec.structs.replace(outbox, in_process=True)}
    wiring = Wiring(msgspec.structs.replace(settings, features=features), FEATURES)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with wiring.lifespan():
        jobs = wiring.background.jobs if wiring.background else ()
        logging.getLogger("backend.worker").info("worker running %d jobs", len(jobs))
        await stop.wait()


def main(argv: list[str] | None = None, *, holding_data_dir: bool = False) -> int:
    """``holding_data_dir``: the caller (``suqian serve``) already holds the embedded data folder."""
    args = sys.argv[1:] if argv is None else argv
    if args not in (["migrate"], ["worker"], ["seed-catalogue"]):
        print("usage: python -m backend migrate | worker | seed-catalogue", file=sys.stderr)
        return 2
    try:
        settings = load_settings(os.environ, sections=feature_sections(FEATURES))
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    if args == ["worker"]:
        if settings.mode == "embedded":
            # The embedded default runs its workers inside `suqian serve` (one process owns the data).
            print("the embedded default runs its workers in-process: `suqian serve`", file=sys.stderr)
            return 2
        configure_logging(settings.log.level)
        asyncio.run(_work(settings))
        return 0
    if args == ["seed-catalogue"]:
        if settings.mode == "embedded" and not holding_data_dir and hold(settings.data_dir) is None:
            print(DataDirInUse(settings.data_dir), file=sys.stderr)
            return 2
        asyncio.run(_seed(settings))
        return 0
    # A migration under a running embedded server would change its schema mid-flight.
    if settings.mode == "embedded" and not holding_data_dir and hold(settings.data_dir) is None:
        print(DataDirInUse(settings.data_dir), file=sys.stderr)
        return 2
    asyncio.run(_migrate(settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
