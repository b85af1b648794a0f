"""Numbers and dates the Vietnamese way: 1.234,5 and dd/mm/yyyy, for pages, files and messages.

One definition, used by the Jinja filters (`pcgd.web.app`), the forms, maps and documents, so
no page prints 1023 or 0.86 or 2025-09-30.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

__all__ = ["JINJA_FILTERS", "VN_TIME", "fmt_date", "fmt_int", "fmt_num", "fmt_pct"]

VN_TIME = timezone(timedelta(hours=7), "ICT")  # Vietnam keeps UTC+7 all year


def fmt_int(value: object) -> str:
    """1234567 → '1.234.567'; None or '' → '—'."""
    if value is None or value == "":
        return "—"
    try:
        number = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return str(value)
    return f"{number:,}".replace(",", ".")


def fmt_num(value: object, decimals: int = 2, *, trim: bool = True) -> str:
    """0.8567 → '0,86'; 10.0 → '10'; decimals rounded half up; None → '—'.

    `trim` drops trailing zeros (10,50 → 10,5; 10,00 → 10), as people write numbers.
    """
    if value is None or value == "":
        return "—"
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return str(value)
    quant = Decimal(1).scaleb(-decimals) if decimals > 0 else Decimal(1)
    number = number.quantize(quant, rounding=ROUND_HALF_UP)
    sign = "-" if number < 0 else ""
    text = f"{abs(number):.{max(decimals, 0)}f}"
    whole, _, frac = text.partition(".")
    if trim:
        frac = frac.rstrip("0")
    grouped = f"{int(whole):,}".replace(",", ".")
    return f"{sign}{grouped},{frac}" if frac else f"{sign}{grouped}"


def fmt_pct(value: object, decimals: int = 2) -> str:
    """A percentage given as 0–100: 95.5 → '95,5%'; None → '—'."""
    return "—" if value is None or value == "" else f"{fmt_num(value, decimals)}%"


def fmt_date(value: object) -> str:
    """date(2025, 9, 30) or '2025-09-30' → '30/09/2025'; a bare year stays a year."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        local = value.astimezone(VN_TIME) if value.tzinfo is not None else value
        return local.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    text = str(value)
    if len(text) >= 10 and text[4] == "-" and text[7] == "-":
        try:
            return date.fromisoformat(text[:10]).strftime("%d/%m/%Y")
        except ValueError:
            return text
    return text


JINJA_FILTERS = {"vn_int": fmt_int, "vn_num": fmt_num, "vn_pct": fmt_pct, "vn_date": fmt_date}
