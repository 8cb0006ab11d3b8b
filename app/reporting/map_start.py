"""Where a map opens, so nobody has to pan in from the whole of Vietnam: the ward named in the
address (`?ward=11446`, as a ward's page links it), else the ward of the clerk filing a report,
else the ward the resident follows (the latest they chose), else the whole country. The page's
script puts the place this phone last put on a report before all but the address's ward: it
lives only on the phone (anonymous visits leave nothing on the server)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from app.platform.tables import Follow, Ward


@dataclass(frozen=True)
class MapStart:
    lat: float
    lon: float
    zoom: int
    # address | staff | followed | country: only `address` outranks the phone's last place.
    source: str


COUNTRY = MapStart(16.2, 106.5, 5, "country")
WARD_ZOOM = 14


async def _ward_centre(*where) -> tuple[float, float] | None:
    row = await Ward.select(Ward.lat, Ward.lon).where(*where, Ward.lat.is_not_null()).first()
    return (row["lat"], row["lon"]) if row else None


async def _followed_ward_centre(person_id: int) -> tuple[float, float] | None:
    row = await (
        Follow.select(Follow.ward.lat, Follow.ward.lon)
        .where(Follow.person == person_id, Follow.ward.is_not_null(), Follow.ward.lat.is_not_null())
        .order_by(Follow.created_at, ascending=False)
        .first()
    )
    return (row["ward.lat"], row["ward.lon"]) if row else None


async def map_start(
    ward_code: str | None = None, person_id: int | None = None, staff_wards: Iterable[int] | None = None
) -> MapStart:
    """An unknown ward in the address is passed over, as if none was named: the map still opens.
    `staff_wards`: the wards where a clerk files reports (an administrator has none)."""
    if ward_code and (at := await _ward_centre(Ward.code == ward_code)):
        return MapStart(*at, WARD_ZOOM, "address")
    if staff_wards and (at := await _ward_centre(Ward.id == min(staff_wards))):
        return MapStart(*at, WARD_ZOOM, "staff")
    if person_id is not None and (at := await _followed_ward_centre(person_id)):
        return MapStart(*at, WARD_ZOOM, "followed")
    return COUNTRY
