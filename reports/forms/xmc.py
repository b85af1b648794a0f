"""Literacy forms: XMC-3 (by age), XMC-4 (standard reached, by unit), CMC-1 (situation by unit,
three age bands), CMC-2 (illiterates by age band).

Populations are the PPC of each band (people on the roll who did not move out or die and are
not disabled; with the disabled able to learn under the `unable_only` policy), the denominator
of the literacy criteria. A commune's XMC-4 and CMC-1 list its hamlets under its own row.
"""

from __future__ import annotations

from reports.data import Area, FormData
from reports.forms import common as c
from reports.forms import grid, units_table
from reports.model import Form, Page, Sheet, Style, sheet_name

X3_CODE, X3_TITLE = "XMC-3", "TỔNG HỢP KẾT QUẢ XÓA MÙ CHỮ THEO ĐỘ TUỔI"
X4_CODE, X4_TITLE = "XMC-4", "THỐNG KÊ ĐẠT CHUẨN XÓA MÙ CHỮ"
C1_CODE, C1_TITLE = "CMC-1", "TỔNG HỢP TÌNH HÌNH SỐ LIỆU CÔNG TÁC CHỐNG MÙ CHỮ"
C2_CODE, C2_TITLE = "CMC-2", "THỐNG KÊ SỐ NGƯỜI MÙ CHỮ CÁC ĐỘ TUỔI"
SPLITS = (("", "Tổng số"), ("female", "Nữ"), ("minority", "Dân tộc"), ("fm", "Nữ dân tộc"))
BANDS = ((15, 25), (15, 35), (15, 60))


def _pop(data: FormData, area: Area, split: str, lo: int, hi: int) -> int | None:
    return data.p(area, f"ppc_{split}" if split else "ppc", lo, hi)


def _lit(data: FormData, area: Area, level: int, split: str, lo: int, hi: int) -> int | None:
    return data.p(area, f"lit{level}_{split}" if split else f"lit{level}", lo, hi)


def _illiterate(data: FormData, area: Area, level: int, split: str, lo: int, hi: int
                ) -> int | None:
    pop, lit = _pop(data, area, split, lo, hi), _lit(data, area, level, split, lo, hi)
    return None if pop is None or lit is None else pop - lit


# --- XMC-3 -------------------------------------------------------------------------------------


def build_x3(data: FormData) -> Form:
    taken: set[str] = set()
    sheets = [_x3_sheet(data, area, sheet_name(area.label, taken)) for area in data.age_areas]
    return Form(X3_CODE, "Tổng hợp kết quả xóa mù chữ theo độ tuổi", sheets)


def _x3_sheet(data: FormData, area: Area, name: str) -> Sheet:
    s = Sheet(name, page=Page(landscape=True, repeat_rows=(3, 6)))
    cols = [
        grid.Col("age", ("Độ tuổi",), 8),
        grid.Col("year", ("Năm sinh",), 8),
        *(grid.Col(f"pop_{k}", ("Dân số (phải phổ cập)", label), 7) for k, label in SPLITS),
        *(grid.Col(f"ill1_{k}", ("Mù chữ mức độ 1", label), 7) for k, label in SPLITS),
        *(grid.Col(f"ill2_{k}", ("Mù chữ mức độ 2", label), 7,
                   diff=(f"pop_{k}", f"lit2_{k}")) for k, label in SPLITS),
        *(grid.Col(f"lit2_{k}", ("Biết chữ mức độ 2", label), 7) for k, label in SPLITS),
        grid.Col("rate2", ("Tỉ lệ biết chữ mức độ 2",), 8, rate=("lit2_", "pop_")),
        grid.Col("lit1", ("Biết chữ mức độ 1", "Số lượng"), 7, diff=("pop_", "ill1_")),
        grid.Col("rate1", ("Biết chữ mức độ 1", "Tỉ lệ"), 7, rate=("lit1", "pop_")),
    ]
    units_table_header(s, data, area, X3_CODE, X3_TITLE, len(cols) - 1)
    first = grid.header(s, 3, cols)
    rows: list[grid.Row] = []
    # (label, lo, hi): single ages, then the subtotals after 25 (15–25), 35 (15–35), 60 (15–60).
    spans: list[tuple[str, int, int, bool]] = []
    for age in range(15, 61):
        spans.append((str(age), age, age, False))
        if age in (25, 35, 60):
            spans.append((f"15–{age}", 15, age, True))
    for label, lo, hi, sub in spans:
        cells: dict[str, object] = {
            "age": label, "year": data.year - lo if lo == hi else f"{data.year - hi}–"
            f"{data.year - lo}"}
        for k, _ in SPLITS:
            cells[f"pop_{k}"] = _pop(data, area, k, lo, hi)
            cells[f"ill1_{k}"] = _illiterate(data, area, 1, k, lo, hi)
            cells[f"lit2_{k}"] = _lit(data, area, 2, k, lo, hi)
        rows.append(grid.Row(None, bold=sub, cells=cells))  # type: ignore[arg-type]
    end = grid.rows(s, first, cols, rows)
    c.signature(s, data, end + 1, 1, (len(cols) - 8, len(cols) - 1))
    return s


def units_table_header(s: Sheet, data: FormData, area: Area, code: str, title: str,
                       last: int) -> None:
    word = {"commune": "Xã", "district": "Huyện", "province": "Tỉnh"}[area.kind]
    s.put(0, 0, f"{word}: {c._short(area.name)}", Style(bold=True))
    s.put(1, 0, f"Tỉnh: {c._short(data.province_name)}" if area.kind != "province" else "",
          Style(bold=True))
    s.merge(0, 2, 0, last - 3, title, c.TITLE)
    s.merge(0, last - 2, 0, last, f"Mẫu: {code}", c.CODE)
    s.merge(1, 2, 1, last - 3, c.when_text(data.year), c.WHEN)


# --- XMC-4 -------------------------------------------------------------------------------------


def build_x4(data: FormData) -> Form:
    s = Sheet("XMC-4", page=Page(landscape=True, repeat_rows=(3, 6)))
    cols = [
        grid.Col("tt", ("TT",), 4.5),
        grid.Col("unit", ("Đơn vị",), 20, lambda a: a.label, style=c.LABEL),
    ]
    for lo, hi in BANDS:
        band = f"Độ tuổi {lo}–{hi}"
        k = f"{lo}_{hi}"
        cols += [
            grid.Col(f"pop{k}", (band, "Tổng số"), 8,
                     lambda a, lo=lo, hi=hi: _pop(data, a, "", lo, hi)),
            grid.Col(f"l1{k}", (band, "Biết chữ MĐ1"), 8,
                     lambda a, lo=lo, hi=hi: _lit(data, a, 1, "", lo, hi)),
            grid.Col(f"r1{k}", (band, "Tỉ lệ"), 7, rate=(f"l1{k}", f"pop{k}")),
            grid.Col(f"l2{k}", (band, "Biết chữ MĐ2"), 8,
                     lambda a, lo=lo, hi=hi: _lit(data, a, 2, "", lo, hi)),
            grid.Col(f"r2{k}", (band, "Tỉ lệ"), 7, rate=(f"l2{k}", f"pop{k}")),
        ]
    cols.append(grid.Col("level", ("Đạt chuẩn XMC",), 11,
                         lambda a: units_table.result(data, a, "xmc"), style=c.TEXT))
    return units_table.build(data, s, X4_CODE, X4_TITLE, cols, "Thống kê đạt chuẩn xóa mù chữ",
                             hamlets=True)


# --- CMC-1 -------------------------------------------------------------------------------------


def build_c1(data: FormData) -> Form:
    s = Sheet("CMC-1", page=Page(landscape=True, repeat_rows=(3, 7)))
    cols = [
        grid.Col("tt", ("TT",), 4.5),
        grid.Col("unit", ("Đơn vị",), 18, lambda a: a.label, style=c.LABEL),
        *(grid.Col(f"all_{k}", ("Dân số 15–60 tuổi", label), 7,
                   lambda a, k=k: _pop(data, a, k, 15, 60)) for k, label in SPLITS),
    ]
    for lo, hi in BANDS:
        band = f"Độ tuổi {lo}–{hi}"
        b = f"{lo}_{hi}"
        cols += [grid.Col(f"pop{b}_{k}", (band, "Dân số", label), 6,
                          lambda a, k=k, lo=lo, hi=hi: _pop(data, a, k, lo, hi))
                 for k, label in SPLITS]
        for level in (1, 2):
            group = f"Mù chữ mức độ {level}"
            for k, label in SPLITS:
                cols.append(grid.Col(
                    f"m{level}{b}_{k}", (band, group, label), 6,
                    lambda a, k=k, lo=lo, hi=hi, level=level: _illiterate(
                        data, a, level, k, lo, hi)))
                cols.append(grid.Col(f"m{level}{b}_{k}_r", (band, group, "%"), 6,
                                     rate=(f"m{level}{b}_{k}", f"pop{b}_")))
    return units_table.build(data, s, C1_CODE, C1_TITLE, cols,
                             "Tổng hợp tình hình số liệu công tác chống mù chữ", hamlets=True)


# --- CMC-2 -------------------------------------------------------------------------------------

C2_BANDS = (("15–25", 15, 25), ("26–35", 26, 35), ("36–60", 36, 60), ("15–60", 15, 60))


def build_c2(data: FormData) -> Form:
    taken: set[str] = set()
    sheets = [_c2_sheet(data, area, sheet_name(area.label, taken)) for area in data.age_areas]
    return Form(C2_CODE, "Thống kê số người mù chữ các độ tuổi", sheets)


def _c2_sheet(data: FormData, area: Area, name: str) -> Sheet:
    s = Sheet(name, page=Page(landscape=True, repeat_rows=(3, 6)))
    cols = [
        grid.Col("band", ("Độ tuổi",), 9),
        *(grid.Col(f"pop_{k}", ("Dân số (phải phổ cập)", label), 8) for k, label in SPLITS),
        *(grid.Col(f"m1_{k}", ("Mù chữ mức độ 1", label), 7) for k, label in SPLITS),
        *(grid.Col(f"m2_{k}", ("Mù chữ mức độ 2", label), 7) for k, label in SPLITS),
        grid.Col("relapse1", ("Tái mù chữ", "Mức độ 1"), 7),
        grid.Col("relapse2", ("Tái mù chữ", "Mức độ 2"), 7),
        grid.Col("learning", ("Đang học lớp xóa mù chữ",), 9),
    ]
    units_table_header(s, data, area, C2_CODE, C2_TITLE, len(cols) - 1)
    first = grid.header(s, 3, cols)
    rows = []
    for label, lo, hi in C2_BANDS:
        cells: dict[str, object] = {"band": label}
        for k, _ in SPLITS:
            cells[f"pop_{k}"] = _pop(data, area, k, lo, hi)
            cells[f"m1_{k}"] = _illiterate(data, area, 1, k, lo, hi)
            cells[f"m2_{k}"] = _illiterate(data, area, 2, k, lo, hi)
        cells["relapse1"] = data.n(area, "relapse_lit1", lo, hi)
        cells["relapse2"] = data.n(area, "relapse_lit2", lo, hi)
        cells["learning"] = data.p(area, "xmc_learning", lo, hi)
        rows.append(grid.Row(None, bold=label == "15–60", cells=cells))  # type: ignore[arg-type]
    end = grid.rows(s, first, cols, rows)
    c.signature(s, data, end + 1, 0, (len(cols) - 7, len(cols) - 1))
    return s
