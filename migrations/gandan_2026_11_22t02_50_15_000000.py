from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-22T02:50:15:000000"
VERSION = "1.38.0"
DESCRIPTION = "abuse limits: the network a support came from; a device's installation secret"


def _varchar(length: int) -> dict:
    return {
        "length": length, "default": "", "null": True, "primary_key": False, "unique": False,
        "index": False, "index_method": IndexMethod.btree, "choices": None, "db_column_name": None,
        "secret": False,
    }  # fmt: skip


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="gandan", description=DESCRIPTION)
    # A keyed hash of the supporter's network (never the address): supports are shown counted
    # by device and by network, so many fresh cookie jars from one network are visible.
    manager.add_column(
        table_class_name="Support", tablename="supports", column_name="network",
        db_column_name="network", column_class_name="Varchar", column_class=Varchar,
        params=_varchar(24), schema=None,
    )  # fmt: skip
    # The hash of the secret handed to the installation that first registered a push id: only
    # that installation may register the id again (for another resident of the same phone).
    manager.add_column(
        table_class_name="Device", tablename="devices", column_name="secret_hash",
        db_column_name="secret_hash", column_class_name="Varchar", column_class=Varchar,
        params=_varchar(64), schema=None,
    )  # fmt: skip
    return manager
