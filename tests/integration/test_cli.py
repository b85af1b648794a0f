"""The command line as a user meets it: exit codes, one-line errors, JSON shapes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PCGD = str(Path(sys.executable).with_name("pcgd"))


def run(*args: str, database: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database}
    return subprocess.run([PCGD, *args], env=env, input=stdin, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("units", "list", "--year", "1990"), "năm 1990 không hợp lệ"),
        (("units", "flag", "99999", "--year", "2025", "--dbkk"), "không có xã mã 99999"),
        (("evaluate", "--unit", "XYZ", "--year", "2025"), "không có đơn vị mã XYZ"),
        (("units", "list", "--year", "abc"), "--year"),
    ],
)
def test_user_errors_exit_1_with_one_line(
    database: str, args: tuple[str, ...], needle: str
) -> None:
    done = run(*args, database=database)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], done.stderr
    assert "Traceback" not in done.stderr


def test_unreachable_database_is_one_line() -> None:
    env = {**os.environ, "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}
    done = subprocess.run([PCGD, "units", "list", "--year", "2025"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "unreachable" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_units_list_json_and_users_add(database: str) -> None:
    done = run("units", "list", "--year", "2025", "--kind", "province", "--json",
               database=database)
    provinces = json.loads(done.stdout)
    assert len(provinces) == 34 and provinces[0]["parent"] is None
    assert set(provinces[0]) == {"code", "name", "kind", "parent"}
    added = run("users", "add", "cli_user_1", "--role", "district", "--unit", "001",
                "--year", "2024", database=database, stdin="secret-pass-1\n")
    assert added.returncode == 0, added.stderr
    wrong = run("users", "add", "cli_user_2", "--role", "district", "--unit", "00001",
                "--year", "2024", database=database, stdin="secret-pass-1\n")
    assert wrong.returncode == 1 and "district unit" in wrong.stderr


def test_rules_show_json_lists_sources(database: str) -> None:
    rules = json.loads(run("rules", "show", "--json", database=database).stdout)
    text = json.dumps(rules, ensure_ascii=False)
    assert "th.completed_age11" in text and "NĐ 20/2014" in text
