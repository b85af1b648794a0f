"""Bulk import of one commune's household roll for one survey year (`pcgd import roll`, upload).

Why not the one-household save of `surveys.service`: a 20,000-person file must be written in
about the time of a raw COPY, and "all or nothing" means one transaction for the whole file.
The rules are the same ones (`surveys.roll` validates files and the web form alike); this module
adds what needs the database:
- a form number whose prefix is another commune's code is a warning (`--commune` decides);
- a personal ID already counted in another commune (or another household) is a warning;
- a member who is the same person as someone counted elsewhere this year (a linked mover) and
  is not recorded as moved out/deceased is an error (nobody is counted in two PPCs).

Writing (one transaction, commune locked against a concurrent import):
- households are matched by (commune, year, form number); households missing from the file are
  left alone (a file may hold one hamlet only);
- inside a matched household, members are matched by personal ID, else by full name and birth
  date (or year); a household's file rows are its complete member list, so stored members not in
  the file are removed; a member who moved to another household of the file keeps their person;
- unchanged rows are not touched; changed ones are updated in place (set-based, from arrays),
  their household's version is bumped and the member is marked confirmed (staff just gave it);
- new rows are written with COPY, ids drawn from the sequences first;
- then movers are linked (`surveys.movers`), the commune's counts rebuilt, and one audit entry
  with the counts written (plus one per updated household). Re-importing the same file changes
  nothing but adding that import entry. `confirm=True` also confirms unchanged members (a
  rolled-forward roll checked in a spreadsheet); otherwise unchanged rows keep their state.

Speed (bench/import.py): the warnings that only read other households run on a second
connection meanwhile, and the cycle collector is paused while row tuples are built.
A person row is shared by every year of that person: correcting a name in one year's file
corrects it in the other years too.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import partial
from operator import attrgetter
from pathlib import Path
from typing import Any

import asyncpg

from pcgd import db
from pcgd.accounts.scope import Scope, scope_for
from pcgd.accounts.service import CurrentUser
from pcgd.audit import service as audit
from pcgd.common.perf import gc_paused
from pcgd.common.uploads import MAX_ISSUES, more_issues_text
from pcgd.common.vn import fmt_date
from pcgd.errors import UserError
from pcgd.units import service as units
from surveys import gate, movers
from surveys.exporter import StoredHousehold, StoredMember, stored_households
from surveys.roll import (
    Issue,
    LoadedRoll,
    ParseResult,
    RollFileError,
    RollHousehold,
    RollPerson,
    identity,
    parse_file,
    write_annotated,
)
from surveys.roll import fields as roll_fields
from surveys.rollup import service as rollup
from surveys.service import STATUS_FIELDS, check_writable

COUNTED_OUT = ("moved_out", "deceased")
_LOCK_NAMESPACE = 7301  # pg_advisory_xact_lock(namespace, commune id): one import per commune

# Bulk-load column lists: from the one definition of the roll's fields (also the demo load's).
HOUSEHOLD_COLUMNS = roll_fields.HOUSEHOLD_COLUMNS
PERSON_COLUMNS = roll_fields.PERSON_BULK_COLUMNS
PERSON_YEAR_COLUMNS = roll_fields.PERSON_YEAR_BULK_COLUMNS


@dataclass(slots=True)
class Changes:
    households_created: int = 0
    households_updated: int = 0
    households_unchanged: int = 0
    persons_created: int = 0
    persons_updated: int = 0
    persons_removed: int = 0
    movers_linked: int = 0
    movers_proposed: int = 0  # links waiting for the other commune to confirm

    @property
    def any(self) -> bool:
        return bool(
            self.households_created or self.households_updated or self.persons_created
            or self.persons_updated or self.persons_removed or self.movers_linked
        )


@dataclass(slots=True)
class ImportReport:
    format: str
    households: int
    persons: int
    errors: list[Issue]
    warnings: list[Issue]
    dry_run: bool
    written: bool = False
    changes: Changes = field(default_factory=Changes)
    loaded: LoadedRoll | None = None  # for the annotated copy
    omitted_errors: int = 0  # beyond MAX_ISSUES: counted only ("và N lỗi khác")
    omitted_warnings: int = 0
    conflicts: list[dict[str, Any]] = field(default_factory=list)  # changed since the export

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_json(self) -> dict[str, Any]:
        """The `pcgd import roll --json` shape (interfaces.md) plus what was done."""
        return {
            "households": self.households,
            "persons": self.persons,
            "errors": _listed(self.errors, self.omitted_errors, "lỗi"),
            "warnings": _listed(self.warnings, self.omitted_warnings, "cảnh báo"),
            "format": self.format,
            "dry_run": self.dry_run,
            "written": self.written,
            "changes": asdict(self.changes),
            "conflicts": self.conflicts,
        }


def _listed(issues: list[Issue], omitted: int, kind: str) -> list[dict[str, object]]:
    """At most MAX_ISSUES issues, then one line saying how many more there are."""
    shown = [i.to_json() for i in issues[:MAX_ISSUES]]
    more = omitted + max(len(issues) - MAX_ISSUES, 0)
    if more:
        shown.append({"row": 0, "column": "", "message": more_issues_text(more, kind)})
    return shown


class _Rollback(Exception):
    """Leave the transaction without writing (dry run, or errors found against the database)."""


# --- reading -----------------------------------------------------------------------------------


async def read_upload(source: bytes | Path, filename: str, year: int) -> LoadedRoll:
    """Read and validate a file of either format, off the event loop (it takes ~0.3 s/20k).

    School codes are read fresh (not the save path's 30-second cache): a school registered a
    minute ago must be accepted by the import that follows.
    """
    schools = frozenset(r["code"] for r in await db.pool().fetch("SELECT code FROM school"))
    try:
        return await asyncio.to_thread(
            parse_file, source, filename, year=year, known_schools=schools
        )
    except RollFileError as exc:
        raise UserError(str(exc)) from exc


def save_annotated(report: ImportReport, path: Path) -> Path | None:
    """The upload with bad cells marked (red errors, yellow warnings); None when all is clean."""
    loaded = report.loaded
    if loaded is None or not (report.errors or report.warnings):
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    write_annotated(
        loaded.table, [*report.errors, *report.warnings], path, column_index=loaded.column_index
    )
    return path


# --- checks against the database ----------------------------------------------------------------

_SPLIT = re.compile(r"[-_./ ]+")


async def _prefix_warnings(
    conn: asyncpg.Connection, households: Sequence[RollHousehold], commune: units.Unit, year: int
) -> list[Issue]:
    """Form numbers such as `26575-00012` or `79_783_26575_01_012` that name another commune."""
    named: dict[str, list[RollHousehold]] = {}
    for h in households:
        parts = _SPLIT.split(h.household_code)[:-1][:3]  # the last part is the serial number
        code = next((p for p in parts if len(p) == 5 and p.isdigit()), None)
        if code is not None and code != commune.code:
            named.setdefault(code, []).append(h)
    if not named:
        return []
    rows = await conn.fetch(
        f"SELECT u.code, u.name FROM admin_unit u WHERE u.kind = 'commune'"
        f" AND u.code = ANY($2::text[]) AND {units.VALID_SQL}",
        units.reference_date(year), list(named),
    )
    out = []
    for row in rows:
        for h in named[row["code"]]:
            out.append(Issue(
                h.members[0].source_row, "household_code",
                f"Số phiếu: “{h.household_code}” mang mã xã {row['code']} ({row['name']}),"
                f" nhưng được nhập vào {commune.name} ({commune.code}) theo lựa chọn khi nhập",
                "warning",
            ))
    return out


# Look-ups of personal IDs outside the caller's units (the import warning below) are an oracle
# for "does this ID exist somewhere": audited, and limited per account over 24 hours (the largest
# commune roll has well under 50,000 persons, so four full files a day pass).
ID_LOOKUP_LIMIT = 200_000  # IDs checked against other units per account per 24 h
ID_FOUND_LIMIT = 500  # IDs found counted elsewhere per account per 24 h
_QUOTA_NAMESPACE = 7302


async def _lookup_allowed(conn: asyncpg.Connection, user: CurrentUser, checking: int) -> bool:
    """Whether this account may check `checking` more IDs against other units now."""
    await conn.execute("SELECT pg_advisory_xact_lock($1, $2)", _QUOTA_NAMESPACE, user.id)
    used = await conn.fetchrow(
        "SELECT coalesce(sum((after->>'checked')::int), 0) AS checked,"
        " coalesce(sum((after->>'found_elsewhere')::int), 0) AS found FROM audit_entry"
        " WHERE user_id = $1 AND action = 'personal_id_lookup'"
        " AND at > now() - interval '24 hours'",
        user.id,
    )
    return used["checked"] + checking <= ID_LOOKUP_LIMIT and used["found"] < ID_FOUND_LIMIT


async def _personal_id_warnings(
    conn: asyncpg.Connection, households: Sequence[RollHousehold], commune: units.Unit, year: int,
    user: CurrentUser | None = None,
) -> list[Issue]:
    """IDs counted this year in another commune, or in a household of this one not in the file.

    Where an ID is counted is named only inside the caller's units; elsewhere the warning says
    only that it is counted elsewhere. Such look-ups are audited and limited per account.
    """
    rows_by_id: dict[str, list[RollPerson]] = {}
    for h in households:
        for p in h.members:
            if p.personal_id and p.movement not in COUNTED_OUT:
                rows_by_id.setdefault(p.personal_id, []).append(p)
    if not rows_by_id:
        return []
    scope = await scope_for(user, year) if user is not None else None
    outside = scope is not None and scope.commune_ids is not None
    if outside and user is not None and not await _lookup_allowed(conn, user, len(rows_by_id)):
        first = min(p.source_row for rows in rows_by_id.values() for p in rows)
        return [Issue(
            first, "personal_id",
            "Số định danh: chưa kiểm tra trùng với các xã khác vì tài khoản đã tra cứu quá nhiều"
            " số định danh trong 24 giờ qua; hãy thử lại sau",
            "warning",
        )]
    found = await conn.fetch(
        "SELECT p.personal_id, py.commune, u.code, u.name, h.household_code,"
        " (py.commune = $3) AS here"
        " FROM unnest($1::text[]) AS k(personal_id) JOIN person p ON p.personal_id = k.personal_id"
        " JOIN person_year py ON py.person = p.id"
        " JOIN household h ON h.id = py.household JOIN admin_unit u ON u.id = py.commune"
        " WHERE py.year = $2 AND py.movement NOT IN ('moved_out', 'deceased')",
        list(rows_by_id), year, commune.id,
    )
    in_file = {h.household_code for h in households}
    found = [r for r in found if not (r["here"] and r["household_code"] in in_file)]
    hidden = {r["personal_id"] for r in found
              if scope is not None and not scope.allows(r["commune"])}
    if outside:
        await audit.record(
            conn, user, "personal_id_lookup", "roll", f"{commune.code}/{year}",
            commune_id=commune.id, year=year,
            after={"checked": len(rows_by_id), "found_elsewhere": len(hidden)},
        )
    out = []
    for row in found:
        if row["here"]:
            where = f"hộ {row['household_code']} của xã (không có trong tệp)"
        elif row["personal_id"] in hidden:
            where = "một nơi khác (ngoài phạm vi của tài khoản)"
        else:
            where = f"{row['name']} ({row['code']}), hộ {row['household_code']}"
        for p in rows_by_id[row["personal_id"]]:
            out.append(Issue(
                p.source_row, "personal_id",
                f"Số định danh: {p.personal_id} đang được tính ở {where} năm {year};"
                " xem báo cáo trùng lặp của tỉnh",
                "warning",
            ))
    return out


# --- planning ------------------------------------------------------------------------------------


_person_values: Callable[[RollPerson], tuple[Any, ...]] = attrgetter(
    "full_name", "birth_date", "birth_year", *roll_fields.PERSON_PLAIN
)  # what the person table holds (attrgetter: one C call per row on 20,000 rows)
_status_values: Callable[[RollPerson], tuple[Any, ...]] = attrgetter(*STATUS_FIELDS)


@dataclass(slots=True)
class _NewMember:
    household: int  # existing household id, or -(index into new_households + 1)
    position: int
    person: RollPerson
    person_id: int | None = None  # an existing person (moved between households of the file)


@dataclass(slots=True)
class _Plan:
    new_households: list[RollHousehold] = field(default_factory=list)
    household_updates: dict[int, RollHousehold] = field(default_factory=dict)
    new_members: list[_NewMember] = field(default_factory=list)
    person_updates: list[tuple[int, RollPerson]] = field(default_factory=list)
    status_updates: list[tuple[int, int, RollPerson]] = field(default_factory=list)
    removed: list[StoredMember] = field(default_factory=list)
    kept_person: dict[int, RollPerson] = field(default_factory=dict)  # person id → file row
    audit: dict[int, dict[str, list[str]]] = field(default_factory=dict)
    unchanged: int = 0


def _match(stored: list[StoredMember], members: list[RollPerson]) -> list[StoredMember | None]:
    """For each file member, the stored member it is (`identity`: the ID first, then names)."""
    out: list[StoredMember | None] = [None] * len(members)
    used: set[int] = set()
    for rule in (identity.by_id, partial(identity.by_name, across_households=False)):
        for i, p in enumerate(members):
            if out[i] is not None:
                continue
            for m in stored:
                if m.person_year_id not in used and rule(p, m.person):
                    out[i] = m
                    used.add(m.person_year_id)
                    break
    return out


def _plan(
    households: Sequence[RollHousehold], stored: Sequence[StoredHousehold], *, confirm: bool
) -> _Plan:
    """What to write; `confirm` also marks matched, unchanged but unconfirmed members confirmed."""
    plan = _Plan()
    by_code = {h.household_code: h for h in stored}
    for h in households:
        old = by_code.get(h.household_code)
        if old is None:
            plan.new_households.append(h)
            ref = -len(plan.new_households)
            plan.new_members.extend(_NewMember(ref, i, p) for i, p in enumerate(h.members))
            continue
        changed = old.hamlet != h.hamlet or old.address != h.address
        notes: dict[str, list[str]] = {"added": [], "updated": [], "removed": []}
        matches = _match(old.members, h.members)
        for position, (p, m) in enumerate(zip(h.members, matches, strict=True)):
            if m is None:
                plan.new_members.append(_NewMember(old.id, position, p))
                notes["added"].append(p.full_name)
                continue
            plan.kept_person[m.person_id] = p
            person_changed = _person_values(p) != _person_values(m.person)
            status_changed = (
                _status_values(p) != _status_values(m.person)
                or position != m.position
                or (confirm and not m.confirmed)
            )
            if person_changed:
                plan.person_updates.append((m.person_id, p))
            if status_changed or person_changed:
                plan.status_updates.append((m.person_year_id, position, p))
                notes["updated"].append(p.full_name)
        matched = {m.person_year_id for m in matches if m is not None}
        for m in old.members:
            if m.person_year_id not in matched:
                plan.removed.append(m)
                notes["removed"].append(m.person.full_name)
        if changed or any(notes.values()):
            plan.household_updates[old.id] = h
            plan.audit[old.id] = {k: v for k, v in notes.items() if v}
        else:
            plan.unchanged += 1
    _reuse_moved_people(plan)
    return plan


def _reuse_moved_people(plan: _Plan) -> None:
    """A removed member who reappears (same personal ID) in another household keeps the person."""
    pool = {m.person.personal_id: m for m in plan.removed if m.person.personal_id}
    if not pool:
        return
    for new in plan.new_members:
        m = pool.pop(new.person.personal_id, None) if new.person.personal_id else None
        if m is not None:
            new.person_id = m.person_id
            plan.kept_person[m.person_id] = new.person
            if _person_values(new.person) != _person_values(m.person):
                plan.person_updates.append((m.person_id, new.person))


async def _counted_elsewhere(
    conn: asyncpg.Connection, plan: _Plan, year: int, household_ids: Sequence[int],
    scope: Scope | None = None,
) -> list[Issue]:
    """Errors for kept people (linked movers) who would be counted in two places this year."""
    counted = {pid: p for pid, p in plan.kept_person.items() if p.movement not in COUNTED_OUT}
    if not counted:
        return []
    rows = await conn.fetch(
        "SELECT py.person, py.household, py.commune, u.code, u.name, h.household_code"
        " FROM unnest($1::int[]) AS k(person) JOIN person_year py ON py.person = k.person"
        " JOIN household h ON h.id = py.household JOIN admin_unit u ON u.id = py.commune"
        " WHERE py.year = $2 AND py.movement NOT IN ('moved_out', 'deceased')",
        list(counted), year,
    )
    in_file = set(household_ids)  # filtered here: `<> ALL(array)` per row is quadratic
    # A confirmed mover: the other commune is known, its household only inside the scope.
    return [
        Issue(
            counted[r["person"]].source_row, "movement",
            f"Biến động: người này đang được tính ở {r['name']} ({r['code']})"
            + (f", hộ {r['household_code']}" if scope is None or scope.allows(r["commune"])
               else "")
            + f" năm {year}; ghi “chuyển đi” (moved_out) hoặc xử lý ở báo cáo trùng lặp",
        )
        for r in rows
        if r["household"] not in in_file
    ]


async def newer_conflicts(
    conn: asyncpg.Connection, households: Sequence[RollHousehold],
    stored: Sequence[StoredHousehold], plan: _Plan,
) -> list[dict[str, Any]]:
    """Households the file would change that were saved after the file was exported."""
    by_code = {h.household_code: h for h in stored}
    found = []
    for h in households:
        old = by_code.get(h.household_code)
        if (old is not None and h.version is not None and old.version > h.version
                and old.id in plan.household_updates):
            found.append({"row": h.members[0].source_row, "household_code": h.household_code,
                          "household_id": old.id, "file_version": h.version,
                          "current_version": old.version})
    if found:
        rows = await conn.fetch(
            "SELECT DISTINCT ON (entity_id) entity_id, username, at FROM audit_entry"
            " WHERE entity = 'household' AND entity_id = ANY($1::text[])"
            " AND action <> 'view_personal'"  # who changed it, not who looked at it
            " ORDER BY entity_id, at DESC, id DESC",
            [str(c["household_id"]) for c in found],
        )
        last = {r["entity_id"]: r for r in rows}
        for c in found:
            entry = last.get(str(c["household_id"]))
            c["changed_by"] = entry["username"] if entry else ""
            c["changed_at"] = entry["at"].isoformat() if entry else None
            c["changed_at_text"] = fmt_date(entry["at"]) if entry else ""
    return found


def conflict_issue(c: dict[str, Any]) -> Issue:
    who = f" bởi {c['changed_by']}" if c.get("changed_by") else ""
    when = f" lúc {c['changed_at_text']}" if c.get("changed_at_text") else ""
    return Issue(
        c["row"], "household_version",
        f"Phiên bản hộ: hộ {c['household_code']} đã được sửa{who}{when} sau khi xuất tệp"
        f" (tệp: phiên bản {c['file_version']}, hiện tại: phiên bản {c['current_version']});"
        " nhập tệp sẽ ghi đè thay đổi đó. Xuất lại danh sách, hoặc chọn ghi đè",
    )


# --- the import ----------------------------------------------------------------------------------


async def import_roll(
    source: bytes | Path,
    filename: str,
    *,
    commune: units.Unit,
    year: int,
    user: CurrentUser | None = None,
    dry_run: bool = False,
    confirm: bool = False,
    loaded: LoadedRoll | None = None,
    overwrite_newer: bool = False,
) -> ImportReport:
    """Validate and (unless `dry_run` or any error) write the file; see the module docstring.

    The caller checks the user's scope. `loaded` skips reading when the caller already parsed.
    A household the file would change although it was saved since the file was exported (its
    stored version is above the file's `household_version`) is a conflict: reported, and
    nothing is written unless `overwrite_newer`.
    """
    if commune.kind != "commune":
        raise UserError(f"{commune.code} là {commune.kind}: chỉ nhập danh sách hộ theo xã")
    units.check_year(year)
    if not dry_run:  # a closed roll refuses the file before it is read (423, nothing written)
        await check_writable(user, commune.id, year)
    if loaded is None:
        loaded = await read_upload(source, filename, year)
    result: ParseResult = loaded.result
    report = ImportReport(
        loaded.format, len(result.households), result.persons, list(result.errors),
        list(result.warnings), dry_run, loaded=loaded, omitted_errors=result.omitted_errors,
        omitted_warnings=result.omitted_warnings,
    )
    # Warnings read only committed data of other households: found on another connection
    # while this one plans and writes.
    warnings = asyncio.create_task(_warnings(result.households, commune, year, user))
    try:
        async with gc_paused(), db.transaction() as conn:
            await custom_plans(conn)
            await gate.check_open(conn, [commune.id], year)
            await audit.set_source(conn, f"nhập tệp {filename}")
            await conn.execute("SELECT pg_advisory_xact_lock($1, $2)", _LOCK_NAMESPACE, commune.id)
            codes = [h.household_code for h in result.households]
            if codes:
                await conn.execute(
                    "SELECT 1 FROM household h JOIN unnest($3::text[]) AS c(code)"
                    " ON c.code = h.household_code WHERE h.commune = $1 AND h.year = $2"
                    " ORDER BY h.id FOR UPDATE OF h",
                    commune.id, year, codes,
                )
            stored = await stored_households(conn, commune.id, year, codes) if codes else []
            plan = _plan(result.households, stored, confirm=confirm)
            report.conflicts = await newer_conflicts(conn, result.households, stored, plan)
            if not overwrite_newer:
                report.errors += [conflict_issue(c) for c in report.conflicts]
            report.errors += await _counted_elsewhere(
                conn, plan, year, [h.id for h in stored],
                await scope_for(user, year) if user is not None else None,
            )
            report.errors.sort(key=lambda i: i.row)
            if report.errors or dry_run:
                raise _Rollback
            await custom_plans(conn, False)  # writes: the foreign-key checks keep cached plans
            report.changes = await _apply(conn, plan, commune, year, user)
            report.changes.households_unchanged = plan.unchanged
            await rollup.rebuild_communes(conn, [commune.id], year)
            report.warnings = _sorted([*report.warnings, *await warnings])
            await audit.record(
                conn, user, "import", "roll", f"{commune.code}/{year}", commune_id=commune.id,
                year=year,
                after={"file": filename, "format": loaded.format,
                       "households": report.households, "persons": report.persons,
                       "warnings": len(report.warnings), **asdict(report.changes)},
            )
    except _Rollback:
        pass
    except asyncpg.UniqueViolationError as exc:
        if exc.constraint_name == "person_year_counted_once":
            raise UserError(
                "một người trong tệp đang được tính ở nơi khác cùng năm; không ghi gì"
            ) from exc
        raise UserError("có người khác vừa nhập hoặc lưu cùng hộ; hãy nhập lại") from exc
    else:
        report.written = True
        return report
    finally:
        if not warnings.done():
            await asyncio.wait([warnings])
    report.warnings = _sorted([*report.warnings, *warnings.result()])
    return report


def _sorted(issues: list[Issue]) -> list[Issue]:
    return sorted(set(issues), key=lambda i: (i.row, i.column, i.message))


async def _warnings(
    households: Sequence[RollHousehold], commune: units.Unit, year: int,
    user: CurrentUser | None = None,
) -> list[Issue]:
    async with db.pool().acquire() as conn, conn.transaction():
        await custom_plans(conn)
        return [
            *await _prefix_warnings(conn, households, commune, year),
            *await _personal_id_warnings(conn, households, commune, year, user),
        ]


async def custom_plans(conn: asyncpg.Connection, on: bool = True) -> None:
    """Plan each statement for its own arguments (`on`), in this transaction only.

    asyncpg prepares statements, and after five runs PostgreSQL may reuse a generic plan made
    while the commune (or the whole table) was empty; on the next, full import such a plan
    nests loops over 20,000 rows and takes a minute instead of a tenth of a second. Switched
    off again before bulk writes: the foreign-key checks of every COPY row use cached plans
    too, and re-planning them would double the write time.
    """
    mode = "force_custom_plan" if on else "auto"
    await conn.execute(f"SET LOCAL plan_cache_mode = {mode}")


async def _apply(
    conn: asyncpg.Connection,
    plan: _Plan,
    commune: units.Unit,
    year: int,
    user: CurrentUser | None,
) -> Changes:
    now = datetime.now(UTC)
    changes = Changes(
        households_created=len(plan.new_households),
        households_updated=len(plan.household_updates),
        persons_created=sum(1 for m in plan.new_members if m.person_id is None),
        persons_updated=len(plan.status_updates) + sum(
            1 for m in plan.new_members if m.person_id is not None
        ),
        persons_removed=len(plan.removed) - sum(
            1 for m in plan.new_members if m.person_id is not None
        ),
    )
    names = {h.hamlet for h in plan.new_households} | {
        h.hamlet for h in plan.household_updates.values()
    }
    hamlets = await _hamlet_ids(conn, commune.id, names)
    await _remove(conn, plan)
    await _update(conn, plan, hamlets, now)
    await _insert(conn, plan, commune.id, year, hamlets, now)
    for household_id, notes in plan.audit.items():
        await audit.record(
            conn, user, "import_update", "household", household_id, commune_id=commune.id,
            year=year, after={"household_code": plan.household_updates[household_id]
                              .household_code, **notes},
        )
    await custom_plans(conn)  # the bulk writes are done; back to plans made for the arguments
    shared = await _audit_shared_persons(conn, [pid for pid, _ in plan.person_updates],
                                         commune, user)
    linked = await movers.link_movers(conn, [commune.id], year, user=user)
    changes.movers_linked = linked.pairs
    changes.movers_proposed = linked.proposals
    others = sorted((linked.communes | shared) - {commune.id})
    if others:
        await rollup.rebuild_communes(conn, others, year)
    return changes


async def _audit_shared_persons(
    conn: asyncpg.Connection, person_ids: Sequence[int], commune: units.Unit,
    user: CurrentUser | None,
) -> set[int]:
    """Persons the file changed who are shared with another commune (a confirmed mover):
    audited and versioned there too; returns those communes (to recount)."""
    if not person_ids:
        return set()
    rows = await conn.fetch(
        "SELECT DISTINCT y.person, y.commune, y.year, y.household FROM person_year y"
        " WHERE y.person = ANY($1::int[]) AND y.commune <> $2",
        list(person_ids), commune.id,
    )
    for r in rows:
        await audit.record(
            conn, user, "update_shared_person", "person", r["person"], commune_id=r["commune"],
            year=r["year"], after={"changed_by_commune": commune.code, "source": "import"},
        )
    if rows:
        await conn.execute(
            "UPDATE household SET version = version + 1, updated_at = now()"
            " WHERE id = ANY($1::int[])", sorted({r["household"] for r in rows}),
        )
    return {r["commune"] for r in rows}


async def _hamlet_ids(conn: asyncpg.Connection, commune_id: int, names: set[str]) -> dict[str, int]:
    if not names:
        return {}
    wanted = sorted(names)
    await conn.execute(
        "INSERT INTO hamlet (commune, name, code) SELECT $1, n, '' FROM unnest($2::text[]) n"
        " ON CONFLICT (commune, name) DO NOTHING",
        commune_id, wanted,
    )
    rows = await conn.fetch(
        "SELECT id, name FROM hamlet WHERE commune = $1 AND name = ANY($2::text[])",
        commune_id, wanted,
    )
    return {r["name"]: r["id"] for r in rows}


async def _remove(conn: asyncpg.Connection, plan: _Plan) -> None:
    """Drop the members no longer in their household (before inserts: a person may move)."""
    if not plan.removed:
        return
    ids = [m.person_year_id for m in plan.removed]
    await conn.execute(
        "UPDATE person_year y SET linked = NULL FROM unnest($1::int[]) AS d(id)"
        " WHERE y.linked = d.id", ids,
    )
    await conn.execute(
        "DELETE FROM person_year y USING unnest($1::int[]) AS d(id) WHERE y.id = d.id", ids
    )
    kept = set(plan.kept_person)
    gone = [m.person_id for m in plan.removed if m.person_id not in kept]
    if gone:
        await conn.execute(
            "DELETE FROM person p USING unnest($1::int[]) AS d(id) WHERE p.id = d.id"
            " AND NOT EXISTS (SELECT 1 FROM person_year y WHERE y.person = p.id)",
            gone,
        )


def _columns(rows: Sequence[Sequence[Any]]) -> list[list[Any]]:
    return [list(c) for c in zip(*rows, strict=True)]


_PERSON_TYPES = dict(roll_fields.PERSON_COLUMNS)
_UPDATE_PERSONS = (
    "UPDATE person p SET "
    + ", ".join(f"{n} = u.{n}" for n in _PERSON_TYPES)
    + " FROM unnest($1::int[], "
    + ", ".join(f"${i}::{t}[]" for i, t in enumerate(_PERSON_TYPES.values(), 2))
    + f") AS u(id, {', '.join(_PERSON_TYPES)}) WHERE p.id = u.id"
)
_STATUS_TYPES = dict(roll_fields.STATUS_COLUMNS)
_UPDATE_STATUS = (
    "UPDATE person_year y SET position = u.position, confirmed = TRUE, "
    + ", ".join(f"{f} = u.{f}" for f in STATUS_FIELDS)
    + " FROM unnest($1::int[], $2::int[], "
    + ", ".join(f"${i}::{_STATUS_TYPES.get(f, 'text')}[]" for i, f in enumerate(STATUS_FIELDS, 3))
    + f") AS u(id, position, {', '.join(STATUS_FIELDS)}) WHERE y.id = u.id"
)
_UPDATE_HOUSEHOLDS = (
    "UPDATE household h SET hamlet = u.hamlet, address = u.address, version = h.version + 1,"
    " updated_at = $4 FROM unnest($1::int[], $2::int[], $3::text[]) AS u(id, hamlet, address)"
    " WHERE h.id = u.id"
)


def _person_row(pid: int, p: RollPerson) -> tuple[Any, ...]:
    return (pid, *roll_fields.person_values(p))


async def _update(
    conn: asyncpg.Connection, plan: _Plan, hamlets: dict[str, int], now: datetime
) -> None:
    if plan.household_updates:
        await conn.execute(
            _UPDATE_HOUSEHOLDS,
            *_columns([(hid, hamlets[h.hamlet], h.address)
                       for hid, h in plan.household_updates.items()]),
            now,
        )
    if plan.person_updates:
        await conn.execute(
            _UPDATE_PERSONS, *_columns([_person_row(pid, p) for pid, p in plan.person_updates])
        )
    if plan.status_updates:
        await conn.execute(
            _UPDATE_STATUS,
            *_columns([(pyid, pos, *_status_values(p)) for pyid, pos, p in plan.status_updates]),
        )


async def next_ids(conn: asyncpg.Connection, table: str, n: int) -> list[int]:
    """n fresh ids from the table's sequence (not consecutive under concurrency; no lock)."""
    if n == 0:
        return []
    sequence = await conn.fetchval("SELECT pg_get_serial_sequence($1, 'id')", table)
    return list(await conn.fetchval(
        "SELECT array_agg(nextval($1::regclass)) FROM generate_series(1, $2)", sequence, n
    ))


async def _insert(
    conn: asyncpg.Connection,
    plan: _Plan,
    commune_id: int,
    year: int,
    hamlets: dict[str, int],
    now: datetime,
) -> None:
    household_ids = await next_ids(conn, "household", len(plan.new_households))
    if household_ids:
        await conn.copy_records_to_table(
            "household",
            records=[
                (hid, commune_id, year, hamlets[h.hamlet], h.household_code, h.address, 1, now)
                for hid, h in zip(household_ids, plan.new_households, strict=True)
            ],
            columns=HOUSEHOLD_COLUMNS,
        )
    fresh = [m for m in plan.new_members if m.person_id is None]
    person_ids = await next_ids(conn, "person", len(fresh))
    if person_ids:
        for m, pid in zip(fresh, person_ids, strict=True):
            m.person_id = pid
        await conn.copy_records_to_table(
            "person",
            records=[_person_row(m.person_id, m.person) for m in fresh],  # type: ignore[arg-type]
            columns=PERSON_COLUMNS,
        )
    if plan.new_members:
        row_ids = await next_ids(conn, "person_year", len(plan.new_members))
        await conn.copy_records_to_table(
            "person_year",
            records=[
                (
                    row_id,
                    m.person_id,
                    m.household if m.household > 0 else household_ids[-m.household - 1],
                    commune_id, year, m.position, True, *_status_values(m.person),
                )
                for row_id, m in zip(row_ids, plan.new_members, strict=True)
            ],
            columns=PERSON_YEAR_COLUMNS,
        )
