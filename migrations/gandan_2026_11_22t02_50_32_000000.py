from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Text, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-22T02:50:32:000000"
VERSION = "1.38.0"
DESCRIPTION = "report moderation: the description's public state and text, withheld photos"

_COMMON = {
    "null": False,
    "primary_key": False,
    "unique": False,
    "index": False,
    "index_method": IndexMethod.btree,
    "choices": None,
    "db_column_name": None,
    "secret": False,
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="gandan", description=DESCRIPTION)
    manager.add_column(
        table_class_name="Report",
        tablename="reports",
        column_name="description_state",
        db_column_name="description_state",
        column_class_name="Varchar",
        column_class=Varchar,
        params={"length": 10, "default": "visible", **_COMMON},
        schema=None,
    )
    for name in ("redacted_description", "photo_moderation"):
        manager.add_column(
            table_class_name="Report",
            tablename="reports",
            column_name=name,
            db_column_name=name,
            column_class_name="Text",
            column_class=Text,
            params={"default": "", **_COMMON},
            schema=None,
        )
    return manager
