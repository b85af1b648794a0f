"""Reading a roll file: the generic table reading is pcgd.common.tables (the registry reads its
lists with it too); what is the roll's own is the MauNhapLieu workbook's detection."""

from __future__ import annotations

from typing import Literal

from pcgd.common.tables import (
    SPREADSHEET_SUFFIXES,
    RollFileError,
    Source,
    _suffix,
    cell_text,
    check_limits,
    open_workbook,
    read_table,
    sheet_rows,
)

__all__ = [
    "MAU_NHAP_LIEU_SHEET",
    "SPREADSHEET_SUFFIXES",
    "RollFileError",
    "Source",
    "cell_text",
    "check_limits",
    "detect_format",
    "open_workbook",
    "read_table",
    "sheet_rows",
]

MAU_NHAP_LIEU_SHEET = "MauNhapLieu"


def detect_format(source: Source, filename: str) -> Literal["roll", "mau_nhap_lieu"]:
    """'mau_nhap_lieu' for a workbook with a sheet named MauNhapLieu, else 'roll'."""
    if _suffix(filename) not in SPREADSHEET_SUFFIXES:
        return "roll"
    names = open_workbook(source, filename).sheet_names
    wanted = MAU_NHAP_LIEU_SHEET.lower()
    return "mau_nhap_lieu" if any(n.strip().lower() == wanted for n in names) else "roll"
