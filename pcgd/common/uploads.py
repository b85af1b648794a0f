"""Limits on uploaded files, checked before a file is parsed (one definition for every import).

The largest real commune roll is well under 50,000 persons (a 10 MB CSV, a 5 MB workbook), so
the limits leave room for that while a crafted file (a 4 MB workbook that unpacks to 1 GB, a
CSV of millions of nonsense rows) is refused in milliseconds with flat memory. The upload pages
say the same numbers (`LIMITS_TEXT`).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from pcgd.common.vn import fmt_int
from pcgd.settings import max_upload_mb

MAX_UPLOAD_BYTES = max_upload_mb() * 1024 * 1024  # what a user may send (PCGD_MAX_UPLOAD_MB)
MAX_UNPACKED_BYTES = 200 * 1024 * 1024  # a workbook's contents once unzipped
MAX_ROWS = 60_000  # data rows of a file (the largest commune roll is < 50,000 persons)
MAX_COLUMNS = 200
MAX_ISSUES = 1_000  # errors (and warnings) listed; beyond, "và N lỗi khác"
ZIP_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".ods")

LIMITS_TEXT = (
    f"Tệp tối đa {MAX_UPLOAD_BYTES // (1024 * 1024)} MB (bảng tính giải nén tối đa"
    f" {MAX_UNPACKED_BYTES // (1024 * 1024)} MB), tối đa {fmt_int(MAX_ROWS)} dòng dữ liệu và"
    f" {MAX_COLUMNS} cột; chỉ liệt kê {fmt_int(MAX_ISSUES)} lỗi đầu tiên."
)


class UploadRefused(ValueError):
    """The file breaks a limit; the message (Vietnamese) says which."""


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f}".replace(".", ",")


def check_upload(source: bytes | Path, filename: str) -> None:
    """Refuse a file over the size limits before anything parses it.

    Workbooks are zip archives: the declared unpacked size is summed first, then every member
    is decompressed once in 1 MB steps (bounded by its declared size, so a member lying about
    its size fails its checksum) without keeping anything.
    """
    size = len(source) if isinstance(source, bytes) else Path(source).stat().st_size
    name = Path(filename).name or "tệp"
    if size > MAX_UPLOAD_BYTES:
        raise UploadRefused(
            f"{name}: tệp {_mb(size)} MB, vượt giới hạn {_mb(MAX_UPLOAD_BYTES)} MB"
        )
    if not filename.lower().endswith(ZIP_SUFFIXES):
        return
    try:
        with zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source) as zf:
            members = zf.infolist()
            declared = sum(m.file_size for m in members)
            if declared > MAX_UNPACKED_BYTES:
                raise UploadRefused(
                    f"{name}: bảng tính giải nén ra {_mb(declared)} MB, vượt giới hạn"
                    f" {_mb(MAX_UNPACKED_BYTES)} MB"
                )
            for m in members:
                with zf.open(m) as stream:
                    while stream.read(1024 * 1024):
                        pass
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError,
            RuntimeError) as exc:
        raise UploadRefused(f"{name}: không phải bảng tính hợp lệ (tệp nén hỏng)") from exc


def check_rows(rows: int, columns: int, filename: str) -> None:
    name = Path(filename).name or "tệp"
    if rows > MAX_ROWS:
        raise UploadRefused(f"{name}: có hơn {fmt_int(MAX_ROWS)} dòng dữ liệu; hãy chia tệp")
    if columns > MAX_COLUMNS:
        raise UploadRefused(f"{name}: có {columns} cột, vượt giới hạn {MAX_COLUMNS} cột")


def more_issues_text(omitted: int, kind: str = "lỗi") -> str:
    return f"và {fmt_int(omitted)} {kind} khác (chỉ liệt kê {fmt_int(MAX_ISSUES)} {kind} đầu tiên)"
