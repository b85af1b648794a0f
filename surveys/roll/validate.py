"""The import rules of roll-format.md, applied identically to files, the MauNhapLieu workbook and
the web form (all three feed canonical text records into `RollValidator`).

Choices where the spec leaves room (also in the package docstring):
- "Future" means after the end of the survey's data period, 30 Sep of `year`; a year field is in
  the future when it is greater than `year`. So a movement dated after 30 Sep is an error, and the
  "outside the data period" warning covers movement dates before 1 Oct of `year - 1`.
- Members of one household must name the same hamlet (error: the hamlet decides where the
  household is counted); a different non-blank address is only a warning.
- "Same person" compares full names case-insensitively (diacritics kept: Hùng ≠ Hưng) and the
  birth date, or the birth year when neither row has a full date.
- The "completion year before birth year + 4" error covers every year column, dropout included.
- The age check covers MN, TH, THCS and THPT; GDTX and XMC serve over-age learners by design.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from operator import attrgetter, gt, itemgetter
from typing import Any

from pcgd.common.perf import gc_paused
from pcgd.common.text import key, name_key, squash
from pcgd.common.uploads import MAX_ISSUES
from pcgd.common.values import data_period, format_date_vn, parse_date, parse_int, parse_year
from pcgd.common.vn import fmt_int
from surveys.roll import identity
from surveys.roll.fields import (
    AGE_CHECKED_LEVELS,
    COLUMN_NAMES,
    DISABILITY_CODES,
    DISABILITY_TYPE_NAMES,
    DISABILITY_TYPES,
    FLAG_FIELDS,
    GRADES,
    HEAD_KEYS,
    HEAD_RELATION,
    KINH,
    LABELS,
    LEVEL_CODES,
    MAX_LENGTHS,
    MN_GROUPS,
    MOVEMENT_CODES,
    NEW_FIELDS,
    NEW_TEXT_FIELDS,
    REQUIRED,
    RESIDENCE_CODES,
    SEX_CODES,
    XMC_STAGES,
    YEAR_FIELDS,
    ethnic_group,
    match_header,
)
from surveys.roll.model import Issue, ParseResult, RollHousehold, RollPerson, Severity

__all__ = [
    "HouseholdCheck",
    "RollValidator",
    "map_header",
    "parse_roll",
    "parse_roll_rows",
    "validate_records",
]

Record = tuple[int, Mapping[str, str]]  # (row number, canonical column -> stripped text)

_HEADS = dict.fromkeys(HEAD_KEYS, HEAD_RELATION)

_SCHOOL_AGE_OFFSET = 5  # grade g is the usual grade at age g + 5 (standards §1: age = Y - birth)
_MAX_LATE = 3
_NT_USUAL_AGE = 2  # nursery (nhà trẻ) groups end at age 2
_DROPOUT_GRADES = range(1, 13)
# Stored lengths of the free-text columns (personal_id has its own 12-digit rule).
_LENGTH_COLS = tuple(c for c in MAX_LENGTHS if c != "personal_id")
_LIMITS = tuple(MAX_LENGTHS[c] for c in _LENGTH_COLS)
_length_values = attrgetter(*_LENGTH_COLS)
RELAPSE_MIN_AGE = 15  # literacy counts people of 15 and over (standards §4)
REPEAT_LEVELS = frozenset({"TH", "THCS", "THPT", "GDTX_THCS", "GDTX_THPT"})
_NO_FACTS: dict[str, Any] = {}
_FLAG_CODES = {
    **dict.fromkeys(("x", "1", "co", "c", "yes", "y", "true", "dung"), "1"),
    **dict.fromkeys(("0", "khong", "k", "no", "n", "false"), "0"),
}
_LIST_SEPARATORS = re.compile(r"[,/+]")


def _disability_type_codes() -> dict[str, str]:
    out: dict[str, str] = {}
    for i, (code, label) in enumerate(DISABILITY_TYPES, start=1):
        for text in (code, label, f"khuyet tat {label}", f"kt {label}", str(i)):
            out[key(text)] = code
    out[key("nghe nói")] = out[key("nghe")] = out[key("nói")] = "hearing_speech"
    out[key("thần kinh")] = out[key("tâm thần")] = "neuro_mental"
    out[key("học tập")] = out[key("khuyết tật học tập")] = "learning"
    out[key("tự kỉ")] = "autism"
    return out


_DISABILITY_TYPE_CODES = _disability_type_codes()


def _column_letter(index: int) -> str:
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def map_header(header: Sequence[str]) -> tuple[dict[str, int], list[Issue]]:
    """Canonical column → index, plus the header errors (unknown, duplicate, missing columns)."""
    index: dict[str, int] = {}
    issues: list[Issue] = []
    for i, cell in enumerate(header):
        text = squash(str(cell))
        if not text:
            continue  # a blank header is fine as long as its column is empty (checked per row)
        name = match_header(text)
        if name is None:
            issues.append(Issue(1, text, f"Cột “{text}”: không có trong định dạng pcgd roll v1"))
        elif name in index:
            first = _column_letter(index[name])
            issues.append(Issue(1, text, f"Cột “{text}”: trùng với cột {first} ({name})"))
        else:
            index[name] = i
    for name in REQUIRED:
        if name not in index:
            issues.append(Issue(1, name, f"{LABELS[name]}: thiếu cột bắt buộc “{name}”"))
    return index, issues


class RollValidator:
    """Turns canonical text records into households and issues for one survey year.

    One instance per import: it keeps per-import caches of parsed dates and ethnic names, which
    repeat a lot and dominate the cost of a large file.
    """

    def __init__(
        self,
        *,
        year: int,
        known_schools: Collection[str] | None = None,
        other_personal_ids: Mapping[str, str] | None = None,
        skip_required: Collection[str] = (),
        row_name: Callable[[int], str] | None = None,
    ) -> None:
        self.year = year
        # How a message names another row: a file row, or a member on the web form.
        self.row_name = row_name or (lambda n: f"dòng {n}")
        self.period_start, self.period_end = data_period(year)
        self.known_schools = None if known_schools is None else frozenset(known_schools)
        self.other_ids = other_personal_ids or {}
        self.skip_required = frozenset(skip_required)
        self.errors: list[Issue] = []
        self.warnings: list[Issue] = []
        self.omitted: dict[str, int] = {"error": 0, "warning": 0}
        self._dates: dict[tuple[str, bool], tuple[dt.date | None, int | None, str | None]] = {}
        self._ethnic: dict[str, tuple[str, bool]] = {}
        self._codes: dict[str, dict[str, str | None]] = {}
        self._years: dict[str, tuple[int | None, str | None]] = {}

    # -- issue helpers ---------------------------------------------------------------------------

    def _add(self, row: int, col: str, reason: str, severity: Severity = "error") -> None:
        target = self.errors if severity == "error" else self.warnings
        if len(target) >= MAX_ISSUES:  # a file of nonsense must not build millions of issues
            self.omitted[severity] += 1
            return
        target.append(Issue(row, col, f"{LABELS.get(col, col)}: {reason}", severity))

    def _warn(self, row: int, col: str, reason: str) -> None:
        self._add(row, col, reason, "warning")

    # -- cached parsers --------------------------------------------------------------------------

    def _date(self, text: str, year_only: bool) -> tuple[dt.date | None, int | None, str | None]:
        k = (text, year_only)
        hit = self._dates.get(k)
        if hit is None:
            hit = self._dates[k] = parse_date(text, year_only=year_only)
        return hit

    def _ethnicity(self, text: str) -> tuple[str, bool]:
        hit = self._ethnic.get(text)
        if hit is None:
            group = ethnic_group(text)
            if group is None:
                hit = (squash(text), False)
            else:
                hit = ("" if group == KINH else group, True)
            self._ethnic[text] = hit
        return hit

    def _lookup(self, col: str, text: str, codes: Mapping[str, str]) -> str | None:
        """`codes[key(text)]`, memoised per column: a file repeats a handful of spellings."""
        cache = self._codes.get(col)
        if cache is None:
            cache = self._codes[col] = {}
        elif text in cache:
            return cache[text]
        found = cache[text] = codes.get(key(text))
        return found

    def _code(self, r: int, col: str, text: str, codes: Mapping[str, str], allowed: str) -> str:
        if not text:
            return ""
        code = self._lookup(col, text, codes)
        if code is None:
            self._add(r, col, f"giá trị không hợp lệ “{text}” (cho phép: {allowed})")
            return ""
        return code

    # -- one row ---------------------------------------------------------------------------------

    def person(self, r: int, v: Mapping[str, str]) -> RollPerson:
        """Parse and check one record (every rule that needs only this row)."""
        add, warn, get = self._add, self._warn, v.get
        for col in REQUIRED:
            if not get(col) and col not in self.skip_required:
                add(r, col, "thiếu giá trị (bắt buộc)")

        code, hamlet = get("household_code", ""), squash(get("hamlet", ""))
        residence = self._code(
            r, "residence_type", get("residence_type", ""), RESIDENCE_CODES, "thuong_tru, tam_tru"
        )
        birth_date, birth_year = self._birth(r, get("birth_date", ""))

        sex = ""
        text = get("sex", "")
        if text:
            sex = self._lookup("sex", text, SEX_CODES) or ""
            if not sex:
                add(r, "sex", f"giá trị không hợp lệ “{text}” (cho phép: M, F, nam, nữ)")

        ethnicity = ""
        text = get("ethnicity", "")
        if text:
            ethnicity, known = self._ethnicity(text)
            if not known:
                warn(r, "ethnicity", f"“{text}” không thuộc 54 dân tộc Việt Nam")

        personal_id = get("personal_id", "").replace(" ", "")
        if personal_id:
            self._check_personal_id(r, personal_id, sex, birth_year)

        relation = get("relation", "")
        relation = (
            squash(relation)
            if self._lookup("relation", relation, _HEADS) is None
            else HEAD_RELATION
        )

        disability = self._code(
            r, "disability", get("disability", ""), DISABILITY_CODES, "able, unable"
        )
        movement, movement_date = "", None
        if get("movement") or get("movement_date"):
            movement, movement_date = self._movement(r, v)
        level = grade = ""
        if get("enrolled_level") or get("enrolled_grade"):
            level, grade = self._enrolment(r, v, birth_year)

        school = get("school_code", "")
        if school and self.known_schools is not None and school not in self.known_schools:
            add(r, "school_code", f"mã trường “{school}” không có trong danh mục trường")

        years: dict[str, int | None] = dict.fromkeys(YEAR_FIELDS)
        for col in YEAR_FIELDS:
            text = get(col)
            if text:
                years[col] = self._year(r, col, text, birth_year)
        mn_group = xmc = dropout_grade = None
        if get("mn_group_completed"):
            mn_group = self._small_int(r, "mn_group_completed", v, MN_GROUPS)
            if mn_group is not None and mn_group < 5 and years["mn_completed_year"] is not None:
                reason = f"nhóm {mn_group} mâu thuẫn với năm hoàn thành CT GDMN"
                warn(r, "mn_group_completed", reason)
        if get("xmc_stage_completed"):
            xmc = self._small_int(r, "xmc_stage_completed", v, XMC_STAGES)
        if get("dropout_grade"):
            dropout_grade = self._small_int(r, "dropout_grade", v, _DROPOUT_GRADES)
        dropout_year = years["dropout_year"]
        has_grade, has_year = bool(get("dropout_grade")), bool(get("dropout_year"))
        if has_grade and not has_year:
            warn(r, "dropout_year", "có lớp bỏ học nhưng thiếu năm bỏ học")
        elif has_year and not has_grade:
            warn(r, "dropout_grade", "có năm bỏ học nhưng thiếu lớp bỏ học")
        if level and dropout_year == self.year:
            warn(r, "dropout_year", f"bỏ học năm {dropout_year} nhưng đang học cấp {level}")

        facts = (  # files and forms without the issue-10 fields skip this
            self._workbook_facts(r, v, disability, level, ethnicity, birth_year)
            if any(map(get, NEW_FIELDS)) else _NO_FACTS
        )
        person = RollPerson(
            **facts,
            household_code=code,
            hamlet=hamlet,
            address=squash(get("address", "")),
            residence_type=residence,
            full_name=squash(get("full_name", "")),
            birth_date=birth_date,
            birth_year=birth_year or 0,
            sex=sex,
            ethnicity=ethnicity,
            personal_id=personal_id,
            relation=relation,
            father_name=squash(get("father_name", "")),
            mother_name=squash(get("mother_name", "")),
            disability=disability,
            movement=movement,
            movement_date=movement_date,
            enrolled_level=level,
            enrolled_grade=grade,
            school_code=school,
            mn_completed_year=years["mn_completed_year"],
            mn_group_completed=mn_group,
            th_completed_year=years["th_completed_year"],
            thcs_graduated_year=years["thcs_graduated_year"],
            thpt_graduated_year=years["thpt_graduated_year"],
            gdnn_completed_year=years["gdnn_completed_year"],
            xmc_stage_completed=xmc,
            dropout_grade=dropout_grade,
            dropout_year=dropout_year,
            household_version=self._version(r, get("household_version", "")),
            source_row=r,
        )
        values = _length_values(person)
        if any(map(gt, map(len, values), _LIMITS)):  # C-level: one pass over 20,000 rows is cheap
            for col, limit, value in zip(_LENGTH_COLS, _LIMITS, values, strict=True):
                if len(value) > limit:
                    add(r, col, f"dài {fmt_int(len(value))} ký tự, tối đa {fmt_int(limit)} ký tự")
        return person

    def _workbook_facts(
        self, r: int, v: Mapping[str, str], disability: str, level: str, ethnicity: str,
        birth_year: int | None,
    ) -> dict[str, Any]:
        """The official workbook's facts (issue 10), with the rules that tie them to the rest."""
        add, get = self._add, v.get
        out: dict[str, Any] = {}
        for col in FLAG_FIELDS:
            text = get(col, "")
            if text:
                flag = self._lookup(col, text, _FLAG_CODES)
                if flag is None:
                    add(r, col, f"giá trị không hợp lệ “{text}” (cho phép: x, có, 1 hoặc để trống)")
                out[col] = flag == "1"
        text = get("disability_types", "")
        if text:
            out["disability_types"] = types = self._disability_types(r, text)
            if types and not disability:
                add(r, "disability_types", "có dạng khuyết tật nhưng cột Khuyết tật để trống "
                    "(ghi able hoặc unable)")
        if out.get("disability_certificate") and not disability:
            add(r, "disability_certificate", "có chứng nhận nhưng cột Khuyết tật để trống")
        if get("relapse_level"):
            relapse = out["relapse_level"] = self._small_int(r, "relapse_level", v, (1, 2))
            age = self.year - birth_year if birth_year else None
            if relapse is not None and age is not None and age < RELAPSE_MIN_AGE:
                add(r, "relapse_level", f"chỉ ghi cho người từ {RELAPSE_MIN_AGE} tuổi trở lên "
                    f"(tuổi {age})")
        if out.get("repeating") and level not in REPEAT_LEVELS:
            add(r, "repeating", "chỉ ghi cho người đang học một lớp phổ thông "
                "(TH, THCS, THPT, GDTX)")
        if out.get("two_sessions") and level not in ("MN", "TH"):
            add(r, "two_sessions", "chỉ ghi cho trẻ đang học mầm non hoặc tiểu học")
        if out.get("vn_prep"):
            if level != "MN":
                add(r, "vn_prep", "chỉ ghi cho trẻ đang học mầm non")
            elif not ethnicity:
                self._warn(r, "vn_prep", "trẻ dân tộc Kinh (thường chỉ ghi cho trẻ DTTS)")
        for col in NEW_TEXT_FIELDS:
            if get(col):
                out[col] = squash(get(col, ""))
        text = get("phone", "")
        if text:
            phone = out["phone"]
            digits = phone.removeprefix("+").replace(" ", "").replace(".", "").replace("-", "")
            if not (digits.isdigit() and digits.isascii() and 8 <= len(digits) <= 15):
                add(r, "phone", f"số điện thoại không hợp lệ “{text}” (8–15 chữ số)")
        return out

    def _disability_types(self, r: int, text: str) -> str:
        found: set[str] = set()
        parts = text.split(";") if ";" in text else _LIST_SEPARATORS.split(text)
        for part in parts:
            if not part.strip():
                continue
            code = self._lookup("disability_types", part, _DISABILITY_TYPE_CODES)
            if code is None:
                allowed = ", ".join(DISABILITY_TYPE_NAMES)
                self._add(r, "disability_types",
                          f"giá trị không hợp lệ “{part.strip()}” (cho phép: {allowed} hoặc 1–8)")
            else:
                found.add(code)
        return ",".join(c for c in DISABILITY_TYPE_NAMES if c in found)

    def _birth(self, r: int, text: str) -> tuple[dt.date | None, int | None]:
        if not text:
            return None, None
        date, year, reason = self._date(text, True)
        if reason:
            self._add(r, "birth_date", reason)
            return None, None
        assert year is not None
        if date is not None and date > self.period_end:
            self._add(r, "birth_date", f"ngày trong tương lai ({format_date_vn(date)})")
            return None, None
        if year > self.year:
            self._add(r, "birth_date", f"năm sinh trong tương lai ({year})")
            return None, None
        return date, year

    def _check_personal_id(self, r: int, pid: str, sex: str, birth_year: int | None) -> None:
        if len(pid) != 12 or not pid.isdigit() or not pid.isascii():
            hint = " — có thể Excel đã bỏ số 0 ở đầu" if len(pid) == 11 and pid.isdigit() else ""
            self._add(r, "personal_id", f"cần đúng 12 chữ số (“{pid}”){hint}")
            return
        if birth_year is None or birth_year < 1900:
            return
        century = 2 * (birth_year // 100 - 19)
        if sex:
            expected = str(century + (sex == "F"))
            if pid[3] != expected:
                self._warn(
                    r,
                    "personal_id",
                    f"chữ số thứ 4 là {pid[3]}, với giới tính {'nữ' if sex == 'F' else 'nam'} "
                    f"sinh năm {birth_year} phải là {expected}",
                )
        elif pid[3] not in (str(century), str(century + 1)):
            reason = f"chữ số thứ 4 ({pid[3]}) không khớp năm sinh {birth_year}"
            self._warn(r, "personal_id", reason)
        if pid[4:6] != f"{birth_year % 100:02d}":
            self._warn(
                r, "personal_id", f"chữ số 5–6 là {pid[4:6]}, không khớp năm sinh {birth_year}"
            )

    def _movement(self, r: int, v: Mapping[str, str]) -> tuple[str, dt.date | None]:
        movement = self._code(
            r, "movement", v.get("movement", ""), MOVEMENT_CODES, "moved_in, moved_out, deceased"
        )
        text = v.get("movement_date", "")
        date = None
        if text:
            date, _, reason = self._date(text, False)
            if reason:
                self._add(r, "movement_date", reason)
            elif date is not None and date > self.period_end:
                self._add(r, "movement_date", f"ngày trong tương lai ({format_date_vn(date)})")
                date = None
            elif date is not None and date < self.period_start:
                s, e = format_date_vn(self.period_start), format_date_vn(self.period_end)
                self._warn(
                    r, "movement_date", f"{format_date_vn(date)} ngoài kỳ số liệu ({s} – {e})"
                )
            if not v.get("movement"):
                self._warn(r, "movement_date", "có ngày biến động nhưng không có biến động")
        elif movement:
            self._add(r, "movement_date", "bắt buộc khi có biến động")
        return movement, date

    def _enrolment(self, r: int, v: Mapping[str, str], birth_year: int | None) -> tuple[str, str]:
        text, grade = v.get("enrolled_level", ""), v.get("enrolled_grade", "")
        level = ""
        if text:
            level = self._lookup("enrolled_level", text, LEVEL_CODES) or ""
            if not level:
                self._add(r, "enrolled_level", f"giá trị không hợp lệ “{text}”")
                return "", ""
        if grade:
            if grade.isdigit():
                grade = str(int(grade))
            elif key(grade) in ("nt", "nha tre"):
                grade = "NT"
        if not level:
            if grade:
                self._add(r, "enrolled_grade", f"có lớp {grade} nhưng không có cấp học")
            return "", ""
        allowed = GRADES[level]
        if not allowed:
            if grade:
                self._add(r, "enrolled_grade", f"cấp {level} không có lớp (“{grade}”)")
            return level, ""
        if not grade:
            self._add(r, "enrolled_grade", f"thiếu lớp cho cấp {level} ({', '.join(allowed)})")
            return level, ""
        if grade not in allowed:
            self._add(
                r, "enrolled_grade", f"lớp {grade} không có ở cấp {level} ({', '.join(allowed)})"
            )
            return level, ""
        if birth_year is not None and level in AGE_CHECKED_LEVELS:
            self._check_age(r, level, grade, self.year - birth_year)
        return level, grade

    def _check_age(self, r: int, level: str, grade: str, age: int) -> None:
        if grade == "NT":
            lo, hi = 0, _NT_USUAL_AGE
        else:
            g = int(grade)
            lo = hi = g if level == "MN" else g + _SCHOOL_AGE_OFFSET
        what = f"nhóm {grade} tuổi" if level == "MN" else f"lớp {grade}"
        if age - hi > _MAX_LATE:
            reason = f"{what} ở tuổi {age}, muộn {age - hi} năm so với tuổi quy định"
            self._warn(r, "enrolled_grade", reason)
        elif age < lo:
            reason = f"{what} ở tuổi {age}, sớm {lo - age} năm so với tuổi quy định"
            self._warn(r, "enrolled_grade", reason)

    def _year(self, r: int, col: str, text: str, birth_year: int | None) -> int | None:
        if not text:
            return None
        hit = self._years.get(text)
        if hit is None:
            hit = self._years[text] = parse_year(text)
        year, reason = hit
        if reason:
            self._add(r, col, reason)
            return None
        assert year is not None
        if year > self.year:
            self._add(r, col, f"năm trong tương lai ({year} > năm điều tra {self.year})")
        elif birth_year is not None and year < birth_year + 4:
            self._add(r, col, f"năm {year} sớm hơn năm sinh + 4 ({birth_year} + 4)")
        return year

    def _version(self, r: int, text: str) -> int | None:
        if not text:
            return None
        value = parse_int(text)
        if value is None or value < 1:
            self._add(r, "household_version", f"giá trị không hợp lệ “{text}” (số nguyên từ 1)")
            return None
        return value

    def _small_int(
        self, r: int, col: str, v: Mapping[str, str], allowed: Collection[int]
    ) -> int | None:
        text = v.get(col, "")
        if not text:
            return None
        value = parse_int(text)
        if value is None or value not in allowed:
            shown = ", ".join(map(str, allowed)) if len(allowed) < 5 else "1–12"
            self._add(r, col, f"giá trị không hợp lệ “{text}” (cho phép: {shown})")
            return None
        return value

    # -- households ------------------------------------------------------------------------------

    def run(self, records: Iterable[Record]) -> ParseResult:
        """Validate every record, group them into households and check each household."""
        with gc_paused():
            groups: dict[str, list[RollPerson]] = {}
            for r, v in records:
                p = self.person(r, v)
                if p.household_code:
                    groups.setdefault(p.household_code, []).append(p)
            households = [self._household(code, members) for code, members in groups.items()]
            self._check_personal_ids(households)
        self.errors.sort(key=_row_of)
        self.warnings.sort(key=_row_of)
        return ParseResult(households, self.errors, self.warnings,
                           omitted_errors=self.omitted["error"],
                           omitted_warnings=self.omitted["warning"])

    def _household(self, code: str, members: list[RollPerson]) -> RollHousehold:
        first = members[0]
        hamlet = next((p.hamlet for p in members if p.hamlet), "")
        address = next((p.address for p in members if p.address), "")
        heads = [p for p in members if p.relation == HEAD_RELATION]
        if not heads:
            self._add(first.source_row, "relation", f"hộ {code} không có chủ hộ (chu_ho)")
        for extra in heads[1:]:
            self._add(
                extra.source_row,
                "relation",
                f"hộ {code} có hai chủ hộ ({self.row_name(heads[0].source_row)}"
                f" và {self.row_name(extra.source_row)})",
            )
        seen: dict[tuple[str, int], list[RollPerson]] = {}
        hamlet_key, address_key = key(hamlet), key(address)
        for p in members:
            # (the same text has the same key: members carrying the household's own hamlet or
            # address, as the form and the API send them, need no folding)
            if p.hamlet and p.hamlet != hamlet and key(p.hamlet) != hamlet_key:
                self._add(p.source_row, "hamlet", f"“{p.hamlet}” khác thôn/tổ của hộ ({hamlet})")
            if p.address and p.address != address and key(p.address) != address_key:
                self._warn(
                    p.source_row, "address", f"“{p.address}” khác địa chỉ của hộ ({address})"
                )
            if p.full_name and p.birth_year:
                alike = seen.setdefault((name_key(p.full_name), p.birth_year), [])
                earlier = next(
                    (q for q in alike if identity.by_name(p, q, across_households=False)), None
                )
                if earlier is not None:
                    self._add(
                        p.source_row,
                        "full_name",
                        f"trùng người ở {self.row_name(earlier.source_row)}"
                        " (cùng họ tên và ngày sinh)",
                    )
                alike.append(p)
        versions = [p for p in members if p.household_version is not None]
        for p in versions[1:]:
            if p.household_version != versions[0].household_version:
                self._add(
                    p.source_row, "household_version",
                    f"{p.household_version} khác phiên bản của hộ"
                    f" ({versions[0].household_version}, {self.row_name(versions[0].source_row)})",
                )
        version = versions[0].household_version if versions else None
        return RollHousehold(code, hamlet, address, members, version)

    def _check_personal_ids(self, households: list[RollHousehold]) -> None:
        owner: dict[str, tuple[str, int]] = {}
        for h in households:
            for p in h.members:
                pid = p.personal_id
                if not pid:
                    continue
                other = self.other_ids.get(pid)
                if other is not None and other != h.household_code:
                    self._warn(p.source_row, "personal_id", f"{pid} đã có ở hộ {other}")
                first = owner.setdefault(pid, (h.household_code, p.source_row))
                if first[1] == p.source_row:
                    continue
                where = "cùng hộ" if first[0] == h.household_code else f"hộ {first[0]}"
                reason = f"{pid} trùng với {self.row_name(first[1])} ({where})"
                self._warn(p.source_row, "personal_id", reason)


def _row_of(issue: Issue) -> int:
    return issue.row


# -- entry points ---------------------------------------------------------------------------------


def parse_roll(
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    year: int,
    known_schools: Collection[str] | None = None,
) -> ParseResult:
    """Parse a roll table (first row = `header`, data from file row 2) and apply every rule."""
    index, header_issues = map_header(header)
    missing = [c for c in REQUIRED if c not in index]
    width = len(header)
    blank_cols = [i for i, h in enumerate(header) if not str(h).strip()]
    validator = RollValidator(year=year, known_schools=known_schools, skip_required=missing)
    validator.errors.extend(header_issues)
    names = tuple(index)
    getter = itemgetter(*index.values()) if len(index) > 1 else None
    stray: list[int] = []

    def records() -> Iterable[Record]:
        for n, cells in enumerate(rows, start=2):
            ncell = len(cells)
            if ncell >= width and getter is not None:
                values = dict(zip(names, map(str.strip, getter(cells)), strict=True))
            else:
                values = {name: cells[i].strip() for name, i in index.items() if i < ncell}
            if (ncell > width and any(c.strip() for c in cells[width:])) or (
                blank_cols and any(i < ncell and cells[i].strip() for i in blank_cols)
            ):
                stray.append(n)
            if not any(values.values()):
                continue  # blank row (or data only in unknown columns, already reported)
            yield n, values

    result = validator.run(records())
    for n in stray:
        result.errors.append(Issue(n, "", "Dòng có dữ liệu nằm trong cột không có tên"))
    if stray:
        result.errors.sort(key=_row_of)
    return result


def validate_records(
    records: Iterable[Record],
    *,
    year: int,
    known_schools: Collection[str] | None = None,
    extra: Iterable[Issue] = (),
) -> ParseResult:
    """Validate records already in canonical form (the MauNhapLieu importer's entry point)."""
    validator = RollValidator(year=year, known_schools=known_schools)
    for issue in extra:
        (validator.errors if issue.severity == "error" else validator.warnings).append(issue)
    return validator.run(records)


# -- the web form / API ----------------------------------------------------------------------------

FieldIssues = dict[tuple[int, str], list[str]]


class HouseholdCheck:
    """Result of checking one household from the web form or API.

    `errors` / `warnings` map (member index, field) to messages; household-wide problems use the
    index of the member they point at (the first member when none), index -1 for an empty
    household. `issues` keeps the same problems as `Issue`s (row = member index) for JSON output.
    """

    __slots__ = ("errors", "household", "issues", "warnings")

    def __init__(self, household: RollHousehold | None, issues: list[Issue]) -> None:
        self.household = household
        self.issues = issues
        self.errors: FieldIssues = {}
        self.warnings: FieldIssues = {}
        for i in issues:
            target = self.errors if i.severity == "error" else self.warnings
            target.setdefault((i.row, i.column), []).append(i.message)

    @property
    def ok(self) -> bool:
        return not self.errors


def _as_text(value: object) -> str:
    if value.__class__ is str:  # most values of a form or an API body: no checks to run
        return value.strip()  # type: ignore[attr-defined]
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "x" if value else ""
    return str(value).strip()


_KNOWN_KEYS = frozenset(COLUMN_NAMES)
# Attributes of RollPerson that are not roll columns: accepted so a serialised person can be sent
# back as is (birth_year stands in for a blank birth_date; source_row is ignored).
_MODEL_ONLY_KEYS = frozenset({"birth_year", "source_row"})
_ACCEPTED_KEYS = _KNOWN_KEYS | _MODEL_ONLY_KEYS


def parse_roll_rows(
    members: Sequence[Mapping[str, object]],
    *,
    year: int,
    known_schools: Collection[str] | None = None,
    household: Mapping[str, object] | None = None,
    other_personal_ids: Mapping[str, str] | None = None,
) -> HouseholdCheck:
    """Check one household as the web form sends it: member dicts keyed by canonical names.

    `household` supplies household_code/hamlet/address for members that leave them out;
    `other_personal_ids` (personal_id → household_code) lets the API flag IDs already used by
    another household of the commune. Same rules, same messages as a file import.
    """
    defaults = {k: _as_text(household.get(k)) for k in household} if household else {}
    issues: list[Issue] = []
    records: list[Record] = []
    for i, member in enumerate(members):
        if not _ACCEPTED_KEYS.issuperset(member):
            for k in member:
                if k not in _ACCEPTED_KEYS:
                    issues.append(
                        Issue(i, k, f"Trường “{k}”: không có trong định dạng pcgd roll v1"))
        get = member.get
        values: dict[str, str] = {}
        for k in COLUMN_NAMES:  # _as_text inlined for the usual blank and plain-text values
            v = get(k)
            values[k] = "" if v is None else v.strip() if v.__class__ is str else _as_text(v)
        year_text = _as_text(member.get("birth_year"))
        if year_text and year_text != "0":
            if not values["birth_date"]:
                values["birth_date"] = year_text  # a RollPerson sent back: year-only birth
            elif not values["birth_date"].startswith(year_text):
                message = f"Năm sinh: {year_text} khác năm của ngày sinh {values['birth_date']}"
                issues.append(Issue(i, "birth_year", message))
        for k in ("household_code", "hamlet", "address"):
            if not values[k]:
                values[k] = defaults.get(k, "")
        records.append((i, values))
    if not members:
        issues.append(Issue(-1, "", "Hộ: chưa có thành viên nào"))
    codes = {v["household_code"] for _, v in records if v["household_code"]}
    if len(codes) > 1:
        for i, v in records:
            if v["household_code"] != records[0][1]["household_code"]:
                issues.append(Issue(i, "household_code", "Số phiếu: khác số phiếu của hộ"))
    validator = RollValidator(
        year=year,
        known_schools=known_schools,
        other_personal_ids=other_personal_ids,
        row_name=lambda i: f"thành viên {i + 1}",
    )
    result = validator.run(records)
    issues.extend(result.errors)
    issues.extend(result.warnings)
    found = result.households[0] if len(result.households) == 1 else None
    return HouseholdCheck(found, issues)
