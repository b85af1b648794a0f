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
