"""The recognition dossier (issue 14) of the demo's fully entered district and of one of its
communes: the .zip's manifest, every figure of the Word report and minutes against the
evaluation (python-docx), the checklist against what is really missing (openpyxl), the page with
its scope, the command line, and LibreOffice opening the report."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest

from pcgd.common.vn import fmt_int, fmt_num
from pcgd.compliance import service as compliance
from pcgd.dossier import decisions as wf
from pcgd.dossier import schemas, service
from pcgd.units import service as units
from tests.factories import login, make_user
from tests.reports_demo import OLD_YEAR, Demo

YEAR = OLD_YEAR
SHORT = {"mn5": "MN 5 tuổi", "th": "Tiểu học", "thcs": "THCS", "xmc": "XMC", "mn35": "MN 3–5 tuổi"}
PCGD = Path(sys.executable).with_name("pcgd")


@pytest.fixture(scope="module")
async def built(reports_demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The district's and one commune's dossier, built once for the module in this process
    (worker processes: test_worker_processes_write_the_same_workbooks)."""
    result = reports_demo.results[YEAR]
    district = await units.resolve(result["full_district"], YEAR)
    communes = await units.communes_under(district, YEAR)
    folder = tmp_path_factory.mktemp("dossier")
    out: dict[str, Any] = {"district": district, "commune": communes[0]}
    for key in ("district", "commune"):
        plan = await service.plan(out[key], YEAR)
        steps: list[tuple[int, int]] = []
        target = folder / f"{key}.zip"
        made = await service.build(plan, target, lambda d, t, _l, s=steps: s.append((d, t)),
                                   jobs=1)
        out[f"{key}_plan"], out[f"{key}_zip"], out[f"{key}_built"] = plan, target, made
        out[f"{key}_steps"] = steps
    return out


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def _docx(content: bytes) -> Any:
    return docx.Document(io.BytesIO(content))


def _rows(document: Any) -> list[list[str]]:
    return [[c.text for c in row.cells] for t in document.tables for row in t.rows]


def _criterion_cells(row: dict[str, Any]) -> list[str]:
    rate = "—" if row["rate"] is None else fmt_num(row["rate"], 2, trim=False) + "%"
    return [fmt_int(row["numerator"]), fmt_int(row["denominator"]), rate,
            fmt_num(row["threshold"]) + "%", "Đạt" if row["passed"] else "Chưa đạt"]


def test_manifest_lists_every_file_with_its_sha256(built: dict[str, Any]) -> None:
    for key in ("district", "commune"):
        files = _members(built[f"{key}_zip"])
        manifest = json.loads(files.pop(schemas.MANIFEST))
        assert sorted(m["path"] for m in manifest) == sorted(files)
        for m in manifest:
            assert hashlib.sha256(files[m["path"]]).hexdigest() == m["sha256"], m["path"]
        assert schemas.CHECKLIST in files and schemas.REPORT in files
        steps = built[f"{key}_steps"]
        assert steps[-1][0] == steps[-1][1] == service.steps(built[f"{key}_plan"])
    district_files = _members(built["district_zip"])
    plan = built["district_plan"]
    for u in plan.lower:  # every commune's own forms, in its sub-folder
        assert f"{schemas.FORMS_DIR}/{plan.folder(u)}/TH-M1.xlsx" in district_files
        assert f"{schemas.LISTS_DIR}/{plan.folder(u)}/DS-TH.xlsx" in district_files
    assert schemas.MINUTES_LOWER in district_files and schemas.DECISIONS in district_files
    assert any(n.startswith(f"{schemas.MAPS_DIR}/") and n.endswith(".png")
               for n in district_files)
    commune_files = _members(built["commune_zip"])
    assert schemas.MINUTES_SELF in commune_files and schemas.DECISIONS not in commune_files
    assert any("Phiếu-điều-tra" in n for n in commune_files)


async def test_worker_processes_write_the_same_workbooks(
        built: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`jobs=2`: the units' forms and tracking books come from two worker processes, and the
    name lists are read two communes at a time; every workbook holds the same sheets, cells
    and styles as the one-process build (only the creation time in docProps/core.xml
    differs)."""
    plan = built["district_plan"]
    assert len(plan.communes) > 2
    monkeypatch.setattr(service, "LIST_BATCH", 2)
    steps: list[tuple[int, int]] = []
    target = tmp_path / "district-jobs.zip"
    await service.build(plan, target, lambda d, t, _l: steps.append((d, t)), jobs=2)
    one, two = _members(built["district_zip"]), _members(target)
    assert sorted(one) == sorted(two)
    assert steps[-1][0] == steps[-1][1] == service.steps(plan)
    compared = 0
    for name, content in one.items():
        if not name.endswith(".xlsx"):
            continue
        with zipfile.ZipFile(io.BytesIO(content)) as a, \
                zipfile.ZipFile(io.BytesIO(two[name])) as b:
            assert sorted(a.namelist()) == sorted(b.namelist()), name
            for part in a.namelist():
                if part != "docProps/core.xml":
                    assert a.read(part) == b.read(part), (name, part)
        compared += 1
    assert compared > len(plan.lower) * 20


async def test_report_figures_equal_the_evaluation(built: dict[str, Any]) -> None:
    for key in ("district", "commune"):
        unit = built[key]
        evaluation = await compliance.evaluate_unit(unit, YEAR, with_children=True)
        files = _members(built[f"{key}_zip"])
        report = _docx(files[schemas.REPORT])
        minutes = _docx(files[service.minutes_name(built[f"{key}_plan"])])
        report_rows, minute_rows = _rows(report), _rows(minutes)
        headings = [p.text for p in report.paragraphs if p.style.name.startswith("Heading")]
        assert headings[0] == "I. Đặc điểm tình hình" and "III. Kết quả" in headings
        assert len(report.inline_shapes) == len(schemas.STANDARDS_MAPPED)  # the maps
        for std in evaluation["standards"]:
            for row in std["criteria"]:
                want = _criterion_cells(row)
                found = [r for r in report_rows if r[0] == str(row["level"]) and r[2:7] == want]
                assert found, (key, row["id"], want)
                assert any(r[1] == str(row["level"]) and r[3:8] == want for r in minute_rows), (
                    key, row["id"])
            summary = next(r for r in report_rows if r[0] == _std_name(std["standard"]))
            assert summary[1:3] == [f"mức độ {std['level']}", f"mức độ {std['recognized_level']}"]
        # Unverified rules are named as such.
        unverified = [r for s in evaluation["standards"] for r in s["criteria"] if r["unverified"]]
        paragraphs = [p.text for p in report.paragraphs]
        section = paragraphs[paragraphs.index("VIII. Quy tắc chưa đối chiếu được văn bản") + 1:
                             paragraphs.index("IX. Đề nghị")]
        named = [t for t in section if t.startswith(tuple(SHORT.values()))]
        assert len(named) == len(unverified), (key, section)
        assert section == ["Không có."] if not unverified else len(section) == 1 + len(named)
        # Members' names are left blank to fill.
        members = next(t for t in minutes.tables if t.rows[0].cells[1].text == "Họ và tên")
        assert len(members.rows) > 3 and all(r.cells[1].text == "" for r in members.rows[1:])
    # The district's lower units with their recognised levels.
    evaluation = await compliance.evaluate_unit(built["district"], YEAR, with_children=True)
    rows = _rows(_docx(_members(built["district_zip"])[schemas.REPORT]))
    keys = [s["standard"] for s in evaluation["standards"]]
    for child in evaluation["children"]:
        levels = {s["standard"]: str(s["recognized_level"]) for s in child["standards"]}
        row = next(r for r in rows if r[0] == child["unit"]["code"])
        assert row[3:3 + len(keys)] == [levels[k] for k in keys]


def _std_name(code: str) -> str:
    from pcgd.standards import load_rules

    return load_rules().standard(code).name_vi


async def test_checklist_reports_exactly_what_is_missing(built: dict[str, Any]) -> None:
    district = built["district"]
    book = openpyxl.load_workbook(io.BytesIO(_members(built["district_zip"])[schemas.CHECKLIST]))
    sheet = book.active
    head_row = next(i for i, r in enumerate(sheet.iter_rows(values_only=True), 1)
                    if r[0] == "STT")
    rows = list(sheet.iter_rows(min_row=head_row + 1, values_only=True))
    missing = {(r[2], r[6]) for r in rows if r[5] == schemas.MISSING}
    # What is really missing, from the sources themselves.
    lower = await service.lower_units(district, YEAR)
    states = await wf.states([u.id for u in lower], YEAR)
    decisions = await wf.recognition_decisions([u.id for u in lower], YEAR)
    expected = set()
    for u in lower:
        if not (states[u.id] in wf.APPROVED and u.id in decisions):
            word = "xã"
            expected.add((f"Quyết định công nhận {u.name}", f"{word} chưa được phê duyệt "
                          f"({wf.STATES_VI[states[u.id]]})" if states[u.id] not in wf.APPROVED
                          else "đã phê duyệt nhưng chưa ghi quyết định"))
    from pcgd.registry.conditions import CONDITION_LABELS
    from reports import lists

    communes = await units.communes_under(district, YEAR)
    for c, result in zip(communes, await compliance.evaluate_communes(communes, YEAR),
                         strict=True):
        for std in result["standards"]:
            for cond in std["conditions"]:
                if cond["passed"] is None:
                    expected.add((f"{c.name}: {CONDITION_LABELS.get(cond['id'], cond['id'])}",
                                  "chưa có dữ liệu trường lớp (sổ đăng bộ) để tính điều kiện này"))
        if not await lists.hamlets_of(c, YEAR):
            expected.add((f"{c.name}: Sổ theo dõi PCGD-XMC",
                          f"chưa có hộ nào trong năm điều tra {YEAR}"))
    evaluation = await compliance.evaluate_unit(district, YEAR, with_children=True)
    for child in evaluation["children"]:
        if not child["has_data"]:
            expected.add((child["unit"]["name"], f"chưa có dữ liệu điều tra năm {YEAR}"))
    assert missing == expected
    assert len(missing) >= len(lower) // 2  # without approvals, every decision is missing
    # Forms the product cannot make are listed as not applicable, with the reason.
    na = [r for r in rows if r[5] == schemas.NOT_APPLICABLE]
    assert any(str(r[2]).startswith("MN-01-T.chính") and "tài chính" in r[6] for r in na)
    # The summary line counts them.
    summary = next(r[0] for r in sheet.iter_rows(max_row=head_row, values_only=True)
                   if r[0] and str(r[0]).startswith("Tổng số mục"))
    assert f"thiếu: {fmt_int(len([r for r in rows if r[5] == schemas.MISSING]))}" in summary


async def test_district_page_and_parts(built: dict[str, Any], client) -> None:
    district, commune = built["district"], built["commune"]
    other = next(u for u in await units.list_units(
        YEAR, parent=await units.get(district.parent_id), kind="district") if u.id != district.id)
    await login(client, await make_user("district", district.code, YEAR))
    page = await client.get(f"/units/{district.code}/dossier?year={YEAR}")
    assert page.status_code == 200
    items = service.checklist(built["district_plan"])
    assert f"Danh mục có {fmt_int(len(items))} mục" in page.text
    assert 'download="00-danh-muc.xlsx"' in page.text and "<script>" not in page.text
    assert f'action="/units/{district.code}/dossier/zip"' in page.text  # a button, not a link
    for path in (f"/units/{other.code}/dossier?year={YEAR}",
                 f"/units/{other.code}/dossier/part/bao-cao?year={YEAR}",
                 f"/units/{other.code}/dossier/zip?year={YEAR}",
                 f"/units/{other.code}/dossier/progress?year={YEAR}",
                 f"/units/{district.parent_code}/dossier?year={YEAR}"):
        answer = await client.get(path, headers={"accept": "text/html"})
        assert answer.status_code == 403, path
        assert "ngoài phạm vi" in answer.text
    part = await client.get(f"/units/{commune.code}/dossier/part/bien-ban?year={YEAR}")
    assert part.status_code == 200
    assert any("Tự kiểm tra" in p.text for p in _docx(part.content).paragraphs)
    sheet = await client.get(f"/units/{district.code}/dossier/part/danh-muc?year={YEAR}")
    assert openpyxl.load_workbook(io.BytesIO(sheet.content)).active["A1"].value.startswith(
        "DANH MỤC HỒ SƠ")
    png = await client.get(f"/units/{district.code}/dossier/part/ban-do-th?year={YEAR}")
    assert png.status_code == 200 and png.content[:4] == b"\x89PNG"
    missing = await client.get(f"/units/{district.code}/dossier/part/khong-co?year={YEAR}",
                               headers={"accept": "text/html"})
    assert missing.status_code == 404 and "không có phần hồ sơ này" in missing.text


async def test_commune_account_sees_only_its_own(built: dict[str, Any], client) -> None:
    district, commune = built["district"], built["commune"]
    await login(client, await make_user("commune", commune.code, YEAR))
    own = await client.get(f"/units/{commune.code}/dossier?year={YEAR}")
    assert own.status_code == 200 and "Biên bản tự kiểm tra" in own.text
    neighbour = built["district_plan"].lower[1]
    for code in (district.code, neighbour.code):
        up = await client.get(f"/units/{code}/dossier?year={YEAR}",
                              headers={"accept": "text/html"})
        assert up.status_code == 403 and "ngoài phạm vi" in up.text
    mine = await client.get(f"/dossier?year={YEAR}", follow_redirects=False)
    assert mine.headers["location"] == f"/units/{commune.code}/dossier?year={YEAR}"


@pytest.mark.slow
def test_cli_writes_the_zip(built: dict[str, Any], database: str, tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": database}
    out = tmp_path / "hs.zip"
    done = subprocess.run([str(PCGD), "dossier", "--unit", built["commune"].code, "--year",
                           str(YEAR), "-o", str(out), "--json"], env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    with zipfile.ZipFile(out) as zf:
        assert answer["files"] == len(json.loads(zf.read(schemas.MANIFEST)))
    bad = subprocess.run([str(PCGD), "dossier", "--unit", built["commune"].code, "--year",
                          str(YEAR), "-o", str(tmp_path / "hs.txt")], env=env,
                         capture_output=True, text=True, timeout=600)
    assert bad.returncode == 1 and "phải có đuôi .zip" in bad.stderr
    assert "Traceback" not in bad.stderr


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftoppm") is None,
                    reason="no LibreOffice/poppler: run deploy/install-system-deps.sh")
def test_libreoffice_converts_the_report(built: dict[str, Any], tmp_path: Path) -> None:
    files = _members(built["district_zip"])
    sources = []
    for name in (schemas.REPORT, schemas.MINUTES_LOWER):
        path = tmp_path / name
        path.write_bytes(files[name])
        sources.append(path)
    profile = tmp_path / "lo-profile"
    convert = subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
         "pdf", "--outdir", str(tmp_path / "pdf"), *map(str, sources)],
        capture_output=True, text=True, timeout=600)
    assert convert.returncode == 0, convert.stderr
    report_pdf = tmp_path / "pdf" / (sources[0].stem + ".pdf")
    info = subprocess.run(["pdfinfo", str(report_pdf)], capture_output=True, text=True).stdout
    pages = int(next(x.split()[-1] for x in info.splitlines() if x.startswith("Pages:")))
    assert pages >= 3  # results, lower units, maps
    text = subprocess.run(["pdftotext", str(report_pdf), "-"], capture_output=True,
                          text=True).stdout
    assert "Quá trình thực hiện và kết quả phổ cập giáo dục" in text
    assert built["district"].name in text
    subprocess.run(["pdftoppm", "-r", "50", "-f", "1", "-l", "1", "-png", str(report_pdf),
                    str(tmp_path / "page")], check=True)
    png = next(tmp_path.glob("page*.png"))
    assert png.stat().st_size > 10_000
