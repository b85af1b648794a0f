"""`pcgd backup` and `pcgd restore` (`pcgd serve` lives with the other web commands)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from pcgd.cli.output import emit_json
from pcgd.settings import get_settings


def _steps(quiet: bool):
    """A live status line on stderr for the long steps (silent with --json or no terminal)."""
    from rich.console import Console

    console = Console(stderr=True)
    status = console.status("", spinner="dots")
    if not quiet and console.is_terminal:
        status.start()
    return status


def backup(
    output: Annotated[Path, typer.Option("-o", "--output", help="archive to write")],
    json_out: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Back up the database, the secret key and the stored files into one checked archive."""
    from pcgd import db
    from pcgd.ops import backup as service

    settings = get_settings()
    status = _steps(json_out)

    async def work() -> service.BackupResult:
        url = await db.resolve_url(settings)
        return await service.backup(url, settings, output, step=status.update)

    try:
        result = asyncio.run(work())
    finally:
        status.stop()
        db.stop_embedded()
    counts = result.manifest["database"]["counts"]
    if json_out:
        emit_json({"file": str(result.path), "bytes": result.bytes, "sha256": result.sha256,
                   "counts": counts, "members": len(result.manifest["members"]),
                   "seconds": {k: round(v, 2) for k, v in result.seconds.items()}})
        return
    typer.echo(f"đã sao lưu {result.path} ({result.bytes / 1e6:.1f} MB;"
               f" {counts.get('household', 0)} hộ, {counts.get('person', 0)} người;"
               f" SHA-256 {result.sha256[:16]}…)", err=True)


def restore(
    archive: Annotated[Path, typer.Argument(help="archive written by pcgd backup")],
    replace: Annotated[bool, typer.Option("--replace", help="replace a database with data")]
    = False,
    json_out: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Restore an archive of `pcgd backup` (refuses a database with data unless --replace)."""
    from pcgd import db
    from pcgd.ops import backup as service

    settings = get_settings()
    status = _steps(json_out)

    async def work() -> service.RestoreResult:
        url = await db.resolve_url(settings)
        return await service.restore(url, settings, archive, replace=replace,
                                     step=status.update)

    try:
        result = asyncio.run(work())
    finally:
        status.stop()
        db.stop_embedded()
    if json_out:
        emit_json({"file": str(result.path), "counts": result.counts, "files": result.files,
                   "secret_key": result.secret_key,
                   "seconds": {k: round(v, 2) for k, v in result.seconds.items()}})
        return
    c = result.counts
    typer.echo(f"đã khôi phục {result.path}: {c.get('household', 0)} hộ, {c.get('person', 0)}"
               f" người, {c.get('audit_entry', 0)} mục nhật ký, {result.files} tệp"
               + (", khóa bí mật" if result.secret_key else ""), err=True)


def register(app: typer.Typer) -> None:
    app.command("backup")(backup)
    app.command("restore")(restore)
