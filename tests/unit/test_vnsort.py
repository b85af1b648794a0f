"""The Vietnamese collation key: letters a ă â … đ … ơ ư as their own letters, tones after the
letters (none, huyền, hỏi, ngã, sắc, nặng), names by given name first."""

from __future__ import annotations

import random
import unicodedata

import pytest

from pcgd.common.vnsort import name_key, sort_names, text_key

PAIRS = [  # (before, after)
    ("An", "Anh"),  # a prefix first
    ("Anh", "Ân"),  # â is a letter after a, whatever follows
    ("Ăn", "Ân"),  # a < ă < â
    ("Dung", "Đức"),  # d < đ
    ("Dzung", "Đào"),
    ("Dung", "Dũng"),  # no tone before ngã
    ("Ha", "Hà"), ("Hà", "Hả"), ("Hả", "Hã"), ("Hã", "Há"), ("Há", "Hạ"),  # tone order
    ("Hạ", "Hai"),  # letters decide before tones
    ("Chí", "Chinh"),
    ("On", "Ôn"), ("Ôn", "Ơn"),  # o < ô < ơ
    ("Uyên", "Ưng"),  # u < ư
    ("Yến", "Zung"),
    ("Giang", "Hà"),  # digraphs are plain letters (gi sorts under g)
    ("Nhung", "Oanh"), ("Nga", "Nhàn"),  # ng < nh (g < h)
    ("Phú", "Quang"), ("Thu", "Trang"),
    ("lan", "Lan"),  # case last: lower first
    ("Tổ 10", "Tổ 2"),  # digits compare one by one, before letters
]


@pytest.mark.parametrize(("before", "after"), PAIRS)
def test_tricky_pairs(before: str, after: str) -> None:
    assert text_key(before) < text_key(after)


def test_names_sort_by_given_name_then_family_and_middle_names() -> None:
    names = ["Trần Văn An", "Nguyễn Thị Ánh", "Lê An", "Phạm Văn Bình", "Nguyễn Văn An",
             "Đỗ Thị Ân", "Hoàng Minh Đức", "Vũ Thị Dung"]
    assert sort_names(names) == ["Lê An", "Nguyễn Văn An", "Trần Văn An", "Nguyễn Thị Ánh",
                                 "Đỗ Thị Ân", "Phạm Văn Bình", "Vũ Thị Dung", "Hoàng Minh Đức"]


def test_input_form_does_not_matter() -> None:
    for word in ("Nguyễn", "Hoàng", "Đặng", "Ưng", "Tuyết"):
        assert text_key(word) == text_key(unicodedata.normalize("NFD", word))
    # old and new tone placement are one name
    assert text_key("Hoà") == text_key("Hòa") and text_key("Thuý") == text_key("Thúy")
    assert name_key("  Lê   Văn  Tám ") == name_key("Lê Văn Tám")


def test_order_is_total_and_stable() -> None:
    names = ["Nguyễn Văn An", "nguyễn văn an", "Nguyễn Văn Ăn", "Nguyễn Văn Ân", "Nguyen Van An"]
    shuffled = names[:]
    random.Random(3).shuffle(shuffled)
    assert sort_names(shuffled) == sort_names(names)
    assert len({name_key(n) for n in names}) == len(names)
