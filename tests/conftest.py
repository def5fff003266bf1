"""Fixtures shared by the test modules: the desk test store, built once per module, and a connection to it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from desk_store import build_store
from tacitus.store import query as q


@pytest.fixture(scope="module")
def db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_store(tmp_path_factory.mktemp("desk") / "desk.duckdb")


@pytest.fixture
def con(db_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with q.connect(db_path) as connection:
        yield connection
