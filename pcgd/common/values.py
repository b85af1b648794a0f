"""Text ↔ value conversions for dates and years, shared by readers, validator and writers.

Parsing is hand-written string slicing rather than regex: it runs on every date cell of an
import and is about three times faster.
"""

from __future__ import annotations

import datetime as dt

__all__ = [
    "data_period",
    "format_date",
    "format_date_vn",
    "parse_date",
    "parse_int",
    "parse_year",
]

MIN_YEAR = 1900
MAX_YEAR = 2199

DateParse = tuple[dt.date | None, int | None, str | None]


def data_period(year: int) -> tuple[dt.date, dt.date]:
    """The survey's data period: 1 Oct of the previous year to 30 Sep of `year` (standards §1)."""
    return dt.date(year - 1, 10, 1), dt.date(year, 9, 30)


def _digits(text: str, lo: int, hi: int) -> int | None:
    return int(text) if lo <= len(text) <= hi and text.isdigit() and text.isascii() else None


def parse_date(text: str, *, year_only: bool = True) -> DateParse:
    """Parse `YYYY-MM-DD`, `DD/MM/YYYY` (1- or 2-digit day/month) or, if allowed, `YYYY`.

    Returns (date or None, year or None, reason or None); reason is a Vietnamese phrase.
    """
    if len(text) > 10 and text[10] in " T" and text[4:5] == "-":
        text = text[:10]  # an ISO timestamp from a spreadsheet: the day is what was typed
    y = m = d = None
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        y, m, d = _digits(text[:4], 4, 4), _digits(text[5:7], 2, 2), _digits(text[8:], 2, 2)
    elif "/" in text:
        parts = text.split("/")
        if len(parts) == 3:
            d, m, y = _digits(parts[0], 1, 2), _digits(parts[1], 1, 2), _digits(parts[2], 4, 4)
    elif len(text) == 4 and text.isdigit():
        if not year_only:
            return None, None, f"cần ngày đầy đủ, không chỉ năm ({text})"
        y = int(text)
        if not MIN_YEAR <= y <= MAX_YEAR:
            return None, None, f"năm không hợp lý ({text})"
        return None, y, None
    if y is None or m is None or d is None:
        allowed = "YYYY-MM-DD, DD/MM/YYYY" + (" hoặc YYYY" if year_only else "")
        return None, None, f"không đúng định dạng ngày ({allowed}): “{text}”"
    if not MIN_YEAR <= y <= MAX_YEAR:
        return None, None, f"năm không hợp lý ({text})"
    try:
        return dt.date(y, m, d), y, None
    except ValueError:
        return None, None, f"ngày không tồn tại ({text})"


def parse_year(text: str) -> tuple[int | None, str | None]:
    """A four-digit year (a spreadsheet's `2015.0` is accepted)."""
    if text.endswith(".0"):
        text = text[:-2]
    y = _digits(text, 4, 4)
    if y is None:
        return None, f"không phải năm 4 chữ số (“{text}”)"
    if not MIN_YEAR <= y <= MAX_YEAR:
        return None, f"năm không hợp lý ({text})"
    return y, None


def parse_int(text: str) -> int | None:
    if text.endswith(".0"):
        text = text[:-2]
    return _digits(text, 1, 3)


def format_date(value: dt.date | None, year: int | None = None) -> str:
    """How a date is written in the roll: ISO, or the bare year when only that is known."""
    if value is not None:
        return value.isoformat()
    return "" if year is None else str(year)


def format_date_vn(value: dt.date) -> str:
    """How a date is shown to a user in a message: 31/12/2030."""
    return f"{value.day:02d}/{value.month:02d}/{value.year}"
