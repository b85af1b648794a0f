"""Small builders for tests: users and households on real tables."""

from __future__ import annotations

import itertools

from pcgd.accounts import service as accounts
from pcgd.units import service as units

_seq = itertools.count(1)
PASSWORD = "test-password-1"


async def make_user(role: str, unit_code: str | None, year: int) -> str:
    username = f"u{next(_seq)}_{role}"
    unit = await units.resolve(unit_code, year) if unit_code else None
    await accounts.create_user(username, PASSWORD, role, unit)
    return username


async def login(client, username: str) -> None:
    response = await client.post(
        "/api/auth/login", json={"username": username, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
