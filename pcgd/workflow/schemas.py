"""Shapes of the workflow API (interfaces.md: units/{code}/workflow)."""

from __future__ import annotations

import datetime
from typing import Any

import msgspec


class Decision(msgspec.Struct):
    """A recognition decision and the evaluation snapshot it was based on."""

    unit_id: int
    number: str
    date: datetime.date
    signer: str
    levels: dict[str, int | None]  # standard key (mn5, th, …) → recognised level
    evaluation: dict[str, Any]


class IssueIn(msgspec.Struct, forbid_unknown_fields=True):
    text: str
    household_id: int | None = None
    person_id: int | None = None
    criterion: str = ""


class ReturnIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: str
    issues: list[IssueIn] = []


class ApproveIn(msgspec.Struct, forbid_unknown_fields=True):
    decision_number: str
    decision_date: datetime.date
    signer: str


class AnswerIn(msgspec.Struct, forbid_unknown_fields=True):
    answer: str


class ReasonIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: str


class UnlockDecisionIn(msgspec.Struct, forbid_unknown_fields=True):
    grant: bool
    answer: str = ""


class PeriodIn(msgspec.Struct, forbid_unknown_fields=True):
    entry_from: datetime.date
    entry_to: datetime.date
    commune_deadline: datetime.date
    district_deadline: datetime.date
    province_deadline: datetime.date
