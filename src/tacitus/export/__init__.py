"""Exports: takes a store connection and an `EventFilter`, writes the matching events in a standard layout.

    export_events(con, flt, fmt, out) -> int      (rows written)

Formats (`FORMATS`): csv and parquet (the flat columns of `query.FLAT_COLUMNS`; Parquet written by
DuckDB itself), geojson (a FeatureCollection of the located events, flat columns as properties),
acled (ACLED's column layout) and cameo (GDELT-style event columns, tab-separated); the mapping of
our fields to theirs, and what stays empty, is in `tacitus.export.crosswalk`. Events are written
newest first, at the filter's level (clusters or mentions).
"""

from __future__ import annotations

import csv
import datetime
import json
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, TextIO

import duckdb

from tacitus.errors import InputError
from tacitus.export.crosswalk import ACLED_COLUMNS, GDELT_COLUMNS, acled_row, gdelt_row
from tacitus.store.query import FLAT_COLUMNS, EventFilter, event_rows

FORMATS = ("csv", "parquet", "geojson", "acled", "cameo")
_FETCH_ROWS = 2000

__all__ = ["FORMATS", "export_events"]


def export_events(
    con: duckdb.DuckDBPyConnection, flt: EventFilter, fmt: str, out: TextIO | str | os.PathLike[str]
) -> int:
    """Write the events matching `flt` to `out` (an open text stream, or a file path) as `fmt`; give the
    number of events written. Parquet needs a file path."""
    if fmt not in FORMATS:
        raise InputError("format", f"must be one of {', '.join(FORMATS)}, not {fmt!r}")
    sql, params = event_rows(con, flt)
    if fmt == "parquet":
        if not isinstance(out, str | os.PathLike):
            raise InputError("out", "Parquet is written to a file: give its path")
        return _parquet(con, sql, params, Path(out))
    if isinstance(out, str | os.PathLike):
        try:
            fh = open(out, "w", encoding="utf-8", newline="")
        except OSError as exc:
            raise InputError(str(out), f"cannot write: {exc.strerror}") from exc
        with fh:
            return export_events(con, flt, fmt, fh)
    rows = _rows(con, sql, params)
    if fmt == "csv":
        return _delimited(out, FLAT_COLUMNS, (_text_row(r) for r in rows), ",")
    if fmt == "geojson":
        return _geojson(out, rows)
    if fmt == "acled":
        return _delimited(out, ACLED_COLUMNS, _mapped(rows, acled_row), ",")
    return _delimited(out, GDELT_COLUMNS, _mapped(rows, gdelt_row), "\t")


def _parquet(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any], path: Path) -> int:
    if path.is_dir():
        raise InputError(str(path), "is a directory")
    # COPY takes its target as a literal, not a parameter; the path is quoted as an SQL string.
    target = "'" + str(path).replace("'", "''") + "'"
    try:
        result = con.execute(f"COPY ({sql}) TO {target} (FORMAT PARQUET)", params).fetchone()
    except duckdb.IOException as exc:
        raise InputError(str(path), f"cannot write: {str(exc).splitlines()[0]}") from exc
    return int(result[0]) if result else 0


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> Iterator[dict[str, Any]]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description or []]
    while True:
        chunk = cursor.fetchmany(_FETCH_ROWS)
        if not chunk:
            return
        for values in chunk:
            yield dict(zip(names, values, strict=True))


def _mapped(rows: Iterator[dict[str, Any]],
            convert: Callable[[Mapping[str, Any]], dict[str, Any] | None]) -> Iterator[dict[str, Any]]:
    for row in rows:
        converted = convert(row)
        if converted is not None:
            yield converted


def _delimited(out: TextIO, columns: tuple[str, ...], rows: Iterator[Mapping[str, Any]], delimiter: str) -> int:
    writer = csv.DictWriter(out, fieldnames=columns, delimiter=delimiter, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    return count


def _text_row(row: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _scalar(v) for k, v in row.items()}


def _scalar(value: Any) -> Any:
    return "" if value is None else _date_text(value)


def _date_text(value: Any) -> Any:
    """A date or timestamp as ISO 8601 text (neither CSV nor JSON has a date type); any other value as is."""
    # a datetime is a date too
    return value.isoformat() if isinstance(value, datetime.date) else value


def _geojson(out: TextIO, rows: Iterator[dict[str, Any]]) -> int:
    """A FeatureCollection, streamed: events without coordinates have no place on a map and are left out."""
    out.write('{"type": "FeatureCollection", "features": [\n')
    count = 0
    for row in rows:
        lat, lon = row["lat"], row["lon"]
        if lat is None or lon is None:
            continue
        properties = {k: _date_text(v) for k, v in row.items() if k not in ("lat", "lon")}
        feature = {"type": "Feature", "id": row["id"],
                   "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": properties}
        out.write((",\n" if count else "") + json.dumps(feature, ensure_ascii=False))
        count += 1
    out.write("\n]}\n")
    return count
