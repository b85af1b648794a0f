"""Frozen rule-book types: what is in force in survey year Y, as plain immutable values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

TIERS = ("district", "province")


def _in_years(year: int, valid_from: int | None, valid_to: int | None) -> bool:
    return (valid_from is None or year >= valid_from) and (valid_to is None or year <= valid_to)


@dataclass(frozen=True)
class Standard:
    id: str
    max_level: int
    name_vi: str
    name_en: str
    source: str
    valid_from: int | None = None
    valid_to: int | None = None

    def valid_in(self, year: int) -> bool:
        return _in_years(year, self.valid_from, self.valid_to)


@dataclass(frozen=True)
class Criterion:
    """One commune criterion at one level (the same id appears once per level)."""

    id: str
    standard: str
    level: int
    metric: str
    band: tuple[int, int]
    band_dbkk: tuple[int, int]
    threshold: Fraction
    threshold_dbkk: Fraction
    unverified: bool
    source: str
    label_vi: str
    label_en: str
    valid_from: int | None = None
    valid_to: int | None = None

    def valid_in(self, year: int) -> bool:
        return _in_years(year, self.valid_from, self.valid_to)

    def band_for(self, dbkk: bool) -> tuple[int, int]:
        return self.band_dbkk if dbkk else self.band

    def threshold_for(self, dbkk: bool) -> Fraction:
        return self.threshold_dbkk if dbkk else self.threshold


@dataclass(frozen=True)
class Prerequisite:
    """Reaching `level` of `standard` needs each (standard, min level) in `requires`."""

    standard: str
    level: int
    requires: tuple[tuple[str, int], ...]
    source: str


@dataclass(frozen=True)
class ConditionRule:
    """A TT 07 condition: `kind` "ratio" (rooms per class) or "percent" (trained teachers)."""

    id: str
    standard: str
    kind: str
    threshold: Fraction
    label_vi: str
    label_en: str
    source: str


@dataclass(frozen=True)
class ShareRule:
    """Share (%) of recognized children needed; `share_dbkk` splits ordinary / ĐBKK children."""

    standard: str
    level: int
    share: Fraction
    share_dbkk: Fraction | None
    unverified: bool
    source: str


@dataclass(frozen=True)
class Tier:
    tier: str
    children: str
    rules: tuple[ShareRule, ...]

    def rules_for(self, standard: str) -> tuple[ShareRule, ...]:
        return tuple(r for r in self.rules if r.standard == standard)


@dataclass(frozen=True)
class Profile:
    name: str
    label_en: str
    tiers: tuple[Tier, ...]
    valid_from: int | None = None
    valid_to: int | None = None

    def valid_in(self, year: int) -> bool:
        return _in_years(year, self.valid_from, self.valid_to)

    def tier(self, name: str) -> Tier:
        for t in self.tiers:
            if t.tier == name:
                return t
        raise ValueError(f"profile {self.name} has no {name} tier")

    @property
    def unverified(self) -> bool:
        return any(r.unverified for t in self.tiers for r in t.rules)


@dataclass(frozen=True)
class Policy:
    id: str
    default: str
    choices: tuple[str, ...]
    descriptions: Mapping[str, str]
    label_vi: str
    label_en: str
    source: str


@dataclass(frozen=True)
class RuleBook:
    version: int
    standards: tuple[Standard, ...]
    criteria: tuple[Criterion, ...]
    prerequisites: tuple[Prerequisite, ...]
    conditions: tuple[ConditionRule, ...]
    profiles: tuple[Profile, ...]
    policies: tuple[Policy, ...]

    def standards_for(self, year: int) -> tuple[Standard, ...]:
        return tuple(s for s in self.standards if s.valid_in(year))

    def standard(self, standard_id: str) -> Standard:
        for s in self.standards:
            if s.id == standard_id:
                return s
        raise KeyError(standard_id)

    def criteria_for(self, year: int, standard: str | None = None) -> tuple[Criterion, ...]:
        return tuple(
            c
            for c in self.criteria
            if c.valid_in(year) and (standard is None or c.standard == standard)
        )

    def criterion(self, criterion_id: str) -> tuple[Criterion, ...]:
        """All level rows of one criterion id (KeyError if unknown)."""
        rows = tuple(c for c in self.criteria if c.id == criterion_id)
        if not rows:
            raise KeyError(criterion_id)
        return rows

    def prerequisites_for(self, standard: str) -> tuple[Prerequisite, ...]:
        return tuple(p for p in self.prerequisites if p.standard == standard)

    def conditions_for(self, standard: str) -> tuple[ConditionRule, ...]:
        return tuple(c for c in self.conditions if c.standard == standard)

    def profile_for(self, year: int) -> Profile:
        found = [p for p in self.profiles if p.valid_in(year)]
        if len(found) != 1:
            raise ValueError(f"no single roll-up profile for survey year {year}")
        return found[0]

    def policy(self, policy_id: str) -> Policy:
        for p in self.policies:
            if p.id == policy_id:
                return p
        raise KeyError(policy_id)

    def resolve_policy(self, policy_id: str, value: str | None) -> str:
        """`value` if given (checked against the choices), else the policy default."""
        p = self.policy(policy_id)
        if value is None:
            return p.default
        if value not in p.choices:
            raise ValueError(f"{policy_id} must be one of {', '.join(p.choices)}, not {value!r}")
        return value
