"""The cell model every form is built into: one xlsx writer and one HTML preview read it.

A builder is a pure function from a data object to a `Form`: sheets of cells (value, style,
optional formula with its cached value), merged ranges, column widths, row heights and the print
setup. Nothing here knows xlsxwriter or HTML, so both outputs show the same cells.
Rows and columns are 0-based, as in xlsxwriter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

Value = str | int | float | None


@dataclass(frozen=True, slots=True)
class Style:
    """How a cell looks. `border` lists the sides with a thin line ("LRTB")."""

    font: str = "Arial"
    size: float = 10
    bold: bool = False
    italic: bool = False
    h: str = ""  # "" (general) | left | center | right
    v: str = "vcenter"  # top | vcenter | bottom
    wrap: bool = False
    border: str = ""
    num: str = ""  # number format; "" = General
    fill: str = ""  # background "#RRGGBB"

    def but(self, **changes: object) -> Style:
        return replace(self, **changes)  # type: ignore[arg-type]


PLAIN = Style()
PERCENT = "0.00%"
COUNT = "#,##0"
RATIO = "0.00"


@dataclass(slots=True)
class Cell:
    value: Value = None
    style: Style = PLAIN
    formula: str = ""  # "=F14/F13"; `value` is then its cached result


@dataclass(frozen=True, slots=True)
class Page:
    """Print setup: A4, fit to one page wide, the header rows repeated on every page."""

    landscape: bool = False
    paper: int = 9  # A4
    margins: tuple[float, float, float, float] = (0.3, 0.2, 0.5, 0.4)  # left right top bottom
    header_margin: float = 0.2
    footer_margin: float = 0.2
    repeat_rows: tuple[int, int] | None = None
    center: bool = True


@dataclass
class Body:
    """Rows streamed after the fixed cells (long name lists): values only, one style per
    column. Written in xlsxwriter's constant-memory mode, never held whole in memory."""

    first_row: int
    rows: Iterable[Sequence[Value]]
    styles: Sequence[Style]
    height: float | None = None


@dataclass
class Sheet:
    name: str
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    widths: dict[int, float] = field(default_factory=dict)
    heights: dict[int, float] = field(default_factory=dict)
    page: Page = field(default_factory=Page)
    gridlines: bool = False  # on screen
    zoom: int = 100
    freeze: tuple[int, int] | None = None
    body: Body | None = None
    page_breaks: list[int] = field(default_factory=list)  # rows that start a new page
    preview_rows: int = 60  # the HTML preview shows at most this many rows

    def put(self, row: int, col: int, value: Value, style: Style = PLAIN,
            formula: str = "") -> None:
        self.cells[(row, col)] = Cell(value, style, formula)

    def merge(self, r1: int, c1: int, r2: int, c2: int, value: Value, style: Style = PLAIN,
              formula: str = "") -> None:
        """A merged range; every cell of it takes `style` (so borders close around it)."""
        self.merges.append((r1, c1, r2, c2))
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                self.cells[(r, c)] = Cell(None, style)
        self.cells[(r1, c1)] = Cell(value, style, formula)

    def style_range(self, r1: int, c1: int, r2: int, c2: int, style: Style) -> None:
        """Empty styled cells (borders of a table that has no value there)."""
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                self.cells.setdefault((r, c), Cell(None, style))

    @property
    def last_row(self) -> int:
        return max((r for r, _ in self.cells), default=-1)

    @property
    def last_col(self) -> int:
        return max((c for _, c in self.cells), default=-1)

    def value(self, row: int, col: int) -> Value:
        cell = self.cells.get((row, col))
        return None if cell is None else cell.value


@dataclass
class Form:
    """One official form (one .xlsx file)."""

    code: str  # as printed on the form: "MN-01-TC, ĐK"
    title: str
    sheets: list[Sheet]

    @property
    def file_name(self) -> str:
        return file_name(self.code)


def file_name(code: str) -> str:
    """`MN-01-TC, ĐK` → `MN-01-TC-ĐK.xlsx` (spaces, commas, slashes → one `-`)."""
    return re.sub(r"[\s,/]+", "-", code.strip()).strip("-") + ".xlsx"


def col_letter(col: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    out = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def ref(row: int, col: int) -> str:
    """A1 reference of a 0-based cell."""
    return f"{col_letter(col)}{row + 1}"


def sheet_name(text: str, taken: set[str]) -> str:
    """A valid, unique Excel sheet name (≤ 31 characters, none of []:*?/\\)."""
    base = re.sub(r"[\[\]:*?/\\]", " ", text).strip()[:31] or "Sheet"
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name = base[: 31 - len(suffix)] + suffix
        n += 1
    taken.add(name.lower())
    return name
