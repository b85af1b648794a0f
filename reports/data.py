"""The data object the form builders read: counts by area and age, evaluations, school facts.

Pure and in memory: `reports.service.load` fills it with a handful of queries, and every builder
is a function of it alone. Counts of an area (a province, district, commune or hamlet) are the
sums of its communes' per-age counts (stored counts, `reports.counts` splits and incoming
pupils under one name space); a name listed in `reports.pending` reads as None, which the
forms print as an empty cell.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pcgd.standards.metrics import DISABLED_SUFFIX, MAX_AGE
from reports import pending

AGES = MAX_AGE + 1
KIND_TOTAL = {"province": "TOÀN TỈNH", "district": "TOÀN HUYỆN", "commune": "TOÀN XÃ"}
KIND_WORD = {"province": "Tỉnh", "district": "Huyện", "commune": "Xã", "hamlet": "Thôn"}


@dataclass
class Area:
    """A unit a form row or block stands for."""

    code: str
    name: str
    kind: str  # province | district | commune | hamlet
    label: str  # as printed: "TOÀN HUYỆN", "Xã Hợp Thành", "Thôn 3"
    matrix: np.ndarray  # AGES × names
    evaluation: dict[str, Any] | None = None  # standards.md §7 (None for hamlets)
    dbkk: bool = False
    commune_ids: tuple[int, ...] = ()
    names: dict[str, int] | None = None  # its own columns (hamlets have fewer counts)
    bands: dict[str, tuple[int, int]] | None = None  # and the ages they are counted for

    def standard(self, std: str) -> dict[str, Any] | None:
        if self.evaluation is None:
            return None
        return next((s for s in self.evaluation["standards"] if s["standard"] == std), None)

    def criterion(self, cid: str, level: int = 1) -> dict[str, Any] | None:
        """A commune criterion row (numerator, denominator, rate…) of the evaluation."""
        std = self.standard(cid.split(".")[0])
        if std is None:
            return None
        return next((r for r in std["criteria"] if r["id"] == cid and r["level"] == level), None)

    def recognized(self, std: str) -> int | None:
        s = self.standard(std)
        return None if s is None else int(s["recognized_level"])


@dataclass
class SchoolFacts:
    """One school's registry figures for the year (counts by key; see `reports.service`)."""

    code: str
    name: str
    commune_id: int
    levels: tuple[str, ...]
    sites: int  # điểm trường: the main one plus satellites
    facts: dict[str, float] = field(default_factory=dict)
    schools: int = 1  # schools summed into this row

    def get(self, name: str) -> float | None:
        if pending.is_pending(name):
            return None
        return self.facts.get(name, 0)


@dataclass
class FormData:
    """Everything a form set of one unit and year needs."""

    year: int
    unit_code: str
    unit_name: str
    unit_kind: str
    province_name: str
    district_name: str  # "" for a commune of the 2-tier tree or above a district
    tier: int
    policy: str  # disabled_excluded: all | unable_only
    names: dict[str, int]  # count name → column of the matrices
    total: Area
    parts: list[Area]  # lower units (districts or communes); empty for a commune
    hamlets: list[Area]  # a commune's hamlets; empty above a commune
    schools: list[SchoolFacts]
    school_area: dict[str, str]  # school code → code of the part (or hamlet-less commune) it is in
    bands: dict[str, tuple[int, int]] = field(default_factory=dict)  # computed counts' ages
    pending_used: set[str] = field(default_factory=set)

    # -- counts ------------------------------------------------------------------------------

    def n(self, area: Area, name: str, lo: int, hi: int | None = None) -> int | None:
        """Count `name` over ages lo..hi of an area; None when the fact is pending."""
        if pending.is_pending(name):
            self.pending_used.add(name)
            return None
        col = (area.names or self.names).get(name)
        if col is None:
            raise KeyError(f"no count {name!r} for {area.kind} {area.code}")
        hi = lo if hi is None else hi
        band = (area.bands if area.names else self.bands).get(name)
        if band is not None and (lo < band[0] or hi > band[1]):
            raise ValueError(f"{name} is counted for ages {band[0]}–{band[1]} only, not {lo}–{hi}")
        return int(area.matrix[lo : hi + 1, col].sum())

    def missing(self, name: str) -> None:
        """A cell whose fact the data does not hold yet (listed in `reports.pending`)."""
        if not pending.is_pending(name):
            raise KeyError(f"{name!r} is not listed in reports.pending")
        self.pending_used.add(name)
        return None

    def p(self, area: Area, name: str, lo: int, hi: int | None = None) -> int | None:
        """A PPC-group count (`ppc` or a numerator): with its disabled-able twin under the
        `unable_only` policy, exactly as the engine adds them."""
        base = self.n(area, name, lo, hi)
        if base is None or self.policy != "unable_only":
            return base
        twin = self.n(area, name + DISABLED_SUFFIX, lo, hi)
        return base + (twin or 0)

    @property
    def areas(self) -> list[Area]:
        """The total first, then the lower units: the rows or blocks of an aggregated form."""
        return [self.total, *self.parts]

    @property
    def age_areas(self) -> list[Area]:
        """The sheets of a form by age (MN-01-TE, TH-M1, THCS-M1, XMC-3, CMC-2, MN-05-KT): the
        commune, or the sums of a district or province ("Toàn tỉnh", as the national forms
        name them). Per-unit breakdowns are the forms with a row per unit."""
        return [self.total]

    @property
    def unit_word(self) -> str:
        return KIND_WORD[self.unit_kind]

    def schools_of(self, area: Area, level: str | None = None) -> list[SchoolFacts]:
        codes = set(area.commune_ids)
        return [s for s in self.schools
                if s.commune_id in codes and (level is None or level in s.levels)]


def matrix(per_age: Iterable[Mapping[int, Mapping[str, int]]], names: Mapping[str, int]
           ) -> np.ndarray:
    """Sum per-age count dicts (one per commune) into an AGES × names matrix."""
    out = np.zeros((AGES, len(names)), dtype=np.int64)
    for by_age in per_age:
        for age, row in by_age.items():
            for name, value in row.items():
                col = names.get(name)
                if col is not None and value:
                    out[age, col] += value
    return out


def ratio(numerator: float | None, denominator: float | None) -> float | str:
    """A rate as a fraction (for a percent-formatted cell); "" when it cannot be computed,
    which is also what the cell's formula shows."""
    if numerator is None or denominator is None or denominator == 0:
        return ""
    return numerator / denominator


def total_of(values: Sequence[int | None]) -> int | None:
    """Sum of cells; None if any is pending."""
    if any(v is None for v in values):
        return None
    return int(sum(v for v in values if v is not None))
