from collections import Counter

from pcgd.units import sources


def test_new_tree_has_34_provinces_and_3321_communes() -> None:
    kinds = Counter(u.kind for u in sources.new_units())
    assert kinds == {"province": 34, "commune": 3321}
    hanoi = next(u for u in sources.new_units() if u.kind == "province" and u.code == "01")
    assert "Hà Nội" in hanoi.name and hanoi.valid_from == sources.NEW_VALID_FROM


def test_old_tree_has_three_tiers() -> None:
    kinds = Counter(u.kind for u in sources.old_units())
    assert kinds["province"] == 63
    assert 690 <= kinds["district"] <= 710
    assert 10_000 <= kinds["commune"] <= 10_700
    by_code = {(u.kind, u.code): u for u in sources.old_units()}
    phuc_xa = by_code[("commune", "00001")]
    assert phuc_xa.parent_code == "001" and by_code[("district", "001")].parent_code == "01"
    assert all(u.valid_to == sources.OLD_VALID_TO for u in sources.old_units())


def test_every_old_commune_has_a_successor() -> None:
    pairs = sources.succession()
    old = {u.code for u in sources.old_units() if u.kind == "commune"}
    new = {u.code for u in sources.new_units() if u.kind == "commune"}
    assert {a for a, _ in pairs} == old
    assert {b for _, b in pairs} <= new
    assert ("00001", "00097") in pairs  # Phúc Xá became part of Phường Hồng Hà
