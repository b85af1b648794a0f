"""API shapes of the forms page's data (msgspec)."""

from __future__ import annotations

import msgspec


class FormItem(msgspec.Struct):
    form: str  # the code as printed
    file: str  # the file name
    title: str
    group: str
    sheets: int


class CheckItem(msgspec.Struct):
    check: str
    area: str
    left: str
    right: str
    left_value: float | str | None  # a number (JSON number: one schema, not int and float)
    right_value: float | str | None
    agrees: bool


class FormSetOut(msgspec.Struct):
    unit: str
    year: int
    files: list[FormItem]
    checks: list[CheckItem]
    disagreements: int
    not_produced: list[str]
    pending: list[str]
