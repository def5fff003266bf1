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
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
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


@dataclass(frozen=True)
class ItemRecord:
    """What became of one input item of a batch job (table `ingest_items`).

    `status` is "added" (its document was stored), "present" (its document was stored before)
    or "error" (`message` says why; a later run tries the item again). `supersedes` is the key
    of an error row that this item's success clears (the same input, read before it was fixed).
    """

    key: str
    source: str | None
    document_id: str | None
    status: str
    message: str | None = None
    supersedes: str | None = None


@dataclass(frozen=True)
class SignatureRecord:
    """A document's MinHash signature and LSH buckets (tables `document_signatures`, `document_buckets`)."""

    document_id: str
    shingles: int
    minhash: Sequence[int]
    buckets: Sequence[int]


@dataclass(frozen=True)
class DuplicateLink:
    """`document_id` is a near copy of the earlier `duplicate_of` (table `document_duplicates`)."""

    document_id: str
    duplicate_of: str
    similarity: float


ITEM_STATUSES = ("added", "present", "error")


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
            with self._transaction(f"migration {name} failed"):
                con.execute(sql)
                con.execute("INSERT INTO migrations VALUES (?, ?)", [name, _utcnow()])

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

    @contextmanager
    def _transaction(self, failure: str) -> Iterator[None]:
        """The block as one transaction: committed at its end, rolled back if it raises; a database
        error becomes a StoreError "PATH: <failure>: <cause>"."""
        con = self._connection()
        con.begin()
        try:
            yield
            con.commit()
        except duckdb.Error as exc:
            _rollback(con)
            raise StoreError(f"{self.path}: {failure}: {_first_line(exc)}") from exc
        except BaseException:
            _rollback(con)
            raise

    def add(self, documents: Sequence[Mapping[str, Any]]) -> AddReport:
        """Store the documents not stored yet, with their events and mentions, all or nothing."""
        self._connection()  # a closed store says so before anything else
        if self.read_only:
            raise StoreError(f"{self.path}: opened read-only; cannot add documents")
        batch = _flatten_batch(documents)
        doc_ids = [row["id"] for row in batch.rows["documents"]]
        if not doc_ids:
            return AddReport(0, batch.skipped, 0)
        with tempfile.TemporaryDirectory(prefix="tacitus-store-") as tmp:
            with self._transaction(f"batch of {len(doc_ids)} documents not stored"):
                added, already, events_added = self._insert_documents(batch, Path(tmp))
        return AddReport(added, batch.skipped + already, events_added)

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
        where, params = _event_filters(country=country, type=type, actor=actor, since=since, until=until)
        sql = (
            "SELECT e.*, d.title AS document_title, d.source AS document_source "
            "FROM events e JOIN documents d ON d.id = e.document_id"
        )
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY e.date_start NULLS LAST, e.document_id, e.evidence_start, e.ordinal, e.id"
        sql += _limit_sql(limit)
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


    # -- batch jobs ------------------------------------------------------------------------------

    def add_ingest_batch(
        self,
        documents: Sequence[Mapping[str, Any]],
        items: Sequence[ItemRecord],
        signatures: Sequence[SignatureRecord] = (),
        duplicates: Sequence[DuplicateLink] = (),
    ) -> AddReport:
        """`add` the documents and record the items, signatures and links, in one transaction: a
        job killed at any point leaves every item either fully stored with its key or not at all.

        An item row already stored is kept unless it was an error (the item was tried again)."""
        con = self._connection()
        if self.read_only:
            raise StoreError(f"{self.path}: opened read-only; cannot add documents")
        for item in items:
            if item.status not in ITEM_STATUSES:
                raise ValueError(f"item status must be one of {ITEM_STATUSES}, not {item.status!r}")
        batch = _flatten_batch(documents)
        now = _utcnow()
        with tempfile.TemporaryDirectory(prefix="tacitus-store-") as tmp:
            with self._transaction(f"batch of {len(items)} input items not stored"):
                added, skipped, events_added = self._insert_documents(batch, Path(tmp))
                cleared = [i.supersedes for i in items if i.supersedes is not None and i.status != "error"]
                if cleared:
                    con.execute("DELETE FROM ingest_items WHERE status = 'error' AND key IN "
                                "(SELECT unnest(?::VARCHAR[]))", [cleared])
                if items:
                    con.execute(
                        "INSERT INTO ingest_items BY NAME (SELECT unnest(?::VARCHAR[]) AS key, "
                        "unnest(?::VARCHAR[]) AS source, unnest(?::VARCHAR[]) AS document_id, "
                        "unnest(?::VARCHAR[]) AS status, unnest(?::VARCHAR[]) AS message, ?::TIMESTAMP AS logged_at) "
                        "ON CONFLICT (key) DO UPDATE SET source = excluded.source, "
                        "document_id = excluded.document_id, status = excluded.status, "
                        "message = excluded.message, logged_at = excluded.logged_at "
                        "WHERE ingest_items.status = 'error'",
                        [[i.key for i in items], [i.source for i in items], [i.document_id for i in items],
                         [i.status for i in items], [i.message for i in items], now],
                    )
                if signatures:
                    con.execute(
                        "INSERT OR IGNORE INTO document_signatures SELECT unnest(?::VARCHAR[]), "
                        "unnest(?::INTEGER[]), unnest(?::BIGINT[][])",
                        [[g.document_id for g in signatures], [g.shingles for g in signatures],
                         [list(g.minhash) for g in signatures]],
                    )
                    con.execute(
                        "INSERT INTO document_buckets SELECT unnest(?::BIGINT[]), unnest(?::VARCHAR[])",
                        [[b for g in signatures for b in g.buckets],
                         [g.document_id for g in signatures for _ in g.buckets]],
                    )
                if duplicates:
                    con.execute(
                        "INSERT OR IGNORE INTO document_duplicates SELECT unnest(?::VARCHAR[]), "
                        "unnest(?::VARCHAR[]), unnest(?::DOUBLE[])",
                        [[d.document_id for d in duplicates], [d.duplicate_of for d in duplicates],
                         [d.similarity for d in duplicates]],
                    )
        return AddReport(added, batch.skipped + skipped, events_added)

    def _insert_documents(self, batch: _Batch, tmp: Path) -> tuple[int, int, int]:
        """Insert a flattened batch inside the caller's transaction: (documents added, documents
        already stored, events added)."""
        doc_ids = [row["id"] for row in batch.rows["documents"]]
        if not doc_ids:
            return 0, 0, 0
        existing = self.stored_document_ids(doc_ids)
        added = events_added = 0
        for table in _TABLES:
            id_column = "id" if table == "documents" else "document_id"
            rows = [r for r in batch.rows[table] if r[id_column] not in existing]
            if not rows:
                continue
            file = tmp / f"{table}.ndjson"
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
        return added, len(existing), events_added

    def stored_document_ids(self, doc_ids: Sequence[str]) -> set[str]:
        """Which of these document ids are stored."""
        if not doc_ids:
            return set()
        rows = self._connection().execute(
            "SELECT id FROM documents WHERE id IN (SELECT unnest(?::VARCHAR[]))", [list(doc_ids)]
        ).fetchall()
        return {doc_id for (doc_id,) in rows}

    def done_keys(self, keys: Sequence[str]) -> set[str]:
        """Which of these input keys a job has finished (stored or found stored; errors are not done)."""
        if not keys:
            return set()
        rows = self._connection().execute(
            "SELECT key FROM ingest_items WHERE status <> 'error' AND key IN (SELECT unnest(?::VARCHAR[]))",
            [list(keys)],
        ).fetchall()
        return {key for (key,) in rows}

    def bucket_signatures(self, buckets: Sequence[int]) -> dict[int, list[tuple[str, tuple[int, ...]]]]:
        """Stored documents per LSH bucket, for the buckets given, each with its MinHash signature: one
        query for the near-duplicate candidates of a chunk."""
        if not buckets:
            return {}
        rows = self._connection().execute(
            "SELECT b.bucket, b.document_id, s.minhash FROM document_buckets b "
            "JOIN document_signatures s USING (document_id) WHERE b.bucket IN (SELECT unnest(?::BIGINT[])) "
            "ORDER BY b.bucket, b.document_id",
            [sorted(set(buckets))],
        ).fetchall()
        out: dict[int, list[tuple[str, tuple[int, ...]]]] = {}
        for bucket, doc_id, minhash in rows:
            out.setdefault(bucket, []).append((doc_id, tuple(minhash)))
        return out

    def ingest_errors(self, limit: int | None = None) -> list[dict[str, Any]]:
        """The per-item error log, newest first: key, source, message, logged_at."""
        sql = ("SELECT key, source, message, logged_at FROM ingest_items WHERE status = 'error' "
               "ORDER BY logged_at DESC, key")
        sql += _limit_sql(limit)
        return _fetch_dicts(self._connection(), sql, [])

    def duplicates(self) -> list[dict[str, Any]]:
        """Near-duplicate links: document_id, duplicate_of, similarity."""
        return _fetch_dicts(self._connection(), "SELECT document_id, duplicate_of, similarity "
                                                "FROM document_duplicates ORDER BY document_id", [])

    # -- event clusters (tacitus.cluster) ----------------------------------------------------------

    def mentions_for_clustering(
        self,
        *,
        clustered: bool | None = None,
        types: Sequence[str] | None = None,
        since: datetime.date | None = None,
        until: datetime.date | None = None,
        components: Sequence[str] | None = None,
    ) -> list[dict[str, Any]]:
        """Flat rows of stored event mentions, with what clustering needs of their document (published,
        site, url, document_source), of their evidence sentence (`sentence_times`: the date windows it
        names, `sentence_places`: the towns it names), the towns of their article's lead paragraph
        (`lead_places`) and of their cluster (cluster_id and component, None until clustered).

        `clustered` keeps only mentions in (True) or not yet in (False) a cluster; `types` keeps those
        PLOVER types; `since`/`until` keep mentions whose date window, publication day or a date of
        their sentence meets [since, until], and those with none; `components` keeps the members of
        those components."""
        where: list[str] = []
        params: list[Any] = []
        if clustered is not None:
            where.append("m.event_id IS NOT NULL" if clustered else "m.event_id IS NULL")
        if types is not None:
            where.append("e.type IN (SELECT unnest(?::VARCHAR[]))")
            params.append(list(types))
        if components is not None:
            where.append("c.component IN (SELECT unnest(?::VARCHAR[]))")
            params.append(list(components))
        reach: list[str] = []
        if since is not None:
            reach.append("s.reach_end IS NULL OR s.reach_end >= ?")
            params.append(_as_date(since, "since"))
        if until is not None:
            reach.append("s.reach_start IS NULL OR s.reach_start <= ?")
            params.append(_as_date(until, "until"))
        in_sentence = ("x.document_id = s.document_id AND x.\"start\" >= s.evidence_start "
                       "AND x.\"end\" <= s.evidence_end")
        sql = (
            "WITH picked AS ("
            f"SELECT {', '.join('e.' + c for c in _CLUSTERING_EVENT_COLUMNS)}, e.evidence_start, e.evidence_end, "
            "d.published, d.site, d.url, d.source AS document_source, m.cluster_id, c.component "
            "FROM events e JOIN documents d ON d.id = e.document_id "
            "LEFT JOIN cluster_members m ON m.event_id = e.id LEFT JOIN event_clusters c ON c.id = m.cluster_id"
            + (" WHERE " + " AND ".join(f"({w})" for w in where) if where else "") + "), "
            "times_named AS (SELECT s.id, list({'start': x.start_date, 'end': x.end_date, 'precision': x.precision} "
            "ORDER BY x.\"start\") AS sentence_times, min(x.start_date) AS lo, max(x.end_date) AS hi "
            f"FROM picked s JOIN times x ON {in_sentence} AND x.start_date IS NOT NULL AND x.end_date IS NOT NULL "
            "GROUP BY s.id), "
            f"places_named AS (SELECT s.id, list({_PLACE_STRUCT} ORDER BY x.\"start\") AS sentence_places "
            f"FROM picked s JOIN places x ON {in_sentence} AND x.precision = 'point' AND x.lat IS NOT NULL "
            "GROUP BY s.id), "
            "leads AS (SELECT d.id AS document_id, coalesce(nullif(strpos(d.text, chr(10) || chr(10)), 0), "
            f"{_LEAD_CHARS}) - 1 AS lead_end FROM documents d WHERE d.id IN (SELECT document_id FROM picked)), "
            f"lead_named AS (SELECT l.document_id, list({_PLACE_STRUCT} ORDER BY x.\"start\") AS lead_places "
            "FROM leads l JOIN places x ON x.document_id = l.document_id "
            "AND x.\"start\" < l.lead_end AND x.precision = 'point' AND x.lat IS NOT NULL GROUP BY l.document_id), "
            "reached AS (SELECT s.*, t.sentence_times, p.sentence_places, ln.lead_places, "
            "least(coalesce(s.date_start, s.published), t.lo) AS reach_start, "
            "greatest(coalesce(s.date_end, s.date_start, s.published), t.hi) AS reach_end "
            "FROM picked s LEFT JOIN times_named t ON t.id = s.id LEFT JOIN places_named p ON p.id = s.id "
            "LEFT JOIN lead_named ln ON ln.document_id = s.document_id) "
            "SELECT * EXCLUDE (reach_start, reach_end, evidence_start, evidence_end) FROM reached s"
        )
        if reach:
            sql += " WHERE " + " AND ".join(f"({r})" for r in reach)
        return _fetch_dicts(self._connection(), sql + " ORDER BY s.id", params)

    def replace_clusters(
        self,
        clusters: Sequence[Mapping[str, Any]],
        members: Sequence[Mapping[str, Any]],
        *,
        replacing: Sequence[str] | None,
    ) -> None:
        """In one transaction, drop the clusters that hold any of the `replacing` event ids (every
        cluster when None) with all their memberships, and store `clusters` (rows of table `event_clusters`)
        and `members` (event_id, cluster_id, score)."""
        con = self._connection()
        if self.read_only:
            raise StoreError(f"{self.path}: opened read-only; cannot write clusters")
        with tempfile.TemporaryDirectory(prefix="tacitus-store-") as tmp:
            with self._transaction("clusters not stored"):
                if replacing is None:
                    con.execute("DELETE FROM cluster_members")
                    con.execute("DELETE FROM event_clusters")
                elif replacing:
                    con.execute("CREATE OR REPLACE TEMP TABLE _replaced AS SELECT DISTINCT cluster_id FROM "
                                "cluster_members WHERE event_id IN (SELECT unnest(?::VARCHAR[]))", [list(replacing)])
                    con.execute("DELETE FROM cluster_members WHERE cluster_id IN (SELECT cluster_id FROM _replaced)")
                    con.execute("DELETE FROM event_clusters WHERE id IN (SELECT cluster_id FROM _replaced)")
                    con.execute("DROP TABLE _replaced")
                for table, rows in (("event_clusters", clusters), ("cluster_members", members)):
                    if rows:
                        file = Path(tmp) / f"{table}.ndjson"
                        _write_ndjson(file, [dict(row) for row in rows])
                        self._insert_file(table, file)

    def clusters(
        self,
        *,
        country: str | None = None,
        type: str | None = None,
        actor: str | None = None,
        since: datetime.date | None = None,
        until: datetime.date | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """Stored clusters of which at least one mention matches every filter of `events`, by best
        date (undated last), each with `mentions`: its event ids, earliest report first."""
        where, params = _event_filters(country=country, type=type, actor=actor, since=since, until=until)
        sql = "SELECT c.* FROM event_clusters c"
        if where:
            sql += (" WHERE c.id IN (SELECT m.cluster_id FROM cluster_members m JOIN events e ON e.id = m.event_id "
                    "WHERE " + " AND ".join(where) + ")")
        sql += " ORDER BY c.date_start NULLS LAST, c.first_published NULLS LAST, c.id"
        sql += _limit_sql(limit)
        con = self._connection()
        rows = _fetch_dicts(con, sql, params)
        mentions: dict[str, list[str]] = {}
        if rows:
            for cluster_id, event_id in con.execute(
                "SELECT m.cluster_id, m.event_id FROM cluster_members m JOIN events e ON e.id = m.event_id "
                "JOIN documents d ON d.id = e.document_id WHERE m.cluster_id IN (SELECT unnest(?::VARCHAR[])) "
                "ORDER BY d.published NULLS LAST, e.document_id, e.ordinal, e.id",
                [[row["id"] for row in rows]],
            ).fetchall():
                mentions.setdefault(cluster_id, []).append(event_id)
        return [_cluster_from_row(row, mentions.get(row["id"], [])) for row in rows]

    def cluster_assignments(self) -> dict[str, str]:
        """Event id → cluster id, for every clustered mention."""
        rows = self._connection().execute("SELECT event_id, cluster_id FROM cluster_members").fetchall()
        return dict(rows)

    def cluster_counts(self) -> dict[str, int]:
        """How many clusters, clustered mentions, and mentions not clustered yet the store holds."""
        row = self._connection().execute(
            "SELECT (SELECT count(*) FROM event_clusters), (SELECT count(*) FROM cluster_members), "
            "(SELECT count(*) FROM events e WHERE NOT EXISTS "
            "(SELECT 1 FROM cluster_members m WHERE m.event_id = e.id))"
        ).fetchone()
        clusters, clustered, unclustered = row if row else (0, 0, 0)
        return {"clusters": int(clusters), "clustered_mentions": int(clustered),
                "unclustered_mentions": int(unclustered)}


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


# -- event clusters --------------------------------------------------------------------------------

# A text with no blank line: its lead is taken to be this many characters.
_LEAD_CHARS = 600
# A cluster nests its columns as an event does, without the character offsets that belong to one article.
_CLUSTER_NESTED: dict[str, dict[str, str]] = {
    key: {f: c for f, c in columns.items() if key == "date" or f not in ("start", "end")}
    for key, columns in _EVENT_NESTED.items() if key in ("source", "target", "date", "location")
}
# The event columns clustering reads (see tacitus.cluster.rule.Mention.from_row).
_CLUSTERING_EVENT_COLUMNS = (
    "id", "document_id", "ordinal", "type", "mode", "status",
    *(c for columns in _CLUSTER_NESTED.values() for c in columns.values()),
    "killed", "injured", "confidence", "evidence_sentence",
)
# A place mention (alias `x`) as the struct clustering reads from `sentence_places` and `lead_places`.
_PLACE_STRUCT = (
    "{'name': x.name, 'country': x.country, 'admin1': x.admin1, 'lat': x.lat, 'lon': x.lon, "
    "'geonameid': x.geonameid, 'precision': x.precision, 'text': x.text, 'start': x.\"start\"}"
)
# The order of keys in a cluster as `Store.clusters` gives it.
_CLUSTER_ORDER = (
    "id", "type", "family", "mode", "status", "source", "target", "date", "location", "killed", "injured",
    "num_mentions", "num_articles", "num_sources", "outlets", "first_published", "last_published",
    "founder_event_id", "component", "confidence",
)


def _cluster_from_row(row: Mapping[str, Any], mentions: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in _CLUSTER_ORDER:
        out[key] = _nest(row, _CLUSTER_NESTED[key]) if key in _CLUSTER_NESTED else _plain(row.get(key))
    out["outlets"] = list(out["outlets"] or [])
    out["mentions"] = mentions
    return out


def _event_filters(
    *,
    country: str | None,
    type: str | None,
    actor: str | None,
    since: datetime.date | None,
    until: datetime.date | None,
) -> tuple[list[str], list[Any]]:
    """The WHERE terms (over events aliased `e`) and parameters of the filters `Store.events` takes."""
    where: list[str] = []
    params: list[Any] = []
    if country and country.strip():
        code = country.strip().upper()
        where.append("(upper(e.location_country) = ? OR upper(e.source_country) = ? OR upper(e.target_country) = ?)")
        params += [code] * 3
    if type and type.strip():
        where.append("upper(e.type) = ?")
        params.append(type.strip().upper())
    if actor and actor.strip():
        needle = actor.strip().lower()
        where.append("(" + " OR ".join(f"contains(lower(e.{c}), ?)" for c in _ACTOR_SEARCH_COLUMNS) + ")")
        params += [needle] * len(_ACTOR_SEARCH_COLUMNS)
    # A date is a window: it matches when the window overlaps [since, until].
    if since is not None:
        where.append("coalesce(e.date_end, e.date_start) >= ?")
        params.append(_as_date(since, "since"))
    if until is not None:
        where.append("coalesce(e.date_start, e.date_end) <= ?")
        params.append(_as_date(until, "until"))
    return where, params


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


def _limit_sql(limit: int | None) -> str:
    """The LIMIT clause of a listing ("" for no limit); ValueError unless a non-negative integer."""
    if limit is None:
        return ""
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise ValueError(f"limit must be a non-negative integer, not {limit!r}")
    return f" LIMIT {limit}"


def _utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def _as_date(value: datetime.date, name: str) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if not isinstance(value, datetime.date):
        raise ValueError(f"{name} must be a date, not {value!r}")
    return value
