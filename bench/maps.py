"""Map benchmark: the national map of all 3,321 communes (2025), as PNG and as SVG.

In one process and one run it times
  (a) `pcgd map --unit VN --communes` as PNG: evaluation of every commune, page layout and the
      PNG, through `geo.service.build_map` + `render` (warm: shapes and prepared geometry cached,
      as on a server after its first map),
  (b) the same as SVG,
  (c) a bare geopandas `GeoDataFrame.plot()` of the same 3,321 shapes saved to PNG at the same
      pixel size (the baseline),
and prints the medians, a/c and b/c (targets: ≤ 2 s each and ≤ 1.3 × the bare plot). The first
(cold) map, which generates and stores the schematic cells, is timed and printed too.

    .venv/bin/python bench/maps.py [--runs 5] [--year 2025] [--out DIR]

Database: a new database on DATABASE_URL's server when set, otherwise an embedded PostgreSQL in
a temporary PCGD_DATA_DIR (the units are loaded into it); dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 2.0
TARGET_RATIO = 1.3


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def bare_plot(geoms: list, width_px: int, height_px: int) -> bytes:
    """The baseline: geopandas' own plot of the same shapes, saved to PNG."""
    import geopandas as gpd
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    frame = gpd.GeoDataFrame({"n": range(len(geoms))}, geometry=geoms, crs=4326)
    fig, ax = plt.subplots(figsize=(width_px / 150, height_px / 150), dpi=150)
    frame.plot(ax=ax)
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=150)
    plt.close(fig)
    return out.getvalue()


async def main(runs: int, year: int, out_dir: Path | None) -> int:
    if not os.environ.get("DATABASE_URL"):
        os.environ.setdefault("PCGD_DATA_DIR", tempfile.mkdtemp(prefix="bench-maps-"))
    from geo import classes, service
    from pcgd.runtime import fresh_database

    log("preparing a fresh database with the units …")
    fresh = await fresh_database("bench_maps", max_size=4)
    try:
        selection = classes.Selection("th")
        start = time.perf_counter()
        data = await service.build_map("VN", year, selection, communes=True)
        await service.render(data, "png")
        cold = time.perf_counter() - start
        n = len(data.unit_list)
        shapes = await service.shapes_for(data.unit_list, year)
        geoms = [s.geom for s in shapes]

        async def full(fmt: str) -> bytes:
            d = await service.build_map("VN", year, selection, communes=True)
            return await service.render(d, fmt)

        times: dict[str, list[float]] = {"png": [], "svg": [], "bare": []}
        cpu: dict[str, list[float]] = {"png": [], "svg": [], "bare": []}
        size: dict[str, int] = {}
        width = int(data.page.width * 1.5)
        height = int(data.page.height * 1.5)
        for _ in range(runs):
            for fmt in ("png", "svg"):
                t, c = time.perf_counter(), time.process_time()
                content = await full(fmt)
                times[fmt].append(time.perf_counter() - t)
                cpu[fmt].append(time.process_time() - c)
                size[fmt] = len(content)
                if out_dir is not None:
                    (out_dir / f"vn-communes.{fmt}").write_bytes(content)
            t, c = time.perf_counter(), time.process_time()
            content = bare_plot(geoms, width, height)
            times["bare"].append(time.perf_counter() - t)
            cpu["bare"].append(time.process_time() - c)
            size["bare"] = len(content)
            if out_dir is not None:
                (out_dir / "vn-communes-bare.png").write_bytes(content)
        med = {k: statistics.median(v) for k, v in times.items()}
        mcpu = {k: statistics.median(v) for k, v in cpu.items()}
        load = os.getloadavg()[0]
        print(f"national map, {n} communes, survey year {year}, {width}×{height} px, {runs} runs")
        print(f"cold first map (generates and stores the cells): {cold:.2f} s")
        print(f"machine load average at the end: {load:.1f} on {os.cpu_count()} cores"
              " (wall times stretch with it; CPU seconds of this process do not)")
        print(f"(a) PNG  median {med['png']:.3f} s wall, {mcpu['png']:.3f} s CPU"
              f"  ({size['png'] / 1024:.0f} KB)")
        print(f"(b) SVG  median {med['svg']:.3f} s wall, {mcpu['svg']:.3f} s CPU"
              f"  ({size['svg'] / 1024:.0f} KB)")
        print(f"(c) bare geopandas plot() → PNG  median {med['bare']:.3f} s wall,"
              f" {mcpu['bare']:.3f} s CPU")
        ra, rb = med["png"] / med["bare"], med["svg"] / med["bare"]
        print(f"a/c = {ra:.2f}   b/c = {rb:.2f}   (CPU: {mcpu['png'] / mcpu['bare']:.2f},"
              f" {mcpu['svg'] / mcpu['bare']:.2f})   (targets: ≤ {TARGET_SECONDS:g} s each,"
              f" ≤ {TARGET_RATIO:g} × bare)")
        ok_ratio = max(ra, rb) <= TARGET_RATIO
        ok_wall = max(med["png"], med["svg"]) <= TARGET_SECONDS
        ok_cpu = max(mcpu["png"], mcpu["svg"]) <= TARGET_SECONDS
        print(f"ratio target: {'met' if ok_ratio else 'MISSED'};"
              f" ≤ {TARGET_SECONDS:g} s by wall clock: {'met' if ok_wall else 'MISSED'}"
              f" (by CPU seconds: {'met' if ok_cpu else 'MISSED'})")
        return 0 if ok_ratio and ok_wall else 1
    finally:
        log(await fresh.drop())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--out", type=Path, default=None, help="keep the files here")
    args = parser.parse_args()
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
    sys.exit(asyncio.run(main(args.runs, args.year, args.out)))
