"""Evaluation of communes, districts and provinces from the stored counts (standards.md §5, §7).

Counts, flags and conditions for every commune under the unit are read in one query each; the
pure engine does the rest. Districts and provinces count recognised lower units only.
"""

from __future__ import annotations

import copy
import importlib
from collections.abc import Sequence
from typing import Any

from pcgd import db
from pcgd.standards import (
    METRICS,
    ChildResult,
    Condition,
    UnitRef,
    child_from_result,
    evaluate_aggregate,
    evaluate_commune,
    load_rules,
    shortfall_predicate,
)
from pcgd.units import service as units
from surveys.rollup import service as rollup
from surveys.rollup import sql as rollup_sql


def _ref(unit: units.Unit) -> UnitRef:
    return UnitRef(unit.code, unit.name, unit.kind)


async def _conditions(commune_ids: list[int], year: int) -> dict[int, dict[str, list[Condition]]]:
    """TT 07 conditions from the registry (null everywhere when it has no data)."""
    try:
        registry = importlib.import_module("pcgd.registry.conditions")
    except ModuleNotFoundError:
        return {}
    found = await registry.commune_conditions(commune_ids, year)
    out: dict[int, dict[str, list[Condition]]] = {}
    for cid, by_standard in found.items():
        out[cid] = {
            std: [c if isinstance(c, Condition) else _condition(c) for c in items]
            for std, items in by_standard.items()
        }
    return out


def _condition(raw: dict[str, Any]) -> Condition:
    return Condition(
        id=raw["id"],
        numerator=raw.get("numerator"),
        denominator=raw.get("denominator"),
        passed=raw.get("passed"),
        note=raw.get("note", ""),
    )


_cache: dict[tuple[int, int, str | None], tuple[tuple[int, int], dict[str, Any]]] = {}
_ENGINE_COLUMNS = tuple(METRICS)


async def _stamps(commune_ids: list[int], year: int) -> dict[int, tuple[int, int]]:
    """Each commune's change stamp, with the registry's (see surveys.rollup.service.bump)."""
    rows = await db.pool().fetch(
        "SELECT commune, stamp FROM change_stamp WHERE (commune = ANY($1::int[]) AND year = $2)"
        " OR (commune = $3 AND year = 0)",
        commune_ids, year, rollup.REGISTRY,
    )
    found = {r["commune"]: r["stamp"] for r in rows}
    registry = found.get(rollup.REGISTRY, 0)
    return {cid: (found.get(cid, 0), registry) for cid in commune_ids}


async def evaluate_communes(
    communes: Sequence[units.Unit], year: int, *, policy: str | None = None
) -> list[dict[str, Any]]:
    """Commune results, re-evaluating only communes whose counts, flag or registry changed.

    Results are shared with the cache: callers must not change them.
    """
    ids = [c.id for c in communes]
    stamps = await _stamps(ids, year)
    stale = [
        c for c in communes
        if (hit := _cache.get((c.id, year, policy))) is None or hit[0] != stamps[c.id]
    ]
    if stale:
        fresh = await _evaluate(stale, year, policy)
        for commune, result in zip(stale, fresh, strict=True):
            _cache[(commune.id, year, policy)] = (stamps[commune.id], result)
    return [_cache[(c.id, year, policy)][1] for c in communes]


async def _evaluate(
    communes: Sequence[units.Unit], year: int, policy: str | None
) -> list[dict[str, Any]]:
    ids = [c.id for c in communes]
    counts = await rollup.counts_by_commune(ids, year, _ENGINE_COLUMNS)
    flags = await units.dbkk_flags(ids, year)
    conditions = await _conditions(ids, year)
    rules = load_rules()
    results = []
    for commune in communes:
        by_age = counts.get(commune.id, {})
        has_data = any(m.get("roll", 0) for m in by_age.values())
        results.append(
            evaluate_commune(
                _ref(commune),
                year,
                by_age,
                dbkk=flags.get(commune.id, False),
                has_data=has_data,
                conditions=conditions.get(commune.id),
                rules=rules,
                policy=policy,
            )
        )
    return results


async def evaluate_unit(
    unit: units.Unit, year: int, *, policy: str | None = None, with_children: bool = False
) -> dict[str, Any]:
    """The §7 object for a commune, district (3-tier years) or province (either profile)."""
    rules = load_rules()
    if unit.kind == "commune":
        return copy.deepcopy((await evaluate_communes([unit], year, policy=policy))[0])
    communes = await units.communes_under(unit, year)
    commune_results = await evaluate_communes(communes, year, policy=policy)
    if unit.kind == "district" or units.tier_of(year) == 2:
        tier = "district" if unit.kind == "district" else "province"
        result = evaluate_aggregate(
            _ref(unit), year, [child_from_result(r) for r in commune_results],
            rules=rules, tier=tier,
        )
        if with_children:
            result["children"] = copy.deepcopy(commune_results)
        return result
    # 3-tier province: districts from their communes, then the province from its districts.
    districts = await units.list_units(year, parent=unit, kind="district")
    by_parent: dict[int | None, list[dict[str, Any]]] = {}
    for commune, res in zip(communes, commune_results, strict=True):
        by_parent.setdefault(commune.parent_id, []).append(res)
    district_results = []
    for district in districts:
        children = [child_from_result(r) for r in by_parent.get(district.id, [])]
        district_results.append(
            evaluate_aggregate(_ref(district), year, children, rules=rules, tier="district")
        )
    result = evaluate_aggregate(
        _ref(unit), year, [_district_child(r) for r in district_results],
        rules=rules, tier="province",
    )
    if with_children:
        result["children"] = district_results
    return result


def _district_child(result: dict[str, Any]) -> ChildResult:
    child = child_from_result(result)
    return child._replace(dbkk=int(result["dbkk"]))


# --- the people behind a shortfall -----------------------------------------------------------


async def shortfall_people(
    commune: units.Unit, year: int, criterion_id: str, *, policy: str | None = None,
    limit: int = 5000,
) -> dict[str, Any]:
    """PPC people of the criterion's band who are not (yet) in its numerator."""
    flags = await units.dbkk_flags([commune.id], year)
    try:
        query = shortfall_predicate(
            criterion_id, dbkk=flags.get(commune.id, False), policy=policy
        )
    except KeyError as exc:
        from pcgd.errors import NotFound

        raise NotFound(f"không có tiêu chí {criterion_id!r} (unknown criterion)") from exc
    group = f"(({rollup_sql.PPC})" + (f" OR ({rollup_sql.PPC_D}))" if query.include_able_disabled
                                      else ")")
    numerator = rollup_sql.NUMERATORS[query.metric]
    rows = await db.pool().fetch(
        f"SELECT r.* FROM ({rollup_sql.people_rows('py.commune = $1 AND py.year = $2')}) r"
        f" WHERE age BETWEEN $3 AND $4 AND {group} AND NOT ({numerator})"
        " ORDER BY hamlet, household_code, position LIMIT $5",
        commune.id, year, query.band[0], query.band[1], limit,
    )
    return {
        "unit": _ref(commune)._asdict(),
        "year": year,
        "criterion": criterion_id,
        "metric": query.metric,
        "band": list(query.band),
        "people": [
            {
                "person_id": r["person_id"],
                "household_id": r["household"],
                "household_code": r["household_code"],
                "hamlet": r["hamlet"],
                "full_name": r["full_name"],
                "birth_year": r["birth_year"],
                "age": r["age"],
                "sex": r["sex"],
                "enrolled_level": r["enrolled_level"],
                "enrolled_grade": r["enrolled_grade"],
                "highest_grade_completed": r["hgc"],
            }
            for r in rows
        ],
    }
