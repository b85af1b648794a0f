"""What checking stored text lengths costs the roll validation (issue 9, defect 4).

Validates the same 20,000-row roll (the unit tests' sample households, repeated) with the length
check and with it switched off, alternating, in one process; prints the best time of each, their
ratio (target ≤ 1.15) and the cost of the check alone on the parsed rows (the figure that does not
drown in the noise of a shared machine). Pure Python, no database.

    .venv/bin/python bench/roll_lengths.py [--rows 20000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from operator import gt
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from surveys.roll import validate
from surveys.roll.validate import parse_roll
from tests.unit.test_roll_io import YEAR, sample


def rows_of(n: int) -> tuple[list[str], list[list[str]]]:
    header, rows = sample()
    code_at = header.index("household_code")
    out: list[list[str]] = []
    k = 0
    while len(out) < n:
        for row in rows:
            copy = list(row)
            copy[code_at] = f"{row[code_at]}_{k}"
            out.append(copy)
        k += 1
    return header, out[:n]


@contextmanager
def without_length_check() -> Iterator[None]:
    saved = (validate._length_values, validate._LIMITS, validate._LENGTH_COLS)
    validate._length_values, validate._LIMITS, validate._LENGTH_COLS = (lambda _p: ()), (), ()
    try:
        yield
    finally:
        validate._length_values, validate._LIMITS, validate._LENGTH_COLS = saved


def timed(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    header, rows = rows_of(args.rows)
    result = parse_roll(header, rows, year=YEAR)
    assert result.persons == args.rows and not result.errors
    checked, plain = float("inf"), float("inf")
    for _ in range(args.repeat):  # alternate, so load on the machine hits both alike
        checked = min(checked, timed(lambda: parse_roll(header, rows, year=YEAR)))
        with without_length_check():
            plain = min(plain, timed(lambda: parse_roll(header, rows, year=YEAR)))
    # The check alone on the parsed rows: its exact cost, free of the noise of a whole run.
    persons = [p for h in result.households for p in h.members]
    values, limits = validate._length_values, validate._LIMITS

    def check_all() -> None:
        for p in persons:
            any(map(gt, map(len, values(p)), limits))

    alone = min(timed(check_all) for _ in range(args.repeat))
    print(f"rows: {args.rows:,}")
    print(f"validation with the length check:    {checked:.3f} s")
    print(f"validation without the length check: {plain:.3f} s")
    print(f"ratio: {checked / plain:.3f} (target ≤ 1.15; noisy on a shared machine)")
    print(f"the check alone: {alone * 1000:.1f} ms = {alone / plain:.1%} of a validation")


if __name__ == "__main__":
    main()
