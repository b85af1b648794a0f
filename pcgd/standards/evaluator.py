"""The one evaluator: per-age counts + rule book → levels with explanations (standards.md §7).

Pure and deterministic: no I/O, exact integer/Fraction comparisons, JSON-ready output.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from typing import Any, Literal, NamedTuple

from .inputs import ChildResult, Condition, Counts, UnitRef
from .metrics import DISABLED_SUFFIX, MAX_AGE, METRICS
from .model import ConditionRule, Criterion, RuleBook, Standard
from .rules import load_rules, num

_KNOWN = frozenset(METRICS)
NO_DATA_NOTE = "no data for this year (nobody on the roll): level 0"
NO_CHILD_DATA_NOTE = "no lower unit has data for this year: level 0"


# ---------------------------------------------------------------------------------------------
# Arithmetic shared by commune and aggregate rows


def passes(numerator: int, denominator: int, threshold: Fraction) -> bool:
    """The legal test `numerator/denominator >= threshold%`, exactly (no floats)."""
    return numerator * 100 >= threshold * denominator


def shortfall(numerator: int, denominator: int, threshold: Fraction) -> int:
    """Smallest k >= 0 with (numerator + k) * 100 >= threshold * denominator."""
    return max(0, math.ceil(threshold * denominator / 100) - numerator)


def round2(value: Fraction) -> float:
    """Round half up to 2 decimals, exactly, for display only."""
    return math.floor(value * 100 + Fraction(1, 2)) / 100


def rate(numerator: int, denominator: int) -> float | None:
    return None if denominator == 0 else round2(Fraction(numerator * 100, denominator))


def _rate_row(
    *,
    cid: str,
    level: int,
    numerator: int,
    denominator: int,
    threshold: Fraction,
    unverified: bool,
    has_data: bool,
    empty_note: str,
    note: str = "",
    no_data_note: str = NO_DATA_NOTE,
) -> dict[str, Any]:
    if not has_data:
        passed, short, note = False, None, no_data_note
    elif denominator == 0:
        passed, short, note = True, 0, empty_note
    else:
        passed = passes(numerator, denominator, threshold)
        short = shortfall(numerator, denominator, threshold)
    return {
        "id": cid,
        "level": level,
        "numerator": numerator,
        "denominator": denominator,
        "rate": rate(numerator, denominator),
        "threshold": num(threshold),
        "passed": passed,
        "unverified": unverified,
        "note": note,
        "shortfall": short,
    }


def _cumulative_level(rows: Sequence[Mapping[str, Any]], max_level: int) -> int:
    """Largest L such that every row of levels 1..L passed (a level without rows stops it)."""
    level = 0
    for lv in range(1, max_level + 1):
        at = [r for r in rows if r["level"] == lv]
        if not at or not all(r["passed"] for r in at):
            break
        level = lv
    return level


# ---------------------------------------------------------------------------------------------
# Commune


class _Tally:
    """Validated per-age counts; missing ages or metrics count as 0."""

    def __init__(self, by_age: Counts) -> None:
        for age, row in by_age.items():
            if isinstance(age, bool) or not isinstance(age, int) or not 0 <= age <= MAX_AGE:
                raise ValueError(f"age must be an int in 0..{MAX_AGE}, got {age!r}")
            for metric, value in row.items():
                if metric not in _KNOWN:
                    raise ValueError(f"unknown metric {metric!r} at age {age}")
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    raise ValueError(f"{metric} at age {age} must be a count >= 0, got {value!r}")
        self._by_age = by_age

    def sum(self, metric: str, band: tuple[int, int]) -> int:
        lo, hi = band
        return sum(self._by_age.get(age, {}).get(metric, 0) for age in range(lo, hi + 1))


def _band_text(band: tuple[int, int]) -> str:
    return str(band[0]) if band[0] == band[1] else f"{band[0]}–{band[1]}"


def _criterion_row(
    c: Criterion, tally: _Tally, *, dbkk: bool, include_able_disabled: bool, has_data: bool
) -> dict[str, Any]:
    band = c.band_for(dbkk)
    denominator = tally.sum("ppc", band)
    numerator = tally.sum(c.metric, band)
    if include_able_disabled:
        denominator += tally.sum("ppc_d", band)
        numerator += tally.sum(c.metric + DISABLED_SUFFIX, band)
    note = "numerator exceeds the PPC: check the counts" if numerator > denominator else ""
    return _rate_row(
        cid=c.id,
        level=c.level,
        numerator=numerator,
        denominator=denominator,
        threshold=c.threshold_for(dbkk),
        unverified=c.unverified,
        has_data=has_data,
        empty_note=f"band {_band_text(band)} is empty (nobody to universalise): passes",
        note=note,
    )


def _condition_row(rule: ConditionRule | None, cid: str, cond: Condition | None) -> dict[str, Any]:
    threshold = rule.threshold if rule is not None else None
    row: dict[str, Any] = {
        "id": cid,
        "passed": None,
        "value": None,
        "threshold": num(threshold),
        "note": "no registry data" if cond is None else cond.note,
    }
    if cond is None:
        return row
    if rule is not None and cond.numerator is not None and cond.denominator is not None:
        if cond.denominator == 0:
            row["note"] = cond.note or "nothing to measure in the registry (denominator 0)"
            return row
        scale = 100 if rule.kind == "percent" else 1
        value = Fraction(cond.numerator * scale, cond.denominator)
        row["value"] = round2(value)
        row["passed"] = value >= rule.threshold
    else:
        row["passed"] = cond.passed
    return row


def _condition_rows(
    rules: Sequence[ConditionRule], given: Iterable[Condition]
) -> list[dict[str, Any]]:
    """One row per condition rule (null when the registry gave nothing), then any extras."""
    by_id = {c.id: c for c in given}
    rows = [_condition_row(r, r.id, by_id.pop(r.id, None)) for r in rules]
    rows += [_condition_row(None, cid, c) for cid, c in by_id.items()]
    return rows


def _dependency_order(standards: Sequence[Standard], book: RuleBook) -> list[Standard]:
    """Standards with their prerequisites first (the rule loader rejects cycles)."""
    done: list[Standard] = []
    pending = list(standards)
    while pending:
        ids = {s.id for s in done}
        ready = [
            s
            for s in pending
            if all(
                r in ids or r not in {p.id for p in pending}
                for p in book.prerequisites_for(s.id)
                for r, _ in p.requires
            )
        ]
        if not ready:  # defensive: a cycle cannot get past the loader
            ready = pending
        done += ready
        pending = [s for s in pending if s not in ready]
    return done


def _apply_prerequisites(
    std: Standard, book: RuleBook, results: Mapping[str, dict[str, Any]], result: dict[str, Any]
) -> None:
    """Cap `level` by the prerequisites' levels and `recognized_level` by theirs."""
    for pre in book.prerequisites_for(std.id):
        for req, min_level in pre.requires:
            other = results.get(req)
            lv = other["level"] if other else None
            rec = other["recognized_level"] if other else None
            ok, rec_ok = lv is not None and lv >= min_level, rec is not None and rec >= min_level
            if not ok:
                result["level"] = min(result["level"], pre.level - 1)
            if not rec_ok:
                result["recognized_level"] = min(result["recognized_level"], pre.level - 1)
            result["prerequisites"].append(
                {
                    "for_level": pre.level,
                    "standard": req,
                    "min_level": min_level,
                    "level": lv,
                    "recognized_level": rec,
                    "passed": ok,
                    "recognized_passed": rec_ok,
                }
            )


def evaluate_commune(
    unit: UnitRef,
    year: int,
    counts: Counts,
    *,
    dbkk: bool,
    has_data: bool,
    conditions: Mapping[str, Sequence[Condition]] | None = None,
    rules: RuleBook | None = None,
    policy: str | None = None,
) -> dict[str, Any]:
    """Evaluate one commune for one survey year (standards.md §4, §6, §7)."""
    book = rules or load_rules()
    chosen = book.resolve_policy("disabled_excluded", policy)
    profile = book.profile_for(year)
    tally = _Tally(counts)
    results: dict[str, dict[str, Any]] = {}
    for std in _dependency_order(book.standards_for(year), book):
        rows = [
            _criterion_row(
                c,
                tally,
                dbkk=dbkk,
                include_able_disabled=chosen == "unable_only",
                has_data=has_data,
            )
            for c in sorted(book.criteria_for(year, std.id), key=lambda c: c.level)
        ]
        level = _cumulative_level(rows, std.max_level) if has_data else 0
        cond_rows = _condition_rows(book.conditions_for(std.id), (conditions or {}).get(std.id, ()))
        blocked = any(r["passed"] is False for r in cond_rows)
        result: dict[str, Any] = {
            "standard": std.id,
            "level": level,
            "recognized_level": 0 if blocked else level,
            "max_level": std.max_level,
            "criteria": rows,
            "conditions": cond_rows,
            "prerequisites": [],
        }
        _apply_prerequisites(std, book, results, result)
        results[std.id] = result
    return {
        "unit": {"code": unit.code, "name": unit.name, "kind": unit.kind},
        "year": year,
        "profile": profile.name,
        "has_data": has_data,
        "dbkk": dbkk,
        "policy": {"disabled_excluded": chosen},
        "standards": [results[s.id] for s in book.standards_for(year)],
    }


# ---------------------------------------------------------------------------------------------
# District / province roll-up


def _recognized(child: ChildResult, standard: str) -> int:
    return (child.recognized_levels.get(standard) or 0) if child.has_data else 0


def evaluate_aggregate(
    unit: UnitRef,
    year: int,
    children: Sequence[ChildResult],
    *,
    rules: RuleBook | None = None,
    tier: Literal["district", "province"],
) -> dict[str, Any]:
    """Evaluate a district or province from its children's recognized levels (standards.md §5).

    The denominator is every child passed in (all units valid in the year); a child without
    data counts as not recognized. Populations are never pooled.
    """
    book = rules or load_rules()
    profile = book.profile_for(year)
    share_tier = profile.tier(tier)
    kind = share_tier.children
    has_data = any(c.has_data for c in children)
    missing = sum(1 for c in children if not c.has_data)
    note = f"{missing} of {len(children)} {kind}s have no data (not recognized)" if missing else ""
    out = []
    for std in book.standards_for(year):
        share_rules = sorted(share_tier.rules_for(std.id), key=lambda r: r.level)
        if not share_rules:
            continue
        at_level = {
            str(lv): sum(1 for c in children if _recognized(c, std.id) >= lv)
            for lv in range(1, std.max_level + 1)
        }
        rows = []
        for r in share_rules:
            groups: list[tuple[str, Sequence[ChildResult], Fraction, str]]
            if r.share_dbkk is None:
                groups = [("", children, r.share, f"no {kind}s")]
            else:
                ordinary = [c for c in children if not c.dbkk]
                special = [c for c in children if c.dbkk]
                groups = [
                    ("_ordinary", ordinary, r.share, f"no ordinary {kind}s"),
                    ("_dbkk", special, r.share_dbkk, f"no ĐBKK {kind}s"),
                ]
            for suffix, group, share, empty in groups:
                rows.append(
                    _rate_row(
                        cid=f"{std.id}.share_l{r.level}{suffix}",
                        level=r.level,
                        numerator=sum(1 for c in group if _recognized(c, std.id) >= r.level),
                        denominator=len(group),
                        threshold=share,
                        unverified=r.unverified,
                        has_data=has_data,
                        empty_note=f"{empty}: passes",
                        note=note,
                        no_data_note=NO_CHILD_DATA_NOTE,
                    )
                )
        level = _cumulative_level(rows, std.max_level) if has_data else 0
        out.append(
            {
                "standard": std.id,
                "level": level,
                "recognized_level": level,
                "max_level": std.max_level,
                "units_total": len(children),
                "units_at_level": at_level,
                "criteria": rows,
                "conditions": [],
                "prerequisites": [],
            }
        )
    return {
        "unit": {"code": unit.code, "name": unit.name, "kind": unit.kind},
        "year": year,
        "profile": profile.name,
        "has_data": has_data,
        "dbkk": sum(int(c.dbkk or 0) for c in children),
        "standards": out,
    }


# ---------------------------------------------------------------------------------------------
# People behind a shortfall


class PeopleQuery(NamedTuple):
    """Who is behind a commune criterion's shortfall, for the DB layer's name list.

    The people are those counted in `ppc` (and in `ppc_d` when `include_able_disabled`) with
    age in `band` (inclusive) who are NOT counted by `metric`.
    """

    criterion_id: str
    metric: str
    band: tuple[int, int]
    include_able_disabled: bool


def shortfall_predicate(
    criterion_id: str,
    *,
    dbkk: bool = False,
    policy: str | None = None,
    rules: RuleBook | None = None,
) -> PeopleQuery:
    """The (metric, age band) behind a commune criterion; KeyError for an unknown id."""
    book = rules or load_rules()
    c = book.criterion(criterion_id)[0]  # metric and band are the same at every level
    chosen = book.resolve_policy("disabled_excluded", policy)
    return PeopleQuery(c.id, c.metric, c.band_for(dbkk), chosen == "unable_only")
