"""`pcgd export roll` and the download button: import(export(x)) reproduces x exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pcgd import db
from surveys import exporter
from surveys.roll import parse_file
from tests.factories import login, make_user
from tests.integration.test_import import YEAR, cli, commune, family, person, run, state

pytestmark = pytest.mark.usefixtures("database")
SOURCE, COPY = "21115", "21124"


def varied_roll() -> list[dict]:
    """Every kind of field: IDs, parents, disability, movements, dropouts, XMC, GDNN, NT."""
    rows = family("X-1", pid="051084000301") + family("X-2", "Lê", hamlet="Tổ 2")
    rows += [
        person("X-3", "Hà Thị Nga", "1958", "F", "chu_ho", ethnicity="Hrê",
               residence_type="tam_tru", address="Thôn 3, xã Ba Tơ", xmc_stage_completed=1,
               enrolled_level="XMC", enrolled_grade="2", personal_id="051158000302"),
        person("X-3", "Hà Văn Tâm", "2004", "M", "con", disability="able",
               th_completed_year=2015, thcs_graduated_year=2019, enrolled_level="GDNN",
               address="Thôn 3, xã Ba Tơ"),
        person("X-3", "Hà Văn Út", "2009", "M", "con", th_completed_year=2020,
               dropout_grade=8, dropout_year=2023, movement="moved_in",
               movement_date="2025-03-15", address="Thôn 3, xã Ba Tơ"),
        person("X-3", "Hà Thị Bé", "02/02/2024", "F", "cháu", enrolled_level="MN",
               enrolled_grade="NT", mother_name="Hà Thị Nga", address="Thôn 3, xã Ba Tơ"),
        person("X-3", "Hà Văn Già", "1930", "M", "cha", movement="deceased",
               movement_date="2025-01-10", address="Thôn 3, xã Ba Tơ"),
        person("X-3", "Hà Thị Đi", "1990", "F", "con", movement="moved_out",
               movement_date="2024-12-01", mn_group_completed=None, th_completed_year=2001,
               address="Thôn 3, xã Ba Tơ"),
    ]
    for r in rows[8:]:
        r["hamlet"] = "Thôn 3"
    return rows


async def test_import_of_export_reproduces_the_roll_exactly(tmp_path: Path) -> None:
    first = await run(SOURCE, varied_roll())
    assert first.written, first.errors
    source = await commune(SOURCE)
    stored = await exporter.roll_households(source.id, YEAR)
    assert [h.household_code for h in stored] == ["X-1", "X-2", "X-3"]
    for suffix in (".csv", ".xlsx"):
        path = tmp_path / f"roll{suffix}"
        assert await exporter.export_roll(source.id, YEAR, path) == (3, 14)
        back = parse_file(path, path.name, year=YEAR)
        assert back.result.ok and back.result.households == stored  # x → file → x
    # Into an empty commune: the same roll; back into the source: nothing changes.
    csv_bytes = (tmp_path / "roll.csv").read_bytes()
    target = await run(COPY, csv_bytes)
    assert target.written and target.changes.persons_created == 14
    assert await exporter.roll_households((await commune(COPY)).id, YEAR) == stored
    before = await state(SOURCE)
    again = await run(SOURCE, (tmp_path / "roll.xlsx").read_bytes(), filename="roll.xlsx")
    assert again.written and not again.changes.any
    assert await state(SOURCE) == before
    # Byte for byte: export(import(export(x))) == export(x).
    second = tmp_path / "copy.csv"
    await exporter.export_roll((await commune(COPY)).id, YEAR, second)
    assert second.read_bytes() == csv_bytes


async def test_the_national_workbook_export_reads_back(tmp_path: Path) -> None:
    source = await commune("21127")
    assert (await run("21127", family("N-1") + family("N-2", "Lê"))).written
    path = tmp_path / "mau.xlsx"
    assert await exporter.export_roll(source.id, YEAR, path, "mau_nhap_lieu") == (2, 8)
    back = parse_file(path, path.name, year=YEAR)
    assert back.format == "mau_nhap_lieu" and back.result.ok, back.result.errors
    names = [p.full_name for h in back.result.households for p in h.members]
    assert names == [p.full_name for h in await exporter.roll_households(source.id, YEAR)
                     for p in h.members]


def test_output_format_rules() -> None:
    from pcgd.errors import UserError

    assert exporter.output_format("a.csv", None) == "roll"
    assert exporter.output_format("a.XLSX", "mau-nhap-lieu") == "mau_nhap_lieu"
    for path, fmt in (("a.txt", None), ("a.csv", "mau_nhap_lieu"), ("a.xls", "mau_nhap_lieu"),
                      ("a.csv", "pdf")):
        with pytest.raises(UserError):
            exporter.output_format(path, fmt)


@pytest.mark.slow
async def test_cli_export_json_and_user_errors(tmp_path: Path, database: str) -> None:
    assert (await run("21136", family("CLI-1"))).written
    out = tmp_path / "ho.xlsx"
    done = await cli(
        "export", "roll", "--commune", "21136", "--year", str(YEAR), "-o", str(out), "--json",
        database=database,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"households": 1, "persons": 4, "file": str(out),
                                       "format": "roll"}
    assert parse_file(out, out.name, year=YEAR).result.persons == 4
    bad = await cli(
        "export", "roll", "--commune", "21136", "--year", str(YEAR), "-o",
        str(tmp_path / "ho.xls"), "--format", "mau_nhap_lieu", database=database,
    )
    assert bad.returncode == 1 and len(bad.stderr.strip().splitlines()) == 1
    assert "Traceback" not in bad.stderr


async def test_download_button_serves_files_in_scope_only(client) -> None:
    assert (await run("21154", family("DL-1"))).written
    await login(client, await make_user("commune", "21154", YEAR))
    page = await client.get(f"/communes/21154/export?year={YEAR}", headers={"accept": "text/html"})
    assert page.status_code == 200 and "roll.csv" in page.text
    csv_file = await client.get(f"/communes/21154/export/roll.csv?year={YEAR}")
    assert csv_file.status_code == 200
    assert "attachment" in csv_file.headers["content-disposition"]
    assert csv_file.content.decode("utf-8-sig").splitlines()[0].startswith("household_code,")
    assert "DL-1" in csv_file.content.decode("utf-8-sig")
    workbook = await client.get(f"/communes/21154/export/maunhaplieu.xlsx?year={YEAR}")
    assert workbook.status_code == 200 and workbook.content[:2] == b"PK"
    assert (await client.get(f"/communes/21154/export/x.pdf?year={YEAR}")).status_code == 404
    other = await client.get(f"/communes/21025/export/roll.csv?year={YEAR}")
    assert other.status_code == 403
    assert await db.pool().fetchval("SELECT 1") == 1
