from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.engine.sqlite import SQLiteEngine

ID = "2026-11-22T02:47:53:000000"
VERSION = "1.38.0"
DESCRIPTION = "one label per household of a group; one say per household and decision; ballots without rowid"

# The unique indexes are what keep a register free of doubled households when two imports
# race, and a household's say in a decision single, whatever the code path.
STATEMENTS = (
    "CREATE UNIQUE INDEX households_unique ON households (\"group\", label)",
    "CREATE UNIQUE INDEX ballot_codes_unique ON ballot_codes (decision, household)",
    "CREATE UNIQUE INDEX decision_groups_unique ON decision_groups (decision, \"group\")",
    "CREATE UNIQUE INDEX decision_options_unique ON decision_options (decision, position)",
)

# On SQLite a table keeps a hidden rowid in insertion order, which would tell the order ballots
# were cast in. WITHOUT ROWID stores them by their random id instead (the table is empty here).
SQLITE_BALLOTS = (
    "DROP TABLE ballots",
    'CREATE TABLE "ballots" ("id" UUID PRIMARY KEY NOT NULL, "decision" INTEGER REFERENCES '
    '"household_decisions" ("id") ON DELETE CASCADE ON UPDATE CASCADE DEFAULT null, '
    '"choices" JSON NOT NULL DEFAULT \'[]\', "cast_on" DATE NOT NULL) WITHOUT ROWID',
    'CREATE INDEX ballots_decision ON "ballots" ("decision")',
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="gandan", description=DESCRIPTION)

    async def create_indexes():
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine.run_ddl(statement)
        if isinstance(engine, SQLiteEngine):
            for statement in SQLITE_BALLOTS:
                await engine.run_ddl(statement)

    async def drop_indexes():
        for statement in STATEMENTS:
            name = statement.split(" INDEX ", 1)[1].split(" ", 1)[0]
            await engine_finder().run_ddl(f"DROP INDEX {name}")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
