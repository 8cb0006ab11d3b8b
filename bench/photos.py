"""Photo pipeline on a 12 MP JPEG: ours vs ImageMagick's `convert -thumbnail` vs a bare decode.

The bare full-size decode is the baseline: the least any pipeline that reads every pixel
must spend. Ours uses JPEG draft mode, so it can beat it.
"""

from __future__ import annotations

import io
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from PIL import Image

from app.platform.photos import process_photo

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
    for name in ("magick", "convert"):
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

    results = {"bare full decode (baseline)": timed(bare_decode)}
    results["Gần Dân pipeline (verify, draft, orient, strip, 1600 + 400 px)"] = timed(
        lambda: process_photo(data)
    )
    magick = imagemagick()
    if magick:
        with tempfile.TemporaryDirectory() as folder:
            source = Path(folder) / "in.jpg"
            source.write_bytes(data)
            target = Path(folder) / "out.jpg"
            command = [magick, str(source), "-thumbnail", "1280x1280", str(target)]
            results["ImageMagick convert -thumbnail 1280x1280"] = timed(
                lambda: subprocess.run(command, check=True), rounds=5
            )
    baseline = results["bare full decode (baseline)"]
    for name, ms in results.items():
        print(f"  {name:<66} {ms:8.1f} ms   ×{ms / baseline:5.2f}")
    if not magick:
        print("  ImageMagick: not installed (apt-get install imagemagick) — comparison skipped")
