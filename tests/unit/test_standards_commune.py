"""Commune evaluation, row by row against standards.md §4 and §6.

Expected values come from the tables below (copied from the spec), never from the rule data.
"""

from __future__ import annotations

import json
import math
from fractions import Fraction
from typing import Any

import pytest

from pcgd.standards import (
    METRICS,
    NUMERATOR_METRICS,
    Condition,
    UnitRef,
    evaluate_commune,
    load_rules,
    loads_rules,
    rate,
    shortfall,
    shortfall_predicate,
)
from pcgd.standards.rules import packaged_rules_text

# (id, level, metric, band, band ĐBKK, threshold, threshold ĐBKK, unverified) — standards.md §4, §6
SPEC: list[tuple[str, int, str, tuple[int, int], tuple[int, int], int, int, bool]] = [
    ("mn5.attendance", 1, "mn_attending", (5, 5), (5, 5), 95, 90, False),
    ("mn5.completion", 1, "mn_completed", (6, 6), (6, 6), 85, 80, False),
    ("th.grade1_age6", 1, "grade1_plus", (6, 6), (6, 6), 90, 90, False),
    ("th.grade1_age6", 2, "grade1_plus", (6, 6), (6, 6), 95, 95, False),
    ("th.grade1_age6", 3, "grade1_plus", (6, 6), (6, 6), 98, 98, False),
    ("th.completed_age14", 1, "th_completed", (14, 14), (14, 14), 80, 70, False),
    ("th.completed_age14", 2, "th_completed", (14, 14), (14, 14), 80, 70, False),
    ("th.completed_age14", 3, "th_completed", (14, 14), (14, 14), 80, 70, False),
    ("th.completed_age11", 2, "th_completed", (11, 11), (11, 11), 80, 70, False),
    ("th.completed_age11", 3, "th_completed", (11, 11), (11, 11), 90, 80, False),
    ("th.remaining_age11", 2, "th_completed_or_enrolled", (11, 11), (11, 11), 100, 100, False),
    ("th.remaining_age11", 3, "th_completed_or_enrolled", (11, 11), (11, 11), 100, 100, True),
    ("xmc.literate1", 1, "lit1", (15, 35), (15, 25), 90, 90, False),
    ("xmc.literate1", 2, "lit1", (15, 35), (15, 25), 90, 90, False),
    ("xmc.literate2", 2, "lit2", (15, 60), (15, 35), 90, 90, False),
    ("thcs.graduated_15_18", 1, "thcs_graduated", (15, 18), (15, 18), 80, 70, False),
    ("thcs.graduated_15_18", 2, "thcs_graduated", (15, 18), (15, 18), 90, 80, True),
    ("thcs.graduated_15_18", 3, "thcs_graduated", (15, 18), (15, 18), 95, 90, False),
    ("thcs.studying_15_18", 3, "studying", (15, 18), (15, 18), 80, 70, False),
    ("mn35.attendance", 1, "mn_enrolled", (3, 5), (3, 5), 90, 85, True),
    ("mn35.completion_age3", 1, "mn_group_ge3", (4, 4), (4, 4), 85, 80, True),
    ("mn35.completion_age4", 1, "mn_group_ge4", (5, 5), (5, 5), 85, 80, True),
    ("mn35.completion_age5", 1, "mn_group_ge5", (6, 6), (6, 6), 85, 80, True),
]
MAX_LEVEL = {"mn5": 1, "th": 3, "thcs": 3, "xmc": 2, "mn35": 1}
UNIT = UnitRef("00001", "Xã Thử", "commune")
YEAR = 2025  # every standard (mn35 too) is in force


# ---------------------------------------------------------------------------------------------
# helpers


def full(n: int = 100) -> dict[int, dict[str, int]]:
    """A commune where everybody in every age is in the PPC and in every numerator."""
    return {age: {"roll": n, "ppc": n, **dict.fromkeys(NUMERATOR_METRICS, n)} for age in range(62)}


def _split(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def set_band(
    counts: dict[int, dict[str, int]], band: tuple[int, int], metric: str, num: int, den: int
) -> dict[int, dict[str, int]]:
    """Spread a PPC of `den` over the band with `num` of them in `metric`, the rest all-pass."""
    ages = range(band[0], band[1] + 1)
    for age, d, k in zip(ages, _split(den, len(ages)), _split(num, len(ages)), strict=True):
        counts[age] = {"roll": d, "ppc": d, **dict.fromkeys(NUMERATOR_METRICS, d), metric: k}
    return counts


def run(counts: Any, *, dbkk: bool = False, year: int = YEAR, **kw: Any) -> dict[str, Any]:
    kw.setdefault("has_data", True)
    return evaluate_commune(UNIT, year, counts, dbkk=dbkk, rules=load_rules(), **kw)


def std(result: dict[str, Any], standard: str) -> dict[str, Any]:
    (found,) = [s for s in result["standards"] if s["standard"] == standard]
    return found


def row(result: dict[str, Any], cid: str, level: int) -> dict[str, Any]:
    found = [
        r
        for s in result["standards"]
        for r in s["criteria"]
        if r["id"] == cid and r["level"] == level
    ]
    assert len(found) == 1, (cid, level)
    return found[0]


def brute_shortfall(num: int, den: int, thr: int) -> int:
    k = 0
    while (num + k) * 100 < thr * den:
        k += 1
    return k


def expected_level(cid: str, num: int, den: int, dbkk: bool) -> int:
    """Level of the criterion's standard when only `cid` is below 100%, per the SPEC table."""
    standard = cid.split(".")[0]
    level = 0
    for lv in range(1, MAX_LEVEL[standard] + 1):
        for s in SPEC:
            if s[0] == cid and s[1] == lv and num * 100 < (s[6] if dbkk else s[5]) * den:
                return level
        level = lv
    return level


# ---------------------------------------------------------------------------------------------
# rule data equals the spec tables


def test_rule_rows_match_spec_exactly() -> None:
    book = load_rules()
    got = {
        (c.id, c.level): (
            c.metric,
            c.band,
            c.band_dbkk,
            c.threshold,
            c.threshold_dbkk,
            c.unverified,
        )
        for c in book.criteria
    }
    want = {(s[0], s[1]): s[2:] for s in SPEC}
    assert got == want
    assert all(c.source for c in book.criteria)


def test_mn35_only_from_2025() -> None:
    book = load_rules()
    assert not any(c.standard == "mn35" for c in book.criteria_for(2024))
    assert any(c.standard == "mn35" for c in book.criteria_for(2025))
    assert "mn35" not in [s["standard"] for s in run(full(), year=2024)["standards"]]
    assert [s["standard"] for s in run(full())["standards"]] == [
        "mn5",
        "th",
        "thcs",
        "xmc",
        "mn35",
    ]


def test_metrics_constant_covers_numerators_and_disabled_twins() -> None:
    assert {"roll", "ppc", "ppc_d"} <= set(METRICS)
    for s in SPEC:
        assert s[2] in METRICS and s[2] + "_d" in METRICS
    assert len(METRICS) == len(set(METRICS))


# ---------------------------------------------------------------------------------------------
# each criterion at threshold −1 person, exactly at, +1


# One person below, exactly at, one person above the threshold, of a PPC of DEN.
# +1 above a 100% threshold does not exist, so that case is left out.
DEN = 200
CASES = [
    (s, dbkk, delta)
    for s in SPEC
    for dbkk in (False, True)
    for delta in (-1, 0, 1)
    if (s[6] if dbkk else s[5]) * DEN // 100 + delta <= DEN
]


@pytest.mark.parametrize(
    ("spec", "dbkk", "delta"),
    CASES,
    ids=[f"{s[0]}-L{s[1]}-{'dbkk' if d else 'normal'}{x:+d}" for s, d, x in CASES],
)
def test_threshold_boundaries(spec: tuple[Any, ...], dbkk: bool, delta: int) -> None:
    cid, level, metric, band, band_dbkk, thr, thr_dbkk = spec[:7]
    band, thr = (band_dbkk, thr_dbkk) if dbkk else (band, thr)
    den = DEN
    num = thr * den // 100 + delta
    result = run(set_band(full(), band, metric, num, den), dbkk=dbkk)
    r = row(result, cid, level)
    assert (r["numerator"], r["denominator"]) == (num, den)
    assert r["threshold"] == thr
    assert r["passed"] is (delta >= 0)
    assert r["shortfall"] == (1 if delta < 0 else 0)
    assert r["rate"] == round(num * 100 / den, 2)
    assert r["unverified"] is spec[7]
    standard = cid.split(".")[0]
    assert std(result, standard)["level"] == expected_level(cid, num, den, dbkk)


@pytest.mark.parametrize(("num", "den"), [(6, 7), (5, 6), (0, 1), (17, 20), (16, 19)])
def test_exact_comparison_on_awkward_denominators(num: int, den: int) -> None:
    result = run(set_band(full(), (6, 6), "mn_completed", num, den))
    r = row(result, "mn5.completion", 1)
    assert r["passed"] is (Fraction(num, den) >= Fraction(85, 100))
    assert r["shortfall"] == brute_shortfall(num, den, 85)


def test_display_rounding_does_not_decide() -> None:
    # 89.996% shows as 90.0 but is below 90%.
    result = run(set_band(full(), (6, 6), "grade1_plus", 89996, 100000))
    r = row(result, "th.grade1_age6", 1)
    assert r["rate"] == 90.0
    assert r["passed"] is False and r["shortfall"] == 4
    assert std(result, "th")["level"] == 0


@pytest.mark.parametrize(
    ("num", "den", "thr"), [(0, 10, 90), (89, 100, 90), (1, 3, 85), (0, 0, 90), (57, 61, 95)]
)
def test_shortfall_matches_brute_force(num: int, den: int, thr: int) -> None:
    assert shortfall(num, den, Fraction(thr)) == brute_shortfall(num, den, thr)


def test_shortfall_leaves_denominator_unchanged() -> None:
    # 5 of 10 at 90%: adding k people must reach 9 of the same 10 → k = 4, not (5+k)/(10+k).
    result = run(set_band(full(), (6, 6), "grade1_plus", 5, 10))
    assert row(result, "th.grade1_age6", 1)["shortfall"] == 4
    assert row(result, "th.grade1_age6", 3)["shortfall"] == math.ceil(9.8) - 5


def test_rate_is_rounded_half_up_for_display_only() -> None:
    assert rate(2, 3) == 66.67
    assert rate(1, 800) == 0.13  # 0.125 → 0.13 (float rounding would give 0.12)
    assert rate(0, 0) is None


# ---------------------------------------------------------------------------------------------
# ĐBKK bands and thresholds


def test_xmc_dbkk_band_ignores_ages_26_to_35() -> None:
    counts = full()
    for age in range(26, 36):  # illiterate 26–35-year-olds
        counts[age]["lit1"] = counts[age]["lit2"] = 0
    normal, dbkk = run(counts), run(counts, dbkk=True)
    assert row(normal, "xmc.literate1", 1)["denominator"] == 21 * 100
    assert row(normal, "xmc.literate1", 1)["passed"] is False
    assert std(normal, "xmc")["level"] == 0
    assert row(dbkk, "xmc.literate1", 1)["denominator"] == 11 * 100
    assert row(dbkk, "xmc.literate1", 1)["passed"] is True
    assert row(dbkk, "xmc.literate2", 2)["denominator"] == 21 * 100  # ĐBKK 15–35
    assert std(dbkk, "xmc")["level"] == 1  # level 2 fails on 26–35 within 15–35


def test_xmc_dbkk_literate2_band_ignores_36_to_60() -> None:
    counts = full()
    for age in range(36, 61):
        counts[age]["lit2"] = 0
    assert std(run(counts), "xmc")["level"] == 1
    assert std(run(counts, dbkk=True), "xmc")["level"] == 2
    assert row(run(counts, dbkk=True), "xmc.literate2", 2)["numerator"] == 21 * 100


def test_dbkk_threshold_applies_only_with_the_flag() -> None:
    counts = set_band(full(), (14, 14), "th_completed", 75, 100)
    assert row(run(counts), "th.completed_age14", 1)["threshold"] == 80
    assert std(run(counts), "th")["level"] == 0
    assert row(run(counts, dbkk=True), "th.completed_age14", 1)["threshold"] == 70
    assert std(run(counts, dbkk=True), "th")["level"] == 3
    assert run(counts, dbkk=True)["dbkk"] is True


# ---------------------------------------------------------------------------------------------
# empty bands, no data


def test_empty_band_passes_with_null_rate_and_note() -> None:
    counts = full()
    counts[14] = {}
    r = row(run(counts), "th.completed_age14", 1)
    assert r["denominator"] == 0 and r["rate"] is None and r["passed"] is True
    assert "empty" in r["note"]
    assert std(run(counts), "th")["level"] == 3


def test_missing_ages_and_metrics_are_zero() -> None:
    result = run({6: {"ppc": 10, "grade1_plus": 10}})
    assert row(result, "th.grade1_age6", 3)["passed"] is True
    assert row(result, "mn5.completion", 1)["numerator"] == 0
    assert row(result, "mn5.completion", 1)["shortfall"] == 9


def test_no_data_means_level_zero_everywhere() -> None:
    result = run(full(), has_data=False)
    assert result["has_data"] is False
    for s in result["standards"]:
        assert s["level"] == 0 and s["recognized_level"] == 0
        assert all(r["passed"] is False for r in s["criteria"])
    assert std(run(full()), "th")["level"] == 3  # the same counts with data do pass


@pytest.mark.parametrize("bad", [{62: {"ppc": 1}}, {5: {"ppcc": 1}}, {5: {"ppc": -1}}])
def test_bad_counts_are_rejected(bad: dict[int, dict[str, int]]) -> None:
    with pytest.raises(ValueError):
        run(bad)


# ---------------------------------------------------------------------------------------------
# policy disabled_excluded


def disabled_counts() -> dict[int, dict[str, int]]:
    counts = full()
    counts[6] = {"roll": 100, "ppc": 90, "grade1_plus": 90, "ppc_d": 10, "grade1_plus_d": 1}
    return counts


def test_policy_all_leaves_disabled_out() -> None:
    result = run(disabled_counts())
    r = row(result, "th.grade1_age6", 1)
    assert (r["numerator"], r["denominator"]) == (90, 90)
    assert std(result, "th")["level"] == 3
    assert result["policy"] == {"disabled_excluded": "all"}


def test_policy_unable_only_adds_disabled_able_to_learn() -> None:
    result = run(disabled_counts(), policy="unable_only")
    r = row(result, "th.grade1_age6", 1)
    assert (r["numerator"], r["denominator"]) == (91, 100)
    assert std(result, "th")["level"] == 1  # 91% ≥ 90 but < 95
    assert row(result, "th.grade1_age6", 2)["shortfall"] == 4


def test_unknown_policy_is_rejected() -> None:
    with pytest.raises(ValueError):
        run(full(), policy="none")


def test_people_query_follows_band_and_policy() -> None:
    q = shortfall_predicate("xmc.literate1")
    assert (q.metric, q.band, q.include_able_disabled) == ("lit1", (15, 35), False)
    q = shortfall_predicate("xmc.literate1", dbkk=True, policy="unable_only")
    assert (q.band, q.include_able_disabled) == ((15, 25), True)
    assert shortfall_predicate("mn35.completion_age4").band == (5, 5)
    with pytest.raises(KeyError):
        shortfall_predicate("th.nope")


# ---------------------------------------------------------------------------------------------
# cumulative levels


def test_level_needs_every_lower_level() -> None:
    # A made-up rule set where level 3 is easier than level 2: 94% must still stop at level 1.
    text = packaged_rules_text().replace(
        "{ level = 3, threshold = 98,", "{ level = 3, threshold = 50,"
    )
    book = loads_rules(text)
    counts = set_band(full(), (6, 6), "grade1_plus", 94, 100)
    result = evaluate_commune(UNIT, YEAR, counts, dbkk=False, has_data=True, rules=book)
    assert row(result, "th.grade1_age6", 3)["passed"] is True
    assert row(result, "th.grade1_age6", 2)["passed"] is False
    assert std(result, "th")["level"] == 1


def test_every_level_row_is_reported() -> None:
    result = run(full())
    ids = [(r["id"], r["level"]) for r in std(result, "th")["criteria"]]
    assert ids.count(("th.grade1_age6", 1)) == 1
    th_rows = std(result, "th")["criteria"]
    assert [r["threshold"] for r in th_rows if r["id"] == "th.grade1_age6"] == [90, 95, 98]
    assert {s["standard"]: s["level"] for s in result["standards"]} == MAX_LEVEL


# ---------------------------------------------------------------------------------------------
# THCS prerequisite


def test_thcs_needs_th_level1() -> None:
    result = run(set_band(full(), (6, 6), "grade1_plus", 89, 100))
    assert std(result, "th")["level"] == 0
    assert std(result, "thcs")["level"] == 0
    assert all(r["passed"] for r in std(result, "thcs")["criteria"])
    assert std(result, "thcs")["prerequisites"][0]["passed"] is False


def test_thcs_needs_xmc_level1() -> None:
    result = run(set_band(full(), (15, 35), "lit1", 89, 100))
    assert std(result, "xmc")["level"] == 0
    assert std(result, "thcs")["level"] == 0
    assert std(result, "th")["level"] == 3


def test_thcs_keeps_its_level_when_th_is_only_level1() -> None:
    result = run(set_band(full(), (6, 6), "grade1_plus", 90, 100))
    assert std(result, "th")["level"] == 1
    assert std(result, "thcs")["level"] == 3


def test_thcs_recognition_needs_th_recognition() -> None:
    conditions = {"th": [Condition("th.rooms_per_class", numerator=6, denominator=10)]}
    result = run(full(), conditions=conditions)
    assert std(result, "th")["level"] == 3 and std(result, "th")["recognized_level"] == 0
    assert std(result, "thcs")["level"] == 3
    assert std(result, "thcs")["recognized_level"] == 0
    assert std(result, "xmc")["recognized_level"] == 2


# ---------------------------------------------------------------------------------------------
# conditions (TT 07)


@pytest.mark.parametrize(
    ("standard", "cid", "num", "den", "passed"),
    [
        ("mn5", "mn5.rooms_per_class", 10, 10, True),
        ("mn5", "mn5.rooms_per_class", 9, 10, False),
        ("th", "th.rooms_per_class", 7, 10, True),
        ("th", "th.rooms_per_class", 69, 100, False),
        ("thcs", "thcs.rooms_per_class", 1, 2, True),
        ("thcs", "thcs.rooms_per_class", 49, 100, False),
        ("th", "th.teachers_trained", 40, 40, True),
        ("th", "th.teachers_trained", 39, 40, False),
        ("mn5", "mn5.teachers_trained", 12, 12, True),
        ("thcs", "thcs.teachers_trained", 99, 100, False),
    ],
)
def test_condition_thresholds(standard: str, cid: str, num: int, den: int, passed: bool) -> None:
    result = run(full(), conditions={standard: [Condition(cid, numerator=num, denominator=den)]})
    s = std(result, standard)
    (c,) = [c for c in s["conditions"] if c["id"] == cid]
    assert c["passed"] is passed
    assert s["level"] == MAX_LEVEL[standard]
    assert s["recognized_level"] == (MAX_LEVEL[standard] if passed else 0)


def test_condition_values_and_thresholds_are_reported() -> None:
    cond = {"th": [Condition("th.rooms_per_class", numerator=2, denominator=3)]}
    (c, t) = std(run(full(), conditions=cond), "th")["conditions"]
    assert c == {
        "id": "th.rooms_per_class",
        "passed": False,
        "value": 0.67,
        "threshold": 0.7,
        "note": "",
    }
    assert t["id"] == "th.teachers_trained" and t["passed"] is None and t["threshold"] == 100


def test_null_conditions_do_not_block() -> None:
    result = run(full(), conditions=None)
    for s in result["standards"]:
        assert all(c["passed"] is None for c in s["conditions"])
        assert s["recognized_level"] == s["level"] == MAX_LEVEL[s["standard"]]
    zero = {"mn5": [Condition("mn5.rooms_per_class", numerator=0, denominator=0)]}
    assert std(run(full(), conditions=zero), "mn5")["recognized_level"] == 1


def test_explicit_false_condition_blocks_and_true_does_not() -> None:
    blocked = run(full(), conditions={"xmc": [Condition("xmc.volunteers", passed=False)]})
    assert std(blocked, "xmc")["recognized_level"] == 0
    assert std(blocked, "xmc")["conditions"][0]["threshold"] is None
    ok = run(full(), conditions={"xmc": [Condition("xmc.volunteers", passed=True)]})
    assert std(ok, "xmc")["recognized_level"] == 2


# ---------------------------------------------------------------------------------------------
# output shape


def test_output_shape_is_the_section7_object() -> None:
    result = run(set_band(full(), (5, 5), "mn_attending", 90, 100))
    assert json.loads(json.dumps(result, allow_nan=False)) == result
    assert result == run(set_band(full(), (5, 5), "mn_attending", 90, 100))
    assert result["unit"] == {"code": "00001", "name": "Xã Thử", "kind": "commune"}
    assert (result["year"], result["profile"], result["has_data"]) == (2025, "nd20-2tier", True)
    assert run(full(), year=2024)["profile"] == "nd20-3tier"
    for s in result["standards"]:
        assert {"standard", "level", "recognized_level", "max_level", "criteria", "conditions"} <= (
            s.keys()
        )
        for r in s["criteria"]:
            assert {
                "id",
                "level",
                "numerator",
                "denominator",
                "rate",
                "threshold",
                "passed",
                "unverified",
                "note",
                "shortfall",
            } <= r.keys()
    assert row(result, "mn5.attendance", 1)["shortfall"] == 5
