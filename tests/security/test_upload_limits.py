"""Hole 3: memory exhaustion by upload (zip bomb, millions of errors, piling marked copies).

Before the fix a 4 MB workbook unpacking to 1 GB passed 8 GB of memory, and a CSV of 100,000
nonsense rows took minutes and gigabytes and produced 1.76 million error rows.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

import pytest

from bench.upload_files import nonsense_csv, zip_bomb
from pcgd.common.uploads import MAX_ISSUES, MAX_ROWS
from surveys import importer
from surveys.transfer_pages import uploads_dir
from tests.factories import login
from tests.security.conftest import YEAR, A, World, csrf_token

PROBE = """
import json, resource, sys, time
from pathlib import Path
from surveys.roll import RollFileError, parse_file


def peak_mb():
    # VmHWM: this process image's peak (ru_maxrss would include the parent's before exec)
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM"):
            return int(line.split()[1]) / 1024
    return 0.0
start = time.monotonic()
message = ""
try:
    parse_file(Path(sys.argv[1]), Path(sys.argv[1]).name, year=2024, known_schools=[])
except RollFileError as exc:
    message = str(exc)
print(json.dumps({"seconds": time.monotonic() - start, "message": message,
                  "rss_mb": peak_mb()}))
"""


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("hostile")
    return {"bomb": zip_bomb(folder / "bomb.xlsx"),
            "nonsense": nonsense_csv(folder / "nonsense.csv")}


async def _probe(path: Path) -> dict:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", PROBE, str(path), stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode == 0, err.decode()[-2000:]
    return json.loads(out)


async def test_the_zip_bomb_is_refused_fast_in_little_memory(files: dict[str, Path]) -> None:
    found = await _probe(files["bomb"])
    print(f"\n1 GB-unpacking xlsx ({files['bomb'].stat().st_size / 2**20:.1f} MB):"
          f" refused in {found['seconds']:.2f} s, peak RSS {found['rss_mb']:.0f} MB")
    assert "giải nén" in found["message"]
    assert found["seconds"] < 2 and found["rss_mb"] < 300


async def test_a_csv_of_100000_nonsense_rows_is_refused_at_the_row_limit(
    files: dict[str, Path],
) -> None:
    found = await _probe(files["nonsense"])
    print(f"\n100,000-row nonsense CSV ({files['nonsense'].stat().st_size / 2**20:.1f} MB):"
          f" refused in {found['seconds']:.2f} s, peak RSS {found['rss_mb']:.0f} MB")
    assert f"{MAX_ROWS:,}".replace(",", ".") in found["message"]
    assert found["seconds"] < 10 and found["rss_mb"] < 300


async def test_errors_stop_at_the_cap_with_and_n_more(world: World) -> None:
    from pcgd.units import service as units

    commune = await units.resolve(A, YEAR, kind="commune")
    content = b"\n".join(nonsense_csv_bytes(3000))
    report = await importer.import_roll(content, "x.csv", commune=commune, year=YEAR,
                                        dry_run=True)
    errors = report.to_json()["errors"]
    assert len(errors) == MAX_ISSUES + 1 and report.omitted_errors > 0
    assert errors[-1]["message"].startswith("và ") and "lỗi khác" in errors[-1]["message"]


def nonsense_csv_bytes(rows: int) -> list[bytes]:
    from surveys.roll.fields import COLUMN_NAMES

    return [",".join(COLUMN_NAMES).encode()] + [
        ",".join("xyz" for _ in COLUMN_NAMES).encode() for _ in range(rows)
    ]


async def test_the_upload_page_refuses_the_bomb_quickly_and_keeps_no_copy(
    client, world: World, files: dict[str, Path]
) -> None:
    await login(client, world.users["commune"])
    page = await client.get(f"/communes/{A}/import?year={YEAR}", headers={"accept": "text/html"})
    assert "tối đa 20 MB" in page.text and "60.000 dòng" in page.text  # limits said in the UI
    before = set(uploads_dir().glob("*.xlsx"))
    start = time.monotonic()
    answer = await client.post(
        f"/communes/{A}/import?year={YEAR}&dry_run=true",
        files={"file": ("bomb.xlsx", files["bomb"].read_bytes())},
        data={"_csrf_token": csrf_token(page.text)},
        headers={"accept": "application/json", "x-csrftoken": csrf_token(page.text)},
    )
    seconds = time.monotonic() - start
    print(f"\nupload of the bomb: {answer.status_code} in {seconds:.2f} s")
    assert answer.status_code == 400 and "giải nén" in answer.json()["detail"]
    assert seconds < 2
    assert set(uploads_dir().glob("*.xlsx")) == before
