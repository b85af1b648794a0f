"""District and province roll-up, against standards.md §5 and §6."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pcgd.standards import (
    ChildResult,
    UnitRef,
    child_from_result,
    evaluate_aggregate,
    evaluate_commune,
    load_rules,
)

# (profile, tier, standard, level) → (share %, unverified) — standards.md §5 / §6
SPEC = {
    ("nd20-3tier", "district", "mn5", 1): (90, False),
    ("nd20-3tier", "district", "th", 1): (90, False),
    ("nd20-3tier", "district", "th", 2): (90, False),
    ("nd20-3tier", "district", "th", 3): (90, True),
    ("nd20-3tier", "district", "thcs", 1): (90, False),
    ("nd20-3tier", "district", "thcs", 2): (95, True),
    ("nd20-3tier", "district", "thcs", 3): (100, False),
    ("nd20-3tier", "district", "xmc", 1): (90, False),
    ("nd20-3tier", "district", "xmc", 2): (90, False),
    ("nd20-3tier", "province", "mn5", 1): (100, False),
    ("nd20-3tier", "province", "th", 1): (100, False),
    ("nd20-3tier", "province", "th", 2): (100, False),
    ("nd20-3tier", "province", "th", 3): (100, False),
    ("nd20-3tier", "province", "thcs", 1): (100, False),
    ("nd20-3tier", "province", "thcs", 2): (100, True),
    ("nd20-3tier", "province", "thcs", 3): (100, False),
    ("nd20-3tier", "province", "xmc", 1): (90, False),
    ("nd20-3tier", "province", "xmc", 2): (100, False),
    ("nd20-2tier", "province", "mn5", 1): (90, True),
    ("nd20-2tier", "province", "th", 1): (90, True),
    ("nd20-2tier", "province", "th", 2): (90, True),
    ("nd20-2tier", "province", "th", 3): (90, True),
    ("nd20-2tier", "province", "thcs", 1): (90, True),
    ("nd20-2tier", "province", "thcs", 2): (95, True),
    ("nd20-2tier", "province", "thcs", 3): (100, True),
    ("nd20-2tier", "province", "xmc", 1): (81, True),
    ("nd20-2tier", "province", "xmc", 2): (90, True),
}
YEAR = {"nd20-3tier": 2024, "nd20-2tier": 2025}
DISTRICT = UnitRef("001", "Huyện Thử", "district")
PROVINCE = UnitRef("01", "Tỉnh Thử", "province")


def children(
    n: int, at: dict[str, int], *, total: int, dbkk: bool = False, prefix: str = "c"
) -> list[ChildResult]:
    """`total` children with data; the first `n` have `at`, the others level 0 everywhere."""
    zero = dict.fromkeys(at, 0)
    return [
        ChildResult(f"{prefix}{i:04d}", True, dbkk, at if i < n else zero) for i in range(total)
    ]


def agg(year: int, kids: list[ChildResult], tier: str = "district") -> dict[str, Any]:
    unit = DISTRICT if tier == "district" else PROVINCE
    return evaluate_aggregate(unit, year, kids, rules=load_rules(), tier=tier)  # type: ignore[arg-type]


def std(result: dict[str, Any], standard: str) -> dict[str, Any]:
    (found,) = [s for s in result["standards"] if s["standard"] == standard]
    return found


def crit(result: dict[str, Any], cid: str) -> dict[str, Any]:
    (found,) = [r for s in result["standards"] for r in s["criteria"] if r["id"] == cid]
    return found


# ---------------------------------------------------------------------------------------------
# profile data equals the spec table


def test_profile_shares_match_spec() -> None:
    book = load_rules()
    got = {
        (p.name, t.tier, r.standard, r.level): (r.share, r.unverified)
        for p in book.profiles
        for t in p.tiers
        for r in t.rules
        if r.share_dbkk is None
    }
    assert got == SPEC
    (mn35,) = [r for r in book.profile_for(2025).tier("province").rules if r.standard == "mn35"]
    assert (mn35.share, mn35.share_dbkk, mn35.unverified) == (90, 85, True)


def test_profile_follows_survey_year() -> None:
    book = load_rules()
    assert book.profile_for(2015).name == book.profile_for(2024).name == "nd20-3tier"
    assert book.profile_for(2025).name == book.profile_for(2030).name == "nd20-2tier"
    with pytest.raises(ValueError):
        agg(2025, children(1, {"th": 1}, total=1), tier="district")


# ---------------------------------------------------------------------------------------------
# every share at −1 unit / exactly / +1, on 1000 children

TOTAL = 1000
# +1 unit above a 100% share does not exist, so that case is left out.
CASES = [
    (key, share, delta)
    for key, (share, _) in sorted(SPEC.items())
    for delta in (-1, 0, 1)
    if share * TOTAL // 100 + delta <= TOTAL
]


@pytest.mark.parametrize(
    ("key", "share", "delta"), CASES, ids=["-".join(map(str, (*k, d))) for k, _, d in CASES]
)
def test_share_boundaries(key: tuple[str, str, str, int], share: int, delta: int) -> None:
    profile, tier, standard, level = key
    total = TOTAL
    n = share * total // 100 + delta
    # everybody else is recognized one level below, so only this level's share is in question
    kids = [
        ChildResult(f"c{i}", True, False, {standard: level if i < n else level - 1})
        for i in range(total)
    ]
    result = agg(YEAR[profile], kids, tier)
    s = std(result, standard)
    r = crit(result, f"{standard}.share_l{level}")
    assert (r["numerator"], r["denominator"], r["threshold"]) == (n, total, share)
    assert r["passed"] is (delta >= 0)
    assert r["shortfall"] == (1 if delta < 0 else 0)
    assert r["unverified"] is SPEC[key][1]
    assert s["units_total"] == total
    assert s["units_at_level"][str(level)] == n
    assert s["level"] == s["recognized_level"]
    # all others sit one level below, so every lower level has 100%
    assert s["level"] == (level if delta >= 0 else level - 1)


def test_899_of_1000_communes_is_not_90_percent() -> None:
    at_899 = agg(2024, children(899, {"th": 1}, total=1000))
    at_900 = agg(2024, children(900, {"th": 1}, total=1000))
    assert std(at_899, "th")["level"] == 0
    assert crit(at_899, "th.share_l1")["rate"] == 89.9
    assert crit(at_899, "th.share_l1")["shortfall"] == 1
    assert std(at_900, "th")["level"] == 1
    assert crit(at_900, "th.share_l1")["rate"] == 90.0


def test_levels_are_cumulative_and_units_at_level_counts_at_least() -> None:
    kids = [ChildResult(f"a{i}", True, False, {"thcs": 3}) for i in range(90)] + [
        ChildResult(f"b{i}", True, False, {"thcs": 1}) for i in range(10)
    ]
    s = std(agg(2024, kids), "thcs")
    assert s["units_at_level"] == {"1": 100, "2": 90, "3": 90}
    assert s["level"] == 1  # L2 needs 95%, so L3 is out of reach too
    assert crit(agg(2024, kids), "thcs.share_l2")["shortfall"] == 5


def test_province_3tier_xmc_is_90_percent_of_districts_but_l2_needs_all() -> None:
    kids = [ChildResult(f"d{i}", True, 2, {"xmc": 2 if i else 1}) for i in range(10)]
    result = agg(2024, kids, "province")
    assert std(result, "xmc")["level"] == 1
    assert std(result, "mn5")["level"] == 0  # no district recognized for mn5
    assert result["dbkk"] == 20  # ĐBKK communes summed over districts
    assert result["profile"] == "nd20-3tier"


def test_province_2tier_xmc_81_percent() -> None:
    assert std(agg(2025, children(81, {"xmc": 1}, total=100), "province"), "xmc")["level"] == 1
    assert std(agg(2025, children(80, {"xmc": 1}, total=100), "province"), "xmc")["level"] == 0
    assert agg(2025, children(80, {"xmc": 1}, total=100), "province")["profile"] == "nd20-2tier"


# ---------------------------------------------------------------------------------------------
# mn35 province rule: ≥ 90% of ordinary and ≥ 85% of ĐBKK communes


@pytest.mark.parametrize(
    ("ordinary", "special", "passed"),
    [(90, 17, True), (89, 17, False), (90, 16, False), (100, 20, True), (0, 20, False)],
)
def test_mn35_province_split_rule(ordinary: int, special: int, passed: bool) -> None:
    kids = children(ordinary, {"mn35": 1}, total=100, prefix="o") + children(
        special, {"mn35": 1}, total=20, dbkk=True, prefix="k"
    )
    result = agg(2025, kids, "province")
    s = std(result, "mn35")
    assert s["level"] == (1 if passed else 0)
    assert s["units_total"] == 120 and s["units_at_level"] == {"1": ordinary + special}
    o, k = crit(result, "mn35.share_l1_ordinary"), crit(result, "mn35.share_l1_dbkk")
    assert (o["numerator"], o["denominator"], o["threshold"]) == (ordinary, 100, 90)
    assert (k["numerator"], k["denominator"], k["threshold"]) == (special, 20, 85)
    assert o["unverified"] and k["unverified"]
    assert result["dbkk"] == 20


def test_mn35_without_dbkk_communes() -> None:
    result = agg(2025, children(90, {"mn35": 1}, total=100), "province")
    assert std(result, "mn35")["level"] == 1
    assert crit(result, "mn35.share_l1_dbkk")["denominator"] == 0
    old = agg(2024, children(1, {"th": 1}, total=1))
    assert "mn35" not in [s["standard"] for s in old["standards"]]


# ---------------------------------------------------------------------------------------------
# missing communes


def test_children_without_data_count_as_not_recognized() -> None:
    with_data = children(9, {"th": 1}, total=9)
    one_missing = [*with_data, ChildResult("x1", False, False, {"th": 3})]
    two_missing = [*with_data[:8], *(ChildResult(f"x{i}", False, False, {}) for i in range(2))]
    r1 = agg(2024, one_missing)
    assert std(r1, "th")["units_at_level"] == {"1": 9, "2": 0, "3": 0}
    assert std(r1, "th")["level"] == 1  # 9/10 = 90%
    assert "1 of 10 communes have no data" in crit(r1, "th.share_l1")["note"]
    r2 = agg(2024, two_missing)
    assert std(r2, "th")["level"] == 0
    assert crit(r2, "th.share_l1")["shortfall"] == 1


def test_no_child_with_data_means_level_zero() -> None:
    kids = [ChildResult(f"x{i}", False, False, {"th": 3}) for i in range(5)]
    result = agg(2024, kids)
    assert result["has_data"] is False
    assert all(s["level"] == 0 for s in result["standards"])
    assert crit(result, "th.share_l1")["passed"] is False
    assert "no lower unit has data" in crit(result, "th.share_l1")["note"]
    assert agg(2024, [])["has_data"] is False


# ---------------------------------------------------------------------------------------------
# end to end: communes → district → province


def perfect_counts() -> dict[int, dict[str, int]]:
    from pcgd.standards import NUMERATOR_METRICS

    return {a: {"roll": 10, "ppc": 10, **dict.fromkeys(NUMERATOR_METRICS, 10)} for a in range(62)}


def test_commune_results_roll_up() -> None:
    communes = [
        evaluate_commune(
            UnitRef(f"{i:05d}", f"Xã {i}", "commune"),
            2024,
            perfect_counts() if i < 9 else {},
            dbkk=i == 0,
            has_data=i < 9,
        )
        for i in range(10)
    ]
    district = agg(2024, [child_from_result(c) for c in communes])
    assert district["dbkk"] == 1
    assert district["has_data"] is True
    assert {s["standard"]: s["level"] for s in district["standards"]} == {
        "mn5": 1,
        "th": 3,
        "thcs": 1,  # L1 needs 90%: 9/10 ok; L2 needs 95%: 9/10 fails
        "xmc": 2,
    }
    assert json.loads(json.dumps(district, allow_nan=False)) == district
    assert std(district, "thcs")["units_at_level"] == {"1": 9, "2": 9, "3": 9}
    assert district["unit"] == {"code": "001", "name": "Huyện Thử", "kind": "district"}
    assert std(district, "th")["conditions"] == []
    province = agg(2024, [child_from_result(district)], "province")
    assert std(province, "th")["level"] == 3
    assert std(province, "thcs")["level"] == std(district, "thcs")["level"]
