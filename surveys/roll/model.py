"""Parsed roll values: what every importer produces and every exporter consumes."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import msgspec
from msgspec.structs import astuple

Severity = Literal["error", "warning"]


class RollPerson(msgspec.Struct, frozen=True, kw_only=True, eq=False, gc=False):
    """One roll row in canonical form (codes normalised, '' / None for blanks).

    Attributes follow the column order of roll-format.md. `source_row` is provenance, not data:
    it is excluded from equality so that a household read back from an exported file compares
    equal to the one that was written.
    """

    household_code: str
    hamlet: str
    address: str = ""
    residence_type: str = "thuong_tru"  # 'thuong_tru' | 'tam_tru'
    full_name: str
    birth_date: dt.date | None = None  # None when only the year is known
    birth_year: int
    sex: str  # 'M' | 'F'
    ethnicity: str = ""  # official group name; '' = Kinh
    personal_id: str = ""
    relation: str  # 'chu_ho' for the head, else free text
    father_name: str = ""
    mother_name: str = ""
    disability: str = ""  # '' | 'able' | 'unable'
    movement: str = ""  # '' | 'moved_in' | 'moved_out' | 'deceased'
    movement_date: dt.date | None = None
    enrolled_level: str = ""  # '' | MN TH THCS THPT GDTX_THCS GDTX_THPT GDNN XMC
    enrolled_grade: str = ""  # 'NT', '3'..'5' (MN), '1'..'12', '1'/'2' (XMC) or ''
    school_code: str = ""
    mn_completed_year: int | None = None
    mn_group_completed: int | None = None
    th_completed_year: int | None = None
    thcs_graduated_year: int | None = None
    thpt_graduated_year: int | None = None
    gdnn_completed_year: int | None = None
    xmc_stage_completed: int | None = None
    dropout_grade: int | None = None
    dropout_year: int | None = None
    # The official workbook's facts the forms count (issue 10)
    disability_types: str = ""  # comma-separated codes of fields.DISABILITY_TYPES, in that order
    disability_certificate: bool = False
    repeating: bool = False  # lưu ban: repeats the grade it is enrolled in
    two_sessions: bool = False  # MN 2 buổi/ngày, TH 9–10 buổi/tuần
    vn_prep: bool = False  # MN: ethnic-minority child prepared in Vietnamese
    relapse_level: int | None = None  # tái mù chữ mức 1 / 2
    religion: str = ""
    priority_group: str = ""
    phone: str = ""
    # Provenance, not data (keep these two last: equality compares every field before them):
    # the stored version of the household when the row was exported (None: not exported), and
    # the row of the source file.
    household_version: int | None = None
    source_row: int = 0

    def __eq__(self, other: object) -> bool:
        if type(other) is not RollPerson:
            return NotImplemented
        return astuple(self)[:-2] == astuple(other)[:-2]

    def __ne__(self, other: object) -> bool:  # msgspec's own __ne__ would compare provenance
        if type(other) is not RollPerson:
            return NotImplemented
        return astuple(self)[:-2] != astuple(other)[:-2]

    def __hash__(self) -> int:
        return hash(astuple(self)[:-2])


class RollHousehold(msgspec.Struct):
    """A household in file order of its members; hamlet/address are taken from its first row."""

    household_code: str
    hamlet: str
    address: str
    members: list[RollPerson] = msgspec.field(default_factory=list)
    version: int | None = None  # stored version the file was exported from (None: unknown)

    @property
    def head(self) -> RollPerson | None:
        return next((p for p in self.members if p.relation == "chu_ho"), None)


class Issue(msgspec.Struct, frozen=True, gc=False):
    """A problem found in one cell (or one row when `column` is '')."""

    row: int  # 1-based row in the source file (member index for the web form)
    column: str  # canonical column name, the header as typed for unknown columns, or ''
    message: str  # Vietnamese, '<field label>: <reason>'
    severity: Severity = "error"

    def to_json(self) -> dict[str, object]:
        return {"row": self.row, "column": self.column, "message": self.message}


class ParseResult(msgspec.Struct):
    households: list[RollHousehold]
    errors: list[Issue]
    warnings: list[Issue]
    omitted_errors: int = 0  # past pcgd.common.uploads.MAX_ISSUES: counted, not listed
    omitted_warnings: int = 0

    @property
    def persons(self) -> int:
        return sum(len(h.members) for h in self.households)

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_json(self) -> dict[str, object]:
        """The shape `pcgd import roll --json` prints."""
        return {
            "households": len(self.households),
            "persons": self.persons,
            "errors": [i.to_json() for i in self.errors],
            "warnings": [i.to_json() for i in self.warnings],
        }
