"""Imports of schools, classes, teachers, facilities and learners from CSV/XLSX.

Same behaviour as the roll import: every row is checked first and any error writes nothing; a
dry run reports the same without writing; importing the same file twice changes nothing.
Schools are upserted by code. The other kinds are per-school lists for one school year: the file
is a school's complete list, so the rows of each school named in the file replace that school's
rows for the year (and a school whose list is identical is left untouched).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

from pcgd import db
from pcgd.accounts.service import CurrentUser
from pcgd.audit import service as audit
from pcgd.common.tables import RollFileError, read_table
from pcgd.common.text import key, name_key, squash
from pcgd.common.uploads import MAX_ISSUES
from pcgd.common.values import parse_date
from pcgd.errors import UserError
from pcgd.registry import codes
from pcgd.registry.columns import KINDS, header_map, labels
from pcgd.registry.schemas import ImportResult, Issue
from pcgd.units import service as units
from surveys.rollup import service as rollup

Source = str | Path | bytes

#: target table and its written columns, per list kind (school and year first)
TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "classes": ("school_class", ("school", "year", "name", "level", "grade", "combined", "room",
                                 "two_sessions", "min_equipment", "pupils")),
    "teachers": ("school_staff", ("school", "year", "staff_code", "full_name", "birth_date",
                                  "sex", "role", "level", "employment", "qualification",
                                  "meets_standard", "rating", "subjects", "class_name")),
    "facilities": ("school_facility", ("school", "year", "room_type", "level", "count", "area")),
    "learners": ("learner", ("school", "year", "personal_id", "full_name", "name_key",
                             "birth_date", "sex", "class_name", "level", "grade", "completed",
                             "home_commune")),
}
SEX = {"m": "M", "nam": "M", "male": "M", "f": "F", "nu": "F", "female": "F"}


@dataclass(frozen=True, slots=True)
class SchoolRef:
    id: int
    code: str
    commune_id: int | None
    levels: tuple[str, ...]


@dataclass
class _Context:
    kind: str
    year: int
    unit: units.Unit
    communes: dict[str, int]  # in scope: code → id
    all_communes: dict[str, int]  # every commune valid in the year (home communes)
    schools: dict[str, SchoolRef]
    linked: frozenset[int] = frozenset()  # the other tree's communes merged with those in scope
    classes: dict[tuple[int, str], tuple[str, str]] = field(default_factory=dict)


class _Row:
    """One data row's cells by canonical column, with error/warning helpers."""

    def __init__(self, number: int, cells: Mapping[str, str], sink: _Issues) -> None:
        self.number = number
        self.cells = cells
        self.sink = sink

    def __getitem__(self, name: str) -> str:
        return self.cells.get(name, "")

    def error(self, column: str, reason: str) -> None:
        self.sink.add(self.number, column, reason, warning=False)

    def warn(self, column: str, reason: str) -> None:
        self.sink.add(self.number, column, reason, warning=True)


class _Issues:
    def __init__(self, kind: str) -> None:
        self.labels = labels(kind)
        self.errors: list[Issue] = []
        self.warnings: list[Issue] = []

    def add(self, row: int, column: str, reason: str, *, warning: bool) -> None:
        target = self.warnings if warning else self.errors
        if len(target) >= MAX_ISSUES:  # listed up to the cap, then "và N lỗi khác"
            if len(target) == MAX_ISSUES:
                target.append(Issue(0, "", "và nhiều lỗi khác (chỉ liệt kê"
                                    f" {MAX_ISSUES} lỗi đầu tiên)"))
            return
        label = self.labels.get(column, column)
        target.append(Issue(row, column, f"{label}: {reason}" if label else reason))


# --- cell parsers (each reports its own error and returns None on a bad value) ------------------


def _code(row: _Row, column: str, lookup: Mapping[str, str], *, required: bool = False) -> str:
    text = row[column]
    if not text:
        if required:
            row.error(column, "bắt buộc")
        return ""
    value = lookup.get(key(text))
    if value is None:
        row.error(column, f"giá trị không hợp lệ “{text}”")
        return ""
    return value


def _bool(row: _Row, column: str) -> bool | None:
    text = key(row[column])
    if text in codes.TRUE_WORDS:
        return True
    if text in codes.FALSE_WORDS:
        return False
    row.error(column, f"cần có/không (x, 1, có / để trống, 0, không), không phải “{row[column]}”")
    return None


def _int(row: _Row, column: str, *, required: bool = False, maximum: int = 1_000_000) -> int | None:
    text = row[column].removesuffix(".0")
    if not text:
        if required:
            row.error(column, "bắt buộc")
        return None
    if not (text.isascii() and text.isdigit()) or int(text) > maximum:
        row.error(column, f"cần số nguyên từ 0 đến {maximum}, không phải “{row[column]}”")
        return None
    return int(text)


def _area(row: _Row, column: str) -> float | None:
    text = row[column].replace(",", ".")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value < 1e8:
        row.error(column, f"cần số m² không âm, không phải “{row[column]}”")
        return None
    return round(value, 1)


def _date(row: _Row, column: str, year: int, *, required: bool = False) -> dt.date | None:
    text = row[column]
    if not text:
        if required:
            row.error(column, "bắt buộc")
        return None
    value, _, reason = parse_date(text, year_only=False)
    if reason:
        row.error(column, reason)
        return None
    if value is not None and value > dt.date(year, 9, 30):
        row.error(column, f"ngày trong tương lai so với năm học {year}–{year + 1}")
        return None
    return value


def _sex(row: _Row) -> str:
    text = key(row["sex"])
    if not text:
        return ""
    value = SEX.get(text)
    if value is None:
        row.error("sex", f"cần M/F (nam/nữ), không phải “{row['sex']}”")
        return ""
    return value


def _personal_id(row: _Row) -> str | None:
    text = row["personal_id"].removesuffix(".0")
    if not text:
        return None
    if len(text) != 12 or not (text.isascii() and text.isdigit()):
        row.error("personal_id", f"cần đúng 12 chữ số, không phải “{text}”")
        return None
    return text


def _grade(row: _Row, level: str) -> str | None:
    """A grade for the level: 'lớp 5', 'khối 5', 'mẫu giáo 5 tuổi', 'NT' … (None: error)."""
    text = row["grade"]
    k = key(text)
    value = codes.GRADE_WORDS.get(k)
    if value is None:
        for prefix in ("lop ", "khoi "):
            k = k.removeprefix(prefix)
        value = k.removesuffix(".0").upper() if k else ""
    if level and value not in codes.GRADES[level]:
        allowed = ", ".join(g or "(trống)" for g in codes.GRADES[level])
        row.error("grade", f"“{text}” không phải khối của cấp {level} ({allowed})")
        return None
    return value


def _school(row: _Row, ctx: _Context) -> SchoolRef | None:
    code = row["school_code"]
    if not code:
        row.error("school_code", "bắt buộc")
        return None
    school = ctx.schools.get(code)
    if school is None:
        row.error("school_code", f"trường “{code}” chưa có trong danh mục (hãy nhập trường trước)")
        return None
    if school.commune_id not in ctx.communes.values() and school.commune_id not in ctx.linked:
        row.error("school_code", f"trường “{code}” không thuộc {ctx.unit.name}")
        return None
    return school


def _level(row: _Row, school: SchoolRef, *, grade_text: str = "") -> str:
    """The row's level: as written, else the school's only level that has such a grade."""
    if row["level"]:
        level = _code(row, "level", codes.LEVEL_LOOKUP)
        if level and school.levels and level not in school.levels:
            row.warn("level", f"trường {school.code} không đăng ký cấp {level}")
        return level
    levels = [lv for lv in school.levels if lv in codes.GRADES]
    candidates = levels
    if grade_text:
        g = codes.GRADE_WORDS.get(key(grade_text), key(grade_text).split(" ")[-1].upper())
        candidates = [lv for lv in levels if g in codes.GRADES[lv]]
    if len(candidates) == 1:
        return candidates[0]
    if not candidates and len(levels) == 1:
        return levels[0]  # the grade check then says what is wrong
    row.error("level", "bắt buộc (trường dạy nhiều cấp, không suy ra được cấp từ khối)")
    return ""


# --- per-kind row parsers ----------------------------------------------------------------------


def _school_row(row: _Row, ctx: _Context, seen: dict[str, int]) -> tuple | None:
    code = row["school_code"]
    if not code:
        row.error("school_code", "bắt buộc")
    elif code in seen:
        row.error("school_code", f"trùng mã trường với dòng {seen[code]}")
    elif len(code) > 20:
        row.error("school_code", "dài quá 20 ký tự")
    seen.setdefault(code, row.number)
    name = squash(row["name"])
    if not name:
        row.error("name", "bắt buộc")
    levels: list[str] = []
    for part in row["levels"].replace(";", ",").replace("&", ",").replace("+", ",").split(","):
        if part.strip():
            level = codes.LEVEL_LOOKUP.get(key(part))
            if level is None:
                row.error("levels", f"cấp học không hợp lệ “{part.strip()}”")
            elif level not in levels:
                levels.append(level)
    if not levels and row["levels"] == "":
        row.error("levels", "bắt buộc")
    public = True
    if row["public"]:
        found = codes.PUBLIC_WORDS.get(key(row["public"]))
        if found is None:
            row.error("public", f"cần công lập / tư thục, không phải “{row['public']}”")
        else:
            public = found
    commune_id = _school_commune(row, ctx)
    existing = ctx.schools.get(code)
    if existing and existing.commune_id in ctx.linked:
        commune_id = existing.commune_id  # keep the commune of the other unit tree
    elif existing and existing.commune_id is not None and existing.commune_id != commune_id and (
        existing.commune_id not in ctx.communes.values()
    ):
        row.error("school_code", f"trường “{code}” đã thuộc một xã khác, ngoài phạm vi nhập")
    sites = _int(row, "satellite_sites", maximum=100)
    two = _bool(row, "two_sessions") if row["two_sessions"] else False
    return (code, name, commune_id, levels, public, squash(row["address"]), sites or 0, bool(two))


def _school_commune(row: _Row, ctx: _Context) -> int | None:
    code = row["commune_code"].removesuffix(".0")
    if ctx.unit.kind == "commune":
        if code and code != ctx.unit.code:
            row.error("commune_code", f"mã xã {code} khác xã đang nhập ({ctx.unit.code})")
        return ctx.unit.id
    if not code:
        row.error("commune_code", f"bắt buộc khi nhập cho cả {ctx.unit.name}")
        return None
    commune_id = ctx.communes.get(code)
    if commune_id is None:
        row.error("commune_code", f"mã xã {code} không thuộc {ctx.unit.name} năm {ctx.year}")
    return commune_id


def _class_row(row: _Row, ctx: _Context, seen: dict[tuple[int, str], int]) -> tuple | None:
    school = _school(row, ctx)
    name = squash(row["class_name"])
    if not name:
        row.error("class_name", "bắt buộc")
    combined = _bool(row, "combined")
    two = _bool(row, "two_sessions")
    equipment = _bool(row, "min_equipment")
    pupils = _int(row, "pupils", maximum=200)
    if school is None:
        return None
    if (school.id, name) in seen:
        row.error("class_name", f"trùng tên lớp với dòng {seen[(school.id, name)]}")
    seen.setdefault((school.id, name), row.number)
    if not row["grade"]:
        row.error("grade", "bắt buộc")
        return None
    level = _level(row, school, grade_text=row["grade"])
    grade = _grade(row, level) if level else None
    if grade is None:
        return None
    return (school.id, ctx.year, name, level, grade, bool(combined), squash(row["room"]),
            bool(two), bool(equipment), pupils)


def _teacher_row(row: _Row, ctx: _Context, seen: dict[tuple[int, str], int]) -> tuple | None:
    school = _school(row, ctx)
    full_name = squash(row["full_name"])
    if not full_name:
        row.error("full_name", "bắt buộc")
    role = _code(row, "role", codes.ROLE_LOOKUP, required=True)
    birth, sex = _date(row, "birth_date", ctx.year), _sex(row)
    employment = _code(row, "employment", codes.EMPLOYMENT_LOOKUP)
    rating = _code(row, "rating", codes.RATING_LOOKUP)
    qualification = _code(row, "qualification", codes.QUALIFICATION_LOOKUP)
    if school is None:
        return None
    staff_code = squash(row["staff_code"])
    if staff_code:
        if (school.id, staff_code) in seen:
            row.error("staff_code", f"trùng mã cán bộ với dòng {seen[(school.id, staff_code)]}")
        seen.setdefault((school.id, staff_code), row.number)
    level = ""
    if row["level"]:
        level = _code(row, "level", codes.LEVEL_LOOKUP)
    elif len(school.levels) == 1:
        level = school.levels[0]
    meets: bool | None
    if row["meets_standard"]:
        meets = _bool(row, "meets_standard")
    elif qualification:
        taught = [level] if level else list(school.levels)
        meets = all(codes.meets_training_standard(qualification, lv, ctx.year) for lv in taught)
    else:
        meets = False
        if role == "teacher":
            row.error("qualification", "cần trình độ đào tạo hoặc cột “Đạt chuẩn trình độ đào tạo”")
    return (school.id, ctx.year, staff_code, full_name, birth, sex, role, level, employment,
            qualification, bool(meets), rating, squash(row["subjects"]),
            squash(row["class_name"]))


def _facility_row(row: _Row, ctx: _Context, seen: dict[tuple[int, str, str], int]) -> tuple | None:
    school = _school(row, ctx)
    room_type = _code(row, "room_type", codes.ROOM_LOOKUP, required=True)
    count = _int(row, "count", required=True)
    level = _code(row, "level", codes.LEVEL_LOOKUP) if row["level"] else ""
    if school is None or not room_type:
        return None
    k = (school.id, room_type, level)
    if k in seen:
        row.error("room_type", f"trùng loại phòng với dòng {seen[k]}")
    seen.setdefault(k, row.number)
    return (school.id, ctx.year, room_type, level, count or 0, _area(row, "area"))


def _learner_row(row: _Row, ctx: _Context, seen: dict[str, int]) -> tuple | None:
    school = _school(row, ctx)
    full_name = squash(row["full_name"])
    if not full_name:
        row.error("full_name", "bắt buộc")
    birth = _date(row, "birth_date", ctx.year, required=True)
    pid = _personal_id(row)
    if pid:
        if pid in seen:
            row.error("personal_id", f"trùng số định danh với dòng {seen[pid]}")
        seen.setdefault(pid, row.number)
    home = None
    if row["home_commune"]:
        home = ctx.all_communes.get(row["home_commune"].removesuffix(".0"))
        if home is None:
            row.error("home_commune", f"mã xã “{row['home_commune']}” không có năm {ctx.year}")
    sex = _sex(row)
    completed = _bool(row, "completed")
    if school is None:
        return None
    class_name = squash(row["class_name"])
    known = ctx.classes.get((school.id, class_name)) if class_name else None
    if class_name and known is None:
        row.warn("class_name", f"lớp “{class_name}” chưa có trong danh sách lớp của trường")
    if not row["grade"] and known is None:
        row.error("grade", "bắt buộc (hoặc ghi tên một lớp đã nhập)")
        return None
    if known and not row["level"] and not row["grade"]:
        level, grade = known
    else:
        level = _level(row, school, grade_text=row["grade"] or (known[1] if known else ""))
        if not row["grade"] and known:
            grade = known[1]
        else:
            grade = _grade(row, level) if level else None
        if grade is None:
            return None
        if known and known != (level, grade):
            row.warn("grade", f"khác khối của lớp {class_name} ({known[0]} {known[1]})")
    if completed and (level, grade) not in codes.FINAL_GRADES:
        row.warn("completed", f"khối {grade} không phải khối cuối cấp {level}")
    return (school.id, ctx.year, pid, full_name, name_key(full_name), birth, sex,
            class_name, level, grade, bool(completed), home)


PARSERS: dict[str, Callable[..., tuple | None]] = {
    "schools": _school_row,
    "classes": _class_row,
    "teachers": _teacher_row,
    "facilities": _facility_row,
    "learners": _learner_row,
}


# --- reading and checking a file ----------------------------------------------------------------


def _map_header(kind: str, header: list[str], issues: _Issues) -> dict[str, int]:
    lookup = header_map(kind)
    index: dict[str, int] = {}
    for i, cell in enumerate(header):
        text = squash(str(cell))
        if not text:
            continue
        name = lookup.get(key(text))
        if name is None:
            issues.add(1, text, f"Cột “{text}”: không có trong mẫu nhập {kind}", warning=False)
        elif name in index:
            issues.add(1, text, f"Cột “{text}”: trùng cột {name}", warning=False)
        else:
            index[name] = i
    for col in KINDS[kind]:
        if col.required and col.name not in index:
            issues.add(1, col.name, f"thiếu cột bắt buộc “{col.name}”", warning=False)
    return index


async def _context(kind: str, unit: units.Unit, year: int) -> _Context:
    if unit.kind not in ("commune", "district", "province"):
        raise UserError(f"{unit.code}: cần mã xã, huyện hoặc tỉnh")
    communes = await units.communes_under(unit, year)
    everywhere = await db.pool().fetch(
        f"SELECT u.code, u.id FROM admin_unit u WHERE u.kind = 'commune' AND {units.VALID_SQL}",
        units.reference_date(year),
    )
    schools = await db.pool().fetch("SELECT id, code, commune, levels FROM school")
    ids = [c.id for c in communes]
    linked = await db.pool().fetch(
        "SELECT old_unit, new_unit FROM unit_succession"
        " WHERE old_unit = ANY($1::int[]) OR new_unit = ANY($1::int[])",
        ids,
    )
    ctx = _Context(
        kind=kind,
        year=year,
        unit=unit,
        communes={c.code: c.id for c in communes},
        all_communes={r["code"]: r["id"] for r in everywhere},
        linked=frozenset(u for r in linked for u in r) - set(ids),
        schools={
            r["code"]: SchoolRef(r["id"], r["code"], r["commune"], tuple(r["levels"] or ()))
            for r in schools
        },
    )
    if kind == "learners":
        rows = await db.pool().fetch(
            "SELECT c.school, c.name, c.level, c.grade FROM school_class c JOIN school s"
            " ON s.id = c.school WHERE c.year = $1 AND s.commune = ANY($2::int[])",
            year,
            [*ctx.communes.values(), *ctx.linked],
        )
        ctx.classes = {(r["school"], r["name"]): (r["level"], r["grade"]) for r in rows}
    return ctx


def parse_file(
    kind: str, header: list[str], rows: list[list[str]], ctx: _Context
) -> tuple[list[tuple], _Issues]:
    """Every row checked; the records are only meaningful when there are no errors."""
    issues = _Issues(kind)
    index = _map_header(kind, header, issues)
    if issues.errors:
        return [], issues
    parser = PARSERS[kind]
    seen: dict = {}
    records: list[tuple] = []
    for offset, cells in enumerate(rows):
        if not any(str(c).strip() for c in cells):
            continue
        number = offset + 2
        extra = [c for i, c in enumerate(cells) if i not in index.values() and str(c).strip()]
        if extra:
            issues.add(number, "", f"có dữ liệu ở cột không có tiêu đề: “{extra[0]}”",
                       warning=False)
        values = {name: str(cells[i]).strip() if i < len(cells) else ""
                  for name, i in index.items()}
        record = parser(_Row(number, values, issues), ctx, seen)
        if record is not None:
            records.append(record)
    return records, issues


async def import_file(
    kind: str,
    source: Source,
    filename: str,
    *,
    unit: units.Unit,
    year: int,
    dry_run: bool = False,
    user: CurrentUser | None = None,
) -> ImportResult:
    """Check a file and (unless dry_run or any error) write it in one transaction."""
    if kind not in KINDS:
        raise UserError(f"loại dữ liệu “{kind}” không hợp lệ: {', '.join(KINDS)}")
    units.check_year(year)
    try:
        header, rows = read_table(source, filename)
    except RollFileError as exc:
        raise UserError(str(exc)) from exc
    ctx = await _context(kind, unit, year)
    records, issues = parse_file(kind, header, rows, ctx)
    result = ImportResult(
        kind=kind, unit=unit.code, year=year, dry_run=dry_run,
        rows=sum(1 for r in rows if any(str(c).strip() for c in r)),
        schools=len({r[0] for r in records}),
        errors=issues.errors, warnings=issues.warnings,
    )
    if result.errors or dry_run:
        return result
    async with db.transaction() as conn:
        if kind == "schools":
            await _write_schools(conn, records, result)
        else:
            await _replace_lists(conn, kind, records, year, result)
        await audit.record(
            conn, user, "registry.import", kind, unit.code,
            commune_id=unit.id if unit.kind == "commune" else None, year=year,
            after={"file": Path(filename).name, "rows": result.rows, "inserted": result.inserted,
                   "updated": result.updated, "deleted": result.deleted},
        )
        # Conditions come from the registry: every cached evaluation must be redone.
        await rollup.bump(conn, [rollup.REGISTRY], 0)
    if kind == "schools":
        from surveys.service import forget_schools

        forget_schools()  # roll validation checks school codes against a short-lived cache
    return result


async def _write_schools(
    conn: asyncpg.Connection, records: list[tuple], result: ImportResult
) -> None:
    """Upsert by code; a school whose row is unchanged is not touched."""
    columns = ["code", "name", "commune", "levels", "public", "address", "satellite_sites",
               "two_sessions"]
    cols = ", ".join(columns)
    await conn.execute(
        f"CREATE TEMP TABLE school_stage ON COMMIT DROP AS SELECT {cols} FROM school WITH NO DATA"
    )
    await conn.copy_records_to_table("school_stage", records=records, columns=columns)
    excluded = ", ".join(f"EXCLUDED.{c}" for c in columns[1:])
    current = ", ".join(f"school.{c}" for c in columns[1:])
    rows = await conn.fetch(
        f"INSERT INTO school ({cols}) SELECT {cols} FROM school_stage ON CONFLICT (code) DO UPDATE"
        f" SET ({', '.join(columns[1:])}) = ROW({excluded})"
        f" WHERE ({current}) IS DISTINCT FROM ({excluded}) RETURNING (xmax = 0) AS inserted"
    )
    result.inserted = sum(1 for r in rows if r["inserted"])
    result.updated = len(rows) - result.inserted


async def _replace_lists(
    conn: asyncpg.Connection, kind: str, records: list[tuple], year: int, result: ImportResult
) -> None:
    """Replace the year's rows of each school whose list in the file differs from the stored one."""
    table, columns = TABLES[kind]
    cols = ", ".join(columns)
    await conn.execute(
        f"CREATE TEMP TABLE registry_stage ON COMMIT DROP AS SELECT {cols} FROM {table}"
        " WITH NO DATA"
    )
    await conn.copy_records_to_table("registry_stage", records=records, columns=list(columns))
    schools = sorted({r[0] for r in records})
    changed = [
        r["school"]
        for r in await conn.fetch(
            f"SELECT DISTINCT school FROM ((SELECT {cols} FROM registry_stage EXCEPT ALL"
            f" SELECT {cols} FROM {table} WHERE year = $1 AND school = ANY($2::int[]))"
            f" UNION ALL (SELECT {cols} FROM {table} WHERE year = $1 AND school = ANY($2::int[])"
            f" EXCEPT ALL SELECT {cols} FROM registry_stage)) d",
            year,
            schools,
        )
    ]
    result.unchanged_schools = len(schools) - len(changed)
    if not changed:
        return
    deleted = await conn.execute(
        f"DELETE FROM {table} WHERE year = $1 AND school = ANY($2::int[])", year, changed
    )
    inserted = await conn.execute(
        f"INSERT INTO {table} ({cols}) SELECT {cols} FROM registry_stage"
        " WHERE school = ANY($1::int[])",
        changed,
    )
    result.deleted = int(deleted.split()[-1])
    result.inserted = int(inserted.split()[-1])
    if result.inserted >= 10_000:  # a big list: keep the planner's statistics honest
        await conn.execute(f"ANALYZE {table}")
