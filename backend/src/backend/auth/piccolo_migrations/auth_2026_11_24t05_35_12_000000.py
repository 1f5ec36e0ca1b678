"""Uniqueness the auth tables rely on, which piccolo's auto migrations can't express.

One signing key per generation (workers racing to create it insert ON CONFLICT DO NOTHING) and per
kid; one refresh-token row per token hash.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-24T05:35:12:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique auth_signing_key (generation), (kid); unique auth_refresh_token (token_hash)"


async def _guards() -> None:
    engine = engine_finder()
    assert engine is not None
    await engine.run_ddl("CREATE UNIQUE INDEX auth_signing_key_generation ON auth_signing_key (generation)")
    await engine.run_ddl("CREATE UNIQUE INDEX auth_signing_key_kid ON auth_signing_key (kid)")
    await engine.run_ddl("CREATE UNIQUE INDEX auth_refresh_token_hash ON auth_refresh_token (token_hash)")


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="auth", description=DESCRIPTION)
    manager.add_raw(_guards)
    return manager
