"""`pcgd registry import|conditions …` and `pcgd reconcile …`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import msgspec
import typer

from pcgd.cli.output import emit_json
from pcgd.errors import UserError
from pcgd.registry.columns import KINDS
from pcgd.runtime import run_with_database
from pcgd.units import service as units

app = typer.Typer(no_args_is_help=True, help="School and learner registry")

Year = Annotated[int, typer.Option("--year", help="survey year (school year starting in Sept)")]
Json = Annotated[bool, typer.Option("--json", help="machine-readable output")]


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="registry")
    root.command("reconcile")(reconcile)


async def _unit(commune: str | None, province: str | None, year: int) -> units.Unit:
    if bool(commune) == bool(province):
        raise UserError("cần đúng một trong --commune hoặc --province")
    if commune:
        return await units.resolve(commune, year, kind="commune")
    return await units.resolve(province or "", year, kind="province")


@app.command("import")
def import_(
    kind: Annotated[str, typer.Argument(help=" | ".join(KINDS))],
    file: Annotated[Path, typer.Argument(help="CSV (UTF-8) or XLSX file")],
    year: Year,
    commune: Annotated[str | None, typer.Option(help="commune code")] = None,
    province: Annotated[str | None, typer.Option(help="province code")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="check only, write nothing")] = False,
    json_out: Json = False,
) -> None:
    """Import schools, classes, teachers, facilities or learners (all-or-nothing)."""
    from pcgd.registry.importer import import_file

    if kind not in KINDS:
        raise UserError(f"loại dữ liệu “{kind}” không hợp lệ: {', '.join(KINDS)}")
    if not file.is_file():
        raise UserError(f"không tìm thấy tệp {file}")

    async def work() -> Any:
        unit = await _unit(commune, province, year)
        return await import_file(
            kind, file.read_bytes(), file.name, unit=unit, year=year, dry_run=dry_run
        )

    result = run_with_database(work)
    if json_out:
        emit_json(msgspec.to_builtins(result))
    else:
        for issue in [*result.errors, *result.warnings]:
            typer.echo(f"dòng {issue.row}\t{issue.column}\t{issue.message}")
        typer.echo(
            f"{result.kind}: {result.rows} dòng, {result.schools} trường, thêm {result.inserted},"
            f" cập nhật {result.updated}, xóa {result.deleted}, giữ nguyên"
            f" {result.unchanged_schools} trường{' (chạy thử, chưa ghi)' if dry_run else ''}"
        )
    if result.errors:  # exit 1 through the CLI's one-line user-error path
        raise UserError(f"{len(result.errors)} lỗi trong tệp; không ghi gì")


@app.command("conditions")
def conditions(
    commune: Annotated[str, typer.Option(help="commune code")],
    year: Year,
    json_out: Json = False,
) -> None:
    """TT 07 conditions of a commune measured on the registry."""
    from pcgd.registry.conditions import commune_conditions

    async def work() -> dict[str, list[dict]]:
        unit = await units.resolve(commune, year, kind="commune")
        return (await commune_conditions([unit.id], year))[unit.id]

    result = run_with_database(work)
    if json_out:
        emit_json(result)
        return
    for std, rows in result.items():
        for r in rows:
            state = {True: "đạt", False: "CHƯA ĐẠT", None: "không có dữ liệu"}[r["passed"]]
            typer.echo(f"{std}\t{r['id']}\t{state}\t{r['value']} / {r['threshold']}\t{r['note']}")


def reconcile(
    commune: Annotated[str, typer.Option(help="commune code")],
    year: Year,
    json_out: Json = False,
) -> None:
    """Roll versus registry disagreements of a commune."""
    from pcgd.registry.reconcile import CATEGORIES
    from pcgd.registry.reconcile import reconcile as run

    async def work() -> list[dict[str, Any]]:
        unit = await units.resolve(commune, year, kind="commune")
        return await run([unit.id], year)

    rows = run_with_database(work)
    if json_out:
        emit_json(rows)
        return
    for r in rows:
        p = r["person"]
        typer.echo(
            f"{r['category']}\t{p.get('household_code') or ''}\t{p['full_name']}\t"
            f"{p['birth_date'] or ''}\tphiếu: {r['roll']}\ttrường: {r['registry']}"
        )
    typer.echo(f"{len(rows)} khác biệt", err=True)
    by_cat = {c: sum(1 for r in rows if r["category"] == c) for c in CATEGORIES}
    typer.echo(", ".join(f"{c}: {n}" for c, n in by_cat.items() if n), err=True)
