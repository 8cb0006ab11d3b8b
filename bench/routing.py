"""Point → ward lookups per second over the 3,321 wards, against a brute-force scan."""

from __future__ import annotations

import random
import time

from geopy.distance import great_circle

from app.platform.units import dataset_rows
from app.reporting.routing import WardLocator

POINTS = 20_000


def wards() -> list[dict]:
    return [
        {
            "id": n,
            "code": r["wardCode"],
            "name": r["ward"],
            "province_code": r["provinceCode"],
            "province_name": r["provinceShort"],
            "lat": r["wardLat"],
            "lon": r["wardLon"],
            "area_km2": r["wardAreaKm2"],
        }  # fmt: skip
        for n, r in enumerate(dataset_rows())
    ]


def main() -> None:
    rows = wards()
    index = WardLocator(rows)
    rng = random.Random(2607)
    # Points near real wards (where reports come from), a few km off their centroids.
    points = []
    for _ in range(POINTS):
        ward = rng.choice(index.places)
        points.append((ward.lat + rng.uniform(-0.03, 0.03), ward.lon + rng.uniform(-0.03, 0.03)))

    start = time.perf_counter()
    for lat, lon in points:
        try:
            index.locate(lat, lon)
        except ValueError:
            pass
    ours = POINTS / (time.perf_counter() - start)

    sample = points[:500]
    start = time.perf_counter()
    for lat, lon in sample:
        min(index.places, key=lambda p: great_circle((lat, lon), (p.lat, p.lon)).km / p.radius_km)
    brute = len(sample) / (time.perf_counter() - start)

    print(f"\n== Point → ward over {len(index.places)} wards")
    print(f"  brute force (great_circle to every centroid, baseline) {brute:10.0f} lookups/s")
    print(f"  WardLocator (latitude band, then sphere for the best 8) {ours:9.0f} lookups/s"
          f"   ×{ours / brute:.0f}")  # fmt: skip
