from pathlib import Path

from piccolo.conf.apps import AppConfig, table_finder

APP_CONFIG = AppConfig(
    app_name="gandan",
    # Migrations live at the top of the repository, beside app/, as DESIGN.md lays out.
    migrations_folder_path=str(Path(__file__).resolve().parent.parent / "migrations"),
    table_classes=table_finder(modules=["app.platform.tables"], exclude_imported=True),
    migration_dependencies=[],
    commands=[],
)
