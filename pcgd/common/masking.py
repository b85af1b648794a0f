"""Personal IDs in lists: enough to tell people apart, not enough to use (`0190••••6893`).

The full ID is shown only where a user in scope opens one person (and that view is audited).
"""

from __future__ import annotations

BULLET = "•"


def mask_id(value: object) -> str:
    """`019012346893` → `0190••••6893`; short or odd values are hidden whole."""
    text = "" if value is None else str(value).strip()
    if not text:
        return ""
    if len(text) < 9:
        return BULLET * len(text)
    return text[:4] + BULLET * (len(text) - 8) + text[-4:]
