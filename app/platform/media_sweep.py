"""Removing media files no row references.

Photos and documents are written before the request that brought them commits (the rows name
the files, so the files must exist first); a request that dies in between leaves files behind.
A file is removed only when it is older than the grace period, since a younger one may belong
to a request still on its way to commit, and MediaStore renews the time of a file it finds
already stored.
"""

from __future__ import annotations

import asyncio
import re
import time
from datetime import timedelta
from pathlib import Path

from app.platform.photos import MediaStore
from app.platform.tables import (
    ActionAttachment,
    ConsultationDocument,
    Photo,
    ProposalPhoto,
    SupervisionAttachment,
)

MEDIA_GRACE = timedelta(hours=24)
MEDIA_SWEEP_INTERVAL_SECONDS = 3600.0
# <digest>.jpg, <digest>.thumb.jpg, <digest>.original, docs/<digest>.pdf, and the temporary
# .<name>.<random>.tmp of a write that was cut short.
_MEDIA_FILE = re.compile(r"^\.?(?P<digest>[0-9a-f]{64})\.(?:jpg|thumb\.jpg|original|pdf)(?P<tmp>\..+\.tmp)?$")
_BATCH = 500  # digests per query: well inside every engine's limit on bound parameters


def _old_files(folder: Path, before: float) -> dict[str, list[Path]]:
    """Files in one folder last written before `before` (epoch seconds), by digest."""
    found: dict[str, list[Path]] = {}
    for path in folder.iterdir():
        match = _MEDIA_FILE.match(path.name)
        if match and path.is_file() and path.stat().st_mtime < before:
            found.setdefault(match["digest"], []).append(path)
    return found


async def _referenced(digests: list[str]) -> set[str]:
    referenced: set[str] = set()
    for start in range(0, len(digests), _BATCH):
        batch = digests[start : start + _BATCH]
        for table in (Photo, ActionAttachment, ConsultationDocument, ProposalPhoto, SupervisionAttachment):
            rows = await table.select(table.digest).where(table.digest.is_in(batch)).distinct()
            referenced.update(row["digest"] for row in rows)
    return referenced


def _remove(paths: list[Path], before: float) -> int:
    removed = 0
    for path in paths:
        try:
            if path.stat().st_mtime < before:  # not renewed by a request since it was listed
                path.unlink()
                removed += 1
        except FileNotFoundError:
            pass
    return removed


async def sweep_media(*stores: MediaStore | None, grace: timedelta = MEDIA_GRACE) -> int:
    """Remove the files of these stores that no photo or attachment row references and that
    are older than `grace`; the number removed. A folder at a time, so memory stays small."""
    # Files age by the machine's own clock, the one their modification times come from (a
    # fixed clock in tests or a replayed demo would make every file look new or old).
    before = time.time() - grace.total_seconds()
    removed = 0
    for store in filter(None, stores):
        if not store.root.is_dir():
            continue
        folders = [f for f in await asyncio.to_thread(sorted, store.root.iterdir()) if f.is_dir()]
        for folder in folders:
            old = await asyncio.to_thread(_old_files, folder, before)
            referenced = await _referenced(sorted(old))
            orphans = [path for digest, paths in old.items() if digest not in referenced for path in paths]
            removed += await asyncio.to_thread(_remove, orphans, before)
    return removed
