"""What a small upload can cost: the pixel budget per request, decoding out of the web
worker's process, and the sweep of media files no row references."""

from __future__ import annotations

import asyncio
import time

from app.platform.tables import Photo, Report
from tests.photos_for_tests import compressible_png, jpeg
from tests.test_reporting import media_files, post_report

MB = 1024 * 1024


def _status_kb(field: str) -> int:
    """A field of this process's /proc status, in kB (VmRSS: now, VmHWM: peak)."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith(field + ":"))
    return int(line.split()[1])


def _reset_peak_rss() -> None:
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")  # Linux: VmHWM starts again from the current VmRSS


async def test_photos_over_the_pixel_budget_are_refused_naming_the_limit(client, categories, settings):
    client.headers["Accept-Language"] = "en"
    hostile = compressible_png()  # 49 MP each: five are 245 MP, over the 80 MP budget
    assert len(hostile) * 5 < 3 * MB
    response = await post_report(client, photos=[(f"{n}.png", hostile) for n in range(5)])
    assert response.status_code == 422, response.text
    assert "the limit is 80 megapixels" in response.json()["detail"]
    assert "245 megapixels" in response.json()["detail"]
    assert await Report.count() == 0 and await Photo.count() == 0
    assert media_files(settings) == []


async def test_hostile_pngs_neither_stall_healthz_nor_grow_the_worker(client, categories):
    """Two 49 MP PNGs decoded at once would take this process up by ~400 MB each."""
    hostile = compressible_png()
    await post_report(client, photos=[("warm.jpg", jpeg())])  # the decoder's server is started
    rss_before = _status_kb("VmRSS")
    _reset_peak_rss()
    uploads = [
        asyncio.create_task(post_report(client, photos=[("big.png", hostile)], key=f"hostile-{n}"))
        for n in range(2)
    ]
    health_answers = []
    while not all(upload.done() for upload in uploads):
        started = time.monotonic()
        health = await client.get("/healthz")
        health_answers.append((health.status_code, time.monotonic() - started))
        await asyncio.sleep(0.1)
    assert [upload.result().status_code for upload in uploads] == [201, 201]
    assert len(health_answers) >= 5, "the decodes ended before /healthz could be asked"
    assert all(status == 200 and seconds < 1 for status, seconds in health_answers), health_answers
    # The decoding happened elsewhere: this process never held the pixels, and holds no more now.
    assert _status_kb("VmHWM") - rss_before < 100 * 1024
    assert _status_kb("VmRSS") - rss_before < 50 * 1024


async def test_media_sweep_removes_old_orphans_keeps_referenced_and_young_files(
    client, categories, settings
):
    import os
    from datetime import timedelta

    from app.platform.media_sweep import sweep_media
    from app.platform.photos import MediaStore

    assert (await post_report(client, photos=[("kept.jpg", jpeg())])).status_code == 201
    referenced = media_files(settings)
    assert len(referenced) == 2  # display and thumbnail of the one photo a row names
    old = time.time() - timedelta(hours=25).total_seconds()
    orphan, young = "ab" + "0" * 62, "ab" + "1" * 62
    shard = settings.media_dir / "ab"
    shard.mkdir(parents=True, exist_ok=True)
    old_orphans = [shard / f"{orphan}.jpg", shard / f"{orphan}.thumb.jpg", shard / f".{orphan}.jpg.x1y2.tmp",
                   settings.media_dir / "docs" / f"{orphan}.pdf"]  # fmt: skip
    young_orphan = shard / f"{young}.jpg"
    for path in [*old_orphans, young_orphan]:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"left behind by a request that died")
    for path in [*old_orphans, *referenced]:
        os.utime(path, (old, old))

    removed = await sweep_media(MediaStore(settings.media_dir), None)

    assert removed == 4
    assert sorted(media_files(settings)) == sorted([*referenced, young_orphan])


async def test_gandan_sweep_removes_old_orphan_media(database, settings):
    import os
    import subprocess
    from datetime import timedelta

    from tests.test_cli import GANDAN

    orphan = settings.media_dir / "cd" / f"{'cd' * 32}.jpg"
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"left behind")
    old = time.time() - timedelta(hours=25).total_seconds()
    os.utime(orphan, (old, old))
    done = subprocess.run([GANDAN, "sweep"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "removed: 1." in done.stdout
    assert not orphan.exists()
