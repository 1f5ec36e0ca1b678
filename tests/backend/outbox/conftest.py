"""The outbox on both databases it runs on: the session's PostgreSQL, and an embedded-default SQLite
file migrated by ``python -m backend migrate`` exactly as ``suqian serve`` does."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from piccolo.engine.base import Engine
from piccolo.engine.sqlite import SQLiteEngine

from tests.services import Services


@pytest.fixture(scope="session")
def sqlite_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("outbox-embedded")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUQIAN_")}
    env["SUQIAN_DATA_DIR"] = str(data_dir)
    done = subprocess.run(
        [sys.executable, "-m", "backend", "migrate"], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return data_dir / "suqian.sqlite3"


@pytest.fixture(params=["postgres", "sqlite"])
async def engine(
    request: pytest.FixtureRequest, services: Services, sqlite_path: Path
) -> AsyncIterator[Engine[Any]]:
    if request.param == "postgres":
        yield services.wiring.infra.engine
        return
    sqlite = SQLiteEngine(path=str(sqlite_path))
    await sqlite.run_ddl("PRAGMA journal_mode=WAL")
    yield sqlite
