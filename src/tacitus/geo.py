"""Distances on the globe, shared by place resolution, event merging and evaluation."""

from __future__ import annotations

import math
from typing import Protocol

EARTH_RADIUS_KM = 6371.0
# Points farther apart than this are different places: for the within-article merge and for event clustering.
POINT_KM = 50.0


class Located(Protocol):
    """A place with (perhaps) coordinates: a resolved `PlaceRef` or a clustering `PlaceKey`."""

    @property
    def lat(self) -> float | None: ...

    @property
    def lon(self) -> float | None: ...


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dlat, dlon = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dlat / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlon / 2) ** 2
    return EARTH_RADIUS_KM * 2 * math.asin(min(1.0, math.sqrt(h)))


def place_km(a: Located, b: Located) -> float:
    """Distance between two places' points; a missing coordinate reads as 0, so callers check both are set."""
    return great_circle_km(a.lat or 0.0, a.lon or 0.0, b.lat or 0.0, b.lon or 0.0)
