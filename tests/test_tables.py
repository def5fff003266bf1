"""The one reader of tab-separated data files: rows with line numbers, and a one-line error for a bad file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tacitus.errors import DataError
from tacitus.tables import read_rows


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "table.tsv"
    path.write_text(text, encoding="utf-8")
    return path


def test_rows_keep_their_line_numbers_past_comments_and_header(tmp_path: Path) -> None:
    path = _file(tmp_path, "form\tlemma\n# a comment\n\nretook\tretake\nforesaw\tforesee\n")
    assert read_rows(path, 2, ("form", "lemma")) == [(4, ["retook", "retake"]), (5, ["foresaw", "foresee"])]


@pytest.mark.parametrize(("text", "message"), [
    ("lemma\tform\nretook\tretake\n", ":1: header must be form lemma"),
    ("form\tlemma\nretook\n", ":2: expected 2 tab-separated cells"),
    ("form\tlemma\nretook\t\n", ":2: expected 2 tab-separated cells"),
    ("form\tlemma\n# nothing else\n", "empty data file"),
])
def test_a_bad_file_names_its_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(DataError, match=message):
        read_rows(_file(tmp_path, text), 2, ("form", "lemma"))


def test_empty_cells_only_where_allowed(tmp_path: Path) -> None:
    path = _file(tmp_path, "GOV\t1\t\nMIL\t\tMIL\n")
    assert read_rows(path, 3, allow_empty=True) == [(1, ["GOV", "1", ""]), (2, ["MIL", "", "MIL"])]
    with pytest.raises(DataError):
        read_rows(path, 3)


def test_an_unreadable_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="cannot read"):
        read_rows(tmp_path / "missing.tsv", 2)
