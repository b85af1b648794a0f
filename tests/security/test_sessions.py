"""Holes 4 and 5: sessions that outlive logout, and unthrottled password guessing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from pcgd import db
from pcgd.accounts import service as accounts
from pcgd.accounts import sessions, throttle
from tests.factories import PASSWORD, login, make_user
from tests.security.conftest import YEAR, A, B


async def _client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                             base_url="http://testserver.local")


async def test_logout_password_change_reset_and_deactivation_end_every_session(app) -> None:
    name = await make_user("commune", A, YEAR)
    async with await _client(app) as one, await _client(app) as two:
        await login(one, name)
        await login(two, name)
        stolen = one.cookies.get("pcgd_session")
        assert (await two.post("/api/auth/logout", json={})).status_code == 200
        after = (await one.get("/api/auth/me")).status_code
        print(f"\nanother browser's session after logout: {after}")
        # The other browser's cookie (and a copy of it) no longer works.
        assert (await one.get("/api/auth/me")).status_code == 401
        async with await _client(app) as thief:
            thief.cookies.set("pcgd_session", stolen)
            assert (await thief.get("/api/auth/me")).status_code == 401
        await login(one, name)
        await login(two, name)
        changed = await one.post("/api/auth/password", json={
            "current_password": PASSWORD, "new_password": "mat-khau-moi-2"})
        assert changed.status_code == 200, changed.text
        assert (await two.get("/api/auth/me")).status_code == 401
        assert (await one.get("/api/auth/me")).status_code == 200  # the changer keeps going
        # A reset by the operator (users add --replace) and a deactivation end sessions too.
        user = await accounts.authenticate(name, "mat-khau-moi-2")
        assert user is not None
        from pcgd.units import service as units

        await accounts.create_user(name, PASSWORD, "commune",
                                   await units.resolve(A, YEAR, kind="commune"), replace=True)
        assert (await one.get("/api/auth/me")).status_code == 401
        await login(one, name)
        await accounts.deactivate(name)
        assert (await one.get("/api/auth/me")).status_code == 401
    actions = [r["action"] for r in await db.pool().fetch(
        "SELECT action FROM audit_entry WHERE entity = 'user_account' AND entity_id = $1"
        " ORDER BY id", str(user.id))]
    for action in ("user_create", "login", "logout", "password_change", "user_reset",
                   "user_deactivate"):
        assert action in actions, actions


async def test_idle_timeout_and_absolute_lifetime(client) -> None:
    name = await make_user("commune", A, YEAR)
    for column, age in (("last_seen", sessions.IDLE_TIMEOUT), ("expires_at", None)):
        await login(client, name)
        assert (await client.get("/api/auth/me")).status_code == 200
        when = datetime.now(UTC) - (age + timedelta(seconds=5) if age else timedelta(seconds=1))
        await db.pool().execute(
            f"UPDATE user_session s SET {column} = $1 FROM user_account a"
            " WHERE a.id = s.user_id AND a.username = $2", when, name,
        )
        assert (await client.get("/api/auth/me")).status_code == 401


async def test_the_cookie_is_not_renewed_and_is_secure_outside_this_machine(app, monkeypatch
                                                                            ) -> None:
    name = await make_user("commune", A, YEAR)
    async with await _client(app) as c:
        await login(c, name)
        page = await c.get("/api/auth/me")
        assert "set-cookie" not in page.headers  # no sliding 12-hour renewal
    from pcgd import settings

    monkeypatch.delenv("PCGD_SECURE_COOKIES")
    settings.get_settings.cache_clear()
    try:
        for host, secure in (("http://127.0.0.1", False), ("http://testserver", False),
                             ("http://pcgd.example.vn", True), ("https://localhost", True)):
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                         base_url=host) as c:
                r = await c.post("/api/auth/login",
                                 json={"username": name, "password": PASSWORD})
                assert r.status_code == 200
                assert ("Secure" in r.headers["set-cookie"]) is secure, host
    finally:
        settings.get_settings.cache_clear()


async def test_login_is_throttled_per_account_and_audited(client) -> None:
    name = await make_user("commune", A, YEAR)
    answers = []
    for _ in range(50):
        r = await client.post("/api/auth/login", json={"username": name, "password": "sai"})
        answers.append(r.status_code)
    right = await client.post("/api/auth/login", json={"username": name, "password": PASSWORD})
    print(f"\n50 wrong passwords: {answers.count(401)} × 401, {answers.count(429)} × 429;"
          f" then the right one: {right.status_code}")
    assert answers[:throttle.ACCOUNT.free] == [401] * throttle.ACCOUNT.free
    assert right.status_code == 429 and int(right.headers["retry-after"]) >= 1
    assert "thử lại sau" in right.json()["detail"]
    failed = await db.pool().fetchval(
        "SELECT count(*) FROM audit_entry WHERE action = 'login_failed' AND entity_id = $1", name
    )
    assert failed == answers.count(401)
    # The wait is capped: a real user waits seconds, not hours. After it, the login works.
    assert throttle.delay(throttle.ACCOUNT, 1000) == throttle.ACCOUNT.cap <= 30
    await db.pool().execute(
        "UPDATE login_throttle SET blocked_until = now() - interval '1 second'"
        " WHERE key = $1", "account:" + name,
    )
    await db.pool().execute("DELETE FROM login_throttle WHERE key LIKE 'address:%'")
    ok = await client.post("/api/auth/login", json={"username": name, "password": PASSWORD})
    assert ok.status_code == 200


async def test_login_html_form_answers_429_too(client) -> None:
    name = await make_user("commune", A, YEAR)
    page = await client.get("/login")
    import re

    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
    status = []
    for _ in range(throttle.ACCOUNT.free + 1):
        r = await client.post("/login", data={"username": name, "password": "sai",
                                              "_csrf_token": token})
        status.append(r.status_code)
    assert status[-1] == 429 and "thử lại sau" in r.text and "retry-after" in r.headers
    await db.pool().execute("DELETE FROM login_throttle")


async def test_cli_deactivate_ends_sessions(client, database: str) -> None:
    from tests.integration.test_import import cli

    name = await make_user("commune", A, YEAR)
    await login(client, name)
    done = await cli("users", "deactivate", name, database=database)
    assert done.returncode == 0, done.stderr
    assert (await client.get("/api/auth/me")).status_code == 401
    missing = await cli("users", "deactivate", "khong-co-ai", database=database)
    assert missing.returncode == 1 and len(missing.stderr.strip().splitlines()) == 1


def _household(code: str, **changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "household_code": code, "hamlet": "Ấp 1", "address": "1 đường Số 1",
        "members": [{"full_name": "Lưu Văn Hậu", "birth_date": "02/02/1980", "sex": "M",
                     "relation": "chu_ho"}],
    }
    body.update(changes)
    return body


async def _end_elsewhere(name: str, column: str = "revoked_at",
                         when: datetime | None = None) -> None:
    """End the user's sessions as another worker would: in the database only, so this process
    still remembers them (sessions.known)."""
    await db.pool().execute(
        f"UPDATE user_session s SET {column} = $1 FROM user_account a"
        " WHERE a.id = s.user_id AND a.username = $2", when or datetime.now(UTC), name,
    )


async def test_a_session_ended_elsewhere_cannot_save_nor_get_any_other_answer(client) -> None:
    """The household saves take a session seen live a moment ago from memory; the save checks
    it in its own transaction, and their error answers ask the database: 401, nothing written."""
    name = await make_user("commune", A, YEAR)
    await login(client, name)
    url = f"/api/communes/{A}/households?year={YEAR}"
    made = await client.post(url, json=_household("S-1"))
    assert made.status_code == 201, made.text
    saved = made.json()
    again = await client.put(f"/api/households/{saved['id']}", json={
        **_household("S-1", address="2 đường Số 2"), "version": saved["version"]})
    assert again.status_code == 200, again.text
    count = await db.pool().fetchval("SELECT count(*) FROM household")
    audit = await db.pool().fetchval("SELECT count(*) FROM audit_entry")
    version = await db.pool().fetchval("SELECT version FROM household WHERE id = $1", saved["id"])

    # This process remembers the session now: the answers below do not come from a fresh look-up.
    assert (await sessions.known(client.cookies.get("pcgd_session")))[1] is True
    await _end_elsewhere(name)
    answers = {
        "create": await client.post(url, json=_household("S-2")),
        "update": await client.put(f"/api/households/{saved['id']}", json={
            **_household("S-1", address="3 đường Số 3"), "version": version}),
        "stale update (409 with the household)": await client.put(
            f"/api/households/{saved['id']}", json={**_household("S-1"), "version": 1}),
        "invalid update (422)": await client.put(
            f"/api/households/{saved['id']}", json={**_household("S-1", members=[]),
                                                    "version": version}),
        "another commune's household (403)": await client.put(
            "/api/households/2147483000", json={**_household("S-1"), "version": 1}),
        "create in another commune (403)": await client.post(
            f"/api/communes/{B}/households?year={YEAR}", json=_household("S-3")),
    }
    print("\nanswers to an ended session:", {k: r.status_code for k, r in answers.items()})
    for what, r in answers.items():
        assert r.status_code == 401, (what, r.text)
        assert "Lưu Văn Hậu" not in r.text, what
    assert await db.pool().fetchval("SELECT count(*) FROM household") == count
    assert await db.pool().fetchval("SELECT count(*) FROM audit_entry") == audit
    assert await db.pool().fetchval(
        "SELECT version FROM household WHERE id = $1", saved["id"]) == version


async def test_an_idle_session_cannot_save_and_saving_keeps_a_session_alive(client) -> None:
    name = await make_user("commune", A, YEAR)
    await login(client, name)
    url = f"/api/communes/{A}/households?year={YEAR}"
    assert (await client.post(url, json=_household("S-10"))).status_code == 201
    # Idle for 25 minutes (remembered by this process all along): a save is a use of the session.
    await _end_elsewhere(name, "last_seen", datetime.now(UTC) - timedelta(minutes=25))
    assert (await client.post(url, json=_household("S-11"))).status_code == 201
    seen = await db.pool().fetchval(
        "SELECT max(last_seen) FROM user_session s JOIN user_account a ON a.id = s.user_id"
        " WHERE a.username = $1", name)
    assert datetime.now(UTC) - seen < timedelta(minutes=1)
    # Idle past the timeout: the save's own check refuses it, whatever this process remembers.
    await _end_elsewhere(name, "last_seen",
                         datetime.now(UTC) - sessions.IDLE_TIMEOUT - timedelta(seconds=5))
    assert (await client.post(url, json=_household("S-12"))).status_code == 401
    assert not await db.pool().fetchval(
        "SELECT count(*) FROM household WHERE household_code = 'S-12'")
