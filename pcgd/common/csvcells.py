"""CSV cells that a spreadsheet would run as formulas, made inert and made whole again.

A cell starting with `= + - @`, a tab or a carriage return is a formula to Excel and
LibreOffice (`=HYPERLINK(…)`, `=cmd|' /C calc'!A0`). Every CSV the product writes passes its
cells through `neutralise`, which puts a `'` in front (spreadsheets show the text as typed);
every CSV it reads passes them through `restore`, so an exported file imports back unchanged.
A cell that already starts with `'` before such a character gets one more `'`, so `restore`
is an exact inverse.
"""

from __future__ import annotations

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def _needs_quote(text: str) -> bool:
    return text.lstrip("'").startswith(TRIGGERS)


def neutralise(value: object) -> object:
    """The cell to write: strings that could run as a formula get a leading `'`."""
    if isinstance(value, str) and value and _needs_quote(value):
        return "'" + value
    return value


def restore(text: str) -> str:
    """The cell as it was before `neutralise`."""
    if text.startswith("'") and _needs_quote(text[1:]):
        return text[1:]
    return text
