"""`pcgd units …`"""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from pcgd.cli.output import emit_json
from pcgd.runtime import run_with_database
from pcgd.units import service

app = typer.Typer(no_args_is_help=True, help="Administrative units")


@app.command("load")
def load(json_out: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Load both unit trees and the old→new commune mapping (idempotent)."""
    counts = run_with_database(service.load_units)
    if json_out:
        emit_json(counts)
    else:
        typer.echo(", ".join(f"{k}: {v}" for k, v in sorted(counts.items())))


@app.command("list")
def list_(
    year: Annotated[int, typer.Option(help="survey year")] = date.today().year,
    parent: Annotated[str | None, typer.Option(help="parent unit code")] = None,
    kind: Annotated[str | None, typer.Option(help="province | district | commune")] = None,
    json_out: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Units valid in a survey year (all of them, or those under --parent / of --kind)."""

    async def work() -> list[service.Unit]:
        parent_unit = await service.resolve(parent, year) if parent else None
        if parent_unit is not None and kind == "commune" and parent_unit.kind == "province":
            return await service.communes_under(parent_unit, year)  # through districts if any
        return await service.list_units(year, parent=parent_unit, kind=kind)

    units = run_with_database(work)
    if json_out:
        emit_json(
            [{"code": u.code, "name": u.name, "kind": u.kind, "parent": u.parent_code}
             for u in units]
        )
    else:
        for u in units:
            typer.echo(f"{u.code}\t{u.kind}\t{u.name}")


@app.command("flag")
def flag(
    code: str,
    year: Annotated[int, typer.Option(help="survey year")],
    dbkk: Annotated[bool, typer.Option("--dbkk/--no-dbkk", help="especially difficult")],
) -> None:
    """Set a commune's especially-difficult (ĐBKK) flag for a year."""

    async def work() -> service.Unit:
        unit = await service.resolve(code, year, kind="commune")
        await service.set_dbkk(unit, year, dbkk)
        return unit

    unit = run_with_database(work)
    typer.echo(f"{unit.code} {unit.name}: {'ĐBKK' if dbkk else 'không ĐBKK'} ({year})")
