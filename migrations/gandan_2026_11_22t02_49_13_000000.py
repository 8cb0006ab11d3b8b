from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-22T02:49:13:000000"
VERSION = "1.38.0"
DESCRIPTION = "report counters: one row per ward, day, status and category; filled from the reports"

# The unique index is what the counters' upsert (ON CONFLICT) names; the second one serves
# "per ward since a day" (the home page) from the index alone.
STATEMENTS = (
    "CREATE UNIQUE INDEX report_counts_unique ON report_counts (ward, day, status, category)",
    "CREATE INDEX report_counts_day ON report_counts (day, ward, status, category, n)",
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="gandan", description=DESCRIPTION)

    async def create_indexes_and_count():
        from app.reporting.counters import rebuild_counters

        for statement in STATEMENTS:
            await engine_finder().run_ddl(statement)
        await rebuild_counters()

    async def drop_indexes():
        for statement in STATEMENTS:
            name = statement.split(" INDEX ", 1)[1].split(" ", 1)[0]
            await engine_finder().run_ddl(f"DROP INDEX {name}")

    manager.add_raw(create_indexes_and_count)
    manager.add_raw_backwards(drop_indexes)
    return manager
