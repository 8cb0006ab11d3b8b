"""`gandan import-boundaries FILE.geojson[.gz]`: real ward polygons, where a province has them.

No ward polygons ship with the administrative data; provinces publish their own (the Sở Nông
nghiệp và Môi trường, see docs/boundaries.md). Each feature names its ward by one of the usual
code properties and carries a Polygon or MultiPolygon in WGS 84 longitude/latitude. The demo
ships Hải Phòng's (DEMO_BOUNDARIES).
"""

from __future__ import annotations

import gzip
import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import shapely
from shapely.geometry import shape
from shapely.validation import explain_validity

from app.platform.geo import KM_PER_DEGREE
from app.platform.tables import Ward
from app.reporting.routing import forget_locator

CODE_PROPERTIES = ("ward_code", "code", "ma_xa", "maXa", "MA_XA", "ma", "wardCode")
# A second code some sources carry where the official code was corrected (Xã Ba Chẽ is 06978
# under QĐ 19/2025/QĐ-TTg and 06970 in the national dataset).
ALTERNATIVE_CODE_PROPERTIES = ("alt_ward_code",)
# Overlaps smaller than this are the rounding of shared borders, not worth a line.
OVERLAP_REPORT_KM2 = 0.01
DEMO_BOUNDARIES = Path(__file__).parent / "data" / "haiphong-wards.geojson.gz"


class BoundaryFileError(ValueError):
    pass


@dataclass
class BoundaryImport:
    imported: int = 0
    provinces: dict[str, int] = field(default_factory=dict)  # province name → wards imported
    problems: list[str] = field(default_factory=list)  # features that could not be used
    overlaps: list[str] = field(default_factory=list)  # imported wards that overlap
    uncovered: list[str] = field(default_factory=list)  # wards of those provinces left without


def _code(properties: dict, keys: tuple[str, ...]) -> str | None:
    for key in keys:
        if properties.get(key) not in (None, ""):
            return str(properties[key]).strip().zfill(5)
    return None


def read_features(path: Path) -> list[dict]:
    try:
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        data = json.loads(raw.decode("utf-8"))
    except (OSError, EOFError, gzip.BadGzipFile, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BoundaryFileError(f"{path}: not a readable GeoJSON file ({error})") from None
    if data.get("type") != "FeatureCollection" or not isinstance(data.get("features"), list):
        raise BoundaryFileError(f"{path}: expected a GeoJSON FeatureCollection")
    return data["features"]


def _km2(area_degrees: float, lat: float) -> float:
    return area_degrees * KM_PER_DEGREE**2 * math.cos(math.radians(lat))


def _overlaps(codes: list[str], polygons: list) -> list[str]:
    """Pairs of imported polygons that share more than OVERLAP_REPORT_KM2."""
    found = []
    tree = shapely.STRtree(polygons)
    left, right = tree.query(polygons, predicate="overlaps")
    for a, b in zip(left.tolist(), right.tolist(), strict=True):
        if a < b:
            shared = shapely.intersection(polygons[a], polygons[b])
            km2 = _km2(shared.area, shared.centroid.y) if not shared.is_empty else 0.0
            if km2 >= OVERLAP_REPORT_KM2:
                found.append(f"wards {codes[a]} and {codes[b]} overlap by {km2:.2f} km²")
    return found


async def import_boundaries(
    features: list[dict], progress: Callable[[Iterable], Iterable] = iter
) -> BoundaryImport:
    """Check every feature, store the good ones in one transaction, and say what happened."""
    result = BoundaryImport()
    wards = await Ward.select(Ward.id, Ward.code, Ward.province.short_name.as_alias("province"))
    known = {w["code"]: w for w in wards}
    accepted: dict[str, tuple[dict, object]] = {}
    for number, feature in enumerate(progress(features), start=1):
        properties = feature.get("properties") or {}
        code = _code(properties, CODE_PROPERTIES)
        if code is None:
            result.problems.append(f"feature {number}: no ward code ({', '.join(CODE_PROPERTIES)})")
            continue
        if code not in known:
            code = _code(properties, ALTERNATIVE_CODE_PROPERTIES) or code
        if code not in known:
            result.problems.append(f"feature {number}: unknown ward code {code}")
            continue
        geometry = feature.get("geometry") or {}
        if geometry.get("type") not in ("Polygon", "MultiPolygon"):
            result.problems.append(f"feature {number} (ward {code}): not a Polygon or MultiPolygon")
            continue
        try:
            polygon = shape(geometry)
        except (ValueError, TypeError, AttributeError, IndexError) as error:
            result.problems.append(f"feature {number} (ward {code}): unreadable geometry ({error})")
            continue
        if not polygon.is_valid:
            result.problems.append(f"feature {number} (ward {code}): {explain_validity(polygon)}")
            continue
        west, south, east, north = polygon.bounds
        if not (100 <= west and east <= 120 and 5 <= south and north <= 25):
            result.problems.append(
                f"feature {number} (ward {code}): coordinates are not longitude/latitude in Vietnam"
            )
            continue
        if code in accepted:
            result.problems.append(f"feature {number} (ward {code}): a second polygon for the ward")
            continue
        accepted[code] = (geometry, polygon)
    async with Ward._meta.db.transaction():
        for code, (geometry, _) in accepted.items():
            await Ward.update({Ward.boundary: json.dumps(geometry)}).where(Ward.id == known[code]["id"])
    for code in accepted:
        province = known[code]["province"]
        result.provinces[province] = result.provinces.get(province, 0) + 1
    result.imported = len(accepted)
    result.overlaps = _overlaps(list(accepted), [p for _, p in accepted.values()])
    province = Ward.province.short_name
    still_without = await Ward.select(Ward.code, Ward.name, province.as_alias("province")).where(
        Ward.boundary.is_null(), province.is_in(list(result.provinces) or [""])
    )
    result.uncovered = [f"{w['code']} {w['name']} ({w['province']})" for w in still_without]
    forget_locator()
    return result
