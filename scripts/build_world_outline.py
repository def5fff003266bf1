"""Country outlines for the web UI's map: world-atlas TopoJSON in, a small simplified GeoJSON out.

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python scripts/build_world_outline.py package/countries-50m.json src/tacitus/web/data/world.geojson

Source: the npm package `world-atlas` 2.0.2 (ISC licence, copyright Michael Bostock), which packs
Natural Earth's 1:50m Admin 0 countries (public domain) as TopoJSON. The output is committed, so
neither `make` nor the server ever fetches it. Arcs are simplified one by one (Douglas-Peucker, the
ends kept) before rings are stitched, so borders that two countries share stay identical in both;
each feature carries its ISO 3166-1 alpha-3 code (from the numeric id, through pycountry) and name.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

import pycountry

Point = tuple[float, float]

# Territories Natural Earth draws without an ISO numeric code, and the codes analysts use for them.
_UNCODED = {"Kosovo": "XKX", "N. Cyprus": "CYN", "Somaliland": "SOL"}


def decode_arcs(topology: dict[str, Any]) -> list[list[Point]]:
    """Absolute lon/lat points of every arc (TopoJSON stores quantized deltas)."""
    transform = topology.get("transform")
    arcs: list[list[Point]] = []
    for arc in topology["arcs"]:
        if transform is None:
            arcs.append([(float(p[0]), float(p[1])) for p in arc])
            continue
        (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
        x = y = 0
        points: list[Point] = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def _distance_to_segment(p: Point, a: Point, b: Point) -> float:
    (px, py), (ax, ay), (bx, by) = p, a, b
    dx, dy = bx - ax, by - ay
    if dx == 0 and dy == 0:
        return math.hypot(px - ax, py - ay)
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def simplify(points: list[Point], tolerance: float) -> list[Point]:
    """Douglas-Peucker with an explicit stack (arcs run to thousands of points), ends kept."""
    if len(points) < 3 or tolerance <= 0:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        worst, index = 0.0, -1
        for i in range(first + 1, last):
            d = _distance_to_segment(points[i], points[first], points[last])
            if d > worst:
                worst, index = d, i
        if index >= 0 and worst > tolerance:
            keep[index] = True
            stack.extend([(first, index), (index, last)])
    return [p for p, k in zip(points, keep, strict=True) if k]


def _ring(indices: list[int], arcs: list[list[Point]]) -> list[Point]:
    ring: list[Point] = []
    for index in indices:
        # a negative index ~i means arc i walked backwards
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        ring.extend(arc if not ring else arc[1:])
    return ring


def _rounded(ring: list[Point], digits: int) -> list[list[float]]:
    out: list[list[float]] = []
    for x, y in ring:
        point = [round(x, digits), round(y, digits)]
        if not out or out[-1] != point:
            out.append(point)
    return out


def iso3(numeric: str | None, name: str) -> str | None:
    if numeric is None:
        return _UNCODED.get(name)
    country = pycountry.countries.get(numeric=numeric.zfill(3))
    return country.alpha_3 if country is not None else _UNCODED.get(name)


def ring_area(ring: list[list[float]]) -> float:
    """Planar area in square degrees (shoelace); enough to tell an islet from a country."""
    return abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False))) / 2


def to_geojson(topology: dict[str, Any], tolerance: float, digits: int, min_area: float = 0.0) -> dict[str, Any]:
    exact = decode_arcs(topology)
    arcs = [simplify(arc, tolerance) for arc in exact]
    features = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        name = geometry["properties"]["name"]
        if geometry["type"] == "Polygon":
            polygons = [geometry["arcs"]]
        elif geometry["type"] == "MultiPolygon":
            polygons = geometry["arcs"]
        else:
            continue
        coordinates = []
        for polygon in polygons:
            rings = []
            for indices in polygon:
                ring = _rounded(_ring(indices, arcs), digits)
                if len(ring) < 4:
                    # simplification collapsed a small country or island: keep its exact shape instead
                    ring = _rounded(_ring(indices, exact), digits)
                if len(ring) >= 4:
                    rings.append(ring)
            if rings:
                coordinates.append(rings)
        if not coordinates:
            continue
        # islets smaller than min_area go, but every country keeps its largest polygon
        largest = max(coordinates, key=lambda polygon: ring_area(polygon[0]))
        coordinates = [p for p in coordinates if p is largest or ring_area(p[0]) >= min_area]
        features.append({
            "type": "Feature",
            "properties": {"iso3": iso3(geometry.get("id"), name), "name": name},
            "geometry": {"type": "MultiPolygon", "coordinates": coordinates},
        })
    return {"type": "FeatureCollection", "features": features}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("topojson", type=Path, help="countries-50m.json or countries-110m.json from world-atlas")
    parser.add_argument("output", type=Path, help="GeoJSON file to write")
    parser.add_argument("--tolerance", type=float, default=0.1, help="simplification tolerance, degrees")
    parser.add_argument("--min-area", type=float, default=0.1, help="islets below this (square degrees) go")
    parser.add_argument("--digits", type=int, default=2, help="decimal places kept in coordinates")
    args = parser.parse_args(argv)
    try:
        topology = json.loads(args.topojson.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        print(f"build_world_outline: error: {args.topojson}: {error}", file=sys.stderr)
        return 1
    collection = to_geojson(topology, args.tolerance, args.digits, args.min_area)
    args.output.write_text(json.dumps(collection, separators=(",", ":")) + "\n", encoding="utf-8")
    points = sum(len(r) for f in collection["features"] for p in f["geometry"]["coordinates"] for r in p)
    print(f"{args.output}: {len(collection['features'])} countries, {points} points, "
          f"{args.output.stat().st_size // 1024} KiB", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
