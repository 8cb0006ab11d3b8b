"""Point → ward: which of the 3,321 wards receives a report made at a place.

Where boundaries have been imported (`gandan import-boundaries`; the demo imports Hải Phòng's),
the polygon containing the point decides. A point on land that simplification left in no
polygon, or a boat just off the shore, goes to the nearest polygon within NEAR_POLYGON_KM.

Elsewhere, without polygons, the openly licensed `vietnamadminunits` data decides: the ~10,000
pre-2025 wards' locations, each mapped to the new ward it became, plus the new wards'
centroids. The point goes to the ward of the best site, distance divided by the square root of
the site's typical radius (a site of a large rural commune reaches further than one of a small
urban ward). docs/boundaries.md has the measurements behind this choice. A point too far from
every site for its ward's size is outside Vietnam, and refused.
"""

from __future__ import annotations

import asyncio
import math
import time
import weakref
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.ops import nearest_points

from app.platform.geo import KM_PER_DEGREE
from app.platform.units import legacy_ward_points

# Without polygons, a point may lie up to this many equivalent radii of its ward from the
# ward's nearest site, plus a fixed margin for wards whose shape is far from round.
MAX_RADII = 2.5
MARGIN_KM = 4.0
# The new centroid is a truer site than a geocoded old ward; measured best at 1/0.8 reach.
CENTROID_REACH = 1 / 0.8
# Sites are looked for in a latitude band first; widened until the best is provably found.
BAND_DEGREES = 0.3
# With polygons: outside every polygon but this close to one (simplification slivers ~50-200 m,
# piers, boats at the quay) still belongs to it; further out at sea or abroad is refused.
NEAR_POLYGON_KM = 1.0
# The ward hint offers the neighbours whose border is this close to the point.
NEIGHBOUR_KM = 0.2
# Vietnam's extent including its island special zones; anything outside is refused at once.
VIETNAM_BOUNDS = (7.0, 23.5, 102.0, 117.9)  # south, north, west, east
# Grid cell of the polygon index: each cell lists the polygons whose bounding box touches it.
CELL_DEGREES = 0.02


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
    by_boundary: bool
    # Wards the resident may mean instead: with polygons, those whose border is within
    # NEIGHBOUR_KM (asked for with neighbours=True); without, the next-best guesses.
    alternatives: tuple[WardPlace, ...]


def _radius(area_km2: float | None) -> float:
    return math.sqrt((area_km2 or 10.0) / math.pi)


def _km(lat: float, lon: float, other_lat: float, other_lon: float) -> float:
    """Equirectangular distance, well under 0.1 % off at the few km that matter here."""
    kx = KM_PER_DEGREE * math.cos(math.radians(lat))
    return math.hypot((other_lat - lat) * KM_PER_DEGREE, (other_lon - lon) * kx)


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return math.floor(lat / CELL_DEGREES), math.floor(lon / CELL_DEGREES)


class _Polygons:
    """The imported polygons, prepared, with a grid of candidates per cell."""

    def __init__(self, wards: list[WardPlace], geometries: list) -> None:
        self.wards = wards
        self.geometries = np.asarray(geometries, dtype=object)
        shapely.prepare(self.geometries)
        # GEOS builds a prepared polygon's index on its first question; ask each once now so
        # that no resident's request pays for it.
        shapely.contains_xy(self.geometries, 0.0, 0.0)
        self.tree = shapely.STRtree(self.geometries)
        cells: dict[tuple[int, int], list[int]] = {}
        for index, (west, south, east, north) in enumerate(shapely.bounds(self.geometries)):
            (s, w), (n, e) = _cell(south, west), _cell(north, east)
            for row in range(s, n + 1):
                for column in range(w, e + 1):
                    cells.setdefault((row, column), []).append(index)
        self.cells = {cell: np.array(indices) for cell, indices in cells.items()}

    def containing(self, lat: float, lon: float) -> int | None:
        candidates = self.cells.get(_cell(lat, lon))
        if candidates is None:
            return None
        inside = candidates[shapely.contains_xy(self.geometries[candidates], lon, lat)]
        return int(inside[0]) if len(inside) else None

    def within(self, lat: float, lon: float, km: float) -> list[tuple[float, int]]:
        """(km, index) of the polygons within `km` of the point, nearest first."""
        point = shapely.Point(lon, lat)
        # A degree of longitude is the shorter one, so this radius in degrees covers `km`.
        degrees = km / (KM_PER_DEGREE * math.cos(math.radians(lat)))
        found = []
        for index in self.tree.query(point, predicate="dwithin", distance=degrees):
            near = nearest_points(self.geometries[index], point)[0]
            distance = _km(lat, lon, near.y, near.x)
            if distance <= km:
                found.append((distance, int(index)))
        return sorted(found)


class _Sites:
    """The no-polygon fallback: old-ward locations and new centroids, sorted by latitude."""

    def __init__(self, places: Iterable[WardPlace]) -> None:
        old_points = legacy_ward_points()
        lats, lons, reach, owner = [], [], [], []
        self.places = list(places)
        for number, place in enumerate(self.places):
            points = old_points.get(place.code, ())
            old_radius = place.radius_km / math.sqrt(max(len(points), 1))
            for lat, lon in points:
                lats.append(lat), lons.append(lon), reach.append(math.sqrt(old_radius))
                owner.append(number)
            lats.append(place.lat), lons.append(place.lon)
            reach.append(math.sqrt(place.radius_km) * CENTROID_REACH), owner.append(number)
        order = np.argsort(lats, kind="stable")
        self.lats = np.asarray(lats)[order]
        self.lons = np.asarray(lons)[order]
        self.reach = np.asarray(reach)[order]
        self.owner = np.asarray(owner, dtype=np.int64)[order]
        self.max_reach = float(self.reach.max()) if len(order) else 1.0

    def ranked(self, lat: float, lon: float, wanted: int = 5) -> list[tuple[float, int]]:
        """(km to the best site, place number) of the best `wanted` wards, best first."""
        if not len(self.lats):
            return []
        kx = KM_PER_DEGREE * math.cos(math.radians(lat))
        width = BAND_DEGREES
        while True:
            lo, hi = np.searchsorted(self.lats, (lat - width, lat + width))
            lons = self.lons[lo:hi]
            near = np.abs(lons - lon) <= width * KM_PER_DEGREE / kx
            km = np.hypot((self.lats[lo:hi][near] - lat) * KM_PER_DEGREE, (lons[near] - lon) * kx)
            score = km / self.reach[lo:hi][near]
            # Any site outside the window is at least width·111 km away, so it cannot beat a
            # score below that over the largest reach.
            if (len(score) and score.min() <= width * KM_PER_DEGREE / self.max_reach) or width > 30:
                break
            width *= 3
        owners = self.owner[lo:hi][near]
        ranked: list[tuple[float, int]] = []
        seen: set[int] = set()
        for i in np.argsort(score):
            if int(owners[i]) not in seen:
                seen.add(int(owners[i]))
                ranked.append((float(km[i]), int(owners[i])))
                if len(ranked) == wanted:
                    break
        return ranked


class WardLocator:
    """An in-memory index of the wards; build once, ask many times (thread-safe reads)."""

    def __init__(self, wards: list[dict], boundaries: dict[int, object] | None = None) -> None:
        """`boundaries`: ward id → GeoJSON geometry, as a dict or as JSON text."""
        self.places = sorted(
            (
                WardPlace(
                    w["id"], w["code"], w["name"], w["province_code"], w["province_name"],
                    w["lat"], w["lon"], _radius(w["area_km2"]),
                )  # fmt: skip
                for w in wards
                if w["lat"] is not None and w["lon"] is not None
            ),
            key=lambda p: p.lat,
        )
        self._by_id = {p.id: p for p in self.places}
        boundaries = {i: g for i, g in (boundaries or {}).items() if i in self._by_id}
        self._polygons = (
            _Polygons([self._by_id[i] for i in boundaries], [_geometry(g) for g in boundaries.values()])
            if boundaries
            else None
        )
        self._sites = _Sites(p for p in self.places if p.id not in boundaries)

    def locate(self, lat: float, lon: float, neighbours: bool = False) -> WardMatch:
        """The ward for a point; with `neighbours`, also those whose border is within 200 m."""
        south, north, west, east = VIETNAM_BOUNDS
        if not (south <= lat <= north and west <= lon <= east):
            raise OutsideVietnam(lat, lon)
        polygons = self._polygons
        if polygons is not None:
            index = polygons.containing(lat, lon)
            if index is None:
                nearest = polygons.within(lat, lon, NEAR_POLYGON_KM)
                index = nearest[0][1] if nearest else None
            if index is not None:
                ward = polygons.wards[index]
                others = ()
                if neighbours:
                    others = tuple(polygons.wards[i] for _, i in polygons.within(lat, lon, NEIGHBOUR_KM)
                                   if polygons.wards[i].id != ward.id)  # fmt: skip
                return WardMatch(ward, True, others)
        ranked = self._sites.ranked(lat, lon)
        if not ranked:
            raise OutsideVietnam(lat, lon)
        km, best = ranked[0]
        ward = self._sites.places[best]
        if km > MAX_RADII * ward.radius_km + MARGIN_KM:
            raise OutsideVietnam(lat, lon)
        return WardMatch(ward, False, tuple(self._sites.places[n] for _, n in ranked[1:]))

    def get(self, ward_id: int) -> WardPlace | None:
        return self._by_id.get(ward_id)


def _geometry(geojson: object):
    return shapely.from_geojson(geojson) if isinstance(geojson, str) else shapely.geometry.shape(geojson)


# The index is looked at again at most this often, so boundaries imported by another process
# (the CLI) reach every server process without a restart; it is rebuilt only when they changed.
LOCATOR_TTL_SECONDS = 300
_cache: tuple[float, object, WardLocator] | None = None


async def _boundaries_fingerprint() -> tuple:
    from app.platform.tables import Ward

    row = await Ward.raw(
        "SELECT COUNT(boundary) AS n, SUM(LENGTH(CAST(boundary AS TEXT))) AS size FROM wards"
    )
    return (row[0]["n"], row[0]["size"]) if row else (0, 0)


async def load_locator() -> WardLocator:
    from app.platform.tables import Ward

    rows = await Ward.select(
        Ward.id, Ward.code, Ward.name, Ward.lat, Ward.lon, Ward.area_km2,
        Ward.province.code.as_alias("province_code"),
        Ward.province.short_name.as_alias("province_name"),
    )  # fmt: skip
    bounded = await Ward.select(Ward.id, Ward.boundary).where(Ward.boundary.is_not_null())
    # Parsing and indexing all 3,321 polygons takes seconds: off the event loop.
    return await asyncio.to_thread(WardLocator, rows, {b["id"]: b["boundary"] for b in bounded})


# One reload at a time per event loop: when the cache goes stale under load, the first
# request rebuilds (seconds, with every polygon) and the others wait for its result.
_reloads: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _stale() -> bool:
    return _cache is None or time.monotonic() - _cache[0] > LOCATOR_TTL_SECONDS


async def locator() -> WardLocator:
    global _cache
    if _stale():
        async with _reloads.setdefault(asyncio.get_running_loop(), asyncio.Lock()):
            if _stale():  # nobody reloaded while this request waited
                now, fingerprint = time.monotonic(), await _boundaries_fingerprint()
                if _cache is not None and _cache[1] == fingerprint:
                    _cache = (now, fingerprint, _cache[2])
                else:
                    _cache = (now, fingerprint, await load_locator())
    return _cache[2]


def forget_locator() -> None:
    global _cache
    _cache = None
