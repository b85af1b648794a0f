"""`pcgd evaluate`, `pcgd rules show`, `pcgd rollup rebuild`."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from pcgd.cli.output import emit_json, progress_bar
from pcgd.runtime import run_with_database
from pcgd.units import service as units

rules_app = typer.Typer(no_args_is_help=True, help="Rule sets")
rollup_app = typer.Typer(no_args_is_help=True, help="Indicator counts")


def evaluate(
    unit: Annotated[str, typer.Option(help="unit code (commune, district or province)")],
    year: Annotated[int, typer.Option(help="survey year")],
    policy: Annotated[str | None, typer.Option(help="disabled_excluded: all | unable_only")] = None,
    json_out: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Evaluate a unit against the standards (standards.md §7)."""
    from pcgd.compliance import service

    async def work() -> dict[str, Any]:
        target = await units.resolve(unit, year)
        return await service.evaluate_unit(target, year, policy=policy)

    result = run_with_database(work)
    if json_out:
        emit_json(result)
        return
    head = result["unit"]
    typer.echo(f"{head['name']} ({head['code']}) · {year} · {result['profile']}")
    for std in result["standards"]:
        typer.echo(
            f"  {std['standard']:5} level {std['level']}/{std['max_level']}"
            f"  recognized {std['recognized_level']}"
        )
        for row in std["criteria"]:
            if not row["passed"]:
                typer.echo(
                    f"      ✗ {row['id']} L{row['level']}: {row['numerator']}/"
                    f"{row['denominator']} ({row['rate']}%) < {row['threshold']}%"
                    f" thiếu {row.get('shortfall')}"
                )


@rules_app.command("show")
def rules_show(
    year: Annotated[int | None, typer.Option(help="only rules in force that year")] = None,
    json_out: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Every rule set, criterion and threshold, with sources (* = unverified)."""
    from pcgd.standards import format_rules_text, rules_as_dict

    if json_out:
        emit_json(rules_as_dict(year=year))
    else:
        typer.echo(format_rules_text(year=year))


@rollup_app.command("rebuild")
def rollup_rebuild(
    unit: Annotated[str, typer.Option(help="unit code")],
    year: Annotated[int, typer.Option(help="survey year")],
) -> None:
    """Recompute the indicator counts of every commune under a unit."""
    from surveys.rollup import service as rollup

    async def work() -> int:
        target = await units.resolve(unit, year)
        communes = await units.communes_under(target, year)
        with progress_bar() as bar:
            task = bar.add_task("rebuilding counts", total=len(communes))
            await rollup.rebuild(
                [c.id for c in communes], year, batch=max(1, len(communes) // 20),
                on_progress=lambda n: bar.advance(task, n),
            )
        return len(communes)

    n = run_with_database(work)
    typer.echo(f"rebuilt counts of {n} communes for {year}", err=True)
