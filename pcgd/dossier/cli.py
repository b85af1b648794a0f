"""`pcgd dossier --unit CODE --year YYYY -o FILE.zip`: the recognition dossier, with a progress
bar on stderr (like `pcgd forms`) and `--json` on stdout."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pcgd.cli.output import emit_json, progress_bar
from pcgd.errors import UserError
from pcgd.runtime import run_with_database
from pcgd.units import service as units


def dossier(
    unit: Annotated[str, typer.Option(help="unit code (commune, district ≤ 2024, or province)")],
    year: Annotated[int, typer.Option(help="survey year")],
    out: Annotated[Path, typer.Option("-o", "--out", help="the .zip to write")],
    json_out: Annotated[bool, typer.Option("--json")] = False,
    jobs: Annotated[int | None, typer.Option(
        "--jobs", min=1, help="worker processes for the units' workbooks (default:"
        " PCGD_DOSSIER_JOBS, else 2)")] = None,
) -> None:
    """The annual recognition dossier (NĐ 20/2014 Điều 26–30) of a unit, as one .zip."""
    from pcgd.dossier import schemas, service

    if out.suffix.lower() != ".zip":
        raise UserError(f"tệp ra '{out.name}' phải có đuôi .zip")

    async def work() -> tuple[str, schemas.Built]:
        target = await units.resolve(unit, year)
        out.parent.mkdir(parents=True, exist_ok=True)
        with progress_bar(quiet=json_out) as bar:
            task = bar.add_task("hồ sơ công nhận", total=None)
            plan = await service.plan(target, year)
            bar.update(task, total=service.steps(plan), completed=0)
            built = await service.build(
                plan, out,
                lambda done, total, label: bar.update(task, completed=done, total=total,
                                                      description=f"hồ sơ: {label}"),
                jobs=jobs,
            )
        return target.code, built

    code, built = run_with_database(work)
    missing = [i for i in built.items if i.status == schemas.MISSING]
    if json_out:
        emit_json({"unit": code, "year": year, "file": str(out), "files": len(built.manifest),
                   "missing": [{"item": i.item, "reason": i.reason} for i in missing]})
        return
    typer.echo(f"{out}: {len(built.manifest)} tệp, {len(built.items)} mục trong danh mục")
    if missing:
        typer.echo(f"còn thiếu {len(missing)} mục (xem {schemas.CHECKLIST}):", err=True)
        for i in missing[:20]:
            typer.echo(f"  {i.item}: {i.reason}", err=True)
        if len(missing) > 20:
            typer.echo(f"  và {len(missing) - 20} mục khác", err=True)


def register(app: typer.Typer) -> None:
    app.command("dossier")(dossier)
