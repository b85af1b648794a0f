"""Declarative tables: a form is a list of columns (or rows) with their sources.

`Col` describes one column of a table whose rows are units or schools: its header path (group
labels down to the leaf), width, and where its value comes from — a function of the row item,
a rate of two other columns (written as the form's formula with its cached value) or a sum of
columns. `AgeRow` does the same for tables whose rows are indicators and columns ages.
`table()` lays out the header tree with merged cells, the numbered column row and the rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from reports.forms import common as c
from reports.model import Sheet, Style, Value, ref

HEAD = Style(size=9, bold=True, h="center", wrap=True, border=c.ALL)


@dataclass(frozen=True)
class Col:
    key: str
    head: tuple[str, ...]
    width: float = 7.0
    value: Callable[[Any], Value] | None = None
    rate: tuple[str, str] | None = None  # (numerator key, denominator key)
    ratio: bool = False  # the rate as a plain ratio (0,00) rather than a percentage
    total: tuple[str, ...] = ()  # sum of these columns
    diff: tuple[str, str] | None = None  # a − b
    style: Style | None = None


@dataclass
class Row:
    """One row of a table: the item its values come from, and row-level style."""

    item: Any
    bold: bool = False
    label_style: Style | None = None
    cells: dict[str, Value] = field(default_factory=dict)  # fixed values by column key


def header(sheet: Sheet, top: int, cols: Sequence[Col], *, numbers: bool = True,
           height: float = 30.0) -> int:
    """The header tree from row `top`; returns the first row after it (and the number row)."""
    depth = max(len(col.head) for col in cols)
    for j in range(depth):
        i = 0
        while i < len(cols):
            head = cols[i].head
            if len(head) <= j:
                i += 1
                continue
            if j == len(head) - 1:  # the leaf: down to the last header row
                sheet.merge(top + j, i, top + depth - 1, i, head[j], HEAD) if depth - 1 > j \
                    else sheet.put(top + j, i, head[j], HEAD)
                i += 1
                continue
            k = i
            while k + 1 < len(cols) and cols[k + 1].head[: j + 1] == head[: j + 1] \
                    and len(cols[k + 1].head) > j + 1:
                k += 1
            if k > i:
                sheet.merge(top + j, i, top + j, k, head[j], HEAD)
            else:
                sheet.put(top + j, i, head[j], HEAD)
            i = k + 1
    for j in range(depth):
        sheet.heights[top + j] = height
    for i, col in enumerate(cols):
        sheet.widths[i] = col.width
    row = top + depth
    if numbers:
        index = {col.key: i for i, col in enumerate(cols)}
        for i, col in enumerate(cols):
            label = str(i + 1)
            if col.rate:
                label += f"={index[col.rate[0]] + 1}/{index[col.rate[1]] + 1}"
            elif col.total:
                label += "=" + "+".join(str(index[k] + 1) for k in col.total)
            elif col.diff:
                label += f"={index[col.diff[0]] + 1}-{index[col.diff[1]] + 1}"
            sheet.put(row, i, int(label) if label.isdigit() else label,
                      c.COLNO.but(size=7 if len(label) > 3 else 8))
        row += 1
    return row


def rows(sheet: Sheet, first: int, cols: Sequence[Col], items: Sequence[Row]) -> int:
    """Write the rows from `first`; returns the row after the last."""
    index = {col.key: i for i, col in enumerate(cols)}
    for n, item in enumerate(items):
        r = first + n
        values: dict[str, Value] = dict(item.cells)  # fixed values, for formulas on either side
        for i, col in enumerate(cols):
            style = col.style or (c.PCT if col.rate and not col.ratio else
                                  c.DEC if col.ratio else c.NUM)
            if item.bold:
                style = style.but(bold=True)
            if i == 1 and item.label_style is not None:
                style = item.label_style
            if col.key in item.cells:
                value = item.cells[col.key]
                sheet.put(r, i, value, style)
                values[col.key] = value
            elif col.rate:
                a, b = col.rate
                num, den = values.get(a), values.get(b)
                c.rate(sheet, r, i, (r, index[a]), (r, index[b]),
                       num if isinstance(num, int | float) else None,
                       den if isinstance(den, int | float) else None, style)
                values[col.key] = sheet.value(r, i)
            elif col.total:
                parts = [values.get(k) for k in col.total]
                nums = [p if isinstance(p, int | float) else None for p in parts]
                c.total(sheet, r, i, [(r, index[k]) for k in col.total], nums, style)  # type: ignore[arg-type]
                values[col.key] = sheet.value(r, i)
            elif col.diff:
                a, b = (values.get(k) for k in col.diff)
                if isinstance(a, int | float) and isinstance(b, int | float):
                    sheet.put(r, i, a - b, style,
                              f"={ref(r, index[col.diff[0]])}-{ref(r, index[col.diff[1]])}")
                else:
                    sheet.put(r, i, None, style)
                values[col.key] = sheet.value(r, i)
            else:
                value = col.value(item.item) if col.value else None
                sheet.put(r, i, value, style)
                values[col.key] = value
    return first + len(items)


def sum_rows(sheet: Sheet, row: int, cols: Sequence[Col], first: int, last: int,
             label: str, skip: Sequence[str] = ()) -> None:
    """A "Cộng" row summing rows first..last (formulas), rates recomputed on the sums."""
    index = {col.key: i for i, col in enumerate(cols)}
    values: dict[str, float | None] = {}
    for i, col in enumerate(cols):
        style = (col.style or (c.PCT if col.rate and not col.ratio else
                               c.DEC if col.ratio else c.NUM)).but(bold=True)
        if i == 1:
            sheet.put(row, i, label, c.LABEL_B)
            continue
        if i == 0 or col.key in skip:
            sheet.put(row, i, None, style)
            continue
        if col.rate:
            a, b = col.rate
            c.rate(sheet, row, i, (row, index[a]), (row, index[b]), values.get(a),
                   values.get(b), style)
            continue
        cells = [sheet.value(r, i) for r in range(first, last + 1)]
        if any(v is None for v in cells) or any(isinstance(v, str) for v in cells):
            sheet.put(row, i, None, style)
            values[col.key] = None
            continue
        total = sum(float(v) for v in cells)  # type: ignore[arg-type]
        total_value: float = int(total) if float(total).is_integer() else total
        if last >= first:
            sheet.put(row, i, total_value, style,
                      f"=SUM({ref(first, i)}:{ref(last, i)})")
        else:
            sheet.put(row, i, 0, style)
        values[col.key] = total_value
