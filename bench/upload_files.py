"""Hostile upload files for the limit tests and bench/upload_limits.py (made, not shipped)."""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

import xlsxwriter

SHEET = "xl/worksheets/sheet1.xml"
_ROW = b"<row><c><v>1</v></c></row>"


def zip_bomb(path: Path, unpacked: int = 1024**3) -> Path:
    """A valid .xlsx whose one sheet unpacks to `unpacked` bytes of rows (about 4 MB packed)."""
    small = io.BytesIO()
    book = xlsxwriter.Workbook(small)
    book.add_worksheet().write(0, 0, "x")
    book.close()
    chunk = _ROW * (1024 * 1024 // len(_ROW))
    head = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b"<sheetData>")
    tail = b"</sheetData></worksheet>"
    with zipfile.ZipFile(small) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED,
                                                        compresslevel=1) as out:
        for item in src.infolist():
            if item.filename != SHEET:
                out.writestr(item, src.read(item))
        with out.open(SHEET, "w", force_zip64=True) as sheet:
            sheet.write(head)
            written = len(head)
            while written < unpacked:
                sheet.write(chunk)
                written += len(chunk)
            sheet.write(tail)
    return path


def nonsense_csv(path: Path, rows: int = 100_000, seed: int = 1) -> Path:
    """A roll-headed CSV of random words: every cell of every row is an error."""
    from surveys.roll.fields import COLUMN_NAMES

    rnd = random.Random(seed)
    words = ["xyz", "???", "abc", "-1", "9999", "qq", "lorem"]
    lines = [",".join(rnd.choice(words) for _ in COLUMN_NAMES) for _ in range(97)]
    with path.open("w", encoding="utf-8") as f:
        f.write(",".join(COLUMN_NAMES) + "\n")
        f.writelines(lines[i % len(lines)] + "\n" for i in range(rows))
    return path
