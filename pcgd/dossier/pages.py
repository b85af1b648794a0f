"""The "Hồ sơ công nhận" page: the checklist live, the whole dossier as a .zip built with a
progress indicator, and each of its own parts downloadable on its own.

Every route resolves the unit in the survey year and checks the user's scope first
(`require_unit`): only the unit's own accounts and the levels above reach it; out of scope or
missing answer the same 403.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path
from typing import Any

from litestar import Controller, get
from litestar.background_tasks import BackgroundTask
from litestar.response import File, Redirect, Response, Template

from pcgd.accounts.scope import require_unit
from pcgd.accounts.service import CurrentUser
from pcgd.accounts.years import default_year, own_unit_path
from pcgd.dossier import documents, schemas, service
from pcgd.errors import NotFound
from pcgd.units import service as units
from pcgd.web.security import login_required

TEMPLATES = Path(__file__).parent / "templates"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KIND_TITLE = {"province": "Tỉnh", "district": "Huyện", "commune": "Xã"}

# Build progress per (account, unit, year): the page polls it while the .zip is being made.
_progress: dict[tuple[int, int, int], dict[str, Any]] = {}


async def _unit(user: CurrentUser, code: str, year: int | None) -> tuple[units.Unit, int]:
    year = await default_year(user, year, code)
    unit = await units.resolve(code, year)
    await require_unit(user, unit, year)
    return unit, year


def _download(content: bytes, name: str, media_type: str) -> Response[bytes]:
    from reports.pages import download

    return download(content, name, media_type)


def parts(p: schemas.Plan) -> list[dict[str, str]]:
    """The parts the page offers one by one (slug, label, file name)."""
    out = [
        {"slug": "danh-muc", "label": "Danh mục hồ sơ (tình trạng từng mục)",
         "file": schemas.CHECKLIST},
        {"slug": "bao-cao", "label": "Báo cáo quá trình thực hiện và kết quả (Word)",
         "file": schemas.REPORT},
        {"slug": "bien-ban", "label": ("Biên bản tự kiểm tra (Word)" if p.unit.kind == "commune"
                                       else "Biên bản kiểm tra đơn vị cấp dưới (Word)"),
         "file": service.minutes_name(p)},
    ]
    if p.unit.kind != "commune":
        out.append({"slug": "quyet-dinh", "label": "Danh sách quyết định công nhận đơn vị cấp dưới",
                    "file": schemas.DECISIONS})
    for std in schemas.STANDARDS_MAPPED:
        out.append({"slug": f"ban-do-{std}", "label": f"Bản đồ {schemas.MAP_TITLES[std]} (PNG)",
                    "file": f"{std}.png"})
    return out


class DossierPages(Controller):
    path = "/"
    guards = [login_required]
    include_in_schema = False

    @get("/dossier")
    async def mine(self, user: CurrentUser, year: int | None = None) -> Redirect:
        """The nav link: the user's own unit's dossier (an admin picks a unit first)."""
        return Redirect(path=await own_unit_path(user, year, "dossier"))

    @get("/units/{code:str}/dossier")
    async def index(self, user: CurrentUser, code: str, year: int | None = None) -> Template:
        """The checklist as it stands now, the parts and the whole .zip."""
        unit, year = await _unit(user, code, year)
        blocked = unit.kind == "district" and units.tier_of(year) == 2
        p = None if blocked else await service.plan(unit, year)
        items = service.checklist(p) if p else []
        return Template(template_name="dossier.html", context={
            "user": user, "unit": unit, "year": year, "kind_title": KIND_TITLE,
            "chain": list(reversed(await units.ancestors(unit))), "plan": p, "items": items,
            "missing": [i for i in items if i.status == schemas.MISSING],
            "notes": [i for i in items if i.status == schemas.NOTE],
            "parts": parts(p) if p else [], "authority": schemas.authority(p) if p else "",
            "blocked": blocked, "MISSING": schemas.MISSING, "NOTE": schemas.NOTE,
            "NOT_APPLICABLE": schemas.NOT_APPLICABLE,
        })

    @get("/units/{code:str}/dossier/part/{part:str}")
    async def part(self, user: CurrentUser, code: str, part: str, year: int | None = None
                   ) -> Response[bytes]:
        """One part of the dossier, made on its own."""
        unit, year = await _unit(user, code, year)
        p = await service.plan(unit, year)
        stem = f"-{unit.code}-{year}"
        if part == "danh-muc":
            content = await asyncio.to_thread(documents.checklist_xlsx, p, service.checklist(p))
            return _download(content, f"Danh-mục-hồ-sơ{stem}.xlsx", XLSX)
        if part == "bao-cao":
            maps = {std: png for std in schemas.STANDARDS_MAPPED
                    if (png := await service.map_png(p, std))}
            content = await asyncio.to_thread(documents.report_docx, p, maps)
            return _download(content, f"Báo-cáo-kết-quả-PCGD-XMC{stem}.docx", DOCX)
        if part == "bien-ban":
            content = await asyncio.to_thread(documents.minutes_docx, p)
            return _download(content, service.minutes_name(p)[3:].replace(".docx", f"{stem}.docx"),
                             DOCX)
        if part == "quyet-dinh" and unit.kind != "commune":
            content = await asyncio.to_thread(documents.decisions_xlsx, p)
            return _download(content, f"Quyết-định-công-nhận{stem}.xlsx", XLSX)
        std = part.removeprefix("ban-do-")
        if part.startswith("ban-do-") and std in schemas.STANDARDS_MAPPED:
            png = await service.map_png(p, std)
            if png:
                return _download(png, f"Bản-đồ-{std}{stem}.png", "image/png")
        raise NotFound("không có phần hồ sơ này")

    @get("/units/{code:str}/dossier/zip")
    async def whole(self, user: CurrentUser, code: str, year: int | None = None) -> File:
        """The whole dossier: built into a temporary file (bounded memory), sent, deleted."""
        unit, year = await _unit(user, code, year)
        key = (user.id, unit.id, year)
        _progress[key] = {"done": 0, "total": 0, "label": "đang đọc số liệu"}

        def report(done: int, total: int, label: str) -> None:
            _progress[key] = {"done": done, "total": total, "label": label}

        fd, name = tempfile.mkstemp(prefix="pcgd-dossier-", suffix=".zip")
        os.close(fd)
        target = Path(name)
        try:
            p = await service.plan(unit, year)
            await service.build(p, target, report)
        except BaseException:
            await asyncio.to_thread(target.unlink, missing_ok=True)
            raise
        finally:
            _progress.pop(key, None)
        return File(path=target, filename=f"Hồ-sơ-công-nhận-{unit.code}-{year}.zip",
                    media_type="application/zip",
                    background=BackgroundTask(target.unlink, missing_ok=True))

    @get("/units/{code:str}/dossier/progress")
    async def progress(self, user: CurrentUser, code: str, year: int | None = None
                       ) -> dict[str, Any]:
        """How far the build of this account's .zip has gone ({} when none is running)."""
        unit, year = await _unit(user, code, year)
        return _progress.get((user.id, unit.id, year), {})
