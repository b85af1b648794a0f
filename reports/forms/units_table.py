"""Forms with one row per unit: the unit's total first ("TOÀN HUYỆN"/"TOÀN TỈNH"), then one
row per lower unit; a commune's literacy forms list its hamlets under the commune's row."""

from __future__ import annotations

from collections.abc import Sequence

from reports.data import Area, FormData
from reports.forms import common as c
from reports.forms import grid
from reports.model import Form, Sheet


def items(data: FormData, *, hamlets: bool = False) -> list[grid.Row]:
    rows = [grid.Row(data.total, bold=True, label_style=c.LABEL_B, cells={"tt": None})]
    lower: Sequence[Area] = data.hamlets if hamlets and data.unit_kind == "commune" else (
        data.parts)
    rows += [grid.Row(area, label_style=c.LABEL, cells={"tt": n})
             for n, area in enumerate(lower, 1)]
    return rows


def result(data: FormData, area: Area, std: str) -> str:
    """The recognised level of a standard for a unit row ('' for hamlets)."""
    return c.level_text(area, std) if area.evaluation is not None else ""


def build(data: FormData, sheet: Sheet, code: str, title: str, cols: Sequence[grid.Col],
          form_title: str, *, hamlets: bool = False, when_prefix: str = "Thời điểm",
          top: int = 3) -> Form:
    c.header(sheet, data, code, title, len(cols) - 1, when_prefix=when_prefix)
    first = grid.header(sheet, top, cols)
    end = grid.rows(sheet, first, cols, items(data, hamlets=hamlets))
    c.signature(sheet, data, end + 2, 1, (max(2, len(cols) - 8), len(cols) - 1))
    return Form(code, form_title, [sheet])
