from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-21T18:08:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "a composite index for the map's bounding-box queries"

# The public map asks for reports inside a latitude and longitude range: one index over
# both lets the database narrow on the second column too (bench/bbox.py measures it).
STATEMENTS = ("CREATE INDEX reports_lat_lon ON reports (lat, lon)",)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="gandan", description=DESCRIPTION)

    async def create_indexes():
        for statement in STATEMENTS:
            await engine_finder().run_ddl(statement)

    async def drop_indexes():
        for statement in STATEMENTS:
            name = statement.split(" INDEX ", 1)[1].split(" ", 1)[0]
            await engine_finder().run_ddl(f"DROP INDEX {name}")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
