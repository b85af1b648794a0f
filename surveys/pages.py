"""Household entry pages for commune staff, and the validate-as-you-type API they call.

The pages render the list (search, filters, hamlets, live indicators) and the household form;
the form saves through the JSON API (`surveys.controllers`) so the browser and scripts share one
write path with its version check. Validation in the browser asks the server
(`POST /api/communes/{code}/households/validate`), so the page shows exactly the server's rules.
Every page checks the user's scope before reading anything.
"""

from __future__ import annotations

import importlib
from typing import Any

import msgspec
from litestar import Controller, get, post
from litestar.response import Template

from pcgd.accounts.scope import require_unit
from pcgd.accounts.service import CurrentUser
from pcgd.accounts.years import default_year
from pcgd.errors import NotFound
from pcgd.standards import load_rules
from pcgd.units import service as units
from pcgd.web.security import login_required
from surveys import entry_queries as queries
from surveys import service
from surveys.roll.fields import ETHNIC_NAMES, GRADES, LABELS
from surveys.roll.validate import parse_roll_rows
from surveys.schemas import HouseholdIn

PAGE_SIZE = 100

# --- what the form needs to know about the roll columns ------------------------------------------

_BLANK = ("", "")
CHOICES: dict[str, list[tuple[str, str]]] = {
    "sex": [_BLANK, ("M", "Nam"), ("F", "Nữ")],
    "residence_type": [("thuong_tru", "Thường trú"), ("tam_tru", "Tạm trú")],
    "disability": [_BLANK, ("able", "Có khả năng học tập"), ("unable", "Không có khả năng học")],
    "movement": [_BLANK, ("moved_in", "Chuyển đến"), ("moved_out", "Chuyển đi"),
                 ("deceased", "Đã chết")],
    "enrolled_level": [_BLANK, ("MN", "Mầm non"), ("TH", "Tiểu học"), ("THCS", "THCS"),
                       ("THPT", "THPT"), ("GDTX_THCS", "GDTX cấp THCS"),
                       ("GDTX_THPT", "GDTX cấp THPT"), ("GDNN", "Giáo dục nghề nghiệp"),
                       ("XMC", "Xóa mù chữ")],
    "mn_group_completed": [_BLANK, ("3", "3 tuổi"), ("4", "4 tuổi"), ("5", "5 tuổi")],
    "xmc_stage_completed": [_BLANK, ("0", "0"), ("1", "GĐ 1"), ("2", "GĐ 2")],
    "dropout_grade": [_BLANK, *((str(g), str(g)) for g in range(1, 13))],
}
GRADE_LABELS = {"NT": "Nhà trẻ", "3": "3", "4": "4", "5": "5"}
RELATIONS = ["Chủ hộ", "Vợ", "Chồng", "Con", "Con dâu", "Con rể", "Cha", "Mẹ", "Ông", "Bà",
             "Cháu", "Anh", "Chị", "Em", "Khác"]

# (field, group, kind, width in ch): the members table, in the order staff type a person.
MEMBER_COLUMNS: tuple[tuple[str, str, str, int], ...] = (
    ("full_name", "Nhân khẩu", "text", 20),
    ("birth_date", "Nhân khẩu", "date", 10),
    ("sex", "Nhân khẩu", "select", 5),
    ("relation", "Nhân khẩu", "relation", 9),
    ("ethnicity", "Nhân khẩu", "ethnicity", 8),
    ("personal_id", "Nhân khẩu", "text", 12),
    ("residence_type", "Cư trú", "select", 9),
    ("movement", "Cư trú", "select", 9),
    ("movement_date", "Cư trú", "date", 10),
    ("disability", "Cư trú", "select", 9),
    ("father_name", "Cha mẹ", "text", 14),
    ("mother_name", "Cha mẹ", "text", 14),
    ("enrolled_level", "Đang học", "select", 8),
    ("enrolled_grade", "Đang học", "grade", 5),
    ("school_code", "Đang học", "school", 10),
    ("mn_completed_year", "Đã hoàn thành (năm)", "year", 5),
    ("mn_group_completed", "Đã hoàn thành (năm)", "select", 5),
    ("th_completed_year", "Đã hoàn thành (năm)", "year", 5),
    ("thcs_graduated_year", "Đã hoàn thành (năm)", "year", 5),
    ("thpt_graduated_year", "Đã hoàn thành (năm)", "year", 5),
    ("gdnn_completed_year", "Đã hoàn thành (năm)", "year", 5),
    ("xmc_stage_completed", "Đã hoàn thành (năm)", "select", 5),
    ("dropout_grade", "Bỏ học", "select", 4),
    ("dropout_year", "Bỏ học", "year", 5),
)
SHORT_LABELS = {
    "full_name": "Họ và tên", "birth_date": "Ngày sinh", "sex": "Giới tính",
    "relation": "Quan hệ với chủ hộ", "ethnicity": "Dân tộc", "personal_id": "Số định danh",
    "residence_type": "Diện cư trú", "movement": "Biến động", "movement_date": "Ngày biến động",
    "disability": "Khuyết tật", "father_name": "Họ tên cha", "mother_name": "Họ tên mẹ",
    "enrolled_level": "Cấp học", "enrolled_grade": "Lớp", "school_code": "Mã trường",
    "mn_completed_year": "MN", "mn_group_completed": "Nhóm MN",
    "th_completed_year": "TH", "thcs_graduated_year": "TN THCS",
    "thpt_graduated_year": "TN THPT", "gdnn_completed_year": "GDNN",
    "xmc_stage_completed": "XMC", "dropout_grade": "Lớp", "dropout_year": "Năm",
}


def form_schema() -> dict[str, Any]:
    """Column metadata for entry.js: labels, kinds, choices (the roll-format code lists)."""
    return {
        "columns": [
            {"name": name, "group": group, "kind": kind, "width": width,
             "label": SHORT_LABELS[name], "title": LABELS[name],
             "choices": CHOICES.get(name)}
            for name, group, kind, width in MEMBER_COLUMNS
        ],
        "grades": {level: [[g, GRADE_LABELS.get(g, g) if level == "MN" else g] for g in grades]
                   for level, grades in GRADES.items()},
        "ethnicities": list(ETHNIC_NAMES),
        "relations": RELATIONS,
        "labels": dict(LABELS),
    }


def criterion_labels(year: int) -> dict[str, Any]:
    """Vietnamese names of standards and criteria for the indicators panel."""
    book = load_rules()
    return {
        "standards": {s.id: s.name_vi for s in book.standards_for(year)},
        "criteria": {c.id: c.label_vi for c in book.criteria_for(year)},
    }


def to_json(value: Any) -> str:
    """JSON safe to embed in a <script> element."""
    return msgspec.json.encode(value).decode().replace("<", "\\u003c")


async def reviewer_issues(household_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Open issues the level above pinned to these households (pcgd.workflow, a higher
    layer: looked up, not imported)."""
    if not household_ids:
        return {}
    try:
        workflow = importlib.import_module("pcgd.workflow.service")
    except ModuleNotFoundError:
        return {}
    return await workflow.household_issues(household_ids)


async def _form_context(
    user: CurrentUser, commune: units.Unit, year: int, household: dict[str, Any] | None
) -> dict[str, Any]:
    hamlets = await units.hamlets(commune.id)
    status = await queries.survey_status(commune.id, year)
    data = {
        "commune": commune.code,
        "year": year,
        "household": household,
        "schema": form_schema(),
        "hamlets": [h["name"] for h in hamlets],
        "schools": await queries.schools_of(commune.id),
        "indicators": criterion_labels(year),
        "locked": bool(queries.closed_message(status, year, user.role)),
    }
    return {
        "user": user, "year": year, "commune": commune, "household": household,
        "locked": queries.closed_message(status, year, user.role), "data_json": to_json(data),
        "list_url": f"/communes/{commune.code}/households?year={year}",
        "review_issues": (await reviewer_issues([household["id"]])).get(household["id"], [])
        if household else [],
    }


class EntryPages(Controller):
    path = ""
    guards = [login_required]
    include_in_schema = False

    @get("/communes/{code:str}/households")
    async def household_list(
        self,
        user: CurrentUser,
        code: str,
        year: int | None = None,
        q: str = "",
        hamlet: str = "",
        age: str = "",
        status: str = "",
        problems: str = "",
        offset: int = 0,
    ) -> Template:
        """The commune's households with search, filters, hamlets and live indicators."""
        year = await default_year(user, year, code, "commune")
        commune = await units.resolve(code, year, kind="commune")
        scope = await require_unit(user, commune, year)
        found = await queries.problems(commune.id, year, await service.known_schools())
        only = set(found) if problems else None
        page = await queries.search(
            scope, commune.id, year, q=q, hamlet=hamlet, age=age, status=status,
            only_ids=only, limit=PAGE_SIZE, offset=max(offset, 0),
        )
        for row in page.rows:
            row.problems = found.get(row.id, row.problems)
        filters = {"q": q, "hamlet": hamlet, "age": age, "status": status, "problems": problems}
        data = {"commune": commune.code, "year": year, "indicators": criterion_labels(year)}
        return Template(
            template_name="entry_list.html",
            context={
                "user": user, "year": year, "commune": commune, "page": page,
                "filters": filters, "offset": max(offset, 0), "page_size": PAGE_SIZE,
                "hamlets": await queries.hamlet_counts(commune.id, year),
                "age_bands": queries.AGE_BANDS, "statuses": queries.STATUSES,
                "problem_total": len(found),
                "review_issues": await reviewer_issues([r.id for r in page.rows]),
                "locked": queries.closed_message(
                    await queries.survey_status(commune.id, year), year, user.role),
                "data_json": to_json(data),
            },
        )

    @get("/communes/{code:str}/households/new")
    async def new_household(
        self, user: CurrentUser, code: str, year: int | None = None, learner: int | None = None
    ) -> Template:
        """A blank household form (saved with POST on the JSON API); `learner` starts it with
        a pupil the school list says lives in the commune (from the reconciliation page)."""
        year = await default_year(user, year, code, "commune")
        commune = await units.resolve(code, year, kind="commune")
        await require_unit(user, commune, year)
        context = await _form_context(user, commune, year, None)
        if learner is not None:
            member = await queries.learner_as_member(learner, commune.id, year)
            if member is None:
                raise NotFound("không có học sinh này trong danh sách trường của xã")
            data = msgspec.json.decode(context["data_json"])
            data["prefill"] = {"household_code": "", "hamlet": "", "address": "",
                               "members": [member]}
            context["data_json"] = to_json(data)
            context["prefilled"] = member["full_name"]
        return Template(template_name="entry_form.html", context=context)

    @get("/households/{household_id:int}")
    async def edit_household(self, user: CurrentUser, household_id: int) -> Template:
        """The household form filled with the saved version (saved with PUT + version)."""
        scope, _ = await service.scoped_household(user, household_id)
        commune_id, year = await service.household_commune(household_id)
        household = await service.view_household(user, scope, household_id)
        commune = await units.get(commune_id)
        return Template(
            template_name="entry_form.html",
            context=await _form_context(user, commune, year, msgspec.to_builtins(household)),
        )


# --- validate as you type -------------------------------------------------------------------------


class FieldIssue(msgspec.Struct):
    row: int  # member index; -1 for the household as a whole
    field: str
    message: str


class CheckOut(msgspec.Struct):
    ok: bool
    errors: list[FieldIssue]
    warnings: list[FieldIssue]




class EntryApi(Controller):
    path = "/api/communes/{code:str}/households/validate"
    guards = [login_required]
    tags = ["households"]

    @post("/", status_code=200)
    async def validate(
        self,
        user: CurrentUser,
        code: str,
        data: HouseholdIn,
        year: int | None = None,
        household: int | None = None,
    ) -> CheckOut:
        """Check a household with the save's rules without writing anything.

        `household` (the id being edited) keeps its own members out of the duplicate personal ID
        check against the commune's other households.
        """
        year = await default_year(user, year, code, "commune")
        commune = await units.resolve(code, year, kind="commune")
        await require_unit(user, commune, year)
        members = [
            {k: v for k, v in msgspec.structs.asdict(m).items() if k not in service.NOT_ROLL}
            for m in data.members
        ]
        others = await queries.personal_ids_elsewhere(
            commune.id, year, [str(m.get("personal_id") or "").strip() for m in members], household
        )
        check = parse_roll_rows(
            members,
            year=year,
            known_schools=await service.known_schools(),
            household={"household_code": data.household_code, "hamlet": data.hamlet,
                       "address": data.address},
            other_personal_ids=others,
        )
        errors, warnings = [], []
        for issue in check.issues:
            item = FieldIssue(issue.row, issue.column, issue.message)
            (errors if issue.severity == "error" else warnings).append(item)
        if await queries.household_code_taken(commune.id, year, data.household_code, household):
            errors.append(FieldIssue(-1, "household_code", service.CODE_TAKEN))
        return CheckOut(ok=not errors, errors=errors, warnings=warnings)


HANDLERS: list[object] = [EntryPages, EntryApi]
