"""The compliance board: the §7 evaluation as a printable Vietnamese page, with drill-down.

The pages only render what `service.evaluate_unit` / `service.shortfall_people` return; the
view model below adds labels, bands and sources from the rule book so the template stays dumb.
Every page checks the user's scope first (403 page otherwise).
"""

from __future__ import annotations

import importlib
import re
from datetime import date
from typing import Any

from litestar import Controller, get
from litestar.response import Template

from pcgd.accounts.scope import require_unit
from pcgd.accounts.service import CurrentUser
from pcgd.accounts.years import default_year
from pcgd.common.vn import fmt_num
from pcgd.compliance import service
from pcgd.registry.conditions import CONDITION_LABELS
from pcgd.standards import RuleBook, load_rules
from pcgd.units import service as units
from pcgd.web.security import login_required

KIND_VI = {"province": "Tỉnh", "district": "Huyện", "commune": "Xã"}
KIND_PLURAL_VI = {"province": "tỉnh", "district": "huyện", "commune": "xã"}
SHORT_VI = {"mn5": "MN 5 tuổi", "th": "Tiểu học", "thcs": "THCS", "xmc": "XMC",
            "mn35": "MN 3–5 tuổi"}
PROFILE_VI = {
    "nd20-3tier": "NĐ 20/2014, ba cấp: tỉnh ← huyện ← xã (năm điều tra đến 2024)",
    "nd20-2tier": "NĐ 20/2014 trên mô hình hai cấp: tỉnh ← xã (từ năm điều tra 2025)",
}
LEVEL_NAMES = {"TH": "tiểu học", "THCS": "THCS", "THPT": "THPT", "GDTX_THCS": "GDTX cấp THCS",
               "GDTX_THPT": "GDTX cấp THPT", "GDNN": "GDNN", "MN": "mầm non"}

# What a person behind a shortfall lacks, per numerator metric ({hgc}: highest grade completed).
LACKS_VI = {
    "mn_attending": "chưa đến lớp mầm non hoặc tiểu học",
    "mn_enrolled": "chưa học mầm non",
    "mn_completed": "chưa hoàn thành chương trình giáo dục mầm non",
    "grade1_plus": "chưa vào học lớp 1",
    "th_completed": "chưa hoàn thành chương trình tiểu học (đã xong lớp {hgc})",
    "th_completed_or_enrolled": "chưa hoàn thành tiểu học và không còn học tiểu học"
    " (đã xong lớp {hgc})",
    "lit1": "chưa đạt chuẩn biết chữ mức độ 1 (đã xong lớp {hgc})",
    "lit2": "chưa đạt chuẩn biết chữ mức độ 2 (đã xong lớp {hgc})",
    "thcs_graduated": "chưa tốt nghiệp THCS (đã xong lớp {hgc})",
    "studying": "không học CT GDPT, GDTX cấp THPT hay GDNN và chưa tốt nghiệp THPT",
    "mn_group_ge3": "chưa hoàn thành chương trình lớp mầm non 3 tuổi",
    "mn_group_ge4": "chưa hoàn thành chương trình lớp mầm non 4 tuổi",
    "mn_group_ge5": "chưa hoàn thành chương trình lớp mầm non 5 tuổi",
}

_SHARE_ID = re.compile(r"^(?P<std>\w+)\.share_l(?P<level>\d+)(?P<group>_ordinary|_dbkk)?$")
_NOTES_VI: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^band (\S+) is empty.*"), "độ tuổi {0} không có ai phải phổ cập: coi là đạt"),
    (re.compile(r"^no data for this year.*"), "chưa có dữ liệu điều tra năm này: mức 0"),
    (re.compile(r"^no lower unit has data.*"), "chưa đơn vị cấp dưới nào có dữ liệu: mức 0"),
    (re.compile(r"^numerator exceeds the PPC.*"), "tử số lớn hơn số phải phổ cập: kiểm tra lại"),
    (re.compile(r"^(\d+) of (\d+) (\w+)s have no data.*"),
     "{0}/{1} đơn vị cấp dưới chưa có dữ liệu (tính là chưa đạt)"),
    (re.compile(r"^no (ordinary |ĐBKK )?\w+s: passes$"),
     "không có đơn vị nào trong nhóm: coi là đạt"),
    (re.compile(r"^no registry data$"), "chưa có dữ liệu trường lớp"),
]


def note_vi(note: str) -> str:
    """The engine's English notes in Vietnamese (unknown notes are shown as they are)."""
    for pattern, text in _NOTES_VI:
        m = pattern.match(note)
        if m:
            return text.format(*m.groups())
    return note


_LEGAL_REF = re.compile(r"^((?:NĐ|TT|QĐ|Luật|Nghị định|Thông tư)\s[^:;\[]+?)\s*(?:[:;\[]|$)")


def source_vi(source: str) -> str:
    """Where a threshold comes from, for people: the legal reference, never the English notes
    the rule book keeps for maintainers ("text not found", "[T] …")."""
    m = _LEGAL_REF.match(source.strip())
    ref = f"Căn cứ {m.group(1).strip()}" if m else "Nguồn thứ ba (chưa có văn bản chính thức)"
    if m and re.search(r"not found|UNVERIFIED|\[T\]", source):
        ref += " (chưa đối chiếu được nguyên văn; ngưỡng theo nguồn thứ ba)"
    return ref


def vn_number(value: float | int | None, decimals: int | None = None) -> str:
    """A number the Vietnamese way (pcgd.common.vn): 50,00 with decimals, else 0,7 · 1.234."""
    if value is None:
        return "—"
    if decimals is not None:
        return fmt_num(value, decimals, trim=False)
    return fmt_num(value)


def band_text(band: tuple[int, int]) -> str:
    return str(band[0]) if band[0] == band[1] else f"{band[0]}–{band[1]}"


def survey_years() -> list[int]:
    return list(range(units.FIRST_SURVEY_YEAR, date.today().year + 2))


# --- view model -------------------------------------------------------------------------------


def _numbers(row: dict[str, Any]) -> dict[str, str]:
    rate = "—" if row["rate"] is None else vn_number(row["rate"], 2) + "%"
    return {"rate_text": rate, "threshold_text": vn_number(row["threshold"]) + "%"}


def _commune_row(row: dict[str, Any], book: RuleBook, dbkk: bool) -> dict[str, Any]:
    rule = next(c for c in book.criterion(row["id"]) if c.level == row["level"])
    return {
        **row,
        "label": rule.label_vi,
        "band": band_text(rule.band_for(dbkk)),
        "source": source_vi(rule.source),
        "unit_word": "người",
        "note_vi": note_vi(row["note"]),
        **_numbers(row),
    }


def _share_row(
    row: dict[str, Any], book: RuleBook, year: int, tier: str
) -> dict[str, Any]:
    m = _SHARE_ID.match(row["id"])
    children = book.profile_for(year).tier(tier).children
    word = KIND_PLURAL_VI.get(children, children)
    std, level, group = (m["std"], int(m["level"]), m["group"]) if m else ("", row["level"], None)
    rule = next(
        (r for r in book.profile_for(year).tier(tier).rules_for(std) if r.level == level), None
    )
    label = f"Tỷ lệ {word} được công nhận đạt chuẩn mức độ {level}"
    if group == "_ordinary":
        label += f" ({word} thường)"
    elif group == "_dbkk":
        label += f" ({word} ĐBKK)"
    return {
        **row,
        "label": label,
        "band": "",
        "source": source_vi(rule.source) if rule else "",
        "unit_word": word,
        "note_vi": note_vi(row["note"]),
        **_numbers(row),
    }


def _cell(std: dict[str, Any], level: int) -> dict[str, str]:
    """One standards × levels cell: pass, fail, or rates passed but not recognised."""
    if level > std["max_level"]:
        return {"state": "na", "text": "—", "title": "không có mức này"}
    if std["recognized_level"] >= level:
        return {"state": "pass", "text": "✓ Đạt", "title": f"đạt chuẩn mức độ {level}"}
    if std["level"] >= level:
        return {"state": "fail", "text": "✗ Chưa công nhận",
                "title": "các tỷ lệ đạt nhưng điều kiện hoặc tiêu chuẩn tiên quyết chưa đạt"}
    return {"state": "fail", "text": "✗ Chưa đạt", "title": f"chưa đạt mức độ {level}"}


def _level_reason(
    std: dict[str, Any], level: int, at: list[dict[str, Any]], rows: list[dict[str, Any]]
) -> str:
    """Why a level whose own rates all pass is still not reached (cumulative, blocked)."""
    if not at or not all(r["passed"] for r in at) or std["recognized_level"] >= level:
        return ""
    if std["level"] >= level:
        return "tỷ lệ đạt nhưng điều kiện hoặc tiêu chuẩn tiên quyết chưa được công nhận"
    if any(not r["passed"] for r in rows if r["level"] < level):
        return "các tỷ lệ của mức này đạt nhưng mức thấp hơn chưa đạt"
    return "các tỷ lệ đạt nhưng tiêu chuẩn tiên quyết chưa đạt"


def standard_views(result: dict[str, Any], book: RuleBook) -> list[dict[str, Any]]:
    """Per standard: name, levels with their criteria rows, conditions and prerequisites."""
    kind = result["unit"]["kind"]
    year = result["year"]
    tier = "district" if kind == "district" else "province"
    views = []
    for std in result["standards"]:
        meta = book.standard(std["standard"])
        if kind == "commune":
            rows = [_commune_row(r, book, bool(result["dbkk"])) for r in std["criteria"]]
        else:
            rows = [_share_row(r, book, year, tier) for r in std["criteria"]]
        levels = []
        for lv in range(1, std["max_level"] + 1):
            at = [r for r in rows if r["level"] == lv]
            cell = _cell(std, lv)
            levels.append({
                "level": lv,
                "rows": at,
                "passed": cell["state"] == "pass",
                "cell": cell,
                "reason": _level_reason(std, lv, at, rows),
            })
        cond_rules = {c.id: c for c in book.conditions_for(std["standard"])}
        conditions = [
            {**c, "label": cond_rules[c["id"]].label_vi if c["id"] in cond_rules
             else CONDITION_LABELS.get(c["id"], "Điều kiện bảo đảm"),
             "kind": cond_rules[c["id"]].kind if c["id"] in cond_rules else "",
             "value_text": vn_number(c["value"]), "threshold_text": vn_number(c["threshold"]),
             "note_vi": note_vi(c["note"])}
            for c in std["conditions"]
        ]
        prerequisites = [
            {**p, "name": book.standard(p["standard"]).name_vi} for p in std["prerequisites"]
        ]
        views.append({
            **std,
            "name": meta.name_vi,
            "short": SHORT_VI.get(std["standard"], std["standard"]),
            "source": source_vi(meta.source),
            "levels": levels,
            "conditions_vi": conditions,
            "prerequisites_vi": prerequisites,
            "unverified_any": any(r["unverified"] for r in rows),
        })
    return views


def child_views(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The lower units of a district or province with their recognised level per standard."""
    out = []
    for child in result.get("children", []):
        out.append({
            "code": child["unit"]["code"],
            "name": child["unit"]["name"],
            "kind": child["unit"]["kind"],
            "has_data": child["has_data"],
            "dbkk": child["dbkk"],
            "levels": {s["standard"]: s["recognized_level"] for s in child["standards"]},
            "max_levels": {s["standard"]: s["max_level"] for s in child["standards"]},
        })
    return out


async def _trail(user: CurrentUser, unit: units.Unit) -> list[dict[str, Any]]:
    """Breadcrumbs; only the user's own unit and what lies under it are links."""
    chain = [*reversed(await units.ancestors(unit)), unit]
    linked = user.is_admin
    out = []
    for u in chain:
        linked = linked or u.id == user.unit_id
        out.append({"code": u.code, "name": u.name, "kind": u.kind, "linked": linked})
    return out


async def _map_panel(user: CurrentUser, unit: units.Unit, year: int) -> dict[str, Any] | None:
    """The map of the lower units (geo), when the maps domain is installed."""
    try:
        geo_pages = importlib.import_module("geo.pages")
    except ModuleNotFoundError:
        return None
    return await geo_pages.board_panel(user, unit, year)


async def _workflow_panel(
    user: CurrentUser, unit: units.Unit, year: int
) -> dict[str, Any] | None:
    """The approval state and actions (pcgd.workflow, a higher layer: looked up, not imported)."""
    try:
        workflow_pages = importlib.import_module("pcgd.workflow.pages")
    except ModuleNotFoundError:
        return None
    return await workflow_pages.board_panel(user, unit, year)


def _profile(name: str) -> dict[str, str]:
    return {"name": name, "label": PROFILE_VI.get(name, name)}


# --- pages ------------------------------------------------------------------------------------


class BoardPages(Controller):
    path = "/units"
    guards = [login_required]
    include_in_schema = False

    @get("/{code:str}/board")
    async def board(self, user: CurrentUser, code: str, year: int | None = None) -> Template:
        """A unit's standards board; districts and provinces list their lower units."""
        year = await default_year(user, year, code)
        unit = await units.resolve(code, year)
        await require_unit(user, unit, year)
        result = await service.evaluate_unit(unit, year, with_children=True)
        book = load_rules()
        standards = standard_views(result, book)
        return Template(
            template_name="board.html",
            context={
                "user": user,
                "year": year,
                "years": survey_years(),
                "unit": unit,
                "kind_vi": KIND_VI,
                "trail": await _trail(user, unit),
                "result": result,
                "profile": _profile(result["profile"]),
                "standards": standards,
                "max_level": max((s["max_level"] for s in standards), default=1),
                "children": child_views(result),
                "child_standards": [(s["standard"], s["short"]) for s in standards],
                "unverified_any": any(s["unverified_any"] for s in standards),
                "map_panel": await _map_panel(user, unit, year),
                "workflow_panel": await _workflow_panel(user, unit, year),
            },
        )

    @get("/{code:str}/board/people")
    async def people(
        self, user: CurrentUser, code: str, criterion: str, year: int | None = None
    ) -> Template:
        """The people of a commune criterion's band who are not (yet) counted as passing it."""
        year = await default_year(user, year, code, "commune")
        commune = await units.resolve(code, year, kind="commune")
        await require_unit(user, commune, year)
        found = await service.shortfall_people(commune, year, criterion)
        result = await service.evaluate_unit(commune, year)
        book = load_rules()
        rows = [
            _commune_row(r, book, bool(result["dbkk"]))
            for s in result["standards"]
            for r in s["criteria"]
            if r["id"] == criterion
        ]
        lacks = LACKS_VI.get(found["metric"], "chưa đạt tiêu chí")
        people = [
            {
                **p,
                "lacks": lacks.format(hgc=p["highest_grade_completed"]),
                "status": _status_vi(p["enrolled_level"], p["enrolled_grade"]),
            }
            for p in found["people"]
        ]
        return Template(
            template_name="board_people.html",
            context={
                "user": user,
                "year": year,
                "years": survey_years(),
                "unit": commune,
                "trail": await _trail(user, commune),
                "kind_vi": KIND_VI,
                "criterion": criterion,
                "label": rows[0]["label"] if rows else next(
                    (c.label_vi for c in book.criterion(criterion)), "Tiêu chí phổ cập"),
                "band": band_text(tuple(found["band"])),
                "rows": rows,
                "people": people,
                "limited": len(people) >= 5000,
                "dbkk": result["dbkk"],
            },
        )


def _status_vi(level: str, grade: str) -> str:
    if not level:
        return "không đi học"
    name = LEVEL_NAMES.get(level, level)
    return f"đang học {name}" + (f", lớp {grade}" if grade else "")

