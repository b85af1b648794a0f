"""The page as PNG through matplotlib's Agg canvas (no pyplot, no global state).

The axes span the whole figure in page units, so the layout of `geo.layout` is drawn as is; one
PathCollection per fill style keeps 3,321 communes to a handful of draw calls.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib import patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path

from geo.layout import Layer, Page, Rect, Text
from geo.paths import rings

PT = 0.72  # points per page unit (a page unit is 1/100 inch)
HATCH = "////"
HATCH_COLOUR = "#8c8c8c"


def mpl_path(geom_rings: Sequence[np.ndarray]) -> Path:
    """A compound path (holes included, even-odd) from closed rings."""
    if not geom_rings:
        return Path(np.zeros((1, 2)), [Path.MOVETO])
    verts = np.concatenate(geom_rings)
    codes = np.full(len(verts), Path.LINETO, dtype=np.uint8)
    start = 0
    for ring in geom_rings:
        codes[start] = Path.MOVETO
        codes[start + len(ring) - 1] = Path.CLOSEPOLY
        start += len(ring)
    return Path(verts, codes)


def paths_of(geoms: Sequence[Any]) -> list[Path]:
    return [mpl_path(r) for r in rings(geoms)]


def _rect(ax: Any, r: Rect) -> None:
    ax.add_artist(Rectangle(
        (r.x, r.y), r.w, r.h, facecolor="none" if r.fill == "none" else r.fill,
        edgecolor="none" if r.stroke == "none" else r.stroke, linewidth=r.stroke_width * PT,
        hatch=HATCH if r.hatch else None, hatchcolor=HATCH_COLOUR if r.hatch else None,
        zorder=1 if not r.over else 4,
    ))


def _layer(ax: Any, layer: Layer, zorder: float) -> None:
    if "paths" not in layer.cache:
        layer.cache["paths"] = paths_of(layer.geoms)
    paths = layer.cache["paths"]
    ax.add_collection(PathCollection(
        paths, facecolors="none" if layer.fill == "none" else layer.fill,
        edgecolors="none" if layer.stroke == "none" else layer.stroke,
        linewidths=layer.stroke_width * PT, zorder=zorder,
    ))


def _text(ax: Any, t: Text) -> None:
    effects = [patheffects.withStroke(linewidth=2.2, foreground="#ffffff")] if t.halo else None
    ax.text(t.x, t.y, t.text, fontsize=t.size * PT, ha={"start": "left", "end": "right"}.get(
        t.anchor, "center"), va="baseline", fontweight="bold" if t.bold else "normal",
        fontstyle="italic" if t.italic else "normal", color=t.colour, zorder=5,
        path_effects=effects, family="DejaVu Sans")


def render(page: Page, *, scale: float = 1.5, shape_paths: list[Path] | None = None) -> bytes:
    """PNG bytes; `scale` pixels per page unit (1.5: 1800 px wide, for forms and dossiers)."""
    fig = Figure(figsize=(page.width / 100, page.height / 100), dpi=100 * scale)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, page.width)
    ax.set_ylim(page.height, 0)
    ax.set_axis_off()
    for r in page.rects:
        if not r.over:
            _rect(ax, r)
    for layer in page.below:
        _layer(ax, layer, 2)
    paths = shape_paths if shape_paths is not None else paths_of([s.geom for s in page.shapes])
    plain = [i for i, s in enumerate(page.shapes) if not s.hatch]
    hatched = [i for i, s in enumerate(page.shapes) if s.hatch]
    if plain:
        ax.add_collection(PathCollection(
            [paths[i] for i in plain], facecolors=[page.shapes[i].fill for i in plain],
            edgecolors="#ffffff", linewidths=0.5 * PT, zorder=3,
        ))
    if hatched:
        # One compound path: Agg hatches it in one pass instead of once per commune.
        patch = PathPatch(
            Path.make_compound_path(*[paths[i] for i in hatched]), facecolor="#ffffff",
            edgecolor="none", hatch=HATCH, hatchcolor=HATCH_COLOUR, zorder=3,
        )
        patch.set_hatch_linewidth(0.7)
        ax.add_artist(patch)
        ax.add_collection(PathCollection(
            [paths[i] for i in hatched], facecolors="none", edgecolors=HATCH_COLOUR,
            linewidths=0.4 * PT, zorder=3,
        ))
    for layer in page.above:
        _layer(ax, layer, 3.5)
    for r in page.rects:
        if r.over:
            _rect(ax, r)
    for t in page.texts:
        _text(ax, t)
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=100 * scale, metadata={"Software": "pcgd"},
                pil_kwargs={"compress_level": 1})
    return out.getvalue()
