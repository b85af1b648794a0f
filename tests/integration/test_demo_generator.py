"""The demo generator on its own (no database): determinism, shapes and the rates it aims at."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from pcgd.demo import names
from pcgd.demo.generator import (
    YEAR_COLUMNS,
    CommuneSpec,
    Schools,
    generate_commune,
    household_sizes,
    split_persons,
)
from pcgd.demo.records import ChunkJob, build_chunk

YEAR = 2024
AS_OF = date(2024, 9, 30)
SCHOOLS = Schools(("M1",), ("T1", "T2"), ("C1",), ("P1",), ("G1",), ("XT",), ("XC",))


def spec(profile: str = "excellent", *, persons: int = 9000, dbkk: bool = False,
         code: str = "05431") -> CommuneSpec:
    return CommuneSpec(
        id=1, code=code, name="Xã Thử", profile=profile, dbkk=dbkk,
        hamlets=("Thôn 1", "Thôn Bản Cháng", "Xóm Đồng Tâm"), persons=persons, person_offset=0,
        minority_share=0.15, minorities=names.minority_groups("19"), id_prefix=19,
        schools=SCHOOLS,
    )


def _columns(roll) -> dict[str, np.ndarray]:
    return {**roll.households, **roll.persons, **{f"py.{k}": v for k, v in
                                                  roll.person_years.items()}}


def test_same_seed_same_roll_other_seed_other_roll() -> None:
    a, b = (_columns(generate_commune(spec(), YEAR, AS_OF, seed=5)) for _ in range(2))
    c = _columns(generate_commune(spec(), YEAR, AS_OF, seed=6))
    for key in a:
        assert a[key].tolist() == b[key].tolist(), key  # NaT-safe
    assert not np.array_equal(a["full_name"], c["full_name"])


def test_sizes_sum_exactly_and_stay_2_to_7() -> None:
    for persons in (2, 3, 9, 250, 9001):
        sizes = household_sizes(spec(persons=persons), YEAR, 1)
        assert sizes.sum() == persons
        assert sizes.min() >= 2 and sizes.max() <= 7
    assert sum(split_persons(30_000, 12, 1)) == 30_000


def test_households_have_one_head_and_consistent_members() -> None:
    roll = generate_commune(spec(), YEAR, AS_OF, seed=2)
    py, p = roll.person_years, roll.persons
    heads = np.bincount(py["household"], weights=py["relation"] == "chu_ho")
    assert (heads == 1).all()
    assert (py["position"][py["relation"] == "chu_ho"] == 0).all()
    age = YEAR - p["birth_year"]
    assert age.min() >= 0 and age.max() <= 100
    assert (age[py["relation"] == "chu_ho"] >= 20).all()
    children = (py["relation"] == "con") & (p["father_name"] != "")
    surname = np.array([n.split(" ")[0] for n in p["full_name"][children]])
    father_surname = np.array([n.split(" ")[0] for n in p["father_name"][children]])
    assert (surname == father_surname).all()


def test_dates_ids_and_codes_are_valid() -> None:
    roll = generate_commune(spec(), YEAR, AS_OF, seed=3)
    p, py = roll.persons, roll.person_years
    assert (p["birth_date"] <= np.datetime64(AS_OF)).all()
    assert (p["birth_date"].astype("datetime64[Y]").astype(int) + 1970 == p["birth_year"]).all()
    moved = py["movement"] != ""
    dates = py["movement_date"][moved]
    assert (dates >= np.datetime64("2023-10-01")).all() and (dates <= np.datetime64(AS_OF)).all()
    assert np.isnat(py["movement_date"][~moved]).all()
    for pid, year, sex in zip(p["personal_id"], p["birth_year"], p["sex"], strict=True):
        if pid is None:
            continue
        assert len(pid) == 12 and pid.isdigit()
        assert int(pid[3]) == (year // 100 - 19) * 2 + (sex == "F")
        assert pid[4:6] == f"{year % 100:02d}"
    ids = [x for x in p["personal_id"] if x is not None]
    assert len(set(ids)) == len(ids)
    for column in YEAR_COLUMNS:
        values = py[column]
        if column.endswith("_year"):
            set_ = values >= 0
            assert (values[set_] <= YEAR).all(), column
            assert (values[set_] >= p["birth_year"][set_] + 4).all(), column
    assert set(p["ethnicity"]) <= {"", *names.STYLES}


def _share(roll, ages: tuple[int, int], numerator: np.ndarray) -> float:
    py = roll.person_years
    age = YEAR - roll.persons["birth_year"]
    counted = ~np.isin(py["movement"], ["moved_out", "deceased"]) & (py["disability"] == "")
    band = counted & (age >= ages[0]) & (age <= ages[1])
    return float((band & numerator).sum() / band.sum())


@pytest.mark.parametrize(
    ("profile", "dbkk", "ages", "what", "low", "high"),
    [
        ("excellent", False, (11, 11), "th_completed", 0.90, 1.0),
        ("th_l2_age11", False, (11, 11), "th_completed", 0.80, 0.90),
        ("th_l2_age11", True, (11, 11), "th_completed", 0.70, 0.80),
        ("thcs_l1", False, (15, 18), "thcs_graduated", 0.80, 0.90),
        ("thcs_fail", True, (15, 18), "thcs_graduated", 0.0, 0.70),
        ("mn5_attendance", False, (5, 5), "mn", 0.90, 0.95),
    ],
)
def test_profiles_land_between_thresholds(profile, dbkk, ages, what, low, high) -> None:
    roll = generate_commune(spec(profile, dbkk=dbkk), YEAR, AS_OF, seed=4)
    py = roll.person_years
    numerator = {
        "th_completed": (py["th_completed_year"] >= 0) | np.isin(py["enrolled_level"], ["THCS"]),
        "thcs_graduated": py["thcs_graduated_year"] >= 0,
        "mn": np.isin(py["enrolled_level"], ["MN", "TH"]),
    }[what]
    assert low <= _share(roll, ages, numerator) < high


def test_rows_match_columns() -> None:
    from pcgd.demo.records import HOUSEHOLD_COLUMNS, PERSON_COLUMNS, PERSON_YEAR_COLUMNS

    job = ChunkJob(spec(persons=500), YEAR, AS_OF, 1, 100, 1000, (7, 8, 9), None)  # type: ignore[arg-type]
    chunk = build_chunk(job)
    assert len(chunk.persons) == len(chunk.person_years) == 500
    assert {len(r) for r in chunk.households} == {len(HOUSEHOLD_COLUMNS)}
    assert {len(r) for r in chunk.persons} == {len(PERSON_COLUMNS)}
    assert {len(r) for r in chunk.person_years} == {len(PERSON_YEAR_COLUMNS)}
    assert chunk.persons[0][0] == 1000 and chunk.households[0][0] == 100
    assert {r[3] for r in chunk.households} <= {7, 8, 9}
    assert all(r[1] >= 100 for r in chunk.person_years)
