"""Uniqueness and lookup indexes the licence tables rely on (raw steps run before table changes
within one migration, hence a separate one).

One record per citizen and library licence; one status-list entry per record; one log row per
(citizen, seq), so a fork of the chain is refused; one registration per verifier device; one holder
key per citizen.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-02T15:36:46:000000"
VERSION = "1.38.0"
DESCRIPTION = "licence: unique record/status entry/log seq/verifier device/holder key, lookup indexes"

_STATEMENTS = (
    "CREATE UNIQUE INDEX licence_record_once ON licence_record (citizen_id, identifier_index)",
    "CREATE UNIQUE INDEX licence_record_status_entry ON licence_record (status_list, status_idx)",
    "CREATE INDEX licence_record_identifier ON licence_record (identifier_index)",
    "CREATE INDEX licence_record_not_valid ON licence_record (status_list, status) WHERE status <> 'valid'",
    "CREATE UNIQUE INDEX licence_log_seq ON licence_log (citizen_id, seq)",
    "CREATE UNIQUE INDEX licence_verifier_device ON licence_verifier (device_id)",
    "CREATE UNIQUE INDEX licence_key_holder ON licence_key (citizen_id) WHERE purpose = 'holder'",
    "CREATE INDEX licence_request_open ON licence_request (state, expires_at)",
)


async def _indexes() -> None:
    engine = engine_finder()
    assert engine is not None
    for statement in _STATEMENTS:
        await engine.run_ddl(statement)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="licence", description=DESCRIPTION)
    manager.add_raw(_indexes)
    return manager
