"""What guidance relies on and piccolo's auto migrations can't say (raw steps run before table changes
within one migration, hence a separate one): one alias per item and phrase, one FAQ entry per slug,
one miss row per masked question (its count moves by ON CONFLICT), and the misses' listing order."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-03T13:20:03:000000"
VERSION = "1.38.0"
DESCRIPTION = "guidance: unique aliases, FAQ slugs and misses; the misses' order"

_STATEMENTS = (
    "CREATE UNIQUE INDEX guidance_alias_once ON guidance_alias (item_code, phrase)",
    "CREATE UNIQUE INDEX guidance_faq_slug ON guidance_faq (slug)",
    "CREATE UNIQUE INDEX guidance_miss_question ON guidance_miss (question)",
    "CREATE INDEX guidance_miss_order ON guidance_miss (asked, last_at, id)",
)


async def _constraints() -> None:
    engine = engine_finder()
    assert engine is not None
    for statement in _STATEMENTS:
        await engine.run_ddl(statement)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="guidance", description=DESCRIPTION)
    manager.add_raw(_constraints)
    return manager
