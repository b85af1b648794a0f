"""Rows of the staff and facilities forms: one per school of a commune (then "Cộng"), or for a
district or province the total first and then one per lower unit (its schools summed)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from reports.data import FormData, SchoolFacts
from reports.forms import common as c
from reports.forms import grid
from reports.model import Sheet


def summed(label: str, schools: Sequence[SchoolFacts], commune_id: int = 0) -> SchoolFacts:
    facts: dict[str, float] = {}
    for s in schools:
        for key, value in s.facts.items():
            facts[key] = facts.get(key, 0) + value
    levels = tuple(sorted({lv for s in schools for lv in s.levels}))
    return SchoolFacts("", label, commune_id, levels, sum(s.sites for s in schools), facts,
                       len(schools))


def school_rows(data: FormData, level: str) -> tuple[list[grid.Row], bool]:
    """(rows, ends_with_sum): a commune's schools of the level, or the areas' sums."""
    if data.unit_kind == "commune":
        return [grid.Row(s, label_style=c.LABEL) for s in data.schools_of(data.total, level)], True
    out = [grid.Row(summed(data.total.label, data.schools_of(data.total, level)), bold=True,
                    label_style=c.LABEL_B)]
    out += [grid.Row(summed(area.name, data.schools_of(area, level)), label_style=c.LABEL)
            for area in data.parts]
    return out, False


def write(sheet: Sheet, data: FormData, level: str, top: int, cols: Sequence[grid.Col],
          number_of: Callable[[int, grid.Row], object] | None = None) -> int:
    """Header, rows and (for a commune) the "Cộng" row; returns the row after the table."""
    first = grid.header(sheet, top, cols)
    items, ends_with_sum = school_rows(data, level)
    for n, item in enumerate(items):
        if ends_with_sum or n > 0:
            item.cells["tt"] = n + (1 if ends_with_sum else 0)
        else:
            item.cells["tt"] = None
    end = grid.rows(sheet, first, cols, items)
    if ends_with_sum:
        grid.sum_rows(sheet, end, cols, first, end - 1, "Cộng:")
        end += 1
    return end


def name(s: SchoolFacts) -> str:
    return s.name


def fact(key: str) -> Callable[[SchoolFacts], float | None]:
    """A registry figure of the row (a school or a sum of schools)."""
    def get(s: SchoolFacts) -> float | None:
        value = s.get(key)
        if value is None:
            return None
        return int(value) if float(value).is_integer() else round(float(value), 2)
    return get


def facts(*keys: str) -> Callable[[SchoolFacts], float | None]:
    def get(s: SchoolFacts) -> float | None:
        values = [s.get(k) for k in keys]
        if any(v is None for v in values):
            return None
        total = sum(float(v) for v in values)  # type: ignore[arg-type]
        return int(total) if total.is_integer() else round(total, 2)
    return get


def missing(data: FormData, key: str) -> Callable[[SchoolFacts], None]:
    """A column the registry cannot fill yet (listed in reports.pending)."""
    data.missing(key)
    return lambda _s: None
