"""Metric names shared by the roll-up SQL (producer) and the evaluator (consumer).

The SQL layer produces, per commune, survey year and age, one count per name in `METRICS`.
Keeping the names in one constant lets both sides import the same spelling.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

#: Ages run 0..MAX_AGE; MAX_AGE stands for "MAX_AGE and older".
MAX_AGE = 61

#: Suffix of a numerator counted inside the `ppc_d` group (disabled but able to learn).
DISABLED_SUFFIX = "_d"

#: Population counts: on the roll, the PPC core, and the disabled-able group.
POPULATION_METRICS: tuple[str, ...] = ("roll", "ppc", "ppc_d")

#: Numerators, counted inside the PPC core (the `_d` twin is counted inside `ppc_d`).
NUMERATOR_METRICS: tuple[str, ...] = (
    "mn_attending",
    "mn_enrolled",
    "mn_completed",
    "grade1_plus",
    "th_completed",
    "th_completed_or_enrolled",
    "lit1",
    "lit2",
    "thcs_graduated",
    "studying",
    "mn_group_ge3",
    "mn_group_ge4",
    "mn_group_ge5",
)

#: Every name the SQL layer may produce per age.
METRICS: tuple[str, ...] = (
    POPULATION_METRICS + NUMERATOR_METRICS + tuple(m + DISABLED_SUFFIX for m in NUMERATOR_METRICS)
)

_DEFINITIONS = {
    "roll": "on the roll (thường trú or tạm trú ≥ 6 months, incl. moved in/out and dead)",
    "ppc": "PPC core: on the roll, not moved out, not dead, not disabled",
    "ppc_d": "disabled and able to learn, not moved out, not dead (added under unable_only)",
    "mn_attending": "enrolled in MN, or enrolled in TH",
    "mn_enrolled": "enrolled in MN",
    "mn_completed": "completed the preschool programme (mn_completed_year set or "
    "mn_group_completed = 5)",
    "grade1_plus": "highest_grade_completed ≥ 1 or enrolled in TH/THCS/THPT/GDTX",
    "th_completed": "highest_grade_completed ≥ 5",
    "th_completed_or_enrolled": "highest_grade_completed ≥ 5 or enrolled in TH",
    "lit1": "highest_grade_completed ≥ 3 or xmc_stage_completed ≥ 1",
    "lit2": "highest_grade_completed ≥ 5 or xmc_stage_completed ≥ 2",
    "thcs_graduated": "highest_grade_completed ≥ 9",
    "studying": "enrolled in TH/THCS/THPT/GDTX_THPT/GDNN, or thpt_graduated_year or "
    "gdnn_completed_year set (GDTX_THCS does not count)",
    "mn_group_ge3": "mn_group_completed ≥ 3 (mn_completed_year implies 5)",
    "mn_group_ge4": "mn_group_completed ≥ 4 (mn_completed_year implies 5)",
    "mn_group_ge5": "mn_group_completed ≥ 5 (mn_completed_year implies 5)",
}
for _m in NUMERATOR_METRICS:
    _DEFINITIONS[_m + DISABLED_SUFFIX] = _DEFINITIONS[_m] + "; counted inside ppc_d"

#: What each metric counts, in words, for the SQL author and the docs.
METRIC_DEFINITIONS: Mapping[str, str] = MappingProxyType(_DEFINITIONS)
