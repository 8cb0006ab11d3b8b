from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-22T00:34:40:000000"
VERSION = "1.38.0"
DESCRIPTION = "one support per person and proposal; the sweep's scans of proposals"

# The unique index is what keeps a support counted once when one person's requests race.
STATEMENTS = (
    "CREATE UNIQUE INDEX proposal_supports_unique ON proposal_supports (proposal, person)",
    "CREATE INDEX proposals_ward_state ON proposals (ward, state, updated_at)",
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
