"""``python -m backend migrate``: apply pending migrations to the configured database."""

from __future__ import annotations

import asyncio
import os
import sys

from backend.app import FEATURES
from backend.data_dir import DataDirInUse, hold
from backend.database import bind_engine, close_pool, migrate, open_pool
from backend.feature import feature_sections
from backend.settings import Settings, SettingsError, load_settings
from backend.wiring import piccolo_apps


async def _migrate(settings: Settings) -> None:
    engine = bind_engine(settings.database, piccolo_apps(FEATURES))
    await open_pool(engine, settings.database)
    try:
        applied = await migrate()
    finally:
        await close_pool(engine)
    print(f"migrations applied for: {', '.join(applied)}")


def main(argv: list[str] | None = None, *, holding_data_dir: bool = False) -> int:
    """``holding_data_dir``: the caller (``suqian serve``) already holds the embedded data folder."""
    args = sys.argv[1:] if argv is None else argv
    if args != ["migrate"]:
        print("usage: python -m backend migrate", file=sys.stderr)
        return 2
    try:
        settings = load_settings(os.environ, sections=feature_sections(FEATURES))
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    # A migration under a running embedded server would change its schema mid-flight.
    if settings.mode == "embedded" and not holding_data_dir and hold(settings.data_dir) is None:
        print(DataDirInUse(settings.data_dir), file=sys.stderr)
        return 2
    asyncio.run(_migrate(settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
