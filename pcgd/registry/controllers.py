"""Registry pages and JSON API: thin — parse, authorize through the scope, call the service."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

import msgspec
from litestar import Controller, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template

from pcgd import db
from pcgd.accounts.scope import open_units, require_unit, scope_for
from pcgd.accounts.service import CurrentUser
from pcgd.accounts.years import default_year
from pcgd.common.masking import mask_id
from pcgd.common.uploads import MAX_UPLOAD_BYTES
from pcgd.errors import Forbidden, UserError
from pcgd.registry import codes, service
from pcgd.registry.columns import KINDS
from pcgd.registry.conditions import CONDITION_LABELS, STANDARD_LABELS
from pcgd.registry.schemas import (
    ConditionRow,
    Disagreement,
    FixIn,
    FixOut,
    ImportResult,
    LearnerOut,
    SchoolDetail,
    SchoolSummary,
)
from pcgd.units import service as units
from pcgd.web.security import login_required
from surveys.roll.fields import LABELS as ROLL_LABELS

MAX_UPLOAD = MAX_UPLOAD_BYTES  # pcgd.common.uploads: one definition of every limit
PAGE = 200


class LearnerPage(msgspec.Struct):
    total: int
    items: list[LearnerOut]


@dataclass
class ImportForm:
    kind: str = "schools"
    code: str = ""
    year: int = 0
    dry_run: str = ""
    file: UploadFile | None = None


@dataclass
class FixForm:
    year: int
    category: str
    person_year_id: int
    learner_id: int
    code: str = ""


async def _year(
    user: CurrentUser, year: int | None, code: str | None = None, kind: str | None = None
) -> int:
    return await default_year(user, year, code, kind)


async def _commune(user: CurrentUser, code: str, year: int) -> units.Unit:
    commune = await units.resolve(code, year, kind="commune")
    await require_unit(user, commune, year)
    return commune


async def _import(
    user: CurrentUser, kind: str, code: str, year: int, dry_run: bool, upload: UploadFile | None
) -> ImportResult:
    if upload is None or not upload.filename:
        raise UserError("chưa chọn tệp")
    content = await upload.read()
    if len(content) > MAX_UPLOAD:
        raise UserError(f"tệp quá lớn (tối đa {MAX_UPLOAD // (1024 * 1024)} MB)")
    unit = await units.resolve(code, year)
    await require_unit(user, unit, year)
    return await service.import_file(
        kind, content, upload.filename, unit=unit, year=year, dry_run=dry_run, user=user
    )


class RegistryApi(Controller):
    path = "/api/registry"
    guards = [login_required]
    tags = ["registry"]

    @get("/communes/{code:str}/schools")
    async def schools(
        self, user: CurrentUser, code: str, year: int | None = None
    ) -> list[SchoolSummary]:
        """The schools of a commune with class, teacher, room and learner counts."""
        year = await _year(user, year, code, "commune")
        commune = await _commune(user, code, year)
        return await service.schools_of(await scope_for(user, year), commune, year)

    @get("/communes/{code:str}/conditions")
    async def conditions(
        self, user: CurrentUser, code: str, year: int | None = None
    ) -> dict[str, list[ConditionRow]]:
        """TT 07 conditions per standard (`passed` null: no registry data)."""
        year = await _year(user, year, code, "commune")
        commune = await _commune(user, code, year)
        found = (await service.commune_conditions([commune.id], year))[commune.id]
        return {std: msgspec.convert(rows, list[ConditionRow]) for std, rows in found.items()}

    @get("/communes/{code:str}/reconcile")
    async def reconcile(
        self, user: CurrentUser, code: str, year: int | None = None
    ) -> list[Disagreement]:
        """Roll versus registry disagreements (`pcgd reconcile --json`)."""
        year = await _year(user, year, code, "commune")
        commune = await _commune(user, code, year)
        rows = await service.reconcile([commune.id], year)
        return [msgspec.convert(_masked(r), Disagreement) for r in rows]

    @post("/reconcile/fix", status_code=200)
    async def fix(self, user: CurrentUser, data: FixIn) -> FixOut:
        """Take the registry's value for one disagreement (the audited household save)."""
        result = await service.apply_fix(
            user, data.person_year_id, data.category, data.learner_id, reason=data.reason
        )
        return FixOut(**result)

    @get("/schools/{code:str}")
    async def school(self, user: CurrentUser, code: str, year: int | None = None) -> SchoolDetail:
        """A school with its classes, staff and rooms for the school year."""
        year = await _year(user, year)
        return await service.school_detail(await scope_for(user, year), code, year)

    @get("/schools/{code:str}/learners")
    async def learners(
        self, user: CurrentUser, code: str, year: int | None = None, offset: int = 0,
        limit: int = PAGE, class_name: str | None = None,
    ) -> LearnerPage:
        """A page of the school's learners."""
        year = await _year(user, year)
        total, items = await service.learners_of(
            await scope_for(user, year), code, year, offset=offset, limit=limit,
            class_name=class_name,
        )
        return LearnerPage(total, items)

    @get("/learners/{learner_id:int}")
    async def learner(self, user: CurrentUser, learner_id: int, year: int | None = None
                      ) -> LearnerOut:
        """One learner with the full personal ID (lists mask it); the view is audited."""
        scope = await scope_for(user, await _year(user, year))
        return await service.learner(user, scope, learner_id)

    @post("/import/{kind:str}", status_code=200,
          request_max_body_size=MAX_UPLOAD + 1024 * 1024)
    async def import_(
        self, user: CurrentUser, kind: str, unit: str, year: int,
        data: Annotated[ImportForm, Body(media_type=RequestEncodingType.MULTI_PART)],
        dry_run: bool = False,
    ) -> ImportResult:
        """Import a CSV/XLSX list (multipart field `file`); any row error writes nothing."""
        return await _import(user, kind, unit, await _year(user, year, unit), dry_run, data.file)


def _masked(row: dict[str, Any]) -> dict[str, Any]:
    """A reconciliation row for a list: the personal ID masked (open the household for it)."""
    person = dict(row["person"])
    person["personal_id"] = mask_id(person.get("personal_id")) or None
    return {**row, "person": person}


def _base(user: CurrentUser, year: int, **extra: Any) -> dict[str, Any]:
    return {"user": user, "year": year, "codes": codes, "standard_labels": STANDARD_LABELS,
            "condition_labels": CONDITION_LABELS, **extra}


class RegistryPages(Controller):
    path = "/registry"
    guards = [login_required]
    include_in_schema = False

    @get("/")
    async def overview(
        self, user: CurrentUser, code: str | None = None, year: int | None = None
    ) -> Template:
        year = await _year(user, year, code)
        if code:
            unit: units.Unit | None = await units.resolve(code, year)
        else:
            opened = await open_units(user, year)
            unit = opened[0] if len(opened) == 1 else None
        context = _base(user, year, unit=unit, schools=[], conditions={}, communes=[])
        if unit is not None and unit.kind == "commune":
            scope = await require_unit(user, unit, year)
            context["schools"] = await service.schools_of(scope, unit, year)
            context["conditions"] = (await service.commune_conditions([unit.id], year))[unit.id]
        elif unit is not None:
            await require_unit(user, unit, year)
            communes = await units.communes_under(unit, year)
            context["communes"] = await _commune_counts(communes, year)
        return Template(template_name="registry.html", context=context)

    @get("/schools/{code:str}")
    async def school(
        self, user: CurrentUser, code: str, year: int | None = None,
        class_name: str | None = None, offset: int = 0,
    ) -> Template:
        year = await _year(user, year)
        scope = await scope_for(user, year)
        detail = await service.school_detail(scope, code, year)
        total, learners = await service.learners_of(
            scope, code, year, offset=offset, limit=PAGE, class_name=class_name or None
        )
        return Template(
            template_name="registry_school.html",
            context=_base(user, year, detail=detail, learners=learners, total=total,
                          offset=max(offset, 0), page=PAGE, class_name=class_name or ""),
        )

    @get("/reconcile")
    async def reconcile(
        self, user: CurrentUser, code: str, year: int | None = None, category: str = "",
        done: str = "",
    ) -> Template:
        year = await _year(user, year, code, "commune")
        commune = await _commune(user, code, year)
        rows = [_masked(r) for r in await service.reconcile([commune.id], year)]
        counts = {c: sum(1 for r in rows if r["category"] == c) for c in service.CATEGORIES}
        shown = [r for r in rows if not category or r["category"] == category]
        names = dict(await db.pool().fetch("SELECT code, name FROM school"))
        return Template(
            template_name="registry_reconcile.html",
            context=_base(user, year, unit=commune,
                          rows=[reconcile_view(r, commune.code, year, names) for r in shown[:2000]],
                          total=len(shown), counts=counts, category=category,
                          categories=service.CATEGORIES, done=done),
        )

    @post("/reconcile/fix")
    async def fix(
        self, user: CurrentUser,
        data: Annotated[FixForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Redirect:
        await service.apply_fix(user, data.person_year_id, data.category, data.learner_id)
        query = urlencode({"code": data.code, "year": data.year, "done": data.person_year_id})
        return Redirect(path=f"/registry/reconcile?{query}")

    @get("/import")
    async def import_page(
        self, user: CurrentUser, code: str | None = None, year: int | None = None
    ) -> Template:
        year = await _year(user, year, code)
        return Template(
            template_name="registry_import.html",
            context=_base(user, year, code=code or user.unit_code or "", kinds=KINDS,
                          kind="schools", result=None, error=None),
        )

    @post("/import", request_max_body_size=MAX_UPLOAD + 1024 * 1024)
    async def import_submit(
        self, user: CurrentUser,
        data: Annotated[ImportForm, Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> Template:
        year = await _year(user, data.year, data.code or None)
        result, error, status = None, None, 422
        try:
            result = await _import(user, data.kind, data.code, year, bool(data.dry_run), data.file)
        except UserError as exc:
            error, status = str(exc), 403 if isinstance(exc, Forbidden) else 422
        return Template(
            template_name="registry_import.html",
            context=_base(user, year, code=data.code, kinds=KINDS, kind=data.kind,
                          result=result, error=error),
            status_code=200 if error is None and result is not None and result.ok else status,
        )


# --- the reconciliation page: labels and values people read, and what to do about each row ------

FIELD_VI = {
    **ROLL_LABELS,
    "enrolled_level": "Cấp học", "enrolled_grade": "Lớp", "school_code": "Trường",
    "school_year": "Năm học", "class_name": "Tên lớp", "completed": "Đã hoàn thành",
}
LEVEL_VI = {"MN": "Mầm non", "TH": "Tiểu học", "THCS": "THCS", "THPT": "THPT",
            "GDTX_THCS": "GDTX cấp THCS", "GDTX_THPT": "GDTX cấp THPT",
            "GDNN": "Giáo dục nghề nghiệp", "XMC": "Xóa mù chữ", "GDTX": "GDTX"}
_HIDDEN = ("learner_id", "field", "school_name")


def _value_vi(field: str, value: Any, schools: dict[str, str]) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if field == "enrolled_level":
        return LEVEL_VI.get(str(value), str(value))
    if field == "school_code":
        name = schools.get(str(value))
        return f"{name} ({value})" if name else str(value)
    if field == "school_year":
        return str(value).replace("-", "–")
    return str(value)


def _items(values: dict[str, Any] | None, schools: dict[str, str]) -> list[tuple[str, str]]:
    if not values:
        return []
    return [(FIELD_VI.get(k, "Thông tin khác"), _value_vi(k, v, schools))
            for k, v in values.items() if k not in _HIDDEN]


def reconcile_view(row: dict[str, Any], code: str, year: int, schools: dict[str, str]
                   ) -> dict[str, Any]:
    """One disagreement as the page shows it: Vietnamese labels and values, and its actions."""
    person = row["person"]
    actions = []
    if person.get("household_id"):
        actions.append({"href": f"/households/{person['household_id']}",
                        "label": f"Mở hộ {person.get('household_code') or ''}".strip()})
    learner = (row.get("registry") or {}).get("learner_id")
    if row["category"] == "missing_from_roll" and learner:
        query = urlencode({"year": year, "learner": learner})
        actions.append({"href": f"/communes/{code}/households/new?{query}",
                        "label": "Thêm vào hộ mới"})
        find = urlencode({"year": year, "q": person.get("full_name") or ""})
        actions.append({"href": f"/communes/{code}/households?{find}",
                        "label": "Tìm hộ để thêm vào"})
    return {**row, "roll_items": _items(row.get("roll"), schools),
            "registry_items": _items(row.get("registry"), schools), "actions": actions}


async def _commune_counts(communes: list[units.Unit], year: int) -> list[dict[str, Any]]:
    """Communes with their number of schools and learners (the entry list of an area)."""
    rows = await db.pool().fetch(
        "SELECT s.commune, count(DISTINCT s.id) AS schools, count(l.id) AS learners FROM school s"
        " LEFT JOIN learner l ON l.school = s.id AND l.year = $2"
        " WHERE s.commune = ANY($1::int[]) GROUP BY s.commune",
        [c.id for c in communes], year,
    )
    found = {r["commune"]: r for r in rows}
    return [
        {"unit": c, "schools": found[c.id]["schools"] if c.id in found else 0,
         "learners": found[c.id]["learners"] if c.id in found else 0}
        for c in communes
    ]


HANDLERS: list[object] = [RegistryApi, RegistryPages]
