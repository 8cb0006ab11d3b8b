"""`gandan backup`: a consistent copy of the database while the server keeps running."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from app.platform import clock
from app.platform.settings import Settings


class BackupError(RuntimeError):
    pass


def backup(settings: Settings, output: str | None = None) -> Path:
    stamp = clock.local_now().strftime("%Y%m%d-%H%M%S")
    folder = settings.var_dir / "backups"
    if settings.is_sqlite:
        target = Path(output) if output else folder / f"gandan-{stamp}.sqlite3"
        target.parent.mkdir(parents=True, exist_ok=True)
        if not settings.sqlite_path.exists():
            raise BackupError(f"no database file at {settings.sqlite_path}")
        # SQLite's online backup copies a consistent snapshot even while others write.
        with sqlite3.connect(settings.sqlite_path) as source, sqlite3.connect(target) as copy:
            source.backup(copy)
        return target
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise BackupError("pg_dump is not installed; install the PostgreSQL client tools")
    target = Path(output) if output else folder / f"gandan-{stamp}.pgdump"
    target.parent.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [pg_dump, "--format=custom", f"--file={target}", settings.database_url],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise BackupError(done.stderr.strip() or "pg_dump failed")
    return target
