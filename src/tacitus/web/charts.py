"""Geometry of the UI's two charts, computed on the server: rows in, shapes for the templates out.

`event_map` turns map points (already capped by the query) into dots in projected SVG units,
sized by sources or fatalities and typed for colour; `timeline` turns counts per (period, type)
into stacked bars on a continuous time axis. `world_outline_svg` draws the committed country
outlines (data/world.geojson, see scripts/build_world_outline.py) once per process.
"""

from __future__ import annotations

import calendar
import datetime
import json
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from tacitus.models import PLOVER_TYPES
from tacitus.store.query import INTERVALS

from .projection import WORLD, View, fit, project

SIZE_MEASURES = ("sources", "fatalities")
# dot radii in screen pixels: the smallest stays clickable, the largest does not hide a country
_MIN_RADIUS_PX = 3.0
_MAX_RADIUS_PX = 14.0
# beyond this many periods a bar is thinner than a pixel on a laptop screen
MAX_PERIODS = 400
MIN_PERIODS = 12


@dataclass(frozen=True)
class MapPoint:
    """One event as the map needs it."""

    id: str
    lon: float
    lat: float
    type: str
    sources: int = 1
    fatalities: int = 0
    label: str = ""


@dataclass(frozen=True)
class Slice:
    """A wedge of a place's dot: the share of one PLOVER type, as SVG path data in pixels."""

    type: str
    count: int
    d: str


@dataclass(frozen=True)
class Dot:
    """One place on the map: where it is (user units), its radius (pixels), its events by type.

    A place with events of one type is a plain circle; with several it is a pie, a wedge per
    type. `href_event` is set when the place holds exactly one event (the dot opens it)."""

    x: float
    y: float
    r: float
    slices: list[Slice]
    title: str
    lon: float
    lat: float
    href_event: str | None


@dataclass(frozen=True)
class EventMap:
    view: View
    dots: list[Dot]
    types: list[str]
    size_by: str


def _wedges(counts: list[tuple[str, int]], radius: float) -> list[Slice]:
    total = sum(n for _, n in counts)
    if len(counts) == 1:
        return [Slice(counts[0][0], counts[0][1], "")]
    slices = []
    angle = -math.pi / 2  # the first wedge starts at twelve o'clock
    for event_type, n in counts:
        sweep = 2 * math.pi * n / total
        x0, y0 = radius * math.cos(angle), radius * math.sin(angle)
        x1, y1 = radius * math.cos(angle + sweep), radius * math.sin(angle + sweep)
        large = 1 if sweep > math.pi else 0
        slices.append(Slice(event_type, n, f"M0 0L{x0:.2f} {y0:.2f}A{radius:.2f} {radius:.2f} 0 {large} 1 "
                                           f"{x1:.2f} {y1:.2f}Z"))
        angle += sweep
    return slices


def event_map(points: Iterable[MapPoint], size_by: str = "sources", view: View | None = None) -> EventMap:
    """One dot per place, in a view fitted to the points unless one is given (a bounding-box filter).

    Events at the same coordinates (a town, a country's centroid) share a dot: its area is
    proportional to their summed sources or fatalities, its wedges to their counts by type.
    The largest dots are drawn first so that smaller ones stay visible on top.
    """
    if size_by not in SIZE_MEASURES:
        raise ValueError(f"size_by must be one of {', '.join(SIZE_MEASURES)}, not {size_by!r}")
    places: dict[tuple[float, float], list[MapPoint]] = defaultdict(list)
    for point in points:
        if math.isfinite(point.lon) and math.isfinite(point.lat):
            places[(round(point.lon, 4), round(point.lat, 4))].append(point)
    view = view or fit(places)
    measures = {key: sum(max(0, p.sources if size_by == "sources" else p.fatalities) for p in group)
                for key, group in places.items()}
    largest = max(measures.values(), default=0)
    order = {t: i for i, t in enumerate(PLOVER_TYPES)}
    dots = []
    for (lon, lat), group in places.items():
        x, y = project(lon, lat)
        share = math.sqrt(measures[(lon, lat)] / largest) if largest else 0.0
        radius = _MIN_RADIUS_PX + (_MAX_RADIUS_PX - _MIN_RADIUS_PX) * share
        by_type: dict[str, int] = defaultdict(int)
        for p in group:
            by_type[p.type] += 1
        counts = sorted(by_type.items(), key=lambda kv: order.get(kv[0], 99))
        events = len(group)
        sources = sum(p.sources for p in group)
        killed = sum(p.fatalities for p in group)
        label = next((p.label for p in group if p.label), f"{lat:.2f}, {lon:.2f}")
        kinds = ", ".join(f"{t} {n}" for t, n in counts)
        title = f"{label}: {events} event{'s' if events != 1 else ''} ({kinds}); {sources} source(s), {killed} killed"
        only = group[0].id if len(group) == 1 else None
        dots.append(Dot(round(x, 3), round(y, 3), round(radius, 2), _wedges(counts, radius), title, lon, lat, only))
    dots.sort(key=lambda d: -d.r)
    present = {p.type for group in places.values() for p in group}
    return EventMap(view, dots, [t for t in PLOVER_TYPES if t in present], size_by)


def path(rings: Sequence[Sequence[Sequence[float]]]) -> str:
    """SVG path data of lon/lat rings, each closed."""
    parts = []
    for ring in rings:
        xy = [project(lon, lat) for lon, lat in ring]
        head, rest = xy[0], xy[1:]
        parts.append(f"M{head[0]:.2f} {head[1]:.2f}L" + " ".join(f"{x:.2f} {y:.2f}" for x, y in rest) + "Z")
    return "".join(parts)


@lru_cache(maxsize=1)
def country_paths() -> dict[str, str]:
    """SVG path data of every country outline, by ISO alpha-3 code (or by name when it has none)."""
    source = resources.files("tacitus.web") / "data" / "world.geojson"
    collection = json.loads(source.read_text(encoding="utf-8"))
    paths = {}
    for feature in collection["features"]:
        key = feature["properties"]["iso3"] or feature["properties"]["name"]
        paths[key] = "".join(path(polygon) for polygon in feature["geometry"]["coordinates"])
    return paths


@lru_cache(maxsize=1)
def world_outline_svg() -> str:
    """A standalone SVG of every country; pages reference its `countries` group with <use>.

    The strokes keep their screen width however far a page zooms (vector-effect is not inherited,
    so every path carries it); fill and stroke colours come from the <use> element that shows it.
    """
    paths = "".join(f'<path data-country="{key}" d="{d}" vector-effect="non-scaling-stroke"/>'
                    for key, d in country_paths().items())
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{WORLD.view_box}">'
            f'<g id="countries">{paths}</g></svg>\n')


def period_start(day: datetime.date, interval: str) -> datetime.date:
    """The first day of the day / ISO week (Monday) / month / year holding `day`."""
    if interval == "day":
        return day
    if interval == "week":
        return day - datetime.timedelta(days=day.weekday())
    if interval == "month":
        return day.replace(day=1)
    if interval == "year":
        return day.replace(month=1, day=1)
    raise ValueError(f"interval must be one of {', '.join(INTERVALS)}, not {interval!r}")


def next_period(start: datetime.date, interval: str) -> datetime.date:
    if interval == "day":
        return start + datetime.timedelta(days=1)
    if interval == "week":
        return start + datetime.timedelta(days=7)
    if interval == "year":
        return datetime.date(start.year + 1, 1, 1)
    days = calendar.monthrange(start.year, start.month)[1]
    return start.replace(day=1) + datetime.timedelta(days=days)


def previous_period(start: datetime.date, interval: str) -> datetime.date:
    return period_start(start - datetime.timedelta(days=1), interval)


def periods_between(first: datetime.date, last: datetime.date, interval: str) -> int:
    """How many periods of `interval` run from the one holding `first` to the one holding `last`."""
    a, b = period_start(first, interval), period_start(last, interval)
    if interval == "day":
        return (b - a).days + 1
    if interval == "week":
        return (b - a).days // 7 + 1
    if interval == "year":
        return b.year - a.year + 1
    return (b.year - a.year) * 12 + b.month - a.month + 1


def choose_interval(first: datetime.date | None, last: datetime.date | None) -> str:
    """The finest interval that keeps the timeline under MAX_PERIODS bars (and a day up to 3 months)."""
    if first is None or last is None:
        return "month"
    if periods_between(first, last, "day") <= 92:
        return "day"
    if periods_between(first, last, "week") <= MAX_PERIODS // 2:
        return "week"
    if periods_between(first, last, "month") <= MAX_PERIODS:
        return "month"
    return "year"


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    type: str
    count: int
    start: datetime.date
    end: datetime.date
    href: str


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Timeline:
    width: float
    height: float
    interval: str
    bars: list[Bar]
    ticks: list[Tick]
    peak: int
    total: int
    periods: int
    types: list[str]


def _label(start: datetime.date, interval: str) -> str:
    if interval == "year":
        return str(start.year)
    if interval == "month":
        return start.strftime("%Y-%m") if start.month != 1 else str(start.year)
    return start.isoformat()


def timeline(counts: Iterable[tuple[datetime.date, str, int]], interval: str,
             href: Callable[[datetime.date, datetime.date, str], str],
             width: float = 960.0, height: float = 160.0) -> Timeline:
    """Stacked bars, one column per period from the first to the last with events (empty ones too),
    at least MIN_PERIODS of them.

    `href(first_day, last_day, type)` gives the link of a bar segment: the same filters narrowed
    to that period and type. Types stack in PLOVER order, cooperation at the bottom.
    """
    by_period: dict[datetime.date, dict[str, int]] = defaultdict(dict)
    for day, event_type, count in counts:
        if count > 0:
            start = period_start(day, interval)
            by_period[start][event_type] = by_period[start].get(event_type, 0) + count
    if not by_period:
        return Timeline(width, height, interval, [], [], 0, 0, 0, [])
    first, last = min(by_period), max(by_period)
    columns = [first]
    while columns[-1] < last and len(columns) <= MAX_PERIODS * 10:
        columns.append(next_period(columns[-1], interval))
    # a handful of periods would draw slabs, not bars: pad with empty periods on both sides
    while len(columns) < MIN_PERIODS:
        columns.append(next_period(columns[-1], interval))
        if len(columns) < MIN_PERIODS:
            columns.insert(0, previous_period(columns[0], interval))
    step = width / len(columns)
    gap = step * 0.15 if step >= 4 else 0.0
    peak = max(sum(v.values()) for v in by_period.values())
    order = {t: i for i, t in enumerate(PLOVER_TYPES)}
    bars: list[Bar] = []
    for i, start in enumerate(columns):
        end = next_period(start, interval) - datetime.timedelta(days=1)
        base = height
        for event_type, count in sorted(by_period.get(start, {}).items(), key=lambda kv: order.get(kv[0], 99)):
            h = height * count / peak
            base -= h
            bars.append(Bar(round(i * step + gap / 2, 2), round(base, 2), round(step - gap, 2), round(h, 2),
                            event_type, count, start, end, href(start, end, event_type)))
    every = max(1, math.ceil(len(columns) / 8))
    ticks = [Tick(round(i * step + step / 2, 2), _label(s, interval)) for i, s in enumerate(columns) if i % every == 0]
    present = {b.type for b in bars}
    total = sum(b.count for b in bars)
    return Timeline(width, height, interval, bars, ticks, peak, total, len(columns),
                    [t for t in PLOVER_TYPES if t in present])
