"""`gandan import-boundaries FILE.geojson`: real ward polygons, where a province has them.

No ward polygons ship with the administrative data; provinces publish their own. Each
feature names its ward by one of the usual code properties and carries a Polygon or
MultiPolygon in WGS 84 longitude/latitude.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from shapely.geometry import shape
from shapely.validation import explain_validity

from app.platform.tables import Ward
from app.reporting.routing import forget_locator

CODE_PROPERTIES = ("ward_code", "code", "ma_xa", "maXa", "MA_XA", "ma", "wardCode")


class BoundaryFileError(ValueError):
    pass


@dataclass
class BoundaryImport:
    imported: int = 0
    problems: list[str] = field(default_factory=list)


def _ward_code(properties: dict) -> str | None:
    for key in CODE_PROPERTIES:
        if properties.get(key) not in (None, ""):
            return str(properties[key]).strip().zfill(5)
    return None


def read_features(path: Path) -> list[dict]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BoundaryFileError(f"{path}: not a readable GeoJSON file ({error})") from None
    if data.get("type") != "FeatureCollection" or not isinstance(data.get("features"), list):
        raise BoundaryFileError(f"{path}: expected a GeoJSON FeatureCollection")
    return data["features"]


async def import_boundaries(
    features: list[dict], progress: Callable[[Iterable], Iterable] = iter
) -> BoundaryImport:
    result = BoundaryImport()
    known = {w["code"]: w["id"] for w in await Ward.select(Ward.id, Ward.code)}
    for number, feature in enumerate(progress(features), start=1):
        properties = feature.get("properties") or {}
        code = _ward_code(properties)
        if code is None:
            result.problems.append(f"feature {number}: no ward code ({', '.join(CODE_PROPERTIES)})")
            continue
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
        await Ward.update({Ward.boundary: json.dumps(geometry)}).where(Ward.id == known[code])
        result.imported += 1
    forget_locator()
    return result
