"""JSON shapes of the household API: a household with its members in the roll-format fields."""

from __future__ import annotations

from typing import Any

import msgspec

from surveys.roll.fields import FIELDS, Field

Scalar = str | int | None


def _member_in_type(f: Field) -> tuple[Any, Any]:
    if f.kind == "flag":
        return bool | Scalar, False  # true/false, or the file spellings ("x", "có", 1)
    if f.kind in ("year", "int"):
        return Scalar, None
    if f.kind in ("birth", "date", "grade"):
        return Scalar, ""  # dates: YYYY-MM-DD, DD/MM/YYYY (birth also YYYY)
    return str, "thuong_tru" if f.name == "residence_type" else ""


def _member_out_type(f: Field) -> Any:
    if f.kind == "flag":
        return bool
    if f.kind in ("year", "int"):
        return int | None
    return str


_MEMBER_FIELDS = tuple(f for f in FIELDS if f.table in ("person", "person_year"))

# Both member shapes derive from the one definition of the roll's fields (surveys.roll.fields).
MemberIn = msgspec.defstruct(
    "MemberIn",
    [
        ("person_id", int | None, None),  # an existing person (from a GET); None creates one
        ("person_year_id", int | None, None),  # read-only (a GET's member): accepted, ignored
        *((f.name, *_member_in_type(f)) for f in _MEMBER_FIELDS),
        ("confirmed", bool, True),
    ],
    kw_only=True,
    forbid_unknown_fields=True,
    module=__name__,
)


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


MemberOut = msgspec.defstruct(
    "MemberOut",
    [
        ("person_id", int),
        ("person_year_id", int),
        *((f.name, _member_out_type(f)) for f in _MEMBER_FIELDS),
        ("confirmed", bool),
    ],
    kw_only=True,
    module=__name__,
)


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
