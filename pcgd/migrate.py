"""Apply the checked-in Piccolo migrations of every app (idempotent)."""

from __future__ import annotations

import contextlib
import io

from pcgd.errors import UserError


async def upgrade() -> None:
    from piccolo.apps.migrations.commands.forwards import run_forwards

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = await run_forwards(app_name="all")
    if not result.success:
        raise UserError(f"migration failed: {result.message or out.getvalue().strip()[-300:]}")
    await _functions()


async def _functions() -> None:
    """Server-side functions are code: recreated from the current source on every upgrade."""
    from pcgd import db
    from surveys import gate
    from surveys.save_sql import functions_ddl

    async with db.pool().acquire() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(727274)")
        for ddl in [*gate.functions_ddl(), *functions_ddl()]:
            await conn.execute(ddl)
