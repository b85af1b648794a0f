"""Hostile uploads: time and peak memory until the file is refused (or parsed), per file.

    .venv/bin/python bench/upload_limits.py [--mem-limit-mb 4096] [--timeout 120]

Each file is parsed in a fresh subprocess (the upload's own code path: `surveys.roll.parse_file`,
as the web upload and `pcgd import roll` call it) so its peak RSS is its own; a 20,000-person
real roll is parsed the same way as the baseline. A run past the memory limit or the timeout is
stopped and reported as such (how the figures before the limits were taken).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.upload_files import nonsense_csv, zip_bomb

PROBE = """
import json, resource, sys, time
from pathlib import Path
from surveys.roll import RollFileError, parse_file


def peak_mb():
    # VmHWM: this process image's peak (ru_maxrss would include the parent's before exec)
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM"):
            return int(line.split()[1]) / 1024
    return 0.0
start = time.monotonic()
outcome, errors = "parsed", 0
try:
    loaded = parse_file(Path(sys.argv[1]), Path(sys.argv[1]).name, year=2025, known_schools=[])
    errors = len(loaded.result.errors) + loaded.result.omitted_errors \\
        if hasattr(loaded.result, "omitted_errors") else len(loaded.result.errors)
except RollFileError as exc:
    outcome = "refused: " + str(exc)[:90]
print(json.dumps({"seconds": round(time.monotonic() - start, 2), "outcome": outcome,
                  "errors": errors,
                  "rss_mb": round(peak_mb())}))
"""


def real_roll(path: Path, persons: int = 20_000) -> Path:
    import csv

    from surveys.roll.fields import COLUMN_NAMES

    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMN_NAMES)
        w.writeheader()
        for i in range(persons // 4):
            code = f"H-{i}"
            base = {"household_code": code, "hamlet": f"Thôn {i % 12}",
                    "residence_type": "thuong_tru"}
            w.writerow({**base, "full_name": "Nguyễn Văn Hùng", "birth_date": "1984",
                        "sex": "M", "relation": "chu_ho", "th_completed_year": 1995})
            w.writerow({**base, "full_name": "Trần Thị Lan", "birth_date": "12/03/1986",
                        "sex": "F", "relation": "vợ", "th_completed_year": 1997})
            w.writerow({**base, "full_name": "Nguyễn Văn Minh", "birth_date": "2014-05-02",
                        "sex": "M", "relation": "con", "enrolled_level": "TH",
                        "enrolled_grade": 5})
            w.writerow({**base, "full_name": "Nguyễn Thị Mai", "birth_date": "2019",
                        "sex": "F", "relation": "con", "enrolled_level": "TH",
                        "enrolled_grade": 1, "mn_completed_year": 2025})
    return path


def probe(path: Path, mem_mb: int, timeout: float) -> dict:
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (mem_mb * 2**20, mem_mb * 2**20))

    start = time.monotonic()
    try:
        done = subprocess.run([sys.executable, "-c", PROBE, str(path)], capture_output=True,
                              text=True, timeout=timeout, preexec_fn=limit, check=False)
    except subprocess.TimeoutExpired:
        return {"seconds": timeout, "outcome": f"stopped after {timeout:.0f} s", "rss_mb": None}
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["?"])[-1][:80]
        return {"seconds": round(time.monotonic() - start, 1),
                "outcome": f"died past {mem_mb} MB ({tail})", "rss_mb": f">{mem_mb}"}
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mem-limit-mb", type=int, default=4096)
    parser.add_argument("--timeout", type=float, default=120)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = {
            "real roll, 20,000 persons (baseline)": real_roll(folder / "roll.csv"),
            "xlsx unpacking to 1 GB": zip_bomb(folder / "bomb.xlsx"),
            "CSV of 100,000 nonsense rows": nonsense_csv(folder / "nonsense.csv"),
        }
        base = None
        for label, path in files.items():
            found = probe(path, args.mem_limit_mb, args.timeout)
            base = base or found["seconds"] or 0.01
            print(f"{label} ({path.stat().st_size / 2**20:.1f} MB): {found['seconds']} s"
                  f" ({found['seconds'] / base:.2f}× baseline), peak RSS {found['rss_mb']} MB,"
                  f" {found.get('errors', 0)} errors, {found['outcome']}")


if __name__ == "__main__":
    main()
