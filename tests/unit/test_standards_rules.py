"""The packaged rule book: loading, validation, year selection and display."""

from __future__ import annotations

import ast
import json
import tomllib
from pathlib import Path

import pytest

import pcgd.standards as standards_pkg
from pcgd.standards import (
    RuleError,
    format_rules_text,
    load_rules,
    loads_rules,
    parse_rules,
    rules_as_dict,
)
from pcgd.standards.rules import packaged_rules_text

PACKAGE_DIR = Path(standards_pkg.__file__).parent


def test_load_is_cached_and_frozen() -> None:
    book = load_rules()
    assert load_rules() is book
    with pytest.raises(AttributeError):
        book.version = 2  # type: ignore[misc]


def test_standards_and_levels() -> None:
    book = load_rules()
    assert {s.id: s.max_level for s in book.standards} == {
        "mn5": 1,
        "th": 3,
        "thcs": 3,
        "xmc": 2,
        "mn35": 1,
    }
    assert [s.id for s in book.standards_for(2024)] == ["mn5", "th", "thcs", "xmc"]
    assert [s.id for s in book.standards_for(2025)] == ["mn5", "th", "thcs", "xmc", "mn35"]


def test_policy_default_is_all() -> None:
    book = load_rules()
    policy = book.policy("disabled_excluded")
    assert policy.default == "all"
    assert set(policy.choices) == {"all", "unable_only"}
    assert book.resolve_policy("disabled_excluded", None) == "all"
    assert book.resolve_policy("disabled_excluded", "unable_only") == "unable_only"


def test_prerequisite_thcs_needs_th_and_xmc() -> None:
    (pre,) = load_rules().prerequisites
    assert (pre.standard, pre.level, set(pre.requires)) == ("thcs", 1, {("th", 1), ("xmc", 1)})
    assert "Điều 14" in pre.source


def test_conditions_tt07() -> None:
    got = {(c.id, c.standard, c.kind, float(c.threshold)) for c in load_rules().conditions}
    assert got == {
        ("mn5.rooms_per_class", "mn5", "ratio", 1.0),
        ("th.rooms_per_class", "th", "ratio", 0.7),
        ("thcs.rooms_per_class", "thcs", "ratio", 0.5),
        ("mn5.teachers_trained", "mn5", "percent", 100.0),
        ("th.teachers_trained", "th", "percent", 100.0),
        ("thcs.teachers_trained", "thcs", "percent", 100.0),
    }
    assert all("TT 07/2016" in c.source for c in load_rules().conditions)


def test_rules_as_dict_is_json_with_sources() -> None:
    data = rules_as_dict()
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    assert all(c["source"] for c in data["criteria"])
    assert all(r["source"] for p in data["profiles"] for t in p["tiers"] for r in t["rules"])
    assert {p["name"] for p in data["profiles"]} == {"nd20-3tier", "nd20-2tier"}
    (rooms,) = [c for c in data["conditions"] if c["id"] == "th.rooms_per_class"]
    assert rooms["threshold"] == 0.7
    (lit1,) = [c for c in data["criteria"] if c["id"] == "xmc.literate1" and c["level"] == 1]
    assert (lit1["band"], lit1["band_dbkk"], lit1["threshold"]) == ([15, 35], [15, 25], 90)


def test_rules_as_dict_for_a_year() -> None:
    old, new = rules_as_dict(year=2024), rules_as_dict(year=2025)
    assert [p["name"] for p in old["profiles"]] == ["nd20-3tier"]
    assert [p["name"] for p in new["profiles"]] == ["nd20-2tier"]
    assert not any(c["standard"] == "mn35" for c in old["criteria"])
    assert any(c["standard"] == "mn35" for c in new["criteria"])


def test_text_table_lists_every_rule() -> None:
    text = format_rules_text()
    for c in load_rules().criteria:
        assert c.id in text
    assert "nd20-3tier" in text and "nd20-2tier" in text
    assert "ĐBKK 85" in text  # the mn35 province split
    assert "mn35" not in format_rules_text(year=2024)


# ---------------------------------------------------------------------------------------------
# validation: a broken rule file fails at load time


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('metric = "lit1"', 'metric = "literacy1"'),
        ("{ level = 3, threshold = 98,", "{ level = 4, threshold = 98,"),
        ("{ level = 3, threshold = 98,", "{ level = 3, threshold = 101,"),
        ("band = [15, 60]", "band = [60, 15]"),
        ("band = [15, 60]", "band = [15, 62]"),
        ('default = "all"', 'default = "some"'),
        ('standard = "thcs"\nlevel = 1', 'standard = "thpt"\nlevel = 1'),
        (
            '{ standard = "xmc", level = 2, share = 90, source',
            '{ standard = "xmc", level = 3, share = 90, source',
        ),
        ('id = "xmc.literate2"', 'id = "xmc.literate1"'),
    ],
)
def test_broken_rules_are_rejected(old: str, new: str) -> None:
    text = packaged_rules_text()
    assert old in text
    with pytest.raises(RuleError) as exc:
        loads_rules(text.replace(old, new, 1))
    assert "not valid TOML" not in str(exc.value)


def test_not_toml_is_rejected() -> None:
    with pytest.raises(RuleError):
        loads_rules("version = [")


def test_overlapping_profiles_are_refused_for_the_year() -> None:
    book = loads_rules(packaged_rules_text().replace("valid_from = 2025\nlabel_en", "label_en"))
    with pytest.raises(ValueError):
        book.profile_for(2020)


def test_missing_level_is_rejected() -> None:
    data = tomllib.loads(packaged_rules_text())
    for c in data["criteria"]:
        if c["standard"] == "xmc":
            c["levels"] = [lv for lv in c["levels"] if lv["level"] != 2]
    data["criteria"] = [c for c in data["criteria"] if c["levels"]]
    with pytest.raises(RuleError, match="xmc: no criterion at level 2"):
        parse_rules(data)


def test_prerequisite_cycle_is_rejected() -> None:
    data = tomllib.loads(packaged_rules_text())
    data["prerequisites"].append(
        {"standard": "th", "level": 1, "requires": [{"standard": "thcs", "level": 1}]}
    )
    with pytest.raises(RuleError, match="cycle"):
        parse_rules(data)


# ---------------------------------------------------------------------------------------------
# purity: no database, web or I/O imports


def test_package_imports_only_pure_modules() -> None:
    allowed = {
        "__future__",
        "collections",
        "dataclasses",
        "fractions",
        "functools",
        "importlib",
        "math",
        "tomllib",
        "types",
        "typing",
    }
    for path in PACKAGE_DIR.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] in allowed, f"{path.name} imports {name}"
