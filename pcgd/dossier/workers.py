"""Worker processes for the dossier's per-unit workbooks (`pcgd dossier --jobs N`).

A province's dossier is mostly single-core Python: each unit's form set and each commune's
tracking books are built and written one after the other. With `jobs` > 1 those per-unit jobs
run in that many worker processes (spawned: a forked asyncio loop and connection pool are not
safe to reuse), each with its own small connection pool; the parent keeps the name lists, the
documents and the .zip. Each job writes its workbooks to disk and returns their paths, so what
crosses between processes is a unit and a list of paths, never a workbook: the memory of a
worker is that of one unit's files.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from pcgd import db
from pcgd.units import service as units

_loop: asyncio.AbstractEventLoop | None = None


def pool(jobs: int) -> ProcessPoolExecutor:
    """`jobs` worker processes connected to the database the parent uses."""
    from pcgd.piccolo_conf import DB

    return ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_start, initargs=(DB.config["dsn"],))


def _start(dsn: str) -> None:
    global _loop
    _loop = asyncio.new_event_loop()
    asyncio.set_event_loop(_loop)
    _loop.run_until_complete(db.connect(dsn, min_size=1, max_size=2))


def forms_job(unit: units.Unit, year: int, folder: str) -> list[str]:
    assert _loop is not None
    return [str(p) for p in _loop.run_until_complete(write_forms(unit, year, Path(folder)))]


def books_job(commune: units.Unit, year: int, folder: str, with_phieu: bool) -> list[str]:
    assert _loop is not None
    return [str(p) for p in _loop.run_until_complete(
        write_books(commune, year, Path(folder), with_phieu))]


async def write_forms(unit: units.Unit, year: int, folder: Path) -> list[Path]:
    """The unit's form set and the checks workbook, written into `folder`."""
    from reports import service as forms

    built = await forms.form_set(unit, year)
    files = await asyncio.to_thread(forms.write_files, built, folder)
    return [Path(f["path"]) for f in files]


async def write_books(commune: units.Unit, year: int, folder: Path, with_phieu: bool
                      ) -> list[Path]:
    """The commune's tracking book per hamlet (and the survey forms per hamlet), written into
    `folder`: one workbook per hamlet, as the MN-06 book is kept per hamlet."""
    from reports import lists
    from reports.xlsx import write_form

    await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
    hamlets = await lists.hamlets_of(commune, year)
    paths = []
    for book in await lists.book_forms(commune, hamlets, year):
        paths.append(folder / book.file_name)
        await asyncio.to_thread(write_form, book, paths[-1])
    if with_phieu:
        for phieu in await lists.phieu_forms(commune, hamlets, year):  # one at a time: large
            paths.append(folder / phieu.file_name)
            await asyncio.to_thread(write_form, phieu, paths[-1])
    return paths
