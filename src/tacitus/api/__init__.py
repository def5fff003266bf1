"""The HTTP API (FastAPI): `create_app(db_path, write=..., ui=...)` serves a store as JSON under /api/.

`connection` is the FastAPI dependency that gives a request its own DuckDB cursor; the web UI uses it
too. Tokens (`tacitus token create`) live in `tacitus.api.tokens`.
"""

from tacitus.api.app import ApiState, connection, create_app

__all__ = ["ApiState", "connection", "create_app"]
