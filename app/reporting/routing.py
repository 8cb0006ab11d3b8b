"""Point → ward: which of the 3,321 wards receives a report made at a place.

No ward polygons ship with the administrative data, so by default a point goes to the ward
whose centroid is nearest *relative to the ward's size* (distance divided by the radius of a
circle of the ward's area): a point 3 km from a small urban ward's centre and 5 km from a
large rural commune's centre belongs to the commune. Where boundaries have been imported
(`gandan import-boundaries`), containment in a polygon decides. A point too far from every
ward for its size is outside Vietnam, and refused.
"""

from __future__ import annotations

import bisect
import math
import time
from dataclasses import dataclass

from geopy.distance import great_circle
from shapely import STRtree
from shapely.geometry import Point, shape

# A point may lie up to this many equivalent radii from a centroid, plus a fixed margin for
# wards whose shape is far from round (long coastal strips, valleys).
MAX_RADII = 2.5
MARGIN_KM = 4.0
# Candidates are looked for in a latitude band first; ~0.6° is ~65 km, wider than any ward.
BAND_DEGREES = 0.6
# Vietnam's extent including its island special zones; anything outside is refused at once.
VIETNAM_BOUNDS = (8.0, 23.5, 102.0, 117.9)  # south, north, west, east
KM_PER_DEGREE = 111.195


class OutsideVietnam(ValueError):
    def __init__(self, lat: float, lon: float) -> None:
        super().__init__(
            f"The point {lat:.5f}, {lon:.5f} is not inside any commune or ward of Vietnam. "
            "Check the location on the map or type the address."
        )


@dataclass(frozen=True)
class WardPlace:
    id: int
    code: str
    name: str
    province_code: str
    province_name: str
    lat: float
    lon: float
    radius_km: float  # radius of a circle with the ward's area


@dataclass(frozen=True)
class WardMatch:
    ward: WardPlace
    distance_km: float
    by_boundary: bool
    alternatives: tuple[WardPlace, ...]  # next-best wards, for the resident to correct


def _radius(area_km2: float | None) -> float:
    return math.sqrt((area_km2 or 10.0) / math.pi)


class WardLocator:
    """An in-memory index of the wards; build once, ask many times (thread-safe reads)."""

    def __init__(self, wards: list[dict], boundaries: dict[int, dict] | None = None) -> None:
        self.places = sorted(
            (
                WardPlace(
                    w["id"],
                    w["code"],
                    w["name"],
                    w["province_code"],
                    w["province_name"],
                    w["lat"],
                    w["lon"],
                    _radius(w["area_km2"]),
                )  # fmt: skip
                for w in wards
                if w["lat"] is not None and w["lon"] is not None
            ),
            key=lambda p: p.lat,
        )
        self._lats = [p.lat for p in self.places]
        self._by_id = {p.id: p for p in self.places}
        boundaries = boundaries or {}
        self._polygon_ids = list(boundaries)
        self._bounded = set(boundaries)
        self._polygons = [shape(boundaries[i]) for i in self._polygon_ids]
        self._tree = STRtree(self._polygons) if self._polygons else None

    def _band(self, lat: float, width: float) -> list[WardPlace]:
        lo = bisect.bisect_left(self._lats, lat - width)
        hi = bisect.bisect_right(self._lats, lat + width)
        return self.places[lo:hi]

    def _ranked(self, lat: float, lon: float) -> list[tuple[float, float, WardPlace]]:
        """(relative distance, km, ward), best first."""
        for width in (BAND_DEGREES, 3 * BAND_DEGREES, 180.0):
            candidates = [p for p in self._band(lat, width) if abs(p.lon - lon) <= width * 1.2]
            if candidates:
                break
        # Rank with the equirectangular approximation (well under 0.1 % off at these
        # distances), then measure the few that matter on the sphere.
        kx = KM_PER_DEGREE * math.cos(math.radians(lat))
        approx = sorted(
            (
                (math.hypot((p.lat - lat) * KM_PER_DEGREE, (p.lon - lon) * kx) / p.radius_km, p)
                for p in candidates
            ),
            key=lambda pair: pair[0],
        )[:8]
        ranked = []
        for _, place in approx:
            km = great_circle((lat, lon), (place.lat, place.lon)).km
            ranked.append((km / place.radius_km, km, place))
        ranked.sort(key=lambda r: r[0])
        return ranked

    def locate(self, lat: float, lon: float) -> WardMatch:
        south, north, west, east = VIETNAM_BOUNDS
        if not (south <= lat <= north and west <= lon <= east):
            raise OutsideVietnam(lat, lon)
        ranked = self._ranked(lat, lon)
        if self._tree is not None:
            point = Point(lon, lat)
            hits = self._tree.query(point, predicate="intersects")
            if len(hits):
                ward = self._by_id[self._polygon_ids[int(hits[0])]]
                km = great_circle((lat, lon), (ward.lat, ward.lon)).km
                others = tuple(p for _, _, p in ranked[:5] if p.id != ward.id)[:4]
                return WardMatch(ward, km, True, others)
        # Not inside any imported polygon: those wards are ruled out, the rest go by centroid.
        ranked = [r for r in ranked if r[2].id not in self._bounded]
        if not ranked:
            raise OutsideVietnam(lat, lon)
        relative, km, best = ranked[0]
        if km > MAX_RADII * best.radius_km + MARGIN_KM:
            raise OutsideVietnam(lat, lon)
        return WardMatch(best, km, False, tuple(p for _, _, p in ranked[1:5]))

    def get(self, ward_id: int) -> WardPlace | None:
        return self._by_id.get(ward_id)


# The index is rebuilt at most this often, so boundaries imported by another process (the
# CLI) reach every server process without a restart.
LOCATOR_TTL_SECONDS = 300
_cache: tuple[float, WardLocator] | None = None


async def load_locator() -> WardLocator:
    from app.platform.tables import Ward

    rows = await Ward.select(
        Ward.id, Ward.code, Ward.name, Ward.lat, Ward.lon, Ward.area_km2,
        Ward.province.code.as_alias("province_code"),
        Ward.province.short_name.as_alias("province_name"),
    )  # fmt: skip
    bounded = (
        await Ward.select(Ward.id, Ward.boundary).where(Ward.boundary.is_not_null()).output(load_json=True)
    )
    return WardLocator(rows, {b["id"]: b["boundary"] for b in bounded})


async def locator() -> WardLocator:
    global _cache
    now = time.monotonic()
    if _cache is None or now - _cache[0] > LOCATOR_TTL_SECONDS:
        _cache = (now, await load_locator())
    return _cache[1]


def forget_locator() -> None:
    global _cache
    _cache = None
