"""The dossier's own documents: the report (.docx), the minutes (.docx), the list of recognition
decisions and the checklist (.xlsx). Every figure is printed from the evaluation as it stands;
the labels are the board's (`pcgd.compliance.pages.standard_views`), so page and paper agree.

Word documents are real ones (python-docx: headings, tables, styles), meant to be edited: the
narrative parts hold a bracketed prompt the officials replace.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

from pcgd.common.vn import fmt_date, fmt_int, fmt_num
from pcgd.dossier import decisions as wf
from pcgd.dossier.schemas import (
    KIND_TITLE,
    KIND_VI,
    MAP_TITLES,
    MISSING,
    NOTE,
    Item,
    Plan,
    authority,
)

EDIT = "[Đơn vị bổ sung: {}]"
STD_SHORT = {"mn5": "MN 5 tuổi", "th": "Tiểu học", "thcs": "THCS", "xmc": "XMC",
             "mn35": "MN 3–5 tuổi"}


def _views(p: Plan) -> tuple[list[dict[str, Any]], list[dict[str, Any]], Any]:
    from pcgd.compliance.pages import child_views, standard_views
    from pcgd.standards import load_rules

    book = load_rules()
    return standard_views(p.evaluation, book), child_views(p.evaluation), book


def pct(value: float | None) -> str:
    """A rate of the evaluation, as the board prints it (two decimals, Vietnamese comma)."""
    return "—" if value is None else fmt_num(value, 2, trim=False) + "%"


def _document() -> Any:
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(13)
    for name in ("Heading 1", "Heading 2", "Heading 3", "Title"):
        doc.styles[name].font.name = "Times New Roman"
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin, section.right_margin = Cm(3), Cm(2)
    section.top_margin = section.bottom_margin = Cm(2)
    return doc


def _header(doc: Any, p: Plan, body: str) -> None:
    """The administrative header: issuing body left, the national motto right (NĐ 30/2020)."""
    table = doc.add_table(rows=1, cols=2)
    _widths(table, [7.0, 9.0])
    left, right = table.rows[0].cells
    parent = p.chain[0].name.upper() if p.chain else ""
    left.paragraphs[0].add_run(parent).bold = False
    left.add_paragraph().add_run(body.upper()).bold = True
    right.paragraphs[0].add_run("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM").bold = True
    right.add_paragraph().add_run("Độc lập - Tự do - Hạnh phúc").bold = True
    right.add_paragraph().add_run(
        f"{_short_place(p)}, ngày … tháng … năm {p.year}").italic = True
    for cell in (left, right):
        for para in cell.paragraphs:
            para.alignment = WD_ALIGN_PARAGRAPH.CENTER
            for run in para.runs:
                run.font.size = Pt(12)


def _short_place(p: Plan) -> str:
    name = p.unit.name
    for prefix in ("Thành phố ", "Tỉnh ", "Huyện ", "Quận ", "Thị xã ", "Xã ", "Phường ",
                   "Thị trấn ", "Đặc khu "):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def _title(doc: Any, *lines: str) -> None:
    for i, line in enumerate(lines):
        para = doc.add_paragraph()
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = para.add_run(line)
        run.bold = True
        run.font.size = Pt(14 if i == 0 else 13)


def _table(doc: Any, head: list[str], rows: list[list[str]], widths: list[float] | None = None
           ) -> Any:
    table = doc.add_table(rows=1, cols=len(head))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, head, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        run.bold = True
        run.font.size = Pt(9)
    for values in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, values, strict=True):
            cell.text = ""
            cell.paragraphs[0].add_run(text).font.size = Pt(9)
    _widths(table, widths or _even(head))
    return table


def _result_vi(level: int | None) -> str:
    """Level 0 is "not yet up to standard", never "up to standard at level 0"."""
    return f"đạt chuẩn mức độ {level}" if level else "chưa đạt chuẩn"


def _even(head: list[str]) -> list[float]:
    """Names and labels get room; the other columns share what is left of the 16 cm line."""
    wide = [i for i, h in enumerate(head) if h in ("Tên", "Tiêu chí", "Đơn vị", "Điều kiện")]
    narrow = len(head) - len(wide)
    rest = 16.0 - 4.5 * len(wide) if wide else 16.0
    return [4.5 if i in wide else rest / max(narrow, 1) for i in range(len(head))]


def _widths(table: Any, widths: list[float]) -> None:
    """Fixed column widths that Word and LibreOffice both honour (grid and every cell)."""
    table.autofit = False
    for col, w in zip(table.columns, widths, strict=True):
        col.width = Cm(w)
        for cell in col.cells:
            cell.width = Cm(w)


def _profile_lines(p: Plan) -> list[str]:
    from pcgd.compliance.pages import PROFILE_VI

    ev = p.evaluation
    lines = [
        f"Đơn vị: {p.unit.name} ({KIND_VI[p.unit.kind]}, mã {p.unit.code})"
        + (f", thuộc {', '.join(u.name for u in p.chain)}" if p.chain else "") + ".",
        f"Năm điều tra: {p.year}; thời điểm thống kê 30/09/{p.year}.",
        f"Bộ quy tắc áp dụng: {PROFILE_VI.get(ev['profile'], ev['profile'])}.",
    ]
    if p.unit.kind == "commune":
        lines.append("Xã thuộc vùng đặc biệt khó khăn (ĐBKK): "
                     + ("có." if ev["dbkk"] else "không."))
    else:
        word = KIND_VI[p.lower[0].kind] if p.lower else "đơn vị"
        lines.append(f"Số {word} trực thuộc: {fmt_int(len(p.lower))}; trong đó "
                     f"{fmt_int(ev['dbkk'])} {word} thuộc vùng ĐBKK;"
                     f" số xã: {fmt_int(len(p.communes))}.")
    if not ev["has_data"]:
        lines.append(f"Chưa có dữ liệu điều tra năm {p.year}: mọi tiêu chuẩn ghi mức 0.")
    return lines


def report_docx(p: Plan, maps: dict[str, bytes]) -> bytes:
    """Báo cáo quá trình thực hiện và kết quả PCGD, XMC (NĐ 20/2014 Điều 26–28)."""
    standards, children, _book = _views(p)
    doc = _document()
    _header(doc, p, f"Ban chỉ đạo PCGD-XMC {p.unit.name}")
    _title(doc, "BÁO CÁO",
           f"Quá trình thực hiện và kết quả phổ cập giáo dục, xóa mù chữ năm {p.year}",
           f"của {p.unit.name}")

    doc.add_heading("I. Đặc điểm tình hình", level=1)
    for line in _profile_lines(p):
        doc.add_paragraph(line, style="List Bullet")
    doc.add_paragraph(EDIT.format("đặc điểm địa lý, dân cư, kinh tế – xã hội liên quan"))

    doc.add_heading("II. Quá trình thực hiện", level=1)
    for topic in ("công tác chỉ đạo, kiện toàn Ban chỉ đạo", "công tác tuyên truyền, huy động",
                  "công tác điều tra, cập nhật số liệu, lưu trữ hồ sơ",
                  "các giải pháp đã thực hiện"):
        doc.add_paragraph(EDIT.format(topic), style="List Bullet")

    doc.add_heading("III. Kết quả", level=1)
    summary = [[s["name"], f"mức độ {s['level']}", f"mức độ {s['recognized_level']}",
                f"mức độ {s['max_level']}"] for s in standards]
    doc.add_paragraph("Tổng hợp mức đạt theo từng tiêu chuẩn (mức 0: chưa đạt):")
    _table(doc, ["Tiêu chuẩn", "Các tỷ lệ đạt", "Mức được đề nghị công nhận", "Mức cao nhất"],
           summary, [7, 3, 3.5, 2.5])
    for n, s in enumerate(standards, 1):
        doc.add_heading(f"{n}. {s['name']}", level=2)
        doc.add_paragraph(f"Kết quả: {_result_vi(s['recognized_level'])} "
                          f"(các tỷ lệ đạt mức độ {s['level']}). {s['source']}.")
        rows = []
        for lv in s["levels"]:
            for r in lv["rows"]:
                rows.append([
                    str(r["level"]), r["label"] + (f" ({r['band']} tuổi)" if r["band"] else ""),
                    fmt_int(r["numerator"]), fmt_int(r["denominator"]), pct(r["rate"]),
                    fmt_num(r["threshold"]) + "%",
                    "Đạt" if r["passed"] else "Chưa đạt",
                    "; ".join(x for x in (
                        "quy tắc chưa đối chiếu văn bản" if r["unverified"] else "",
                        r["note_vi"]) if x),
                ])
        if rows:
            _table(doc, ["Mức", "Tiêu chí", "Tử số", "Mẫu số", "Tỷ lệ", "Ngưỡng", "Kết quả",
                         "Ghi chú"], rows, [1.4, 3.6, 1.4, 1.4, 1.9, 1.8, 1.6, 2.9])
        for lv in s["levels"]:
            if lv["reason"]:
                doc.add_paragraph(f"Mức độ {lv['level']}: {lv['reason']}.")
        for pre in s.get("prerequisites_vi", []):
            doc.add_paragraph(f"Tiêu chuẩn tiên quyết: {pre['name']}.")

    if p.unit.kind != "commune":
        word = KIND_VI[p.lower[0].kind] if p.lower else "đơn vị"
        doc.add_heading(f"IV. Các {word} trực thuộc và mức được công nhận", level=1)
        keys = [s["standard"] for s in standards]
        rows = []
        for c, u in zip(children, p.lower, strict=False):
            state = p.states.get(u.id, "none")
            d = p.decisions.get(u.id)
            rows.append([c["code"], c["name"], "có" if c["dbkk"] else "",
                         *[str(c["levels"].get(k, 0)) for k in keys],
                         wf.STATES_VI.get(state, state),
                         f"{d.number}, {fmt_date(d.date)}" if d else "chưa có"])
        each = (16 - 1.6 - 3.3 - 1.1 - 2.8 - 2.4) / max(len(keys), 1)
        _table(doc, ["Mã", "Tên", "ĐBKK", *[STD_SHORT.get(k, k) for k in keys],
                     "Phê duyệt", "Quyết định công nhận"], rows,
               [1.6, 3.3, 1.1, *[each] * len(keys), 2.8, 2.4])
    doc.add_heading("V. Những tồn tại và yêu cầu cho năm sau", level=1)
    shortfalls = 0
    for s in standards:
        for lv in s["levels"]:
            for r in lv["rows"]:
                if r["passed"] or not r.get("shortfall"):
                    continue
                shortfalls += 1
                who = "người" if p.unit.kind == "commune" else r["unit_word"]
                doc.add_paragraph(
                    f"{s['short']}, mức độ {r['level']} – {r['label']}: tỷ lệ {pct(r['rate'])},"
                    f" ngưỡng {fmt_num(r['threshold'])}%;"
                    f" còn thiếu {fmt_int(r['shortfall'])} {who}."
                    f" Để được công nhận mức độ {r['level']} năm {p.year + 1}, cần thêm ít nhất"
                    f" {fmt_int(r['shortfall'])} {who} đạt tiêu chí này.",
                    style="List Bullet")
    if not shortfalls:
        doc.add_paragraph("Mọi tiêu chí có tỷ lệ đều đạt ngưỡng của mức được xét.")
    doc.add_paragraph(EDIT.format("nguyên nhân, giải pháp và kế hoạch năm sau"))

    doc.add_heading("VI. Điều kiện bảo đảm (Thông tư 07/2016/TT-BGDĐT)", level=1)
    cond_rows = []
    for s in standards:
        for c in s["conditions_vi"]:
            result = ("chưa có dữ liệu" if c["passed"] is None
                      else "Đạt" if c["passed"] else "Chưa đạt")
            cond_rows.append([s["short"], c["label"], c["value_text"], c["threshold_text"], result,
                              c["note_vi"]])
    if cond_rows:
        _table(doc, ["Tiêu chuẩn", "Điều kiện", "Giá trị", "Ngưỡng", "Kết quả", "Ghi chú"],
               cond_rows, [2.0, 5.2, 1.6, 1.6, 2.1, 3.5])
        missing = sum(1 for r in cond_rows if r[4] == "chưa có dữ liệu")
        if missing:
            doc.add_paragraph(f"{missing} điều kiện chưa có dữ liệu trường lớp trong hệ thống: "
                              "cần cập nhật sổ đăng bộ trường, lớp, giáo viên.")
    else:
        doc.add_paragraph("Điều kiện bảo đảm được xét ở từng xã (xem hồ sơ của các xã).")

    doc.add_heading("VII. Bản đồ", level=1)
    for std, png in maps.items():
        doc.add_paragraph(f"Bản đồ {MAP_TITLES[std]}, năm {p.year}:")
        doc.add_picture(io.BytesIO(png), width=Cm(15.5))
    if not maps:
        doc.add_paragraph("Không vẽ được bản đồ cho đơn vị này.")

    doc.add_heading("VIII. Quy tắc chưa đối chiếu được văn bản", level=1)
    unverified = [(s, r) for s in standards for lv in s["levels"] for r in lv["rows"]
                  if r["unverified"]]
    if unverified:
        doc.add_paragraph("Các tiêu chí sau dùng ngưỡng chưa đối chiếu được với nguyên văn văn bản"
                          " quy phạm (ngưỡng lấy theo nguồn thứ ba), cần được cơ quan kiểm tra "
                          "xác nhận:")
        for s, r in unverified:
            doc.add_paragraph(f"{s['short']}, mức độ {r['level']} – {r['label']}: ngưỡng "
                              f"{fmt_num(r['threshold'])}%. {r['source']}.", style="List Bullet")
    else:
        doc.add_paragraph("Không có.")

    doc.add_heading("IX. Đề nghị", level=1)
    proposed = [f"{s['name']} mức độ {s['recognized_level']}" for s in standards
                if s["recognized_level"] > 0]
    doc.add_paragraph(
        f"{p.unit.name} đề nghị kiểm tra, công nhận đạt chuẩn: "
        + ("; ".join(proposed) if proposed else "chưa đủ điều kiện đề nghị công nhận") + ".")
    doc.add_paragraph(f"Thẩm quyền: {authority(p)}")
    _signature(doc, "TRƯỞNG BAN CHỈ ĐẠO")
    return _save(doc)


def _signature(doc: Any, role: str) -> None:
    table = doc.add_table(rows=1, cols=2)
    left, right = table.rows[0].cells
    left.paragraphs[0].add_run("Nơi nhận:").bold = True
    left.add_paragraph("- Như trên;")
    left.add_paragraph("- Lưu: VT.")
    right.paragraphs[0].add_run(role).bold = True
    right.add_paragraph().add_run("(Ký tên, đóng dấu)").italic = True
    for para in right.paragraphs:
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _save(doc: Any) -> bytes:
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def minutes_docx(p: Plan) -> bytes:
    """Biên bản tự kiểm tra (commune) or biên bản kiểm tra (district/province, Đ29): the
    figures filled in; members, place and signatures left to fill."""
    standards, children, _book = _views(p)
    doc = _document()
    own = p.unit.kind == "commune"
    _header(doc, p, f"Đoàn {'tự ' if own else ''}kiểm tra PCGD-XMC")
    if own:
        _title(doc, "BIÊN BẢN", "Tự kiểm tra kết quả phổ cập giáo dục, xóa mù chữ",
               f"năm {p.year} của {p.unit.name}")
    else:
        word = KIND_VI[p.lower[0].kind] if p.lower else "đơn vị"
        _title(doc, "BIÊN BẢN",
               f"Kiểm tra công nhận các {word} đạt chuẩn phổ cập giáo dục, xóa mù chữ",
               f"năm {p.year} – {p.unit.name}")
    doc.add_paragraph("Hôm nay, vào lúc … giờ … ngày … tháng … năm ……, tại ……………………")
    doc.add_paragraph("Căn cứ Nghị định số 20/2014/NĐ-CP ngày 24/3/2014 của Chính phủ về phổ cập "
                      "giáo dục, xóa mù chữ (Điều 29, Điều 30) và Thông tư 07/2016/TT-BGDĐT.")
    doc.add_heading("I. Thành phần đoàn kiểm tra", level=1)
    _table(doc, ["STT", "Họ và tên", "Chức vụ, đơn vị", "Nhiệm vụ trong đoàn"],
           [[str(i), "", "", ""] for i in range(1, 8)], [1.2, 5.3, 5.5, 4])
    doc.add_heading("II. Nội dung kiểm tra", level=1)
    doc.add_paragraph("1. Kiểm tra hồ sơ phổ cập giáo dục, xóa mù chữ: phiếu điều tra, sổ theo dõi,"
                      " danh sách, biểu thống kê, báo cáo.", style="List Bullet")
    doc.add_paragraph("2. Kiểm tra thực tế kết quả phổ cập giáo dục, xóa mù chữ: "
                      + EDIT.format("số hộ, số người được kiểm tra xác suất và kết quả"),
                      style="List Bullet")
    doc.add_heading("III. Kết quả kiểm tra", level=1)
    rows = []
    for s in standards:
        for lv in s["levels"]:
            for r in lv["rows"]:
                rows.append([s["short"], str(r["level"]), r["label"], fmt_int(r["numerator"]),
                             fmt_int(r["denominator"]), pct(r["rate"]),
                             fmt_num(r["threshold"]) + "%", "Đạt" if r["passed"] else "Chưa đạt"])
    _table(doc, ["Tiêu chuẩn", "Mức", "Tiêu chí", "Tử số", "Mẫu số", "Tỷ lệ", "Ngưỡng",
                 "Kết quả"], rows, [2.0, 1.4, 4.3, 1.4, 1.4, 1.9, 1.8, 1.8])
    if not own:
        keys = [s["standard"] for s in standards]
        doc.add_paragraph(f"Kết quả kiểm tra từng {KIND_VI[p.lower[0].kind] if p.lower else ''}:")
        _table(doc, ["Mã", "Tên", *[STD_SHORT.get(k, k) for k in keys], "Ý kiến đoàn"],
               [[c["code"], c["name"], *[str(c["levels"].get(k, 0)) for k in keys], ""]
                for c in children])
    doc.add_heading("IV. Kết luận", level=1)
    for s in standards:
        doc.add_paragraph(f"{s['name']}: {_result_vi(s['recognized_level'])}.",
                          style="List Bullet")
    doc.add_paragraph(EDIT.format("kiến nghị của đoàn kiểm tra"))
    doc.add_paragraph("Biên bản được lập thành 02 bản, đọc cho các thành viên cùng nghe và thống "
                      "nhất ký tên.")
    table = doc.add_table(rows=1, cols=2)
    for cell, role in zip(table.rows[0].cells, ("THƯ KÝ", "TRƯỞNG ĐOÀN"), strict=True):
        cell.paragraphs[0].add_run(role).bold = True
        cell.add_paragraph().add_run("(Ký, ghi rõ họ tên)").italic = True
        for para in cell.paragraphs:
            para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    return _save(doc)


# --- workbooks (xlsxwriter, like every other workbook of the product) ---------------------------


def _workbook(buffer: io.BytesIO) -> Any:
    import xlsxwriter

    return xlsxwriter.Workbook(buffer, {"in_memory": True})


def decisions_xlsx(p: Plan) -> bytes:
    """Quyết định công nhận của các đơn vị cấp dưới (from the workflow): number, date, signer,
    levels; a unit without one says why."""
    standards = [s["standard"] for s in p.evaluation["standards"]]
    buffer = io.BytesIO()
    wb = _workbook(buffer)
    head = wb.add_format({"bold": True, "border": 1, "text_wrap": True, "valign": "top",
                          "font_name": "Times New Roman"})
    cell = wb.add_format({"border": 1, "font_name": "Times New Roman", "text_wrap": True})
    title = wb.add_format({"bold": True, "font_size": 13, "font_name": "Times New Roman"})
    ws = wb.add_worksheet("Quyết định")
    ws.write(0, 0, f"DANH SÁCH QUYẾT ĐỊNH CÔNG NHẬN ĐẠT CHUẨN PCGD-XMC NĂM {p.year} – "
                   f"{p.unit.name.upper()}", title)
    heads = ["STT", "Mã", "Đơn vị", "Trạng thái phê duyệt", "Số quyết định", "Ngày",
             "Người ký", *[f"Mức {STD_SHORT.get(s, s)}" for s in standards]]
    for col, text in enumerate(heads):
        ws.write(2, col, text, head)
    ws.set_column(0, 0, 5)
    ws.set_column(1, 1, 8)
    ws.set_column(2, 3, 30)
    ws.set_column(4, 6, 16)
    ws.set_column(7, 7 + len(standards), 10)
    for i, u in enumerate(p.lower, 1):
        state = p.states.get(u.id, "none")
        d = p.decisions.get(u.id)
        values: list[Any] = [i, u.code, u.name, wf.STATES_VI.get(state, state)]
        if d is None:
            values += ["chưa có", "", ""] + [""] * len(standards)
        else:
            values += [d.number, fmt_date(d.date), d.signer]
            values += [("" if d.levels.get(s) is None else d.levels.get(s)) for s in standards]
        for col, v in enumerate(values):
            ws.write(2 + i, col, v, cell)
    wb.close()
    return buffer.getvalue()


def checklist_xlsx(p: Plan, items: list[Item]) -> bytes:
    """00-danh-muc.xlsx: every item, present or missing with the reason, and a summary."""
    buffer = io.BytesIO()
    wb = _workbook(buffer)
    font = {"font_name": "Times New Roman"}
    head = wb.add_format({**font, "bold": True, "border": 1, "bg_color": "#DDEBF7",
                          "text_wrap": True})
    cell = wb.add_format({**font, "border": 1, "text_wrap": True, "valign": "top"})
    bad = wb.add_format({**font, "border": 1, "bold": True, "font_color": "#B00020",
                         "valign": "top"})
    title = wb.add_format({**font, "bold": True, "font_size": 13})
    ws = wb.add_worksheet("Danh mục")
    ws.write(0, 0, f"DANH MỤC HỒ SƠ ĐỀ NGHỊ CÔNG NHẬN ĐẠT CHUẨN PCGD-XMC NĂM {p.year}", title)
    ws.write(1, 0, f"{KIND_TITLE[p.unit.kind]}: {p.unit.name} (mã {p.unit.code}) · lập ngày "
                   f"{fmt_date(date.today())}")
    missing = sum(1 for i in items if i.status == MISSING)
    notes = sum(1 for i in items if i.status == NOTE)
    ws.write(2, 0, f"Tổng số mục: {fmt_int(len(items))}; thiếu: {fmt_int(missing)}; "
                   f"lưu ý: {fmt_int(notes)}", bad if missing else cell)
    heads = ["STT", "Nhóm", "Thành phần hồ sơ", "Căn cứ", "Tệp trong hồ sơ", "Tình trạng",
             "Lý do, ghi chú"]
    for col, text in enumerate(heads):
        ws.write(4, col, text, head)
    for col, width in enumerate((5, 24, 48, 24, 48, 12, 48)):
        ws.set_column(col, col, width)
    for n, it in enumerate(items, 1):
        values = [n, it.group, it.item, it.basis, it.path, it.status, it.reason]
        for col, v in enumerate(values):
            ws.write(4 + n, col, v, bad if col == 5 and it.status == MISSING else cell)
    ws.autofilter(4, 0, 4 + len(items), len(heads) - 1)
    ws.freeze_panes(5, 0)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    wb.close()
    return buffer.getvalue()


__all__ = ["checklist_xlsx", "decisions_xlsx", "minutes_docx", "report_docx"]
