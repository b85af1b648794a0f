"""`pcgd map` (choropleth PNG/SVG) and `pcgd geo import` (real boundaries)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from pcgd.cli.output import emit_json, progress_bar
from pcgd.errors import UserError
from pcgd.runtime import run_with_database

geo_app = typer.Typer(no_args_is_help=True, help="Boundaries (ranh giới)")


def map_command(
    unit: Annotated[str, typer.Option(help="province or district code, or VN for the country")],
    standard: Annotated[str, typer.Option(help="mn5 | th | thcs | xmc | mn35")],
    output: Annotated[Path, typer.Option("-o", "--output", help="FILE.png or FILE.svg")],
    year: Annotated[int, typer.Option(help="survey year")] = date.today().year,
    level: Annotated[int | None, typer.Option(help="map reached / not reached this level")] = None,
    criterion: Annotated[str | None, typer.Option(help="map this criterion's rate")] = None,
    communes: Annotated[bool, typer.Option("--communes", help="every commune")] = False,
    json_out: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """A choropleth of a standard's recognised level, or a criterion's rate, as PNG or SVG."""
    from geo import classes, service

    fmt = output.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg"):
        raise UserError(f"tệp ra '{output.name}' phải có đuôi .png hoặc .svg")
    selection = classes.Selection(standard.strip().lower(), level, criterion)

    async def work() -> dict[str, Any]:
        with progress_bar() as bar:
            task = bar.add_task("bản đồ", total=2)
            data = await service.build_map(unit, year, selection, communes=communes)
            bar.advance(task)
            content = await service.render(data, fmt)
            bar.advance(task)
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_bytes(content)
        return {
            "unit": unit.upper() if unit.strip().upper() == "VN" else unit,
            "year": year,
            "file": str(output),
            "units": len(data.unit_list),
            "schematic": data.schematic,
            "classes": [{"key": c.key, "label": c.label, "count": c.count}
                        for c in data.classification.classes],
        }

    result = run_with_database(work)
    if json_out:
        emit_json(result)
    else:
        typer.echo(f"{result['file']}: {result['units']} đơn vị", err=True)


@geo_app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="GeoJSON, GeoPackage, Shapefile or zipped one")],
    level: Annotated[str, typer.Option(help="province | district | commune")],
    code_field: Annotated[str | None, typer.Option(help="column holding the unit code")] = None,
    name_field: Annotated[str | None, typer.Option(help="column holding the unit name")] = None,
    year: Annotated[int, typer.Option(help="survey year (selects the unit tree)")] = (
        date.today().year
    ),
    dry_run: Annotated[bool, typer.Option("--dry-run", help="report only, write nothing")] = False,
    json_out: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Import real boundaries: they replace the schematic cells of the matched units."""
    from geo import service

    if not file.exists():
        raise UserError(f"không thấy tệp '{file}'")

    async def work() -> service.ImportReport:
        return await service.import_boundaries(
            file, level.strip().lower(), year, code_field=code_field, name_field=name_field,
            dry_run=dry_run,
        )

    report = run_with_database(work)
    if json_out:
        emit_json(report.as_json())
        return
    what = "chạy thử, chưa ghi" if dry_run else ("đã ghi" if report.written else "không ghi gì")
    typer.echo(f"khớp {report.matched} đơn vị theo cột '{report.field}' ({what});"
               f" áp dụng cho năm điều tra {report.years}")
    for note in report.notes:
        typer.echo(f"  ghi chú: {note}")
    for f in report.unmatched_features:
        typer.echo(f"  đối tượng {f['feature']} ('{f['value']}'): {f['reason']}")
    if report.units_without_shape:
        shown = ", ".join(f"{u['code']} {u['name']}" for u in report.units_without_shape[:20])
        more = len(report.units_without_shape) - 20
        typer.echo(f"  {len(report.units_without_shape)} đơn vị chưa có hình: {shown}"
                   + (f" và {more} đơn vị khác" if more > 0 else ""))


def register(app: typer.Typer) -> None:
    app.command("map")(map_command)
    app.add_typer(geo_app, name="geo")
