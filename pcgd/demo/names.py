"""Name and ethnic-group vocabularies for the demo province.

Names are drawn as (family, middle, given) indexes into one shared vocabulary, so the generator
works on integer arrays and formats each distinct full name only once per commune.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache

import numpy as np

from pcgd.common.text import name_key

# Kinh family names with rough national shares (per cent).
KINH_FAMILY: tuple[tuple[str, float], ...] = (
    ("Nguyễn", 38), ("Trần", 11), ("Lê", 9.5), ("Phạm", 7), ("Hoàng", 5), ("Huỳnh", 3),
    ("Phan", 4.5), ("Vũ", 4), ("Võ", 2), ("Đặng", 2), ("Bùi", 2), ("Đỗ", 1.5), ("Hồ", 1.5),
    ("Ngô", 1.3), ("Dương", 1), ("Lý", 0.5),
)
KINH_MIDDLE_M = ("Văn", "Văn", "Đức", "Minh", "Quang", "Hữu", "Thanh", "Công", "Xuân", "Đình",
                 "Ngọc", "Tiến", "Mạnh", "Duy")
KINH_MIDDLE_F = ("Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Phương", "Minh", "Hồng", "Kim",
                 "Mai", "Thùy", "Bảo", "Khánh")
KINH_GIVEN_M = ("An", "Anh", "Bảo", "Bình", "Cường", "Dũng", "Đạt", "Đức", "Hải", "Hiếu",
                "Hoàng", "Hùng", "Hưng", "Huy", "Khang", "Khoa", "Lâm", "Long", "Lộc", "Minh",
                "Nam", "Nghĩa", "Phong", "Phúc", "Quân", "Sơn", "Tài", "Thắng", "Thành", "Tiến",
                "Toàn", "Trung", "Tuấn", "Tùng", "Việt", "Vinh", "Chiến", "Kiên", "Quý", "Thịnh")
KINH_GIVEN_F = ("Anh", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hằng", "Hiền", "Hoa", "Hồng",
                "Hương", "Huyền", "Lan", "Liên", "Linh", "Loan", "Mai", "My", "Nga", "Ngân",
                "Ngọc", "Nhung", "Oanh", "Phương", "Quyên", "Tâm", "Thảo", "Thu", "Thủy",
                "Trang", "Trinh", "Uyên", "Vân", "Yến", "Lụa", "Hậu", "Thoa", "Duyên")


@dataclass(frozen=True, slots=True)
class NameStyle:
    """How one ethnic group names people: family names, then middle and given names by sex."""

    family: tuple[str, ...]
    middle_m: tuple[str, ...] = KINH_MIDDLE_M
    middle_f: tuple[str, ...] = KINH_MIDDLE_F
    given_m: tuple[str, ...] = KINH_GIVEN_M
    given_f: tuple[str, ...] = KINH_GIVEN_F


# Official group names (the 54-group list: "Mông", not "H'Mông") with common family names.
STYLES: dict[str, NameStyle] = {
    "": NameStyle(tuple(n for n, _ in KINH_FAMILY)),
    "Tày": NameStyle(("Hoàng", "Nông", "Lương", "Ma", "Hà", "Lục", "Đàm", "Bế", "Triệu")),
    "Nùng": NameStyle(("Hoàng", "Nông", "Lăng", "Chu", "Vi", "Lục", "Mã", "Lý")),
    "Dao": NameStyle(("Triệu", "Bàn", "Đặng", "Lý", "Phùng", "Chảo"),
                     middle_m=("Văn", "Tiến", "Quầy", "Tòn")),
    "Mông": NameStyle(
        ("Giàng", "Sùng", "Vàng", "Thào", "Lầu", "Mùa", "Lý", "Hờ"),
        middle_m=("A", "Seo", "Mí", "Văn"),
        middle_f=("Thị",),
        given_m=("Páo", "Chứ", "Sính", "Dính", "Lử", "Chớ", "Pó", "Tủa", "Dơ", "Vừ", "Sử", "Pàng"),
        given_f=("Mỷ", "Dở", "Dế", "Súa", "Pà", "Sua", "Chu", "Mai", "Say", "Dợ", "Lan", "Và"),
    ),
    "Sán Chay": NameStyle(("Hoàng", "Lưu", "Trương", "Lâm", "Diệp", "La")),
    "Sán Dìu": NameStyle(("Trương", "Lam", "Diệp", "Tạ", "Lục", "Giáp")),
    "Thái": NameStyle(("Lò", "Lường", "Quàng", "Cầm", "Vì", "Điêu", "Tòng")),
    "Mường": NameStyle(("Bùi", "Đinh", "Quách", "Hà", "Xa")),
    "Khơ Mú": NameStyle(("Vi", "Lò", "Cụt", "Lù")),
    "Bru-Vân Kiều": NameStyle(("Hồ",)),
    "Cơ Tu": NameStyle(("Alăng", "Bhling", "Zơrâm", "Pơloong")),
    "Hrê": NameStyle(("Đinh", "Phạm")),
    "Ba Na": NameStyle(("Đinh", "Y")),
    "Xơ Đăng": NameStyle(("A", "Y")),
    "Gia Rai": NameStyle(("Ksor", "Rơ Châm", "Siu", "Rah Lan", "Kpă")),
    "Ê Đê": NameStyle(("Niê", "Mlô", "Êban", "Byă", "Ktla")),
    "Cơ Ho": NameStyle(("K'", "Ka")),
    "Mnông": NameStyle(("Điểu", "Thị")),
    "Xtiêng": NameStyle(("Điểu",)),
    "Chăm": NameStyle(("Thiên", "Đạo", "Từ", "Lưu", "Thông")),
    "Hoa": NameStyle(("Lâm", "Trương", "Lý", "Mạc", "Hứa", "Quách")),
    "Khmer": NameStyle(
        ("Thạch", "Sơn", "Danh", "Kim", "Lâm", "Chau"),
        middle_m=("Sô", "Sa", "Kim", "Văn"),
        given_m=("Phal", "Thy", "Ra", "Sóc", "Sang", "Kha", "Rươne", "Pho"),
        given_f=("Sa Rên", "Ni", "Sô Phia", "Mây", "Đa Ra", "Sóc Kha", "Kim Hoa"),
    ),
}

# Minority groups by region, keyed by the province's position in the pre-2025 code range.
_REGIONS: tuple[tuple[frozenset[str], tuple[tuple[str, float], ...]], ...] = (
    (frozenset({"02", "04", "06", "08", "19", "20", "22", "24", "25"}),
     (("Tày", 40), ("Nùng", 25), ("Dao", 15), ("Mông", 10), ("Sán Chay", 5), ("Sán Dìu", 5))),
    (frozenset({"10", "11", "12", "14", "15", "17"}),
     (("Thái", 40), ("Mông", 30), ("Mường", 10), ("Dao", 10), ("Tày", 5), ("Khơ Mú", 5))),
    (frozenset({"38", "40", "42", "44", "45", "46"}),
     (("Thái", 45), ("Mường", 40), ("Khơ Mú", 5), ("Bru-Vân Kiều", 10))),
    (frozenset({"48", "49", "51", "52", "54", "56", "58", "60"}),
     (("Cơ Tu", 30), ("Hrê", 30), ("Ba Na", 20), ("Chăm", 20))),
    (frozenset({"62", "64", "66", "67", "68"}),
     (("Gia Rai", 30), ("Ê Đê", 25), ("Ba Na", 15), ("Xơ Đăng", 10), ("Cơ Ho", 10),
      ("Mnông", 10))),
    (frozenset({"70", "72", "74", "75", "77", "79", "80", "82", "83", "84", "86", "87", "89",
                "91", "92", "93", "94", "95", "96"}),
     (("Khmer", 60), ("Hoa", 25), ("Chăm", 10), ("Xtiêng", 5))),
)
_DEFAULT_REGION = (("Mường", 60), ("Dao", 20), ("Tày", 10), ("Hoa", 10))


def minority_groups(province_code: str) -> tuple[tuple[str, float], ...]:
    """The minority groups (with weights) that live in a province's region."""
    for codes, groups in _REGIONS:
        if province_code in codes:
            return groups
    return _DEFAULT_REGION


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """Every name part in one indexable list (with its folded search key)."""

    family: np.ndarray  # object arrays of str
    middle: np.ndarray
    given: np.ndarray
    family_key: np.ndarray
    middle_key: np.ndarray
    given_key: np.ndarray

    def full_names(
        self, family: np.ndarray, middle: np.ndarray, given: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Full names and their search keys; each distinct name is formatted once."""
        code = (family.astype(np.int64) * len(self.middle) + middle) * len(self.given) + given
        uniq, inverse = np.unique(code, return_inverse=True)
        f, rest = np.divmod(uniq, len(self.middle) * len(self.given))
        m, g = np.divmod(rest, len(self.given))
        parts = (self.family[f], self.middle[m], self.given[g])
        key_parts = (self.family_key[f], self.middle_key[m], self.given_key[g])
        return _joined(parts)[inverse], _joined(key_parts)[inverse]


def _joined(parts: tuple[np.ndarray, ...]) -> np.ndarray:
    return _objects([" ".join(words) for words in zip(*parts, strict=True)])


def _unique(parts: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(parts))


def _objects(items: tuple[str, ...] | list[str]) -> np.ndarray:
    out = np.empty(len(items), dtype=object)
    out[:] = list(items)
    return out


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    family = _unique([n for s in STYLES.values() for n in s.family])
    middle = _unique([n for s in STYLES.values() for n in (*s.middle_m, *s.middle_f)])
    given = _unique([n for s in STYLES.values() for n in (*s.given_m, *s.given_f)])
    return Vocabulary(
        _objects(family), _objects(middle), _objects(given),
        _objects([name_key(n) for n in family]), _objects([name_key(n) for n in middle]),
        _objects([name_key(n) for n in given]),
    )


@cache
def style_indexes(ethnicity: str) -> tuple[np.ndarray, ...]:
    """(family, middle_m, middle_f, given_m, given_f) vocabulary indexes for one group."""
    voc = vocabulary()
    style = STYLES.get(ethnicity, STYLES[""])

    def idx(names: tuple[str, ...], pool: np.ndarray) -> np.ndarray:
        where = {n: i for i, n in enumerate(pool.tolist())}
        return np.array([where[n] for n in names], dtype=np.int32)

    return (
        idx(style.family, voc.family),
        idx(style.middle_m, voc.middle),
        idx(style.middle_f, voc.middle),
        idx(style.given_m, voc.given),
        idx(style.given_f, voc.given),
    )


def family_weights(ethnicity: str) -> np.ndarray:
    """Probabilities over a style's family names (Kinh by national share, others uniform)."""
    if ethnicity == "":
        w = np.array([s for _, s in KINH_FAMILY], dtype=float)
    else:
        w = np.ones(len(STYLES.get(ethnicity, STYLES[""]).family))
    return w / w.sum()


# Hamlet name stems: "Thôn Bản Cháng", "Xóm Đồng Tâm", "Tổ dân phố 3".
HAMLET_STEMS = ("Bản Cháng", "Nà Pục", "Đồng Tâm", "Làng Mới", "Khuôn Ngàn", "Tân Lập",
                "Na Hấu", "Bản Piềng", "Đồng Bẩm", "Pác Ngòi", "Cốc Lùng", "Khe Thác",
                "Tiền Phong", "Thống Nhất", "Hòa Bình", "Quyết Thắng", "Đoàn Kết", "Tân Tiến")
