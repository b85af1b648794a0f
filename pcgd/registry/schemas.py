"""Input and output shapes of the registry (CLI --json, JSON API and pages share them)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec


class Issue(msgspec.Struct, frozen=True):
    """A problem in one cell of an import file (`row` 1 = the header row)."""

    row: int
    column: str
    message: str


class ImportResult(msgspec.Struct, kw_only=True):
    kind: str
    unit: str
    year: int
    dry_run: bool
    rows: int = 0
    schools: int = 0  # schools the file is about
    inserted: int = 0
    updated: int = 0  # schools only (upserted by code)
    deleted: int = 0  # rows of the replaced per-school lists
    unchanged_schools: int = 0  # schools whose list was identical: nothing written
    errors: list[Issue] = msgspec.field(default_factory=list)
    warnings: list[Issue] = msgspec.field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class SchoolSummary(msgspec.Struct):
    code: str
    name: str
    levels: list[str]
    public: bool
    commune: str | None
    address: str
    satellite_sites: int
    two_sessions: bool
    classes: int = 0
    teachers: int = 0
    teachers_trained: int = 0
    classrooms: int = 0
    learners: int = 0


class ClassOut(msgspec.Struct):
    name: str
    level: str
    grade: str
    combined: bool
    room: str
    two_sessions: bool
    min_equipment: bool
    pupils: int | None
    learners: int = 0


class StaffOut(msgspec.Struct):
    staff_code: str
    full_name: str
    birth_date: dt.date | None
    sex: str
    role: str
    level: str
    employment: str
    qualification: str
    meets_standard: bool
    rating: str
    subjects: str
    class_name: str


class FacilityOut(msgspec.Struct):
    room_type: str
    level: str
    count: int
    area: float | None


class LearnerOut(msgspec.Struct):
    id: int
    personal_id: str | None
    full_name: str
    birth_date: dt.date | None
    sex: str
    class_name: str
    level: str
    grade: str
    completed: bool
    home_commune: str | None


class SchoolDetail(msgspec.Struct):
    school: SchoolSummary
    year: int
    classes: list[ClassOut]
    staff: list[StaffOut]
    facilities: list[FacilityOut]


class ConditionRow(msgspec.Struct):
    """One TT 07 condition for a commune and standard (`passed` None: no registry data)."""

    id: str
    passed: bool | None
    value: float | None
    threshold: float | None
    note: str
    numerator: int | None = None
    denominator: int | None = None


class Disagreement(msgspec.Struct):
    """One roll-versus-registry disagreement (interfaces.md: category, person, roll, registry)."""

    category: str
    person: dict[str, Any]
    roll: dict[str, Any] | None
    registry: dict[str, Any] | None


class FixIn(msgspec.Struct):
    """"Take the registry's value" for one disagreement; the server recomputes the value."""

    year: int
    category: str
    person_year_id: int
    learner_id: int
    reason: str = ""


class FixOut(msgspec.Struct):
    person_year_id: int
    changes: dict[str, Any]
