"""Quality profiles: how well a demo commune is doing, expressed as target rates.

A demo province is only useful if its communes land on different sides of the thresholds of
`standards.md` §4, so each profile aims a rate at the middle of the gap between two thresholds
(normal or ĐBKK, whichever applies) and the generator hits those rates exactly per age cohort.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True, slots=True)
class Rates:
    """Target shares (0–1) among the people who count (PPC) of each age cohort."""

    mn5: float = 0.99  # 5-year-olds enrolled in preschool
    mn_completed: float = 0.97  # 6-year-olds who completed the preschool programme
    grade1: float = 0.995  # 6-year-olds in grade 1
    th11: float = 0.96  # 11-year-olds who completed primary
    drop11: float = 0.0  # 11-year-olds who left primary school without completing it
    th14: float = 0.995  # 12–14-year-olds who completed primary
    thcs_grad: float = 0.975  # 15–18-year-olds with the lower-secondary diploma
    studying: float = 0.90  # 15–18-year-olds with the diploma who are still studying
    nolit1: float = 0.005  # adults 19–60 below literacy level 1
    nolit2: float = 0.02  # adults 19–60 below literacy level 2 (includes nolit1)
    late: float = 0.015  # pupils one grade behind their age


def _mid(low: float, high: float) -> float:
    return (low + high) / 200


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    levels: tuple[int, int, int, int]  # the rate levels it aims at: mn5, th, thcs, xmc
    intent: str  # what the evaluation should show, for people exploring the demo

    def rates(self, dbkk: bool) -> Rates:
        return _RATES[self.name](dbkk)


_RATES = {
    "excellent": lambda d: Rates(),
    "thcs_l2": lambda d: replace(
        Rates(), thcs_grad=_mid(80, 90) if d else _mid(90, 95), studying=0.85
    ),
    "th_l2_age11": lambda d: replace(Rates(), th11=_mid(70, 80) if d else _mid(80, 90)),
    "th_l2_grade1": lambda d: replace(Rates(), grade1=_mid(95, 98)),
    "th_l1_remaining": lambda d: replace(Rates(), drop11=0.03),
    "thcs_l1": lambda d: replace(
        Rates(), thcs_grad=_mid(70, 80) if d else _mid(80, 90), studying=0.70 if d else 0.78
    ),
    "thcs_l2_studying": lambda d: replace(Rates(), studying=0.60 if d else 0.70),
    "thcs_fail": lambda d: replace(
        Rates(), thcs_grad=0.64 if d else 0.74, studying=0.55 if d else 0.65, th14=0.97
    ),
    "xmc_l1": lambda d: replace(Rates(), nolit2=0.17, nolit1=0.02),
    "xmc_fail": lambda d: replace(Rates(), nolit1=0.20, nolit2=0.28),
    "mn5_attendance": lambda d: replace(Rates(), mn5=0.86 if d else 0.91),
    "mn5_completion": lambda d: replace(Rates(), mn_completed=0.75 if d else 0.80),
}

PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile(
            "excellent", (1, 3, 3, 2),
            "every standard at its highest level",
        ),
        Profile(
            "thcs_l2", (1, 3, 2, 2),
            "THCS level 2: lower-secondary graduation 15–18 below the L3 rate",
        ),
        Profile(
            "th_l2_age11", (1, 2, 3, 2),
            "TH level 2: primary completion at 11 below the L3 rate",
        ),
        Profile(
            "th_l2_grade1", (1, 2, 3, 2),
            "TH level 2: grade-1 enrolment at 6 below 98%",
        ),
        Profile(
            "th_l1_remaining", (1, 1, 3, 2),
            "TH level 1: some 11-year-olds left primary school",
        ),
        Profile(
            "thcs_l1", (1, 3, 1, 2),
            "THCS level 1: lower-secondary graduation 15–18 below the L2 rate",
        ),
        Profile(
            "thcs_l2_studying", (1, 3, 2, 2),
            "THCS level 2: too few 15–18-year-olds still studying",
        ),
        Profile(
            "thcs_fail", (1, 3, 0, 2),
            "THCS not reached: lower-secondary graduation below level 1",
        ),
        Profile(
            "xmc_l1", (1, 3, 3, 1),
            "XMC level 1: literacy level 2 among 15–60 below 90%",
        ),
        Profile(
            "xmc_fail", (1, 3, 0, 0),
            "XMC not reached (so THCS neither): literacy level 1 below 90%",
        ),
        Profile(
            "mn5_attendance", (0, 3, 3, 2),
            "MN5 not reached: 5-year-olds' preschool attendance too low",
        ),
        Profile(
            "mn5_completion", (0, 3, 3, 2),
            "MN5 not reached: preschool completion at 6 too low",
        ),
    )
}

# Communes (sorted by code) take profiles in this order, repeating; ĐBKK positions are marked.
# The first twelve cover every kind of result and leave most communes passing level 1.
CYCLE: tuple[tuple[str, bool], ...] = (
    ("excellent", False),
    ("th_l2_age11", False),
    ("thcs_l2", False),
    ("xmc_l1", True),
    ("thcs_l1", False),
    ("mn5_attendance", False),
    ("excellent", False),
    ("th_l2_grade1", False),
    ("th_l1_remaining", False),
    ("thcs_l2_studying", False),
    ("xmc_fail", True),
    ("mn5_attendance", False),
    ("excellent", False),
    ("thcs_fail", True),
    ("mn5_completion", False),
    ("thcs_l2", False),
)


# The fully entered district of a 3-tier demo: every commune reaches level 1 of every standard
# (levels 2–3 vary), so the district is recognised even if the registry demo plants its two
# failing conditions there. Its communes are small (the district's people are shared among
# many communes), so the profiles keep wide gaps around their thresholds (no th_l2_grade1, no
# th_l1_remaining: a 3% share of a small cohort rounds to nobody).
FULL_CYCLE: tuple[tuple[str, bool], ...] = (
    ("excellent", False),
    ("thcs_l2", False),
    ("th_l2_age11", False),
    ("xmc_l1", True),
    ("excellent", False),
    ("thcs_l2", False),
    ("thcs_l1", False),
    ("excellent", False),
    ("thcs_l2_studying", False),
    ("th_l2_age11", False),
)


def assign(n: int) -> list[tuple[str, bool]]:
    """(profile, ĐBKK) for n communes in code order."""
    return [CYCLE[i % len(CYCLE)] for i in range(n)]


def assign_split(in_full_district: list[bool]) -> list[tuple[str, bool]]:
    """(profile, ĐBKK) per commune in code order: the fully entered district's communes take
    FULL_CYCLE, the others CYCLE, each in their own code order."""
    out = []
    counters = [0, 0]
    for full in in_full_district:
        cycle = FULL_CYCLE if full else CYCLE
        k = counters[full]
        out.append(cycle[k % len(cycle)])
        counters[full] += 1
    return out
