from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-22T00:32:35:000000"
VERSION = "1.38.0"
DESCRIPTION = "participation: the unique pairs Piccolo cannot declare"

# One answer per person per consultation (the target of its upsert), one support and one flag
# per person, one verification per person and ward, one residential group name per ward, and
# the consultation sweep's marks: each thing it does, once.
STATEMENTS = (
    "CREATE UNIQUE INDEX consultation_answers_unique ON consultation_answers (consultation, person)",
    "CREATE UNIQUE INDEX consultation_marks_unique ON consultation_marks (consultation, kind, deadline)",
    "CREATE UNIQUE INDEX comment_supports_unique ON comment_supports (comment, person)",
    "CREATE UNIQUE INDEX flags_unique ON flags (target_kind, target_id, person)",
    "CREATE UNIQUE INDEX verified_residents_unique ON verified_residents (person, ward)",
    "CREATE UNIQUE INDEX residential_groups_unique ON residential_groups (ward, name)",
    "CREATE INDEX comments_target ON comments (target_kind, target_id)",
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
