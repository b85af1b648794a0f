"""Plain value types the callers (SQL roll-up, registry, CLI/API) hand to the evaluator."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

#: age (0..61, 61 = "61 and older") → metric name (see `metrics.METRICS`) → count
Counts = Mapping[int, Mapping[str, int]]


class UnitRef(NamedTuple):
    """The unit being evaluated, echoed as `unit {code, name, kind}` in the output."""

    code: str
    name: str
    kind: str  # "commune" | "district" | "province"


class ChildResult(NamedTuple):
    """One lower unit as seen by a roll-up: only its recognized levels count, never its people.

    `dbkk` is a bool for a commune; for a district child it may be its number of ĐBKK communes.
    """

    code: str
    has_data: bool
    dbkk: bool | int
    recognized_levels: Mapping[str, int]


@dataclass(frozen=True)
class Condition:
    """A TT 07 condition measured by the registry for one commune and standard.

    Give `numerator`/`denominator` (rooms/classes, trained/all teachers) and the engine compares
    them with the rule threshold exactly; or give only `passed` for a check made elsewhere.
    """

    id: str
    numerator: int | None = None
    denominator: int | None = None
    passed: bool | None = None
    note: str = ""


def child_from_result(result: Mapping[str, Any]) -> ChildResult:
    """Turn an `evaluate_commune` / `evaluate_aggregate` output into a roll-up child."""
    return ChildResult(
        code=result["unit"]["code"],
        has_data=bool(result["has_data"]),
        dbkk=result["dbkk"],
        recognized_levels={s["standard"]: s["recognized_level"] for s in result["standards"]},
    )
