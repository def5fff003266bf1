"""The map's projection: lon/lat degrees in, SVG user units out (and back), plus fitting a view.

Natural Earth (Šavrič, Jenny, Patterson & Jenny 2011): a pseudo-cylindrical compromise whose
x and y are polynomials in latitude, so it needs no library. SVG's y axis points down, so north
is negative y. `SCALE` makes the whole world about 547 units wide and 285 high. The browser
inverts the same formulas (static/tacitus.js) to turn a dragged rectangle into a bounding box.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

SCALE = 100.0
# the map box's width : height; the view is widened or heightened to keep it
ASPECT = 2.0
# the narrowest view in degrees of longitude, so one event does not fill the screen
MIN_SPAN_DEGREES = 16.0


def _y_polynomial(phi: float) -> float:
    phi2 = phi * phi
    phi4 = phi2 * phi2
    return phi * (1.007226 + phi2 * (0.015085 + phi4 * (-0.044475 + 0.028874 * phi2 - 0.005916 * phi4)))


def _x_factor(phi: float) -> float:
    phi2 = phi * phi
    phi4 = phi2 * phi2
    return 0.8707 - 0.131979 * phi2 + phi4 * (-0.013791 + phi4 * (0.003971 * phi2 - 0.001529 * phi4))


def project(lon: float, lat: float) -> tuple[float, float]:
    """SVG user units of a point: (x east, y south)."""
    lam = math.radians(max(-180.0, min(180.0, lon)))
    phi = math.radians(max(-90.0, min(90.0, lat)))
    return lam * _x_factor(phi) * SCALE, -_y_polynomial(phi) * SCALE


def invert(x: float, y: float) -> tuple[float, float]:
    """Lon/lat degrees of SVG user units, by Newton's method on the latitude polynomial."""
    target = -y / SCALE
    phi = target
    for _ in range(25):
        phi2 = phi * phi
        phi4 = phi2 * phi2
        slope = 1.007226 + phi2 * (3 * 0.015085 + phi4 * (-7 * 0.044475 + 9 * 0.028874 * phi2 - 11 * 0.005916 * phi4))
        step = (_y_polynomial(phi) - target) / slope
        phi -= step
        if abs(step) < 1e-9:
            break
    phi = max(-math.pi / 2, min(math.pi / 2, phi))
    lon = math.degrees(x / SCALE / _x_factor(phi))
    return max(-180.0, min(180.0, lon)), math.degrees(phi)


@dataclass(frozen=True)
class View:
    """The part of the projected world an SVG shows: its viewBox, in user units."""

    x: float
    y: float
    width: float
    height: float

    @property
    def view_box(self) -> str:
        return f"{self.x:.2f} {self.y:.2f} {self.width:.2f} {self.height:.2f}"

    def units_per_pixel(self, pixels_wide: float) -> float:
        return self.width / pixels_wide


WORLD_WEST, _ = project(-180.0, 0.0)
WORLD_EAST, _ = project(180.0, 0.0)
_, WORLD_NORTH = project(0.0, 90.0)
_, WORLD_SOUTH = project(0.0, -90.0)
# Antarctica has no events and eats a quarter of the height: the world view stops at 60°S.
_, WORLD_VIEW_SOUTH = project(0.0, -60.0)
WORLD = View(WORLD_WEST, WORLD_NORTH, WORLD_EAST - WORLD_WEST, WORLD_VIEW_SOUTH - WORLD_NORTH)


def fit(points: Iterable[tuple[float, float]], margin: float = 0.15) -> View:
    """The smallest view at the map's aspect that holds every lon/lat point, with a margin.

    No points gives the whole world; a view wider than the world is clamped to it.
    """
    projected = [project(lon, lat) for lon, lat in points]
    if not projected:
        return WORLD
    xs = [p[0] for p in projected]
    ys = [p[1] for p in projected]
    min_width = math.radians(MIN_SPAN_DEGREES) * 0.8707 * SCALE
    width = max(max(xs) - min(xs), min_width) * (1 + 2 * margin)
    height = max(max(ys) - min(ys), min_width / ASPECT) * (1 + 2 * margin)
    width, height = max(width, height * ASPECT), max(height, width / ASPECT)
    if width >= WORLD.width:
        return WORLD
    cx = (max(xs) + min(xs)) / 2
    cy = (max(ys) + min(ys)) / 2
    x = min(max(cx - width / 2, WORLD_WEST), WORLD_EAST - width)
    y = min(max(cy - height / 2, WORLD_NORTH), WORLD_SOUTH - height)
    return View(x, y, width, height)
