"""Cross-form checks (the Ministry's data-entry guidance): the same birth year must agree across
forms. They read the built cell models, not the data, so a builder that drifts is caught.

- MN-01-TE ↔ TH-M1: the 6-year-olds' total and PPC;
- TH-M1 ↔ THCS-M1: ages 11–14, every population row (total, girls, minority, disabled…, PPC);
- THCS-M1 ↔ XMC-3: the PPC of ages 15–18;
- MN-01-TE ↔ MN-01-TC, ĐK: the 5-year-olds to mobilise and attending (unit total);
- TH-M1 ↔ TH-02: the 6- and 11-year-olds' PPC (unit total).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reports.forms import common as c
from reports.model import Form, Page, Sheet, Style, Value


@dataclass(frozen=True, slots=True)
class Finding:
    check: str
    area: str
    left: str  # "FORM: where"
    right: str
    left_value: Value
    right_value: Value

    @property
    def agrees(self) -> bool:
        return self.left_value == self.right_value


def _find_text(sheet: Sheet, text: str, cols: range | None = None, *, start: int = 0
               ) -> tuple[int, int] | None:
    for (r, col), cell in sorted(sheet.cells.items()):
        if r >= start and cell.value == text and (cols is None or col in cols):
            return r, col
    return None


def age_value(sheet: Sheet, label: str, age_label: str, *, group: str = "") -> Value:
    """The value of an age table: the row labelled `label` (after the group label, if any),
    the column headed `age_label`."""
    start = 0
    if group:
        at = _find_text(sheet, group, range(0, 5))
        if at is None:
            return "?"
        start = at[0]
    row = _find_text(sheet, label, range(0, 5), start=start)
    col = _find_text(sheet, age_label)
    if row is None or col is None:
        return "?"
    return sheet.value(row[0], col[1])


def column_value(sheet: Sheet, header_path: Sequence[str], row_offset: int = 0) -> Value:
    """A units table's first data row, under the column whose header path matches."""
    col = None
    r = 0
    for text in header_path:
        found = _find_text(sheet, text, None if col is None else range(col, col + 60), start=r)
        if found is None:
            return "?"
        r, col = found
    assert col is not None
    # the first data row: after the numbered row under the header
    numbers = next((rr for rr in range(r + 1, r + 6)
                    if isinstance(sheet.value(rr, 0), int) and sheet.value(rr, 0) == 1
                    and sheet.value(rr, 1) == 2), r + 1)
    return sheet.value(numbers + 1 + row_offset, col)


def run(forms: Sequence[Form]) -> list[Finding]:
    """Every check the form set allows (forms missing from the set are skipped)."""
    by_code = {f.code: f for f in forms}
    out: list[Finding] = []

    def pair(a: str, b: str) -> list[tuple[Sheet, Sheet]]:
        if a not in by_code or b not in by_code:
            return []
        return list(zip(by_code[a].sheets, by_code[b].sheets, strict=False))

    for te, m1 in pair("MN-01-TE", "TH-M1"):
        area = m1.name
        for what, te_row, m1_row in (("tổng số", "Tổng số trẻ trong độ tuổi", "Tổng số"),
                                     ("phải phổ cập", "Số trẻ phải huy động ", "Phải phổ cập")):
            out.append(Finding(f"Trẻ 6 tuổi: {what}", area, f"MN-01-TE: {te_row.strip()}",
                               f"TH-M1: {m1_row}", age_value(te, te_row, "6 tuổi"),
                               age_value(m1, m1_row, "6 tuổi")))
    rows = ("Tổng số", "Nữ", "Dân tộc", "Khuyết tật", "KT có khả năng học tập",
            "KT được tiếp cận giáo dục", "Phải phổ cập")
    for m1, thcs in pair("TH-M1", "THCS-M1"):
        for age in range(11, 15):
            for label in rows:
                out.append(Finding(f"Trẻ {age} tuổi: {label.lower()}", m1.name,
                                   f"TH-M1: {label}", f"THCS-M1: {label}",
                                   age_value(m1, label, f"{age} tuổi"),
                                   age_value(thcs, label, f"{age} tuổi")))
    for thcs, x3 in pair("THCS-M1", "XMC-3"):
        for age in range(15, 19):
            row = _find_text(x3, str(age), range(0, 1))
            x3_value = x3.value(row[0], 2) if row else "?"
            out.append(Finding(f"Người {age} tuổi: phải phổ cập", thcs.name,
                               "THCS-M1: Phải phổ cập", "XMC-3: Dân số (tổng số)",
                               age_value(thcs, "Phải phổ cập", f"{age} tuổi"), x3_value))
    if "MN-01-TE" in by_code and "MN-01-TC, ĐK" in by_code:
        te = by_code["MN-01-TE"].sheets[0]
        tc = by_code["MN-01-TC, ĐK"].sheets[0]
        for what, te_row, col in (("phải huy động", "Số trẻ phải huy động ", 9),
                                  ("đến lớp", "Số trẻ đến trường, nhóm, lớp", 10)):
            out.append(Finding(f"Trẻ 5 tuổi: {what}", te.name, f"MN-01-TE: {te_row.strip()}",
                               f"MN-01-TC, ĐK: cột {col + 1}", age_value(te, te_row, "5 tuổi"),
                               tc.value(9, col)))
    if "TH-M1" in by_code and "TH-02" in by_code:
        m1 = by_code["TH-M1"].sheets[0]
        r2 = by_code["TH-02"].sheets[0]
        for age in (6, 11):
            out.append(Finding(f"Trẻ {age} tuổi: phải phổ cập", m1.name, "TH-M1: Phải phổ cập",
                               "TH-02: Phải phổ cập", age_value(m1, "Phải phổ cập", f"{age} tuổi"),
                               column_value(r2, (f"Trẻ {age} tuổi", "Phải phổ cập"))))
    return out


def disagreements(findings: Sequence[Finding]) -> list[Finding]:
    return [f for f in findings if not f.agrees]


CODE = "Kiểm tra số liệu"


def as_form(findings: Sequence[Finding], unit_label: str, year: int) -> Form:
    """The "Kiểm tra số liệu" workbook: every check, disagreements first."""
    s = Sheet("Kiểm tra số liệu", page=Page(landscape=True, repeat_rows=(3, 3)),
              widths={0: 5, 1: 30, 2: 22, 3: 34, 4: 10, 5: 34, 6: 10, 7: 10})
    bad = disagreements(findings)
    s.merge(0, 0, 0, 7, f"KIỂM TRA SỐ LIỆU GIỮA CÁC BIỂU — {unit_label} — năm {year}",
            c.TITLE)
    s.merge(1, 0, 1, 7, (f"Có {len(bad)} chỗ lệch trên {len(findings)} phép so sánh."
                         if bad else f"Cả {len(findings)} phép so sánh đều khớp."),
            Style(italic=True, h="center"))
    heads = ("TT", "Nội dung", "Đơn vị", "Biểu thứ nhất", "Số liệu", "Biểu thứ hai", "Số liệu",
             "Kết quả")
    for i, text in enumerate(heads):
        s.put(3, i, text, c.HEAD9.but(bold=True))
    ordered = [*bad, *(f for f in findings if f.agrees)]
    for n, f in enumerate(ordered, 1):
        r = 3 + n
        s.put(r, 0, n, c.TEXT)
        s.put(r, 1, f.check, c.LABEL)
        s.put(r, 2, f.area, c.LABEL)
        s.put(r, 3, f.left, c.LABEL)
        s.put(r, 4, f.left_value if not isinstance(f.left_value, str) else None, c.NUM)
        s.put(r, 5, f.right, c.LABEL)
        s.put(r, 6, f.right_value if not isinstance(f.right_value, str) else None, c.NUM)
        s.put(r, 7, "Khớp" if f.agrees else "LỆCH", c.TEXT.but(bold=not f.agrees))
    s.preview_rows = 400
    return Form(CODE, "Kiểm tra số liệu giữa các biểu", [s])
