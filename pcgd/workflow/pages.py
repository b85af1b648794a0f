"""Workflow pages: a unit's approval page, the overview of a district/province, the audit
trail of a household / person / unit (with .xlsx downloads), and the board's workflow panel.

Pages only arrange what `service` and `trail` return; every page checks the scope first.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

import xlsxwriter
from litestar import Controller, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template

from pcgd import db
from pcgd.accounts.service import CurrentUser
from pcgd.accounts.years import default_year
from pcgd.common.vn import fmt_date
from pcgd.errors import NotFound, ValidationFailed
from pcgd.units import service as units
from pcgd.web.security import login_required
from pcgd.workflow import service, trail
from pcgd.workflow.schemas import ApproveIn, IssueIn, PeriodIn, ReturnIn
from surveys import gate

TEMPLATES = Path(__file__).parent / "templates"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KIND_VI = {"province": "Tỉnh", "district": "Huyện", "commune": "Xã"}
SHORT_VI = {"mn5": "MN 5 tuổi", "th": "Tiểu học", "thcs": "THCS", "xmc": "XMC",
            "mn35": "MN 3–5 tuổi"}
DONE_VI = {
    "submit": "Đã nộp sổ cho cấp trên duyệt.", "return": "Đã trả lại sổ cho đơn vị sửa.",
    "approve": "Đã duyệt và ghi quyết định công nhận.", "lock": "Đã khóa sổ.",
    "unlock-request": "Đã gửi đề nghị mở khóa.", "unlock": "Đã xử lý đề nghị mở khóa.",
    "answer": "Đã gửi trả lời.", "resolve": "Đã đóng vấn đề.", "period": "Đã lưu thời hạn.",
}
ISSUE_ROWS = 5


def download(content: bytes, name: str) -> Response[bytes]:
    ascii_name = name.encode("ascii", "ignore").decode() or "tai-ve.xlsx"
    return Response(content, media_type=XLSX, headers={
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; "
                               f"filename*=UTF-8''{quote(name)}"})


def xlsx(title: str, header: list[str], rows: list[list[Any]]) -> bytes:
    """One sheet: a title line, a bold header and the rows (text stays text)."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False,
                                     "strings_to_formulas": False, "strings_to_urls": False})
    sheet = book.add_worksheet("Dữ liệu")
    bold = book.add_format({"bold": True})
    head = book.add_format({"bold": True, "bg_color": "#E8EEF5", "border": 1, "text_wrap": True})
    sheet.write(0, 0, title, bold)
    for c, text in enumerate(header):
        sheet.write(2, c, text, head)
        sheet.set_column(c, c, max(12, min(50, len(text) + 4)))
    for r, row in enumerate(rows, start=3):
        for c, value in enumerate(row):
            sheet.write(r, c, value if value is not None else "")
    sheet.freeze_panes(3, 0)
    book.close()
    return out.getvalue()


async def board_panel(user: CurrentUser, unit: units.Unit, year: int) -> dict[str, Any] | None:
    """The board's workflow box (compliance.pages calls it when this domain is installed)."""
    try:
        service.check_kind(unit, year)
    except NotFound:  # a district in 2-tier years has no workflow of its own
        return {"overview": unit.kind != "commune", "unit": unit, "year": year, "state": None}
    view = await service.view(user, unit, year)
    view["state_vi"] = gate.STATE_VI[view["state"]]
    view["overview"] = unit.kind != "commune"
    return view


# --- forms ----------------------------------------------------------------------------------


@dataclass
class WorkflowForm:
    year: int
    action: str
    reason: str = ""
    decision_number: str = ""
    decision_date: str = ""
    signer: str = ""
    grant: str = ""
    answer: str = ""
    issue_household_1: str = ""
    issue_person_1: str = ""
    issue_text_1: str = ""
    issue_household_2: str = ""
    issue_person_2: str = ""
    issue_text_2: str = ""
    issue_household_3: str = ""
    issue_person_3: str = ""
    issue_text_3: str = ""
    issue_household_4: str = ""
    issue_person_4: str = ""
    issue_text_4: str = ""
    issue_household_5: str = ""
    issue_person_5: str = ""
    issue_text_5: str = ""


@dataclass
class IssueForm:
    code: str
    year: int
    answer: str = ""
    resolve: str = ""


@dataclass
class PeriodForm:
    year: int
    entry_from: str = ""
    entry_to: str = ""
    commune_deadline: str = ""
    district_deadline: str = ""
    province_deadline: str = ""


def _day(text: str, field: str, label: str) -> date:
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            pass
    raise ValidationFailed(f"{label}: ngày không hợp lệ", [
        {"row": -1, "field": field, "message": f"{label}: ngày không hợp lệ (dd/mm/yyyy)"}])


async def _issues_from_form(unit: units.Unit, year: int, form: WorkflowForm) -> list[IssueIn]:
    """Rows of the return form: a household number (and optionally a member's name)."""
    out, errors = [], []
    for i in range(1, ISSUE_ROWS + 1):
        code = getattr(form, f"issue_household_{i}").strip()
        person = getattr(form, f"issue_person_{i}").strip()
        text = getattr(form, f"issue_text_{i}").strip()
        if not (code or text):
            continue
        row = await db.pool().fetchrow(
            "SELECT h.id, (SELECT p.id FROM person_year py JOIN person p ON p.id = py.person"
            "  WHERE py.household = h.id AND $4 <> '' AND lower(p.full_name) = lower($4)"
            "  LIMIT 1) AS person FROM household h"
            " WHERE h.commune = $1 AND h.year = $2 AND h.household_code = $3",
            unit.id, year, code, person,
        ) if code else None
        if code and row is None:
            errors.append({"row": i, "field": "household_id",
                           "message": f"Vấn đề {i}: không có hộ số phiếu “{code}” trong xã"})
            continue
        if person and row is not None and row["person"] is None:
            errors.append({"row": i, "field": "person_id",
                           "message": f"Vấn đề {i}: hộ {code} không có người tên “{person}”"})
            continue
        if not text:
            errors.append({"row": i, "field": "text", "message": f"Vấn đề {i}: thiếu nội dung"})
            continue
        out.append(IssueIn(text=text, household_id=row["id"] if row else None,
                           person_id=row["person"] if row and person else None))
    if errors:
        raise ValidationFailed("vấn đề gắn kèm không hợp lệ", errors)
    return out


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class WorkflowPages(Controller):
    guards = [login_required]
    include_in_schema = False

    @get("/units/{code:str}/workflow")
    async def page(self, user: CurrentUser, code: str, year: int | None = None,
                   done: str = "") -> Template:
        """The unit-year's state, deadline, issues, decision and the caller's actions."""
        year = await default_year(user, year, code)
        unit = await service.resolve(user, code, year)
        view = await service.view(user, unit, year)
        for item in (*view["issues"], *view["history"], *view["unlock_requests"]):
            for key in ("created_at", "answered_at", "at", "requested_at", "decided_at"):
                if isinstance(item.get(key), str):
                    item[key] = _dt(item[key])
        own = user.is_admin or (user.role == unit.kind)
        reviewer = user.is_admin or user.role == service.reviewer_role(unit, year)
        return Template(template_name="workflow.html", context={
            "user": user, "year": year, "unit": unit, "view": view, "done": DONE_VI.get(done),
            "state_vi": gate.STATE_VI, "kind_vi": KIND_VI, "short_vi": SHORT_VI,
            "action_vi": service.ACTION_VI, "own": own, "reviewer": reviewer,
            "locker": user.is_admin or user.role == "province",
            "issue_rows": range(1, ISSUE_ROWS + 1), "today": date.today(),
            "pending": [r for r in view["unlock_requests"] if r["status"] == "pending"],
        })

    @post("/units/{code:str}/workflow")
    async def act(
        self, user: CurrentUser, code: str,
        data: Annotated[WorkflowForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Redirect:
        """One transition from the page's forms; errors are shown as a Vietnamese page."""
        unit = await service.resolve(user, code, data.year)
        year = data.year
        if data.action == "submit":
            await service.submit(user, unit, year)
        elif data.action == "return":
            issues = await _issues_from_form(unit, year, data)
            await service.return_unit(user, unit, year, ReturnIn(reason=data.reason,
                                                                 issues=issues))
        elif data.action == "approve":
            await service.approve(user, unit, year, ApproveIn(
                decision_number=data.decision_number,
                decision_date=_day(data.decision_date, "decision_date", "Ngày quyết định"),
                signer=data.signer))
        elif data.action == "lock":
            await service.lock(user, unit, year)
        elif data.action == "unlock-request":
            await service.request_unlock(user, unit, year, data.reason)
        elif data.action == "unlock":
            await service.decide_unlock(user, unit, year, data.grant == "yes", data.answer)
        else:
            raise ValidationFailed("thao tác không hợp lệ", [
                {"row": -1, "field": "action", "message": "Thao tác: không hợp lệ"}])
        query = urlencode({"year": year, "done": data.action})
        return Redirect(path=f"/units/{quote(unit.code, safe='')}/workflow?{query}")

    @post("/workflow/issues/{issue_id:int}")
    async def issue(
        self, user: CurrentUser, issue_id: int,
        data: Annotated[IssueForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Redirect:
        """Answer (the commune) or close (the reviewer) one pinned issue."""
        if data.resolve:
            await service.resolve_issue(user, issue_id)
            done = "resolve"
        else:
            await service.answer_issue(user, issue_id, data.answer)
            done = "answer"
        query = urlencode({"year": data.year, "done": done})
        return Redirect(path=f"/units/{quote(data.code, safe='')}/workflow?{query}")

    @get("/units/{code:str}/overview")
    async def overview(
        self, user: CurrentUser, code: str, year: int | None = None, status: str = "",
        sort: str = "code", format: str = "", done: str = "",
    ) -> Template | Response[bytes]:
        """Every commune (and district) under a unit: state, deadline, progress, levels."""
        year = await default_year(user, year, code)
        unit = await service.resolve_any(user, code, year)
        rows = await overview_rows(unit, year)
        if status:
            rows = [r for r in rows if r["state"] == status]
        key = {"code": lambda r: r["code"], "name": lambda r: r["name"],
               "state": lambda r: r["state"], "days": lambda r: r["days_left"],
               "issues": lambda r: -r["open_issues"], "households": lambda r: -r["households"],
               "last": lambda r: -(r["last_at"].timestamp() if r["last_at"] else 0)}
        try:
            rows.sort(key=key.get(sort, key["code"]))
        except TypeError:
            rows.sort(key=key["code"])
        standards = list(rows[0]["levels"]) if rows else []
        if format == "xlsx":
            header = ["Mã", "Tên", "Cấp", "Trạng thái", "Hạn nộp", "Còn (ngày)", "Số hộ",
                      "Nhân khẩu", "Chưa xác nhận", "Vấn đề còn mở", "Thay đổi gần nhất",
                      *[f"Mức công nhận {SHORT_VI.get(s, s)}" for s in standards]]
            data = [[r["code"], r["name"], KIND_VI[r["kind"]], gate.STATE_VI[r["state"]],
                     fmt_date(r["deadline"]), r["days_left"], r["households"], r["persons"],
                     r["unconfirmed"], r["open_issues"], fmt_date(r["last_at"]),
                     *[r["levels"].get(s) for s in standards]] for r in rows]
            return download(xlsx(f"Tiến độ duyệt sổ năm {year} · {unit.name}", header, data),
                            f"tien-do-duyet-{unit.code}-{year}.xlsx")
        period = await service.period(await service.province_of(unit), year)
        return Template(template_name="workflow_overview.html", context={
            "user": user, "year": year, "unit": unit, "rows": rows, "status": status,
            "sort": sort, "standards": standards, "short_vi": SHORT_VI, "kind_vi": KIND_VI,
            "state_vi": gate.STATE_VI, "period": period, "done": DONE_VI.get(done),
            "can_edit_period": user.is_admin or user.role == "province",
        })

    @post("/units/{code:str}/period")
    async def save_period(
        self, user: CurrentUser, code: str,
        data: Annotated[PeriodForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Redirect:
        """The province edits its survey period's deadlines."""
        unit = await service.resolve_any(user, code, data.year)
        labels = {"entry_from": "Bắt đầu nhập liệu", "entry_to": "Kết thúc nhập liệu",
                  "commune_deadline": "Hạn của xã", "district_deadline": "Hạn của huyện",
                  "province_deadline": "Hạn của tỉnh"}
        values = {k: _day(getattr(data, k), k, v) for k, v in labels.items()}
        await service.set_period(user, await service.province_of(unit), data.year,
                                 PeriodIn(**values))
        query = urlencode({"year": data.year, "done": "period"})
        return Redirect(path=f"/units/{quote(unit.code, safe='')}/overview?{query}")

    @get("/units/{code:str}/audit")
    async def unit_audit(
        self, user: CurrentUser, code: str, year: int | None = None, user_name: str = "",
        action: str = "", date_from: str = "", date_to: str = "", format: str = "",
    ) -> Template | Response[bytes]:
        """The unit's audit trail for the year."""
        year = await default_year(user, year, code)
        unit = await service.resolve_any(user, code, year)
        filters = trail.Filters.parse(user_name, action, date_from, date_to)
        entries = await trail.unit_trail(unit, year, filters)
        return _trail_page(user, year, unit.name, entries, filters,
                           format, f"nhat-ky-{unit.code}-{year}.xlsx",
                           f"/units/{unit.code}/audit", {"year": year})

    @get("/households/{household_id:int}/audit")
    async def household_audit(
        self, user: CurrentUser, household_id: int, user_name: str = "", action: str = "",
        date_from: str = "", date_to: str = "", format: str = "",
    ) -> Template | Response[bytes]:
        """A household's audit trail."""
        filters = trail.Filters.parse(user_name, action, date_from, date_to)
        entries = await trail.household_trail(user, household_id, filters)
        code = await db.pool().fetchval(
            "SELECT household_code FROM household WHERE id = $1", household_id)
        _, year = await _household_year(household_id)
        return _trail_page(user, year, f"Hộ số phiếu {code}", entries, filters, format,
                           f"nhat-ky-ho-{household_id}.xlsx",
                           f"/households/{household_id}/audit", {},
                           back=f"/households/{household_id}")

    @get("/persons/{person_id:int}/audit")
    async def person_audit(
        self, user: CurrentUser, person_id: int, user_name: str = "", action: str = "",
        date_from: str = "", date_to: str = "", format: str = "",
    ) -> Template | Response[bytes]:
        """A person's audit trail (their fields in their households' saves, fixes, moves)."""
        filters = trail.Filters.parse(user_name, action, date_from, date_to)
        entries = await trail.person_trail(user, person_id, filters)
        name = await db.pool().fetchval("SELECT full_name FROM person WHERE id = $1", person_id)
        return _trail_page(user, None, f"Người: {name}", entries, filters, format,
                           f"nhat-ky-nguoi-{person_id}.xlsx", f"/persons/{person_id}/audit", {})


async def _household_year(household_id: int) -> tuple[int, int]:
    from surveys.service import household_commune

    return await household_commune(household_id)


def _trail_page(
    user: CurrentUser, year: int | None, title: str, entries: list[dict[str, Any]],
    filters: trail.Filters, format: str, filename: str, path: str, keep: dict[str, Any],
    back: str = "",
) -> Template | Response[bytes]:
    if format == "xlsx":
        rows = []
        for e in entries:
            changes = e["changes"] or [{"field": "", "before": "", "after": ""}]
            for c in changes:
                rows.append([fmt_date(_dt(e["at"])), e["user"], e["action_vi"], e["source"],
                             e["reason"], c["field"], c["before"], c["after"]])
        return download(xlsx(f"Nhật ký thay đổi · {title}", [
            "Thời điểm", "Người thực hiện", "Thao tác", "Nguồn", "Lý do", "Trường",
            "Trước", "Sau"], rows), filename)
    for e in entries:
        e["at_dt"] = _dt(e["at"])
    query = urlencode({**keep, "user_name": filters.user, "action": filters.action,
                       "date_from": fmt_date(filters.date_from),
                       "date_to": fmt_date(filters.date_to), "format": "xlsx"})
    context: dict[str, Any] = {
        "user": user, "title": title, "entries": entries, "filters": filters, "path": path,
        "keep": keep, "xlsx_url": f"{path}?{query}", "actions": trail.ACTION_VI,
        "users": sorted({e["user"] for e in entries}), "back": back,
    }
    if year is not None:
        context["year"] = year
    return Template(template_name="audit_trail.html", context=context)


async def overview_rows(unit: units.Unit, year: int) -> list[dict[str, Any]]:
    """One row per commune (and per district in 3-tier years) under the unit."""
    from pcgd.compliance.service import evaluate_unit

    communes = await units.communes_under(unit, year)
    districts = []
    if units.tier_of(year) == 3 and unit.kind == "province":
        districts = await units.list_units(year, parent=unit, kind="district")
    elif unit.kind == "district":
        districts = [unit]
    ids = [c.id for c in communes] + [d.id for d in districts]
    pool = db.pool()
    states = await gate.states(pool, ids, year)
    counts = {r["commune"]: r for r in await pool.fetch(
        "SELECT h.commune, count(DISTINCT h.id) AS households, count(py.id) AS persons,"
        " count(py.id) FILTER (WHERE NOT py.confirmed) AS unconfirmed FROM household h"
        " LEFT JOIN person_year py ON py.household = h.id"
        " WHERE h.commune = ANY($1::int[]) AND h.year = $2 GROUP BY h.commune", ids, year)}
    issues = {r["unit"]: r["n"] for r in await pool.fetch(
        "SELECT unit, count(*) AS n FROM workflow_issue WHERE unit = ANY($1::int[])"
        " AND year = $2 AND status <> 'resolved' GROUP BY unit", ids, year)}
    last = {r["commune_id"]: r["at"] for r in await pool.fetch(
        "SELECT commune_id, max(at) AS at FROM audit_entry WHERE commune_id = ANY($1::int[])"
        " AND year = $2 GROUP BY commune_id", ids, year)}
    result = await evaluate_unit(unit, year, with_children=True)
    levels: dict[str, dict[str, int | None]] = {}

    def collect(node: dict[str, Any]) -> None:
        levels[node["unit"]["code"]] = service.levels_of(node)
        for child in node.get("children") or []:
            collect(child)

    collect(result)
    if unit.kind == "province" and districts:
        for d in districts:
            collect(await evaluate_unit(d, year, with_children=True))
    period = await service.period(await service.province_of(unit), year)
    today = date.today()
    rows = []
    for u in [*districts, *communes]:
        deadline = period[f"{u.kind}_deadline"]
        c = counts.get(u.id)
        rows.append({
            "code": u.code, "name": u.name, "kind": u.kind, "state": states.get(u.id, "draft"),
            "deadline": deadline, "days_left": (deadline - today).days,
            "late": states.get(u.id, "draft") in ("draft", "returned") and deadline < today,
            "households": c["households"] if c else 0, "persons": c["persons"] if c else 0,
            "unconfirmed": c["unconfirmed"] if c else 0, "open_issues": issues.get(u.id, 0),
            "last_at": last.get(u.id), "levels": levels.get(u.code, {}),
        })
    return rows


HANDLERS: list[object] = [WorkflowPages]
