"""The household roll of one commune for one survey year.

A household row belongs to one commune and one year (its id names that pair, as the API routes
do); a person persists across years and gets one status row per household and year. Survey data
uses OnDelete.restrict so nothing disappears by cascade.
"""

from piccolo.columns import (
    Boolean,
    Date,
    Integer,
    Serial,
    SmallInt,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.column_types import ForeignKey
from piccolo.table import Table

from pcgd.units.tables import AdminUnit, Hamlet


class Household(Table, tablename="household"):
    id = Serial(primary_key=True)
    commune = ForeignKey(AdminUnit, on_delete=OnDelete.restrict)
    year = Integer()
    hamlet = ForeignKey(Hamlet, on_delete=OnDelete.restrict)
    household_code = Varchar(length=64)
    address = Varchar(length=300, default="")
    version = Integer(default=1)  # optimistic locking: every save bumps it
    updated_at = Timestamptz()


class Person(Table, tablename="person"):
    id = Serial(primary_key=True)
    full_name = Varchar(length=200)
    name_key = Varchar(length=200, default="")  # lower-case, no diacritics: search and matching
    birth_date = Date(null=True, default=None)
    birth_year = SmallInt()
    sex = Varchar(length=1)
    ethnicity = Varchar(length=50, default="")
    personal_id = Varchar(length=12, null=True, default=None, index=True)
    father_name = Varchar(length=200, default="")
    mother_name = Varchar(length=200, default="")


class PersonYear(Table, tablename="person_year"):
    """A person's membership and schooling status in one household for one survey year."""

    id = Serial(primary_key=True)
    person = ForeignKey(Person, on_delete=OnDelete.restrict)
    household = ForeignKey(Household, on_delete=OnDelete.restrict)
    commune = ForeignKey(AdminUnit, on_delete=OnDelete.restrict)  # = household's, for roll-ups
    year = Integer()
    position = SmallInt(default=0)  # order inside the household, kept for exact round trips
    relation = Varchar(length=50, default="")
    residence_type = Varchar(length=10, default="thuong_tru")
    disability = Varchar(length=6, default="")
    movement = Varchar(length=10, default="")
    movement_date = Date(null=True, default=None)
    moved_to_commune = ForeignKey(AdminUnit, on_delete=OnDelete.restrict, null=True)
    linked = ForeignKey("self", on_delete=OnDelete.restrict, null=True)  # mover's other record
    enrolled_level = Varchar(length=10, default="")
    enrolled_grade = Varchar(length=3, default="")
    school_code = Varchar(length=20, default="")
    mn_completed_year = SmallInt(null=True, default=None)
    mn_group_completed = SmallInt(null=True, default=None)
    th_completed_year = SmallInt(null=True, default=None)
    thcs_graduated_year = SmallInt(null=True, default=None)
    thpt_graduated_year = SmallInt(null=True, default=None)
    gdnn_completed_year = SmallInt(null=True, default=None)
    xmc_stage_completed = SmallInt(null=True, default=None)
    dropout_grade = SmallInt(null=True, default=None)
    dropout_year = SmallInt(null=True, default=None)
    confirmed = Boolean(default=True)  # False: carried forward, "chưa xác nhận"


class SurveyPeriod(Table, tablename="survey_period"):
    """Approval-workflow state of one unit-year: the one definition every write gate reads.

    `commune` is the unit (a commune; a district for its own step in 3-tier years). No row
    means `draft`. Only pcgd.workflow changes it; surveys.gate refuses writes while the state
    is submitted, approved or locked.
    """

    id = Serial(primary_key=True)
    commune = ForeignKey(AdminUnit, on_delete=OnDelete.restrict)
    year = Integer()
    status = Varchar(length=12, default="draft")  # draft|submitted|returned|approved|locked
    updated_at = Timestamptz()
    updated_by = Integer(null=True, default=None)


class MoverLinkProposal(Table, tablename="mover_link_proposal"):
    """A cross-commune mover link waiting for the other commune (or the level above).

    Until confirmed, neither record changes and each commune sees only its own record.
    """

    id = Serial(primary_key=True)
    year = Integer()
    out_row = ForeignKey(PersonYear, on_delete=OnDelete.cascade)
    in_row = ForeignKey(PersonYear, on_delete=OnDelete.cascade)
    out_commune = ForeignKey(AdminUnit, on_delete=OnDelete.restrict)
    in_commune = ForeignKey(AdminUnit, on_delete=OnDelete.restrict)
    awaiting_commune = ForeignKey(AdminUnit, on_delete=OnDelete.restrict)
    match = Varchar(length=20, default="name")  # personal_id | name
    status = Varchar(length=10, default="pending")  # pending | confirmed | refused
    created_at = Timestamptz()
    created_by = Integer(null=True, default=None)
    decided_at = Timestamptz(null=True, default=None)
    decided_by = Integer(null=True, default=None)
