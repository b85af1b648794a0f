"""Both administrative trees and the old→new commune mapping, read from `vietnamadminunits`.

Pure data extraction (no database): the package ships a SQLite dataset with the 2025 list
(34 provinces, 3,321 communes) and the pre-2025 list (63 provinces, ~700 districts, ~10,000
communes) with centroids, plus a JSON converter keyed by normalised names.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources

OLD_VALID_TO = date(2025, 6, 30)
NEW_VALID_FROM = date(2025, 7, 1)


@dataclass(frozen=True, slots=True)
class UnitRecord:
    code: str
    name: str
    kind: str  # province | district | commune
    parent_code: str | None
    valid_from: date | None
    valid_to: date | None
    lat: float | None
    lon: float | None


def _dataset() -> sqlite3.Connection:
    path = resources.files("vietnamadminunits") / "data" / "dataset.db"
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


@lru_cache(maxsize=1)
def new_units() -> tuple[UnitRecord, ...]:
    """The 2-tier list in force from 2025-07-01: provinces then communes."""
    con = _dataset()
    try:
        rows = con.execute(
            "SELECT province, provinceCode, provinceLat, provinceLon, ward, wardCode, wardLat,"
            " wardLon FROM admin_units ORDER BY provinceCode, wardCode"
        ).fetchall()
    finally:
        con.close()
    provinces: dict[str, UnitRecord] = {}
    communes: list[UnitRecord] = []
    for p_name, p_code, p_lat, p_lon, w_name, w_code, w_lat, w_lon in rows:
        if p_code not in provinces:
            provinces[p_code] = UnitRecord(
                p_code, p_name, "province", None, NEW_VALID_FROM, None, p_lat, p_lon
            )
        communes.append(
            UnitRecord(w_code, w_name, "commune", p_code, NEW_VALID_FROM, None, w_lat, w_lon)
        )
    return (*provinces.values(), *communes)


@lru_cache(maxsize=1)
def old_units() -> tuple[UnitRecord, ...]:
    """The 3-tier list in force until 2025-06-30: provinces, districts, communes."""
    con = _dataset()
    try:
        rows = con.execute(
            "SELECT province, provinceCode, provinceLat, provinceLon, district, districtCode,"
            " districtLat, districtLon, ward, wardCode, wardLat, wardLon"
            " FROM admin_units_legacy ORDER BY provinceCode, districtCode, wardCode"
        ).fetchall()
    finally:
        con.close()
    provinces: dict[str, UnitRecord] = {}
    districts: dict[str, UnitRecord] = {}
    communes: dict[str, UnitRecord] = {}
    for p_name, p_code, p_lat, p_lon, d_name, d_code, d_lat, d_lon, w_name, w_code, w_lat, w_lon in rows:  # noqa: E501
        provinces.setdefault(
            p_code, UnitRecord(p_code, p_name, "province", None, None, OLD_VALID_TO, p_lat, p_lon)
        )
        districts.setdefault(
            d_code, UnitRecord(d_code, d_name, "district", p_code, None, OLD_VALID_TO, d_lat, d_lon)
        )
        if w_code:  # a few districts (e.g. island districts) have no commune row
            communes.setdefault(
                w_code,
                UnitRecord(w_code, w_name, "commune", d_code, None, OLD_VALID_TO, w_lat, w_lon),
            )
    return (*provinces.values(), *districts.values(), *communes.values())


@lru_cache(maxsize=1)
def succession() -> tuple[tuple[str, str], ...]:
    """(old commune code, new commune code) pairs: where each pre-2025 commune went."""
    con = _dataset()
    try:
        new_by_key = {
            (pk, wk): code
            for pk, wk, code in con.execute(
                "SELECT provinceKey, wardKey, wardCode FROM admin_units"
            )
        }
        old_by_key = {
            f"{pk}_{dk}_{wk}": code
            for pk, dk, wk, code in con.execute(
                "SELECT provinceKey, districtKey, wardKey, wardCode FROM admin_units_legacy"
            )
        }
    finally:
        con.close()
    path = resources.files("vietnamadminunits") / "data" / "converter_2025.json"
    conv = json.loads(path.read_text(encoding="utf-8"))
    pairs: set[tuple[str, str]] = set()
    for new_pk, wards in conv["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for new_wk, old_keys in wards.items():
            new_code = new_by_key.get((new_pk, new_wk))
            for old_key in old_keys:
                old_code = old_by_key.get(old_key)
                if new_code and old_code:
                    pairs.add((old_code, new_code))
    for new_pk, divided in conv["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old_key, targets in divided.items():
            old_code = old_by_key.get(old_key)
            for target in targets:
                new_code = new_by_key.get((new_pk, target["newWardKey"]))
                if old_code and new_code:
                    pairs.add((old_code, new_code))
    return tuple(sorted(pairs))
