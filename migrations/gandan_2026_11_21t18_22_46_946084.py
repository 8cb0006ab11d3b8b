from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import JSON
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-21T18:22:46:946084"
VERSION = "1.38.0"
DESCRIPTION = "people_preferences"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="gandan", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="Person",
        tablename="people",
        column_name="preferences",
        db_column_name="preferences",
        column_class_name="JSON",
        column_class=JSON,
        params={
            "default": "{}",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
