"""DuckDB event store: takes EVENT-SCHEMA document objects, gives back events and documents.

`Store(path).add(documents)` loads a batch of `tacitus extract --format json` objects in one
transaction (bulk, through NDJSON files that DuckDB reads itself); `events(...)` filters the
stored events and `document(id)` gives a document back in the shape it came in. Named SQL
migrations in `migrations/` are applied in name order on opening and recorded in `migrations`.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb

from tacitus.errors import InputError, StoreError

MEMORY = ":memory:"

# DuckDB would try to download an extension to open, say, an SQLite file; the store must never
# reach the network, so extension autoloading is off and the header is checked first.
_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "autoload_known_extensions": False,
    "autoinstall_known_extensions": False,
}
# Bytes 8..12 of every DuckDB database file.
_DUCKDB_MAGIC = b"DUCK"
# One NDJSON record holds a whole article text; DuckDB's default cap (16 MB) is too tight for some.
_MAX_RECORD_BYTES = 1 << 30

# Nested EVENT-SCHEMA objects and the flat columns that hold them (field → column).
_ACTOR_FIELDS = ("text", "name", "country", "sector", "id", "start", "end")
_PLACE_FIELDS = ("text", "name", "country", "admin1", "lat", "lon", "geonameid", "precision", "start", "end")
_TIME_FIELDS = ("text", "value", "start_date", "end_date", "precision", "start", "end")
_DOCUMENT_FIELDS = (
    "id", "source", "input_id", "title", "published", "language", "text_chars", "author", "site", "url",
    "captions", "text",
)


def _actor_columns(prefix: str) -> dict[str, str]:
    # an actor's registry key is `id` in the schema but `actor_id` in tables, beside the row's own id
    return {f: f"{prefix}actor_id" if f == "id" else f"{prefix}{f}" for f in _ACTOR_FIELDS}


_EVENT_NESTED: dict[str, dict[str, str]] = {
    "source": _actor_columns("source_"),
    "target": _actor_columns("target_"),
    "date": {f: f"date_{f}" for f in ("text", "start", "end", "precision")},
    "location": {f: f"location_{f}" for f in _PLACE_FIELDS},
    "acled": {"event_type": "acled_event_type", "sub_event_type": "acled_sub_event_type"},
    "evidence": {
        "sentence": "evidence_sentence", "sentence_index": "sentence_index", "start": "evidence_start",
        "end": "evidence_end", "trigger": "trigger", "trigger_start": "trigger_start",
        "trigger_end": "trigger_end",
    },
}
_EVENT_SCALARS = (
    "id", "type", "mode", "context", "status", "killed", "injured", "quantity", "cameo", "quad_class",
    "goldstein", "confidence",
)
# The order of keys in an event as EVENT-SCHEMA.md prints it.
_EVENT_ORDER = (
    "id", "type", "mode", "context", "status", "source", "target", "date", "location", "killed", "injured",
    "quantity", "cameo", "quad_class", "goldstein", "acled", "quote", "evidence", "confidence",
)
_MENTION_COLUMNS: dict[str, dict[str, str]] = {
    "actors": _actor_columns(""),
    "places": {f: f for f in _PLACE_FIELDS},
    "times": {f: f for f in _TIME_FIELDS},
}
# Columns that belong to the table, not to the record: never echoed back as fields.
_BOOKKEEPING = {"document_id", "ordinal", "extra", "ingested_at"}
_ACTOR_SEARCH_COLUMNS = (
    "source_text", "source_name", "source_actor_id", "target_text", "target_name", "target_actor_id",
)
_ROW_ERROR = re.compile(r'in file "(?P<file>[^"]+)", in line (?P<line>\d+): (?P<reason>.*)')
_TABLES = ("documents", "events", "actors", "places", "times")


@dataclass(frozen=True)
class AddReport:
    documents_added: int
    documents_skipped: int
    events_added: int


@dataclass
class _Batch:
    """The flat rows of one `add` call, per table, before they reach the database."""

    rows: dict[str, list[dict[str, Any]]]
    sources: dict[str, str]  # document id → its source, to name it in errors
    skipped: int


class Store:
    """An event database in one DuckDB file (or ":memory:").

    `migrations_dir` replaces the shipped migrations folder; it exists for tests and for
    deployments that add their own tables.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        read_only: bool = False,
        *,
        migrations_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        self.path = str(path)
        self.read_only = read_only
        self._migrations_dir: Traversable = (
            Path(migrations_dir) if migrations_dir is not None
            else resources.files("tacitus.store").joinpath("migrations")
        )
        self._con: duckdb.DuckDBPyConnection | None = _connect(self.path, read_only)
        try:
            if read_only:
                self._check_migrated()
            else:
                self._migrate()
            self._column_types = self._read_column_types()
        except BaseException:
            self.close()
            raise

    # -- lifecycle ---------------------------------------------------------------------------------

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _connection(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            raise StoreError(f"{self.path}: the store is closed")
        return self._con

    # -- migrations --------------------------------------------------------------------------------

    def _available_migrations(self) -> list[tuple[str, Traversable]]:
        if not self._migrations_dir.is_dir():
            raise StoreError(f"{self.path}: migrations folder {self._migrations_dir} does not exist")
        found = [(f.name, f) for f in self._migrations_dir.iterdir() if f.name.endswith(".sql")]
        return sorted(found, key=lambda item: item[0])

    def _applied_migrations(self) -> set[str] | None:
        con = self._connection()
        exists = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = 'migrations'"
        ).fetchone()
        if not exists or not exists[0]:
            return None
        return {name for (name,) in con.execute("SELECT name FROM migrations").fetchall()}

    def _migrate(self) -> None:
        con = self._connection()
        con.execute("CREATE TABLE IF NOT EXISTS migrations (name VARCHAR PRIMARY KEY, applied_at TIMESTAMP)")
        applied = self._applied_migrations() or set()
        for name, file in self._available_migrations():
            if name in applied:
                continue
            sql = file.read_text(encoding="utf-8")
            con.begin()
            try:
                con.execute(sql)
                con.execute("INSERT INTO migrations VALUES (?, ?)", [name, _utcnow()])
                con.commit()
            except duckdb.Error as exc:
                _rollback(con)
                raise StoreError(f"{self.path}: migration {name} failed: {_first_line(exc)}") from exc

    def _check_migrated(self) -> None:
        applied = self._applied_migrations()
        pending = [name for name, _ in self._available_migrations() if name not in (applied or set())]
        if applied is None or pending:
            raise StoreError(
                f"{self.path}: database schema is older than this tacitus; open it once without --read-only"
            )

    def _read_column_types(self) -> dict[str, list[tuple[str, str]]]:
        # The tables, as the migrations left them, say which columns a batch fills and their types,
        # so a new migration's column needs no second declaration here.
        rows = self._connection().execute(
            "SELECT table_name, column_name, data_type FROM duckdb_columns() "
            "WHERE schema_name = 'main' AND database_name = current_database() "
            "ORDER BY table_name, column_index"
        ).fetchall()
        types: dict[str, list[tuple[str, str]]] = {}
        for table, column, data_type in rows:
            types.setdefault(table, []).append((column, data_type))
        return types

    # -- writing -----------------------------------------------------------------------------------

    def add(self, documents: Sequence[Mapping[str, Any]]) -> AddReport:
        """Store the documents not stored yet, with their events and mentions, all or nothing."""
        con = self._connection()
        if self.read_only:
            raise StoreError(f"{self.path}: opened read-only; cannot add documents")
        batch = _flatten_batch(documents)
        doc_ids = [row["id"] for row in batch.rows["documents"]]
        if not doc_ids:
            return AddReport(0, batch.skipped, 0)
        with tempfile.TemporaryDirectory(prefix="tacitus-store-") as tmp:
            con.begin()
            try:
                existing = {
                    doc_id for (doc_id,) in con.execute(
                        "SELECT id FROM documents WHERE id IN (SELECT unnest(?::VARCHAR[]))", [doc_ids]
                    ).fetchall()
                }
                added = 0
                events_added = 0
                for table in _TABLES:
                    id_column = "id" if table == "documents" else "document_id"
                    rows = [r for r in batch.rows[table] if r[id_column] not in existing]
                    if not rows:
                        continue
                    file = Path(tmp) / f"{table}.ndjson"
                    _write_ndjson(file, rows)
                    try:
                        count = self._insert_file(table, file)
                    except duckdb.Error as exc:
                        raise StoreError(
                            f"{self.path}: batch of {len(doc_ids)} documents not stored: "
                            f"{_describe_row_error(exc, table, rows, batch.sources)}"
                        ) from exc
                    if table == "documents":
                        added = count
                    elif table == "events":
                        events_added = count
                con.commit()
            except duckdb.Error as exc:
                _rollback(con)
                raise StoreError(
                    f"{self.path}: batch of {len(doc_ids)} documents not stored: {_first_line(exc)}"
                ) from exc
            except BaseException:
                _rollback(con)
                raise
        return AddReport(added, batch.skipped + len(existing), events_added)

    def _insert_file(self, table: str, file: Path) -> int:
        spec = ", ".join(
            f"{_sql_string(name)}: {_sql_string(kind)}" for name, kind in self._column_types[table]
        )
        # An event id already stored (the same event reached through another document) is kept once.
        verb = "INSERT OR IGNORE" if table == "events" else "INSERT"
        result = self._connection().execute(
            f"{verb} INTO {table} BY NAME SELECT * FROM read_json(?, columns={{{spec}}}, "
            f"format='newline_delimited', maximum_object_size={_MAX_RECORD_BYTES})",
            [str(file)],
        ).fetchone()
        return int(result[0]) if result else 0

    # -- reading -----------------------------------------------------------------------------------

    def events(
        self,
        *,
        country: str | None = None,
        type: str | None = None,
        actor: str | None = None,
        since: datetime.date | None = None,
        until: datetime.date | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """Stored events matching every given filter, oldest first, undated last."""
        where: list[str] = []
        params: list[Any] = []
        if country and country.strip():
            code = country.strip().upper()
            where.append("(upper(e.location_country) = ? OR upper(e.source_country) = ? "
                         "OR upper(e.target_country) = ?)")
            params += [code] * 3
        if type and type.strip():
            where.append("upper(e.type) = ?")
            params.append(type.strip().upper())
        if actor and actor.strip():
            needle = actor.strip().lower()
            where.append("(" + " OR ".join(f"contains(lower(e.{c}), ?)" for c in _ACTOR_SEARCH_COLUMNS) + ")")
            params += [needle] * len(_ACTOR_SEARCH_COLUMNS)
        # An event's date is a window: it matches when the window overlaps [since, until].
        if since is not None:
            where.append("coalesce(e.date_end, e.date_start) >= ?")
            params.append(_as_date(since, "since"))
        if until is not None:
            where.append("coalesce(e.date_start, e.date_end) <= ?")
            params.append(_as_date(until, "until"))
        sql = (
            "SELECT e.*, d.title AS document_title, d.source AS document_source "
            "FROM events e JOIN documents d ON d.id = e.document_id"
        )
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY e.date_start NULLS LAST, e.document_id, e.evidence_start, e.ordinal, e.id"
        if limit is not None:
            if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
                raise ValueError(f"limit must be a non-negative integer, not {limit!r}")
            sql += f" LIMIT {limit}"
        events = []
        for row in _fetch_dicts(self._connection(), sql, params):
            event = _event_from_row(row)
            event["document_id"] = row["document_id"]
            event["document_title"] = row["document_title"]
            event["document_source"] = row["document_source"]
            events.append(event)
        return events

    def document(self, doc_id: str) -> dict[str, Any] | None:
        """The stored document with its events, places, times and actors, as `add` received it."""
        con = self._connection()
        rows = _fetch_dicts(con, "SELECT * FROM documents WHERE id = ?", [doc_id])
        if not rows:
            return None
        result: dict[str, Any] = {"document": _document_from_row(rows[0])}
        events = _fetch_dicts(con, "SELECT * FROM events WHERE document_id = ? ORDER BY ordinal", [doc_id])
        result["events"] = [_event_from_row(row) for row in events]
        for table in ("places", "times", "actors"):
            mentions = _fetch_dicts(con, f"SELECT * FROM {table} WHERE document_id = ? ORDER BY ordinal",
                                    [doc_id])
            result[table] = [_nest(row, _MENTION_COLUMNS[table], keep_empty=True) for row in mentions]
        return result

    def counts(self) -> dict[str, int]:
        con = self._connection()
        out = {}
        for table in _TABLES:
            row = con.execute(f"SELECT count(*) FROM {table}").fetchone()
            out[table] = int(row[0]) if row else 0
        return out


def open_store(path: str | os.PathLike[str], read_only: bool = False) -> Store:
    return Store(path, read_only=read_only)


# -- opening ---------------------------------------------------------------------------------------


def _connect(path: str, read_only: bool) -> duckdb.DuckDBPyConnection:
    if path == MEMORY:
        if read_only:
            raise StoreError(f"{path}: an in-memory database cannot be opened read-only")
        return duckdb.connect(MEMORY, config=_CONFIG)
    file = Path(path)
    if file.is_dir():
        raise StoreError(f"{path}: is a directory, not a DuckDB database")
    if file.exists():
        if _check_header(file, path) == 0 and not read_only:
            # An empty file (a fresh temp file, a `touch`) holds nothing to lose; DuckDB refuses it.
            file.unlink()
    elif read_only:
        raise StoreError(f"{path}: no such database (it is created by the first write without --read-only)")
    else:
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"{path}: cannot create the directory {file.parent}: {exc.strerror}") from exc
    try:
        return duckdb.connect(path, read_only=read_only, config=_CONFIG)
    except duckdb.Error as exc:
        message = str(exc)
        if "lock" in message.lower():
            reason = "locked by another process (close it, or wait for it to finish)"
        elif "not a valid DuckDB database" in message:
            reason = "not a DuckDB database"
        else:
            reason = f"cannot open: {_first_line(exc)}"
        raise StoreError(f"{path}: {reason}") from exc


def _check_header(file: Path, path: str) -> int:
    """Refuse a file that is not DuckDB's before DuckDB guesses (and tries an extension); give its length."""
    try:
        with file.open("rb") as fh:
            header = fh.read(12)
    except OSError as exc:
        raise StoreError(f"{path}: cannot read: {exc.strerror}") from exc
    if header and header[8:12] != _DUCKDB_MAGIC:
        raise StoreError(f"{path}: not a DuckDB database")
    return len(header)


# -- documents to rows -----------------------------------------------------------------------------


def _flatten_batch(documents: Iterable[Mapping[str, Any]]) -> _Batch:
    rows: dict[str, list[dict[str, Any]]] = {table: [] for table in _TABLES}
    sources: dict[str, str] = {}
    seen_events: set[str] = set()
    skipped = 0
    ingested_at = _utcnow().isoformat()
    for index, obj in enumerate(documents):
        label = f"document {index + 1} of the batch"
        if not isinstance(obj, Mapping):
            raise InputError(label, f"is a {obj.__class__.__name__}, not a JSON object")
        info = obj.get("document")
        if not isinstance(info, Mapping):
            raise InputError(label, "has no 'document' object")
        doc_id = info.get("id")
        label = str(info.get("source") or label)
        if not isinstance(doc_id, str) or not doc_id:
            raise InputError(label, "document.id is missing or not a string")
        if doc_id in sources:
            skipped += 1
            continue
        sources[doc_id] = label
        doc_row = {f: info.get(f) for f in _DOCUMENT_FIELDS}
        doc_row["extra"] = _extra(info, _DOCUMENT_FIELDS)
        doc_row["ingested_at"] = ingested_at
        rows["documents"].append(doc_row)
        for ordinal, event in enumerate(_records(obj, "events", label)):
            row = _event_row(event, label, ordinal)
            if row["id"] in seen_events:
                continue
            seen_events.add(row["id"])
            row["document_id"] = doc_id
            rows["events"].append(row)
        for table, columns in _MENTION_COLUMNS.items():
            for ordinal, mention in enumerate(_records(obj, table, label)):
                row = {column: mention.get(field) for field, column in columns.items()}
                row["document_id"] = doc_id
                row["ordinal"] = ordinal
                rows[table].append(row)
    return _Batch(rows, sources, skipped)


def _records(obj: Mapping[str, Any], key: str, label: str) -> list[Mapping[str, Any]]:
    items = obj.get(key)
    if items is None:
        return []
    if not isinstance(items, list) or not all(isinstance(item, Mapping) for item in items):
        raise InputError(label, f"'{key}' must be a list of objects")
    return items


def _event_row(event: Mapping[str, Any], label: str, ordinal: int) -> dict[str, Any]:
    where = f"event {ordinal + 1}"
    event_id = event.get("id")
    if not isinstance(event_id, str) or not event_id:
        raise InputError(label, f"{where} has no id")
    if not isinstance(event.get("type"), str):
        raise InputError(label, f"{where} ({event_id}) has no type")
    if not isinstance(event.get("evidence"), Mapping):
        raise InputError(label, f"{where} ({event_id}) has no evidence")
    row: dict[str, Any] = {key: event.get(key) for key in _EVENT_SCALARS}
    row["ordinal"] = ordinal
    for key, columns in _EVENT_NESTED.items():
        part = _nested(event, key, label, where)
        for field, column in columns.items():
            row[column] = part.get(field) if part else None
    quote = _nested(event, "quote", label, where)
    if quote:
        row["quote_text"] = quote.get("text")
        speaker = _nested(quote, "speaker", label, where)
        row["quote_speaker"] = {f: speaker.get(f) for f in _ACTOR_FIELDS} if speaker else None
    row["extra"] = _extra(event, (*_EVENT_SCALARS, *_EVENT_NESTED, "quote"))
    return row


def _nested(obj: Mapping[str, Any], key: str, label: str, where: str) -> Mapping[str, Any] | None:
    value = obj.get(key)
    if value is None or isinstance(value, Mapping):
        return value
    raise InputError(label, f"{where}: '{key}' must be an object or null")


def _extra(obj: Mapping[str, Any], known: Iterable[str]) -> dict[str, Any] | None:
    known_keys = set(known)
    extra = {k: v for k, v in obj.items() if k not in known_keys}
    return extra or None


def _write_ndjson(file: Path, rows: list[dict[str, Any]]) -> None:
    with file.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(_ENCODER.encode(row))
            fh.write("\n")


def _json_default(value: object) -> str:
    # Library callers may hand in date objects where `to_dict()` gives ISO strings.
    if isinstance(value, datetime.date):
        return value.isoformat()
    raise TypeError(f"{value.__class__.__name__} is not JSON serializable")


_ENCODER = json.JSONEncoder(default=_json_default)


def _describe_row_error(
    exc: duckdb.Error, table: str, rows: list[dict[str, Any]], sources: dict[str, str]
) -> str:
    """Name the document behind a failed row: DuckDB reports the NDJSON line it choked on."""
    message = _first_line(exc)
    match = _ROW_ERROR.search(message)
    if not match:
        return f"{table}: {message}"
    line = int(match["line"])
    if not 1 <= line <= len(rows):
        return f"{table}: {match['reason']}"
    row = rows[line - 1]
    doc_id = row["id"] if table == "documents" else row["document_id"]
    if table == "documents":
        part = "the document record"
    elif table == "events":
        part = f"event {row['ordinal'] + 1} ({row['id']})"
    else:
        part = f"{table} {row['ordinal'] + 1}"
    return f"{sources.get(doc_id, doc_id)}: {part}: {match['reason']}"


# -- rows to documents -----------------------------------------------------------------------------


def _fetch_dicts(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _nest(
    row: Mapping[str, Any], columns: Mapping[str, str], keep_empty: bool = False
) -> dict[str, Any] | None:
    part = {field: _plain(row.get(column)) for field, column in columns.items()}
    if not keep_empty and all(v is None for v in part.values()):
        return None
    return part


def _document_from_row(row: Mapping[str, Any]) -> dict[str, Any]:
    doc = {field: _plain(row.get(field)) for field in _DOCUMENT_FIELDS}
    if isinstance(doc["captions"], str):
        doc["captions"] = json.loads(doc["captions"])
    doc.update(_unknown(row, set(_DOCUMENT_FIELDS)))
    return doc


def _event_from_row(row: Mapping[str, Any]) -> dict[str, Any]:
    event: dict[str, Any] = {key: _plain(row.get(key)) for key in _EVENT_SCALARS}
    if event["context"] is None:
        event["context"] = []
    for key, columns in _EVENT_NESTED.items():
        event[key] = _nest(row, columns, keep_empty=key == "evidence")
    if row.get("quote_text") is not None or row.get("quote_speaker") is not None:
        speaker = row.get("quote_speaker")
        event["quote"] = {
            "speaker": dict(speaker) if speaker is not None else None,
            "text": row.get("quote_text"),
        }
    else:
        event["quote"] = None
    used = {c for columns in _EVENT_NESTED.values() for c in columns.values()}
    used |= {*_EVENT_SCALARS, "quote_text", "quote_speaker", "document_title", "document_source"}
    ordered = {key: event[key] for key in _EVENT_ORDER}
    ordered.update(_unknown(row, used))
    return ordered


def _unknown(row: Mapping[str, Any], used: set[str]) -> dict[str, Any]:
    """Fields the first schema did not know: a later migration's columns, then `extra`."""
    out = {k: _plain(v) for k, v in row.items() if k not in used and k not in _BOOKKEEPING}
    extra = row.get("extra")
    if isinstance(extra, str):
        out.update(json.loads(extra))
    return out


# -- small helpers ---------------------------------------------------------------------------------


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else exc.__class__.__name__


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    # A failed COMMIT may already have ended the transaction; the error that got us here matters more.
    try:
        con.rollback()
    except duckdb.Error:
        pass


def _utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def _as_date(value: datetime.date, name: str) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if not isinstance(value, datetime.date):
        raise ValueError(f"{name} must be a date, not {value!r}")
    return value
