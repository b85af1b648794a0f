"""Every demo account of both years, as a new user: start at `/`, follow every link.

The demo provinces are the ones `make run` builds (`pcgd demo`, default province, 2024 3-tier
and 2025 2-tier), smaller. Each account logs in from `/` with no query string, visits every link
of the navigation and of the home page, then the links found there (two levels, deduplicated by
route shape), and does the main actions: open a household and save it unchanged, open the
board and drill down, open import, export (downloads), roll-forward and, for the roles that may,
the duplicates report. Any 5xx, JavaScript error, failed resource, 4xx reached from a link,
English or raw key on a page fails the test, listing every finding.

The same walk over the JSON API: every GET route of the OpenAPI document, filled with the
account's own identifiers, must answer 2xx.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from typing import Any

import httpx
import pytest

from pcgd import db
from pcgd.accounts.scope import scope_for
from pcgd.demo import service as demo
from pcgd.units import service as units
from tests.browser.conftest import needs_chromium
from tests.browser.crawl import Crawler, CrawlResult, Shared

pytestmark = [pytest.mark.browser, needs_chromium]

YEARS = (2024, 2025)
PERSONS = 200  # four communes of about 50 people each: every page has content
COVERAGE: dict[int, list[CrawlResult]] = {}
PARALLEL = 3  # accounts walked at once (one browser, one context each)
RENDERED: set[str] = set()
REVIEWERS = {"district", "province"}  # accounts that may not edit a roll (issue 13)


@pytest.fixture(scope="module")
async def demo_accounts(database: str) -> dict[int, list[dict[str, Any]]]:
    """The `make run` demo provinces (default province, both trees), built once."""
    accounts = {}
    for year in YEARS:
        built = await demo.build_demo(None, year, persons=PERSONS, seed=1)
        accounts[year] = [{**u, "year": year} for u in built["users"]]
    return accounts


def _required(role: str) -> set[str]:
    needed = {"board", "household"}
    if role == "commune":
        needed |= {"import", "export", "export file", "roll-forward"}
    else:
        needed |= {"drill down"}
    if role in ("province", "admin"):
        needed |= {"duplicates"}
    return needed


async def _walk(
    browser: Any, base: str, account: dict[str, Any], rendered: set[str], shared: Shared
) -> CrawlResult:
    async with Crawler(browser, base, account, rendered, shared) as c:
        await c.crawl()
        found = {
            "board": c.first_seen(r"^/units/[^/]+/board$"),
            "import": c.first_seen(r"^/communes/[^/]+/import$"),
            "export": c.first_seen(r"^/communes/[^/]+/export$"),
            "roll-forward": c.first_seen(r"^/units/[^/]+/rollforward$"),
            "duplicates": c.first_seen(r"^/provinces/[^/]+/duplicates$"),
            "household list": c.first_seen(r"^/communes/[^/]+/households$"),
        }
        for name, url in found.items():
            if url:
                if url not in c.seen:
                    await c.visit(url, 3, "action")
                c.result.actions[name] = url
        if found["export"]:
            files = [link for link, download in c.outgoing(found["export"]) if download]
            for n, link in enumerate(files):  # the first (for people) always, others once
                await c.download(link, found["export"], always=n == 0)
                c.result.actions["export file"] = files[0]
        to_household = [r"^/communes/\d{5}/households$", r"^/households/\d+$"]
        household = (c.first_seen(r"^/households/\d+$")
                     or await c.reach([r"^/units/\d{5}/board$", *to_household])
                     or await c.reach([r"^/units/\d{3}/board$", r"^/units/\d{5}/board$",
                                       *to_household]))
        if household:
            c.result.actions["household"] = household
            if account["role"] in REVIEWERS:  # they review a commune's roll, never edit it
                if household not in c.seen:
                    await c.visit(household, 3, "action")
            elif account["role"] not in shared.saved_by:  # one save per role and year
                shared.saved_by.add(account["role"])
                await c.save_household_unchanged(household)
            elif household not in c.seen:
                await c.visit(household, 3, "action")
        if account["role"] != "commune":
            await c.drill_down()
        missing = _required(account["role"]) - set(c.result.actions)
        if missing:
            c.result.problems.append(f"not reachable by links: {', '.join(sorted(missing))}")
        return c.result


@pytest.mark.parametrize("year", YEARS)
async def test_crawl_every_demo_account(
    year: int, demo_accounts: dict[int, list[dict[str, Any]]], live_server: str, chromium: Any
) -> None:
    rendered = RENDERED  # route shapes already rendered in Chromium (JS checked), both years
    shared = Shared()
    gate = asyncio.Semaphore(PARALLEL)

    async def one(account: dict[str, Any]) -> CrawlResult:
        async with gate:
            return await _walk(chromium, live_server, account, rendered, shared)

    results = await asyncio.gather(*(one(a) for a in demo_accounts[year]))
    COVERAGE[year] = list(results)
    pages = sum(len(r.visits) for r in results)
    shown = sum(1 for r in results for v in r.visits if v.rendered)
    spent: Counter[str] = sum((r.seconds for r in results), Counter())
    print(f"\ncrawl {year}: {len(results)} accounts, {pages} pages ({shown} rendered),"
          f" {sum(len(r.downloads) for r in results)} downloads; seconds (summed over accounts"
          f" walked {PARALLEL} at a time): " + ", ".join(f"{k} {v:.0f}" for k, v in
                                                      sorted(spent.items())))
    for r in results:
        print(f"  {r.account}: {len(r.visits)} pages, actions: {', '.join(sorted(r.actions))}")
    failures = [f"{r.account}: {f}" for r in results for f in r.failures]
    saved = {a["role"] for a, r in zip(demo_accounts[year], results, strict=True)
             if "save household" in r.actions}
    roles = {a["role"] for a in demo_accounts[year]} - REVIEWERS
    if saved != roles:
        failures.append(f"no household saved unchanged by: {', '.join(sorted(roles - saved))}")
    assert not failures, f"{len(failures)} findings:\n" + "\n".join(failures)


# --- the JSON API -------------------------------------------------------------------------------


async def _identifiers(username: str, year: int) -> dict[str, str]:
    """The account's own identifiers in the year: unit, a commune, province, household, school."""
    row = await db.pool().fetchrow("SELECT id FROM user_account WHERE username = $1", username)
    from pcgd.accounts.service import get_user

    user = await get_user(row["id"])
    assert user is not None
    scope = await scope_for(user, year)
    commune_id = await db.pool().fetchval(
        "SELECT h.commune FROM household h WHERE h.year = $1"
        " AND ($2::int[] IS NULL OR h.commune = ANY($2::int[])) ORDER BY h.commune LIMIT 1",
        year, scope.param(),
    )
    commune = await units.get(commune_id)
    chain = await units.ancestors(commune)
    province = next(u for u in chain if u.kind == "province")
    own = await units.get(user.unit_id) if user.unit_id else province
    household = await db.pool().fetchval(
        "SELECT id FROM household WHERE commune = $1 AND year = $2 ORDER BY id LIMIT 1",
        commune_id, year,
    )
    school = await db.pool().fetchval(
        "SELECT code FROM school WHERE commune = $1 ORDER BY code LIMIT 1", commune_id
    )
    return {"unit": own.code, "commune": commune.code, "province": province.code,
            "household": str(household), "school": school or "", "role": user.role}


def _fill(path: str, ids: dict[str, str]) -> str | None:
    """The route with the account's identifiers, or None when the role has none of that kind."""
    def code_for(match: re.Match[str]) -> str:
        before = path[: match.start()]
        if before.endswith("/provinces/"):
            return ids["province"]
        if before.endswith("/communes/"):
            return ids["commune"]
        if before.endswith("/schools/"):
            return ids["school"]
        if path.endswith("/shortfall"):  # a commune's criterion: the people behind it
            return ids["commune"]
        return ids["unit"]

    if "/provinces/" in path and ids["role"] not in ("province", "admin"):
        return None
    path = re.sub(r"\{code\}", code_for, path)
    return re.sub(r"\{(household_id|id)\}", ids["household"], path)


@pytest.mark.parametrize("year", YEARS)
async def test_api_crawl_every_demo_account(
    year: int, demo_accounts: dict[int, list[dict[str, Any]]], live_server: str
) -> None:
    failures, calls = [], 0
    async with httpx.AsyncClient(base_url=live_server, timeout=30) as anon:
        schema = (await anon.get("/schema/openapi.json")).json()
    for account in demo_accounts[year]:
        ids = await _identifiers(account["username"], year)
        async with httpx.AsyncClient(base_url=live_server, timeout=30) as client:
            login = await client.post(
                "/api/auth/login",
                json={"username": account["username"], "password": account["password"]},
            )
            assert login.status_code == 200, login.text
            criterion = (await client.get("/api/rules", params={"year": year})).json()
            first = _first_criterion(criterion)
            for path, ops in schema["paths"].items():
                if "get" not in ops:
                    continue
                url = _fill(path, ids)
                if url is None or "{" in url:
                    continue
                params = {"criterion": first} if "criterion" in {
                    p["name"] for p in ops["get"].get("parameters", [])
                } else {}
                for query in ({**params, "year": year}, params):
                    calls += 1
                    answer = await client.get(url, params=query)
                    if not 200 <= answer.status_code < 300:
                        failures.append(
                            f"{account['username']}: GET {url} {query} → {answer.status_code}"
                            f" {answer.text[:150]}"
                        )
    print(f"\napi crawl {year}: {len(demo_accounts[year])} accounts, {calls} calls")
    assert not failures, f"{len(failures)} findings:\n" + "\n".join(failures)


def _first_criterion(rules: Any) -> str:
    text = str(rules)
    found = re.search(r"'id': '(mn5\.[a-z0-9_]+)'", text)
    assert found, "no criterion in /api/rules"
    return found.group(1)
