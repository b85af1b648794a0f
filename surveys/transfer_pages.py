"""Pages and API for moving roll data in and out: upload, download, roll-forward, duplicates.

Every route resolves its unit in the survey year and checks the user's scope first. HTML forms
carry Litestar's CSRF token; the upload is posted outside `/api/` (CSRF token in the form and
the `x-csrftoken` header) so that the page can drive a progress bar with XMLHttpRequest.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template

from pcgd.accounts import years
from pcgd.accounts.scope import require_unit, scope_for
from pcgd.accounts.service import CurrentUser
from pcgd.accounts.years import default_year
from pcgd.common.masking import mask_id
from pcgd.common.uploads import MAX_UPLOAD_BYTES
from pcgd.errors import Locked, NotFound, UserError
from pcgd.settings import get_settings
from pcgd.units import service as units
from pcgd.web.security import login_required
from surveys import exporter, importer, movers, rollforward
from surveys.roll.fields import LABELS

MAX_UPLOAD = MAX_UPLOAD_BYTES  # pcgd.common.uploads: one definition of every limit
DOWNLOADS = {  # name in the URL → (format, suffix, label, file name stem); the first is for people
    "danh-sach-ho.xlsx": ("roll_vi", ".xlsx", "Danh sách hộ (Excel, tiêu đề tiếng Việt)",
                          "danh-sach-ho"),
    "roll.csv": ("roll", ".csv", "Tệp trao đổi dữ liệu (CSV, định dạng pcgd roll v1)", "pcgd-roll"),
    "roll.xlsx": ("roll", ".xlsx", "Tệp trao đổi dữ liệu (Excel, định dạng pcgd roll v1)",
                  "pcgd-roll"),
    "maunhaplieu.xlsx": ("mau_nhap_lieu", ".xlsx", "Mẫu nhập liệu của hệ thống quốc gia (Excel)",
                         "maunhaplieu"),
}
KIND_VI = {"counted_twice": "Được tính ở hai nơi", "unlinked_move": "Chuyển đi chưa liên kết"}
MATCH_VI = {"personal_id": "cùng số định danh", "name": "cùng họ tên, ngày sinh, tên cha/mẹ"}
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


async def _year(
    user: CurrentUser, year: int | None, code: str | None = None, kind: str | None = None
) -> int:
    return await default_year(user, year, code, kind)


def uploads_dir() -> Path:
    return get_settings().data_dir / "uploads"


async def _commune(user: CurrentUser, code: str, year: int) -> units.Unit:
    commune = await units.resolve(code, year, kind="commune")
    await require_unit(user, commune, year)
    return commune


def _wants_json(request: Request[Any, Any, Any]) -> bool:
    return "application/json" in request.headers.get("accept", "")


# --- import --------------------------------------------------------------------------------------


@dataclass
class UploadForm:
    file: UploadFile | None = None
    dry_run: str = ""
    confirm: str = ""
    overwrite_newer: str = ""


def _store_annotated(report: importer.ImportReport, user: CurrentUser, commune: units.Unit,
                     year: int, filename: str) -> str | None:
    """Keep the marked copy under PCGD_DATA_DIR/uploads with a random name; its token."""
    _forget_old_uploads(user.id)
    token = secrets.token_urlsafe(24)
    path = uploads_dir() / f"{token}.xlsx"
    if importer.save_annotated(report, path) is None:
        return None
    meta = {"commune_id": commune.id, "year": year, "user_id": user.id,
            "filename": Path(filename).stem + "-kiem-tra.xlsx"}
    path.with_suffix(".json").write_text(json.dumps(meta, ensure_ascii=False))
    return token


KEEP_PER_USER = 3  # a user fixing a file needs the latest marked copies, not every one
KEEP_BYTES = 500 * 1024 * 1024  # all marked copies together


def _forget_old_uploads(user_id: int | None = None, max_age: float = 2 * 24 * 3600) -> None:
    """Marked copies are for fixing the file now: kept two days, the newest few per user, and
    within a total size (oldest dropped first), so uploads cannot fill the disk."""
    folder = uploads_dir()
    if not folder.is_dir():
        return
    cutoff = time.time() - max_age
    copies: list[tuple[float, int, Path, int | None]] = []
    for path in folder.glob("*.xlsx"):
        try:
            stat = path.stat()
            owner = json.loads(path.with_suffix(".json").read_text()).get("user_id")
        except (OSError, ValueError):
            owner = None
            stat = None
        if stat is None or stat.st_mtime < cutoff:
            _drop(path)
            continue
        copies.append((stat.st_mtime, stat.st_size, path, owner))
    copies.sort(reverse=True)  # newest first
    total, mine = 0, 0
    for _, size, path, owner in copies:
        total += size
        mine += owner == user_id
        if total > KEEP_BYTES or (user_id is not None and owner == user_id
                                  and mine >= KEEP_PER_USER):
            _drop(path)


def _drop(path: Path) -> None:
    for p in (path, path.with_suffix(".json")):
        try:
            p.unlink()
        except OSError:
            pass


def _import_view(report: importer.ImportReport, token: str | None) -> dict[str, Any]:
    return {
        **report.to_json(),
        "annotated_url": f"/imports/{token}.xlsx" if token else None,
        "labels": LABELS,  # the page shows "Họ và tên", not full_name
    }


class TransferPages(Controller):
    guards = [login_required]
    include_in_schema = False

    @get("/communes/{code:str}/import")
    async def import_page(self, user: CurrentUser, code: str, year: int | None = None
                          ) -> Template:
        year = await _year(user, year, code, "commune")
        commune = await _commune(user, code, year)
        return Template(
            template_name="import.html",
            context={"user": user, "year": year, "unit": commune, "result": None,
                     "error": None, "downloads": DOWNLOADS},
        )

    @post("/communes/{code:str}/import", request_max_body_size=MAX_UPLOAD + 1024 * 1024)
    async def import_submit(
        self,
        request: Request[Any, Any, Any],
        user: CurrentUser,
        code: str,
        data: Annotated[UploadForm, Body(media_type=RequestEncodingType.MULTI_PART)],
        year: int | None = None,
        dry_run: bool = False,
    ) -> Response[Any] | Template:
        """Upload a roll file: JSON for the page's script, the page itself without script."""
        year = await _year(user, year, code, "commune")
        commune = await _commune(user, code, year)
        dry = dry_run or bool(data.dry_run)
        result, error, status = None, None, 200
        try:
            upload = data.file
            if upload is None or not upload.filename:
                raise UserError("chưa chọn tệp")
            content = await upload.read()
            if len(content) > MAX_UPLOAD:
                raise UserError(f"tệp quá lớn (tối đa {MAX_UPLOAD // (1024 * 1024)} MB)")
            report = await importer.import_roll(
                content, upload.filename, commune=commune, year=year, user=user, dry_run=dry,
                confirm=bool(data.confirm), overwrite_newer=bool(data.overwrite_newer),
            )
            token = await asyncio.to_thread(
                _store_annotated, report, user, commune, year, upload.filename
            )
            result = _import_view(report, token)
            status = 200 if report.ok else 422
        except UserError as exc:
            error, status = str(exc), 423 if isinstance(exc, Locked) else 400
        if _wants_json(request):
            body = result if error is None else {"status_code": status, "detail": error,
                                                 "extra": None}
            return Response(body, status_code=status)
        return Template(
            template_name="import.html",
            context={"user": user, "year": year, "unit": commune, "result": result,
                     "error": error, "downloads": DOWNLOADS},
            status_code=status,
        )

    @get("/imports/{token:str}")
    async def annotated(self, user: CurrentUser, token: str) -> Response[bytes]:
        """The marked copy of an upload, for users whose scope covers its commune."""
        token = token.removesuffix(".xlsx")
        if not _TOKEN.match(token):
            raise NotFound("không có tệp này")
        path = uploads_dir() / f"{token}.xlsx"
        meta_path = path.with_suffix(".json")
        if not path.is_file() or not meta_path.is_file():
            raise NotFound("không có tệp này (có thể đã bị xóa)")
        meta = json.loads(meta_path.read_text())
        (await scope_for(user, meta["year"])).check(meta["commune_id"])
        return _download(path.read_bytes(), meta["filename"])

    # --- export ----------------------------------------------------------------------------------

    @get("/communes/{code:str}/export")
    async def export_page(self, user: CurrentUser, code: str, year: int | None = None
                          ) -> Template:
        year = await _year(user, year, code, "commune")
        commune = await _commune(user, code, year)
        return Template(
            template_name="export.html",
            context={"user": user, "year": year, "unit": commune, "downloads": DOWNLOADS},
        )

    @get("/communes/{code:str}/export/{name:str}")
    async def export_file(self, user: CurrentUser, code: str, name: str,
                          year: int | None = None) -> Response[bytes]:
        """Download the commune's roll (roll.csv, roll.xlsx or maunhaplieu.xlsx)."""
        year = await _year(user, year, code, "commune")
        commune = await _commune(user, code, year)
        if name not in DOWNLOADS:
            raise NotFound(f"không có định dạng {name}")
        fmt, suffix, _, stem = DOWNLOADS[name]
        content = await exporter.export_bytes(commune.id, year, suffix, fmt)
        return _download(content, f"{stem}-{commune.code}-{year}{suffix}")

    # --- roll-forward ----------------------------------------------------------------------------

    @get("/units/{code:str}/rollforward")
    async def rollforward_page(self, user: CurrentUser, code: str, year: int | None = None
                               ) -> Template:
        """`year` is the year to carry from; shows what is left to check in the next year."""
        from_year = await _year(user, year, code)
        unit = await units.resolve(code, from_year)
        await require_unit(user, unit, from_year)
        checks = await _next_year_checks(unit, from_year)
        return Template(
            template_name="rollforward.html",
            context={"user": user, "year": from_year, "unit": unit, "result": None,
                     "error": None, "checks": checks, "reminders": rollforward.REMINDERS},
        )

    @post("/units/{code:str}/rollforward")
    async def rollforward_submit(
        self,
        user: CurrentUser,
        code: str,
        data: Annotated[RollForwardForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Template:
        from_year = units.check_year(data.from_year)
        unit = await units.resolve(code, from_year)
        await require_unit(user, unit, from_year)
        result, error, checks = None, None, None
        try:
            done = await rollforward.roll_forward(
                unit, from_year, user=user, scope=await scope_for(user, from_year + 1),
                replace=bool(data.replace),
            )
            result = done.to_json()
            checks = result["checks"]
            years.forget()  # a new year has data: menus and defaults move to it
        except UserError as exc:
            error = str(exc)
            checks = await _next_year_checks(unit, from_year)
        return Template(
            template_name="rollforward.html",
            context={"user": user, "year": from_year, "unit": unit, "result": result,
                     "error": error, "checks": checks, "reminders": rollforward.REMINDERS},
            status_code=200 if error is None else 400,
        )

    # --- "chuyển đi" --------------------------------------------------------------------------

    @get("/person-years/{person_year_id:int}/move-out")
    async def move_out_page(self, user: CurrentUser, person_year_id: int) -> Template:
        """A member's "chuyển đi" form: date and destination commune (same province: linked)."""
        year = await movers.scoped_year(user, person_year_id)
        member = await movers.member(person_year_id)
        commune = await units.get(member["commune_id"])
        province = await units.get(commune.parent_id) if commune.parent_id else None
        if province is not None and province.kind == "district" and province.parent_id:
            province = await units.get(province.parent_id)
        nearby = await units.communes_under(province, year) if province else []
        return Template(
            template_name="duplicates_move.html",
            context={"user": user, "year": year, "member": member, "unit": commune,
                     "communes": [c for c in nearby if c.id != commune.id],
                     "today": min(date.today(), date(year, 9, 30)).isoformat(), "error": None},
        )

    @post("/person-years/{person_year_id:int}/move-out")
    async def move_out_submit(
        self,
        user: CurrentUser,
        person_year_id: int,
        data: Annotated[MoveOutForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Redirect:
        year = await movers.scoped_year(user, person_year_id)
        member = await movers.member(person_year_id)
        result = await movers.move_out(
            user, await scope_for(user, year), person_year_id, movement_date=data.movement_date,
            to_commune=data.to_commune.strip() or None, reason=data.reason,
        )
        linked = f"&linked={result.linked_to}" if result.linked_to else ""
        if result.proposal:
            linked = f"&proposal={result.proposal}"
        return Redirect(path=f"/households/{member['household_id']}?moved={person_year_id}"
                             f"{linked}")

    # --- duplicates ------------------------------------------------------------------------------

    @get("/provinces/{code:str}/duplicates")
    async def duplicates_page(self, user: CurrentUser, code: str, year: int | None = None,
                              done: str = "") -> Template:
        year = await _year(user, year, code, "province")
        province = await units.resolve(code, year, kind="province")
        await require_unit(user, province, year)
        pairs = masked_pairs(await movers.find_duplicates(province, year))
        return Template(
            template_name="duplicates.html",
            context={"user": user, "year": year, "unit": province, "pairs": pairs,
                     "kinds": KIND_VI, "matches": MATCH_VI, "done": done},
        )

    @post("/provinces/{code:str}/duplicates/merge")
    async def merge_submit(
        self,
        user: CurrentUser,
        code: str,
        data: Annotated[MergeForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Redirect:
        year = units.check_year(data.year)
        province = await units.resolve(code, year, kind="province")
        scope = await require_unit(user, province, year)
        result = await movers.merge(user, scope, data.keep, data.other, reason=data.reason)
        query = urlencode({"year": year, "done": f"{result.action}:{result.other}"})
        return Redirect(path=f"/provinces/{code}/duplicates?{query}")


@dataclass
class MoveOutForm:
    movement_date: date
    to_commune: str = ""
    reason: str = ""


@dataclass
class RollForwardForm:
    from_year: int
    replace: str = ""


@dataclass
class MergeForm:
    year: int
    keep: int
    other: int
    reason: str = ""


async def _next_year_checks(unit: units.Unit, from_year: int) -> list[dict[str, Any]] | None:
    """The check list of the next year when it already has data, else None."""
    try:
        sources = await units.communes_under(unit, from_year)
        targets = await rollforward.targets_for(
            await rollforward.with_data(sources, from_year) or sources, from_year + 1
        )
    except UserError:
        return None
    checks = await rollforward.checklist(list(targets), from_year + 1, limit=100)
    return checks if any(c["count"] for c in checks) else None


def masked_pairs(pairs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Duplicate pairs for a list: personal IDs masked (the household page shows them)."""
    return [{**p, "a": {**p["a"], "personal_id": mask_id(p["a"]["personal_id"])},
             "b": {**p["b"], "personal_id": mask_id(p["b"]["personal_id"])}} for p in pairs]


def _download(content: bytes, filename: str) -> Response[bytes]:
    media = (
        "text/csv; charset=utf-8" if filename.endswith(".csv")
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return Response(
        content,
        media_type=media,
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )


# --- JSON API ------------------------------------------------------------------------------------


class MoveOutIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    movement_date: date
    to_commune: str | None = None  # commune code in the survey year's tree
    reason: str = ""


class MergeIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    keep: int  # person_year id counted where the person lives
    other: int
    movement_date: date | None = None
    reason: str = ""


class MoversApi(Controller):
    path = "/api"
    guards = [login_required]
    tags = ["movers"]

    @post("/person-years/{person_year_id:int}/move-out", status_code=200)
    async def move_out(self, user: CurrentUser, person_year_id: int, data: MoveOutIn
                       ) -> dict[str, Any]:
        """"Chuyển đi": record the move (and destination); a link to the record there is made
        at once inside the user's units, else proposed to the other commune (`proposal`)."""
        year = await movers.scoped_year(user, person_year_id)
        result = await movers.move_out(
            user, await scope_for(user, year), person_year_id,
            movement_date=data.movement_date, to_commune=data.to_commune, reason=data.reason,
        )
        return result.to_json()

    @get("/provinces/{code:str}/duplicates")
    async def duplicates(self, user: CurrentUser, code: str, year: int | None = None
                         ) -> list[dict[str, Any]]:
        """Candidate duplicate pairs of a province (same as `pcgd duplicates --json`)."""
        year = await _year(user, year, code, "province")
        province = await units.resolve(code, year, kind="province")
        await require_unit(user, province, year)
        return masked_pairs(await movers.find_duplicates(province, year))

    @post("/duplicates/merge", status_code=200)
    async def merge(self, user: CurrentUser, data: MergeIn) -> dict[str, Any]:
        """Resolve a pair: keep one record, the other becomes moved out (or is deleted)."""
        year = await movers.scoped_year(user, data.keep)
        result = await movers.merge(
            user, await scope_for(user, year), data.keep, data.other,
            movement_date=data.movement_date, reason=data.reason,
        )
        return result.to_json()


HANDLERS: list[object] = [TransferPages, MoversApi]
