"""Hole 9 and its proof: schemathesis over the whole JSON API as a commune user and as admin.

A bounded run (fixed seed, a fixed number of examples per operation) against the real server
on the test database: no server error, every answer matches its documented schema and status
code (`pcgd.web.openapi` documents the error answers of every route). Before the fixes the same
kind of run found thousands of 5xx (a NUL byte in a unit code, an id above int32, a tampered
session cookie, `policy=x`, the year-scope crash, …).
"""

from __future__ import annotations

import asyncio
import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

import tests.browser.conftest as live
from pcgd import db
from pcgd.units import service as units
from surveys import importer
from tests.factories import PASSWORD, make_user
from tests.security.conftest import YEAR, roll_csv

ST = str(Path(os.sys.executable).with_name("st"))
EXAMPLES = int(os.environ.get("PCGD_FUZZ_EXAMPLES", "8"))
SEED = 20261202
CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance"
# Not fuzzed: the caller's own session (logout would end it, a password change would lock the
# run out, random logins would throttle the test address). tests/security/test_sessions.py.
EXCLUDED = "^/api/auth/(login|logout|password)$"


async def _data() -> str:
    """A commune of the fuzzing account's own, with a household, so GETs answer 200 too."""
    district = await units.resolve("917", YEAR, kind="district")
    code = (await units.list_units(YEAR, parent=district))[2].code
    commune = await units.resolve(code, YEAR, kind="commune")
    base = {"household_code": "Z-1", "hamlet": "Ấp Thử", "residence_type": "thuong_tru"}
    rows = [{**base, "full_name": "Lưu Văn Thử", "birth_date": "1980", "sex": "M",
             "relation": "chu_ho", "personal_id": "092080999991", "th_completed_year": "1991"},
            {**base, "full_name": "Lưu Thị Nhỏ", "birth_date": "2016-01-01", "sex": "F",
             "relation": "con", "enrolled_level": "TH", "enrolled_grade": "3"}]
    assert (await importer.import_roll(roll_csv(rows), "z.csv", commune=commune,
                                       year=YEAR)).written
    return code


async def _fuzz(base: str, cookie: str, report: Path) -> dict[str, Any]:
    proc = await asyncio.create_subprocess_exec(  # run in the report's folder: its cache too
        ST, "run", f"{base}/schema/openapi.json", "--url", base,
        "-H", f"Cookie: pcgd_session={cookie}", "-n", str(EXAMPLES), "--seed", str(SEED),
        "--checks", CHECKS, "--exclude-path-regex", EXCLUDED, "--phases", "examples,fuzzing",
        "--no-shrink", "--workers", "1", "--no-color",
        "--request-timeout", "30", "--report", "ndjson", "--report-ndjson-path", str(report),
        "--continue-on-failure",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, cwd=report.parent,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 600)
    return {"code": proc.returncode, "output": out.decode(errors="replace")}


def _summary(report: Path) -> tuple[Counter[int], list[str]]:
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    for line in report.read_text().splitlines():
        event = json.loads(line)
        for name, body in event.items():
            if name != "ScenarioFinished" or not isinstance(body, dict):
                continue
            recorder = body.get("recorder") or {}
            for interaction in (recorder.get("interactions") or {}).values():
                response = interaction.get("response") or {}
                if "status_code" in response:
                    statuses[response["status_code"]] += 1
            for check_list in (recorder.get("checks") or {}).values():
                for check in check_list:
                    if str(check.get("status")).lower() == "failure":
                        found = (check.get("failure_info") or {}).get("failure") or {}
                        failures.append(f"{found.get('operation')}: {found.get('title')}:"
                                        f" {str(found.get('message')).splitlines()[:1]}")
    return statuses, failures


@pytest.fixture(scope="module")
async def server(database: str) -> Any:
    """One real server for both runs (a loaded machine starts slowly; the runs are bounded)."""
    code = await _data()
    live.STARTUP_SECONDS = 120.0
    proc, base = await live.start_server(database)
    try:
        yield base, code
    finally:
        await live.stop_server(proc)
        await db.pool().execute("DELETE FROM login_throttle")


@pytest.mark.parametrize("role", ["commune", "admin"])
async def test_fuzzing_the_api_finds_no_server_error_and_no_undocumented_answer(
    server: tuple[str, str], tmp_path: Path, role: str
) -> None:
    base, code = server
    name = await make_user(role, code if role == "commune" else None, YEAR)
    async with httpx.AsyncClient(base_url=base) as client:
        r = await client.post("/api/auth/login", json={"username": name, "password": PASSWORD})
        assert r.status_code == 200, r.text
        cookie = r.cookies["pcgd_session"]
    report = Path(os.environ.get("PCGD_FUZZ_REPORT_DIR", tmp_path)) / f"{role}.ndjson"
    result = await _fuzz(base, cookie, report)
    statuses, failures = _summary(report)
    server_errors = sum(n for s, n in statuses.items() if s >= 500)
    print(f"\nschemathesis as {role}: {sum(statuses.values())} responses"
          f" {dict(sorted(statuses.items()))}; 5xx {server_errors};"
          f" failed checks {len(failures)}")
    for failure in sorted(set(failures))[:40]:
        print("  ", failure[:300])
    assert sum(statuses.values()) > 100, result["output"][-3000:]
    assert server_errors == 0 and not failures, result["output"][-6000:]
