"""The approval workflow: states of unit-years, transitions, pinned issues, decisions.

The state is stored in survey_period (surveys.gate reads it before every write to a roll);
this module is the only one that changes it, always under the gate's exclusive lock, with a
transition row and an audit entry in the same transaction.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import asyncpg
import msgspec

from pcgd import db
from pcgd.accounts.scope import OUTSIDE, require_unit
from pcgd.accounts.service import CurrentUser
from pcgd.audit import service as audit
from pcgd.errors import Conflict, Forbidden, NotFound, ValidationFailed
from pcgd.units import service as units
from pcgd.workflow.schemas import ApproveIn, Decision, IssueIn, PeriodIn, ReturnIn
from surveys import gate


async def unit_states(conn: Any, unit_ids: list[int], year: int) -> dict[int, str]:
    """unit id → state for the year ('draft' when nothing is recorded)."""
    return await gate.states(conn, unit_ids, year)


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _decision(row: asyncpg.Record) -> Decision:
    return Decision(
        unit_id=row["unit"], number=row["number"], date=row["decision_date"],
        signer=row["signer"], levels=_json(row["levels"]), evaluation=_json(row["evaluation"]),
    )


async def decisions(conn: Any, unit_ids: list[int], year: int) -> dict[int, Decision]:
    """unit id → its recognition decision of the year (units without one are left out)."""
    rows = await conn.fetch(
        "SELECT unit, number, decision_date, signer, levels, evaluation"
        " FROM recognition_decision WHERE unit = ANY($1::int[]) AND year = $2",
        list(unit_ids), year,
    )
    return {r["unit"]: _decision(r) for r in rows}


# --- who may do what ---------------------------------------------------------------------------

ACTIONS: dict[str, tuple[frozenset[str], str]] = {
    "submit": (frozenset(("draft", "returned")), "submitted"),
    "return": (frozenset(("submitted", "approved")), "returned"),
    "approve": (frozenset(("submitted",)), "approved"),
    "lock": (frozenset(("approved",)), "locked"),
}
ACTION_VI = {
    "submit": "nộp", "return": "trả lại", "approve": "duyệt", "lock": "khóa",
    "unlock_request": "xin mở khóa", "unlock_grant": "đồng ý mở khóa",
    "unlock_refuse": "từ chối mở khóa",
}
ROLE_VI = {"commune": "xã", "district": "huyện", "province": "tỉnh", "admin": "quản trị"}


def check_kind(unit: units.Unit, year: int) -> None:
    """Communes and provinces have a workflow every year; districts only in 3-tier years."""
    if unit.kind != "district" or units.tier_of(year) == 3:
        return
    raise NotFound("Quy trình duyệt của huyện chỉ có trong các năm trước 2025.")


def reviewer_role(unit: units.Unit, year: int) -> str:
    """The level above: the district for communes in 3-tier years, else the province; a
    province's own result is recognised above it (the ministry: the administrator here)."""
    if unit.kind == "commune" and units.tier_of(year) == 3:
        return "district"
    if unit.kind == "province":
        return "admin"
    return "province"


def role_for(action: str, unit: units.Unit, year: int) -> str:
    if action == "submit":
        return unit.kind
    if action == "lock":
        return "admin" if unit.kind == "province" else "province"
    return reviewer_role(unit, year)


def may(user: CurrentUser, action: str, unit: units.Unit, year: int) -> bool:
    """Whether the caller's role fits the action (their scope is checked before)."""
    if user.is_admin:
        return True
    wanted = role_for(action, unit, year)
    if user.role != wanted:
        return False
    if action == "submit":  # the unit's own account only
        return user.unit_id == unit.id or user.unit_kind == unit.kind
    return True


async def resolve(user: CurrentUser, code: str, year: int) -> units.Unit:
    """A unit that has a workflow of its own, after the scope check."""
    unit = await resolve_any(user, code, year)
    check_kind(unit, year)
    return unit


async def resolve_any(user: CurrentUser, code: str, year: int) -> units.Unit:
    """Any unit the caller may see (a missing and a foreign unit answer the same 403; periods
    and audit trails also exist for provinces)."""
    try:
        unit = await units.resolve(code, year)
    except NotFound:
        if user.is_admin:
            raise
        raise Forbidden(OUTSIDE) from None
    await require_unit(user, unit, year)
    return unit


def allowed_actions(user: CurrentUser, unit: units.Unit, year: int, state: str) -> list[str]:
    return [a for a, (froms, _) in ACTIONS.items() if state in froms and may(user, a, unit, year)]


# --- transitions -------------------------------------------------------------------------------


async def _transition(
    conn: asyncpg.Connection, user: CurrentUser, unit: units.Unit, year: int, action: str,
    *, reason: str = "", to_state: str | None = None, froms: frozenset[str] | None = None,
) -> tuple[str, str]:
    """Check and apply one state change under the gate's exclusive lock; audited."""
    await gate.hold(conn, unit.id)
    state = (await gate.states(conn, [unit.id], year))[unit.id]
    allowed, target = ACTIONS.get(action, (frozenset(), ""))
    allowed = froms if froms is not None else allowed
    target = to_state or target
    if state not in allowed:
        raise Conflict(
            f"Không thể {ACTION_VI.get(action, action)} khi sổ đang ở trạng thái"
            f" “{gate.STATE_VI[state]}”.",
            extra={"state": state},
        )
    await gate.set_state(conn, unit.id, year, target, user.id)
    await conn.execute(
        "INSERT INTO workflow_transition (unit, year, action, from_state, to_state, at, user_id,"
        " username, reason) VALUES ($1, $2, $3, $4, $5, now(), $6, $7, $8)",
        unit.id, year, action, state, target, user.id, user.username, reason,
    )
    await audit.record(
        conn, user, f"workflow_{action}", "unit", unit.code, commune_id=unit.id, year=year,
        before={"state": state}, after={"state": target}, reason=reason,
        source="quy trình duyệt",
    )
    return state, target


def _require(user: CurrentUser, action: str, unit: units.Unit, year: int) -> None:
    if not may(user, action, unit, year):
        who = ROLE_VI[role_for(action, unit, year)]
        raise Forbidden(
            f"Chỉ tài khoản cấp {who} mới được {ACTION_VI[action]} sổ của {unit.name}."
        )


async def submit(user: CurrentUser, unit: units.Unit, year: int) -> str:
    _require(user, "submit", unit, year)
    async with db.transaction() as conn:
        _, state = await _transition(conn, user, unit, year, "submit")
    return state


def _text(value: str, field: str, label: str, limit: int = 2000) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(
            f"{label}: bắt buộc", [{"row": -1, "field": field, "message": f"{label}: bắt buộc"}]
        )
    if len(value) > limit:
        raise ValidationFailed(
            f"{label}: quá dài",
            [{"row": -1, "field": field, "message": f"{label}: tối đa {limit} ký tự"}],
        )
    return value


async def _issue_targets(
    conn: asyncpg.Connection, unit: units.Unit, year: int, issues: list[IssueIn]
) -> None:
    """Every pinned household/person must belong to the returned commune's roll of the year."""
    errors = []
    for i, issue in enumerate(issues):
        if unit.kind != "commune" and (issue.household_id or issue.person_id):
            errors.append({"row": i, "field": "household_id",
                           "message": "Vấn đề: chỉ gắn được vào hộ/người khi trả lại sổ của xã"})
            continue
        if issue.household_id is not None and not await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM household WHERE id = $1 AND commune = $2"
            " AND year = $3)", issue.household_id, unit.id, year,
        ):
            errors.append({"row": i, "field": "household_id",
                           "message": "Hộ: không có hộ này trong sổ của xã năm này"})
        if issue.person_id is not None and not await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM person_year WHERE person = $1 AND commune = $2"
            " AND year = $3)", issue.person_id, unit.id, year,
        ):
            errors.append({"row": i, "field": "person_id",
                           "message": "Người: không có người này trong sổ của xã năm này"})
        if not issue.text.strip() or len(issue.text) > 2000:
            errors.append({"row": i, "field": "text",
                           "message": "Nội dung vấn đề: bắt buộc, tối đa 2000 ký tự"})
    if errors:
        raise ValidationFailed("vấn đề gắn kèm không hợp lệ", errors)


async def return_unit(
    user: CurrentUser, unit: units.Unit, year: int, data: ReturnIn
) -> list[int]:
    """Back to the unit for fixes, with a reason and issues pinned to households/persons."""
    _require(user, "return", unit, year)
    reason = _text(data.reason, "reason", "Lý do trả lại")
    if len(data.issues) > 500:
        raise ValidationFailed("quá nhiều vấn đề", [{"row": -1, "field": "issues",
                                                    "message": "Vấn đề: tối đa 500"}])
    async with db.transaction() as conn:
        await _issue_targets(conn, unit, year, data.issues)
        await _transition(conn, user, unit, year, "return", reason=reason)
        ids = []
        for issue in data.issues:
            household = issue.household_id
            if household is None and issue.person_id is not None:
                household = await conn.fetchval(
                    "SELECT household FROM person_year WHERE person = $1 AND commune = $2"
                    " AND year = $3 ORDER BY id LIMIT 1", issue.person_id, unit.id, year,
                )
            ids.append(await conn.fetchval(
                "INSERT INTO workflow_issue (unit, year, household_id, person_id, criterion,"
                " text, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, now(), $7)"
                " RETURNING id",
                unit.id, year, household, issue.person_id, issue.criterion[:40],
                issue.text.strip(), user.username,
            ))
    return ids


def levels_of(evaluation: dict[str, Any]) -> dict[str, int | None]:
    return {s["standard"]: s.get("recognized_level") for s in evaluation.get("standards", [])}


async def approve(user: CurrentUser, unit: units.Unit, year: int, data: ApproveIn) -> Decision:
    """Approve and record the recognition decision with a snapshot of the evaluation."""
    _require(user, "approve", unit, year)
    number = _text(data.decision_number, "decision_number", "Số quyết định", 60)
    signer = _text(data.signer, "signer", "Người ký", 200)
    if not date(year, 1, 1) <= data.decision_date <= date.today() + timedelta(days=366):
        raise ValidationFailed("ngày quyết định không hợp lệ", [{
            "row": -1, "field": "decision_date",
            "message": f"Ngày quyết định: phải từ 01/01/{year} và không quá một năm tới"}])
    from pcgd.compliance.service import evaluate_unit

    evaluation = await evaluate_unit(unit, year)
    levels = levels_of(evaluation)
    async with db.transaction() as conn:
        await _transition(conn, user, unit, year, "approve",
                          reason=f"Quyết định {number} ngày {data.decision_date:%d/%m/%Y}")
        await conn.execute(
            "INSERT INTO recognition_decision (unit, year, number, decision_date, signer, levels,"
            " evaluation, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6::text::jsonb,"
            " $7::text::jsonb, now(), $8) ON CONFLICT (unit, year) DO UPDATE SET"
            " number = EXCLUDED.number, decision_date = EXCLUDED.decision_date,"
            " signer = EXCLUDED.signer, levels = EXCLUDED.levels,"
            " evaluation = EXCLUDED.evaluation, created_at = now(),"
            " created_by = EXCLUDED.created_by",
            unit.id, year, number, data.decision_date, signer,
            json.dumps(levels), json.dumps(evaluation, ensure_ascii=False, default=str),
            user.username,
        )
        await conn.execute(
            "UPDATE workflow_issue SET status = 'resolved', resolved_at = now()"
            " WHERE unit = $1 AND year = $2 AND status <> 'resolved'", unit.id, year,
        )
        await audit.record(
            conn, user, "decision", "unit", unit.code, commune_id=unit.id, year=year,
            after={"number": number, "date": data.decision_date.isoformat(), "signer": signer,
                   "levels": levels}, source="quy trình duyệt",
        )
    return Decision(unit_id=unit.id, number=number, date=data.decision_date, signer=signer,
                    levels=levels, evaluation=evaluation)


async def lock(user: CurrentUser, unit: units.Unit, year: int) -> str:
    _require(user, "lock", unit, year)
    async with db.transaction() as conn:
        _, state = await _transition(conn, user, unit, year, "lock")
    return state


# --- pinned issues -----------------------------------------------------------------------------


async def _issue(user: CurrentUser, issue_id: int) -> tuple[asyncpg.Record, units.Unit]:
    """The issue and its unit, after the scope check (missing = foreign = 403)."""
    row = None
    if 0 < issue_id <= 2**31 - 1:
        row = await db.pool().fetchrow("SELECT * FROM workflow_issue WHERE id = $1", issue_id)
    if row is None:
        if user.is_admin:
            raise NotFound(f"không có vấn đề số {issue_id}")
        raise Forbidden(OUTSIDE)
    unit = await units.get(row["unit"])
    await require_unit(user, unit, row["year"])
    return row, unit


async def answer_issue(user: CurrentUser, issue_id: int, answer: str) -> None:
    """The commune answers a pinned issue while its roll is returned."""
    row, unit = await _issue(user, issue_id)
    if not (user.is_admin or (user.role == unit.kind)):
        raise Forbidden("Chỉ tài khoản của xã được trả lời vấn đề.")
    text = _text(answer, "answer", "Trả lời")
    async with db.transaction() as conn:
        state = (await gate.states(conn, [unit.id], row["year"]))[unit.id]
        if state != "returned" or row["status"] == "resolved":
            raise Conflict("Chỉ trả lời được vấn đề còn mở khi sổ đang bị trả lại.")
        await conn.execute(
            "UPDATE workflow_issue SET status = 'answered', answer = $2, answered_at = now(),"
            " answered_by = $3 WHERE id = $1", issue_id, text, user.username,
        )
        await audit.record(conn, user, "issue_answer", "workflow_issue", issue_id,
                           commune_id=unit.id, year=row["year"],
                           before={"status": row["status"], "answer": row["answer"]},
                           after={"status": "answered", "answer": text},
                           source="quy trình duyệt")


async def resolve_issue(user: CurrentUser, issue_id: int) -> None:
    """The reviewer closes an issue after reading the answer."""
    row, unit = await _issue(user, issue_id)
    _require(user, "return", unit, row["year"])
    if row["status"] == "resolved":
        raise Conflict("Vấn đề này đã được đóng.")
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE workflow_issue SET status = 'resolved', resolved_at = now() WHERE id = $1",
            issue_id,
        )
        await audit.record(conn, user, "issue_resolve", "workflow_issue", issue_id,
                           commune_id=unit.id, year=row["year"],
                           before={"status": row["status"]}, after={"status": "resolved"},
                           source="quy trình duyệt")


async def issues(unit_id: int, year: int, *, open_only: bool = False) -> list[dict[str, Any]]:
    rows = await db.pool().fetch(
        "SELECT i.*, h.household_code, p.full_name AS person_name FROM workflow_issue i"
        " LEFT JOIN household h ON h.id = i.household_id"
        " LEFT JOIN person p ON p.id = i.person_id"
        " WHERE i.unit = $1 AND i.year = $2 AND (NOT $3 OR i.status <> 'resolved')"
        " ORDER BY i.id",
        unit_id, year, open_only,
    )
    return [_issue_out(r) for r in rows]


def _issue_out(r: asyncpg.Record) -> dict[str, Any]:
    return {
        "id": r["id"], "household_id": r["household_id"], "person_id": r["person_id"],
        "household_code": r["household_code"] or "", "person_name": r["person_name"] or "",
        "criterion": r["criterion"], "text": r["text"], "status": r["status"],
        "answer": r["answer"], "created_at": r["created_at"].isoformat(),
        "created_by": r["created_by"],
        "answered_at": r["answered_at"].isoformat() if r["answered_at"] else None,
        "answered_by": r["answered_by"],
    }


async def household_issues(household_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Unresolved issues by household (the household list and form show them)."""
    rows = await db.pool().fetch(
        "SELECT i.*, h.household_code, p.full_name AS person_name FROM workflow_issue i"
        " LEFT JOIN household h ON h.id = i.household_id"
        " LEFT JOIN person p ON p.id = i.person_id"
        " WHERE i.household_id = ANY($1::int[]) AND i.status <> 'resolved' ORDER BY i.id",
        household_ids,
    )
    out: dict[int, list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(r["household_id"], []).append(_issue_out(r))
    return out


# --- unlock requests ---------------------------------------------------------------------------


async def request_unlock(user: CurrentUser, unit: units.Unit, year: int, reason: str) -> int:
    """The unit asks the level above to reopen a submitted, approved or locked year."""
    _require(user, "submit", unit, year)
    text = _text(reason, "reason", "Lý do xin mở khóa")
    async with db.transaction() as conn:
        await gate.hold(conn, unit.id)
        state = (await gate.states(conn, [unit.id], year))[unit.id]
        if state in gate.WRITABLE:
            raise Conflict("Sổ đang mở: không cần xin mở khóa.", extra={"state": state})
        if await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM unlock_request WHERE unit = $1 AND year = $2"
            " AND status = 'pending')", unit.id, year,
        ):
            raise Conflict("Đã có một đề nghị mở khóa đang chờ cấp trên.")
        request_id = await conn.fetchval(
            "INSERT INTO unlock_request (unit, year, reason, requested_at, requested_by)"
            " VALUES ($1, $2, $3, now(), $4) RETURNING id", unit.id, year, text, user.username,
        )
        await audit.record(conn, user, "workflow_unlock_request", "unit", unit.code,
                           commune_id=unit.id, year=year, after={"state": state}, reason=text,
                           source="quy trình duyệt")
    return int(request_id)


async def decide_unlock(
    user: CurrentUser, unit: units.Unit, year: int, grant: bool, answer: str = ""
) -> str:
    """The level above grants (the unit's roll becomes returned: editable) or refuses."""
    async with db.transaction() as conn:
        state = (await gate.states(conn, [unit.id], year))[unit.id]
        action = "lock" if state == "locked" else "return"
        _require(user, action, unit, year)
        pending = await conn.fetchrow(
            "SELECT id FROM unlock_request WHERE unit = $1 AND year = $2 AND status = 'pending'"
            " FOR UPDATE", unit.id, year,
        )
        if pending is None:
            raise Conflict("Không có đề nghị mở khóa nào đang chờ.")
        await conn.execute(
            "UPDATE unlock_request SET status = $2, decided_at = now(), decided_by = $3,"
            " answer = $4 WHERE id = $1",
            pending["id"], "granted" if grant else "refused", user.username, answer.strip(),
        )
        if grant:
            _, state = await _transition(
                conn, user, unit, year, "unlock_grant", reason=answer.strip(),
                to_state="returned", froms=frozenset(("submitted", "approved", "locked")),
            )
        else:
            await audit.record(conn, user, "workflow_unlock_refuse", "unit", unit.code,
                               commune_id=unit.id, year=year, reason=answer.strip(),
                               source="quy trình duyệt")
    return state


async def unlock_requests(unit_id: int, year: int) -> list[dict[str, Any]]:
    rows = await db.pool().fetch(
        "SELECT * FROM unlock_request WHERE unit = $1 AND year = $2 ORDER BY id DESC",
        unit_id, year,
    )
    return [{"id": r["id"], "reason": r["reason"], "status": r["status"],
             "requested_at": r["requested_at"].isoformat(), "requested_by": r["requested_by"],
             "decided_at": r["decided_at"].isoformat() if r["decided_at"] else None,
             "decided_by": r["decided_by"], "answer": r["answer"]} for r in rows]


# --- survey periods ----------------------------------------------------------------------------


def default_period(year: int) -> dict[str, date]:
    """TT 19/2020: data period 1 Oct–30 Sep; commune 3 Oct, district 5 Oct, province 10 Oct."""
    return {
        "entry_from": date(year - 1, 10, 1), "entry_to": date(year, 10, 3),
        "commune_deadline": date(year, 10, 3), "district_deadline": date(year, 10, 5),
        "province_deadline": date(year, 10, 10),
    }


async def province_of(unit: units.Unit) -> units.Unit:
    if unit.kind == "province":
        return unit
    return next(u for u in await units.ancestors(unit) if u.kind == "province")


async def period(province: units.Unit, year: int) -> dict[str, Any]:
    row = await db.pool().fetchrow(
        "SELECT entry_from, entry_to, commune_deadline, district_deadline, province_deadline,"
        " updated_by FROM workflow_period WHERE province = $1 AND year = $2", province.id, year,
    )
    values: dict[str, Any] = dict(row) if row else {**default_period(year), "updated_by": ""}
    values["is_default"] = row is None
    return values


async def set_period(user: CurrentUser, province: units.Unit, year: int, data: PeriodIn) -> None:
    if not (user.is_admin or user.role == "province"):
        raise Forbidden("Chỉ tài khoản cấp tỉnh mới được sửa thời hạn của kỳ điều tra.")
    if not (data.entry_from <= data.entry_to and data.commune_deadline
            <= data.district_deadline <= data.province_deadline):
        raise ValidationFailed("thời hạn không hợp lệ", [{
            "row": -1, "field": "commune_deadline",
            "message": "Thời hạn: bắt đầu ≤ kết thúc nhập liệu, hạn xã ≤ hạn huyện ≤ hạn tỉnh"}])
    before = await period(province, year)
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO workflow_period (province, year, entry_from, entry_to, commune_deadline,"
            " district_deadline, province_deadline, updated_at, updated_by)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, now(), $8) ON CONFLICT (province, year)"
            " DO UPDATE SET entry_from = $3, entry_to = $4, commune_deadline = $5,"
            " district_deadline = $6, province_deadline = $7, updated_at = now(),"
            " updated_by = $8",
            province.id, year, data.entry_from, data.entry_to, data.commune_deadline,
            data.district_deadline, data.province_deadline, user.username,
        )
        await audit.record(conn, user, "period", "unit", province.code, year=year,
                           before={k: str(v) for k, v in before.items() if k != "is_default"},
                           after={k: str(v) for k, v in msgspec.structs.asdict(data).items()},
                           source="kỳ điều tra")


async def deadline_of(unit: units.Unit, year: int) -> date:
    values = await period(await province_of(unit), year)
    return values[f"{unit.kind}_deadline"] if unit.kind != "province" else values[
        "province_deadline"]


# --- the whole picture of one unit-year --------------------------------------------------------


async def view(user: CurrentUser, unit: units.Unit, year: int) -> dict[str, Any]:
    """interfaces.md: {unit, year, state, issues, decision} and what the pages need."""
    pool = db.pool()
    state = (await gate.states(pool, [unit.id], year))[unit.id]
    found = await decisions(pool, [unit.id], year)
    decision: dict[str, Any] | None = None
    if unit.id in found:
        d = found[unit.id]
        from pcgd.compliance.service import evaluate_unit

        live = levels_of(await evaluate_unit(unit, year))
        decision = {"number": d.number, "date": d.date.isoformat(), "signer": d.signer,
                    "levels": d.levels, "evaluation": d.evaluation, "live_levels": live,
                    "differs": live != d.levels}
    history = await pool.fetch(
        "SELECT at, username, action, from_state, to_state, reason FROM workflow_transition"
        " WHERE unit = $1 AND year = $2 ORDER BY at DESC, id DESC", unit.id, year,
    )
    deadline = await deadline_of(unit, year)
    return {
        "unit": unit.ref(), "year": year, "state": state, "tier": units.tier_of(year),
        "reviewer": reviewer_role(unit, year),
        "issues": await issues(unit.id, year), "decision": decision,
        "actions": allowed_actions(user, unit, year, state),
        "deadline": deadline.isoformat(), "days_left": (deadline - date.today()).days,
        "unlock_requests": await unlock_requests(unit.id, year),
        "history": [{"at": r["at"].isoformat(), "user": r["username"], "action": r["action"],
                     "from": r["from_state"], "to": r["to_state"], "reason": r["reason"]}
                    for r in history],
    }
