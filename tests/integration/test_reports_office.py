"""`pcgd forms` / `pcgd lists` as a user runs them, and every file they write opened by real
spreadsheet software: LibreOffice (headless, one batch) converts them all to PDF, and the first
pages of the two recovered templates are rendered to PNG (pdftoppm)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.reports_demo import OLD_YEAR, Demo

PCGD = Path(sys.executable).with_name("pcgd")
SOFFICE = shutil.which("soffice")
needs_office = pytest.mark.skipif(
    SOFFICE is None or shutil.which("pdftoppm") is None,
    reason="no LibreOffice/poppler: run deploy/install-system-deps.sh",
)


def run(*args: str, database: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database}
    return subprocess.run([str(PCGD), *args], env=env, capture_output=True, text=True,
                          timeout=600)


@pytest.mark.slow
@needs_office
def test_cli_files_open_in_libreoffice(reports_demo: Demo, database: str,
                                       tmp_path: Path) -> None:
    commune = reports_demo.commune(OLD_YEAR)
    out = tmp_path / "forms"
    done = run("forms", "--unit", commune, "--year", str(OLD_YEAR), "-o", str(out), "--json",
               database=database)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert set(result) == {"unit", "year", "files"} and result["unit"] == commune
    names = [Path(f["path"]).name for f in result["files"]]
    assert "MN-01-TE.xlsx" in names and "MN-01-TC-ĐK.xlsx" in names and "XMC-4.xlsx" in names
    for f in result["files"]:
        assert Path(f["path"]).exists()
        code = f["form"].replace(", ", "-").replace(" ", "-")
        assert Path(f["path"]).name == f"{code}.xlsx"
    bad = run("forms", "--unit", commune, "--year", str(OLD_YEAR), "-o", str(out),
              "--form", "XX", database=database)
    assert bad.returncode == 1 and len(bad.stderr.strip().splitlines()) == 1
    assert "MN-01-TE" in bad.stderr and "Traceback" not in bad.stderr
    lists_dir = tmp_path / "lists"
    done = run("lists", "--unit", commune, "--year", str(OLD_YEAR), "-o", str(lists_dir),
               "--json", database=database)
    assert done.returncode == 0, done.stderr
    written = json.loads(done.stdout)["files"]
    kinds = {f["list"] for f in written}
    assert {"DS-MN", "DS-TH", "DS-THCS", "DS-NGHE", "DS-BIET-CHU-1", "DS-BIET-CHU-2", "MN-06",
            "Phiếu điều tra"} <= kinds

    # One LibreOffice batch: every form, the checks workbook, a list, a book, a survey form.
    batch = [Path(f["path"]) for f in result["files"]]
    batch += [Path(next(f["path"] for f in written if f["list"] == k))
              for k in ("DS-TH", "MN-06", "Phiếu điều tra")]
    pdf_dir = tmp_path / "pdf"
    profile = tmp_path / "lo-profile"
    convert = subprocess.run(
        [str(SOFFICE), f"-env:UserInstallation=file://{profile}", "--headless",
         "--convert-to", "pdf", "--outdir", str(pdf_dir), *map(str, batch)],
        capture_output=True, text=True, timeout=600,
    )
    assert convert.returncode == 0, convert.stderr
    for source in batch:
        pdf = pdf_dir / (source.stem + ".pdf")
        assert pdf.exists() and pdf.stat().st_size > 2000, source.name
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
        pages = int(next(line.split()[-1] for line in info.splitlines()
                         if line.startswith("Pages:")))
        assert pages >= 1, source.name
        if source.stem in ("MN-01-TE", "MN-01-TC-ĐK"):  # one page wide: A4 fits the form
            assert pages == 1, (source.name, pages)
            width = next(line for line in info.splitlines() if line.startswith("Page size:"))
            assert "595" in width or "842" in width, width  # A4 portrait / landscape points
    for stem in ("MN-01-TE", "MN-01-TC-ĐK"):
        subprocess.run(["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1",
                        str(pdf_dir / f"{stem}.pdf"), str(tmp_path / stem)], check=True)
        png = next(tmp_path.glob(f"{stem}*.png"))
        assert png.stat().st_size > 10_000  # a rendered page, not a blank one
