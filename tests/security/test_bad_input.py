"""Hole 9: bad input answered with a 4xx and a Vietnamese message, never a 500."""

from __future__ import annotations

import pytest

from tests.factories import login
from tests.security.conftest import YEAR, A, World

CASES = [
    ("GET", "/api/units/0%00/evaluation?year=2024"),  # a NUL byte in a unit code
    ("GET", "/api/communes/31117%00/households?year=2024"),
    ("GET", "/communes/%00/households?year=2024"),
    ("GET", "/api/households/99999999999"),  # above int32
    ("GET", "/households/99999999999"),
    ("DELETE", "/api/households/99999999999?version=1"),
    ("GET", "/api/person-years/4294967296/move-out"),
    ("GET", f"/api/units/{A}/evaluation?year={YEAR}&policy=x"),  # an unknown policy
    ("GET", f"/api/units/{A}/shortfall?year={YEAR}&criterion=x&policy=x"),
    ("GET", "/api/units/31117/evaluation?year=99999"),  # a year out of range
    ("GET", "/api/units/31117/evaluation?year=-1"),
    ("GET", "/api/registry/learners/99999999999"),
    ("GET", "/api/registry/schools/%00/learners?year=2024"),
    ("GET", f"/api/registry/schools/T{A}/learners?year={YEAR}&offset=-5&limit=99999999999"),
    ("GET", f"/api/communes/{A}/households?year={YEAR}&limit=-1&offset=-1"),
    ("GET", f"/api/communes/{A}/households?year={YEAR}&q=%00"),
    ("GET", f"/communes/{A}/households?year={YEAR}&q=%00&offset=99999999999"),
    ("GET", "/"),  # a 2024 account whose year defaults to another tree (the scope crash)
    ("GET", f"/units/{A}/rollforward?year={YEAR}"),
]


@pytest.mark.parametrize(("method", "url"), CASES)
async def test_bad_input_is_a_clear_4xx(client, world: World, method: str, url: str) -> None:
    await login(client, world.users["commune"])
    answer = await client.request(method, url, headers={"accept": "application/json"})
    assert answer.status_code < 500, (url, answer.text[:300])
    if answer.status_code >= 400 and url.startswith("/api/"):
        detail = answer.json()["detail"]
        assert detail and "internal" not in detail, detail


async def test_a_tampered_or_foreign_session_cookie_is_a_401(client, world: World) -> None:
    for value in ("x" * 5000, "%00", "bad.token.value", "", "a" * 43):
        client.cookies.clear()
        client.cookies.set("pcgd_session", value)
        answer = await client.get("/api/auth/me")
        assert answer.status_code == 401, value
        page = await client.get(f"/communes/{A}/households", headers={"accept": "text/html"},
                                follow_redirects=False)
        assert page.status_code in (302, 303, 401), value
