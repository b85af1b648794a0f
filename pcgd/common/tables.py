"""Read an uploaded table (CSV or spreadsheet: a roll, a registry list) into plain text cells.

Every cell becomes the text a person would have typed (2015.0 → "2015", a date → ISO), so the
validator sees one representation whatever the file type.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from python_calamine import CalamineError, CalamineWorkbook

from pcgd.common.csvcells import restore
from pcgd.common.uploads import MAX_COLUMNS, MAX_ROWS, UploadRefused, check_rows, check_upload

__all__ = [
    "SPREADSHEET_SUFFIXES",
    "RollFileError",
    "Source",
    "cell_text",
    "open_workbook",
    "read_table",
    "sheet_rows",
]

Source = str | Path | bytes
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")


class RollFileError(ValueError):
    """The file cannot be read at all (as opposed to rows with errors); message in Vietnamese."""


def _suffix(filename: str) -> str:
    return Path(filename).suffix.lower()


def _bytes(source: Source) -> bytes:
    if isinstance(source, bytes):
        return source
    return Path(source).read_bytes()


def cell_text(value: object) -> str:
    """A spreadsheet value as typed text: whole floats lose `.0`, dates become ISO."""
    if type(value) is str:  # most cells; checked first because this runs on every cell
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def check_limits(source: Source, filename: str) -> None:
    """The upload limits (`pcgd.common.uploads`) as a RollFileError, before any parsing."""
    try:
        check_upload(source if isinstance(source, bytes) else Path(source), filename)
    except UploadRefused as exc:
        raise RollFileError(str(exc)) from exc


def open_workbook(source: Source, filename: str = "") -> CalamineWorkbook:
    check_limits(source, filename or "tệp.xlsx")
    try:
        return CalamineWorkbook.from_filelike(io.BytesIO(_bytes(source)))
    except (CalamineError, ValueError, OSError) as exc:
        name = filename or (str(source) if not isinstance(source, bytes) else "tệp")
        raise RollFileError(  # the library's reason is English: say what to do instead
            f"Không đọc được bảng tính {name}: tệp hỏng hoặc không phải .xlsx/.xls/.ods;"
            " hãy mở bằng Excel rồi lưu lại dạng .xlsx"
        ) from exc


def sheet_rows(workbook: CalamineWorkbook, sheet: str | int = 0) -> list[list[str]]:
    """All rows of a sheet from A1 (empty leading rows/columns kept, so indices are stable)."""
    ws = (
        workbook.get_sheet_by_index(sheet)
        if isinstance(sheet, int)
        else (workbook.get_sheet_by_name(sheet))
    )
    try:  # header rows on top of the data rows: a few more than MAX_ROWS
        check_rows(max(ws.total_height - 10, 0), ws.total_width, str(ws.name))
    except UploadRefused as exc:
        raise RollFileError(str(exc)) from exc
    rows = [
        [v.strip() if type(v) is str else cell_text(v) for v in row]
        for row in ws.to_python(skip_empty_area=False)
    ]
    while rows and not any(rows[-1]):
        rows.pop()
    return rows


def _read_csv(data: bytes, filename: str) -> list[list[str]]:
    """Rows read one at a time, stopping at the row limit (a file of millions of rows is refused
    after reading MAX_ROWS of them, never held whole)."""
    check_limits(data, filename or "tệp.csv")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RollFileError(
            f"{filename or 'Tệp CSV'}: không phải UTF-8 (byte lỗi ở vị trí {exc.start}); "
            "hãy lưu lại dạng “CSV UTF-8”"
        ) from exc
    first = text.split("\n", 1)[0]
    # Spreadsheets set to a Vietnamese locale save CSV with ';' (the roll always has many
    # columns, so a header with no comma but with ';' cannot be a one-column comma file).
    delimiter = ";" if "," not in first and ";" in first else ","
    rows: list[list[str]] = []
    try:
        lines = text.count("\n")
        if lines > MAX_ROWS + 1:  # a roll has no line breaks inside cells: refuse at once
            check_rows(lines - 1, 0, filename)
        for row in csv.reader(io.StringIO(text), delimiter=delimiter):
            if len(rows) > MAX_ROWS or len(row) > MAX_COLUMNS:
                check_rows(len(rows), len(row), filename)
            rows.append([restore(c.strip()) for c in row])
    except UploadRefused as exc:
        raise RollFileError(str(exc)) from exc
    except csv.Error as exc:
        raise RollFileError(f"{filename or 'Tệp CSV'}: dòng {len(rows) + 1} lỗi ({exc})") from exc
    while rows and not any(rows[-1]):
        rows.pop()
    return rows


def read_table(source: Source, filename: str) -> tuple[list[str], list[list[str]]]:
    """Header row and data rows of a roll file; `filename` decides the type by its suffix.

    CSV: UTF-8 with or without BOM, comma separated. Spreadsheets: the first sheet.
    """
    suffix = _suffix(filename)
    if suffix == ".csv" or suffix == ".txt":
        rows = _read_csv(_bytes(source), filename)
    elif suffix in SPREADSHEET_SUFFIXES:
        rows = sheet_rows(open_workbook(source, filename), 0)
    else:
        raise RollFileError(f"{filename}: chỉ nhận tệp .csv hoặc .xlsx (định dạng pcgd roll v1)")
    if not rows:
        raise RollFileError(f"{filename}: tệp rỗng")
    return rows[0], rows[1:]
