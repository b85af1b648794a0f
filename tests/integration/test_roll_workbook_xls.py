"""The official workbook as the national system ships it (.xls, Excel 97-2003): the issue-10
fields survive a round trip through LibreOffice's .xls writer and our .xls reader."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from surveys.roll import parse_file, write_mau_nhap_lieu
from tests.unit.test_roll_mau_nhap_lieu import YEAR, households
from tests.unit.test_roll_workbook_fields import _new_values


def test_mau_nhap_lieu_xls_round_trip(tmp_path: Path) -> None:
    """The official file type is Excel 97-2003: the workbook saved as .xls by LibreOffice."""
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice is a system dependency (deploy/install-system-deps.sh)"
    original = households()
    write_mau_nhap_lieu(original, tmp_path / "MauNhapLieu.xlsx")
    subprocess.run(
        [soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to",
         "xls", "--outdir", str(tmp_path), str(tmp_path / "MauNhapLieu.xlsx")],
        check=True, capture_output=True, timeout=180,
    )
    xls = tmp_path / "MauNhapLieu.xls"
    assert xls.read_bytes()[:4] == b"\xd0\xcf\x11\xe0"  # an OLE2 (BIFF) file, not a renamed xlsx
    loaded = parse_file(xls, xls.name, year=YEAR)
    assert loaded.result.errors == []
    assert _new_values(loaded.result.households) == _new_values(original)
