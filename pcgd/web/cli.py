"""`pcgd serve` and `pcgd run` (what `make run` does)."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from pcgd import db
from pcgd.settings import get_settings


def serve(
    host: Annotated[str | None, typer.Option(help="address to bind")] = None,
    port: Annotated[int | None, typer.Option(help="port (default PCGD_PORT or 8000)")] = None,
    workers: Annotated[
        int | None,
        typer.Option(min=1, help="worker processes (default PCGD_WORKERS, else one per core)"),
    ] = None,
) -> None:
    """Serve the web application (several worker processes; SIGTERM stops gracefully)."""
    from pcgd.ops.serving import serve as run_server

    run_server(host, port, workers)


def run(
    skip_demo: Annotated[bool, typer.Option("--skip-demo", help="do not build demo data")] = False,
) -> None:
    """Prepare the database (migrations, units, demo provinces) and serve."""
    from pcgd.runtime import open_database
    from pcgd.units import service as units

    settings = get_settings()

    async def prepare() -> None:
        url = await open_database(settings)
        where = "embedded PostgreSQL in " + str(settings.data_dir) if settings.embedded else url
        typer.echo(f"database: {where}", err=True)
        if not await units.units_loaded():
            typer.echo("loading administrative units…", err=True)
            await units.load_units()
        if not skip_demo:
            await _demo()
        await db.close()

    asyncio.run(prepare())
    typer.echo(f"serving on http://{settings.host}:{settings.port}", err=True)
    serve(None, None, None)


async def _demo() -> None:
    from pcgd.demo import service as demo

    for year in (2024, 2025):
        if await demo.demo_exists(None, year):
            result = await demo.demo_logins(None, year)
        else:
            typer.echo(f"building demo province for {year}…", err=True)
            result = await demo.build_demo(None, year, persons=30_000, seed=1)
        typer.echo(f"\nDemo {year} (tỉnh {result['province']}):", err=True)
        for u in result["users"][:8]:
            typer.echo(f"  {u['role']:9} {u['username']:28} mật khẩu: {u['password']}", err=True)
        if len(result["users"]) > 8:
            typer.echo(f"  … and {len(result['users']) - 8} more commune logins", err=True)
