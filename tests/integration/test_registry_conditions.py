"""TT 07 conditions measured on the registry, each at its boundary, and their effect on levels."""

from __future__ import annotations

import pytest

from pcgd.registry.conditions import as_engine, commune_conditions
from pcgd.standards import UnitRef, evaluate_commune
from tests.integration.test_registry_support import YEAR, commune_id, run_import

C = "04717"  # Xã Thác Bà, tỉnh Lào Cai (15)
EMPTY = "04726"  # Xã Cảm Nhân: no registry data at all
CLASS_HEADER = ["Mã trường", "Tên lớp", "Cấp học", "Khối", "Đủ thiết bị tối thiểu"]
ROOM_HEADER = ["Mã trường", "Loại phòng", "Số lượng"]


@pytest.fixture(scope="module")
async def registry(database: str) -> int:
    """A primary school with 100 classes, a lower-secondary one with 100, a preschool with ten
    5-year-old classes and four younger groups."""
    schools = [["Mã trường", "Tên trường", "Cấp học"], ["T15C-TH", "TH Thác Bà", "TH"],
               ["T15C-CS", "THCS Thác Bà", "THCS"], ["T15C-MN", "MN Thác Bà", "MN"]]
    assert (await run_import("schools", schools, C)).ok
    classes = [CLASS_HEADER]
    classes += [["T15C-TH", f"{1 + i % 5}/{i}", "TH", str(1 + i % 5), ""] for i in range(100)]
    classes += [["T15C-CS", f"{6 + i % 4}/{i}", "THCS", str(6 + i % 4), ""] for i in range(100)]
    classes += [["T15C-MN", f"Lá {i}", "MN", "5", "x"] for i in range(10)]
    classes += [["T15C-MN", f"Chồi {i}", "MN", "4", ""] for i in range(4)]
    result = await run_import("classes", classes, C)
    assert result.ok, result.errors
    return await commune_id(C)


async def rooms(th: int, thcs: int, mn: int, *, temporary: int = 0) -> None:
    rows = [ROOM_HEADER, ["T15C-TH", "Phòng học kiên cố", th], ["T15C-CS", "bán kiên cố", thcs],
            ["T15C-MN", "kiên cố", mn]]
    if temporary:
        rows.append(["T15C-TH", "Phòng học tạm", temporary])
    assert (await run_import("facilities", rows, C)).ok


async def conditions(commune: int) -> dict[str, dict[str, dict]]:
    found = (await commune_conditions([commune], YEAR))[commune]
    return {std: {r["id"]: r for r in rows} for std, rows in found.items()}


async def test_primary_rooms_per_class_069_fails_070_passes(registry: int) -> None:
    await rooms(69, 50, 14)
    row = (await conditions(registry))["th"]["th.rooms_per_class"]
    assert (row["passed"], row["value"], row["threshold"]) == (False, 0.69, 0.7)
    assert (row["numerator"], row["denominator"]) == (69, 100)
    await rooms(69, 50, 14, temporary=1)  # a temporary room is not a standard classroom
    assert (await conditions(registry))["th"]["th.rooms_per_class"]["passed"] is False
    await rooms(70, 50, 14)
    row = (await conditions(registry))["th"]["th.rooms_per_class"]
    assert (row["passed"], row["value"]) == (True, 0.7)


async def test_lower_secondary_rooms_per_class_049_fails_050_passes(registry: int) -> None:
    await rooms(70, 49, 14)
    assert (await conditions(registry))["thcs"]["thcs.rooms_per_class"]["passed"] is False
    await rooms(70, 50, 14)
    row = (await conditions(registry))["thcs"]["thcs.rooms_per_class"]
    assert (row["passed"], row["value"], row["threshold"]) == (True, 0.5, 0.5)


async def test_five_year_old_classes_need_one_room_each(registry: int) -> None:
    # 14 groups, 13 rooms: the ten 5-year-old classes get theirs first (value 1).
    await rooms(70, 50, 13)
    assert (await conditions(registry))["mn5"]["mn5.rooms_per_class"]["value"] == 1
    await rooms(70, 50, 9)
    row = (await conditions(registry))["mn5"]["mn5.rooms_per_class"]
    assert (row["passed"], row["value"], row["threshold"]) == (False, 0.9, 1)
    await rooms(70, 50, 10)
    assert (await conditions(registry))["mn5"]["mn5.rooms_per_class"]["passed"] is True


async def test_equipment_kit_in_every_five_year_old_class(registry: int) -> None:
    assert (await conditions(registry))["mn5"]["mn5.equipment_kit"]["passed"] is True
    classes = [CLASS_HEADER] + [["T15C-MN", f"Lá {i}", "MN", "5", "x" if i else ""]
                                for i in range(10)]
    assert (await run_import("classes", classes, C)).ok
    row = (await conditions(registry))["mn5"]["mn5.equipment_kit"]
    assert (row["passed"], row["value"], row["numerator"], row["denominator"]) == (
        False, 90.0, 9, 10)
    classes = [CLASS_HEADER] + [["T15C-MN", f"Lá {i}", "MN", "5", "x"] for i in range(10)]
    classes += [["T15C-MN", f"Chồi {i}", "MN", "4", ""] for i in range(4)]
    assert (await run_import("classes", classes, C)).ok


async def test_every_teacher_at_the_standard_training_level(registry: int) -> None:
    header = ["Mã trường", "Họ và tên", "Chức vụ", "Trình độ đào tạo", "Lớp phụ trách"]
    staff = [header] + [["T15C-TH", f"Giáo viên {i}", "GV", "Đại học", ""] for i in range(19)]
    staff.append(["T15C-TH", "Giáo viên 19", "GV", "Cao đẳng", ""])
    staff.append(["T15C-TH", "Nhân viên", "Nhân viên", "Trung cấp", ""])  # not a teacher
    staff += [["T15C-MN", f"Cô {i}", "GV", "Cao đẳng", f"Lá {i}"] for i in range(10)]
    staff.append(["T15C-MN", "Cô Chồi", "GV", "Trung cấp", "Chồi 0"])  # not a 5-year-old class
    assert (await run_import("teachers", staff, C)).ok
    found = await conditions(registry)
    th = found["th"]["th.teachers_trained"]
    assert (th["passed"], th["value"], th["numerator"], th["denominator"]) == (False, 95.0, 19, 20)
    mn5 = found["mn5"]["mn5.teachers_trained"]
    assert (mn5["passed"], mn5["denominator"]) == (True, 10)
    assert found["thcs"]["thcs.teachers_trained"]["passed"] is None  # no THCS teacher listed
    staff[20] = ["T15C-TH", "Giáo viên 19", "GV", "Thạc sĩ", ""]
    assert (await run_import("teachers", staff, C)).ok
    assert (await conditions(registry))["th"]["th.teachers_trained"]["passed"] is True


async def test_no_registry_data_is_null_and_xmc_has_none(database: str) -> None:
    empty = await commune_id(EMPTY)
    found = (await commune_conditions([empty], YEAR))[empty]
    assert found["xmc"] == []
    assert {r["id"]: r["passed"] for std in ("mn5", "th", "thcs") for r in found[std]} == {
        "mn5.rooms_per_class": None, "mn5.teachers_trained": None, "mn5.equipment_kit": None,
        "th.rooms_per_class": None, "th.teachers_trained": None,
        "thcs.rooms_per_class": None, "thcs.teachers_trained": None,
    }


async def test_a_failed_condition_sets_recognized_level_to_zero(registry: int) -> None:
    def recognized(found: dict[str, list[dict]]) -> dict[str, tuple[int, int]]:
        result = evaluate_commune(
            UnitRef(C, "Thác Bà", "commune"), YEAR, {}, dbkk=False, has_data=True,
            conditions={std: as_engine(rows) for std, rows in found.items()},
        )
        return {s["standard"]: (s["level"], s["recognized_level"]) for s in result["standards"]}

    await rooms(69, 50, 14)
    failing = recognized((await commune_conditions([registry], YEAR))[registry])
    assert failing["th"] == (3, 0)
    await rooms(70, 50, 14)
    passing = recognized((await commune_conditions([registry], YEAR))[registry])
    assert passing["th"] == (3, 3)


async def test_the_evaluation_service_reports_the_registry_conditions(registry: int) -> None:
    compliance = pytest.importorskip("pcgd.compliance.service")
    from pcgd.units import service as units

    await rooms(69, 50, 14)
    unit = await units.resolve(C, YEAR, kind="commune")
    result = await compliance.evaluate_unit(unit, YEAR)
    th = next(s for s in result["standards"] if s["standard"] == "th")
    row = next(c for c in th["conditions"] if c["id"] == "th.rooms_per_class")
    assert (row["passed"], row["value"]) == (False, 0.69)
    assert th["recognized_level"] == 0
    await rooms(70, 50, 14)
