"""What a map shows: each unit's class from its §7 evaluation, with the legend's labels and colours.

Pure: takes evaluation results (standards.md §7 objects), returns one class per unit. The same
classes colour the PNG, the SVG and the page legend.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pcgd.common.vn import fmt_num
from pcgd.errors import UserError
from pcgd.standards import RuleBook

NO_DATA = "nodata"
NO_DATA_LABEL = "Chưa có dữ liệu"
NO_DATA_FILL = "#ffffff"
NO_DATA_HATCH = "#8c8c8c"
NO_RATE = "norate"

LEVEL_COLOURS = {0: "#f4a582", 1: "#d9f0a3", 2: "#78c679", 3: "#238443"}
PASS_COLOUR, FAIL_COLOUR = "#41ab5d", "#f4a582"
RATE_BREAKS = (50, 70, 80, 90, 95)
RATE_COLOURS = ("#b2182b", "#ef8a62", "#fddbc7", "#d9f0a3", "#78c679", "#238443")
NO_RATE_COLOUR = "#d9d9d9"

_SHARE = re.compile(r"^(?P<std>\w+)\.share_l(?P<level>\d+)(?P<group>_ordinary|_dbkk)?$")


@dataclass
class MapClass:
    key: str
    label: str
    colour: str
    count: int = 0
    hatch: bool = False


@dataclass(frozen=True)
class Selection:
    """The standard, and optionally a level (reached or not) or a criterion (its rate)."""

    standard: str
    level: int | None = None
    criterion: str | None = None


@dataclass
class UnitValue:
    code: str
    name: str
    kind: str
    has_data: bool
    level: int  # recognised level of the selected standard (0 without data)
    rate: float | None  # the selected criterion's rate, when a criterion is mapped
    klass: str


@dataclass
class Classification:
    selection: Selection
    title: str  # what is mapped, in Vietnamese
    classes: list[MapClass]
    values: list[UnitValue] = field(default_factory=list)
    criterion_options: list[tuple[str, str]] = field(default_factory=list)

    @property
    def is_rate(self) -> bool:
        return self.selection.criterion is not None

    def by_key(self) -> dict[str, MapClass]:
        return {c.key: c for c in self.classes}


def _standard(result: dict[str, Any], standard: str) -> dict[str, Any] | None:
    return next((s for s in result["standards"] if s["standard"] == standard), None)


def criterion_label(book: RuleBook, criterion_id: str, kind_word: str) -> str:
    """A criterion's Vietnamese name; share criteria of districts/provinces are spelled out."""
    m = _SHARE.match(criterion_id)
    if m:
        text = f"Tỷ lệ {kind_word} được công nhận đạt chuẩn mức độ {m['level']}"
        if m["group"] == "_ordinary":
            text += f" ({kind_word} thường)"
        elif m["group"] == "_dbkk":
            text += f" ({kind_word} ĐBKK)"
        return text
    try:
        rules = book.criterion(criterion_id)
    except KeyError:
        return criterion_id
    return rules[0].label_vi if rules else criterion_id


def criterion_options(
    results: list[dict[str, Any]], standard: str, book: RuleBook, kind_word: str
) -> list[tuple[str, str]]:
    """Criteria the mapped units have for a standard, in the engine's order."""
    seen: dict[str, str] = {}
    for result in results:
        std = _standard(result, standard)
        for row in std["criteria"] if std else []:
            if row["id"] not in seen:
                seen[row["id"]] = criterion_label(book, row["id"], kind_word)
    return list(seen.items())


def rate_class_label(i: int) -> str:
    if i == 0:
        return f"Dưới {RATE_BREAKS[0]}%"
    if i == len(RATE_BREAKS):
        return f"Từ {RATE_BREAKS[-1]}% trở lên"
    return f"Từ {RATE_BREAKS[i - 1]}% đến dưới {RATE_BREAKS[i]}%"


def rate_class(rate: float) -> str:
    i = sum(1 for b in RATE_BREAKS if rate >= b)
    return f"r{i}"


def classify(
    results: list[dict[str, Any]],
    selection: Selection,
    book: RuleBook,
    *,
    year: int,
    kind_word: str,
) -> Classification:
    """One class per unit result; raises a Vietnamese UserError for an unknown selection."""
    standards = {s.id: s for s in book.standards_for(year)}
    if selection.standard not in standards:
        known = ", ".join(standards)
        raise UserError(f"không có tiêu chuẩn '{selection.standard}' năm {year} (có: {known})")
    meta = standards[selection.standard]
    options = criterion_options(results, selection.standard, book, kind_word)
    if selection.criterion is not None:
        classification = _rate_classes(results, selection, book, meta.name_vi, options, kind_word)
    else:
        if selection.level is not None and not 1 <= selection.level <= meta.max_level:
            raise UserError(
                f"tiêu chuẩn {meta.name_vi} có mức độ 1 đến {meta.max_level},"
                f" không có mức {selection.level}"
            )
        classification = _level_classes(results, selection, meta.name_vi, meta.max_level)
    classification.criterion_options = options
    counts: dict[str, int] = {}
    for v in classification.values:
        counts[v.klass] = counts.get(v.klass, 0) + 1
    for c in classification.classes:
        c.count = counts.get(c.key, 0)
    return classification


def _level_classes(
    results: list[dict[str, Any]], selection: Selection, name: str, max_level: int
) -> Classification:
    if selection.level is None:
        classes = [MapClass("l0", "Chưa đạt chuẩn", LEVEL_COLOURS[0])]
        for lv in range(1, max_level + 1):
            label = "Đạt chuẩn" if max_level == 1 else f"Đạt chuẩn mức độ {lv}"
            classes.append(MapClass(f"l{lv}", label, LEVEL_COLOURS[lv if max_level > 1 else 2]))
        title = f"{name}: mức độ được công nhận"
    else:
        lv = selection.level
        classes = [
            MapClass("pass", f"Đạt chuẩn mức độ {lv}", PASS_COLOUR),
            MapClass("fail", f"Chưa đạt chuẩn mức độ {lv}", FAIL_COLOUR),
        ]
        title = f"{name}: đạt chuẩn mức độ {lv}"
    classes.append(MapClass(NO_DATA, NO_DATA_LABEL, NO_DATA_FILL, hatch=True))
    values = []
    for result in results:
        std = _standard(result, selection.standard)
        level = std["recognized_level"] if std else 0
        if not result["has_data"]:
            klass = NO_DATA
        elif selection.level is None:
            klass = f"l{level}"
        else:
            klass = "pass" if level >= selection.level else "fail"
        values.append(_value(result, level, None, klass))
    return Classification(selection, title, classes, values)


def _rate_classes(
    results: list[dict[str, Any]],
    selection: Selection,
    book: RuleBook,
    name: str,
    options: list[tuple[str, str]],
    kind_word: str,
) -> Classification:
    criterion = selection.criterion or ""
    if criterion not in dict(options):
        known = ", ".join(cid for cid, _ in options) or "không có"
        raise UserError(f"không có tiêu chí '{criterion}' cho {kind_word} này (có: {known})")
    label = criterion_label(book, criterion, kind_word)
    thresholds = set()
    values = []
    for result in results:
        std = _standard(result, selection.standard)
        rows = [r for r in (std["criteria"] if std else []) if r["id"] == criterion]
        if selection.level is not None:
            rows = [r for r in rows if r["level"] == selection.level] or rows
        row = min(rows, key=lambda r: r["level"]) if rows else None
        if row is not None and row.get("threshold") is not None:
            thresholds.add((row["level"], float(row["threshold"])))
        rate = None if row is None or row["rate"] is None else float(row["rate"])
        level = std["recognized_level"] if std else 0
        if not result["has_data"]:
            klass = NO_DATA
        elif rate is None:
            klass = NO_RATE
        else:
            klass = rate_class(rate)
        values.append(_value(result, level, rate, klass))
    classes = [
        MapClass(f"r{i}", rate_class_label(i), RATE_COLOURS[i])
        for i in range(len(RATE_BREAKS), -1, -1)
    ]
    classes.append(MapClass(NO_RATE, "Không có người trong độ tuổi", NO_RATE_COLOUR))
    classes.append(MapClass(NO_DATA, NO_DATA_LABEL, NO_DATA_FILL, hatch=True))
    title = f"{name}: {label[:1].lower()}{label[1:]}"
    if len(thresholds) == 1:
        lv, threshold = next(iter(thresholds))
        title += f" (ngưỡng mức độ {lv}: {fmt_num(threshold)}%)"
    return Classification(selection, title, classes, values)


def _value(result: dict[str, Any], level: int, rate: float | None, klass: str) -> UnitValue:
    unit = result["unit"]
    return UnitValue(unit["code"], unit["name"], unit["kind"], bool(result["has_data"]), level,
                     rate, klass)
