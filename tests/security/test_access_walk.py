"""The proof that no route hands out or changes data outside an account's units.

Every route of the application (the OpenAPI document and the HTML pages alike: both come from
the app's route table, so a new route is walked without editing this file) is called as a
commune, a district and a province account with the identifiers of units outside the account:
another commune of the same district, another district, another province. Identifiers reach
routes in their path, their query and their body, including the indirect paths (move-out and
link proposals, merges, reconciliation fixes, duplicates, the marked copies of uploads).

Each answer must refuse (401/403/404; a write may also fail validation) and carry none of the
other units' names, personal IDs, birth dates or household numbers; the stored data of those
units (households, persons, learners, schools, counts, proposals) must be byte-for-byte the
same after every write attempt.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest

from pcgd.web.app import create_app
from tests.factories import login
from tests.security.conftest import (
    VICTIMS,
    YEAR,
    A,
    Side,
    World,
    csrf_token,
    members,
    roll_csv,
    snapshot,
    table_csv,
)

SKIPPED = {  # routes without unit identifiers: the user's own session and public files
    "/schema", "/schema/openapi.json", "/schema/{path:str}",
    "/health", "/ready", "/go/{what:str}", "/year", "/favicon.ico",
    "/forms",  # the menu's redirect to the user's own unit: takes no identifier
    "/login", "/logout", "/api/auth/login", "/api/auth/logout", "/api/auth/me",
    "/api/auth/password", "/account/password",
}
SKIPPED |= {"/dossier"}  # the menu's redirect to the account's own unit's dossier
PUBLIC = {  # answer 2xx to anyone logged in: no personal data (checked for markers all the same)
    ("GET", "/"), ("GET", "/units"), ("GET", "/api/units"), ("GET", "/api/rules"),
    ("GET", "/registry/import"), ("GET", "/geo/import"),
}
DENIED = {401, 403, 404}


def skipped(path: str) -> bool:
    """Static files (the app's and each domain's own `/static/<domain>`) and session routes."""
    return path in SKIPPED or path.startswith("/static/")
WRITE_REFUSED = DENIED | {400, 405, 409, 415, 422}


def routes() -> list[tuple[str, str, Any]]:
    app = create_app(manage_database=False)
    found = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            for method in sorted(getattr(handler, "http_methods", ())):
                if method in {"OPTIONS", "HEAD"} or skipped(route.path):
                    continue
                found.append((method, route.path, handler))
    return found


def test_the_walk_covers_every_openapi_operation() -> None:
    import msgspec

    app = create_app(manage_database=False)
    schema = msgspec.json.decode(msgspec.json.encode(app.openapi_schema.to_schema()))
    walked = {(m, re.sub(r"\{(\w+):[^}]+\}", r"{\1}", p)) for m, p, _ in routes()}
    for path, operations in schema["paths"].items():
        for method in operations:
            key = (method.upper(), path)
            assert key in walked or skipped(path) or any(
                path.startswith(s) for s in ("/api/auth/", "/health")
            ), key


def _codes(path: str, side: Side) -> list[str]:
    """The victim's identifiers a `{code}` of this route can take."""
    if "/schools/{code" in path:
        return [side.school]
    if path.startswith(("/communes/", "/api/communes/", "/api/registry/communes/")):
        return [side.code]
    if path.startswith(("/provinces/", "/api/provinces/")):
        return [side.province]
    return [side.code, side.district, side.province]


def urls(path: str, side: Side) -> list[str]:
    values: dict[str, list[str]] = {
        "household_id": [str(side.household_id)],
        "person_year_id": [str(side.child_row)],
        "token": [f"{side.token}.xlsx"],
        "name": ["roll.csv"],
        "kind": ["learners"],
        "proposal_id": [str(side.proposal_id)],
        "issue_id": [str(side.issue_id)],
        "person_id": [str(side.person_id)],
        "learner_id": [str(side.learner_id)],
        "part": ["bao-cao", "danh-muc"],
        "code": _codes(path, side),
        "slug": ["MN-01-TE", "kiem-tra"],
        "list_code": ["DS-MN"],
        "hamlet": [str(side.hamlet_id)],
        "what": ["so-theo-doi", "phieu-dieu-tra"],
    }
    out = [path]
    for name in re.findall(r"\{(\w+):[^}]+\}", path):
        assert name in values, f"the walk has no identifier for `{name}` in {path}: add one"
        out = [re.sub(r"\{" + name + r":[^}]+\}", v, u, count=1) for u in out
               for v in values[name]]
    return out


def query(handler: Any, side: Side) -> dict[str, str]:
    params = handler.parsed_fn_signature.parameters
    q = {"year": str(YEAR)}
    for name in ("code", "unit"):
        if name in params:
            q[name] = side.code
    if "criterion" in params:
        q["criterion"] = "th_ppc"
    return q


def body(method: str, path: str, side: Side, own: Side, token: str,
         current: dict[str, Any] | None) -> dict[str, Any]:
    """Keyword arguments of the request: a plausible body aimed at the victim."""
    household = {"household_code": f"H{side.code}-9", "hamlet": "Ấp Một", "members": [
        {"full_name": "Người Lạ", "birth_date": "1980", "sex": "M", "relation": "chu_ho"}]}
    json_bodies: dict[tuple[str, str], Any] = {
        ("POST", "/api/communes/{code:str}/households"): household,
        ("POST", "/api/communes/{code:str}/households/validate"): household,
        ("PUT", "/api/households/{household_id:int}"): current,
        ("POST", "/api/person-years/{person_year_id:int}/move-out"):
            {"movement_date": f"{YEAR}-06-01", "to_commune": own.code},
        ("POST", "/api/duplicates/merge"): {"keep": side.child_row, "other": own.child_row},
        ("POST", "/api/registry/reconcile/fix"):
            {"year": YEAR, "person_year_id": side.child_row, "category": "different_grade",
             "learner_id": side.learner_id},
    }
    form = {"_csrf_token": token}
    forms: dict[tuple[str, str], dict[str, str]] = {
        ("POST", "/person-years/{person_year_id:int}/move-out"):
            {"movement_date": f"{YEAR}-06-01", "to_commune": own.code},
        ("POST", "/provinces/{code:str}/duplicates/merge"):
            {"year": str(YEAR), "keep": str(side.child_row), "other": str(own.child_row)},
        ("POST", "/registry/reconcile/fix"):
            {"year": str(YEAR), "category": "different_grade", "code": side.code,
             "person_year_id": str(side.child_row), "learner_id": str(side.learner_id)},
        ("POST", "/units/{code:str}/rollforward"): {"from_year": str(YEAR)},
        ("POST", "/link-proposals/{proposal_id:int}"):
            {"code": side.code, "year": str(YEAR), "decision": "confirm"},
    }
    uploads: dict[tuple[str, str], tuple[dict[str, str], bytes, str]] = {
        ("POST", "/communes/{code:str}/import"): ({}, roll_csv(members(side.code)), "ho.csv"),
        ("POST", "/registry/import"):
            ({"kind": "schools", "code": side.code, "year": str(YEAR)},
             table_csv([["Mã trường", "Tên trường", "Cấp học"], [side.school, "X", "TH"]]),
             "t.csv"),
        ("POST", "/api/registry/import/{kind:str}"):
            ({}, table_csv([["Mã trường", "Họ và tên", "Ngày sinh"],
                            [side.school, "Người Lạ", "01/01/2015"]]), "hs.csv"),
    }
    key = (method, path)
    headers = {"accept": "application/json" if path.startswith("/api/") else "text/html",
               "x-csrftoken": token}
    if key in uploads:
        extra, content, name = uploads[key]
        return {"files": {"file": (name, content)}, "data": {**form, **extra},
                "headers": headers}
    if key in forms:
        return {"data": {**form, **forms[key]}, "headers": headers}
    if path.startswith("/api/"):
        return {"json": json_bodies.get(key, {}), "headers": headers}
    return {"data": form, "headers": headers}


@pytest.mark.parametrize("account", ["commune", "district", "province"])
async def test_every_route_refuses_other_units(client, world: World, account: str) -> None:
    await login(client, world.users["admin"])
    currents = {}
    for code in VICTIMS[account]:
        got = await client.get(f"/api/households/{world.sides[code].household_id}")
        currents[code] = {k: v for k, v in got.json().items()
                          if k in ("household_code", "hamlet", "address", "version")}
        currents[code]["members"] = [
            {k: v for k, v in m.items() if k != "person_year_id"} for m in got.json()["members"]
        ]
    await login(client, world.users[account])
    token = csrf_token((await client.get("/", headers={"accept": "text/html"})).text)
    own = world.sides[A]
    victims = VICTIMS[account]
    markers = world.markers(victims)
    before = await snapshot(world, victims)
    calls, problems, seen = 0, [], Counter()
    for method, path, handler in routes():
        for code in victims:
            side = world.sides[code]
            for url in urls(path, side):
                kwargs = body(method, path, side, own, token, currents[code])
                if method == "GET":
                    kwargs = {"headers": kwargs["headers"]}
                answer = await client.request(method, url, params=query(handler, side),
                                              follow_redirects=False, **kwargs)
                calls += 1
                seen[answer.status_code] += 1
                text = answer.text
                leaked = [m for m in markers if m in text]
                allowed = DENIED if method == "GET" else WRITE_REFUSED
                if (method, path) in PUBLIC:
                    allowed = allowed | {200}
                if answer.status_code not in allowed or leaked:
                    problems.append(f"{method} {url} → {answer.status_code} {leaked}")
                if method != "GET" and await snapshot(world, victims) != before:
                    problems.append(f"{method} {url} changed another unit's data")
                    before = await snapshot(world, victims)
    print(f"\n{account}: {calls} calls over {len(routes())} routes × {len(victims)} units:"
          f" {dict(sorted(seen.items()))}")
    assert not problems, "\n".join(problems)
    assert await snapshot(world, victims) == before
