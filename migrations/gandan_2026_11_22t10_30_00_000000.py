from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-22T10:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "map grid cells: unique per zoom, cell and status; filled from the reports"

# The unique index is what the cells' upsert (ON CONFLICT) names, and what a view's box walks:
# one zoom, a range of rows, then of columns.
STATEMENTS = ("CREATE UNIQUE INDEX map_cells_unique ON map_cells (zoom, y, x, status)",)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="gandan", description=DESCRIPTION)

    async def create_index_and_fill():
        from app.reporting.counters import rebuild_map_cells

        for statement in STATEMENTS:
            await engine_finder().run_ddl(statement)
        await rebuild_map_cells()

    async def drop_index():
        await engine_finder().run_ddl("DROP INDEX map_cells_unique")

    manager.add_raw(create_index_and_fill)
    manager.add_raw_backwards(drop_index)
    return manager
