"""Photo pipeline on a 12 MP JPEG: ours against a bare decode, and against ImageMagick.

In-process, the bare full-size decode is the baseline: the least any pipeline that reads
every pixel must spend (ours uses JPEG draft mode, so it can beat it). Against ImageMagick
both run as processes doing the same work (1600 px and 400 px JPEGs, oriented and stripped),
ImageMagick with and without its own draft mode (`-define jpeg:size=`), beside the cost of
starting Python and importing ours, so the start-ups can be told apart from the work.
"""

from __future__ import annotations

import io
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

from app.platform.photos import DISPLAY_SIZE, JPEG_QUALITY, THUMBNAIL_SIZE, process_photo

ROUNDS = 7


def twelve_megapixel_jpeg() -> bytes:
    """4000 × 3000 with photographic noise, so the encoder cannot cheat on flat colour."""
    noise = Image.effect_noise((4000, 3000), 48).convert("RGB")
    gradient = Image.linear_gradient("L").resize((4000, 3000)).convert("RGB")
    image = Image.blend(noise, gradient, 0.5)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def timed(fn, rounds: int = ROUNDS) -> float:
    fn()  # warm-up
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def imagemagick() -> str | None:
    for name in ("magick", "convert-im6.q16", "convert"):  # the real binary before any wrapper
        path = shutil.which(name)
        if path:
            version = subprocess.run([path, "-version"], capture_output=True, text=True).stdout
            if "ImageMagick" in version:
                return path
    return None


def main() -> None:
    data = twelve_megapixel_jpeg()
    print(f"\n== Photo pipeline, 12 MP JPEG ({len(data) / 1_048_576:.1f} MB), median of {ROUNDS}")

    def bare_decode():
        Image.open(io.BytesIO(data)).load()

    print("  in-process:")
    inside = {"bare full decode (baseline)": timed(bare_decode)}
    pipeline = "Gần Dân pipeline (verify, draft, orient, strip, 1600 + 400 px)"
    inside[pipeline] = timed(lambda: process_photo(data))
    report(inside)
    magick = imagemagick()
    if not magick:
        print("  ImageMagick: not installed (apt-get install imagemagick) — comparison skipped")
        return
    # Both as processes, the same work: read, orient, strip, a 1600 px and a 400 px JPEG.
    with tempfile.TemporaryDirectory() as folder:
        source, large, small = (str(Path(folder) / name) for name in ("in.jpg", "1600.jpg", "400.jpg"))
        Path(source).write_bytes(data)
        ours = ("import sys; from app.platform.photos import process_photo; "
                "process_photo(open(sys.argv[1], 'rb').read())")  # fmt: skip
        resize = ["-auto-orient", "-strip", "-quality", str(JPEG_QUALITY),
                  "-thumbnail", f"{DISPLAY_SIZE}x{DISPLAY_SIZE}", "-write", large,
                  "-thumbnail", f"{THUMBNAIL_SIZE}x{THUMBNAIL_SIZE}", small]  # fmt: skip
        # jpeg:size asks libjpeg for a scaled decode (its draft mode) of at least that size in both
        # directions: the same request ours makes of draft() for this 4000 × 3000 photo.
        draft = f"jpeg:size={DISPLAY_SIZE}x{DISPLAY_SIZE * 3 // 4}"
        commands = {
            "Python start-up and import (baseline)": [sys.executable, "-c", "import app.platform.photos"],
            "Gần Dân pipeline, as a process": [sys.executable, "-c", ours, source],
            "ImageMagick convert, full decode": [magick, source, *resize],
            f"ImageMagick convert -define {draft}": [magick, "-define", draft, source, *resize],
        }
        print("  each as a process (start-up included):")
        report({name: timed(lambda c=command: subprocess.run(c, check=True), rounds=5)
                for name, command in commands.items()})  # fmt: skip


def report(results: dict[str, float]) -> None:
    baseline = next(iter(results.values()))
    for name, ms in results.items():
        print(f"    {name:<66} {ms:8.1f} ms   ×{ms / baseline:5.2f}")
