from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-22T02:47:35:000000"
VERSION = "1.38.0"
DESCRIPTION = "survey answers kept in no order of arrival; one answer per device, ward and period"

# On SQLite an ordinary table stores rows by a hidden rowid that grows with every insert, so
# the n-th answer and the n-th "this device answered" mark would be the same person's.
# WITHOUT ROWID tables are stored in primary-key order, and the keys are random UUIDs.
# (PostgreSQL has no such option; docs/data-model.md says what that leaves.)
ORDERLESS = ("survey_answers", "survey_marks")
# The unique index is what keeps one answer per device and period when requests race.
STATEMENTS = (
    "CREATE UNIQUE INDEX survey_marks_unique ON survey_marks (ward, period, person)",
    "CREATE INDEX survey_marks_person ON survey_marks (person)",
    "CREATE INDEX survey_answers_ward_period ON survey_answers (ward, period)",
)


async def _without_rowid(engine, table: str) -> None:
    rows = await engine.run_ddl(f"SELECT sql FROM sqlite_master WHERE type = 'table' AND name = '{table}'")
    create = rows[0]["sql"]
    await engine.run_ddl(f"DROP TABLE {table}")  # just created: it holds no rows
    await engine.run_ddl(f"{create} WITHOUT ROWID")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="gandan", description=DESCRIPTION)

    async def create():
        engine = engine_finder()
        if engine.engine_type == "sqlite":
            for table in ORDERLESS:
                await _without_rowid(engine, table)
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    async def drop():
        for statement in STATEMENTS:
            name = statement.split(" INDEX ", 1)[1].split(" ", 1)[0]
            await engine_finder().run_ddl(f"DROP INDEX {name}")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
