"""`pcgd demo`: build the synthetic demo province and print its logins."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from pcgd.cli.output import emit_json, progress_bar
from pcgd.runtime import run_with_database

DEFAULT_PERSONS = 30_000


def demo(
    province: Annotated[
        str | None, typer.Option(help="province code (default: 19, Thái Nguyên)")
    ] = None,
    year: Annotated[int, typer.Option(help="survey year")] = date.today().year,
    persons: Annotated[int, typer.Option(help="people in the whole province")] = DEFAULT_PERSONS,
    seed: Annotated[int, typer.Option(help="same seed, same province")] = 1,
    json_out: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """A realistic synthetic province on real unit codes (replaces an earlier demo)."""
    from pcgd.demo import service

    with progress_bar() as bar:
        task = bar.add_task("demo", total=persons)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        async def work() -> dict[str, object]:
            return await service.build_demo(province, year, persons, seed, progress=advance)

        result = run_with_database(work)
    if json_out:
        emit_json(result)
        return
    communes = result["communes"]
    assert isinstance(communes, list)
    typer.echo(
        f"demo province {result['province']}, survey year {result['year']}: {len(communes)}"
        f" communes, {result['households']:,} households, {result['persons']:,} persons"
    )
    users = result["users"]
    assert isinstance(users, list)
    typer.echo(f"password for every demo login: {users[0]['password']}")
    for user in users:
        typer.echo(f"  {user['username']:<32} {user['role']:<9} {user['unit']}")
