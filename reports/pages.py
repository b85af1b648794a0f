"""The "Biểu mẫu" page: the unit's forms for a year with a quick preview of each (rendered from
the same cell model as the .xlsx), per-form downloads, "Tải tất cả (.zip)", the cross-form
checks, and (for a commune) the name lists, tracking books and survey forms.

Every route resolves the unit in the survey year and checks the user's scope first: only the
unit's own accounts and the levels above see it (403 otherwise, never data).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

from litestar import Controller, MediaType, Response, get
from litestar.response import Redirect, Template

from pcgd import db
from pcgd.accounts.scope import require_unit
from pcgd.accounts.service import CurrentUser
from pcgd.accounts.years import default_year, own_unit_path
from pcgd.errors import NotFound
from pcgd.units import service as units
from pcgd.web.security import login_required
from reports import html, lists, pending, service
from reports.forms import catalogue
from reports.model import Form
from reports.xlsx import form_bytes

TEMPLATES = Path(__file__).parent / "templates"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KIND_VI = {"province": "Tỉnh", "district": "Huyện", "commune": "Xã"}


def download(content: bytes, name: str, media_type: str = XLSX) -> Response[bytes]:
    """A file download whose Vietnamese name survives every browser (RFC 6266 / 5987)."""
    ascii_name = name.encode("ascii", "ignore").decode() or "bieu-mau.xlsx"
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f"attachment; filename=\"{ascii_name}\"; "
                                        f"filename*=UTF-8''{quote(name)}"},
    )


async def _unit(user: CurrentUser, code: str, year: int | None) -> tuple[units.Unit, int]:
    year = await default_year(user, year, code)
    unit = await units.resolve(code, year)
    await require_unit(user, unit, year)
    return unit, year


def _years() -> list[int]:
    return list(range(units.FIRST_SURVEY_YEAR, date.today().year + 2))


class FormPages(Controller):
    path = "/"
    guards = [login_required]
    include_in_schema = False

    @get("/forms")
    async def mine(self, user: CurrentUser, year: int | None = None) -> Redirect:
        """The nav link: the user's own unit's forms (an admin picks a unit first)."""
        return Redirect(path=await own_unit_path(user, year, "forms"))

    @get("/units/{code:str}/forms")
    async def index(self, user: CurrentUser, code: str, year: int | None = None) -> Template:
        """The list of forms; the cross-form checks load from the API with the progress bar
        (building a province's set takes a few seconds)."""
        unit, year = await _unit(user, code, year)
        hamlets = await lists.hamlets_of(unit, year) if unit.kind == "commune" else []
        chain = list(reversed(await units.ancestors(unit)))
        parts = await _lower_units(unit, year)
        has_data = bool(await db.pool().fetchval(
            "SELECT EXISTS (SELECT 1 FROM household WHERE year = $1 AND commune = ANY($2))",
            year, [c.id for c in await units.communes_under(unit, year)]))
        return Template(template_name="reports_forms.html", context={
            "user": user, "unit": unit, "year": year, "years": _years(), "kind_vi": KIND_VI,
            "chain": chain, "groups": _groups(), "not_produced": catalogue.NOT_PRODUCED,
            "pending": list(pending.ALL.values()), "lists": lists.SPECS, "hamlets": hamlets,
            "parts": parts, "has_data": has_data,
        })

    @get("/units/{code:str}/forms/checks")
    async def checks_page(self, user: CurrentUser, code: str, year: int | None = None
                          ) -> Template:
        unit, year = await _unit(user, code, year)
        built = await service.form_set(unit, year)
        return Template(template_name="reports_checks.html", context={
            "user": user, "unit": unit, "year": year, "kind_vi": KIND_VI,
            "findings": sorted(built.findings, key=lambda f: f.agrees),
            "bad": built.disagreements,
        })

    @get("/units/{code:str}/forms/zip")
    async def zip_all(self, user: CurrentUser, code: str, year: int | None = None
                      ) -> Response[bytes]:
        """Tải tất cả: every form and the checks workbook in one .zip."""
        import asyncio

        unit, year = await _unit(user, code, year)
        built = await service.form_set(unit, year)
        content = await asyncio.to_thread(service.zip_bytes, built)
        return download(content, f"Biểu-mẫu-{unit.code}-{year}.zip", "application/zip")

    @get("/units/{code:str}/forms/{slug:str}/preview")
    async def preview(self, user: CurrentUser, code: str, slug: str, year: int | None = None,
                      sheet: int = 0, fragment: bool = False) -> Template | Response[str]:
        unit, year = await _unit(user, code, year)
        form = await _one(unit, year, slug)
        index = min(max(sheet, 0), len(form.sheets) - 1)
        table = html.render(form.sheets[index])
        if fragment:
            return Response(str(table), media_type=MediaType.HTML)
        return Template(template_name="reports_preview.html", context={
            "user": user, "unit": unit, "year": year, "kind_vi": KIND_VI, "form": form,
            "slug": slug, "sheet": index, "table": table,
        })

    @get("/units/{code:str}/forms/{slug:str}/download")
    async def download_form(self, user: CurrentUser, code: str, slug: str,
                            year: int | None = None) -> Response[bytes]:
        import asyncio

        unit, year = await _unit(user, code, year)
        form = await _one(unit, year, slug)
        return download(await asyncio.to_thread(form_bytes, form), form.file_name)

    @get("/units/{code:str}/lists/{list_code:str}/download")
    async def download_list(self, user: CurrentUser, code: str, list_code: str,
                            year: int | None = None) -> Response[bytes]:
        import asyncio

        unit, year = await _unit(user, code, year)
        spec = lists.find_spec(list_code)
        if spec is None:
            raise NotFound(f"không có danh sách {list_code!r}")
        for found, _rows, form in await lists.name_lists(unit, year, only=spec.code):
            if found is spec:
                return download(await asyncio.to_thread(form_bytes, form), form.file_name)
        raise NotFound(f"không có danh sách {list_code!r}")

    @get("/units/{code:str}/hamlets/{hamlet:int}/{what:str}")
    async def hamlet_file(self, user: CurrentUser, code: str, hamlet: int, what: str,
                          year: int | None = None) -> Response[bytes]:
        """A hamlet's tracking book (so-theo-doi) or survey forms (phieu-dieu-tra)."""
        import asyncio

        unit, year = await _unit(user, code, year)
        if unit.kind != "commune" or what not in ("so-theo-doi", "phieu-dieu-tra"):
            raise NotFound("không có tệp này")
        found = next((h for h in await lists.hamlets_of(unit, year) if h["id"] == hamlet), None)
        if found is None:
            raise NotFound("thôn này không thuộc xã hoặc chưa có hộ trong năm điều tra")
        build = lists.book_form if what == "so-theo-doi" else lists.phieu_form
        form = await build(unit, found, year)
        return download(await asyncio.to_thread(form_bytes, form), form.file_name)


async def _one(unit: units.Unit, year: int, slug: str) -> Form:
    spec = catalogue.find(slug)
    if spec is None:
        if slug == "kiem-tra":
            return (await service.form_set(unit, year)).checks_form()
        raise NotFound(f"không có biểu {slug!r}")
    built = await service.form_set(unit, year, only=spec.code)
    return built.forms[0]


def _groups() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for spec in catalogue.SPECS:
        if not out or out[-1]["group"] != spec.group:
            out.append({"group": spec.group, "forms": []})
        out[-1]["forms"].append({"code": spec.code, "title": spec.title, "slug": spec.slug,
                                 "file": spec.file_name})
    return out


async def _lower_units(unit: units.Unit, year: int) -> list[units.Unit]:
    """The units whose own forms a district or province page links to."""
    if unit.kind == "commune":
        return []
    if unit.kind == "province" and units.tier_of(year) == 3:
        return await units.list_units(year, parent=unit, kind="district")
    return await units.communes_under(unit, year)
