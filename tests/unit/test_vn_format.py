"""Vietnamese number and date formatting (pcgd.common.vn)."""

from datetime import date, datetime

import pytest

from pcgd.common.vn import fmt_date, fmt_int, fmt_num, fmt_pct


@pytest.mark.parametrize(
    ("value", "text"), [(1023, "1.023"), (2215, "2.215"), (1234567, "1.234.567"), (0, "0"),
                        (-1500, "-1.500"), (None, "—")],
)
def test_int(value, text):
    assert fmt_int(value) == text


@pytest.mark.parametrize(
    ("value", "decimals", "text"),
    [(0.8567, 2, "0,86"), (10.0, 2, "10"), (1234.5, 1, "1.234,5"), (0.125, 2, "0,13"),
     (95, 2, "95"), (-2.5, 1, "-2,5"), (None, 2, "—")],
)
def test_num(value, decimals, text):
    assert fmt_num(value, decimals) == text


def test_pct_and_dates():
    assert fmt_pct(95.5) == "95,5%"
    assert fmt_pct(None) == "—"
    assert fmt_date(date(2025, 9, 30)) == "30/09/2025"
    assert fmt_date("2025-09-30") == "30/09/2025"
    assert fmt_date(datetime(2025, 10, 3, 8, 5)) == "03/10/2025 08:05"
    assert fmt_date("2019") == "2019"
    assert fmt_date(None) == ""
