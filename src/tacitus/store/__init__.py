"""The event store: EVENT-SCHEMA documents in, filtered events and whole documents out (DuckDB)."""

from tacitus.store.db import AddReport, Store, open_store

__all__ = ["AddReport", "Store", "open_store"]
