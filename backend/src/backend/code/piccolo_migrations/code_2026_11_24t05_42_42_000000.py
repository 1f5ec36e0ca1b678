"""Uniqueness and lookup indexes the citizen-code tables rely on (piccolo's auto migrations can't
express them; raw steps run before table changes within one migration, hence a separate one).

One kid per key and a single trust anchor; one trust list per seq; one code id per citizen and per
holder; a phone key registers once per citizen; an offline scan uploads once per device.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-24T05:42:42:000000"
VERSION = "1.38.0"
DESCRIPTION = "citizen code: unique kid/anchor/seq/code id/device key/scan, lookup indexes"

_STATEMENTS = (
    "CREATE UNIQUE INDEX code_key_kid ON code_key (kid)",
    "CREATE UNIQUE INDEX code_key_one_anchor ON code_key (purpose) WHERE purpose = 'anchor'",
    "CREATE UNIQUE INDEX code_trust_list_seq ON code_trust_list (seq)",
    "CREATE UNIQUE INDEX code_holder_code_id ON code_holder (code_id)",
    "CREATE UNIQUE INDEX code_device_key ON code_device (citizen_id, key_thumbprint)",
    "CREATE INDEX code_revocation_revoked_at ON code_revocation (revoked_at)",
    "CREATE INDEX code_revocation_code_id ON code_revocation (code_id, revoked_at)",
    "CREATE UNIQUE INDEX code_scan_once ON code_scan (device_id, code_hash)",
    "CREATE INDEX code_scan_replay_key ON code_scan (replay_key)",
    "CREATE INDEX code_scan_credential ON code_scan (credential, scanned_at)",
    "CREATE INDEX code_scan_flag_scan ON code_scan_flag (scan_id)",
)


async def _indexes() -> None:
    engine = engine_finder()
    assert engine is not None
    for statement in _STATEMENTS:
        await engine.run_ddl(statement)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="code", description=DESCRIPTION)
    manager.add_raw(_indexes)
    return manager
