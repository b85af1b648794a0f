"""Map pages: the map panel on the boards, the map page (the country's board), file downloads,
and the boundary upload page. Each checks the user's scope before drawing anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, MediaType, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Template

from pcgd.accounts.service import CurrentUser
from pcgd.accounts.years import default_year
from pcgd.errors import UserError
from pcgd.standards import load_rules
from pcgd.units import service as units
from pcgd.web.security import login_required, role_required

if TYPE_CHECKING:
    from geo import classes

# geo.service (numpy, shapely) is imported on the first map, not when the server starts.

DEFAULT_STANDARD = "th"
LEVEL_NAMES = {"province": "tỉnh", "district": "huyện", "commune": "xã"}


def _selection(year: int, standard: str | None, level: str | int | None,
               criterion: str | None) -> classes.Selection:
    from geo import classes

    ids = [s.id for s in load_rules().standards_for(year)]
    std = (standard or "").strip().lower()
    if std not in ids:
        std = DEFAULT_STANDARD if DEFAULT_STANDARD in ids else ids[0]
    lv = int(level) if isinstance(level, int) or (isinstance(level, str) and level.isdigit()) \
        else None
    return classes.Selection(std, lv or None, (criterion or "").strip() or None)


def _query(code: str, year: int, sel: classes.Selection, communes: bool = False) -> str:
    params: dict[str, Any] = {"year": year, "standard": sel.standard}
    if sel.level:
        params["level"] = sel.level
    if sel.criterion:
        params["criterion"] = sel.criterion
    if communes:
        params["communes"] = "1"
    return urlencode(params)


async def panel_context(
    user: CurrentUser, code: str, year: int, sel: classes.Selection, *,
    communes: bool = False, compact: bool = True,
) -> dict[str, Any]:
    """What the map partial shows: the inline SVG, the selector, the legend and the notes."""
    from geo import classes, service
    from geo.layout import SCHEMATIC_CAPTION

    try:
        data = await service.build_map(code, year, sel, communes=communes, user=user,
                                       compact=compact)
    except UserError as exc:
        if sel.criterion is None and sel.level is None:
            raise
        # A criterion or level the new standard does not have: fall back to its levels.
        data = await service.build_map(
            code, year, classes.Selection(sel.standard), communes=communes, user=user,
            compact=compact,
        )
        sel = classes.Selection(sel.standard)
        error = str(exc)
    else:
        error = None
    svg = (await service.render(data, "svg", links=True)).decode("utf-8")
    book = load_rules()
    standards = [(s.id, s.name_vi, s.max_level) for s in book.standards_for(year)]
    max_level = next((m for sid, _, m in standards if sid == sel.standard), 1)
    code_up = code.upper() if code.strip().upper() == service.NATIONAL else code
    query = _query(code_up, year, sel, communes)
    return {
        "code": code_up,
        "year": year,
        "sel": sel,
        "svg": svg,
        "error": error,
        "classification": data.classification,
        "standards": standards,
        "levels": list(range(1, max_level + 1)),
        "criteria": data.classification.criterion_options,
        "kind_word": LEVEL_NAMES[data.kind],
        "count": len(data.unit_list),
        "schematic": data.schematic,
        "caption": SCHEMATIC_CAPTION,
        "date_line": f"Thời điểm: 30/09/{year}",
        "title": data.classification.title,
        "source_line": data.source_line,
        "communes": communes,
        "query": query,
        "png_url": f"/maps/{code_up}/png?{query}",
        "svg_url": f"/maps/{code_up}/svg?{query}",
        "page_url": f"/maps/{code_up}?{query}",
        "panel_url": f"/maps/{code_up}/panel",
        "values": data.classification.values,
        "class_labels": {c.key: c for c in data.classification.classes},
        "is_rate": data.classification.is_rate,
    }


async def board_panel(user: CurrentUser, unit: units.Unit, year: int) -> dict[str, Any] | None:
    """The map beside a district's or province's board table (None for a commune)."""
    if unit.kind == "commune":
        return None
    try:
        return await panel_context(user, unit.code, year, _selection(year, None, None, None))
    except UserError:  # the board stays usable without its map
        return None


async def _year(user: CurrentUser, year: int | None, code: str | None = None) -> int:
    """The asked year, else the latest year with data (in which `code` exists)."""
    from geo.service import NATIONAL

    national = code is None or code.strip().upper() == NATIONAL
    return await default_year(user, year, None if national else code)


@dataclass
class ImportForm:
    level: str = "commune"
    year: int = 0
    field_kind: str = "auto"
    field_name: str = ""
    dry_run: str = ""
    file: UploadFile | None = None


class MapPages(Controller):
    path = "/maps"
    guards = [login_required]
    include_in_schema = False

    @get("/{code:str}")
    async def page(
        self, user: CurrentUser, code: str, year: int | None = None, standard: str | None = None,
        level: str | None = None, criterion: str | None = None, communes: str | None = None,
    ) -> Template:
        """A map with its table of units; /maps/VN is the country's board (admins)."""
        from geo import service

        year = await _year(user, year, code)
        sel = _selection(year, standard, level, criterion)
        ctx = await panel_context(user, code, year, sel, communes=bool(communes), compact=True)
        target = await service.resolve_target(code, year, user)
        return Template(template_name="geo_map.html", context={
            "user": user, "year": year, "years": list(range(units.FIRST_SURVEY_YEAR,
                                                          date.today().year + 2)),
            "unit": target, "map": {**ctx, "standalone": True}, "national": target is None,
        })

    @get("/{code:str}/panel")
    async def panel(
        self, user: CurrentUser, code: str, year: int | None = None, standard: str | None = None,
        level: str | None = None, criterion: str | None = None, communes: str | None = None,
    ) -> Template:
        """The map partial alone: the board's selector swaps it in place."""
        year = await _year(user, year, code)
        sel = _selection(year, standard, level, criterion)
        ctx = await panel_context(user, code, year, sel, communes=bool(communes))
        return Template(template_name="geo_panel.html", context={"map": ctx})

    @get("/{code:str}/svg", media_type="image/svg+xml")
    async def svg(
        self, user: CurrentUser, code: str, year: int | None = None, standard: str | None = None,
        level: str | None = None, criterion: str | None = None, communes: str | None = None,
    ) -> Response[bytes]:
        return await self._file(user, code, "svg", year, standard, level, criterion, communes)

    @get("/{code:str}/png", media_type="image/png")
    async def png(
        self, user: CurrentUser, code: str, year: int | None = None, standard: str | None = None,
        level: str | None = None, criterion: str | None = None, communes: str | None = None,
    ) -> Response[bytes]:
        return await self._file(user, code, "png", year, standard, level, criterion, communes)

    async def _file(
        self, user: CurrentUser, code: str, fmt: str, year: int | None, standard: str | None,
        level: str | None, criterion: str | None, communes: str | None,
    ) -> Response[bytes]:
        from geo import service

        year = await _year(user, year, code)
        sel = _selection(year, standard, level, criterion)
        data = await service.build_map(code, year, sel, communes=bool(communes), user=user)
        content = await service.render(data, fmt)
        name = f"ban-do-{code.upper()}-{year}-{sel.standard}.{fmt}"
        return Response(
            content,
            media_type="image/svg+xml" if fmt == "svg" else "image/png",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )


def _import_context(user: CurrentUser, year: int, **extra: Any) -> dict[str, Any]:
    return {"user": user, "year": year, "levels": [("commune", "Xã, phường, đặc khu"),
            ("district", "Huyện (trước 2025)"), ("province", "Tỉnh, thành phố")],
            "result": None, "error": None, "form": ImportForm(year=year), **extra}


class ImportPages(Controller):
    path = "/geo/import"
    guards = [login_required, role_required("province")]
    include_in_schema = False

    @get("/")
    async def form(self, user: CurrentUser, year: int | None = None) -> Template:
        return Template(template_name="geo_import.html",
                        context=_import_context(user, await _year(user, year)))

    @post("/")
    async def submit(
        self, user: CurrentUser,
        data: Annotated[ImportForm, Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> Template:
        from geo import importer, service

        year = data.year or None
        result, error = None, None
        folder = None
        try:
            year = await _year(user, year)
            upload = data.file
            if upload is None or not upload.filename:
                raise UserError("chưa chọn tệp")
            content = await upload.read()
            folder, path = importer.save_upload(content, upload.filename)
            kind = data.field_kind
            field = data.field_name.strip() or None
            result = await service.import_boundaries(
                path, data.level, year,
                code_field=field if kind == "code" else None,
                name_field=field if kind == "name" else None,
                dry_run=bool(data.dry_run), user=user, display_name=upload.filename,
            )
        except UserError as exc:
            error = str(exc)
        finally:
            if folder is not None:
                service.cleanup(folder)
        return Template(
            template_name="geo_import.html",
            context=_import_context(user, year, result=result, error=error, form=data),
            status_code=422 if error else 200,
            media_type=MediaType.HTML,
        )
