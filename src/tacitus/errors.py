"""The exception tree; every message is one line that names the input at fault.

    TacitusError
    ├── InputError        an input could not be read or holds no usable article
    ├── DataError         a shipped or user data file (lexicon, registry, gazetteer dump) is bad
    └── StoreError        the database cannot be opened, migrated or written
"""

from __future__ import annotations


class TacitusError(Exception):
    """Base of all tacitus errors; `str()` is a one-line message for the user."""


class InputError(TacitusError):
    def __init__(self, source: str, message: str) -> None:
        super().__init__(f"{source}: {message}")
        self.source = source
        self.reason = message


class DataError(TacitusError):
    pass


class StoreError(TacitusError):
    pass
