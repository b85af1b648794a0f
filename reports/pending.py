"""The facts the forms print that the data does not hold yet: one list, one place.

Cells whose source is one of these names stay **empty** (not 0) in every form. Two kinds:

- `ROLL`: facts of the household roll the forms need and the roll does not hold. Empty since
  issue 10 brought the official workbook's fields (a new one would be listed here until it
  lands).
- `REGISTRY`: facts of schools and staff the registry does not record (school rank, teachers'
  ethnicity, allowances, staff posts, toilets/water/kitchens meeting the standard…).

A test checks that every pending name a form uses is listed here and that every name listed is
used by some form, so this list is the complete to-do of missing inputs.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Pending:
    name: str
    label: str  # what the cell counts, in Vietnamese
    needs: str  # the missing input


# The roll facts the forms print are all recorded since issue 10 (surveys.roll.fields: disability
# types and certificate, lưu ban, 2 buổi/ngày, chuẩn bị tiếng Việt, tái mù chữ, điện thoại):
# their cells read the counts of surveys.rollup.sql / reports.counts.
ROLL: dict[str, Pending] = {}

REGISTRY: dict[str, Pending] = {
    p.name: p
    for p in (
        Pending("independent_facilities", "Cơ sở GDMN độc lập", "loại hình cơ sở GDMN"),
        Pending("school_rank_1", "Hạng trường: hạng I", "hạng trường"),
        Pending("school_rank_2", "Hạng trường: hạng II", "hạng trường"),
        Pending("school_rank_3", "Hạng trường: hạng III", "hạng trường"),
        Pending("teachers_minority", "Giáo viên người dân tộc thiểu số", "dân tộc của giáo viên"),
        Pending("teachers_allowance", "Giáo viên được hưởng phụ cấp, chính sách",
                "phụ cấp của giáo viên"),
        Pending("team_leader", "Tổng phụ trách Đội", "chức danh nhân viên"),
        Pending("staff_office", "Nhân viên văn phòng", "chức danh nhân viên"),
        Pending("staff_library", "Nhân viên thư viện, thiết bị", "chức danh nhân viên"),
        Pending("staff_medical", "Nhân viên y tế", "chức danh nhân viên"),
        Pending("rooms_nursery", "Phòng nhóm trẻ", "phòng học theo nhóm, lớp"),
        Pending("rooms_age34", "Phòng học lớp mẫu giáo 3, 4 tuổi", "phòng học theo nhóm, lớp"),
        Pending("toilets_standard", "Nhà vệ sinh đạt chuẩn", "nhà vệ sinh đạt chuẩn"),
        Pending("water_works", "Công trình nước sạch", "công trình nước sạch"),
        Pending("water_standard", "Công trình nước sạch đạt chuẩn", "công trình nước sạch"),
        Pending("kitchens", "Bếp ăn", "bếp ăn"),
        Pending("kitchens_standard", "Bếp ăn đạt chuẩn", "bếp ăn"),
        Pending("playground_toys", "Sân chơi có đồ chơi ngoài trời", "đồ chơi ngoài trời"),
        Pending("rooms_principal", "Phòng hiệu trưởng", "loại phòng hành chính"),
        Pending("rooms_vice", "Phòng phó hiệu trưởng", "loại phòng hành chính"),
        Pending("rooms_meeting", "Phòng họp", "loại phòng hành chính"),
        Pending("rooms_pioneer", "Phòng Đội", "loại phòng hành chính"),
        Pending("rooms_lab", "Phòng thí nghiệm", "phòng bộ môn"),
        Pending("toilets_teacher", "Nhà vệ sinh giáo viên", "nhà vệ sinh theo đối tượng"),
    )
}

ALL: dict[str, Pending] = {**ROLL, **REGISTRY}


def is_pending(name: str) -> bool:
    return name in ALL


def lines() -> list[str]:
    """The list for people (CLI, page, report): 'name — label (needs: …)'."""
    return [f"{p.name} — {p.label} (cần: {p.needs})" for p in ALL.values()]
