"""The name lists of NĐ 20/2014 Điều 26, the tracking book (Sổ theo dõi PCGDMN, MN-06) and the
printable household survey forms (phiếu điều tra).

Each name list is the people behind a criterion's numerator, in the PPC group of its band (so a
list's length equals the evaluated numerator): children of 6 who completed the preschool
programme; pupils of 11–14 who completed primary; youth of 15–18 with the lower-secondary
diploma; youth of 15–18 with a vocational certificate; people of 15–60 recognised literate by a
literacy programme at level 1 and at level 2. Rows are sorted the Vietnamese way
(`pcgd.common.vnsort`: given name, then family and middle names) and written in xlsxwriter's
constant-memory mode, so a province's lists never sit in memory as cell objects.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from pcgd import db
from pcgd.common.vnsort import name_key
from pcgd.standards import load_rules
from pcgd.units import service as units
from reports import counts
from reports.forms import common as c
from reports.model import Body, Form, Page, Sheet, Style, Value
from surveys.rollup import sql as rollup_sql


@dataclass(frozen=True, slots=True)
class ListSpec:
    code: str
    title: str
    band: tuple[int, int]
    condition: str  # over the derived row (surveys.rollup.sql.DERIVED + the columns below)
    year_column: str  # completion / graduation year shown
    school_level: str  # registry level of the completion record that names the school
    criterion: str  # the evaluated criterion whose numerator this list is ("" if none)
    note: str


N = rollup_sql.NUMERATORS
SPECS: tuple[ListSpec, ...] = (
    ListSpec("DS-MN", "DANH SÁCH TRẺ HOÀN THÀNH CHƯƠNG TRÌNH GIÁO DỤC MẦM NON", (6, 6),
             N["mn_completed"], "mn_completed_year", "MN", "mn5.completion",
             "Trẻ 6 tuổi thuộc diện phải phổ cập đã hoàn thành chương trình GDMN"),
    ListSpec("DS-TH", "DANH SÁCH HỌC SINH HOÀN THÀNH CHƯƠNG TRÌNH TIỂU HỌC", (11, 14),
             N["th_completed"], "th_completed_year", "TH", "",
             "Trẻ 11–14 tuổi thuộc diện phải phổ cập đã hoàn thành chương trình tiểu học"),
    ListSpec("DS-THCS", "DANH SÁCH HỌC SINH TỐT NGHIỆP TRUNG HỌC CƠ SỞ", (15, 18),
             N["thcs_graduated"], "thcs_graduated_year", "THCS", "thcs.graduated_15_18",
             "Thanh, thiếu niên 15–18 tuổi thuộc diện phải phổ cập đã tốt nghiệp THCS"),
    ListSpec("DS-NGHE", "DANH SÁCH NGƯỜI CÓ CHỨNG CHỈ NGHỀ", (15, 18), "gdnn_done",
             "gdnn_completed_year", "GDNN", "",
             "Thanh, thiếu niên 15–18 tuổi thuộc diện phải phổ cập có chứng chỉ nghề"),
    ListSpec("DS-BIET-CHU-1", "DANH SÁCH HỌC VIÊN ĐƯỢC CÔNG NHẬN BIẾT CHỮ MỨC ĐỘ 1", (15, 60),
             "xmc >= 1", "", "", "",
             "Người 15–60 tuổi được công nhận biết chữ mức độ 1 qua chương trình xóa mù chữ"),
    ListSpec("DS-BIET-CHU-2", "DANH SÁCH HỌC VIÊN ĐƯỢC CÔNG NHẬN BIẾT CHỮ MỨC ĐỘ 2", (15, 60),
             "xmc >= 2", "", "", "",
             "Người 15–60 tuổi được công nhận biết chữ mức độ 2 qua chương trình xóa mù chữ"),
)
HEADERS = ("STT", "Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc", "Thôn, xóm",
           "Họ tên cha/mẹ", "Năm hoàn thành/tốt nghiệp", "Trường")
WIDTHS = (5, 26, 11, 8, 10, 16, 30, 12, 30)

_ROW = f"""
SELECT {rollup_sql.DERIVED},
       p.full_name, p.birth_date, p.birth_year, p.father_name, p.mother_name, p.personal_id,
       m.name AS hamlet, u.name AS commune_name, u.code AS commune_code,
       py.mn_completed_year, py.th_completed_year, py.thcs_graduated_year,
       py.gdnn_completed_year
FROM person_year py JOIN person p ON p.id = py.person
JOIN household h ON h.id = py.household JOIN hamlet m ON m.id = h.hamlet
JOIN admin_unit u ON u.id = py.commune
LEFT JOIN school s ON s.code = py.school_code AND py.school_code <> ''
WHERE py.commune = ANY($1::int[]) AND py.year = $2 AND py.year >= p.birth_year
  AND py.year - p.birth_year BETWEEN {{lo}} AND {{hi}} OFFSET 0
"""


def list_sql(spec: ListSpec, *, able_disabled: bool) -> str:
    """The list's rows: the band's PPC group (with the disabled able to learn under the
    `unable_only` policy) who meet the numerator's condition; the school of the completion
    from the registry's completion record (the year before), matched by personal ID."""
    group = f"(({rollup_sql.PPC})" + (f" OR ({rollup_sql.PPC_D}))" if able_disabled else ")")
    year = spec.year_column
    school = (
        "(SELECT s2.name FROM learner l JOIN school s2 ON s2.id = l.school"
        f" WHERE l.personal_id = r.personal_id AND l.year = r.{year} - 1 AND l.completed"
        f" AND l.level = '{spec.school_level}' LIMIT 1)" if year else "NULL::text"
    )
    year_value = f"r.{year}" if year else "NULL::smallint"
    lo, hi = spec.band
    rows = _ROW.format(lo=lo, hi=hi)  # the band first: the derived row only for its ages
    return (
        f"SELECT r.commune_code, r.commune_name, r.full_name, r.birth_date, r.birth_year,"
        f" r.sex, r.ethnicity, r.hamlet, r.father_name, r.mother_name, {year_value} AS done,"
        f" {school} AS school FROM ({rows}) r"
        f" WHERE r.age BETWEEN {lo} AND {hi} AND {group} AND ({spec.condition})"
    )


def _able(policy: str | None) -> bool:
    return load_rules().resolve_policy("disabled_excluded", policy) == "unable_only"


async def list_rows(commune_ids: Sequence[int], year: int, spec: ListSpec,
                    policy: str | None = None) -> list[Any]:
    """The list's records, in Vietnamese order (by commune first when several)."""
    rows = await counts.fetch(list_sql(spec, able_disabled=_able(policy)), list(commune_ids),
                              year, few=len(commune_ids) <= 3)
    several = len(commune_ids) > 1
    return sorted(rows, key=lambda r: ((r["commune_code"] if several else ""),
                                       name_key(r["full_name"]), *_tie(r)))


def _tie(r: Any) -> tuple[str, ...]:
    """People of the same name in the order of what the list prints about them, so a list
    comes out the same every time (the query's order of equal names is not fixed)."""
    born = r["birth_date"]
    return (str(r["birth_year"]), born.isoformat() if born else "", r["hamlet"] or "",
            r["father_name"] or "", r["mother_name"] or "", r["sex"] or "",
            r["ethnicity"] or "", str(r["done"] or ""), r["school"] or "")


def birth_text(birth_date: date | None, birth_year: int) -> str:
    return birth_date.strftime("%d/%m/%Y") if birth_date else str(birth_year)


def parents(father: str, mother: str) -> str:
    return " – ".join(x for x in (father, mother) if x)


def _values(rows: Sequence[Any], several: bool) -> Iterator[tuple[Value, ...]]:
    for n, r in enumerate(rows, 1):
        values: tuple[Value, ...] = (
            n, r["full_name"], birth_text(r["birth_date"], r["birth_year"]),
            "Nữ" if r["sex"] == "F" else "Nam", r["ethnicity"] or "Kinh", r["hamlet"],
            parents(r["father_name"], r["mother_name"]), r["done"], r["school"] or "",
        )
        yield (*values, r["commune_name"]) if several else values


def list_form(spec: ListSpec, rows: Sequence[Any], unit_label: str, province: str,
              year: int, several: bool) -> Form:
    """A name list as a form whose body is streamed (constant memory)."""
    heads = (*HEADERS, "Xã") if several else HEADERS
    widths = (*WIDTHS, 22) if several else WIDTHS
    s = Sheet("Danh sách", page=Page(landscape=True, repeat_rows=(4, 4)),
              widths=dict(enumerate(widths)))
    last = len(heads) - 1
    s.put(0, 0, unit_label, Style(bold=True))
    s.put(1, 0, province, Style(bold=True))
    s.merge(0, 2, 0, last - 1, spec.title, c.TITLE)
    s.put(0, last, f"Mẫu: {spec.code}", c.CODE)
    s.merge(1, 2, 1, last - 1, c.when_text(year), c.WHEN)
    s.merge(2, 0, 2, last, f"{spec.note}: {len(rows)} người.", Style(italic=True, h="center"))
    for i, text in enumerate(heads):
        s.put(4, i, text, c.HEAD9.but(bold=True))
    cell = Style(size=10, border=c.ALL)
    styles = [cell.but(h="center"), cell, cell.but(h="center"), cell.but(h="center"),
              cell, cell, cell, cell.but(h="center"), cell]
    if several:
        styles.append(cell)
    s.body = Body(5, _values(rows, several), styles)
    s.preview_rows = 40
    return Form(spec.code, spec.title.capitalize(), [s])


async def name_lists(unit: units.Unit, year: int, policy: str | None = None, *,
                     only: str | None = None) -> list[tuple[ListSpec, list[Any], Form]]:
    """Every list of a unit (a district's or province's sorted by commune, then name)."""
    communes = await units.communes_under(unit, year)
    ids = [cm.id for cm in communes]
    chain = [unit, *await units.ancestors(unit)]
    province = next((u for u in chain if u.kind == "province"), unit)
    word = {"commune": "Xã", "district": "Huyện", "province": "Tỉnh"}[unit.kind]
    label = f"{word}: {c._short(unit.name)}"
    out = []
    for spec in SPECS:
        if only is not None and spec.code != only:
            continue
        rows = await list_rows(ids, year, spec, policy)
        form = list_form(spec, rows, label, f"Tỉnh: {c._short(province.name)}", year,
                         len(ids) > 1)
        out.append((spec, rows, form))
    return out


async def lists_by_commune(communes: Sequence[units.Unit], year: int, spec: ListSpec,
                           policy: str | None = None
                           ) -> Iterator[tuple[units.Unit, list[Any], Form]]:
    """One list of each commune, all read in one query (the dossier writes every commune's
    lists: one query per list instead of one per list and commune). Each commune's form is
    the one `name_lists(commune, …)` makes."""
    rows = await list_rows([cm.id for cm in communes], year, spec, policy)
    by_code: dict[str, list[Any]] = defaultdict(list)
    for r in rows:  # sorted by commune, then name: each commune's rows keep their order
        by_code[r["commune_code"]].append(r)
    del rows
    provinces: dict[int, str] = {}
    for cm in communes:  # as name_lists names it
        chain = [cm, *await units.ancestors(cm)]
        provinces[cm.id] = next((u for u in chain if u.kind == "province"), cm).name

    def made() -> Iterator[tuple[units.Unit, list[Any], Form]]:
        for cm in communes:
            mine = by_code.pop(cm.code, [])
            yield cm, mine, list_form(spec, mine, f"Xã: {c._short(cm.name)}",
                                      f"Tỉnh: {c._short(provinces[cm.id])}", year, False)

    return made()


def find_spec(code: str) -> ListSpec | None:
    return next((s for s in SPECS if s.code.lower() == code.lower()), None)


# --- the tracking book (MN-06) and the household survey forms -----------------------------------

GRADE_TEXT = {"NT": "Nhà trẻ", "3": "MG 3 tuổi", "4": "MG 4 tuổi", "5": "MG 5 tuổi"}


async def hamlets_of(commune: units.Unit, year: int) -> list[dict[str, Any]]:
    rows = await db.pool().fetch(
        "SELECT m.id, m.name, count(DISTINCT h.id) AS households FROM hamlet m"
        " JOIN household h ON h.hamlet = m.id WHERE h.commune = $1 AND h.year = $2"
        " GROUP BY m.id, m.name", commune.id, year,
    )
    from pcgd.common.vnsort import text_key

    return sorted((dict(r) for r in rows), key=lambda r: text_key(r["name"]))


async def book_form(commune: units.Unit, hamlet: dict[str, Any], year: int) -> Form:
    """Sổ theo dõi PCGDMN of one hamlet (see `book_forms`)."""
    return next(await book_forms(commune, [hamlet], year))


async def book_forms(commune: units.Unit, hamlets: Sequence[dict[str, Any]], year: int
                     ) -> Iterator[Form]:
    """Sổ theo dõi PCGDMN of each hamlet given (one workbook each): children 0–5 by birth year
    (the oldest first), with the class each was in at each age (from the person's records of
    earlier years). Two queries for all the hamlets of a commune; each workbook is built when
    asked for."""
    rows = await db.pool().fetch(
        "SELECT p.id, p.full_name, p.birth_date, p.birth_year, p.sex, p.ethnicity,"
        " p.father_name, p.mother_name, h.household_code, py.disability, py.movement,"
        " s.name AS school, h.hamlet"
        " FROM person_year py JOIN person p ON p.id = py.person"
        " JOIN household h ON h.id = py.household"
        " LEFT JOIN school s ON s.code = py.school_code AND py.school_code <> ''"
        " WHERE h.hamlet = ANY($1::int[]) AND py.commune = $2 AND py.year = $3"
        " AND py.year - p.birth_year BETWEEN 0 AND 5", [h["id"] for h in hamlets], commune.id,
        year,
    )
    history = await db.pool().fetch(
        "SELECT py.person, py.year, py.enrolled_level, py.enrolled_grade FROM person_year py"
        " WHERE py.person = ANY($1::int[]) AND py.year BETWEEN $2 - 5 AND $2",
        [r["id"] for r in rows], year,
    )
    classes: dict[tuple[int, int], str] = {}
    for h in history:
        if h["enrolled_level"] == "MN":
            classes[(h["person"], h["year"])] = GRADE_TEXT.get(h["enrolled_grade"],
                                                                h["enrolled_grade"])
    by_hamlet: dict[int, list[Any]] = defaultdict(list)
    for r in rows:
        by_hamlet[r["hamlet"]].append(r)
    province = await _province(commune)
    return (_book(commune, province, hamlet, by_hamlet.pop(hamlet["id"], []), classes, year)
            for hamlet in hamlets)


def _book(commune: units.Unit, province: str, hamlet: dict[str, Any], rows: list[Any],
          classes: dict[tuple[int, int], str], year: int) -> Form:
    ordered = sorted(rows, key=lambda r: (r["birth_year"], name_key(r["full_name"]), r["id"]))
    s = Sheet(hamlet["name"][:31] or "Thôn", page=Page(landscape=True, repeat_rows=(7, 8)),
              widths={0: 5, 1: 9, 2: 24, 3: 11, 4: 5, 5: 14, 6: 9, 7: 26,
                      **{8 + a: 9 for a in range(6)}, 14: 24, 15: 9})
    s.put(0, 0, f"Tỉnh/TP: {c._short(province)}", Style(bold=True))
    s.put(1, 0, f"Xã/phường: {c._short(commune.name)}", Style(bold=True))
    s.put(2, 0, f"Năm học: {year}–{year + 1}", Style(bold=True))
    s.merge(0, 4, 0, 13, "SỔ THEO DÕI PHỔ CẬP GIÁO DỤC MẦM NON", c.TITLE)
    s.merge(0, 14, 0, 15, "Mẫu: MN-06", c.CODE)
    s.merge(1, 4, 1, 13, f"Thôn, xóm: {hamlet['name']}", Style(bold=True, h="center"))
    s.merge(2, 4, 2, 13, c.when_text(year), c.WHEN)
    s.merge(3, 0, 3, 7, "Người điều tra: ..............................  Ngày điều tra: "
            "....../....../......", Style(italic=True))
    s.merge(4, 0, 4, 7, "Người kiểm tra: ..............................  Ngày kiểm tra: "
            "....../....../......", Style(italic=True))
    head = c.HEAD9.but(bold=True)
    for col, text in enumerate(("TT", "Số phiếu", "Họ và tên trẻ", "Ngày, tháng, năm sinh",
                                "Nữ", "Thôn, xóm", "Dân tộc", "Họ tên cha (mẹ)")):
        s.merge(7, col, 8, col, text, head)
    s.merge(7, 8, 7, 13, "Học nhóm, lớp theo độ tuổi", head)
    for a in range(6):
        s.put(8, 8 + a, f"{a} tuổi", head)
    s.merge(7, 14, 8, 14, "Trường", head)
    s.merge(7, 15, 8, 15, "Khuyết tật", head)
    for i in range(16):
        s.put(9, i, i + 1, c.COLNO)
    cell = Style(size=10, border=c.ALL)
    centred = cell.but(h="center")
    r = 10
    for n, child in enumerate(ordered, 1):
        age = year - child["birth_year"]
        values: list[Value] = [
            n, child["household_code"], child["full_name"],
            birth_text(child["birth_date"], child["birth_year"]),
            "x" if child["sex"] == "F" else "", hamlet["name"], child["ethnicity"] or "Kinh",
            parents(child["father_name"], child["mother_name"]),
        ]
        values += [classes.get((child["id"], year - (age - a)), "") if a <= age else ""
                   for a in range(6)]
        values += [child["school"] or "", "x" if child["disability"] else ""]
        for col, v in enumerate(values):
            s.put(r, col, v, centred if col in (0, 1, 3, 4, 15) else cell)
        r += 1
    s.merge(r, 0, r, 15, f"Tổng số trẻ 0–5 tuổi: {len(ordered)}.", Style(italic=True))
    s.merge(r + 2, 10, r + 2, 15, f"{c._short(commune.name)}, ngày ..... tháng ..... năm "
            f"{year}", c.SIGN_DATE)
    s.merge(r + 3, 0, r + 3, 4, "NGƯỜI LẬP SỔ", c.SIGN_TITLE)
    s.merge(r + 3, 10, r + 3, 15, "TM. BAN CHỈ ĐẠO PCGD-XMC", c.SIGN_TITLE)
    s.preview_rows = 60
    return Form(f"MN-06 {hamlet['name']}", "Sổ theo dõi phổ cập giáo dục mầm non", [s])


async def _province(commune: units.Unit) -> str:
    chain = await units.ancestors(commune)
    return next((u.name for u in chain if u.kind == "province"), "")


PHIEU_HEADS = ("STT", "Họ và tên đối tượng (lớn tuổi ghi trước)", "Năm sinh", "Giới tính",
               "Dân tộc", "Tên lớp đang học (năm học)", "Tên trường – huyện đang học",
               "Tốt nghiệp / hoàn thành (bậc, năm)", "Học xong lớp / năm",
               "Bỏ học lớp / năm", "Mù chữ (học XMC, công nhận XMC, tái mù)", "Khuyết tật",
               "Chuyển đến / chuyển đi / chết", "Ghi chú")
LEVEL_TEXT = {"MN": "MN", "TH": "TH", "THCS": "THCS", "THPT": "THPT", "GDTX_THCS": "GDTX THCS",
              "GDTX_THPT": "GDTX THPT", "GDNN": "Nghề", "XMC": "XMC"}
MOVES = {"moved_in": "Chuyển đến", "moved_out": "Chuyển đi", "deceased": "Chết"}


async def phieu_form(commune: units.Unit, hamlet: dict[str, Any], year: int) -> Form:
    """The printable phiếu điều tra of one hamlet (see `phieu_forms`)."""
    return next(await phieu_forms(commune, [hamlet], year))


async def phieu_forms(commune: units.Unit, hamlets: Sequence[dict[str, Any]], year: int
                      ) -> Iterator[Form]:
    """The printable phiếu điều tra of every household of each hamlet given (one workbook per
    hamlet, one page per household), for the households to check and sign. One query for the
    hamlets; each workbook is built when asked for (a hamlet's holds tens of thousands of
    cells)."""
    rows = await db.pool().fetch(
        "SELECT h.id AS household, h.household_code, h.address, py.position, py.relation,"
        " py.residence_type, p.full_name, p.birth_year, p.sex, p.ethnicity,"
        " py.enrolled_level, py.enrolled_grade, s.name AS school, su.name AS school_commune,"
        " py.mn_completed_year, py.th_completed_year, py.thcs_graduated_year,"
        " py.thpt_graduated_year, py.gdnn_completed_year, py.dropout_grade, py.dropout_year,"
        " py.xmc_stage_completed, py.disability, py.movement, p.phone, h.hamlet"
        " FROM household h JOIN person_year py ON py.household = h.id"
        " JOIN person p ON p.id = py.person"
        " LEFT JOIN school s ON s.code = py.school_code AND py.school_code <> ''"
        " LEFT JOIN admin_unit su ON su.id = s.commune"
        " WHERE h.hamlet = ANY($1::int[]) AND h.commune = $2 AND h.year = $3"
        " ORDER BY h.household_code, p.birth_year, py.position", [h["id"] for h in hamlets],
        commune.id, year,
    )
    by_hamlet: dict[int, list[Any]] = defaultdict(list)
    for r in rows:
        by_hamlet[r["hamlet"]].append(r)
    del rows
    return (_phieu(commune, hamlet, by_hamlet.pop(hamlet["id"], []), year)
            for hamlet in hamlets)


def _phieu(commune: units.Unit, hamlet: dict[str, Any], rows: list[Any], year: int) -> Form:
    households: dict[int, list[Any]] = defaultdict(list)
    for r in rows:
        households[r["household"]].append(r)
    s = Sheet(hamlet["name"][:31] or "Thôn", page=Page(landscape=True),
              widths={0: 4.5, 1: 24, 2: 6, 3: 6, 4: 8, 5: 10, 6: 22, 7: 16, 8: 9, 9: 9,
                      10: 13, 11: 9, 12: 11, 13: 10})
    head = c.HEAD9.but(bold=True)
    cell = Style(size=9, border=c.ALL, wrap=True)
    centred = cell.but(h="center")
    bold = Style(bold=True)
    r = 0
    breaks = []
    for members in households.values():
        first = members[0]
        heads_of = next((m for m in members if m["relation"] == "chu_ho"), first)
        if r:
            breaks.append(r)
        s.merge(r, 0, r, 13, f"PHIẾU ĐIỀU TRA PHỔ CẬP GIÁO DỤC - CHỐNG MÙ CHỮ – Năm học "
                f"{year}–{year + 1}", c.TITLE)
        fields = (
            f"(1) Phường/Xã: {c._short(commune.name)}", f"(2) Tổ/thôn/xóm: {hamlet['name']}",
            f"(3) Địa chỉ: {first['address'] or hamlet['name']}",
            f"(4) Họ và tên chủ hộ: {heads_of['full_name']}",
            f"(5) Số phiếu: {first['household_code']}",
            "(6) Diện cư trú: " + ("Tạm trú" if heads_of["residence_type"] == "tam_tru"
                                   else "Thường trú"),
            "(7) Điện thoại: " + next((m["phone"] for m in (heads_of, *members) if m["phone"]), ""),
        )
        s.merge(r + 1, 0, r + 1, 4, fields[0], bold)
        s.merge(r + 1, 5, r + 1, 9, fields[1], bold)
        s.merge(r + 1, 10, r + 1, 13, fields[4], bold)
        s.merge(r + 2, 0, r + 2, 4, fields[3], bold)
        s.merge(r + 2, 5, r + 2, 9, fields[2], bold)
        s.merge(r + 2, 10, r + 2, 11, fields[5], bold)
        s.merge(r + 2, 12, r + 2, 13, fields[6], bold)
        for i, text in enumerate(PHIEU_HEADS):
            s.put(r + 3, i, text, head)
        s.heights[r + 3] = 48
        for n, m in enumerate(members, 1):
            y = r + 3 + n
            values: list[Value] = [
                n, m["full_name"], m["birth_year"], "Nữ" if m["sex"] == "F" else "Nam",
                m["ethnicity"] or "Kinh",
                (f"{LEVEL_TEXT.get(m['enrolled_level'], m['enrolled_level'])} "
                 f"{m['enrolled_grade']}".strip() if m["enrolled_level"] else ""),
                (f"{m['school']} – {c._short(m['school_commune'] or '')}".strip(" –")
                 if m["school"] else ""),
                _done(m), _finished(m), _dropped(m), _literacy(m),
                {"able": "Có khả năng học", "unable": "Không có khả năng học"}.get(
                    m["disability"], ""),
                MOVES.get(m["movement"], ""), "",
            ]
            for col, v in enumerate(values):
                s.put(y, col, v, centred if col in (0, 2, 3) else cell)
        y = r + 4 + len(members)
        s.merge(y + 1, 0, y + 1, 5, "CHỦ HỘ (kí, ghi rõ họ tên)", c.SIGN_TITLE)
        s.merge(y + 1, 8, y + 1, 13, "NGƯỜI ĐIỀU TRA (kí, ghi rõ họ tên)", c.SIGN_TITLE)
        r = y + 5
    s.page_breaks = breaks
    s.preview_rows = 60
    return Form(f"Phiếu điều tra {hamlet['name']}", "Phiếu điều tra phổ cập giáo dục – "
                "chống mù chữ", [s])


def _done(m: Any) -> str:
    parts = [f"{label} {m[col]}" for label, col in (
        ("MN", "mn_completed_year"), ("TH", "th_completed_year"),
        ("THCS", "thcs_graduated_year"), ("THPT", "thpt_graduated_year"),
        ("Nghề", "gdnn_completed_year")) if m[col]]
    return "; ".join(parts)


def _finished(m: Any) -> str:
    """The last grade finished by someone who left school (the grade before the one left)."""
    grade = m["dropout_grade"]
    return f"Lớp {grade - 1}" if grade and grade > 1 else ""


def _dropped(m: Any) -> str:
    if m["dropout_grade"]:
        return f"Lớp {m['dropout_grade']}" + (f" / {m['dropout_year']}" if m["dropout_year"]
                                             else "")
    return ""


def _literacy(m: Any) -> str:
    stage = m["xmc_stage_completed"]
    if m["enrolled_level"] == "XMC":
        return "Đang học XMC"
    if stage:
        return f"Công nhận XMC mức {stage}"
    return ""
