"""Built-in boundaries, schematic cells, map classes and file matching (no database)."""

from __future__ import annotations

import json

import shapely

from geo import boundaries, classes, importer, schematic
from geo.build.provinces import ISO_TO_GSO
from pcgd.standards import load_rules
from pcgd.units import sources


def test_built_in_provinces_have_the_gso_codes_and_valid_geometry() -> None:
    old = boundaries.provinces(3)
    new = boundaries.provinces(2)
    old_codes = {r.code for r in sources.old_units() if r.kind == "province"}
    new_codes = {r.code for r in sources.new_units() if r.kind == "province"}
    assert len(old) == 63 and set(old) == old_codes == set(ISO_TO_GSO.values())
    assert len(new) == 34 and set(new) == new_codes
    for p in [*old.values(), *new.values()]:
        assert p.geom.is_valid and not p.geom.is_empty and p.geom.area > 0.005, p.code
    # NE's `name` is wrong for these three: the join went by iso_3166_2, so the codes are right.
    names = {p.code: p.name for p in old.values()}
    assert (names["75"], names["06"], names["33"]) == ("Tỉnh Đồng Nai", "Tỉnh Bắc Kạn",
                                                       "Tỉnh Hưng Yên")
    assert sum(p.coastal for p in old.values()) == 28
    assert sum(p.coastal for p in new.values()) == 21


def test_each_old_province_lies_in_the_new_one_it_went_into() -> None:
    doc = json.loads((boundaries.DATA / "provinces-63.geojson").read_text("utf-8"))
    new = boundaries.provinces(2)
    for feat in doc["features"]:
        old = shapely.geometry.shape(feat["geometry"])
        target = new[feat["properties"]["new_code"]].geom
        assert old.difference(target).area < old.area * 0.001, feat["properties"]["code"]
    total_old = shapely.union_all([p.geom for p in boundaries.provinces(3).values()]).area
    total_new = shapely.union_all([p.geom for p in new.values()]).area
    assert abs(total_old - total_new) < total_old * 0.001
    # Hà Tây is part of Hà Nội (post-2008 lines): Hà Nội is large, not a city core.
    assert boundaries.provinces(3)["01"].geom.area > 0.25


def test_both_archipelagos_are_vietnamese_and_attached_to_their_provinces() -> None:
    found = {a.key: a for a in boundaries.archipelagos()}
    assert set(found) == {"hoang_sa", "truong_sa"}
    assert found["hoang_sa"].name == "Quần đảo Hoàng Sa"
    assert found["truong_sa"].name == "Quần đảo Trường Sa"
    assert (found["hoang_sa"].province, found["truong_sa"].province) == ("48", "56")
    for tree in (2, 3):
        for arch in found.values():
            whole = boundaries.province_with_islands(arch.province, tree)
            assert whole.contains(arch.geom.representative_point())
    assert boundaries.archipelago_of_unit("20333", "commune", 2) is found["hoang_sa"].geom
    assert boundaries.archipelago_of_unit("498", "district", 3) is found["hoang_sa"].geom
    parts = [boundaries.archipelago_of_unit(c, "commune", 3) for c in ("22736", "22737", "22739")]
    assert all(p is not None and not p.is_empty for p in parts)
    assert not shapely.union_all(parts).is_empty
    # Neighbouring countries carry no East Sea island.
    assert not boundaries.neighbours().intersects(found["hoang_sa"].region)


def test_cells_one_per_point_inside_the_area_without_overlap() -> None:
    square = shapely.box(0, 0, 1, 1)
    points = [(0.2, 0.2), (0.8, 0.2), (0.5, 0.8), (0.5, 0.8), (1.01, 0.5), (3.0, 3.0)]
    cells = schematic.cells(square, points)
    assert len(cells) == len(points)
    assert all(c is not None and not c.is_empty and c.is_valid for c in cells)
    inside = cells[:5]
    assert all(square.buffer(1e-9).contains(c) for c in inside)
    # Cells of the square cover it once: areas add up; the point on the coast got pulled in.
    assert abs(sum(c.area for c in inside) - 1.0) < 1e-6
    # A point far at sea (an island commune) gets a small disk of its own, not a slice.
    assert cells[5].contains(shapely.Point(3.0, 3.0)) and cells[5].area < 0.01


def _result(code: str, has_data: bool, level: int, rate: float | None) -> dict:
    return {
        "unit": {"code": code, "name": f"Xã {code}", "kind": "commune"},
        "has_data": has_data,
        "standards": [{
            "standard": "th", "recognized_level": level, "max_level": 3,
            "criteria": [{"id": "th.grade1_age6", "level": 1, "rate": rate, "threshold": 90}],
        }],
    }


def test_classes_follow_the_evaluation() -> None:
    book = load_rules()
    results = [_result("1", True, 2, 96.0), _result("2", False, 0, None),
               _result("3", True, 0, 40.0), _result("4", True, 3, None)]
    levels = classes.classify(results, classes.Selection("th"), book, year=2025, kind_word="xã")
    assert [v.klass for v in levels.values] == ["l2", "nodata", "l0", "l3"]
    assert {c.key: c.count for c in levels.classes} == {"l0": 1, "l1": 0, "l2": 1, "l3": 1,
                                                        "nodata": 1}
    reached = classes.classify(results, classes.Selection("th", level=2), book, year=2025,
                               kind_word="xã")
    assert [v.klass for v in reached.values] == ["pass", "nodata", "fail", "pass"]
    rates = classes.classify(results, classes.Selection("th", criterion="th.grade1_age6"), book,
                             year=2025, kind_word="xã")
    assert [v.klass for v in rates.values] == ["r5", "nodata", "r0", "norate"]
    assert "ngưỡng mức độ 1: 90%" in rates.title


def test_names_and_codes_match_loosely() -> None:
    assert importer.name_key("Xã Tân  Lập") == importer.name_key("TAN LAP") == "tan lap"
    assert importer.name_key("Phường Đoàn Kết") == "doan ket"
    assert importer.code_key(1, "province") == "01"
    assert importer.code_key("3388.0", "commune") == "03388"
    assert importer.code_key(None, "commune") is None
