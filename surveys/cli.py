"""`pcgd import roll`, `pcgd export roll`, `pcgd rollforward`, `pcgd duplicates`.

The command line acts as the system (no user scope; audit entries say "system"). Exit 1 with
one line on stderr for user errors; `pcgd import roll` also exits 1 when the file has errors.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from pcgd.cli.output import emit_json, progress_bar
from pcgd.errors import UserError
from pcgd.runtime import run_with_database
from pcgd.units import service as units

import_app = typer.Typer(no_args_is_help=True, help="Import data files")
export_app = typer.Typer(no_args_is_help=True, help="Export data files")

Year = Annotated[int, typer.Option(help="survey year")]
Json = Annotated[bool, typer.Option("--json", help="machine-readable output on stdout")]


def register(root: typer.Typer) -> None:
    root.add_typer(import_app, name="import")
    root.add_typer(export_app, name="export")
    root.command("rollforward")(rollforward)
    root.command("duplicates")(duplicates)


def _issue_lines(kind: str, issues: list[Any]) -> None:
    for i in issues[:200]:
        column = f", cột {i.column}" if i.column else ""
        typer.echo(f"  {kind} dòng {i.row}{column}: {i.message}", err=True)
    if len(issues) > 200:
        typer.echo(f"  … và {len(issues) - 200} {kind.lower()} khác", err=True)


@import_app.command("roll")
def import_roll(
    file: Annotated[Path, typer.Argument(help="roll file (.csv/.xlsx) or MauNhapLieu workbook")],
    commune: Annotated[str, typer.Option(help="commune code: every row goes there")],
    year: Year,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="check only, write nothing")] = False,
    confirm: Annotated[
        bool, typer.Option("--confirm", help="mark every member in the file confirmed")
    ] = False,
    annotate: Annotated[
        Path | None,
        typer.Option(help="write a copy (.xlsx) with bad cells marked when there are issues"),
    ] = None,
    overwrite_newer: Annotated[
        bool,
        typer.Option("--overwrite-newer",
                     help="write households changed since the file was exported (conflicts)"),
    ] = False,
    json_out: Json = False,
) -> None:
    """Import a commune's household roll: all or nothing, re-import changes only what changed."""
    from surveys import importer

    if not file.is_file():
        raise UserError(f"không có tệp {file}")

    async def work() -> importer.ImportReport:
        target = await units.resolve(commune, year, kind="commune")
        with progress_bar(quiet=json_out) as bar:
            task = bar.add_task("đọc và kiểm tra", total=2)
            loaded = await importer.read_upload(file, file.name, year)
            bar.update(task, advance=1, description="ghi dữ liệu")
            report = await importer.import_roll(
                file, file.name, commune=target, year=year, dry_run=dry_run, confirm=confirm,
                loaded=loaded, overwrite_newer=overwrite_newer,
            )
            bar.advance(task)
        return report

    report = run_with_database(work)
    if annotate is not None:
        importer.save_annotated(report, annotate)
    if json_out:
        emit_json(report.to_json())
    else:
        _issue_lines("Lỗi", report.errors)
        _issue_lines("Cảnh báo", report.warnings)
        c = report.changes
        if report.errors:
            typer.echo(f"{len(report.errors)} lỗi: không ghi gì", err=True)
            if report.conflicts and not overwrite_newer:
                typer.echo(
                    f"{len(report.conflicts)} hộ đã được sửa sau khi xuất tệp: xuất lại, hoặc"
                    " dùng --overwrite-newer để ghi đè", err=True,
                )
        elif not report.written:
            typer.echo(
                f"chạy thử: {report.households} hộ, {report.persons} người hợp lệ; chưa ghi",
                err=True,
            )
        else:
            typer.echo(
                f"đã nhập {report.households} hộ, {report.persons} người: thêm"
                f" {c.households_created} hộ / {c.persons_created} người, sửa"
                f" {c.households_updated} hộ / {c.persons_updated} người, bỏ"
                f" {c.persons_removed} người, {c.households_unchanged} hộ không đổi",
                err=True,
            )
    if report.errors:
        sys.exit(1)


@export_app.command("roll")
def export_roll(
    commune: Annotated[str, typer.Option(help="commune code")],
    year: Year,
    output: Annotated[Path, typer.Option("-o", "--output", help=".csv or .xlsx")],
    fmt: Annotated[
        str,
        typer.Option("--format", help="roll (default; .csv/.xlsx) or mau_nhap_lieu (.xlsx)"),
    ] = "roll",
    json_out: Json = False,
) -> None:
    """Write a commune's roll in the roll format (exact round trip) or the national workbook."""
    from surveys import exporter

    chosen = exporter.output_format(output, fmt)

    async def work() -> tuple[int, int]:
        target = await units.resolve(commune, year, kind="commune")
        return await exporter.export_roll(target.id, year, output, chosen)

    households, persons = run_with_database(work)
    if json_out:
        emit_json({"households": households, "persons": persons, "file": str(output),
                   "format": chosen})
    else:
        typer.echo(f"đã ghi {households} hộ, {persons} người vào {output}", err=True)


def rollforward(
    unit: Annotated[
        str, typer.Option(help="commune, district or province code (in the --from-year tree)")
    ],
    from_year: Annotated[int, typer.Option("--from-year", help="year to carry from")],
    replace: Annotated[
        bool, typer.Option("--replace", help="delete existing data of the new year first")
    ] = False,
    json_out: Json = False,
) -> None:
    """Open year Y+1 from year Y: carry residents, advance pupils, mark all unconfirmed."""
    from surveys import rollforward as rf

    async def work() -> rf.RollForwardResult:
        target = await units.resolve(unit, from_year)
        with progress_bar(quiet=json_out) as bar:
            task = bar.add_task("mang sang năm mới", total=None)
            return await rf.roll_forward(
                target, from_year, replace=replace,
                on_progress=lambda done, total: bar.update(task, completed=done, total=total),
            )

    result = run_with_database(work)
    if json_out:
        emit_json(result.to_json())
        return
    data = result.to_json()
    typer.echo(
        f"năm {result.year}: {len(result.communes)} xã, {data['households']} hộ,"
        f" {data['persons']} người (chưa xác nhận)", err=True,
    )
    for check in result.checks:
        if check["count"]:
            typer.echo(f"  {check['count']:>7}  {check['label']}")
    for text in rf.REMINDERS:
        typer.echo(f"  · {text}")


def duplicates(
    province: Annotated[str, typer.Option(help="province code")],
    year: Year,
    json_out: Json = False,
) -> None:
    """Pairs of records that look like one person (counted twice, or an unlinked move)."""
    from surveys import movers

    async def work() -> list[dict[str, Any]]:
        target = await units.resolve(province, year, kind="province")
        return await movers.find_duplicates(target, year)

    pairs = run_with_database(work)
    if json_out:
        emit_json(pairs)
        return
    for p in pairs:
        a, b = p["a"], p["b"]
        typer.echo(
            f"{p['kind']:14} {p['match']:11} #{a['id']} {a['full_name']} ({a['birth']})"
            f" {a['commune']}/{a['household_code']}  ↔  #{b['id']} {b['full_name']}"
            f" ({b['birth']}) {b['commune']}/{b['household_code']}"
        )
    typer.echo(f"{len(pairs)} cặp", err=True)
