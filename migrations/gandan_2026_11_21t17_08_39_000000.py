from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-21T17:08:39:000000"
VERSION = "1.38.0"
DESCRIPTION = "indexes Piccolo cannot declare on columns"

# Composite and partial indexes: one follow per (person, report) and per (person, ward);
# the outbox worker's "what is due" scan. Plain SQL that SQLite and PostgreSQL both accept.
STATEMENTS = (
    "CREATE UNIQUE INDEX follows_report_unique ON follows (person, report) "
    "WHERE report IS NOT NULL",
    "CREATE UNIQUE INDEX follows_ward_unique ON follows (person, ward) WHERE ward IS NOT NULL",
    "CREATE INDEX outbox_due ON outbox (state, next_attempt_at)",
    "CREATE INDEX reports_ward_status ON reports (ward, status, deadline)",
)


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
