"""JSON shapes of the household API: a household with its members in the roll-format fields."""

from __future__ import annotations

import msgspec

Scalar = str | int | None


class MemberIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    person_id: int | None = None  # an existing person (from a GET); None creates a new one
    person_year_id: int | None = None  # read-only (a GET's member): accepted and ignored
    full_name: str = ""
    birth_date: Scalar = ""  # YYYY-MM-DD, DD/MM/YYYY or YYYY
    sex: str = ""
    ethnicity: str = ""
    personal_id: str = ""
    relation: str = ""
    father_name: str = ""
    mother_name: str = ""
    residence_type: str = "thuong_tru"
    disability: str = ""
    movement: str = ""
    movement_date: Scalar = ""
    enrolled_level: str = ""
    enrolled_grade: Scalar = ""
    school_code: str = ""
    mn_completed_year: Scalar = None
    mn_group_completed: Scalar = None
    th_completed_year: Scalar = None
    thcs_graduated_year: Scalar = None
    thpt_graduated_year: Scalar = None
    gdnn_completed_year: Scalar = None
    xmc_stage_completed: Scalar = None
    dropout_grade: Scalar = None
    dropout_year: Scalar = None
    confirmed: bool = True


class HouseholdIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """What POST and PUT take: the GET representation is accepted as it is (interfaces.md)."""

    household_code: str
    hamlet: str
    address: str = ""
    members: list[MemberIn]
    version: int | None = None  # required by PUT: the version the client read
    # Read-only fields of the GET representation: `id`, `commune` and `year` must match the
    # household (else 422); the head's `residence_type` and the `warnings` are ignored.
    id: int | None = None
    commune: str | None = None
    year: int | None = None
    residence_type: str | None = None
    warnings: list[dict[str, object]] | None = None


class MemberOut(msgspec.Struct, kw_only=True):
    person_id: int
    person_year_id: int
    full_name: str
    birth_date: str
    sex: str
    ethnicity: str
    personal_id: str
    relation: str
    father_name: str
    mother_name: str
    residence_type: str
    disability: str
    movement: str
    movement_date: str
    enrolled_level: str
    enrolled_grade: str
    school_code: str
    mn_completed_year: int | None
    mn_group_completed: int | None
    th_completed_year: int | None
    thcs_graduated_year: int | None
    thpt_graduated_year: int | None
    gdnn_completed_year: int | None
    xmc_stage_completed: int | None
    dropout_grade: int | None
    dropout_year: int | None
    confirmed: bool


class HouseholdOut(msgspec.Struct, kw_only=True):
    id: int
    commune: str
    year: int
    household_code: str
    hamlet: str
    address: str
    residence_type: str  # the head's
    version: int
    members: list[MemberOut]
    warnings: list[dict[str, object]] = msgspec.field(default_factory=list)


class HouseholdSummary(msgspec.Struct, kw_only=True):
    id: int
    household_code: str
    hamlet: str
    address: str
    head: str
    members: int
    version: int
    unconfirmed: int
