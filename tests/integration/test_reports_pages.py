"""The "Biểu mẫu" page and its downloads: what each account sees, and 403 (never data) for
another commune's, district's or province's codes on every route."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest

from pcgd import db
from pcgd.units import service as units
from tests.factories import login, make_user
from tests.reports_demo import OLD_YEAR, Demo

YEAR = OLD_YEAR


def routes(code: str, hamlet: int) -> list[str]:
    q = f"?year={YEAR}"
    return [
        f"/units/{code}/forms{q}",
        f"/units/{code}/forms/checks{q}",
        f"/units/{code}/forms/zip{q}",
        f"/units/{code}/forms/MN-01-TE/preview{q}",
        f"/units/{code}/forms/MN-01-TC-%C4%90K/preview{q}&fragment=1",
        f"/units/{code}/forms/TH-M1/download{q}",
        f"/units/{code}/forms/kiem-tra/download{q}",
        f"/units/{code}/lists/DS-TH/download{q}",
        f"/units/{code}/hamlets/{hamlet}/so-theo-doi{q}",
        f"/units/{code}/hamlets/{hamlet}/phieu-dieu-tra{q}",
        f"/api/units/{code}/forms{q}",
    ]


async def _hamlet(code: str) -> int:
    commune = await units.resolve(code, YEAR, kind="commune")
    return int(await db.pool().fetchval(
        "SELECT min(hamlet) FROM household WHERE commune = $1 AND year = $2", commune.id, YEAR))


@pytest.fixture(scope="module")
async def world(reports_demo: Demo) -> dict:
    result = reports_demo.results[YEAR]
    full = result["full_district"]
    inside = []
    outside = []
    for code in result["communes"]:
        commune = await units.resolve(code, YEAR, kind="commune")
        (inside if commune.parent_code == full else outside).append(code)
    other_district = (await units.resolve(outside[0], YEAR, kind="commune")).parent_code
    other_province = await units.resolve("01", YEAR, kind="province")
    foreign = (await units.communes_under(other_province, YEAR))[0].code
    return {
        "own": inside[0], "neighbour": inside[1], "outside": outside[0], "district": full,
        "other_district": other_district, "province": result["province"],
        "other_province": "01", "foreign_commune": foreign,
        "commune_user": await make_user("commune", inside[0], YEAR),
        "district_user": await make_user("district", full, YEAR),
        "province_user": await make_user("province", result["province"], YEAR),
        "hamlets": {c: await _hamlet(c) for c in (inside[0], inside[1], outside[0])},
    }


async def _forbidden(client, code: str, hamlet: int) -> None:
    for path in routes(code, hamlet):
        answer = await client.get(path, headers={"accept": "text/html"})
        assert answer.status_code == 403, (path, answer.status_code)
        assert "ngoài phạm vi" in answer.text
        assert "Họ và tên" not in answer.text and "xlsx" not in answer.headers.get(
            "content-type", "")


async def test_commune_account_sees_only_its_commune(client, world) -> None:
    await login(client, world["commune_user"])
    own = world["own"]
    hamlet = world["hamlets"][own]
    for path in routes(own, hamlet):
        answer = await client.get(path, headers={"accept": "text/html"})
        assert answer.status_code == 200, (path, answer.text[:300])
    for code in (world["neighbour"], world["outside"], world["district"], world["province"],
                 world["foreign_commune"], world["other_province"]):
        await _forbidden(client, code, world["hamlets"].get(code, hamlet))
    # its own code with another commune's hamlet: not found, nothing of that hamlet
    answer = await client.get(f"/units/{own}/hamlets/{world['hamlets'][world['neighbour']]}"
                              f"/so-theo-doi?year={YEAR}", headers={"accept": "text/html"})
    assert answer.status_code == 404


async def test_district_account_sees_its_communes_not_others(client, world) -> None:
    await login(client, world["district_user"])
    for code in (world["own"], world["district"]):
        answer = await client.get(f"/api/units/{code}/forms?year={YEAR}")
        assert answer.status_code == 200
        assert answer.json()["disagreements"] == 0
    for code in (world["outside"], world["other_district"], world["province"],
                 world["foreign_commune"]):
        await _forbidden(client, code, world["hamlets"][world["outside"]])


async def test_province_account_and_the_page_content(client, world) -> None:
    await login(client, world["province_user"])
    page = await client.get(f"/units/{world['district']}/forms?year={YEAR}")
    assert page.status_code == 200
    html = page.text
    for code in ("MN-01-TE", "MN-01-TC, ĐK", "TH-M1", "THCS-M2", "XMC-4", "CMC-2"):
        assert f"<strong>{code}</strong>" in html
    assert "MN-01-T.chính" in html and "Không lập" in html  # said, not printed empty
    assert "Tải tất cả (.zip)" in html
    assert f'data-src="/api/units/{world["district"]}/forms?year={YEAR}"' in html
    assert "Nhà vệ sinh đạt chuẩn" in html  # the pending facts, said once for every form
    assert "Trẻ khuyết tật nhìn" not in html  # a roll fact since issue 10, no longer pending
    assert "<script>" not in html  # no inline script (CSP)
    preview = await client.get(
        f"/units/{world['district']}/forms/MN-01-TC-%C4%90K/preview?year={YEAR}&fragment=1")
    assert preview.status_code == 200 and "TOÀN HUYỆN" in preview.text
    assert "<td" in preview.text and "<script" not in preview.text
    archive = await client.get(f"/units/{world['district']}/forms/zip?year={YEAR}")
    assert archive.status_code == 200
    assert "filename*=UTF-8''" in archive.headers["content-disposition"]
    names = zipfile.ZipFile(io.BytesIO(archive.content)).namelist()
    assert "MN-01-TC-ĐK.xlsx" in names and "Kiểm-tra-số-liệu.xlsx" in names
    assert len(names) == 19
    for code in (world["other_province"], world["foreign_commune"]):
        await _forbidden(client, code, world["hamlets"][world["own"]])


async def test_downloads_are_real_workbooks(client, world) -> None:
    await login(client, world["commune_user"])
    own = world["own"]
    answer = await client.get(f"/units/{own}/forms/TH-M1/download?year={YEAR}")
    ws = openpyxl.load_workbook(io.BytesIO(answer.content)).worksheets[0]
    assert ws["A1"].value.startswith("Tỉnh: ")
    lists = await client.get(f"/units/{own}/lists/DS-MN/download?year={YEAR}")
    ws = openpyxl.load_workbook(io.BytesIO(lists.content)).worksheets[0]
    assert ws["A5"].value == "STT" and ws["B5"].value == "Họ và tên"
    missing = await client.get(f"/units/{own}/forms/XX/download?year={YEAR}",
                               headers={"accept": "text/html"})
    assert missing.status_code == 404
