"""Workflow tables. The state itself is surveys' `survey_period` (read by the write gate)."""

from piccolo.columns import JSONB, Date, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.column_types import ForeignKey
from piccolo.table import Table

from pcgd.units.tables import AdminUnit


class WorkflowTransition(Table, tablename="workflow_transition"):
    """Every change of a unit-year's state, with who, when and why."""

    id = Serial(primary_key=True)
    unit = ForeignKey(AdminUnit, on_delete=OnDelete.restrict)
    year = Integer()
    action = Varchar(length=20)  # submit | return | approve | lock | unlock
    from_state = Varchar(length=12)
    to_state = Varchar(length=12)
    at = Timestamptz()
    user_id = Integer(null=True, default=None)
    username = Varchar(length=100, default="")
    reason = Text(default="")


class WorkflowIssue(Table, tablename="workflow_issue"):
    """A reviewer's remark pinned to a household or a person of a returned commune."""

    id = Serial(primary_key=True)
    unit = ForeignKey(AdminUnit, on_delete=OnDelete.restrict)
    year = Integer()
    household_id = Integer(null=True, default=None)
    person_id = Integer(null=True, default=None)
    criterion = Varchar(length=40, default="")
    text = Text()
    status = Varchar(length=10, default="open")  # open | answered | resolved
    answer = Text(default="")
    created_at = Timestamptz()
    created_by = Varchar(length=100, default="")
    answered_at = Timestamptz(null=True, default=None)
    answered_by = Varchar(length=100, default="")
    resolved_at = Timestamptz(null=True, default=None)


class RecognitionDecision(Table, tablename="recognition_decision"):
    """The decision recognising a unit's levels, with the evaluation it was based on."""

    id = Serial(primary_key=True)
    unit = ForeignKey(AdminUnit, on_delete=OnDelete.restrict)
    year = Integer()
    number = Varchar(length=60)
    decision_date = Date()
    signer = Varchar(length=200)
    levels = JSONB()  # standard → recognised level
    evaluation = JSONB()  # the snapshot (standards.md §7 object)
    created_at = Timestamptz()
    created_by = Varchar(length=100, default="")


class UnlockRequest(Table, tablename="unlock_request"):
    """A unit asks the level above to reopen an approved or locked year."""

    id = Serial(primary_key=True)
    unit = ForeignKey(AdminUnit, on_delete=OnDelete.restrict)
    year = Integer()
    reason = Text()
    status = Varchar(length=10, default="pending")  # pending | granted | refused
    requested_at = Timestamptz()
    requested_by = Varchar(length=100, default="")
    decided_at = Timestamptz(null=True, default=None)
    decided_by = Varchar(length=100, default="")
    answer = Text(default="")


class WorkflowPeriod(Table, tablename="workflow_period"):
    """A province's survey period: entry window and the deadlines of each level."""

    id = Serial(primary_key=True)
    province = ForeignKey(AdminUnit, on_delete=OnDelete.restrict)
    year = Integer()
    entry_from = Date()
    entry_to = Date()
    commune_deadline = Date()
    district_deadline = Date()
    province_deadline = Date()
    updated_at = Timestamptz()
    updated_by = Varchar(length=100, default="")
