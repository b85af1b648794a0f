"""Maps and boundary imports on the real database.

Province 12 (Lai Châu, 2025) gets a small roll in two communes and is only mapped; province 11
(Điện Biên, 2025) receives the imported boundaries. Every colour asserted is read back from the
SVG and compared with what `pcgd.compliance` says of that unit.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from geo import classes, service
from geo.classes import LEVEL_COLOURS
from pcgd import db
from pcgd.accounts.scope import scope_for
from pcgd.compliance import service as compliance
from pcgd.errors import UserError
from pcgd.units import service as units
from surveys import service as surveys
from surveys.schemas import HouseholdIn, MemberIn
from tests.factories import make_user
from tests.integration.test_compliance import current

YEAR = 2025
MAPPED = "12"  # Lai Châu
ROLL_COMMUNES = ("03388", "03390")  # Phường Đoàn Kết, Xã Bình Lư
IMPORTED = "11"  # Điện Biên
SVG = "{http://www.w3.org/2000/svg}"
PCGD = str(Path(sys.executable).with_name("pcgd"))


def _household(code: str, in_grade1: bool) -> HouseholdIn:
    return HouseholdIn(household_code=code, hamlet="Bản Mới", members=[
        MemberIn(full_name="Lò Văn Páo", birth_date="1984", sex="M", relation="chu_ho",
                 th_completed_year=1995, thcs_graduated_year=1999),
        MemberIn(full_name="Lò Thị Mai", birth_date="2019", sex="F", relation="con",
                 enrolled_level="TH" if in_grade1 else "", enrolled_grade="1" if in_grade1
                 else ""),
    ])


@pytest.fixture(scope="module")
async def rolls(database: str) -> None:
    """One commune where the 6-year-old is in grade 1, one where she is not."""
    for code, in_grade1 in zip(ROLL_COMMUNES, (True, False), strict=True):
        commune = await units.resolve(code, YEAR, kind="commune")
        user = await current(await make_user("commune", code, YEAR))
        scope = await scope_for(user, YEAR)
        await surveys.create_household(user, scope, commune, YEAR, _household("GEO-1", in_grade1))


def _shapes(svg: bytes) -> list[ET.Element]:
    root = ET.fromstring(svg)
    return [p for p in root.iter(f"{SVG}path") if p.get("data-code")]


async def _expected(code: str) -> dict:
    unit = await units.resolve(code, YEAR)
    return await compliance.evaluate_unit(unit, YEAR)


async def test_province_map_has_one_shape_per_commune_coloured_by_its_evaluation(rolls) -> None:
    data = await service.build_map(MAPPED, YEAR, classes.Selection("th"))
    svg = await service.render(data, "svg")
    shapes = _shapes(svg)
    communes = await units.communes_under(await units.resolve(MAPPED, YEAR), YEAR)
    assert sorted(p.get("data-code") for p in shapes) == sorted(c.code for c in communes)
    with_data = 0
    for path in shapes:
        result = await _expected(path.get("data-code"))
        level = next(s for s in result["standards"] if s["standard"] == "th")["recognized_level"]
        assert path.get("data-level") == str(level)
        if result["has_data"]:
            with_data += 1
            assert path.get("fill") == LEVEL_COLOURS[level], path.get("data-code")
        else:
            assert path.get("fill") == "url(#pcgd-nodata)"
    assert with_data == 2
    text = svg.decode()
    assert "Sơ đồ minh họa, không dùng làm căn cứ xác định địa giới hành chính" in text
    assert "Thời điểm: 30/09/2025" in text and "Tỉnh Lai Châu" in text
    assert "Quần đảo Hoàng Sa" in text and "Quần đảo Trường Sa" in text  # the locator
    png = await service.render(data, "png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 50_000


async def test_criterion_map_carries_each_rate(rolls) -> None:
    selection = classes.Selection("th", criterion="th.grade1_age6")
    data = await service.build_map(MAPPED, YEAR, selection)
    shapes = {p.get("data-code"): p for p in _shapes(await service.render(data, "svg"))}
    passed, failed = (shapes[c] for c in ROLL_COMMUNES)
    assert float(passed.get("data-rate")) == 100.0 and float(failed.get("data-rate")) == 0.0
    assert passed.get("fill") == classes.RATE_COLOURS[-1]
    assert failed.get("fill") == classes.RATE_COLOURS[0]
    assert shapes["03394"].get("data-rate") == ""  # no roll: no rate
    with pytest.raises(UserError, match="không có tiêu chí"):
        await service.build_map(MAPPED, YEAR, classes.Selection("th", criterion="nope"))


async def test_national_map_shows_every_province_and_both_archipelagos(database: str) -> None:
    year, count = YEAR, 34
    data = await service.build_map("VN", year, classes.Selection("th"))
    svg = await service.render(data, "svg")
    shapes = _shapes(svg)
    assert len(shapes) == count and len({p.get("data-code") for p in shapes}) == count
    root = ET.fromstring(svg)
    layer = [p for p in root.iter(f"{SVG}path") if p.get("class") == "archipelago"]
    assert len(layer) == 1 and layer[0].get("d").count("M") >= 10
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert "Quần đảo Hoàng Sa" in labels and "Quần đảo Trường Sa" in labels
    # The islands lie on the page, inside the map (Trường Sa in its inset box).
    x, y, w, h = data.page.clip
    islands = next(layer for layer in data.page.below if layer.role == "archipelago")
    for geom in islands.geoms:
        minx, miny, maxx, maxy = geom.bounds
        assert x <= minx and maxx <= x + w and y <= miny and maxy <= y + h
    # Đà Nẵng and Khánh Hòa carry their archipelago: their shape reaches out to sea.
    by_code = {s.code: s.geom for s in data.page.shapes}
    assert by_code["48"].bounds[2] > by_code["51"].bounds[2] + 100
    assert (await service.render(data, "png"))[:4] == b"\x89PNG"


async def test_all_communes_of_the_country(database: str) -> None:
    data = await service.build_map("VN", YEAR, classes.Selection("xmc"), communes=True)
    shapes = _shapes(await service.render(data, "svg"))
    assert len(shapes) == 3321 == len({p.get("data-code") for p in shapes})
    stored = await db.pool().fetchval(
        "SELECT count(*) FROM geo_shape s JOIN admin_unit u ON u.id = s.unit"
        " WHERE u.kind = 'commune' AND u.valid_from IS NOT NULL"
    )
    assert stored == 3321  # every cell generated once and stored (flagged schematic)


async def test_a_commune_is_not_mapped(database: str) -> None:
    with pytest.raises(UserError, match="cấp xã"):
        await service.build_map("03388", YEAR, classes.Selection("th"))


# --- imports ----------------------------------------------------------------------------------


async def _communes(code: str) -> list[units.Unit]:
    return await units.communes_under(await units.resolve(code, YEAR), YEAR)


def _square(unit: units.Unit, size: float = 0.01) -> shapely.Polygon:
    return shapely.box(unit.lon - size, unit.lat - size, unit.lon + size, unit.lat + size)


async def _real_rows() -> int:
    return await db.pool().fetchval("SELECT count(*) FROM geo_shape WHERE NOT schematic")


async def test_geojson_by_code_dry_run_then_import_then_again(
    database: str, tmp_path: Path
) -> None:
    communes = (await _communes(IMPORTED))[:3]
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"ma_xa": c.code, "ten": c.name},
         "geometry": shapely.geometry.mapping(_square(c))}
        for c in communes[:2]
    ] + [{"type": "Feature", "properties": {"ma_xa": "99999", "ten": "Không có"},
          "geometry": shapely.geometry.mapping(_square(communes[2]))}]}
    path = tmp_path / "dien-bien.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    before, version = await _real_rows(), await service.version()

    dry = await service.import_boundaries(path, "commune", YEAR, dry_run=True)
    assert dry.matched == 2 and dry.field == "ma_xa" and dry.by == "code"
    assert [f["value"] for f in dry.unmatched_features] == ["99999"]
    without = {u["code"] for u in dry.units_without_shape}
    assert communes[2].code in without and communes[0].code not in without
    assert len(without) == len(await _communes(IMPORTED)) - 2
    assert (await _real_rows(), await service.version()) == (before, version)  # nothing written

    done = await service.import_boundaries(path, "commune", YEAR, code_field="ma_xa")
    assert done.written and done.matched == 2 and done.years == "từ 2025"
    assert await _real_rows() == before + 2
    again = await service.import_boundaries(path, "commune", YEAR, code_field="ma_xa")
    assert again.matched == 2 and await _real_rows() == before + 2  # idempotent
    shapes = await service.shapes_for(communes[:2], YEAR)
    assert all(not s.schematic and s.source == "dien-bien.geojson" for s in shapes)
    assert shapes[0].geom.equals_exact(_square(communes[0]), 1e-9)
    # The map still has one shape per commune; the imported ones are the real squares.
    data = await service.build_map(IMPORTED, YEAR, classes.Selection("th"))
    assert len(data.page.shapes) == len(await _communes(IMPORTED))
    audit = await db.pool().fetchval(
        "SELECT count(*) FROM audit_entry WHERE entity = 'geo_shape' AND entity_id = $1",
        f"commune:{YEAR}",
    )
    assert audit >= 2


async def test_zipped_shapefile_by_name_reprojected_and_repaired(
    database: str, tmp_path: Path
) -> None:
    communes = (await _communes(IMPORTED))[3:6]
    bowtie = shapely.Polygon([
        (communes[1].lon - 0.01, communes[1].lat - 0.01), (communes[1].lon + 0.01,
         communes[1].lat + 0.01), (communes[1].lon + 0.01, communes[1].lat - 0.01),
        (communes[1].lon - 0.01, communes[1].lat + 0.01),
    ])
    assert not bowtie.is_valid
    frame = gpd.GeoDataFrame(
        {"TEN_XA": [communes[0].name.upper().replace("XÃ ", ""), _plain(communes[1].name),
                    "Xã Không Tồn Tại"]},
        geometry=[_square(communes[0]), bowtie, _square(communes[2])], crs=4326,
    ).to_crs(32648)  # UTM 48N: the importer must bring it back to WGS84
    shp = tmp_path / "shp"
    shp.mkdir()
    frame.to_file(shp / "xa.shp")
    archive = tmp_path / "xa.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for f in shp.iterdir():
            z.write(f, f.name)
    report = await service.import_boundaries(archive, "commune", YEAR, name_field="TEN_XA")
    assert report.matched == 2 and report.by == "name" and report.written
    assert report.repaired == [1]
    assert any("WGS84" in n for n in report.notes)
    assert [f["value"] for f in report.unmatched_features] == ["Xã Không Tồn Tại"]
    shape = (await service.shapes_for([communes[0]], YEAR))[0]
    assert not shape.schematic and shape.geom.centroid.distance(
        shapely.Point(communes[0].lon, communes[0].lat)) < 1e-4


def _plain(name: str) -> str:
    from pcgd.common.text import unaccent

    return unaccent(name)


@pytest.mark.parametrize(
    ("name", "content", "needle"),
    [
        ("hong.geojson", b"{not json", "không đọc được tệp"),
        ("rong.geojson", b'{"type":"FeatureCollection","features":[]}', "không có đối tượng"),
        ("anh.png", b"\x89PNG", "không nhận dạng được định dạng"),
        ("nen.zip", b"PK\x03\x04 broken", "không phải tệp .zip hợp lệ"),
    ],
)
async def test_bad_files_are_clear_vietnamese_errors(
    tmp_path: Path, name: str, content: bytes, needle: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UserError, match=needle):
        await service.import_boundaries(path, "commune", YEAR)


async def test_province_account_imports_only_its_own_units(client, tmp_path: Path) -> None:
    own = (await _communes(IMPORTED))[6]
    other = (await _communes(MAPPED))[5]
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": u.code},
         "geometry": shapely.geometry.mapping(_square(u))} for u in (own, other)
    ]}
    from tests.factories import PASSWORD

    province = await make_user("province", IMPORTED, YEAR)
    res = await client.post("/api/auth/login", json={"username": province, "password": PASSWORD})
    assert res.status_code == 200
    page = await client.get("/geo/import/", headers={"accept": "text/html"})
    assert page.status_code == 200
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
    res = await client.post(
        "/geo/import/",
        data={"level": "commune", "year": str(YEAR), "field_kind": "code", "field_name": "code",
              "_csrf_token": token},
        files={"file": ("ranh-gioi.geojson", json.dumps(doc).encode(), "application/json")},
        headers={"accept": "text/html", "x-csrftoken": token},
    )
    assert res.status_code == 200, res.text[-500:]
    assert "ngoài phạm vi của tài khoản" in res.text and other.code in res.text
    rows = await db.pool().fetch(
        "SELECT u.code, s.schematic FROM geo_shape s JOIN admin_unit u ON u.id = s.unit"
        " WHERE u.code = ANY($1::text[]) AND u.valid_from IS NOT NULL", [own.code, other.code]
    )
    assert {r["code"]: r["schematic"] for r in rows}.get(own.code) is False
    assert {r["code"]: r["schematic"] for r in rows}.get(other.code) is not False
    # A bad upload is a page with the reason, not a 500.
    res = await client.post(
        "/geo/import/", data={"level": "commune", "year": str(YEAR), "_csrf_token": token},
        files={"file": ("x.geojson", b"garbage", "application/json")},
        headers={"accept": "text/html", "x-csrftoken": token},
    )
    assert res.status_code == 422 and "không đọc được tệp" in res.text
    # Other provinces' maps and the country are out of reach.
    assert (await client.get(f"/maps/{MAPPED}/svg?year={YEAR}")).status_code == 403
    assert (await client.get(f"/maps/VN?year={YEAR}", headers={"accept": "text/html"})
            ).status_code == 403
    svg = await client.get(f"/maps/{IMPORTED}/svg?year={YEAR}&standard=th")
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")


@pytest.mark.parametrize("role", ["commune", "district"])
async def test_other_roles_may_not_upload(client, role: str) -> None:
    from tests.factories import PASSWORD

    if role == "district":
        province = await units.resolve(IMPORTED, 2024)
        unit = (await units.list_units(2024, parent=province, kind="district"))[0].code
    else:
        unit = "03127"
    name = await make_user(role, unit, 2024 if role == "district" else YEAR)
    await client.post("/api/auth/login", json={"username": name, "password": PASSWORD})
    res = await client.get("/geo/import/", headers={"accept": "text/html"})
    assert res.status_code == 403


@pytest.mark.slow
def test_cli_map_and_import_json(database: str, tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": database}
    out = tmp_path / "lai-chau.png"
    done = subprocess.run(
        [PCGD, "map", "--unit", MAPPED, "--year", str(YEAR), "--standard", "th", "-o", str(out)],
        env=env, capture_output=True, text=True, timeout=180,
    )
    assert done.returncode == 0, done.stderr
    assert out.read_bytes()[:4] == b"\x89PNG"
    bad = tmp_path / "x.geojson"
    bad.write_text('{"type":"FeatureCollection","features":[{"type":"Feature",'
                   '"properties":{"ma":"03127"},"geometry":{"type":"Point",'
                   '"coordinates":[103.0,21.4]}}]}')
    done = subprocess.run(
        [PCGD, "geo", "import", str(bad), "--level", "commune", "--year", str(YEAR),
         "--code-field", "ma", "--dry-run", "--json"],
        env=env, capture_output=True, text=True, timeout=180,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["matched"] == 0 and report["unmatched_features"][0]["feature"] == 1
    assert "không phải vùng" in report["unmatched_features"][0]["reason"]
    assert set(report) >= {"matched", "unmatched_features", "units_without_shape"}


async def test_geopackage_dry_run_matches_by_guessed_code_column(
    database: str, tmp_path: Path
) -> None:
    commune = (await _communes(IMPORTED))[7]
    path = tmp_path / "xa.gpkg"
    gpd.GeoDataFrame({"MA_DVHC": [int(commune.code)]}, geometry=[_square(commune)],
                     crs=4326).to_file(path, driver="GPKG")
    before = await _real_rows()
    report = await service.import_boundaries(path, "commune", YEAR, dry_run=True)
    assert (report.matched, report.field, report.written) == (1, "MA_DVHC", False)
    assert await _real_rows() == before
