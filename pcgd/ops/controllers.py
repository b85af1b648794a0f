"""Readiness for load balancers and deploy scripts (`/health` stays the liveness check)."""

from __future__ import annotations

import asyncio
import re
from functools import lru_cache
from pathlib import Path

from litestar import get
from litestar.response import Response

from pcgd import db

READY_TIMEOUT = 2.0
_ID = re.compile(r'^ID = "([^"]+)"', re.MULTILINE)


@lru_cache(maxsize=1)
def expected_migrations() -> frozenset[tuple[str, str]]:
    """(app, migration id) of every migration file the code ships."""
    from pcgd.piccolo_conf import APP_REGISTRY

    found = set()
    for config in APP_REGISTRY.app_configs.values():
        for path in Path(config.migrations_folder_path).glob("*.py"):
            if match := _ID.search(path.read_text(encoding="utf-8")):
                found.add((config.app_name, match.group(1)))
    return frozenset(found)


async def readiness_problems() -> list[str]:
    """Why this worker should not get traffic yet (empty: ready)."""
    try:
        async with asyncio.timeout(READY_TIMEOUT):
            applied = await db.pool().fetch("SELECT app_name, name FROM migration")
            has_save = await db.pool().fetchval(
                "SELECT to_regproc('pcgd_save_household') IS NOT NULL"
            )
    except Exception:  # unreachable, too slow, or no schema at all
        return ["cơ sở dữ liệu không trả lời (database unavailable)"]
    problems = []
    missing = expected_migrations() - {(r["app_name"], r["name"]) for r in applied}
    if missing:
        problems.append(
            f"còn {len(missing)} bản nâng cấp chưa chạy: pcgd db upgrade (pending migrations)"
        )
    if not has_save:
        problems.append("thiếu hàm lưu phiếu: pcgd db upgrade (save function missing)")
    return problems


@get("/ready", exclude_from_auth=True, tags=["system"])
async def ready() -> Response[dict[str, object]]:
    """200 when this worker can serve: database answers, schema and save function current."""
    problems = await readiness_problems()
    if problems:
        return Response({"status": "not_ready", "problems": problems}, status_code=503)
    return Response({"status": "ready"}, status_code=200)


HANDLERS = [ready]
