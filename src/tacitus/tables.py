"""Reading the package's tab-separated data files (lexicon tables, crosswalks, cluster families).

`read_rows(path, width, header)` gives each data row with its line number, so a caller can name the
line of a bad value in its own one-line `DataError`.
"""

from __future__ import annotations

from pathlib import Path

from .errors import DataError


def read_rows(path: Path, width: int, header: tuple[str, ...] | None = None,
              allow_empty: bool = False) -> list[tuple[int, list[str]]]:
    """(line number, cells) of every data row of `path`; blank lines and lines opening with "#" are skipped.

    With `header`, the first row must be exactly it and is not returned. Every row has `width` cells, the
    first never empty, the others only with `allow_empty`. An unreadable or empty file, a wrong header or a
    malformed row raises `DataError` naming the file and line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror})") from exc
    rows: list[tuple[int, list[str]]] = []
    expect_header = header is not None
    for lineno, line in enumerate(lines, start=1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = [c.strip() for c in line.split("\t")]
        if expect_header:
            if tuple(cells) != header:
                raise DataError(f"{path}:{lineno}: header must be {' '.join(header or ())}")
            expect_header = False
            continue
        if len(cells) != width or not cells[0] or not (allow_empty or all(cells)):
            raise DataError(f"{path}:{lineno}: expected {width} tab-separated cells")
        rows.append((lineno, cells))
    if not rows:
        raise DataError(f"{path}: empty data file")
    return rows
