"""The national data-entry workbook (sheet `MauNhapLieu`) as a second roll format.

Rows are converted to canonical roll text and then checked by the very same `RollValidator` as a
roll file, so both formats obey one set of rules. Layout: entry-template.md (0-based indices,
header block rows 1-4, people from row 5).

Choices where the workbook and the roll do not map one to one:
- Hamlet = address text before " - " (TT), else the whole address, else the 4th part of the form
  number (`tỉnh_huyện_xã_thôn_stt`). Address, hamlet and residence type left blank on member rows
  are taken from another row of the same household (the national system keeps them per household).
- Khối học: 1–12 → TH/THCS/THPT (GDTX_THCS/GDTX_THPT when "Bổ túc" is marked); "n tuổi" → MN
  group n (n < 3 → NT); texts with "tháng"/"nhà trẻ" → NT; mầm/chồi/lá → 3/4/5; THCN, TDN, trung
  cấp, cao đẳng, sơ cấp → GDNN; SV/đại học → not counted. "Đang học lớp" (XMC) 1–3 → XMC stage 1,
  4–5 → stage 2; "Hoàn thành lớp" 3–4 → stage 1 completed, ≥5 → stage 2, below 3 → 0.
- Bậc tốt nghiệp + Năm tốt nghiệp: the recorded level gets the year ("2014-2015" → 2015); a higher
  level implies the lower ones (THPT ⇒ THCS, TH; THCS ⇒ TH; preschool is never implied) with the
  year estimated as recorded year − programme length (THPT 3, THCS 4 years), never before birth
  year + 4 nor after the recorded year. No year → birth year + usual age (MN 6, TH 11, THCS 15,
  THPT 18), capped at the survey year, with a warning.
- Bậc TN nghề + Năm TN nghề (AB, or AA when only AA holds a year) → gdnn_completed_year; a
  university degree (đại học, thạc sĩ, tiến sĩ) instead implies THPT as above.
- Học xong lớp k / năm (a pupil who left after finishing grade k) → dropout_grade k+1 and that
  year when "Bỏ học" is empty, so the highest completed grade is k (standards §3).
- Disability: any of AJ..AQ → disabled, each marked column one type (disability_types);
  "Khả năng học tập" x → able, else unable; AR → certificate. Written back the same way; a
  disabled person without a recorded type is written under AQ ("Khuyết tật khác").
- Tôn giáo (J) → religion, Diện ưu tiên (K) → priority_group, Điện thoại (AX) → phone,
  Tái mù chữ mức (AI) → relapse_level; a trailing `!` in Lớp học (S) → repeating (lưu ban), `*` →
  two_sessions; "Chuẩn bị tiếng Việt" is our column BB, found by its header like AZ/BA.
- Hoàn cảnh đặc biệt Chuyển đến / Chuyển đi / Chết (else Tình trạng cư trú chuyển đến/đi) →
  movement. The workbook has no movement date: a date written in "Chi tiết hoàn cảnh" is used,
  otherwise the end of the data period (30/09/year) with a warning.
- "Họ tên cha hoặc mẹ" → father_name; mother_name and mn_group_completed are not carried.
- A "Số định danh" (or CCCD) column is found by its header text anywhere in rows 1–4; the
  writer adds one as column AZ. Likewise "Phiên bản hộ" (column BA): each household's stored
  version at export, so a re-import can report households changed since (conflicts).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import xlsxwriter
from python_calamine import WorksheetNotFound

from pcgd.common.text import fold, key, squash
from pcgd.common.values import data_period, format_date_vn, parse_year
from surveys.roll.fields import (
    DISABILITY_TYPE_NAMES,
    FIELD,
    FIELDS,
    HEAD_RELATION,
    MOVEMENT_CODES,
    NEW_FIELDS,
    NEW_TEXT_FIELDS,
)
from surveys.roll.model import Issue, ParseResult, RollHousehold, RollPerson, Severity
from surveys.roll.reader import (
    MAU_NHAP_LIEU_SHEET,
    RollFileError,
    Source,
    open_workbook,
    sheet_rows,
)
from surveys.roll.validate import Record, validate_records

__all__ = [
    "COLUMN_INDEX",
    "FIRST_DATA_ROW",
    "MauNhapLieuTable",
    "convert_rows",
    "parse_mau_nhap_lieu",
    "read_mau_nhap_lieu",
    "write_mau_nhap_lieu",
]

FIRST_DATA_ROW = 5  # 1-based sheet row of the first person
# 0-based column indices (A = 0), entry-template.md
TT = 1  # B
HO_DEM, TEN = 2, 3  # C, D
NGAY, THANG, NAM_SINH = 4, 5, 6  # E, F, G
NU, DAN_TOC = 7, 8  # H, I
CHU_HO_HO_DEM, CHU_HO_TEN = 11, 12  # L, M
DIA_CHI, SO_PHIEU, DIEN_CU_TRU, TINH_TRANG = 13, 14, 15, 16  # N, O, P, Q
KHOI_HOC, MA_TRUONG = 17, 21  # R, V
BAC_TN, BO_TUC, NAM_TN = 22, 23, 24  # W, X, Y
BAC_NGHE, SO_BANG, NAM_NGHE = 25, 26, 27  # Z, AA, AB
HOC_XONG_LOP, HOC_XONG_NAM, BO_HOC_LOP, BO_HOC_NAM = 28, 29, 30, 31  # AC..AF
XMC_DANG_HOC, XMC_HOAN_THANH = 32, 33  # AG, AH
KT_FIRST, KT_OTHER, KT_LAST, KT_CHUNG_NHAN, KHA_NANG = 35, 42, 42, 43, 44  # AJ, AQ, AQ, AR, AS
LOP_HOC, TAI_MU_CHU = 18, 34  # S, AI
VN_PREP_DEFAULT = 53  # BB: our addition (MN child prepared in Vietnamese), found by header
HCDB, HCDB_CHI_TIET, QUAN_HE, CHA_ME = 45, 46, 47, 48  # AT, AU, AV, AW
PERSONAL_ID_DEFAULT = 51  # AZ: our addition, found by header text when reading
VERSION_DEFAULT = 52  # BA: our addition (household's stored version at export), found by header
LAST_OFFICIAL = 50  # AY

# Where each canonical column's problems are shown in the workbook (for annotate).
COLUMN_INDEX: dict[str, int] = {
    "household_code": SO_PHIEU,
    "hamlet": DIA_CHI,
    "address": DIA_CHI,
    "residence_type": DIEN_CU_TRU,
    "full_name": HO_DEM,
    "birth_date": NAM_SINH,
    "sex": NU,
    "ethnicity": DAN_TOC,
    "personal_id": PERSONAL_ID_DEFAULT,
    "relation": QUAN_HE,
    "father_name": CHA_ME,
    "mother_name": CHA_ME,
    "disability": KHA_NANG,
    "movement": HCDB,
    "movement_date": HCDB_CHI_TIET,
    "enrolled_level": KHOI_HOC,
    "enrolled_grade": KHOI_HOC,
    "school_code": MA_TRUONG,
    "mn_completed_year": NAM_TN,
    "mn_group_completed": KHOI_HOC,
    "th_completed_year": NAM_TN,
    "thcs_graduated_year": NAM_TN,
    "thpt_graduated_year": NAM_TN,
    "gdnn_completed_year": NAM_NGHE,
    "xmc_stage_completed": XMC_HOAN_THANH,
    "dropout_grade": BO_HOC_LOP,
    "dropout_year": BO_HOC_NAM,
    "household_version": VERSION_DEFAULT,
    # the official workbook's facts the forms count (issue 10): where the field definition puts them
    **{f.name: f.mnl for f in FIELDS if f.name in NEW_FIELDS and f.mnl is not None},
}
# New free-text fields with a workbook column (Tôn giáo J, Diện ưu tiên K, Điện thoại AX, …):
# read and written as they are, from the field definition.
_TEXT_COLUMNS = tuple((n, FIELD[n].mnl) for n in NEW_TEXT_FIELDS if FIELD[n].mnl is not None)
_TYPE_COLUMNS = tuple(zip(range(KT_FIRST, KT_FIRST + 8), DISABILITY_TYPE_NAMES, strict=True))
_VN_PREP_HEADERS = ("chuan bi tieng viet", "tang cuong tieng viet")

_PID_HEADERS = ("so dinh danh", "so dinh danh ca nhan", "ma dinh danh", "ma so dinh danh")
_CCCD_HEADERS = ("can cuoc cong dan", "cccd", "so cccd", "can cuoc")
_VERSION_HEADERS = ("phien ban ho", "phien ban")
_DATE_IN_TEXT = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})|(\d{4})-(\d{2})-(\d{2})")
_LEADING_INT = re.compile(r"\d+")

_YES = frozenset({"x", "1", "co", "nu", "f", "yes", "true"})
_RESIDENCE = {"thuong tru": "thuong_tru", "tam tru": "tam_tru", "tam vang": "thuong_tru"}
_DIPLOMA = {
    "mn": "MN",
    "mam non": "MN",
    "mau giao": "MN",
    "th": "TH",
    "tieu hoc": "TH",
    "thcs": "THCS",
    "trung hoc co so": "THCS",
    "thpt": "THPT",
    "trung hoc pho thong": "THPT",
}
_DIPLOMA_FIELD = {
    "MN": "mn_completed_year",
    "TH": "th_completed_year",
    "THCS": "thcs_graduated_year",
    "THPT": "thpt_graduated_year",
}
_USUAL_COMPLETION_AGE = {"MN": 6, "TH": 11, "THCS": 15, "THPT": 18, "GDNN": 18}
_UNIVERSITY = ("dai hoc", "thac si", "tien si", "cao hoc", "dh", "sdh")
_NOT_COUNTED = ("sv", "sinh vien", "dai hoc", "cao hoc")
_VOCATIONAL = ("thcn", "tdn", "tcn", "cdn", "trung cap", "cao dang", "so cap", "nghe", "gdnn")


class MauNhapLieuTable:
    """A read workbook: the raw sheet (for annotation) and its canonical records."""

    __slots__ = ("column_index", "issues", "records", "rows")

    def __init__(
        self,
        rows: list[list[str]],
        records: list[Record],
        issues: list[Issue],
        column_index: dict[str, int],
    ) -> None:
        self.rows = rows
        self.records = records
        self.issues = issues
        self.column_index = column_index


# -- reading -------------------------------------------------------------------------------------


def _int(text: str) -> int | None:
    m = _LEADING_INT.search(text)
    return int(m.group()) if m else None


def _blank0(text: str) -> str:
    """The national exporter writes '0' for an empty code; treat it as empty."""
    return "" if text == "0" else text


def _school_year_end(text: str) -> str:
    """'2014-2015' (a school year) → '2015'; anything else unchanged."""
    parts = text.replace("–", "-").split("-")
    if len(parts) == 2 and all(len(p.strip()) == 4 and p.strip().isdigit() for p in parts):
        return parts[1].strip()
    return text


def _find_id_column(header_rows: Sequence[Sequence[str]]) -> int | None:
    cccd = None
    for row in header_rows:
        for i, text in enumerate(row):
            k = key(text)
            if k in _PID_HEADERS:
                return i
            if k in _CCCD_HEADERS and cccd is None:
                cccd = i
    return cccd


def _find_column(header_rows: Sequence[Sequence[str]], names: Sequence[str]) -> int | None:
    for row in header_rows:
        for i, text in enumerate(row):
            if key(text) in names:
                return i
    return None


# Workbook columns hold a few dozen distinct spellings; memoising their keys halves conversion time.
_key = lru_cache(maxsize=4096)(key)
_fold = lru_cache(maxsize=4096)(fold)


def khoi_hoc(text: str, bo_tuc: bool) -> tuple[str, str] | None:
    """Khối học → (enrolled_level, enrolled_grade); None when the text is not recognised."""
    k = _key(text)
    if not k:
        return "", ""
    bare = k.removeprefix("lop ").removeprefix("khoi ").removeprefix("k").strip()
    if bare.isdigit():
        g = int(bare)
        if 1 <= g <= 5:
            return "TH", str(g)
        if 6 <= g <= 9:
            return ("GDTX_THCS" if bo_tuc else "THCS"), str(g)
        if 10 <= g <= 12:
            return ("GDTX_THPT" if bo_tuc else "THPT"), str(g)
        return None
    if k.endswith("tuoi"):
        n = _int(k)
        if n is None or n > 5:
            return None
        return "MN", ("NT" if n < 3 else str(n))
    if "thang" in k or k.startswith("nha tre") or k == "nt":
        return "MN", "NT"
    if k in ("mn", "mam non", "mau giao"):
        return "MN", ""  # the validator asks for the age group
    if k.startswith(_NOT_COUNTED):
        return "", ""
    if k.startswith(_VOCATIONAL):
        return "GDNN", ""
    for words, group in (("la", "5"), ("choi", "4"), ("mam", "3")):
        if k == words or (k.startswith(words + " ") and not k.startswith("mam non")):
            return "MN", group
    for words, group in (("mau giao lon", "5"), ("mau giao nho", "4"), ("mau giao be", "3")):
        if k.startswith(words):
            return "MN", group
    return None


def _xmc_class_stage(text: str) -> int | None:
    k = key(text)
    if k.startswith(("gd", "giai doan")):
        n = _int(k)
        return n if n in (1, 2) else None
    n = _int(k) if k.isdigit() else None
    if n is None or not 1 <= n <= 5:
        return None
    return 1 if n <= 3 else 2


def _xmc_completed_stage(text: str) -> int | None:
    n = _int(text) if text.isdigit() else None
    if n is None:
        return None
    return 2 if n >= 5 else 1 if n >= 3 else 0


def _implied(recorded: int, gap: int, birth_year: int | None) -> int:
    floor = recorded - gap if birth_year is None else max(recorded - gap, birth_year + 4)
    return min(recorded, floor)


class _Converter:
    """Turns one workbook row into canonical roll text (plus conversion issues).

    Rows arrive padded to the sheet's full width, so cells are read by plain indexing.
    """

    def __init__(
        self, year: int, pid_col: int | None, version_col: int | None = None,
        vn_prep_col: int | None = None,
    ) -> None:
        self.vn_prep_col = vn_prep_col
        self.year = year
        self.pid_col = pid_col
        self.version_col = version_col
        self.period_end = data_period(year)[1]
        self.issues: list[Issue] = []

    def _issue(self, r: int, col: str, message: str, severity: Severity = "error") -> None:
        self.issues.append(Issue(r, col, message, severity))

    def row(self, r: int, c: Sequence[str]) -> dict[str, str]:
        v: dict[str, str] = {}
        code = c[SO_PHIEU]
        address = squash(c[DIA_CHI])
        v["household_code"] = code
        v["address"] = address
        v["hamlet"] = address.split(" - ", 1)[0].strip() if address else ""
        residence = c[DIEN_CU_TRU]
        v["residence_type"] = _RESIDENCE.get(_key(residence), residence)
        v["full_name"] = squash(f"{c[HO_DEM]} {c[TEN]}")
        v["birth_date"] = self._birth(r, c)
        nu = c[NU]
        v["sex"] = "F" if _fold(nu) in _YES else ("M" if not nu else nu)
        v["ethnicity"] = c[DAN_TOC]
        v["personal_id"] = c[self.pid_col] if self.pid_col is not None else ""
        v["household_version"] = c[self.version_col] if self.version_col is not None else ""
        v["relation"] = c[QUAN_HE]
        v["father_name"] = c[CHA_ME]
        v["mother_name"] = ""
        if any(_blank0(c[i]) for i in range(KT_FIRST, KT_LAST + 1)):
            v["disability"] = "able" if _fold(c[KHA_NANG]) in _YES else "unable"
        else:
            v["disability"] = ""
        v["movement"], v["movement_date"] = self._movement(r, c)
        v["school_code"] = c[MA_TRUONG]
        self._enrolment(r, c, v)
        birth_year = _int(c[NAM_SINH][:4]) if c[NAM_SINH] else None
        self._diplomas(r, c, v, birth_year)
        self._dropout(c, v)
        stage = c[XMC_HOAN_THANH]  # here "0" is a real value: stage 0
        v["xmc_stage_completed"] = ""
        if stage:
            n = _xmc_completed_stage(stage)
            if n is None:
                self._issue(
                    r, "xmc_stage_completed", f"Hoàn thành lớp (XMC): không nhận ra “{stage}”"
                )
            else:
                v["xmc_stage_completed"] = str(n)
        v["mn_group_completed"] = ""
        self._workbook_facts(c, v)
        return v

    def _workbook_facts(self, c: Sequence[str], v: dict[str, str]) -> None:
        """Religion, priority group, phone, disability types and certificate, relapse level, and
        the class-name marks: a trailing `!` is a repeater (lưu ban), `*` two sessions a day."""
        for name, col in _TEXT_COLUMNS:
            v[name] = c[col]
        v["disability_types"] = ",".join(code for i, code in _TYPE_COLUMNS if _blank0(c[i]))
        v["disability_certificate"] = "x" if _fold(c[KT_CHUNG_NHAN]) in _YES else ""
        v["relapse_level"] = _blank0(c[TAI_MU_CHU])
        lop = c[LOP_HOC]
        v["repeating"] = "x" if "!" in lop else ""
        v["two_sessions"] = "x" if "*" in lop else ""
        col = self.vn_prep_col
        v["vn_prep"] = "x" if col is not None and _fold(c[col]) in _YES else ""

    def _birth(self, r: int, c: Sequence[str]) -> str:
        day, month, year = c[NGAY], c[THANG], c[NAM_SINH]
        if not year:
            return ""
        if day and month:
            return f"{day}/{month}/{year}"
        if day or month:
            self._issue(
                r, "birth_date", "Ngày sinh: thiếu ngày hoặc tháng, chỉ dùng năm", "warning"
            )
        return year

    def _movement(self, r: int, c: Sequence[str]) -> tuple[str, str]:
        text = _key(c[HCDB])
        movement = ""
        if text:
            movement = MOVEMENT_CODES.get(text, "")
            if not movement and ("chet" in text or "tu vong" in text or text == "mat"):
                movement = "deceased"
        if not movement:
            status = _key(c[TINH_TRANG])
            if status in ("chuyen den", "chuyen di"):
                movement = MOVEMENT_CODES[status]
        if not movement:
            return "", ""
        m = _DATE_IN_TEXT.search(c[HCDB_CHI_TIET])
        if m:
            if m.group(1):
                return movement, f"{m.group(1)}/{m.group(2)}/{m.group(3)}"
            return movement, f"{m.group(4)}-{m.group(5)}-{m.group(6)}"
        end = format_date_vn(self.period_end)
        self._issue(
            r,
            "movement_date",
            f"Ngày biến động: tệp MauNhapLieu không ghi ngày, lấy cuối kỳ số liệu {end}",
            "warning",
        )
        return movement, self.period_end.isoformat()

    def _enrolment(self, r: int, c: Sequence[str], v: dict[str, str]) -> None:
        text = c[KHOI_HOC]
        found = khoi_hoc(text, _fold(c[BO_TUC]) in _YES)
        if found is None:
            self._issue(r, "enrolled_level", f"Khối học: không nhận ra “{text}”")
            found = ("", "")
        level, grade = found
        xmc = _blank0(c[XMC_DANG_HOC])
        if not level and xmc:
            stage = _xmc_class_stage(xmc)
            if stage is None:
                self._issue(r, "enrolled_level", f"Đang học lớp (XMC): không nhận ra “{xmc}”")
            else:
                level, grade = "XMC", str(stage)
        v["enrolled_level"], v["enrolled_grade"] = level, grade

    def _diplomas(self, r: int, c: Sequence[str], v: dict[str, str], birth: int | None) -> None:
        years: dict[str, int] = {}
        raw: dict[str, str] = {}
        level_text = _blank0(c[BAC_TN])
        year_text = _school_year_end(c[NAM_TN])
        if level_text:
            level = _DIPLOMA.get(_key(level_text))
            if level is None:
                self._issue(r, "th_completed_year", f"Bậc tốt nghiệp: không nhận ra “{level_text}”")
            else:
                self._recorded(r, level, year_text, birth, years, raw, "Năm tốt nghiệp")
        elif year_text:
            self._issue(
                r, "th_completed_year", "Năm tốt nghiệp: có năm nhưng thiếu bậc, bỏ qua", "warning"
            )
        vocational = _blank0(c[BAC_NGHE])
        if vocational:
            nam = c[NAM_NGHE] or (c[SO_BANG] if parse_year(c[SO_BANG])[0] else "")
            nam = _school_year_end(nam)
            if _key(vocational).startswith(_UNIVERSITY):
                if "THPT" not in years and "THPT" not in raw:
                    y, _ = parse_year(nam)
                    if y is not None:
                        years["THPT"] = _implied(y, 4, birth)
                    else:
                        self._recorded(r, "THPT", "", birth, years, raw, "Năm tốt nghiệp")
            else:
                self._recorded(r, "GDNN", nam, birth, years, raw, "Năm TN nghề")
        self._imply(years, birth)
        for level, field in (*_DIPLOMA_FIELD.items(), ("GDNN", "gdnn_completed_year")):
            v[field] = raw.get(level) or (str(years[level]) if level in years else "")

    def _recorded(
        self,
        r: int,
        level: str,
        year_text: str,
        birth: int | None,
        years: dict[str, int],
        raw: dict[str, str],
        label: str,
    ) -> None:
        field = _DIPLOMA_FIELD.get(level, "gdnn_completed_year")
        if year_text:
            y, _ = parse_year(year_text)
            if y is None:
                raw[level] = year_text  # the validator reports the bad year on its column
            else:
                years[level] = y
            return
        if birth is None:
            self._issue(r, field, f"{label}: thiếu năm cho bậc {level}")
            return
        estimate = min(birth + _USUAL_COMPLETION_AGE[level], self.year)
        years[level] = estimate
        self._issue(r, field, f"{label}: trống, ước tính {estimate} cho bậc {level}", "warning")

    @staticmethod
    def _imply(years: dict[str, int], birth: int | None) -> None:
        if "THPT" in years:
            years.setdefault("THCS", _implied(years["THPT"], 3, birth))
        if "THCS" in years:
            years.setdefault("TH", _implied(years["THCS"], 4, birth))

    @staticmethod
    def _dropout(c: Sequence[str], v: dict[str, str]) -> None:
        grade, year = _blank0(c[BO_HOC_LOP]), _blank0(c[BO_HOC_NAM])
        if not grade and not year:
            done = _int(_blank0(c[HOC_XONG_LOP]))
            if done is not None and 1 <= done <= 11:
                grade, year = str(done + 1), _blank0(c[HOC_XONG_NAM])
        v["dropout_grade"] = str(_int(grade)) if grade and _int(grade) is not None else grade
        v["dropout_year"] = _school_year_end(year)


def _fill_household_fields(records: list[tuple[int, dict[str, str]]]) -> None:
    """Members' blank address/hamlet/residence type come from their household's other rows;
    a household without any address takes its hamlet from the form number."""
    shared: dict[str, dict[str, str]] = {}
    for _, v in records:
        code = v["household_code"]
        if code:
            known = shared.setdefault(code, {})
            for k in ("address", "hamlet", "residence_type"):
                if v[k] and k not in known:
                    known[k] = v[k]
    for _, v in records:
        known = shared.get(v["household_code"], {})
        for k in ("address", "hamlet", "residence_type"):
            if not v[k] and k in known:
                v[k] = known[k]
        code = v["household_code"]
        if not v["hamlet"] and code.count("_") >= 3:
            v["hamlet"] = code.split("_")[3]  # no address anywhere: the form number's hamlet


def convert_rows(rows: Sequence[Sequence[str]], *, year: int) -> MauNhapLieuTable:
    """Canonical records from the MauNhapLieu sheet's rows (all of them, header block included)."""
    pid_col = _find_id_column(rows[: FIRST_DATA_ROW - 1])
    version_col = _find_column(rows[: FIRST_DATA_ROW - 1], _VERSION_HEADERS)
    vn_prep_col = _find_column(rows[: FIRST_DATA_ROW - 1], _VN_PREP_HEADERS)
    conv = _Converter(year, pid_col, version_col, vn_prep_col)
    width = max(PERSONAL_ID_DEFAULT, pid_col or 0, version_col or 0, vn_prep_col or 0) + 1
    records: list[tuple[int, dict[str, str]]] = []
    for n in range(FIRST_DATA_ROW - 1, len(rows)):
        c = rows[n]
        if len(c) < width:
            c = [*c, *([""] * (width - len(c)))]
        if not (c[TT] or c[HO_DEM] or c[TEN] or c[NAM_SINH] or c[SO_PHIEU]):
            continue
        records.append((n + 1, conv.row(n + 1, c)))
    _fill_household_fields(records)
    index = dict(COLUMN_INDEX)
    if pid_col is not None:
        index["personal_id"] = pid_col
    if version_col is not None:
        index["household_version"] = version_col
    if vn_prep_col is not None:
        index["vn_prep"] = vn_prep_col
    return MauNhapLieuTable(list(rows), list(records), conv.issues, index)


def read_mau_nhap_lieu(source: Source, filename: str = "", *, year: int) -> MauNhapLieuTable:
    """Read the sheet MauNhapLieu of an .xls/.xlsx workbook."""
    workbook = open_workbook(source, filename)
    name = next(
        (n for n in workbook.sheet_names if n.strip().lower() == MAU_NHAP_LIEU_SHEET.lower()), None
    )
    if name is None:
        raise RollFileError(f"{filename or 'Bảng tính'}: không có trang {MAU_NHAP_LIEU_SHEET}")
    try:
        rows = sheet_rows(workbook, name)
    except WorksheetNotFound as exc:  # pragma: no cover - listed but unreadable
        raise RollFileError(f"Không đọc được trang {name}") from exc
    return convert_rows(rows, year=year)


def parse_mau_nhap_lieu(
    source: Source,
    filename: str = "",
    *,
    year: int,
    known_schools: Iterable[str] | None = None,
) -> ParseResult:
    """Read and validate a MauNhapLieu workbook with the roll rules."""
    table = read_mau_nhap_lieu(source, filename, year=year)
    schools = None if known_schools is None else frozenset(known_schools)
    return validate_records(table.records, year=year, known_schools=schools, extra=table.issues)


# -- writing -------------------------------------------------------------------------------------

_GROUPS = (
    (1, 10, "Thông tin đối tượng"),
    (11, 16, "Thông tin nơi đang ở"),
    (17, 31, "Thông tin học tập"),
    (32, 34, "Xóa mù chữ"),
    (35, 44, "Khuyết tật"),
    (45, 46, "Hoàn cảnh"),
    (47, 50, "Thông tin liên lạc"),
)
_HEADERS = {
    1: "TT",
    2: "Họ đệm",
    3: "Tên",
    4: "Ngày",
    5: "Tháng",
    6: "Năm sinh",
    7: "Nữ",
    8: "Dân tộc",
    9: "Tôn giáo",
    10: "Diện ưu tiên",
    13: "Địa chỉ: số nhà, tên đường, tổ (nếu có)",
    14: "Số phiếu",
    15: "Diện cư trú",
    16: "Tình trạng cư trú",
    17: "Khối học",
    18: "Lớp học",
    21: "Mã trường",
    22: "Bậc tốt nghiệp",
    23: "Bổ túc",
    24: "Năm tốt nghiệp",
    25: "Bậc TN nghề",
    27: "Năm TN nghề",
    32: "Đang học lớp",
    33: "Hoàn thành lớp",
    34: "Tái mù chữ mức",
    35: "Khuyết tật vận động",
    36: "Khuyết tật nghe nói",
    37: "Khuyết tật nhìn",
    38: "Khuyết tật thần kinh, tâm thần",
    39: "Khuyết tật trí tuệ",
    40: "Khuyết tật học tập",
    41: "Tự kỷ",
    42: "Khuyết tật khác",
    43: "Có chứng nhận khuyết tật",
    44: "Khả năng học tập",
    45: "Hoàn cảnh đặc biệt",
    46: "Chi tiết hoàn cảnh đặc biệt",
    47: "Quan hệ với chủ hộ",
    48: "Họ tên cha hoặc mẹ",
    49: "Điện thoại",
    50: "Ghi chú",
    PERSONAL_ID_DEFAULT: "Số định danh cá nhân",
    VERSION_DEFAULT: "Phiên bản hộ",
    VN_PREP_DEFAULT: "Chuẩn bị tiếng Việt",
}
_PAIRS = ((11, 12, "Chủ hộ"), (28, 29, "Học xong"), (30, 31, "Bỏ học"))
_UNNUMBERED = frozenset({19, 20, 26})
_WIDTHS = {
    1: 5, 2: 18, 3: 14, 4: 7, 5: 7, 6: 9, 7: 6, 8: 14, 9: 12, 10: 14, 11: 16, 12: 12, 13: 25,
    14: 25, 15: 14, 16: 18, 17: 10, 18: 12, 21: 18, 22: 16, 23: 9, 24: 12, 25: 14, 27: 13,
    28: 9, 29: 9, 30: 9, 31: 9, 32: 14, 33: 14, 34: 14, 35: 15, 36: 15, 37: 13, 38: 20, 39: 15,
    40: 15, 41: 10, 42: 15, 43: 17, 44: 15, 45: 18, 46: 24, 47: 18, 48: 20, 49: 15, 50: 24,
    51: 20, 52: 10, 53: 10,
}  # fmt: skip
_RESIDENCE_TEXT = {"thuong_tru": "Thường trú", "tam_tru": "Tạm trú"}
_MOVEMENT_TEXT = {"moved_in": "Chuyển đến", "moved_out": "Chuyển đi", "deceased": "Chết"}
_XMC_CLASS = {1: "1", 2: "4"}  # first class of each literacy stage
_XMC_DONE = {0: "0", 1: "3", 2: "5"}  # class equivalent of a completed stage


def _split_name(name: str) -> tuple[str, str]:
    parts = name.rsplit(" ", 1)
    return ("", parts[0]) if len(parts) == 1 else (parts[0], parts[1])


def _khoi_hoc_text(p: RollPerson) -> str:
    level, grade = p.enrolled_level, p.enrolled_grade
    if level == "MN":
        return "Nhà trẻ" if grade == "NT" else f"{grade} tuổi"
    if level in ("TH", "THCS", "THPT", "GDTX_THCS", "GDTX_THPT"):
        return grade
    if level == "GDNN":
        return "THCN"
    return ""


def _address_text(p: RollPerson) -> str:
    if not p.address:
        return p.hamlet
    if p.address.split(" - ", 1)[0].strip() == p.hamlet:
        return p.address
    return f"{p.hamlet} - {p.address}" if p.hamlet else p.address


def _diploma(p: RollPerson) -> tuple[str, int | None]:
    for level, year in (
        ("THPT", p.thpt_graduated_year),
        ("THCS", p.thcs_graduated_year),
        ("TH", p.th_completed_year),
        ("MN", p.mn_completed_year),
    ):
        if year is not None:
            return level, year
    return "", None


def _person_row(p: RollPerson, seq: int, head: RollPerson | None) -> dict[int, str | int]:
    ho_dem, ten = _split_name(p.full_name)
    out: dict[int, str | int] = {TT: seq, HO_DEM: ho_dem, TEN: ten, NAM_SINH: p.birth_year}
    if p.birth_date is not None:
        out[NGAY], out[THANG] = p.birth_date.day, p.birth_date.month
    if p.sex == "F":
        out[NU] = "x"
    out[DAN_TOC] = p.ethnicity or "Kinh"
    if head is not None:
        out[CHU_HO_HO_DEM], out[CHU_HO_TEN] = _split_name(head.full_name)
    out[DIA_CHI] = _address_text(p)
    out[SO_PHIEU] = p.household_code
    out[DIEN_CU_TRU] = _RESIDENCE_TEXT.get(p.residence_type, p.residence_type)
    out[TINH_TRANG] = {"moved_in": "Chuyển đến", "moved_out": "Chuyển đi"}.get(p.movement, "Đang ở")
    out[KHOI_HOC] = _khoi_hoc_text(p)
    if p.enrolled_level.startswith("GDTX"):
        out[BO_TUC] = "x"
    if p.enrolled_level == "XMC" and p.enrolled_grade:
        out[XMC_DANG_HOC] = _XMC_CLASS[int(p.enrolled_grade)]
    out[MA_TRUONG] = p.school_code
    level, year = _diploma(p)
    if level:
        out[BAC_TN], out[NAM_TN] = level, year  # type: ignore[assignment]
    if p.gdnn_completed_year is not None:
        out[BAC_NGHE], out[NAM_NGHE] = "THCN", p.gdnn_completed_year
    if p.dropout_grade is not None:
        out[BO_HOC_LOP] = p.dropout_grade
    if p.dropout_year is not None:
        out[BO_HOC_NAM] = p.dropout_year
    if p.xmc_stage_completed is not None:
        out[XMC_HOAN_THANH] = _XMC_DONE[p.xmc_stage_completed]
    if p.disability:
        types = p.disability_types.split(",") if p.disability_types else ()
        for col, code in _TYPE_COLUMNS:
            if code in types:
                out[col] = "x"
        if not types:
            out[KT_OTHER] = "x"  # the workbook knows a disabled person only by a type
        if p.disability == "able":
            out[KHA_NANG] = "x"
    if p.disability_certificate:
        out[KT_CHUNG_NHAN] = "x"
    if p.relapse_level is not None:
        out[TAI_MU_CHU] = p.relapse_level
    if p.repeating or p.two_sessions:
        out[LOP_HOC] = f"{out[KHOI_HOC]}{'!' if p.repeating else ''}{'*' if p.two_sessions else ''}"
    if p.vn_prep:
        out[VN_PREP_DEFAULT] = "x"
    for name, col in _TEXT_COLUMNS:
        value = getattr(p, name)
        if value:
            out[col] = value
    if p.movement:
        out[HCDB] = _MOVEMENT_TEXT[p.movement]
        if p.movement_date is not None:
            out[HCDB_CHI_TIET] = format_date_vn(p.movement_date)
    out[QUAN_HE] = "Chủ hộ" if p.relation == HEAD_RELATION else p.relation
    out[CHA_ME] = p.father_name or p.mother_name
    out[PERSONAL_ID_DEFAULT] = p.personal_id
    if p.household_version is not None:
        out[VERSION_DEFAULT] = p.household_version
    return out


def write_mau_nhap_lieu(households: Iterable[RollHousehold], path: str | Path) -> None:
    """Write households as a MauNhapLieu workbook (header rows 1–4, people from row 5)."""
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False})
    try:
        ws = wb.add_worksheet(MAU_NHAP_LIEU_SHEET)
        head = wb.add_format(
            {
                "bold": True, "font_name": "Arial", "font_size": 9, "align": "center",
                "valign": "vcenter", "text_wrap": True, "border": 1,
            }
        )  # fmt: skip
        body = wb.add_format({"font_name": "Arial", "font_size": 9})
        for first, last, text in _GROUPS:
            ws.merge_range(0, first, 0, last, text, head)
        paired = {c for a, b, _ in _PAIRS for c in (a, b)}
        for col, text in _HEADERS.items():
            if col not in paired:
                ws.merge_range(1, col, 2, col, text, head)
        for a, b, text in _PAIRS:
            ws.merge_range(1, a, 1, b, text, head)
            ws.write_string(2, a, "Lớp" if text != "Chủ hộ" else "Họ đệm", head)
            ws.write_string(2, b, "Năm" if text != "Chủ hộ" else "Tên", head)
        number = 0
        for col in range(1, LAST_OFFICIAL + 1):
            if col not in _UNNUMBERED:
                number += 1
                ws.write_number(3, col, number, head)
        for col, width in _WIDTHS.items():
            ws.set_column(col, col, width)
        ws.freeze_panes(FIRST_DATA_ROW - 1, 2)
        r = FIRST_DATA_ROW - 1
        seq = 0
        for h in households:
            head_person = h.head
            for p in h.members:
                seq += 1
                for col, value in _person_row(p, seq, head_person).items():
                    if isinstance(value, int):
                        ws.write_number(r, col, value, body)
                    elif value:
                        ws.write_string(r, col, value, body)
                r += 1
    finally:
        wb.close()
