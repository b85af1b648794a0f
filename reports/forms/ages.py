"""Tables whose rows are indicators and whose columns are ages (TH-M1, THCS-M1, XMC-3, CMC-2).

A row names its source once (a count, PPC-group or not; a custom function; or a rate of two
other rows) and the helper fills every age column, the subtotal columns (SUM formulas with
cached values) and the rates (IF(den=0,"",num/den) formulas with cached values).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reports.data import Area, FormData
from reports.forms import common as c
from reports.model import Sheet, Style

LABEL = Style(size=9, h="left", wrap=True, border=c.ALL)
GROUP = Style(size=9, h="center", wrap=True, border=c.ALL)
CODE = Style(size=8, h="center", border=c.ALL)
NUM = Style(size=9, h="center", border=c.ALL, num="#,##0")
PCT = NUM.but(num="0.00%")
SUBTOTAL = NUM.but(bold=True)

Custom = Callable[[FormData, Area, int, int], int | None]  # (data, area, lo, hi) → count


@dataclass(frozen=True)
class AgeRow:
    key: str
    label: str
    count: str = ""  # a count name
    ppc: bool = False  # a PPC-group count (policy twin added)
    custom: Custom | None = None
    rate: tuple[str, str] | None = None  # (numerator row key, denominator row key)
    group: str = ""  # a group label shared by consecutive rows (merged in the first column)
    zero: bool = False  # a row known to be 0 by definition (see the form's notes)


@dataclass(frozen=True)
class AgeCol:
    label: str
    ages: tuple[int, int]  # lo..hi
    subtotal: tuple[int, ...] = ()  # indexes of the columns it sums (a subtotal column)
    birth_year: bool = True
    width: float = 7.0


def value(data: FormData, area: Area, row: AgeRow, lo: int, hi: int) -> int | None:
    if row.zero:
        return 0
    if row.custom is not None:
        return row.custom(data, area, lo, hi)
    return (data.p if row.ppc else data.n)(area, row.count, lo, hi)


def table(sheet: Sheet, data: FormData, area: Area, top: int, first_col: int,
          rows: Sequence[AgeRow], cols: Sequence[AgeCol], *, label_cols: int = 4,
          code_col: bool = True) -> dict[str, int]:
    """Header (birth years, ages) at `top`, rows below; returns row key → sheet row."""
    label_first = first_col - label_cols - (1 if code_col else 0)
    sheet.merge(top, label_first, top, label_first + label_cols - 1, "Năm sinh", GROUP)
    sheet.merge(top + 1, label_first, top + 1, label_first + label_cols - 1, "Độ tuổi", GROUP)
    if code_col:
        sheet.put(top, first_col - 1, 1, CODE)
        sheet.put(top + 1, first_col - 1, 2, CODE)
    for i, col in enumerate(cols):
        x = first_col + i
        lo, hi = col.ages
        if col.subtotal or lo != hi or not col.birth_year:
            years = f"{data.year - hi}–{data.year - lo}" if lo != hi else str(data.year - lo)
            sheet.put(top, x, years, Style(size=8, bold=True, h="center", border=c.ALL))
        else:
            sheet.put(top, x, data.year - lo, Style(bold=True, h="center", border=c.ALL))
        sheet.put(top + 1, x, col.label, Style(size=8, h="center", border=c.ALL, wrap=True,
                                                bold=bool(col.subtotal)))
        sheet.widths.setdefault(x, col.width)
    where: dict[str, int] = {}
    r = top + 2
    # Group labels: consecutive rows with the same group share a merged first label cell.
    spans: list[tuple[int, int, str]] = []
    for i, row in enumerate(rows):
        where[row.key] = r + i
        if row.group and (not spans or spans[-1][2] != row.group or spans[-1][1] != i - 1):
            spans.append((i, i, row.group))
        elif row.group:
            spans[-1] = (spans[-1][0], i, row.group)
    grouped = {i for a, b, _ in spans for i in range(a, b + 1)}
    for a, b, text in spans:
        if b > a:
            sheet.merge(r + a, label_first, r + b, label_first, text, GROUP)
        else:
            sheet.put(r + a, label_first, text, GROUP)
    for i, row in enumerate(rows):
        y = r + i
        sheet.heights[y] = 17.25
        if i in grouped:
            if label_cols > 2:
                sheet.merge(y, label_first + 1, y, label_first + label_cols - 1, row.label, LABEL)
            else:
                sheet.put(y, label_first + 1, row.label, LABEL)
        else:
            sheet.merge(y, label_first, y, label_first + label_cols - 1, row.label, LABEL)
        if code_col:
            sheet.put(y, first_col - 1, i + 3, CODE)
        for j, col in enumerate(cols):
            x = first_col + j
            style = SUBTOTAL if col.subtotal else NUM
            if row.rate is not None:
                a, b = where[row.rate[0]], where[row.rate[1]]
                num, den = sheet.value(a, x), sheet.value(b, x)
                c.rate(sheet, y, x, (a, x), (b, x),
                       num if isinstance(num, int) else None,
                       den if isinstance(den, int) else None,
                       PCT.but(bold=True) if col.subtotal else PCT)
            elif col.subtotal:
                parts = [sheet.value(y, first_col + k) for k in col.subtotal]
                c.total(sheet, y, x, [(y, first_col + k) for k in col.subtotal],
                        [p if isinstance(p, int) else None for p in parts], style)
            else:
                sheet.put(y, x, value(data, area, row, *col.ages), style)
    return where


def age_cols(ages: Sequence[int], subtotal_after: Sequence[tuple[int, int]] = ()
             ) -> list[AgeCol]:
    """One column per age, with subtotal columns after the ages that close a band."""
    out: list[AgeCol] = []
    band_start = 0
    closes = dict(subtotal_after)
    for age in ages:
        out.append(AgeCol(f"{age} tuổi", (age, age)))
        if age in closes:
            lo = closes[age]
            members = tuple(i for i, col in enumerate(out)
                            if not col.subtotal and lo <= col.ages[0] <= age)
            out.append(AgeCol(f"{lo}-{age} tuổi", (lo, age), members))
            band_start = len(out)
    del band_start
    return out
