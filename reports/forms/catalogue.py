"""The form set in its official order, and which forms a unit's set holds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from reports.data import FormData
from reports.forms import mn_more, mn_tcdk, mn_te, th, thcs, xmc
from reports.model import Form, file_name


@dataclass(frozen=True, slots=True)
class FormSpec:
    code: str  # as printed
    title: str
    group: str  # Mầm non, Tiểu học, THCS, Xóa mù chữ
    build: Callable[[FormData], Form]

    @property
    def file_name(self) -> str:
        return file_name(self.code)

    @property
    def slug(self) -> str:
        return self.file_name.removesuffix(".xlsx")


MN, TH, THCS, XMC = "Mầm non", "Tiểu học", "Trung học cơ sở", "Xóa mù chữ"
SPECS: tuple[FormSpec, ...] = (
    FormSpec(mn_te.CODE, "Thống kê trẻ em mầm non theo độ tuổi", MN, mn_te.build),
    FormSpec(mn_tcdk.CODE, "Thống kê tiêu chuẩn, điều kiện PCGD mầm non (theo từng xã)", MN,
             mn_tcdk.build),
    FormSpec(mn_more.GV_CODE, "Đội ngũ cán bộ quản lý, giáo viên, nhân viên mầm non", MN,
             mn_more.build_gv),
    FormSpec(mn_more.CSVC_CODE, "Cơ sở vật chất, thiết bị dạy học lớp mẫu giáo", MN,
             mn_more.build_csvc),
    FormSpec(mn_more.KT_CODE, "Thống kê đối tượng trẻ khuyết tật mầm non", MN,
             mn_more.build_kt),
    FormSpec(th.M1_CODE, "Thống kê trẻ em 6–14 tuổi (phổ cập giáo dục tiểu học)", TH,
             th.build_m1),
    FormSpec(th.R2_CODE, "Kết quả phổ cập giáo dục tiểu học", TH, th.build_02),
    FormSpec(th.GV_CODE, "Đội ngũ giáo viên tiểu học", TH, th.build_gv),
    FormSpec(th.CSVC_CODE, "Cơ sở vật chất tiểu học", TH, th.build_csvc),
    FormSpec(thcs.M1_CODE, "Thống kê thanh, thiếu niên 11–18 tuổi (phổ cập giáo dục THCS)",
             THCS, thcs.build_m1),
    FormSpec(thcs.M2_CODE, "Kết quả phổ cập giáo dục tiểu học và THCS", THCS, thcs.build_m2),
    FormSpec(thcs.TK_CODE, "Tổng hợp kết quả phổ cập giáo dục THCS", THCS, thcs.build_tk),
    FormSpec(thcs.M5_CODE, "Thống kê đội ngũ giáo viên THCS", THCS, thcs.build_m5),
    FormSpec(thcs.CSVC_CODE, "Thống kê cơ sở vật chất THCS", THCS, thcs.build_csvc),
    FormSpec(xmc.X3_CODE, "Tổng hợp kết quả xóa mù chữ theo độ tuổi", XMC, xmc.build_x3),
    FormSpec(xmc.X4_CODE, "Thống kê đạt chuẩn xóa mù chữ", XMC, xmc.build_x4),
    FormSpec(xmc.C1_CODE, "Tổng hợp tình hình số liệu công tác chống mù chữ", XMC,
             xmc.build_c1),
    FormSpec(xmc.C2_CODE, "Thống kê số người mù chữ các độ tuổi", XMC, xmc.build_c2),
)
#: Not produced: the system holds no finance data (said on the page and in the dossier).
NOT_PRODUCED = (("MN-01-T.chính", "Tình hình tài chính phổ cập giáo dục mầm non",
                 "Hệ thống không lưu số liệu tài chính nên không lập biểu này; đơn vị lập "
                 "theo sổ sách kế toán."),)


def _norm(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum()).replace("Đ", "D")


def find(code: str) -> FormSpec | None:
    """A form by its printed code, file-name code or the community tools' code
    (`MN-01-TC, ĐK`, `MN-01-TC-ĐK`, `MN-01-TCDK` are one form)."""
    wanted = _norm(code)
    return next((s for s in SPECS if _norm(s.code) == wanted), None)


def specs(data: FormData | None = None, only: str | None = None) -> list[FormSpec]:
    if only is None:
        return list(SPECS)
    spec = find(only)
    return [spec] if spec else []
