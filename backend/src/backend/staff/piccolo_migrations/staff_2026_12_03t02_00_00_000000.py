from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import BigInt
from piccolo.columns.column_types import Integer
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-03T02:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "staff setup tokens (generation, holder, settled steps) and consecutive code failures"


def _params(default, *, null=False, **extra):
    return {
        "default": default,
        "null": null,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
        **extra,
    }


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="staff", description=DESCRIPTION
    )
    for name, cls, cls_name, params in (
        ("setup_generation", BigInt, "BigInt", _params(0)),
        ("setup_holder", Varchar, "Varchar", _params(None, null=True, length=64)),
        ("setup_settled", Varchar, "Varchar", _params("", length=64)),
    ):
        manager.add_column(
            table_class_name="StaffAccount",
            tablename="staff_account",
            column_name=name,
            db_column_name=name,
            column_class_name=cls_name,
            column_class=cls,
            params=params,
            schema=None,
        )
    manager.add_column(
        table_class_name="StaffTotp",
        tablename="staff_totp",
        column_name="code_failures",
        db_column_name="code_failures",
        column_class_name="Integer",
        column_class=Integer,
        params=_params(0),
        schema=None,
    )
    return manager
