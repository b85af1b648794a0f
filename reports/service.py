"""Loading a unit's form data, building its forms and writing them (files, zip).

`load` reads everything a form set needs in a few queries (stored counts, the splits of
`reports.counts`, the evaluation, the registry) into a `FormData`; the builders in
`reports.forms` are pure functions of it; `reports.xlsx` writes their cell models.
"""

from __future__ import annotations

import asyncio
import io
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pcgd import db
from pcgd.compliance import service as compliance
from pcgd.registry.codes import CLASSROOM_TYPES, COUNTED_CLASSROOMS, meets_training_standard
from pcgd.standards import load_rules
from pcgd.units import service as units
from reports import checks
from reports import counts as form_counts
from reports.data import KIND_TOTAL, Area, FormData, SchoolFacts
from reports.model import Form
from reports.xlsx import form_bytes, write_form
from surveys.rollup import sql as rollup_sql

Progress = Callable[[int, int], None]  # (done, total)

STORED = tuple(rollup_sql.COLUMNS)
NAMES: dict[str, int] = {
    n: i for i, n in enumerate((*STORED, *form_counts.RESIDENT_NAMES,
                                 *form_counts.INCOMING_NAMES))
}
HAMLET_NAMES: dict[str, int] = {n: i for i, n in enumerate(form_counts.HAMLET_NAMES)}


def _short(name: str) -> str:
    for prefix in ("Thành phố ", "Tỉnh ", "Huyện ", "Quận ", "Thị xã ", "Xã ", "Phường ",
                   "Thị trấn ", "Đặc khu "):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


async def _stored(commune_ids: list[int], year: int) -> dict[int, np.ndarray]:
    cols = ", ".join(STORED)
    rows = await db.pool().fetch(
        f"SELECT commune, age, {cols} FROM commune_age_count"
        " WHERE commune = ANY($1::int[]) AND year = $2", commune_ids, year,
    )
    out: dict[int, np.ndarray] = {
        c: np.zeros((form_counts.AGES, len(STORED)), dtype=np.int64) for c in commune_ids
    }
    for r in rows:
        out[r[0]][r[1]] = r[2:]
    return out


async def _commune_matrices(commune_ids: list[int], year: int, twins: bool
                            ) -> dict[int, np.ndarray]:
    """Each commune's AGES × NAMES matrix: stored counts, residents' splits, incoming pupils."""
    stored = await _stored(commune_ids, year)
    resident = await form_counts.resident_counts(commune_ids, year, twins=twins)
    incoming = await form_counts.incoming_counts(commune_ids, year)
    return {c: np.hstack((stored[c], resident[c], incoming[c])) for c in commune_ids}


def _sum(mats: dict[int, np.ndarray], ids: Iterable[int]) -> np.ndarray:
    out = np.zeros((form_counts.AGES, len(NAMES)), dtype=np.int64)
    for c in ids:
        out += mats[c]
    return out


async def load(unit: units.Unit, year: int, *, policy: str | None = None) -> FormData:
    """The form data of a commune, district or province for a survey year."""
    communes = await units.communes_under(unit, year)
    ids = [c.id for c in communes]
    evaluation = await compliance.evaluate_unit(unit, year, policy=policy, with_children=True)
    children = {r["unit"]["code"]: r for r in evaluation.pop("children", [])}
    chosen = load_rules().resolve_policy("disabled_excluded", policy)
    mats = await _commune_matrices(ids, year, twins=chosen == "unable_only")
    flags = await units.dbkk_flags(ids, year)
    chain = await units.ancestors(unit)
    province = next((u for u in [unit, *chain] if u.kind == "province"), unit)
    district = next((u for u in [unit, *chain] if u.kind == "district"), None)

    total = Area(unit.code, unit.name, unit.kind,
                 KIND_TOTAL[unit.kind] if unit.kind != "commune" else unit.name,
                 _sum(mats, ids), evaluation, bool(evaluation.get("dbkk")), tuple(ids))
    parts: list[Area] = []
    school_area: dict[str, str] = {}
    if unit.kind == "province" and units.tier_of(year) == 3:
        districts = await units.list_units(year, parent=unit, kind="district")
        by_district: dict[int | None, list[int]] = defaultdict(list)
        for c in communes:
            by_district[c.parent_id].append(c.id)
        for d in districts:
            mine = by_district.get(d.id, [])
            res = children.get(d.code)
            parts.append(Area(d.code, d.name, "district", d.name, _sum(mats, mine), res,
                              bool(res and res.get("dbkk")), tuple(mine)))
    elif unit.kind != "commune":
        for c in communes:
            res = children.get(c.code)
            parts.append(Area(c.code, c.name, "commune", c.name, mats[c.id], res,
                              flags.get(c.id, False), (c.id,)))
    hamlets: list[Area] = []
    if unit.kind == "commune":
        hamlets = await _hamlet_areas(unit, year)
    schools = await _schools(ids, year)
    for s in schools:
        part = next((p for p in parts if s.commune_id in p.commune_ids), total)
        school_area[s.code] = part.code
    return FormData(
        year=year, unit_code=unit.code, unit_name=unit.name, unit_kind=unit.kind,
        province_name=province.name, district_name=district.name if district else "",
        tier=units.tier_of(year), policy=chosen, names=NAMES, total=total, parts=parts,
        hamlets=hamlets, schools=schools, school_area=school_area, bands=form_counts.BANDS,
    )


async def _hamlet_areas(commune: units.Unit, year: int) -> list[Area]:
    mats = await form_counts.hamlet_counts(commune.id, year)
    rows = await db.pool().fetch(
        "SELECT DISTINCT m.id, m.name FROM hamlet m JOIN household h ON h.hamlet = m.id"
        " WHERE h.commune = $1 AND h.year = $2", commune.id, year,
    )
    from pcgd.common.vnsort import text_key

    ordered = sorted(rows, key=lambda r: text_key(r["name"]))
    empty = np.zeros((form_counts.AGES, len(HAMLET_NAMES)), dtype=np.int64)
    return [
        Area(str(r["id"]), r["name"], "hamlet", r["name"], mats.get(r["id"], empty),
             names=HAMLET_NAMES, bands=form_counts.HAMLET_BANDS, commune_ids=(commune.id,))
        for r in ordered
    ]


# --- registry facts per school -------------------------------------------------------------

LEVELS = ("MN", "TH", "THCS")
_SUBJECT_WORDS: dict[str, tuple[str, ...]] = {
    "music": ("âm nhạc",), "art": ("mĩ thuật", "mỹ thuật"), "pe": ("thể dục", "thể chất"),
    "it": ("tin học",), "english": ("tiếng anh",), "russian": ("tiếng nga",),
    "french": ("tiếng pháp",), "math": ("toán",), "literature": ("ngữ văn", "văn"),
    "physics": ("vật lí", "vật lý"), "chemistry": ("hóa", "hoá"), "biology": ("sinh",),
    "science": ("khoa học tự nhiên", "khtn"), "history": ("lịch sử",), "geography": ("địa lí",
                                                                                   "địa lý"),
    "civics": ("giáo dục công dân", "gdcd"), "technology": ("công nghệ",),
}


def subject_key(subjects: str) -> str:
    """The training-field column of a teacher (first subject named), '' for a class teacher."""
    text = subjects.lower()
    if not text.strip():
        return ""
    if "lịch sử" in text and "địa" in text:
        return "history_geography"
    for key, words in _SUBJECT_WORDS.items():
        if any(w in text for w in words):
            return key
    return "other"


async def _schools(commune_ids: list[int], year: int) -> list[SchoolFacts]:
    pool = db.pool()
    rows = await pool.fetch(
        "SELECT id, code, name, commune, levels, satellite_sites FROM school"
        " WHERE commune = ANY($1::int[]) ORDER BY commune, code", commune_ids,
    )
    schools = {r["id"]: SchoolFacts(r["code"], r["name"], r["commune"], tuple(r["levels"] or ()),
                                    1 + (r["satellite_sites"] or 0)) for r in rows}
    if not schools:
        return []
    ids = list(schools)
    classes = await pool.fetch(
        "SELECT school, level, grade, count(*) AS n, count(*) FILTER (WHERE combined) AS combined,"
        " count(*) FILTER (WHERE two_sessions) AS two, count(*) FILTER (WHERE min_equipment)"
        " AS equipped, coalesce(sum(pupils), 0) AS pupils FROM school_class"
        " WHERE school = ANY($1::int[]) AND year = $2 GROUP BY 1, 2, 3", ids, year,
    )
    for r in classes:
        f = schools[r["school"]].facts
        lv = "THCS" if r["level"] == "GDTX" and r["grade"] in ("6", "7", "8", "9") else r["level"]
        for key, value in (("classes", r["n"]), ("combined", r["combined"]),
                           ("two_sessions", r["two"]), ("equipped", r["equipped"]),
                           ("pupils", r["pupils"])):
            f[f"{key}_{lv}"] = f.get(f"{key}_{lv}", 0) + value
            f[f"{key}_{lv}_{r['grade']}"] = f.get(f"{key}_{lv}_{r['grade']}", 0) + value
    # Staff counted by every attribute the forms split on (a few hundred rows per province).
    staff = await pool.fetch(
        "SELECT t.school, t.role, t.level, t.employment, t.qualification, t.meets_standard,"
        " t.rating, t.sex, t.subjects, CASE WHEN c.level = 'MN' AND c.grade = '5' THEN '5'"
        " WHEN c.level = 'MN' AND c.grade IN ('3', '4') THEN '34' ELSE '' END AS mn_group,"
        " count(*) AS n"
        " FROM school_staff t LEFT JOIN school_class c ON c.school = t.school"
        " AND c.year = t.year AND c.name = t.class_name AND t.class_name <> ''"
        " WHERE t.school = ANY($1::int[]) AND t.year = $2 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10",
        ids, year,
    )
    for r in staff:
        school = schools[r["school"]]
        f = school.facts
        level = r["level"] or (school.levels[0] if school.levels else "")
        if level:
            _add_staff(f, level, r, year)
        if r["role"] == "teacher" and level == "MN" and r["mn_group"]:
            _add_teacher(f, f"MN{r['mn_group']}", r, year, "MN")
    rooms = await pool.fetch(
        "SELECT school, level, room_type, sum(count) AS n, coalesce(sum(area), 0) AS area"
        " FROM school_facility WHERE school = ANY($1::int[]) AND year = $2 GROUP BY 1, 2, 3",
        ids, year,
    )
    for r in rooms:
        f = schools[r["school"]].facts
        tag = f"_{r['level']}" if r["level"] else ""
        f[f"rooms_{r['room_type']}{tag}"] = f.get(f"rooms_{r['room_type']}{tag}", 0) + r["n"]
        f[f"area_{r['room_type']}{tag}"] = f.get(f"area_{r['room_type']}{tag}", 0) + float(
            r["area"])
        f["has_facilities"] = 1
    for s in schools.values():
        _room_shares(s)
    return list(schools.values())


def _add_staff(f: dict[str, float], lv: str, r: Any, year: int) -> None:
    """Add a group of `r["n"]` staff members alike to a school's figures."""
    n = r["n"]
    role = r["role"]

    def bump(name: str) -> None:
        f[f"{lv}_{name}"] = f.get(f"{lv}_{name}", 0) + n

    key = {"principal": "principal", "vice_principal": "vice", "staff": "staff"}.get(role)
    if key is None and role != "teacher":
        return
    bump("all")
    if r["employment"] == "contract":
        bump("all_contract")
    if key:
        bump(key)
        return
    _add_teacher(f, lv, r, year, lv)
    bump(f"subject_{subject_key(r['subjects'] or '') or 'class'}")


def _add_teacher(f: dict[str, float], key: str, r: Any, year: int, level: str) -> None:
    n = r["n"]

    def bump(name: str) -> None:
        f[f"{key}_{name}"] = f.get(f"{key}_{name}", 0) + n

    bump("teachers")
    bump("permanent" if r["employment"] != "contract" else "contract")
    if r["sex"] == "F":
        bump("female")
    bump(f"q_{r['qualification'] or 'other'}")
    if r["meets_standard"]:
        bump("trained")
        if _above_standard(r["qualification"], level, year):
            bump("above")
    if r["rating"]:
        bump(f"rating_{r['rating']}")
        if r["rating"] in ("excellent", "good", "pass"):
            bump("rated")


_RANKS = ("other", "intermediate", "college", "university", "postgrad")


def _one_below(qualification: str) -> str:
    i = _RANKS.index(qualification) if qualification in _RANKS else 0
    return _RANKS[max(0, i - 1)]


def _above_standard(qualification: str, level: str, year: int) -> bool:
    """Trained above the standard: the qualification one rank lower would still meet it."""
    return (qualification in _RANKS and meets_training_standard(qualification, level, year)
            and meets_training_standard(_one_below(qualification), level, year))


def _room_shares(s: SchoolFacts) -> None:
    """Classrooms per level as the TT 07 conditions measure them: rooms tagged for the level
    plus its share (by classes) of the school's untagged rooms; temporary rooms apart."""
    f = s.facts
    total_classes = sum(f.get(f"classes_{lv}", 0) for lv in ("MN", "TH", "THCS", "THPT",
                                                              "GDTX", "GDNN"))
    for lv in LEVELS:
        classes = f.get(f"classes_{lv}", 0)
        share = classes / total_classes if total_classes else 0
        for kind in CLASSROOM_TYPES:
            value = f.get(f"rooms_{kind}_{lv}", 0) + f.get(f"rooms_{kind}", 0) * share
            f[f"{lv}_rooms_{kind}"] = value
        f[f"{lv}_rooms_counted"] = sum(f[f"{lv}_rooms_{k}"] for k in COUNTED_CLASSROOMS)
    mn_rooms = f["MN_rooms_counted"]
    f["MN_rooms_5"] = min(mn_rooms, f.get("classes_MN_5", 0))


# --- building and writing --------------------------------------------------------------------


@dataclass
class FormSet:
    """A unit's built forms with the cross-form checks run on them."""

    data: FormData
    forms: list[Form]
    findings: list[checks.Finding]

    @property
    def disagreements(self) -> list[checks.Finding]:
        return checks.disagreements(self.findings)

    def checks_form(self) -> Form:
        return checks.as_form(self.findings, self.data.total.label
                              if self.data.unit_kind != "commune" else self.data.unit_name,
                              self.data.year)


def build_set(data: FormData, only: str | None = None,
              progress: Progress | None = None) -> FormSet:
    """Build the forms (all, or the one named) and run the checks: pure CPU work."""
    from reports.forms import catalogue

    specs = catalogue.specs(data, only)
    forms = []
    for i, spec in enumerate(specs):
        forms.append(spec.build(data))
        if progress:
            progress(i + 1, len(specs))
    return FormSet(data, forms, checks.run(forms))


async def form_set(unit: units.Unit, year: int, *, only: str | None = None,
                   progress: Progress | None = None) -> FormSet:
    """Load and build (the build in a worker thread: it is CPU-bound)."""
    data = await load(unit, year)
    return await asyncio.to_thread(build_set, data, only, progress)


def write_files(fs: FormSet, out_dir: Path, *, with_checks: bool = True,
                progress: Progress | None = None) -> list[dict[str, str]]:
    """Write every form (and the checks workbook) into out_dir: [{form, path}]."""
    out_dir.mkdir(parents=True, exist_ok=True)
    forms = [*fs.forms, *([fs.checks_form()] if with_checks else [])]
    files = []
    for i, form in enumerate(forms):
        path = out_dir / form.file_name
        write_form(form, path)
        files.append({"form": form.code, "path": str(path)})
        if progress:
            progress(i + 1, len(forms))
    return files


def zip_bytes(fs: FormSet) -> bytes:
    """Every form and the checks workbook in one .zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for form in [*fs.forms, fs.checks_form()]:
            zf.writestr(form.file_name, form_bytes(form))
    return buffer.getvalue()
