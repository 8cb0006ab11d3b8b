"""Vietnam's administrative units since 1 July 2025: 34 provinces, 3,321 communes and wards.

The data comes from the `vietnamadminunits` package's bundled SQLite dataset, read locally;
nothing here touches the network.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from vietnamadminunits.converter import converter_2025
from vietnamadminunits.database import get_data

from app.platform.tables import Province, Ward

# Tracking-code prefixes, printed on receipts, so fixed here rather than derived: initials
# collide (Lào Cai/Lai Châu, Đà Nẵng/Đồng Nai, Quảng Ninh/Quảng Ngãi, Thái Nguyên/Tây Ninh).
REPORT_PREFIXES = {
    "01": "HN", "04": "CB", "08": "TQ", "11": "DB", "12": "LCH", "14": "SL", "15": "LC",
    "19": "TN", "20": "LS", "22": "QN", "24": "BN", "25": "PT", "31": "HP", "33": "HY",
    "37": "NB", "38": "TH", "40": "NA", "42": "HT", "44": "QT", "46": "HUE", "48": "DN",
    "51": "QNG", "52": "GL", "56": "KH", "66": "DL", "68": "LD", "75": "DNA", "79": "HCM",
    "80": "TNI", "82": "DT", "86": "VL", "91": "AG", "92": "CT", "96": "CM",
}  # fmt: skip

BATCH = 500


@dataclass
class ImportResult:
    provinces_created: int = 0
    provinces_updated: int = 0
    wards_created: int = 0
    wards_updated: int = 0

    @property
    def changed(self) -> bool:
        return any((self.provinces_created, self.provinces_updated,
                    self.wards_created, self.wards_updated))  # fmt: skip


def dataset_rows() -> list[dict]:
    return get_data(
        [
            "provinceCode", "province", "provinceShort", "provinceLat", "provinceLon",
            "wardCode", "ward", "wardShort", "wardType", "wardLat", "wardLon", "wardAreaKm2",
        ],
        table="admin_units",
    )  # fmt: skip


@functools.cache
def legacy_ward_points() -> dict[str, tuple[tuple[float, float], ...]]:
    """New ward code → (lat, lon) of each pre-2025 ward it was formed from, offline.

    About 10,000 points against 3,321 new wards: the package's legacy table gives each old
    ward a location, and its converter table the official old → new mapping (an old ward split
    between several new wards counts for each of them).
    """
    new_codes = {
        (r["provinceKey"], r["wardKey"]): r["wardCode"]
        for r in get_data(["provinceKey", "wardKey", "wardCode"], table="admin_units")
    }
    old_to_new: dict[str, set[str]] = {}
    for province, wards in converter_2025.DICT_PROVINCE_WARD_NO_DIVIDED.items():
        for new_key, old_keys in wards.items():
            for old_key in old_keys:
                old_to_new.setdefault(old_key, set()).add(new_codes[(province, new_key)])
    for province, splits in converter_2025.DICT_PROVINCE_WARD_DIVIDED.items():
        for old_key, parts in splits.items():
            for part in parts:
                old_to_new.setdefault(old_key, set()).add(new_codes[(province, part["newWardKey"])])
    points: dict[str, list[tuple[float, float]]] = {}
    legacy = get_data(["provinceKey", "districtKey", "wardKey", "wardLat", "wardLon"],
                      table="admin_units_legacy")  # fmt: skip
    for row in legacy:
        if row["wardLat"] is None:  # island districts without wards: the new centroid serves
            continue
        old_key = f"{row['provinceKey']}_{row['districtKey']}_{row['wardKey']}"
        for code in old_to_new.get(old_key, ()):
            points.setdefault(code, []).append((row["wardLat"], row["wardLon"]))
    return {code: tuple(p) for code, p in points.items()}


def _province_values(row: dict) -> dict:
    code = row["provinceCode"]
    if code not in REPORT_PREFIXES:
        raise ValueError(f"province {code} ({row['province']}) has no tracking-code prefix")
    return {
        "code": code,
        "name": row["province"],
        "short_name": row["provinceShort"],
        "report_prefix": REPORT_PREFIXES[code],
        "lat": row["provinceLat"],
        "lon": row["provinceLon"],
    }


def _ward_values(row: dict, province_id: int) -> dict:
    return {
        "code": row["wardCode"],
        "name": row["ward"],
        "short_name": row["wardShort"],
        "kind": row["wardType"],
        "province": province_id,
        "lat": row["wardLat"],
        "lon": row["wardLon"],
        "area_km2": row["wardAreaKm2"],
    }


def _differs(existing: dict, wanted: dict) -> dict:
    return {k: v for k, v in wanted.items() if existing.get(k) != v}


async def import_units(progress: Callable[[Iterable], Iterable] = iter) -> ImportResult:
    """Create or update every province and ward; a second run changes nothing.

    `progress` wraps the ward rows (tqdm on the command line) to show how far it has got.
    """
    rows = dataset_rows()
    result = ImportResult()
    async with Province._meta.db.transaction():
        provinces = {p["code"]: p for p in await Province.select()}
        for values in {r["provinceCode"]: _province_values(r) for r in rows}.values():
            existing = provinces.get(values["code"])
            if existing is None:
                await Province.insert(Province(**values))
                result.provinces_created += 1
            elif changes := _differs(existing, values):
                await Province.update(changes).where(Province.id == existing["id"])
                result.provinces_updated += 1
        province_ids = {p["code"]: p["id"] for p in await Province.select(Province.id, Province.code)}

        wards = {
            w["code"]: w
            for w in await Ward.select(*[c for c in Ward._meta.columns if c._meta.name != "boundary"])
        }
        pending: list[Ward] = []
        for row in progress(rows):
            values = _ward_values(row, province_ids[row["provinceCode"]])
            existing = wards.get(values["code"])
            if existing is None:
                pending.append(Ward(**values))
                result.wards_created += 1
            elif changes := _differs(existing, values):
                await Ward.update(changes).where(Ward.id == existing["id"])
                result.wards_updated += 1
            if len(pending) >= BATCH:
                await Ward.insert(*pending)
                pending = []
        if pending:
            await Ward.insert(*pending)
    return result
