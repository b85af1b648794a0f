"""TT 07/2016 conditions per commune and year, measured on the registry (standards.md §4).

Thresholds come from the rule book (`pcgd/standards/rules.toml`), so a change of rule set needs
no code; comparisons are exact (Fractions). The equipment kit of 5-year-old classes is not in the
rule book: it is checked here and handed to the engine as a `passed` flag.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from pcgd import db
from pcgd.common.vn import fmt_int, fmt_num
from pcgd.registry.codes import COUNTED_CLASSROOMS
from pcgd.standards import Condition, load_rules
from pcgd.standards.evaluator import round2
from pcgd.standards.model import ConditionRule
from pcgd.standards.rules import num

#: standard → the registry level measured for it (mn5 looks at the 5-year-old classes only)
STANDARD_LEVEL = {"mn5": "MN", "th": "TH", "thcs": "THCS"}
NO_CONDITIONS = ("xmc", "mn35")
EQUIPMENT_ID = "mn5.equipment_kit"
EQUIPMENT_THRESHOLD = Fraction(100)
STANDARD_LABELS = {
    "mn5": "Phổ cập GD mầm non cho trẻ 5 tuổi",
    "th": "Phổ cập giáo dục tiểu học",
    "thcs": "Phổ cập giáo dục THCS",
    "xmc": "Xóa mù chữ",
    "mn35": "Phổ cập GD mầm non 3–5 tuổi",
}
CONDITION_LABELS = {
    "mn5.rooms_per_class": "Phòng học / lớp mẫu giáo 5 tuổi",
    "mn5.teachers_trained": "Giáo viên lớp 5 tuổi đạt chuẩn trình độ đào tạo (%)",
    EQUIPMENT_ID: "Lớp 5 tuổi đủ đồ dùng, đồ chơi, thiết bị tối thiểu (%)",
    "th.rooms_per_class": "Phòng học / lớp (tiểu học)",
    "th.teachers_trained": "Giáo viên tiểu học đạt chuẩn trình độ đào tạo (%)",
    "thcs.rooms_per_class": "Phòng học / lớp (THCS)",
    "thcs.teachers_trained": "Giáo viên THCS đạt chuẩn trình độ đào tạo (%)",
}


@dataclass
class _School:
    code: str
    levels: tuple[str, ...]
    classes: dict[str, int] = field(default_factory=dict)  # level → classes
    mn5: int = 0
    mn5_equipped: int = 0
    rooms: dict[str, int] = field(default_factory=dict)  # facility level ('' = all) → rooms
    has_facilities: bool = False

    @property
    def all_classes(self) -> int:
        return sum(self.classes.values())

    def rooms_for(self, level: str) -> Fraction:
        """Rooms tagged for the level plus its share (by classes) of the untagged rooms."""
        tagged = Fraction(self.rooms.get(level, 0))
        untagged = self.rooms.get("", 0)
        total = self.all_classes
        share = Fraction(untagged * self.classes.get(level, 0), total) if total else Fraction(0)
        return tagged + share

    def rooms_mn5(self) -> Fraction:
        """5-year-old classes get the preschool's rooms first (they are the universal grade)."""
        return min(self.rooms_for("MN"), Fraction(self.mn5))


@dataclass
class _Teachers:
    total: int = 0
    trained: int = 0

    def add(self, total: int, trained: int) -> None:
        self.total += total
        self.trained += trained


async def commune_conditions(commune_ids: list[int], year: int) -> dict[int, dict[str, list[dict]]]:
    """Per commune, per standard: `{id, passed, value, threshold, note, numerator, denominator}`.

    `passed` is None when the registry has nothing for that level in the commune.
    """
    schools = await _schools(commune_ids, year)
    teachers = await _teachers(commune_ids, year, schools)
    rules = {c.id: c for c in load_rules().conditions}
    out: dict[int, dict[str, list[dict]]] = {}
    for commune in commune_ids:
        mine = [s for (c, _), s in schools.items() if c == commune]
        result: dict[str, list[dict]] = {std: [] for std in (*STANDARD_LEVEL, *NO_CONDITIONS)}
        for std in STANDARD_LEVEL:
            result[std].append(_rooms_row(std, mine, rules[f"{std}.rooms_per_class"]))
            result[std].append(
                _teachers_row(std, teachers.get((commune, std)), rules[f"{std}.teachers_trained"])
            )
        result["mn5"].append(_equipment_row(mine))
        out[commune] = result
    return out


async def engine_conditions(
    commune_ids: list[int], year: int
) -> dict[int, dict[str, list[Condition]]]:
    """The same measurements as `pcgd.standards.Condition`s for `evaluate_commune(conditions=)`."""
    measured = await commune_conditions(commune_ids, year)
    return {c: {std: as_engine(rows) for std, rows in by_std.items()}
            for c, by_std in measured.items()}


def as_engine(rows: Iterable[dict[str, Any]]) -> list[Condition]:
    """Rule-book conditions go as numerator/denominator (the engine compares), others as passed."""
    known = {c.id for c in load_rules().conditions}
    out = []
    for r in rows:
        if r["id"] in known and r["denominator"]:
            out.append(Condition(r["id"], numerator=r["numerator"],
                                 denominator=r["denominator"], note=r["note"]))
        else:
            out.append(Condition(r["id"], passed=r["passed"], note=r["note"]))
    return out


# --- measurements -------------------------------------------------------------------------------


def _row(cid: str, kind: str, threshold: Fraction, num_: Fraction | int | None, den: int,
         note: str) -> dict[str, Any]:
    if num_ is None or den == 0:
        return {"id": cid, "passed": None, "value": None, "threshold": num(threshold),
                "note": note, "numerator": None, "denominator": None}
    value = Fraction(num_) / den
    scale = 100 if kind == "percent" else 1
    passed = value * scale >= threshold
    n, d = (int(num_), den) if Fraction(num_).denominator == 1 else (
        value.numerator, value.denominator)
    return {"id": cid, "passed": passed, "value": round2(value * scale),
            "threshold": num(threshold), "note": note, "numerator": n, "denominator": d}


def _rooms_row(std: str, schools: list[_School], rule: ConditionRule) -> dict[str, Any]:
    level = STANDARD_LEVEL[std]
    what = "lớp mẫu giáo 5 tuổi" if std == "mn5" else f"lớp {level}"
    teaching = [s for s in schools if (s.mn5 if std == "mn5" else s.classes.get(level, 0))]
    if not teaching:
        return _row(rule.id, rule.kind, rule.threshold, None, 0, f"chưa có dữ liệu {what}")
    if not any(s.has_facilities for s in teaching):
        return _row(rule.id, rule.kind, rule.threshold, None, 0, "chưa có dữ liệu phòng học")
    rooms = sum((s.rooms_mn5() if std == "mn5" else s.rooms_for(level) for s in teaching),
                Fraction(0))
    classes = sum(s.mn5 if std == "mn5" else s.classes[level] for s in teaching)
    missing = [s.code for s in teaching if not s.has_facilities]
    note = f"{fmt_num(round2(rooms))} phòng học / {fmt_int(classes)} {what}"
    if missing:
        note += f"; chưa khai báo phòng học: {', '.join(missing)} (tính 0 phòng)"
    return _row(rule.id, rule.kind, rule.threshold, rooms, classes, note)


def _teachers_row(std: str, t: _Teachers | None, rule: ConditionRule) -> dict[str, Any]:
    if t is None or t.total == 0:
        return _row(rule.id, rule.kind, rule.threshold, None, 0, "chưa có dữ liệu giáo viên")
    note = f"{fmt_int(t.trained)}/{fmt_int(t.total)} giáo viên đạt chuẩn trình độ đào tạo"
    return _row(rule.id, rule.kind, rule.threshold, t.trained, t.total, note)


def _equipment_row(schools: list[_School]) -> dict[str, Any]:
    classes = sum(s.mn5 for s in schools)
    equipped = sum(s.mn5_equipped for s in schools)
    note = (f"{fmt_int(equipped)}/{fmt_int(classes)} lớp 5 tuổi đủ thiết bị, đồ chơi tối thiểu"
            if classes
            else "chưa có dữ liệu lớp mẫu giáo 5 tuổi")
    return _row(EQUIPMENT_ID, "percent", EQUIPMENT_THRESHOLD, equipped if classes else None,
                classes, note)


# --- queries ------------------------------------------------------------------------------------


async def _schools(commune_ids: list[int], year: int) -> dict[tuple[int, int], _School]:
    pool = db.pool()
    rows = await pool.fetch(
        "SELECT s.id, s.code, s.commune, s.levels, c.level, count(c.id) AS classes,"
        " count(c.id) FILTER (WHERE c.level = 'MN' AND c.grade = '5') AS mn5,"
        " count(c.id) FILTER (WHERE c.level = 'MN' AND c.grade = '5' AND c.min_equipment)"
        "  AS mn5_equipped"
        " FROM school s LEFT JOIN school_class c ON c.school = s.id AND c.year = $2"
        " WHERE s.commune = ANY($1::int[]) GROUP BY s.id, c.level",
        commune_ids,
        year,
    )
    schools: dict[tuple[int, int], _School] = {}
    for r in rows:
        s = schools.setdefault(
            (r["commune"], r["id"]), _School(r["code"], tuple(r["levels"] or ()))
        )
        if r["level"] is not None:
            s.classes[r["level"]] = r["classes"]
            s.mn5 += r["mn5"]
            s.mn5_equipped += r["mn5_equipped"]
    rooms = await pool.fetch(
        "SELECT s.commune, f.school, f.level,"
        " coalesce(sum(f.count) FILTER (WHERE f.room_type = ANY($3::text[])), 0) AS rooms"
        " FROM school_facility f JOIN school s ON s.id = f.school"
        " WHERE s.commune = ANY($1::int[]) AND f.year = $2 GROUP BY 1, 2, 3",
        commune_ids,
        year,
        list(COUNTED_CLASSROOMS),
    )
    for r in rooms:
        s = schools[(r["commune"], r["school"])]
        s.has_facilities = True
        s.rooms[r["level"]] = s.rooms.get(r["level"], 0) + int(r["rooms"])
    return schools


async def _teachers(
    commune_ids: list[int], year: int, schools: dict[tuple[int, int], _School]
) -> dict[tuple[int, str], _Teachers]:
    """Teachers per (commune, standard); a teacher with no level counts for each of the school's.

    mn5 counts the teachers in charge of a 5-year-old class; when no teacher of the commune is
    linked to one, it counts every preschool teacher of the schools that have such classes.
    """
    rows = await db.pool().fetch(
        "SELECT s.commune, t.school, t.level, (c.level = 'MN' AND c.grade = '5') IS TRUE AS mn5,"
        " count(*) AS total, count(*) FILTER (WHERE t.meets_standard) AS trained"
        " FROM school_staff t JOIN school s ON s.id = t.school"
        " LEFT JOIN school_class c ON c.school = t.school AND c.year = t.year"
        "  AND c.name = t.class_name AND t.class_name <> ''"
        " WHERE s.commune = ANY($1::int[]) AND t.year = $2 AND t.role = 'teacher'"
        " GROUP BY 1, 2, 3, 4",
        commune_ids,
        year,
    )
    out: dict[tuple[int, str], _Teachers] = defaultdict(_Teachers)
    linked: dict[int, _Teachers] = defaultdict(_Teachers)
    preschool: dict[int, _Teachers] = defaultdict(_Teachers)
    for r in rows:
        school = schools.get((r["commune"], r["school"]))
        levels = [r["level"]] if r["level"] else list(school.levels if school else ())
        for std, level in STANDARD_LEVEL.items():
            if level not in levels:
                continue
            if std != "mn5":
                out[(r["commune"], std)].add(r["total"], r["trained"])
            elif r["mn5"]:
                linked[r["commune"]].add(r["total"], r["trained"])
            elif school is not None and school.mn5:
                preschool[r["commune"]].add(r["total"], r["trained"])
    for commune in commune_ids:
        chosen = linked.get(commune) or preschool.get(commune)
        if chosen:
            out[(commune, "mn5")] = chosen
    return dict(out)
