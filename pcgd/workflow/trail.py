"""The audit trail on screen: entries of a household, a person or a unit as field changes.

Entries store whole before/after objects (pcgd.audit.service); the field-by-field changes are
worked out here when read, with the roll's Vietnamese labels.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from pcgd import db
from pcgd.accounts.service import CurrentUser
from pcgd.errors import Forbidden, NotFound, UserError
from pcgd.units import service as units
from surveys.roll.fields import LABELS
from surveys.service import HIDDEN_HOUSEHOLD, scoped_household

EXTRA_LABELS = {
    "household_code": "Số phiếu", "hamlet": "Thôn/xóm", "address": "Địa chỉ",
    "version": "Phiên bản", "state": "Trạng thái", "confirmed": "Đã xác nhận",
    "status": "Trạng thái", "answer": "Trả lời", "number": "Số quyết định",
    "date": "Ngày quyết định", "signer": "Người ký", "levels": "Mức công nhận",
    "personal_ids": "Số định danh đã xem", "linked": "Liên kết người chuyển",
    "members": "Thành viên",
}
ACTION_VI = {
    "create": "tạo hộ", "update": "sửa hộ", "delete": "xóa hộ", "import": "nhập tệp",
    "update_shared_person": "sửa người chung hai xã", "view_personal": "xem số định danh",
    "workflow_submit": "nộp sổ", "workflow_return": "trả lại sổ", "workflow_approve": "duyệt",
    "workflow_lock": "khóa sổ", "workflow_unlock_grant": "đồng ý mở khóa",
    "workflow_unlock_refuse": "từ chối mở khóa", "workflow_unlock_request": "xin mở khóa",
    "decision": "quyết định công nhận", "issue_answer": "trả lời vấn đề",
    "issue_resolve": "đóng vấn đề", "period": "sửa kỳ điều tra",
}
# Ids and keys derived from other fields (name_key from the name, birth_year from the birth date).
SKIP = {"person_id", "person_year_id", "name_key", "birth_year", "id", "commune", "year"}


def label(field: str) -> str:
    return LABELS.get(field) or EXTRA_LABELS.get(field) or field


@dataclass(frozen=True)
class Filters:
    user: str = ""
    action: str = ""
    date_from: date | None = None
    date_to: date | None = None

    @classmethod
    def parse(cls, user: str, action: str, date_from: str, date_to: str) -> Filters:
        def day(text: str, field: str) -> date | None:
            text = text.strip()
            if not text:
                return None
            for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
                try:
                    return datetime.strptime(text, fmt).date()
                except ValueError:
                    pass
            raise UserError(f"{field}: ngày không hợp lệ “{text[:20]}” (dd/mm/yyyy)")

        return cls(user.strip()[:100], action.strip()[:40], day(date_from, "Từ ngày"),
                   day(date_to, "Đến ngày"))

    def sql(self, first: int) -> tuple[str, list[Any]]:
        start = (datetime.combine(self.date_from, time(), UTC) if self.date_from else None)
        end = (datetime.combine(self.date_to + timedelta(days=1), time(), UTC)
               if self.date_to else None)
        n = first
        return (
            f" AND (${n} = '' OR a.username = ${n}) AND (${n + 1} = '' OR a.action = ${n + 1})"
            f" AND (${n + 2}::timestamptz IS NULL OR a.at >= ${n + 2})"
            f" AND (${n + 3}::timestamptz IS NULL OR a.at < ${n + 3})",
            [self.user, self.action, start, end],
        )


def _load(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _show(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "có" if value else "không"
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return date.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            return value
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _flat_changes(before: dict, after: dict, prefix: str = "") -> list[dict[str, str]]:
    out = []
    for key in dict.fromkeys([*before, *after]):
        if key in SKIP or key == "members":
            continue
        b, a = before.get(key), after.get(key)
        if _show(b) != _show(a):
            out.append({"field": f"{prefix}{label(key)}", "before": _show(b), "after": _show(a)})
    return out


def changes(before: Any, after: Any, *, person_id: int | None = None) -> list[dict[str, str]]:
    """Field-by-field differences; members are matched by person, named by their full name."""
    before = _load(before) or {}
    after = _load(after) or {}
    if not isinstance(before, dict) or not isinstance(after, dict):
        return [{"field": "Giá trị", "before": _show(before), "after": _show(after)}]
    out = [] if person_id is not None else _flat_changes(before, after)
    old_members = before.get("members") or []
    new_members = after.get("members") or []
    if old_members and not any(m.get("person_id") for m in old_members):
        # Entries written at creation carry no ids yet: members keep their order.
        pairs = zip(old_members, new_members, strict=False)
        old_members = [{**o, "person_id": n.get("person_id") or -i}
                       for i, (o, n) in enumerate(pairs, start=1)]
    old = {m.get("person_id"): m for m in old_members if m.get("person_id")}
    seen = set()
    for i, m in enumerate(new_members, start=1):
        pid = m.get("person_id") or (-i if -i in old else None)
        if person_id is not None and pid != person_id:
            continue
        name = m.get("full_name", "")
        if pid in old:
            seen.add(pid)
            out += _flat_changes(old[pid], m, f"{name}: ")
        else:
            out.append({"field": "Thành viên", "before": "", "after": f"thêm {name}"})
    for pid, m in old.items():
        if pid not in seen and "members" in after and (person_id is None or pid == person_id):
            out.append({"field": "Thành viên", "before": m.get("full_name", ""),
                        "after": "bỏ khỏi hộ"})
    return out


def _entry(r: Any, *, person_id: int | None = None) -> dict[str, Any]:
    return {
        "at": r["at"].isoformat(), "user": r["username"], "action": r["action"],
        "action_vi": ACTION_VI.get(r["action"], r["action"]), "source": r["source"],
        "reason": r["reason"], "entity": r["entity"], "entity_id": r["entity_id"],
        "changes": changes(r["before"], r["after"], person_id=person_id),
    }


_COLUMNS = (
    "a.at, a.username, a.action, a.source, a.reason, a.entity, a.entity_id, a.before, a.after"
)
LIMIT = 2000


async def household_trail(
    user: CurrentUser, household_id: int, filters: Filters
) -> list[dict[str, Any]]:
    await scoped_household(user, household_id)
    where, args = filters.sql(4)
    rows = await db.pool().fetch(
        f"SELECT {_COLUMNS} FROM audit_entry a WHERE ((a.entity = 'household'"
        " AND a.entity_id = $1) OR (a.entity = 'person_year' AND a.entity_id = ANY($2::text[]))"
        " OR (a.entity = 'person' AND a.entity_id = ANY($3::text[])))"
        f"{where} ORDER BY a.at DESC, a.id DESC LIMIT {LIMIT}",
        str(household_id), *await _member_ids(household_id), *args,
    )
    return [_entry(r) for r in rows]


async def _member_ids(household_id: int) -> tuple[list[str], list[str]]:
    rows = await db.pool().fetch(
        "SELECT id, person FROM person_year WHERE household = $1", household_id
    )
    return [str(r["id"]) for r in rows], [str(r["person"]) for r in rows]


async def person_trail(
    user: CurrentUser, person_id: int, filters: Filters
) -> list[dict[str, Any]]:
    """Changes of one person: their households' saves (their fields only) and direct fixes."""
    households = []
    if 0 < person_id <= 2**31 - 1:
        households = [r["household"] for r in await db.pool().fetch(
            "SELECT household FROM person_year WHERE person = $1", person_id)]
    if not households:
        if user.is_admin:
            raise NotFound(f"không có người số {person_id}")
        raise Forbidden(HIDDEN_HOUSEHOLD)
    visible = []
    for h in households:
        try:
            await scoped_household(user, h)
            visible.append(h)
        except Forbidden:
            pass
    if not visible:
        raise Forbidden(HIDDEN_HOUSEHOLD)
    rows_py = await db.pool().fetch(
        "SELECT id FROM person_year WHERE person = $1 AND household = ANY($2::int[])",
        person_id, visible,
    )
    where, args = filters.sql(4)
    rows = await db.pool().fetch(
        f"SELECT {_COLUMNS} FROM audit_entry a WHERE ((a.entity = 'household'"
        " AND a.entity_id = ANY($1::text[])) OR (a.entity = 'person_year'"
        " AND a.entity_id = ANY($2::text[])) OR (a.entity = 'person' AND a.entity_id = $3))"
        f"{where} ORDER BY a.at DESC, a.id DESC LIMIT {LIMIT}",
        [str(h) for h in visible], [str(r["id"]) for r in rows_py], str(person_id), *args,
    )
    out = []
    for r in rows:
        entry = _entry(r, person_id=person_id if r["entity"] == "household" else None)
        if entry["changes"] or r["entity"] != "household" or r["action"] != "update":
            out.append(entry)
    return out


async def unit_trail(unit: units.Unit, year: int, filters: Filters) -> list[dict[str, Any]]:
    ids = [c.id for c in await units.communes_under(unit, year)]
    if unit.kind != "commune":
        ids.append(unit.id)
    where, args = filters.sql(3)
    rows = await db.pool().fetch(
        f"SELECT {_COLUMNS} FROM audit_entry a WHERE a.commune_id = ANY($1::int[])"
        f" AND a.year = $2{where} ORDER BY a.at DESC, a.id DESC LIMIT {LIMIT}",
        ids, year, *args,
    )
    return [_entry(r) for r in rows]
