"""The cell model, its one xlsx writer and its HTML preview show the same cells."""

from __future__ import annotations

import io

import openpyxl

from reports import html
from reports.forms import common as c
from reports.model import Body, Form, Sheet, Style, col_letter, file_name, ref, sheet_name
from reports.xlsx import form_bytes, write_form


def _sheet() -> Sheet:
    s = Sheet("Biểu", widths={0: 10.43, 1: 6.0})
    s.merge(0, 0, 0, 2, "TIÊU ĐỀ", Style(bold=True, h="center"))
    s.put(1, 0, 1234, c.NUM)
    s.put(1, 1, 1000, c.NUM)
    c.rate(s, 1, 2, (1, 0), (1, 1), 1234, 1000)
    c.rate(s, 2, 2, (1, 0), (2, 1), 5, 0)
    s.put(2, 0, None, c.NUM)  # a pending fact
    return s


def test_names_and_references() -> None:
    assert file_name("MN-01-TC, ĐK") == "MN-01-TC-ĐK.xlsx"
    assert file_name("Sổ / theo dõi") == "Sổ-theo-dõi.xlsx"
    assert [col_letter(i) for i in (0, 25, 26, 51, 52)] == ["A", "Z", "AA", "AZ", "BA"]
    assert ref(4, 27) == "AB5"
    taken: set[str] = set()
    assert sheet_name("Xã [Tân]: Lập/Thạch" * 3, taken) != sheet_name("Xã [Tân]: Lập/Thạch" * 3,
                                                                      taken)


def test_xlsx_holds_formulas_with_cached_values_and_widths() -> None:
    data = form_bytes(Form("X-1", "Thử", [_sheet()]))
    formulas = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    values = openpyxl.load_workbook(io.BytesIO(data), data_only=True).worksheets[0]
    assert formulas["C2"].value == '=IF(B2=0,"",A2/B2)'
    assert values["C2"].value == 1.234 and formulas["C2"].number_format == "0.00%"
    assert values["C3"].value in (None, "")  # denominator 0: the formula shows nothing
    assert values["A3"].value is None  # pending: empty, not 0
    assert [str(r) for r in formulas.merged_cells.ranges] == ["A1:C1"]
    assert abs(formulas.column_dimensions["A"].width - 10.43) < 0.02


def test_streamed_body_in_constant_memory_mode(tmp_path) -> None:
    s = Sheet("DS")
    s.put(0, 0, "Tiêu đề", Style(bold=True))
    s.body = Body(2, ((n, f"Người {n}") for n in range(1, 2001)), [c.NUM, c.LABEL])
    path = tmp_path / "ds.xlsx"
    write_form(Form("DS-X", "Danh sách", [s]), path)
    ws = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "Tiêu đề" and rows[2] == (1, "Người 1") and rows[-1] == (2000,
                                                                                "Người 2000")


def test_preview_is_the_same_cells_the_vietnamese_way() -> None:
    out = str(html.render(_sheet()))
    assert 'colspan="3"' in out and "TIÊU ĐỀ" in out
    assert "1.234" in out and "123,40%" in out  # 1.234 → 123,40%
    assert "style=" not in out and "<script" not in out
    s = Sheet("Dài")
    for r in range(100):
        s.put(r, 0, f"<b>{r}</b>")
    long = str(html.render(s, limit=10))
    assert "&lt;b&gt;9&lt;/b&gt;" in long and "&lt;b&gt;10&lt;/b&gt;" not in long
    assert "còn 90 dòng nữa" in long


def _parts(content: bytes) -> dict[str, bytes]:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        return {n: zf.read(n) for n in zf.namelist() if n != "docProps/core.xml"}


def test_the_one_step_cell_writer_writes_xlsxwriters_own_xml(monkeypatch, tmp_path) -> None:
    """reports.xlsx writes the usual cells (formatted number, string, blank) in one step; the
    files are byte for byte those of xlsxwriter's general path, in memory and streamed."""
    from xlsxwriter.worksheet import Worksheet

    from reports import xlsx

    awkward = ["a & b < c > d \"e\"", "  leading and trailing  ", "tab\there", "ctl\x01x",
               "_x0041_ literal", "<r>not rich</r>", "dòng\nmới", ""]
    s = _sheet()
    for i, text in enumerate(awkward):
        s.put(4 + i, 0, text, c.LABEL)
        s.put(4 + i, 1, i * 1.5 if i % 2 else 10 ** i, c.NUM)
        s.put(4 + i, 2, None, c.BLANK)
    s.put(20, 0, 0.1 + 0.2, Style())  # a cell with the default style
    streamed = Sheet("Danh sách")
    streamed.put(0, 0, "Tiêu đề", Style(bold=True))
    streamed.body = Body(2, [(n, text, None, n / 3) for n, text in enumerate(awkward)],
                         [c.NUM, c.LABEL, c.BLANK, c.DEC])
    forms = [Form("A", "a", [s]), Form("B", "b", [streamed])]

    def written() -> list[dict[str, bytes]]:
        out = []
        for form in forms:
            path = tmp_path / form.file_name
            write_form(form, path)
            out.append(_parts(path.read_bytes()))
        return out

    fast = written()
    monkeypatch.setattr(xlsx._Sheet, "_write_cell", Worksheet._write_cell)
    general = written()
    assert fast == general
    assert b"leading and trailing" in fast[1]["xl/worksheets/sheet1.xml"]
