"""What a dossier is made of: its plan, its checklist items and where each part goes in the .zip.

Shared by `service` (which gathers and builds) and `documents` (which writes the Word files), so
that neither imports the other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pcgd.dossier import decisions as wf
from pcgd.units import service as units

Progress = Callable[[int, int, str], None]

KIND_VI = {"province": "tỉnh", "district": "huyện", "commune": "xã"}
KIND_TITLE = {"province": "Tỉnh", "district": "Huyện", "commune": "Xã"}
STANDARDS_MAPPED = ("mn5", "th", "thcs", "xmc")

# Where each part goes in the .zip (folders keep the order of the law's list).
REPORT = "01-Báo-cáo-quá-trình-thực-hiện-và-kết-quả.docx"
MINUTES_SELF = "02-Biên-bản-tự-kiểm-tra.docx"
MINUTES_LOWER = "02-Biên-bản-kiểm-tra-đơn-vị-cấp-dưới.docx"
FORMS_DIR = "03-Biểu-thống-kê"
MAPS_DIR = "04-Bản-đồ"
LISTS_DIR = "05-Hồ-sơ-PCGD-XMC"
DECISIONS = "06-Quyết-định-công-nhận-đơn-vị-cấp-dưới.xlsx"
CHECKLIST = "00-danh-muc.xlsx"
MANIFEST = "manifest.json"

PRESENT, MISSING, NOT_APPLICABLE, NOTE = "Có", "Thiếu", "Không áp dụng", "Lưu ý"


@dataclass
class Plan:
    """Everything the dossier is made from, read once."""

    unit: units.Unit
    year: int
    chain: list[units.Unit]  # the unit's ancestors, nearest first
    evaluation: dict[str, Any]  # the §7 object, with "children" for a district/province
    lower: list[units.Unit]  # the units the dossier's inspection and decisions are about
    communes: list[units.Unit]  # every commune under the unit (the unit itself for a commune)
    states: dict[int, str]  # lower unit id → workflow state
    decisions: dict[int, wf.DecisionView]
    hamlets: dict[int, int]  # commune id → number of hamlets with households this year
    commune_results: list[dict[str, Any]]  # the evaluation of every commune (its conditions)

    @property
    def tier(self) -> int:
        return units.tier_of(self.year)

    def folder(self, u: units.Unit) -> str:
        return f"{u.code}-{_safe(u.name)}"


@dataclass
class Item:
    """One line of the checklist."""

    group: str
    item: str
    basis: str
    path: str
    status: str
    reason: str = ""


@dataclass
class Built:
    path: Path
    manifest: list[dict[str, str]] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)


def _safe(name: str) -> str:
    return "-".join(name.replace("/", "-").split())


def authority(p: Plan) -> str:
    """Who inspects and recognises this unit (NĐ 20/2014 Đ25; NĐ 142, 143/2025 from 2025)."""
    kind, tier = p.unit.kind, p.tier
    if kind == "commune" and tier == 3:
        return "UBND cấp huyện kiểm tra, công nhận xã (NĐ 20/2014/NĐ-CP Điều 25 khoản 1)."
    if kind == "commune":
        return ("Từ 01/7/2025 không còn cấp huyện (NĐ 142/2025/NĐ-CP); cơ quan công nhận xã "
                "chưa đối chiếu được văn bản (nhiều khả năng là UBND cấp tỉnh).")
    if kind == "district":
        return "UBND cấp tỉnh kiểm tra, công nhận huyện (NĐ 20/2014/NĐ-CP Điều 25 khoản 2)."
    if tier == 3:
        return "Bộ Giáo dục và Đào tạo kiểm tra, công nhận tỉnh (NĐ 20/2014/NĐ-CP Điều 25 khoản 3)."
    return ("Theo NĐ 143/2025/NĐ-CP: Chủ tịch UBND cấp tỉnh công nhận tỉnh đạt chuẩn PCGD mức độ "
            "1, 2 và XMC mức độ 1; Bộ trưởng Bộ GDĐT công nhận PCGD mức độ 3 và XMC mức độ 2.")


MAP_TITLES = {"mn5": "phổ cập giáo dục mầm non cho trẻ em 5 tuổi",
              "th": "phổ cập giáo dục tiểu học", "thcs": "phổ cập giáo dục THCS",
              "xmc": "xóa mù chữ"}
