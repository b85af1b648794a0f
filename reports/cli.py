"""`pcgd forms` (the official form set) and `pcgd lists` (name lists, tracking book, survey
forms), with a progress bar on stderr and `--json` on stdout."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from pcgd.cli.output import emit_json, progress_bar
from pcgd.errors import UserError
from pcgd.runtime import run_with_database
from pcgd.units import service as units


def forms(
    unit: Annotated[str, typer.Option(help="unit code (commune, district or province)")],
    year: Annotated[int, typer.Option(help="survey year")],
    out: Annotated[Path, typer.Option("-o", "--out", help="folder for the .xlsx files")],
    form: Annotated[str | None, typer.Option(help="only this form (e.g. MN-01-TE)")] = None,
    json_out: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The official 2025 form set of a unit and year, one .xlsx per form."""
    from reports import service
    from reports.forms import catalogue

    if form is not None and catalogue.find(form) is None:
        known = ", ".join(s.code for s in catalogue.SPECS)
        raise UserError(f"không có biểu {form!r}; các biểu: {known}")

    async def work() -> tuple[str, list[dict[str, str]], int]:
        target = await units.resolve(unit, year)
        with progress_bar(quiet=json_out) as bar:
            task = bar.add_task("lập biểu", total=len(catalogue.specs(None, form)) * 2 + 1)
            data = await service.load(target, year)
            bar.advance(task)
            built = await asyncio.to_thread(
                service.build_set, data, form,
                lambda done, total: bar.update(task, completed=1 + done),
            )
            files = await asyncio.to_thread(
                service.write_files, built, out, with_checks=form is None,
                progress=lambda done, total: bar.update(
                    task, completed=1 + len(built.forms) + done,
                    total=1 + len(built.forms) + total),
            )
        return target.code, files, len(built.disagreements)

    code, files, bad = run_with_database(work)
    if json_out:
        emit_json({"unit": code, "year": year, "files": files})
    else:
        for f in files:
            typer.echo(f"{f['form']}: {f['path']}")
    if bad:
        typer.echo(f"kiểm tra số liệu: {bad} chỗ lệch giữa các biểu (xem Kiểm-tra-số-liệu.xlsx)",
                   err=True)


def lists(
    unit: Annotated[str, typer.Option(help="unit code (commune, district or province)")],
    year: Annotated[int, typer.Option(help="survey year")],
    out: Annotated[Path, typer.Option("-o", "--out", help="folder for the .xlsx files")],
    json_out: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Name lists (NĐ 20/2014 Điều 26), the tracking book per hamlet and the printable
    household survey forms per hamlet (communes) of a unit and year."""
    from reports import lists as name_lists
    from reports.xlsx import write_form

    async def work() -> tuple[str, list[dict[str, object]]]:
        target = await units.resolve(unit, year)
        communes = await units.communes_under(target, year)
        files: list[dict[str, object]] = []
        with progress_bar(quiet=json_out) as bar:
            task = bar.add_task("danh sách", total=len(name_lists.SPECS) + len(communes))
            for spec, rows, form_ in await name_lists.name_lists(target, year):
                path = out / form_.file_name
                await asyncio.to_thread(_write, write_form, form_, path)
                files.append({"list": spec.code, "path": str(path), "rows": len(rows)})
                bar.advance(task)
            for commune in communes:
                folder = out if target.kind == "commune" else out / commune.code
                hamlets = await name_lists.hamlets_of(commune, year)
                phieus = (await name_lists.phieu_forms(commune, hamlets, year)
                          if target.kind == "commune" else None)
                for book in await name_lists.book_forms(commune, hamlets, year):
                    path = folder / book.file_name
                    await asyncio.to_thread(_write, write_form, book, path)
                    files.append({"list": "MN-06", "path": str(path)})
                    if phieus is not None:
                        phieu = next(phieus)
                        path = folder / phieu.file_name
                        await asyncio.to_thread(_write, write_form, phieu, path)
                        files.append({"list": "Phiếu điều tra", "path": str(path)})
                bar.advance(task)
        return target.code, files

    code, files = run_with_database(work)
    if json_out:
        emit_json({"unit": code, "year": year, "files": files})
    else:
        for f in files:
            typer.echo(f"{f['list']}: {f['path']}")


def _write(write, form_, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write(form_, path)


def register(app: typer.Typer) -> None:
    app.command("forms")(forms)
    app.command("lists")(lists)
