"""Laying out a choropleth page: projection, frame, insets, legend and text, in page units.

Both renderers (PNG via matplotlib, SVG written directly) draw the same `Page`, so the two files
show the same map. Page units are pixels of a 1200-wide page; y grows downwards. Pure.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.ops import polylabel

from geo import boundaries
from geo.classes import NO_DATA_FILL, MapClass

WIDTH = 1200.0
MARGIN = 16.0
SIDE = 360.0  # right column of local maps: legend, insets, locator
NATIONAL = (102.0, 8.2, 116.3, 23.55)  # lon/lat frame with both archipelagos in place (locator)
COUNTRY = (102.0, 8.3, 113.2, 23.5)  # a national map: Hoàng Sa in place, Trường Sa in an inset
TRUONG_SA_BOX = (110.0, 8.45, 113.05, 12.0)  # where, in COUNTRY, the Trường Sa inset sits
ISLAND_MIN = 2.6  # page units: archipelago islets are drawn at least this big
LABEL_SIZE = 11.0
LEGEND_SPACE = 40 + 24 * 8 + 26  # the tallest legend (rate classes): what follows sits below


@dataclass(frozen=True)
class Dims:
    """Page width, right column and legend room: a full page (files) or a compact map (pages,
    where legend, title and notes are HTML beside it)."""

    width: float
    side: float
    legend_space: float
    texts: bool


FULL = Dims(WIDTH, SIDE, LEGEND_SPACE, True)
COMPACT = Dims(780.0, 220.0, 0.0, False)
TEXT = "#1a1a1a"
MUTED = "#555555"
SEA = "#eef5fb"
LAND = "#e4e4e4"
CONTEXT = "#f4f4f4"
CONTEXT_EDGE = "#b5b5b5"
SCHEMATIC_CAPTION = "Sơ đồ minh họa, không dùng làm căn cứ xác định địa giới hành chính"


@dataclass(frozen=True)
class Frame:
    """Equirectangular projection (x scaled by cos of the mid latitude) onto a page box."""

    lon0: float
    lat0: float
    scale: float  # page units per degree of latitude
    x0: float  # page position of (lon0, lat0)
    y0: float

    @classmethod
    def fit(cls, bounds: Sequence[float], box: Sequence[float]) -> Frame:
        """The frame that fits lon/lat `bounds` centred into page `box` (x, y, w, h)."""
        minx, miny, maxx, maxy = bounds
        lat0 = (miny + maxy) / 2
        k = math.cos(math.radians(lat0))
        w = max((maxx - minx) * k, 1e-6)
        h = max(maxy - miny, 1e-6)
        x, y, bw, bh = box
        scale = min(bw / w, bh / h)
        return cls((minx + maxx) / 2, lat0, scale, x + bw / 2, y + bh / 2)

    @property
    def kx(self) -> float:
        return math.cos(math.radians(self.lat0)) * self.scale

    def coords(self, xy: np.ndarray) -> np.ndarray:
        out = np.empty_like(xy)
        out[:, 0] = self.x0 + (xy[:, 0] - self.lon0) * self.kx
        out[:, 1] = self.y0 - (xy[:, 1] - self.lat0) * self.scale
        return out

    def geoms(self, geoms: Any) -> Any:
        return shapely.transform(geoms, self.coords)

    def point(self, lon: float, lat: float) -> tuple[float, float]:
        return self.x0 + (lon - self.lon0) * self.kx, self.y0 - (lat - self.lat0) * self.scale

    def size(self, bounds: Sequence[float]) -> tuple[float, float]:
        return (bounds[2] - bounds[0]) * self.kx, (bounds[3] - bounds[1]) * self.scale


@dataclass
class Text:
    x: float
    y: float  # baseline
    text: str
    size: float = 12.0
    anchor: str = "start"  # start | middle | end
    bold: bool = False
    italic: bool = False
    colour: str = TEXT
    halo: bool = False
    role: str = ""  # css class in the SVG (label, title, note…)


@dataclass
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str
    stroke: str = "none"
    hatch: bool = False
    stroke_width: float = 1.0
    over: bool = True  # drawn above the map (frames, legend) or below it (sea)


@dataclass
class Layer:
    """Geometry drawn without data (sea, neighbours, context, outlines), in page units."""

    geoms: list[Any]
    fill: str
    stroke: str = "none"
    stroke_width: float = 0.5
    role: str = ""
    cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass
class UnitShape:
    code: str
    name: str
    kind: str
    klass: str
    geom: Any  # page units
    fill: str
    hatch: bool
    attrs: dict[str, str]  # data-* attributes of the SVG shape
    tooltip: str
    href: str | None = None


@dataclass
class Page:
    width: float
    height: float
    clip: tuple[float, float, float, float]  # the map box (x, y, w, h)
    below: list[Layer] = field(default_factory=list)
    shapes: list[UnitShape] = field(default_factory=list)
    above: list[Layer] = field(default_factory=list)
    rects: list[Rect] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)
    title: str = ""
    description: str = ""


@dataclass
class UnitInput:
    code: str
    name: str
    kind: str
    geom: Any  # WGS84
    klass: str
    attrs: dict[str, str]
    tooltip: str
    label: str
    href: str | None = None


@dataclass
class MapInput:
    title: str
    subtitle: str
    date_line: str
    source_line: str
    schematic: bool
    national: bool
    units: list[UnitInput]
    classes: list[MapClass]
    kind_word: str  # "xã", "huyện", "tỉnh": what one shape is
    tree: int
    outlines: list[Any] | None = None  # WGS84 areas whose borders go over the units
    context: list[tuple[str, Any]] | None = None  # other provinces (name, WGS84), drawn faintly
    highlight: Any | None = None  # the mapped area, marked on the locator map
    compact: bool = False

    @property
    def dims(self) -> Dims:
        return COMPACT if self.compact else FULL


def text_width(text: str, size: float, bold: bool = False) -> float:
    """An estimate of the rendered width in DejaVu Sans (good enough to place and wrap)."""
    return len(text) * size * (0.62 if bold else 0.57)


def wrap(text: str, size: float, width: float, bold: bool = False) -> list[str]:
    words, lines, line = text.split(), [], ""
    for word in words:
        trial = f"{line} {word}".strip()
        if line and text_width(trial, size, bold) > width:
            lines.append(line)
            line = word
        else:
            line = trial
    if line:
        lines.append(line)
    return lines


# --- geometry ---------------------------------------------------------------------------------


def split_archipelagos(geom: Any) -> tuple[Any | None, dict[str, Any]]:
    """A unit's mainland parts, and its parts in each archipelago region."""
    minx, miny, maxx, maxy = geom.bounds
    if not any(shapely.intersects(shapely.box(minx, miny, maxx, maxy), r)
               for r in boundaries.REGIONS.values()):
        return geom, {}
    main, islands = [], {}
    for part in shapely.get_parts(geom):
        key = boundaries.is_archipelago_part(part)
        if key is None:
            main.append(part)
        else:
            islands.setdefault(key, []).append(part)
    return (
        shapely.union_all(main) if main else None,
        {k: shapely.union_all(v) for k, v in islands.items()},
    )


def enlarge(geom_page: Any, minimum: float = ISLAND_MIN) -> Any:
    """Islets too small to see get a visible minimum size (page units)."""
    return shapely.union_all([
        part if math.sqrt(max(part.area, 0.0)) >= minimum * 2 else part.buffer(minimum, 4)
        for part in shapely.get_parts(geom_page)
    ])


def project_units(
    geoms: Sequence[Any], frame: Frame, insets: dict[str, Frame] | None = None,
    *, tolerance: float = 0.3,
) -> list[Any]:
    """WGS84 unit shapes → page units; archipelago parts go through their inset frame."""
    arr = np.asarray(geoms, dtype=object)
    bounds = shapely.bounds(arr)
    near = np.zeros(len(arr), dtype=bool)
    for region in boundaries.REGIONS.values():
        rx0, ry0, rx1, ry1 = region.bounds
        near |= (bounds[:, 2] >= rx0) & (bounds[:, 0] <= rx1) & (bounds[:, 3] >= ry0) & (
            bounds[:, 1] <= ry1)
    out = shapely.simplify(frame.geoms(arr), tolerance)
    for i in np.flatnonzero(near):
        main, islands = split_archipelagos(arr[i])
        parts = [] if main is None else [shapely.simplify(frame.geoms(main), tolerance)]
        for key, geom in islands.items():
            target = (insets or {}).get(key, frame)
            parts.append(enlarge(target.geoms(geom)))
        out[i] = shapely.union_all(parts) if parts else out[i]
    return list(out)


# --- the page ---------------------------------------------------------------------------------


@dataclass
class Frames:
    main: Frame
    map_box: tuple[float, float, float, float]
    insets: dict[str, tuple[Frame, tuple[float, float, float, float]]]
    top: float


@dataclass
class Prepared:
    """The costly part of a page (projected geometry), cached by the caller between maps."""

    frames: Frames
    units: list[Any]  # page-unit geometry, one per unit
    below: list[Layer]
    above: list[Layer]
    texts: list[Text]  # names of the neighbouring provinces, archipelago labels
    cache: dict[str, Any] = field(default_factory=dict)


def prepare(inp: MapInput) -> Prepared:
    """Frames and every projected geometry of a map (no classes, no text of the data)."""
    f = frames(inp)
    insets = {k: fr for k, (fr, _) in f.insets.items()}
    units = project_units([u.geom for u in inp.units], f.main, insets)
    below: list[Layer] = []
    texts: list[Text] = []
    frame = f.main
    if inp.national:
        clip = shapely.box(*COUNTRY)
        below.append(Layer([frame.geoms(boundaries.neighbours().intersection(clip))], LAND,
                           "#c9c9c9", 0.6, role="neighbours"))
        below.append(Layer(
            [enlarge(insets.get(a.key, frame).geoms(a.geom)) for a in boundaries.archipelagos()],
            "#ffffff", "#333333", 0.6, role="archipelago",
        ))
        _archipelago_labels(frame, insets, texts, 13)
    else:
        view = shapely.box(*_inverse_bounds(frame, f.map_box))
        around = boundaries.neighbours().intersection(view)
        if not around.is_empty:
            below.append(Layer([frame.geoms(around)], LAND, "#c9c9c9", 0.6, role="neighbours"))
        shown = [(name, g.intersection(view)) for name, g in inp.context or []
                 if g.intersects(view)]
        shown = [(name, frame.geoms(g)) for name, g in shown if not g.is_empty]
        if shown:
            below.append(Layer([g for _, g in shown], CONTEXT, CONTEXT_EDGE, 0.8,
                               role="context"))
        for name, g in shown:
            biggest = max(shapely.get_parts(g), key=lambda p: p.area)
            w = text_width(name, 12, False)
            bx0, by0, bx1, by1 = biggest.bounds
            if bx1 - bx0 > w + 10 and by1 - by0 > 30:
                pt = polylabel(biggest, tolerance=2.0)
                texts.append(Text(pt.x, pt.y, name.upper(), 11, anchor="middle",
                                  colour="#8a8a8a", role="context-label"))
        below.extend(_locator_layers(inp, texts, f))
    above = []
    if inp.outlines:
        above.append(Layer(list(frame.geoms(np.asarray(inp.outlines, dtype=object))), "none",
                           "#4d4d4d", 0.7 if inp.national else 1.1, role="outline"))
    return Prepared(f, units, below, above, texts)


def build_page(inp: MapInput, prepared: Prepared | None = None) -> Page:
    """The page of a map: `prepared` (from `prepare(inp)`, maybe cached) plus its data."""
    prep = prepared if prepared is not None else prepare(inp)
    f = prep.frames
    x, y, w, h = f.map_box
    d = inp.dims
    page = Page(d.width, 0, f.map_box, texts=_header(inp) if d.texts else [])
    page.rects.append(Rect(x, y, w, h, SEA, over=False))
    for _, (_, (bx, by, bw, bh)) in f.insets.items():
        page.rects.append(Rect(bx, by, bw, bh, SEA, over=False))
        page.rects.append(Rect(bx, by, bw, bh, "none", "#777777"))
    page.below = list(prep.below)
    page.above = list(prep.above)
    colours = {c.key: c for c in inp.classes}
    page.shapes = _unit_shapes(inp, prep.units, colours)
    if not inp.national or len(inp.units) <= 120:
        _labels(inp, prep, page, LABEL_SIZE - (1 if inp.national else 0))
    page.texts.extend(prep.texts)
    page.rects.append(Rect(x, y, w, h, "none", "#777777"))
    if inp.national:
        legend_w = 390
        if d.texts:
            _legend(inp, x + w - legend_w - 12, y + 12, legend_w, page)
        bottom = y + h
    else:
        side_x = d.width - MARGIN - d.side
        bottom = _legend(inp, side_x, y, d.side, page) if d.texts else y
        for key, (_, (bx, by, _bw, bh)) in f.insets.items():
            arch = next(a for a in boundaries.archipelagos() if a.key == key)
            page.texts.append(Text(bx, by - 6, arch.name, 14, bold=True, italic=True,
                                   colour="#0b3d91", role="archipelago"))
            bottom = by + bh
        bottom = max(y + h, _locator_frame(page, f, d))
    page.height = _footer(inp, page, bottom + 4) if d.texts else bottom + MARGIN
    return page


def _header(inp: MapInput) -> list[Text]:
    texts: list[Text] = []
    y = MARGIN + 24
    for line in wrap(inp.title, 24, WIDTH - 2 * MARGIN, bold=True):
        texts.append(Text(MARGIN, y, line, 24, bold=True, role="title"))
        y += 30
    texts.append(Text(MARGIN, y, inp.subtitle, 17, role="subtitle"))
    y += 24
    texts.append(Text(MARGIN, y, inp.date_line, 15, colour=MUTED, role="date"))
    return texts


def _header_bottom(inp: MapInput) -> float:
    return _header(inp)[-1].y + 14 if inp.dims.texts else MARGIN


def frames(inp: MapInput) -> Frames:
    """Where the map goes on the page: its frame, and inset frames for archipelago parts."""
    top = _header_bottom(inp)
    d = inp.dims
    if inp.national:
        k = math.cos(math.radians((COUNTRY[1] + COUNTRY[3]) / 2))
        width = d.width - 2 * MARGIN
        height = width / ((COUNTRY[2] - COUNTRY[0]) * k) * (COUNTRY[3] - COUNTRY[1])
        box = (MARGIN, top, width, height)
        main = Frame.fit(COUNTRY, box)
        x0, y1 = main.point(TRUONG_SA_BOX[0], TRUONG_SA_BOX[1])
        x1, y0 = main.point(TRUONG_SA_BOX[2], TRUONG_SA_BOX[3])
        ibox = (x0, y0, x1 - x0, y1 - y0)
        arch = next(a for a in boundaries.archipelagos() if a.key == "truong_sa")
        inset = Frame.fit(arch.geom.buffer(0.3).bounds, (x0 + 8, y0 + 30, x1 - x0 - 16,
                                                         y1 - y0 - 38))
        return Frames(main, box, {"truong_sa": (inset, ibox)}, top)
    mains, islands = [], {}
    for u in inp.units:
        main, parts = split_archipelagos(u.geom)
        if main is not None:
            mains.append(main)
        for key, g in parts.items():
            islands.setdefault(key, []).append(g)
    if not mains:  # only archipelago units (huyện Trường Sa): map them in place
        mains, islands = [u.geom for u in inp.units], {}
    minx, miny, maxx, maxy = shapely.union_all(mains).bounds
    padx, pady = (maxx - minx) * 0.04 + 0.01, (maxy - miny) * 0.04 + 0.01
    bounds = (minx - padx, miny - pady, maxx + padx, maxy + pady)
    width = d.width - 3 * MARGIN - d.side
    k = math.cos(math.radians((bounds[1] + bounds[3]) / 2))
    aspect = (bounds[3] - bounds[1]) / max((bounds[2] - bounds[0]) * k, 1e-6)
    height = min(max(width * aspect, 520.0), 1100.0)
    box = (MARGIN, top, width, height)
    main_frame = Frame.fit(bounds, box)
    insets = {}
    y = top + d.legend_space + (20 if d.texts else 0)
    for key in sorted(islands):
        arch = next(a for a in boundaries.archipelagos() if a.key == key)
        region = shapely.union_all([arch.geom, *islands[key]]).buffer(0.15).bounds
        ibox = (d.width - MARGIN - d.side + 10, y + 22, d.side - 20, d.side * 0.5)
        insets[key] = (Frame.fit(region, ibox), ibox)
        y += d.side * 0.5 + 40
    return Frames(main_frame, box, insets, top)


def _legend_height(inp: MapInput) -> float:
    return 40 + 24 * len(inp.classes) + 26


def _legend(inp: MapInput, x: float, y: float, width: float, page: Page) -> float:
    """Swatches with counts per class; returns the bottom."""
    height = _legend_height(inp)
    page.rects.append(Rect(x, y, width, height, "#ffffff", "#9a9a9a"))
    page.texts.append(Text(x + 12, y + 26, "Chú giải", 16, bold=True, role="legend-title"))
    row = y + 40
    total = 0
    for c in inp.classes:
        page.rects.append(Rect(x + 12, row, 30, 17, c.colour, "#666666", hatch=c.hatch,
                               stroke_width=0.8))
        page.texts.append(Text(x + 52, row + 14, c.label, 14, role="legend-label"))
        page.texts.append(Text(x + width - 12, row + 14, f"{c.count:,}".replace(",", "."), 14,
                               anchor="end", bold=True, role="legend-count"))
        total += c.count
        row += 24
    total_text = f"Tổng số: {total:,} {inp.kind_word}".replace(",", ".")
    page.texts.append(Text(x + 12, row + 16, total_text, 14, colour=MUTED, role="legend-total"))
    return y + height


def _footer(inp: MapInput, page: Page, y: float) -> float:
    lines: list[Text] = []
    width = WIDTH - 2 * MARGIN
    for line in wrap(inp.source_line, 13, width):
        lines.append(Text(MARGIN, 0, line, 13, colour=MUTED, role="source"))
    if inp.schematic:
        for line in wrap(SCHEMATIC_CAPTION, 14, width, bold=True):
            lines.append(Text(MARGIN, 0, line, 14, bold=True, italic=True, colour="#8a1c1c",
                              role="schematic"))
    for t in lines:
        y += t.size + 6
        t.y = y
        page.texts.append(t)
    return y + MARGIN


def _unit_shapes(inp: MapInput, projected: list[Any], colours: dict[str, MapClass]) -> list[
        UnitShape]:
    shapes = []
    for u, geom in zip(inp.units, projected, strict=True):
        c = colours[u.klass]
        shapes.append(UnitShape(u.code, u.name, u.kind, u.klass, geom, c.colour, c.hatch,
                                u.attrs, u.tooltip, u.href))
    return shapes


def _labels(inp: MapInput, prep: Prepared, page: Page, size: float) -> None:
    """Names inside shapes big enough to hold them, never overlapping one another."""
    placed: list[tuple[float, float, float, float]] = []
    spots = prep.cache.get("label_spots")
    if spots is None:
        spots = prep.cache["label_spots"] = _label_spots(inp, prep.units, size)
    for u, spot in zip(inp.units, spots, strict=True):
        if spot is None:
            continue
        rect, point = spot
        if any(not (rect[2] < r[0] or rect[0] > r[2] or rect[3] < r[1] or rect[1] > r[3])
               for r in placed):
            continue
        placed.append(rect)
        page.texts.append(Text(point[0], point[1] + size * 0.35, u.label, size, anchor="middle",
                               halo=True, role="label"))


def _label_spots(inp: MapInput, projected: list[Any], size: float) -> list[Any]:
    """Where each unit's name fits (its box and centre), or None."""
    out: list[Any] = []
    for u, geom in zip(inp.units, projected, strict=True):
        out.append(None)
        if not u.label or geom.is_empty:
            continue
        minx, miny, maxx, maxy = geom.bounds
        w = text_width(u.label, size)
        if maxx - minx < w * 1.1 or maxy - miny < size * 2.2:
            continue
        biggest = max(shapely.get_parts(geom), key=lambda p: p.area)
        point = polylabel(biggest, tolerance=1.0)
        box = shapely.box(point.x - w / 2, point.y - size * 0.8,
                          point.x + w / 2, point.y + size * 0.4)
        if not geom.buffer(1.0).contains(box):
            continue
        out[-1] = (box.bounds, (point.x, point.y))
    return out


def _archipelago_labels(
    frame: Frame, insets: dict[str, Frame], texts: list[Text], size: float
) -> None:
    spots = {"hoang_sa": (112.0, 17.25), "truong_sa": (114.9, 11.6)}
    for arch in boundaries.archipelagos():
        x, y = insets.get(arch.key, frame).point(*spots[arch.key])
        texts.append(Text(x, y, arch.name, size, anchor="middle", bold=True, italic=True,
                          colour="#0b3d91", halo=True, role="archipelago"))
        texts.append(Text(x, y + size + 2, "(Việt Nam)", size * 0.85, anchor="middle",
                          italic=True, colour="#0b3d91", halo=True, role="archipelago"))


def _inverse_bounds(frame: Frame, box: tuple[float, float, float, float]) -> tuple[
        float, float, float, float]:
    x, y, w, h = box
    lon0 = frame.lon0 + (x - frame.x0) / frame.kx
    lon1 = frame.lon0 + (x + w - frame.x0) / frame.kx
    lat1 = frame.lat0 + (frame.y0 - y) / frame.scale
    lat0 = frame.lat0 + (frame.y0 - y - h) / frame.scale
    return lon0, lat0, lon1, lat1


def _locator_box(f: Frames, d: Dims) -> tuple[float, float, float, float]:
    """Below the legend and any archipelago inset, in the right column."""
    bottom = f.top + d.legend_space - (0 if d.texts else 24)
    for _, (_, (_bx, by, _bw, bh)) in f.insets.items():
        bottom = max(bottom, by + bh)
    k = math.cos(math.radians((NATIONAL[1] + NATIONAL[3]) / 2))
    h = d.side / ((NATIONAL[2] - NATIONAL[0]) * k) * (NATIONAL[3] - NATIONAL[1])
    return (d.width - MARGIN - d.side, bottom + 44, d.side, h)


def _locator_layers(inp: MapInput, texts: list[Text], f: Frames) -> list[Layer]:
    """Việt Nam with both archipelagos, the mapped province marked: on every local map."""
    box = _locator_box(f, inp.dims)
    frame = Frame.fit(NATIONAL, box)
    layers = []
    clip = shapely.box(*NATIONAL)
    layers.append(Layer([frame.geoms(boundaries.neighbours().intersection(clip))], LAND,
                        "none", 0.0, role="locator"))
    country = shapely.union_all([p.geom for p in boundaries.provinces(inp.tree).values()])
    layers.append(Layer([frame.geoms(country)], NO_DATA_FILL, "#8a8a8a", 0.5, role="locator"))
    layers.append(Layer([enlarge(frame.geoms(a.geom), 1.6) for a in boundaries.archipelagos()],
                        NO_DATA_FILL, "#333333", 0.5, role="locator"))
    if inp.highlight is not None:
        layers.append(Layer([enlarge(frame.geoms(inp.highlight), 2.0)], "#d7301f",
                            "#7f0000", 0.6, role="locator"))
    spots = {"hoang_sa": (112.0, 17.5), "truong_sa": (114.0, 12.0)}
    for arch in boundaries.archipelagos():
        px, py = frame.point(*spots[arch.key])
        half = text_width(arch.name, 10.5) / 2
        px = min(max(px, box[0] + half + 3), box[0] + box[2] - half - 3)
        texts.append(Text(px, py, arch.name, 10.5, anchor="middle",
                          italic=True, colour="#0b3d91", halo=True, role="archipelago"))
    return layers


def _locator_frame(page: Page, f: Frames, d: Dims) -> float:
    x, y, w, h = _locator_box(f, d)
    page.rects.append(Rect(x, y, w, h, SEA, over=False))
    page.rects.append(Rect(x, y, w, h, "none", "#777777"))
    page.texts.append(Text(x, y - 8, "Vị trí trên bản đồ Việt Nam", 14 if d.texts else 12,
                           bold=True,
                           role="locator-title"))
    return y + h
