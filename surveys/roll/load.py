"""One call for an uploaded file of either format: what the CLI and the upload page use."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from surveys.roll.mau_nhap_lieu import convert_rows
from surveys.roll.model import ParseResult
from surveys.roll.reader import (
    MAU_NHAP_LIEU_SHEET,
    SPREADSHEET_SUFFIXES,
    RollFileError,
    Source,
    open_workbook,
    read_table,
    sheet_rows,
)
from surveys.roll.validate import parse_roll, validate_records

__all__ = ["LoadedRoll", "parse_file"]


@dataclass(slots=True)
class LoadedRoll:
    """The parse result plus what `write_annotated` needs to mark the upload."""

    format: str  # 'roll' | 'mau_nhap_lieu'
    result: ParseResult
    table: list[list[str]]  # every row of the file (header rows included)
    column_index: dict[str, int] | None  # None: read the roll header from table[0]


def parse_file(
    source: Source,
    filename: str,
    *,
    year: int,
    known_schools: Collection[str] | None = None,
) -> LoadedRoll:
    """Detect the format (a sheet named MauNhapLieu wins), read once, apply every rule.

    Raises `RollFileError` when the file cannot be read at all.
    """
    schools = None if known_schools is None else frozenset(known_schools)
    if not filename.lower().endswith(SPREADSHEET_SUFFIXES):
        header, rows = read_table(source, filename)
    else:
        workbook = open_workbook(source, filename)
        wanted = MAU_NHAP_LIEU_SHEET.lower()
        sheet = next((n for n in workbook.sheet_names if n.strip().lower() == wanted), None)
        if sheet is not None:
            mnl = convert_rows(sheet_rows(workbook, sheet), year=year)
            result = validate_records(
                mnl.records, year=year, known_schools=schools, extra=mnl.issues
            )
            return LoadedRoll("mau_nhap_lieu", result, mnl.rows, mnl.column_index)
        table = sheet_rows(workbook, 0)
        if not table:
            raise RollFileError(f"{filename}: tệp rỗng")
        header, rows = table[0], table[1:]
    result = parse_roll(header, rows, year=year, known_schools=schools)
    return LoadedRoll("roll", result, [header, *rows], None)
