"""The read side of the store: takes a DuckDB connection and an `EventFilter`, gives typed pages of dicts.

Used by the HTTP API, the exports and the web UI, so all three answer the same question the same
way. Every function takes an open connection (a `duckdb.DuckDBPyConnection`, or a cursor of one)
and runs parameterised SQL only; aggregation happens in SQL, never by fetching rows to count them.

Events come at two levels (`EventFilter.level`):

- "mentions": one row per coded event mention of one article (table `events`);
- "clusters": one row per real-world event, merging the mentions of several articles (tables
  `event_clusters` and `cluster_members`, migration 0003). Mentions the clustering has not placed yet
  are listed as events of their own; a store without those tables is read at the mentions level.
  Each item says which level it is (`item["level"]`: "cluster" or "mention").

Listings are keyset-paginated: a `Page` holds the items and an opaque `next_cursor` (None on the last
page) that continues the same order — events by date (newest first) then id, so a page does not
shift when rows are added elsewhere. Bad arguments raise `InputError(field, "what is wrong")`,
naming the filter field or parameter at fault.

    list_events(con, flt, limit=50, cursor=None) -> Page   (page.level: the level it was read at)
    get_event(con, event_id) -> dict | None
    count_events(con, flt, interval="day", by="type") -> list[dict]
    map_points(con, flt, limit=5000) -> MapPoints          (a list of dicts; .level as above)
    stats(con, flt) -> dict
    stats_and_counts(con, flt, interval="day", by="type") -> (stats, count_events), level found once
    list_documents(con, limit=50, cursor=None, text=None) -> Page
    get_document(con, doc_id) -> dict | None
    list_actors(con, query=None, limit=50, cursor=None) -> Page
    get_actor(con, actor_id) -> dict | None
    list_places(con, query=None, country=None, limit=50, cursor=None) -> Page
    event_rows(con, flt) -> tuple[str, list]       (the flat SQL the exports read)
    connect(path, write=False)                     (a context manager giving a connection)
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
import math
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import duckdb

from tacitus.errors import InputError
from tacitus.models import PLOVER_TYPES, SECTORS, STATUSES
from tacitus.store.db import _CLUSTER_NESTED, _EVENT_NESTED, _MENTION_COLUMNS, Store, _fetch_dicts

LEVELS = ("clusters", "mentions")
INTERVALS = ("day", "week", "month", "year")
COUNT_BY = ("type", "status", "country")
MAX_LIMIT = 1000
MAX_MAP_POINTS = 20000
# Sort key of an undated event: it sorts after every dated one in a newest-first listing.
UNDATED = datetime.date(1, 1, 1)
# An actor without a registry key is known by its name, the way the pipeline keys names it learns.
NAME_KEY_PREFIX = "name:"

Connection = duckdb.DuckDBPyConnection


@dataclass(frozen=True)
class EventFilter:
    """Which events to read. Every field is optional; given fields must all hold (AND).

    `country`, `type`, `status` and `sector` take one value or several separated by commas
    ("ASSAULT,COERCE"). `country` matches the event's location, source or target country (ISO3 or
    IGO); `admin1` the location's first-level unit, by name; `actor` a registry key exactly
    ("WAGNER", "name:moura") or a substring of a source or target name or text; `sector` the source
    or target sector; `text` a substring of the evidence sentence, actor or place texts. A date
    window matches when it overlaps [since, until]. `bbox` is (west, south, east, north) in degrees;
    west > east crosses the antimeridian. `min_sources`: at least this many distinct outlets reported
    the event (a mention counts its cluster's outlets when clusters exist, else 1).
    """

    since: datetime.date | None = None
    until: datetime.date | None = None
    country: str | None = None
    admin1: str | None = None
    actor: str | None = None
    sector: str | None = None
    type: str | None = None
    status: str | None = None
    min_sources: int | None = None
    bbox: tuple[float, float, float, float] | None = None
    text: str | None = None
    level: str = "clusters"

    def validated(self) -> EventFilter:
        """The same filter with values normalised (codes upper-cased, blanks dropped); InputError when one is bad."""
        for name in ("since", "until"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, datetime.date):
                raise InputError(name, f"must be a date (YYYY-MM-DD), not {value!r}")
        if self.since and self.until and self.since > self.until:
            raise InputError("until", f"{self.until} is before since ({self.since})")
        if self.level not in LEVELS:
            raise InputError("level", f"must be one of {', '.join(LEVELS)}, not {self.level!r}")
        if self.min_sources is not None and (
            isinstance(self.min_sources, bool) or not isinstance(self.min_sources, int) or self.min_sources < 0
        ):
            raise InputError("min_sources", f"must be a non-negative integer, not {self.min_sources!r}")
        return replace(
            self,
            country=_codes("country", self.country, None),
            type=_codes("type", self.type, PLOVER_TYPES),
            status=_codes("status", self.status, STATUSES, upper=False),
            sector=_codes("sector", self.sector, SECTORS),
            admin1=_blank_to_none(self.admin1),
            actor=_blank_to_none(self.actor),
            text=_blank_to_none(self.text),
            bbox=_check_bbox(self.bbox) if self.bbox is not None else None,
        )

    def values(self, name: str) -> list[str]:
        """The comma-separated values of a code field, as a list."""
        value = getattr(self, name)
        return [] if value is None else value.split(",")


@dataclass
class Page:
    """One page of a listing; pass `next_cursor` back for the next (None: this is the last page).

    `level` is the level an event listing was answered at ("clusters" or "mentions"), None for others."""

    items: list[dict[str, Any]]
    next_cursor: str | None = None
    level: str | None = None


class MapPoints(list[dict[str, Any]]):
    """The points of `map_points`: a list, with the level they were read at (`level`)."""

    def __init__(self, points: list[dict[str, Any]], level: str) -> None:
        super().__init__(points)
        self.level = level


@contextmanager
def connect(path: str | os.PathLike[str], *, write: bool = False) -> Iterator[Connection]:
    """A connection to the store at `path` for the functions here: migrated first when `write`, else
    opened read-only (and refused when its schema is behind). Closed on leaving the block."""
    with Store(path, read_only=not write) as store:
        # the Store opened (and migrated) the file; its connection is the one to read and write through
        con = store._connection().cursor()
        try:
            yield con
        finally:
            con.close()


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """"west,south,east,north" in degrees → a checked tuple."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 4:
        raise InputError("bbox", f"must be four numbers west,south,east,north, not {text!r}")
    try:
        west, south, east, north = (float(p) for p in parts)
    except ValueError:
        raise InputError("bbox", f"must be four numbers west,south,east,north, not {text!r}") from None
    return _check_bbox((west, south, east, north))


# -- events ---------------------------------------------------------------------------------------


def list_events(con: Connection, flt: EventFilter, limit: int = 50, cursor: str | None = None) -> Page:
    """One page of events matching `flt`, newest first (then by id); undated events come last."""
    flt = flt.validated()
    limit = _check_limit(limit)
    level = _level(con, flt)
    after = _decode_cursor(cursor, level.cursor_kind)
    where, params = level.conditions(flt)
    if after is not None:
        where.append(f"({level.sort_date} < ? OR ({level.sort_date} = ? AND {level.id} > ?))")
        day = _cursor_date(after[0])
        params += [day, day, after[1]]
    sql = (
        f"SELECT {level.id} AS id, {level.sort_date} AS sort_date FROM {level.relation} "
        f"{_where(where)} ORDER BY sort_date DESC, id LIMIT ?"
    )
    keys = con.execute(sql, [*params, limit + 1]).fetchall()
    more = len(keys) > limit
    keys = keys[:limit]
    items = level.fetch(con, [k[0] for k in keys])
    next_cursor = _encode_cursor(level.cursor_kind, keys[-1][1].isoformat(), keys[-1][0]) if more else None
    return Page(items, next_cursor, level.name)


def get_event(con: Connection, event_id: str) -> dict[str, Any] | None:
    """A cluster with its mentions (each with evidence, trigger offsets and document), or one mention."""
    clustered = _has_clusters(con)
    if clustered:
        cluster = _Clusters(complete=True).detail(con, event_id)
        if cluster is not None:
            return cluster
    found = _Mentions(clustered).fetch(con, [event_id])
    return found[0] if found else None


def count_events(
    con: Connection, flt: EventFilter, interval: str = "day", by: str = "type"
) -> list[dict[str, Any]]:
    """Events per period and `by` value: [{"period": "2023-06-26", by: "ASSAULT", "n": 3, "killed": 14}].

    Periods are the first day of the day / ISO week (Monday) / month / year; undated events are left out.
    """
    flt = flt.validated()
    _check_count_args(interval, by)
    return _count_events(con, flt, _level(con, flt), interval, by)


def _check_count_args(interval: str, by: str) -> None:
    if interval not in INTERVALS:
        raise InputError("interval", f"must be one of {', '.join(INTERVALS)}, not {interval!r}")
    if by not in COUNT_BY:
        raise InputError("by", f"must be one of {', '.join(COUNT_BY)}, not {by!r}")


def _count_events(con: Connection, flt: EventFilter, level: _Level, interval: str, by: str) -> list[dict[str, Any]]:
    where, params = level.conditions(flt)
    where.append(f"{level.date_start} IS NOT NULL")
    key = {"type": level.type, "status": level.status, "country": level.country}[by]
    sql = (
        f"SELECT CAST(date_trunc('{interval}', {level.date_start}) AS DATE) AS period, {key} AS key, "
        f"count(*) AS n, sum({level.killed}) AS killed FROM {level.relation} {_where(where)} "
        "GROUP BY ALL ORDER BY period, key NULLS LAST"
    )
    return [
        {"period": period.isoformat(), by: value, "n": int(n), "killed": None if killed is None else int(killed)}
        for period, value, n, killed in con.execute(sql, params).fetchall()
    ]


def map_points(con: Connection, flt: EventFilter, limit: int = 5000) -> MapPoints:
    """Located events for a map: [{"id", "lat", "lon", "type", "sources", "killed", "date", "name"}],
    with the level they were read at (`.level`).

    At most `limit`; past it the best-sourced, deadliest, then newest events are kept.
    """
    flt = flt.validated()
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_MAP_POINTS:
        raise InputError("limit", f"must be an integer from 1 to {MAX_MAP_POINTS}, not {limit!r}")
    level = _level(con, flt)
    where, params = level.conditions(flt)
    where.append(f"{level.lat} IS NOT NULL AND {level.lon} IS NOT NULL")
    sql = (
        f"SELECT {level.id}, {level.lat}, {level.lon}, {level.type}, {level.sources}, {level.killed}, "
        f"{level.date_start}, {level.place_name} FROM {level.relation} {_where(where)} "
        f"ORDER BY {level.sources} DESC, {level.killed} DESC NULLS LAST, {level.sort_date} DESC, {level.id} "
        "LIMIT ?"
    )
    return MapPoints([
        {"id": id_, "lat": lat, "lon": lon, "type": type_, "sources": int(sources),
         "killed": killed, "date": _iso(day), "name": name}
        for id_, lat, lon, type_, sources, killed, day, name in con.execute(sql, [*params, limit]).fetchall()
    ], level.name)


def stats(con: Connection, flt: EventFilter) -> dict[str, Any]:
    """Totals for the events matching `flt`: how many, from how many documents, killed, date span,
    and counts by type, status and (location) country."""
    flt = flt.validated()
    return _stats(con, flt, _level(con, flt))


def stats_and_counts(
    con: Connection, flt: EventFilter, interval: str = "day", by: str = "type"
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """`stats(con, flt)` and `count_events(con, flt, interval, by)`, finding the level they are read at once."""
    flt = flt.validated()
    _check_count_args(interval, by)
    level = _level(con, flt)
    return _stats(con, flt, level), _count_events(con, flt, level, interval, by)


def _stats(con: Connection, flt: EventFilter, level: _Level) -> dict[str, Any]:
    where, params = level.conditions(flt)
    keys = (level.type, level.status, level.country)
    # one scan gives the totals and the three breakdowns
    rows = con.execute(
        f"SELECT grouping({', '.join(keys)}) AS g, {', '.join(keys)}, count(*), sum({level.killed}), "
        f"min({level.date_start}), max({level.date_end}) FROM {level.relation} {_where(where)} "
        f"GROUP BY GROUPING SETS ((), ({keys[0]}), ({keys[1]}), ({keys[2]}))", params
    ).fetchall()
    # grouping() sets a bit for each key left out of a row's set: 0b111 is the grand total
    total = next((r for r in rows if r[0] == 0b111), None)
    if where:
        documents = con.execute(
            f"SELECT count(DISTINCT document_id) FROM ({level.documents_of}) "
            f"WHERE event_id IN (SELECT {level.id} FROM {level.relation} {_where(where)})", params).fetchone()
    else:  # every stored mention belongs to one event of either level
        documents = con.execute("SELECT count(DISTINCT document_id) FROM events").fetchone()

    def counts(position: int, top: int | None = None) -> list[dict[str, Any]]:
        mask = 0b111 ^ (1 << (2 - position))
        found = [(r[1 + position], int(r[4])) for r in rows if r[0] == mask]
        found.sort(key=lambda kn: (-kn[1], kn[0] is None, kn[0] or ""))
        return [{"key": key, "n": n} for key, n in found[:top]]

    return {
        "level": level.name,
        "events": int(total[4]) if total else 0,
        "documents": int(documents[0]) if documents else 0,
        "killed": None if total is None or total[5] is None else int(total[5]),
        "first_date": _iso(total[6]) if total else None,
        "last_date": _iso(total[7]) if total else None,
        "by_type": counts(0),
        "by_status": counts(1),
        "by_country": counts(2, top=50),
    }


def event_rows(con: Connection, flt: EventFilter) -> tuple[str, list[Any]]:
    """The SQL (and its parameters) of a flat table of the matching events, newest first: one row per
    event with the columns in `FLAT_COLUMNS`. The exports run it (into CSV, Parquet, GeoJSON…)."""
    flt = flt.validated()
    level = _level(con, flt)
    where, params = level.conditions(flt)
    select, relation = level.flat
    sql = (
        f"SELECT {select} FROM {relation} {_where(where)} "
        f"ORDER BY {level.sort_date} DESC, {level.id}"
    )
    return sql, params


# The columns of `event_rows`, in order.
FLAT_COLUMNS = (
    "id", "level", "type", "mode", "status", "date_start", "date_end", "date_precision",
    "source_name", "source_country", "source_sector", "source_actor_id",
    "target_name", "target_country", "target_sector", "target_actor_id",
    "location_name", "location_country", "location_admin1", "lat", "lon", "location_precision", "geonameid",
    "killed", "injured", "cameo", "quad_class", "goldstein", "acled_event_type", "acled_sub_event_type",
    "context", "mentions", "articles", "sources", "first_sentence_index", "sentence", "trigger",
    "document_id", "source_names", "urls", "added_at", "confidence",
)


# -- documents ------------------------------------------------------------------------------------


def list_documents(con: Connection, limit: int = 50, cursor: str | None = None, text: str | None = None) -> Page:
    """Stored documents, newest publication first (then id), with their event counts; `text` searches
    titles and texts."""
    limit = _check_limit(limit)
    after = _decode_cursor(cursor, "d")
    where: list[str] = []
    params: list[Any] = []
    needle = _blank_to_none(text)
    if needle is not None:
        where.append("(contains(lower(d.title), ?) OR contains(lower(d.text), ?))")
        params += [needle.lower()] * 2
    sort = f"coalesce(d.published, DATE '{UNDATED.isoformat()}')"
    if after is not None:
        day = _cursor_date(after[0])
        where.append(f"({sort} < ? OR ({sort} = ? AND d.id > ?))")
        params += [day, day, after[1]]
    rows = _fetch_dicts(con, (
        f"SELECT d.id, d.title, d.source, d.url, d.site, d.published, d.language, d.text_chars, "
        f"d.ingested_at, {sort} AS sort_date FROM documents d {_where(where)} "
        "ORDER BY sort_date DESC, d.id LIMIT ?"
    ), [*params, limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    counts = _count_by(con, "SELECT document_id, count(*) FROM events WHERE document_id IN "
                            "(SELECT unnest(?::VARCHAR[])) GROUP BY document_id", [r["id"] for r in rows])
    items = []
    for row in rows:
        sort_date = row.pop("sort_date")
        item = {k: _plain(v) for k, v in row.items()}
        item["events"] = counts.get(row["id"], 0)
        items.append(item)
    next_cursor = _encode_cursor("d", sort_date.isoformat(), rows[-1]["id"]) if more else None
    return Page(items, next_cursor)


def get_document(con: Connection, doc_id: str) -> dict[str, Any] | None:
    """A document with its text and annotations: its events (trigger and evidence offsets, cluster),
    places, times and actors (character offsets into `document.text`), and its near copies."""
    docs = _fetch_dicts(con, "SELECT * FROM documents WHERE id = ?", [doc_id])
    if not docs:
        return None
    row = docs[0]
    document = {k: _plain(v) for k, v in row.items() if k not in ("extra", "captions")}
    document["captions"] = _json(row.get("captions")) or []
    document.update(_json(row.get("extra")) or {})
    events = _Mentions(_has_clusters(con)).fetch(con, [r[0] for r in con.execute(
        "SELECT id FROM events WHERE document_id = ? ORDER BY ordinal", [doc_id]).fetchall()], with_document=False)
    result: dict[str, Any] = {"document": document, "events": events}
    for table in ("places", "times", "actors"):
        columns = ", ".join(f'"{column}" AS "{field}"' for field, column in _MENTION_COLUMNS[table].items())
        rows = _fetch_dicts(con, f"SELECT {columns} FROM {table} WHERE document_id = ? ORDER BY ordinal", [doc_id])
        result[table] = [{k: _plain(v) for k, v in r.items()} for r in rows]
    result["duplicates"] = _duplicates(con, doc_id)
    return result


def _duplicates(con: Connection, doc_id: str) -> list[dict[str, Any]]:
    """Near copies: documents this one copies ("copy_of") and documents that copy it ("copied_by")."""
    if not _has_table(con, "document_duplicates"):
        return []
    rows = con.execute(
        "SELECT duplicate_of, 'copy_of', similarity FROM document_duplicates WHERE document_id = ? UNION ALL "
        "SELECT document_id, 'copied_by', similarity FROM document_duplicates WHERE duplicate_of = ? "
        "ORDER BY 2 DESC, 1",
        [doc_id, doc_id],
    ).fetchall()
    return [{"document_id": other, "relation": relation, "similarity": similarity}
            for other, relation, similarity in rows]


# -- actors ---------------------------------------------------------------------------------------

# Every reference to an actor: document-level mentions and event roles, keyed one way.
_ACTOR_KEY = "coalesce({p}actor_id, '" + NAME_KEY_PREFIX + "' || lower({p}name))"


def _actor_refs(match: str = "") -> str:
    """The references as one relation (key, name, text, country, sector, document_id, role, type); `match`
    is a predicate with `{p}` for the column prefix, applied inside each part so it filters early."""
    parts = [("", "actors", "'mention'", "NULL")]
    parts += [(f"{role}_", "events", f"'{role}'", "type") for role in ("source", "target")]
    return " UNION ALL ".join(
        f"SELECT {_ACTOR_KEY.format(p=p)} AS key, {p}name AS name, {p}text AS text, {p}country AS country, "
        f"{p}sector AS sector, document_id, {role} AS role, {type_} AS type FROM {table} "
        f"WHERE coalesce({p}actor_id, {p}name) IS NOT NULL" + (f" AND {match.format(p=p)}" if match else "")
        for p, table, role, type_ in parts
    )


def _actor_is(key: str) -> tuple[str, list[str]]:
    """A predicate (with `{p}` for the column prefix) true where the actor key equals `key`, written so
    DuckDB compares plain columns instead of computing the key of every row; and its parameters."""
    if key.startswith(NAME_KEY_PREFIX):
        return ("({p}actor_id = ? OR ({p}actor_id IS NULL AND lower({p}name) = ?))",
                [key, key[len(NAME_KEY_PREFIX):]])
    return "{p}actor_id = ?", [key]


def _actor_tallies(columns: tuple[str, ...]) -> str:
    """References counted per distinct raw (actor_id, name, *columns), all three parts: computing the
    key on these few rows instead of on every reference is what keeps actor listings fast."""
    parts = [("", "actors", "'mention'")] + [(f"{role}_", "events", f"'{role}'") for role in ("source", "target")]
    extra = "".join(f", {{p}}{c} AS {c}" for c in columns)
    return " UNION ALL ".join(
        f"SELECT {p}actor_id AS actor_id, {p}name AS name{extra.format(p=p)}, {role} AS role, count(*) AS n "
        f"FROM {table} WHERE coalesce({p}actor_id, {p}name) IS NOT NULL GROUP BY ALL"
        for p, table, role in parts
    )


def list_actors(con: Connection, query: str | None = None, limit: int = 50, cursor: str | None = None) -> Page:
    """Actors seen in the store, most referenced first: id (the key), usual name, country, sector, documents
    that mention it, events as source and as target. `query` matches a key, name or surface text (substring)."""
    limit = _check_limit(limit)
    after = _decode_cursor(cursor, "a")
    having: list[str] = []
    params: list[Any] = []
    needle = _blank_to_none(query)
    if needle is not None:
        having.append("bool_or(contains(lower(key), ?) OR contains(lower(name), ?) OR contains(lower(text), ?))")
        params += [needle.lower()] * 3
    if after is not None:
        try:
            weight = int(after[0])
        except ValueError:
            raise InputError("cursor", "is not a cursor of this listing") from None
        having.append("(weight < ? OR (weight = ? AND key > ?))")
        params += [weight, weight, after[1]]
    # First the page's keys (references counted per key), then the details of those keys only.
    tallies = _actor_tallies(("text",) if needle is not None else ())
    keys = con.execute(
        f"SELECT key, sum(n) AS weight FROM (SELECT {_ACTOR_KEY.format(p='')} AS key, * FROM ({tallies})) "
        f"GROUP BY key {'HAVING ' + ' AND '.join(having) if having else ''} ORDER BY weight DESC, key LIMIT ?",
        [*params, limit + 1]).fetchall()
    more = len(keys) > limit
    keys = keys[:limit]
    wanted = [[k for k, _ in keys]]
    # name, country and sector: those of its most frequent form
    roles = _fetch_dicts(con, (
        f"SELECT {_ACTOR_KEY.format(p='')} AS id, arg_max(name, n) AS name, arg_max(country, n) AS country, "
        "arg_max(sector, n) AS sector, sum(n) FILTER (role = 'source') AS as_source, "
        f"sum(n) FILTER (role = 'target') AS as_target FROM ({_actor_tallies(('country', 'sector'))}) "
        f"WHERE {_ACTOR_KEY.format(p='')} IN (SELECT unnest(?::VARCHAR[])) GROUP BY id"), wanted)
    # the documents that mention it (by the actor mentions of their text; by its event roles when none do)
    documents = {key: int(n) for key, n in con.execute(
        f"SELECT id, count(*) FROM (SELECT {_ACTOR_KEY.format(p='')} AS id, document_id FROM actors "
        f"WHERE coalesce(actor_id, name) IS NOT NULL AND {_ACTOR_KEY.format(p='')} IN (SELECT unnest(?::VARCHAR[])) "
        "GROUP BY ALL) GROUP BY id", wanted).fetchall()}
    unmentioned = [row["id"] for row in roles if row["id"] not in documents]
    if unmentioned:
        role_refs = " UNION ALL ".join(
            f"SELECT {_ACTOR_KEY.format(p=f'{role}_')} AS id, document_id FROM events "
            f"WHERE {_ACTOR_KEY.format(p=f'{role}_')} IN (SELECT unnest(?::VARCHAR[]))"
            for role in ("source", "target"))
        documents.update((key, int(n)) for key, n in con.execute(
            f"SELECT id, count(DISTINCT document_id) FROM ({role_refs}) GROUP BY id", [unmentioned] * 2).fetchall())
    details = {row["id"]: {
        "id": row["id"], "name": row["name"], "country": row["country"], "sector": row["sector"],
        "documents": documents.get(row["id"], 0),
        "as_source": int(row["as_source"] or 0), "as_target": int(row["as_target"] or 0),
    } for row in roles}
    items = [details[key] for key, _ in keys]
    next_cursor = _encode_cursor("a", str(keys[-1][1]), keys[-1][0]) if more else None
    return Page(items, next_cursor)


def get_actor(con: Connection, actor_id: str) -> dict[str, Any] | None:
    """One actor: names and surface texts seen (with counts), country and sector by month, the
    actors it acts on and that act on it (by type), and its events by month and role.

    `actor_id` is a key as `list_actors` gives it: a registry key, or "name:" + the lower-cased name.
    """
    match, match_params = _actor_is(actor_id)
    refs = _actor_refs(match)
    refs_params = match_params * 3
    # the totals and the four breakdowns in one scan of its references
    rows = con.execute(
        "SELECT grouping(name, text, country, sector) AS g, name, text, country, sector, count(*) "
        f"FROM ({refs}) GROUP BY GROUPING SETS ((), (name), (text), (country), (sector))", refs_params).fetchall()
    total = next((r for r in rows if r[0] == 0b1111), None)
    if total is None or not total[5]:
        return None
    documents = con.execute(f"SELECT count(DISTINCT document_id) FROM ({refs})", refs_params).fetchone()

    def pairs(column: str) -> list[dict[str, Any]]:
        position = ("name", "text", "country", "sector").index(column)
        mask = 0b1111 ^ (1 << (3 - position))
        found = [(r[1 + position], int(r[5])) for r in rows if r[0] == mask and r[1 + position] is not None]
        found.sort(key=lambda vn: (-vn[1], vn[0]))
        return [{column: value, "n": n} for value, n in found]

    names = pairs("name")
    # Country and sector over time: by the month of the document that mentions the actor.
    affiliations = con.execute(
        f"SELECT CAST(date_trunc('month', d.published) AS DATE) AS period, r.country, r.sector, count(*) "
        f"FROM ({refs}) r JOIN documents d ON d.id = r.document_id WHERE d.published IS NOT NULL "
        "GROUP BY ALL ORDER BY period, count(*) DESC, r.country NULLS LAST, r.sector NULLS LAST",
        refs_params,
    ).fetchall()
    def counterparts(own: str, other: str) -> list[dict[str, Any]]:
        rows = con.execute(
            f"SELECT {_ACTOR_KEY.format(p=other)} AS key, mode({other}name) AS name, mode({other}country), type, "
            f"count(*) AS n FROM events WHERE {match.format(p=own)} GROUP BY ALL "
            "ORDER BY n DESC, key NULLS FIRST, type", match_params).fetchall()
        return [{"id": key, "name": name, "country": country, "type": type_, "n": int(n)}
                for key, name, country, type_, n in rows]

    by_month = con.execute(" UNION ALL ".join(
        f"SELECT CAST(date_trunc('month', date_start) AS DATE) AS period, '{role}' AS role, type, count(*) AS n "
        f"FROM events WHERE {match.format(p=role + '_')} AND date_start IS NOT NULL GROUP BY ALL"
        for role in ("source", "target")) + " ORDER BY period, role, type", match_params * 2).fetchall()
    return {
        "id": actor_id,
        "name": names[0]["name"] if names else None,
        "references": int(total[5]),
        "documents": int(documents[0]) if documents else 0,
        "names": names,
        "aliases": [{"text": p["text"], "n": p["n"]} for p in pairs("text")],
        "countries": pairs("country"),
        "sectors": pairs("sector"),
        "affiliations": [
            {"period": period.isoformat(), "country": country, "sector": sector, "n": int(n)}
            for period, country, sector, n in affiliations
        ],
        # who it acts on (it is the source) and who acts on it (it is the target)
        "acts_on": counterparts("source_", "target_"),
        "acted_on_by": counterparts("target_", "source_"),
        "by_month": [
            {"period": period.isoformat(), "role": role, "type": type_, "n": int(n)}
            for period, role, type_, n in by_month
        ],
    }


# -- places ---------------------------------------------------------------------------------------


def list_places(
    con: Connection, query: str | None = None, country: str | None = None, limit: int = 50,
    cursor: str | None = None,
) -> Page:
    """Gazetteer places seen in the store (by GeoNames id), most referenced first: name, country,
    admin1, coordinates, precision, events located there, mentions in texts, and documents."""
    limit = _check_limit(limit)
    after = _decode_cursor(cursor, "p")
    where: list[str] = []
    params: list[Any] = []
    needle = _blank_to_none(query)
    if needle is not None:
        where.append("(contains(lower(name), ?) OR contains(lower(text), ?))")
        params += [needle.lower()] * 2
    codes = _codes("country", country, None)
    if codes is not None:
        where.append(f"country IN ({', '.join('?' * len(codes.split(',')))})")
        params += codes.split(",")
    having = ""
    if after is not None:
        try:
            weight, geonameid = int(after[0]), int(after[1])
        except ValueError:
            raise InputError("cursor", "is not a cursor of this listing") from None
        having = "HAVING (weight < ? OR (weight = ? AND geonameid > ?))"
        params += [weight, weight, geonameid]
    # References counted per distinct (place, name, text, …) first: the page's places come from these
    # few rows, and their details too.
    tallies = (
        "SELECT geonameid, name, text, country, admin1, lat, lon, precision, 'mention' AS role, count(*) AS n "
        "FROM places WHERE geonameid IS NOT NULL GROUP BY ALL UNION ALL "
        "SELECT location_geonameid, location_name, location_text, location_country, location_admin1, "
        "location_lat, location_lon, location_precision, 'event', count(*) "
        "FROM events WHERE location_geonameid IS NOT NULL GROUP BY ALL"
    )
    keys = con.execute(
        f"SELECT geonameid, sum(n) AS weight FROM ({tallies}) {_where(where)} GROUP BY geonameid {having} "
        "ORDER BY weight DESC, geonameid LIMIT ?", [*params, limit + 1]).fetchall()
    more = len(keys) > limit
    keys = keys[:limit]
    details = {row["id"]: row for row in _fetch_dicts(con, (
        "SELECT geonameid AS id, arg_max(name, n) AS name, arg_max(country, n) AS country, "
        "arg_max(admin1, n) AS admin1, arg_max(lat, n) AS lat, arg_max(lon, n) AS lon, "
        "arg_max(precision, n) AS precision, coalesce(sum(n) FILTER (role = 'event'), 0) AS events, "
        "coalesce(sum(n) FILTER (role = 'mention'), 0) AS mentions "
        f"FROM ({tallies}) WHERE geonameid IN (SELECT unnest(?::BIGINT[])) GROUP BY geonameid"),
        [[k for k, _ in keys]])}
    documents = dict(con.execute(
        "SELECT geonameid, count(DISTINCT document_id) FROM (SELECT geonameid, document_id FROM places UNION ALL "
        "SELECT location_geonameid, document_id FROM events) WHERE geonameid IN (SELECT unnest(?::BIGINT[])) "
        "GROUP BY geonameid", [[k for k, _ in keys]]).fetchall())
    items = [{**details[key], "events": int(details[key]["events"]), "mentions": int(details[key]["mentions"]),
              "documents": int(documents.get(key, 0))} for key, _ in keys]
    next_cursor = _encode_cursor("p", str(keys[-1][1]), str(keys[-1][0])) if more else None
    return Page(items, next_cursor)


# -- the two levels -------------------------------------------------------------------------------

_SCALARS = ("id", "type", "mode", "context", "status", "killed", "injured", "quantity", "cameo", "quad_class",
            "goldstein", "confidence", "document_id")
_MENTION_SELECT = ", ".join(
    [f"e.{c}" for c in _SCALARS]
    + [f'e."{c}"' for cols in _EVENT_NESTED.values() for c in cols.values()]
    + ["e.quote_speaker", "e.quote_text", "e.extra", "e.ordinal"]
)
_DOCUMENT_SELECT = ("d.title AS document_title, d.source AS document_source, d.url AS document_url, "
                    "d.site AS document_site, d.published AS document_published")
_SEARCH_COLUMNS = ("evidence_sentence", "source_text", "source_name", "target_text", "target_name",
                   "location_text", "location_name")
_ACTOR_MATCH_COLUMNS = ("source_name", "source_text", "target_name", "target_text")
# A document's outlet: its site name, else its URL's host, else its source path.
_OUTLET = "coalesce(nullif(d.site, ''), nullif(regexp_extract(d.url, '^[a-zA-Z]+://([^/:]+)', 1), ''), d.source)"
# The columns an event has at both levels (they are named alike in `events` and `clusters`).
_ROW_COLUMNS = (
    "type", "mode", "status", "source_text", "source_name", "source_country", "source_sector", "source_actor_id",
    "target_text", "target_name", "target_country", "target_sector", "target_actor_id", "date_text", "date_start",
    "date_end", "date_precision", "location_text", "location_name", "location_country", "location_admin1",
    "location_lat", "location_lon", "location_geonameid", "location_precision", "killed", "injured", "confidence",
)
# The clusters level: every cluster, and every mention the clustering has not placed yet as an event of
# its own, so no stored event is missing from it between an ingest and the next clustering. When every
# mention is clustered (the usual case) the clusters alone are read: the anti-join is the costly part.
_CLUSTER_COLUMNS = (
    "SELECT c.id, 'cluster' AS level, " + ", ".join(f"c.{c}" for c in _ROW_COLUMNS)
    + ", c.num_mentions AS mentions, c.num_articles AS articles, c.num_sources AS sources, c.outlets, "
    "c.founder_event_id, c.first_published, c.last_published FROM event_clusters c"
)
_CLUSTER_ROWS = (
    _CLUSTER_COLUMNS + " UNION ALL SELECT e.id, 'mention', " + ", ".join(f"e.{c}" for c in _ROW_COLUMNS)
    + ", 1, 1, 1, NULL, e.id, NULL, NULL FROM events e "
    "WHERE NOT EXISTS (SELECT 1 FROM cluster_members cm WHERE cm.event_id = e.id)"
)
# Rows of a table whose id is in a list parameter: a semi-join on the list, which DuckDB runs as one
# hash probe per row instead of comparing every row with every id of an IN (…) list.
_IN_IDS = "SEMI JOIN (SELECT unnest(?::VARCHAR[]) AS wanted) ids ON ids.wanted = {column}"

# One mention standing for each row of the clusters level (for the fields clusters do not keep: CAMEO
# code, ACLED types, evidence): of the members, one of the cluster's type and mode, the founder first.
_REPRESENTATIVES = (
    "SELECT DISTINCT ON (k) coalesce(cm.cluster_id, e.id) AS k, e.*, "
    "min(e.sentence_index) OVER (PARTITION BY coalesce(cm.cluster_id, e.id)) AS first_sentence_index "
    "FROM events e LEFT JOIN cluster_members cm ON cm.event_id = e.id "
    "LEFT JOIN event_clusters c ON c.id = cm.cluster_id "
    "ORDER BY k, (c.id IS NULL OR e.type = c.type) DESC, (e.mode IS NOT DISTINCT FROM c.mode) DESC, "
    "(e.id = c.founder_event_id) DESC, e.id"
)


class _Level:
    """One level's SQL: the relation and the column expressions that filters, sorting and counts use."""

    def __init__(self, name: str, relation: str, alias: str, clustered: bool) -> None:
        self.name = name
        self.cursor_kind = "e" + name[0]  # a cursor of one level is refused by the other
        self.relation = relation
        self.clustered = clustered  # whether the store has cluster tables
        a = alias
        self.alias = a
        self.id = f"{a}.id"
        self.sort_date = f"coalesce({a}.date_start, DATE '{UNDATED.isoformat()}')"
        self.date_start = f"{a}.date_start"
        self.date_end = f"{a}.date_end"
        self.type = f"{a}.type"
        self.status = f"{a}.status"
        self.country = f"{a}.location_country"
        self.killed = f"{a}.killed"
        self.lat = f"{a}.location_lat"
        self.lon = f"{a}.location_lon"
        self.place_name = f"{a}.location_name"
        self.sources = "1"

    def conditions(self, flt: EventFilter) -> tuple[list[str], list[Any]]:
        raise NotImplementedError

    def fetch(self, con: Connection, ids: Sequence[str]) -> list[dict[str, Any]]:
        raise NotImplementedError

    @property
    def documents_of(self) -> str:
        """SELECT (event_id, document_id): the documents each event of this level comes from."""
        raise NotImplementedError

    @property
    def flat(self) -> tuple[str, str]:
        """(select list, relation) of the FLAT_COLUMNS of this level's events."""
        raise NotImplementedError


class _Mentions(_Level):
    def __init__(self, clustered: bool) -> None:
        super().__init__("mentions", "events e", "e", clustered)
        if clustered:
            # a mention was reported by as many outlets as its event (its cluster)
            self.sources = (
                "coalesce((SELECT c.num_sources FROM cluster_members cm JOIN event_clusters c ON c.id = cm.cluster_id "
                "WHERE cm.event_id = e.id), 1)"
            )

    def conditions(self, flt: EventFilter) -> tuple[list[str], list[Any]]:
        where, params = _row_conditions(flt, "e")
        member_where, member_params = _member_conditions(flt, "e")
        where += member_where
        params += member_params
        if flt.min_sources is not None and flt.min_sources > 1:
            where.append(f"{self.sources} >= ?")
            params.append(flt.min_sources)
        return where, params

    def fetch(self, con: Connection, ids: Sequence[str], with_document: bool = True) -> list[dict[str, Any]]:
        if not ids:
            return []
        wanted = [list(ids)]
        # three narrow lookups cost less than one query joining events to documents and clusters
        rows = _fetch_dicts(con, f"SELECT {_MENTION_SELECT} FROM events e {_IN_IDS.format(column='e.id')}", wanted)
        documents = {row["document_id"]: row for row in _fetch_dicts(
            con, f"SELECT d.id AS document_id, {_DOCUMENT_SELECT} FROM documents d {_IN_IDS.format(column='d.id')}",
            [sorted({r["document_id"] for r in rows})])} if with_document else {}
        clusters: dict[str, dict[str, Any]] = {}
        if self.clustered:
            clusters = {row["event_id"]: row for row in _fetch_dicts(con, (
                "SELECT cm.event_id, cm.cluster_id, cm.score AS cluster_score, c.num_mentions AS cluster_mentions, "
                "c.num_articles AS cluster_articles, c.num_sources AS cluster_sources "
                f"FROM (SELECT * FROM cluster_members cm {_IN_IDS.format(column='cm.event_id')}) cm "
                "JOIN event_clusters c ON c.id = cm.cluster_id"), wanted)}
        by_id = {}
        for row in rows:
            row.update(documents.get(row["document_id"], {}))
            row.update(clusters.get(row["id"], {}))
            by_id[row["id"]] = _mention_from_row(row, with_document)
        return [by_id[i] for i in ids if i in by_id]

    @property
    def documents_of(self) -> str:
        return "SELECT id AS event_id, document_id FROM events"

    @property
    def flat(self) -> tuple[str, str]:
        select = (
            "e.id, 'mention' AS level, e.type, e.mode, e.status, e.date_start, e.date_end, e.date_precision, "
            "e.source_name, e.source_country, e.source_sector, e.source_actor_id, "
            "e.target_name, e.target_country, e.target_sector, e.target_actor_id, "
            "e.location_name, e.location_country, e.location_admin1, e.location_lat AS lat, e.location_lon AS lon, "
            "e.location_precision, e.location_geonameid AS geonameid, e.killed, e.injured, e.cameo, e.quad_class, "
            "e.goldstein, e.acled_event_type, e.acled_sub_event_type, array_to_string(e.context, ';') AS context, "
            "1 AS mentions, 1 AS articles, "
            f"{self.sources} AS sources, e.sentence_index AS first_sentence_index, "
            f"e.evidence_sentence AS sentence, e.trigger, e.document_id, {_OUTLET} AS source_names, "
            "coalesce(d.url, d.source) AS urls, d.ingested_at AS added_at, e.confidence"
        )
        return select, "events e LEFT JOIN documents d ON d.id = e.document_id"


class _Clusters(_Level):
    def __init__(self, complete: bool) -> None:
        super().__init__("clusters", f"({_CLUSTER_COLUMNS if complete else _CLUSTER_ROWS}) x", "x", True)
        self.complete = complete  # every mention is in a cluster
        self.sources = "x.sources"

    def conditions(self, flt: EventFilter) -> tuple[list[str], list[Any]]:
        where, params = _row_conditions(flt, "x")
        # Actors, sectors and words are searched in every member: one article may name whom others do not.
        member_where, member_params = _member_conditions(flt, "e")
        if member_where:
            matching = f"SELECT e.id FROM events e WHERE {' AND '.join(member_where)}"
            terms = [f"x.id IN (SELECT cm.cluster_id FROM cluster_members cm WHERE cm.event_id IN ({matching}))"]
            params += member_params
            if not self.complete:  # an unclustered mention is a row of its own, under its own id
                terms.append(f"x.id IN ({matching})")
                params += member_params
            where.append("(" + " OR ".join(terms) + ")")
        if flt.min_sources is not None and flt.min_sources > 1:
            where.append("x.sources >= ?")
            params.append(flt.min_sources)
        return where, params

    def fetch(self, con: Connection, ids: Sequence[str]) -> list[dict[str, Any]]:
        if not ids:
            return []
        rows = _fetch_dicts(con, f"SELECT c.* FROM event_clusters c {_IN_IDS.format(column='c.id')}", [list(ids)])
        founders = {row["id"]: row for row in _fetch_dicts(con, (
            "SELECT e.id, e.evidence_sentence, e.sentence_index, e.evidence_start, e.evidence_end, e.trigger, "
            f"e.trigger_start, e.trigger_end, e.document_id FROM events e {_IN_IDS.format(column='e.id')}"
        ), [[row["founder_event_id"] for row in rows]])}
        by_id = {}
        for row in rows:
            founder = dict(founders.get(row["founder_event_id"]) or dict.fromkeys(
                ("evidence_sentence", "sentence_index", "evidence_start", "evidence_end", "trigger", "trigger_start",
                 "trigger_end", "document_id")))
            founder.pop("id", None)
            by_id[row["id"]] = _cluster_from_row(row | founder)
        missing = [i for i in ids if i not in by_id]
        by_id.update((m["id"], m) for m in _Mentions(True).fetch(con, missing))
        return [by_id[i] for i in ids if i in by_id]

    def detail(self, con: Connection, cluster_id: str) -> dict[str, Any] | None:
        found = [c for c in self.fetch(con, [cluster_id]) if c["level"] == "cluster"]
        if not found:
            return None
        cluster = found[0]
        members = [m for (m,) in con.execute(
            "SELECT event_id FROM cluster_members WHERE cluster_id = ?", [cluster_id]).fetchall()]
        mentions = _Mentions(True).fetch(con, members)
        # in the order they were reported: publication date, then document and position in it
        mentions.sort(key=lambda m: (m["document"]["published"] or "9999", m["document"]["id"], m["ordinal"], m["id"]))
        cluster["mentions"] = mentions
        return cluster

    @property
    def documents_of(self) -> str:
        members = ("SELECT cm.cluster_id AS event_id, e.document_id FROM cluster_members cm "
                   "JOIN events e ON e.id = cm.event_id")
        if self.complete:
            return members
        return members + " UNION ALL SELECT e.id, e.document_id FROM events e"

    @property
    def flat(self) -> tuple[str, str]:
        select = (
            "x.id, x.level, x.type, x.mode, x.status, x.date_start, x.date_end, x.date_precision, "
            "x.source_name, x.source_country, x.source_sector, x.source_actor_id, "
            "x.target_name, x.target_country, x.target_sector, x.target_actor_id, "
            "x.location_name, x.location_country, x.location_admin1, x.location_lat AS lat, x.location_lon AS lon, "
            "x.location_precision, x.location_geonameid AS geonameid, x.killed, x.injured, r.cameo, r.quad_class, "
            "r.goldstein, r.acled_event_type, r.acled_sub_event_type, array_to_string(r.context, ';') AS context, "
            "x.mentions, x.articles, x.sources, r.first_sentence_index, r.evidence_sentence AS sentence, r.trigger, "
            f"r.document_id, coalesce(array_to_string(x.outlets, '; '), {_OUTLET}) AS source_names, "
            "coalesce(d.url, d.source) AS urls, d.ingested_at AS added_at, x.confidence"
        )
        relation = (f"{self.relation} LEFT JOIN ({_REPRESENTATIVES}) r ON r.k = x.id "
                    "LEFT JOIN documents d ON d.id = r.document_id")
        return select, relation


def _row_conditions(flt: EventFilter, a: str) -> tuple[list[str], list[Any]]:
    """WHERE terms on an event's own row (alias `a`): dates, countries, admin1, type, status, box."""
    where: list[str] = []
    params: list[Any] = []
    if flt.since is not None:
        where.append(f"coalesce({a}.date_end, {a}.date_start) >= ?")
        params.append(flt.since)
    if flt.until is not None:
        where.append(f"coalesce({a}.date_start, {a}.date_end) <= ?")
        params.append(flt.until)
    if flt.country:
        codes = flt.values("country")
        marks = ", ".join("?" * len(codes))
        where.append(f"({a}.location_country IN ({marks}) OR {a}.source_country IN ({marks}) "
                     f"OR {a}.target_country IN ({marks}))")
        params += codes * 3
    if flt.admin1:
        where.append(f"lower({a}.location_admin1) = ?")
        params.append(flt.admin1.lower())
    for name in ("type", "status"):
        codes = flt.values(name)
        if codes:
            where.append(f"{a}.{name} IN ({', '.join('?' * len(codes))})")
            params += codes
    if flt.bbox is not None:
        terms, values = _bbox_terms(flt.bbox, f"{a}.location_lat", f"{a}.location_lon")
        where += terms
        params += values
    return where, params


def _member_conditions(flt: EventFilter, e: str) -> tuple[list[str], list[Any]]:
    """WHERE terms on a mention of the `events` table (alias `e`): actor, sector, text."""
    where: list[str] = []
    params: list[Any] = []
    if flt.actor:
        # an id as given ("WAGNER", "name:moura"), or a name or text containing the words
        needle = flt.actor.lower()
        terms = [f"lower({e}.{role}_actor_id) = ?" for role in ("source", "target")]
        params += [needle, needle]
        if needle.startswith(NAME_KEY_PREFIX):
            terms += [f"({e}.{role}_actor_id IS NULL AND lower({e}.{role}_name) = ?)" for role in ("source", "target")]
            params += [needle[len(NAME_KEY_PREFIX):]] * 2
        terms += [f"contains(lower({e}.{c}), ?)" for c in _ACTOR_MATCH_COLUMNS]
        params += [needle] * len(_ACTOR_MATCH_COLUMNS)
        where.append("(" + " OR ".join(terms) + ")")
    if flt.sector:
        codes = flt.values("sector")
        marks = ", ".join("?" * len(codes))
        where.append(f"({e}.source_sector IN ({marks}) OR {e}.target_sector IN ({marks}))")
        params += codes * 2
    if flt.text:
        where.append("(" + " OR ".join(f"contains(lower({e}.{c}), ?)" for c in _SEARCH_COLUMNS) + ")")
        params += [flt.text.lower()] * len(_SEARCH_COLUMNS)
    return where, params


def _bbox_terms(bbox: tuple[float, float, float, float], lat: str, lon: str) -> tuple[list[str], list[Any]]:
    west, south, east, north = bbox
    terms = [f"{lat} BETWEEN ? AND ?"]
    if west <= east:
        terms.append(f"{lon} BETWEEN ? AND ?")
    else:  # the box crosses the antimeridian
        terms.append(f"({lon} >= ? OR {lon} <= ?)")
    return terms, [south, north, west, east]


def _mention_from_row(row: dict[str, Any], with_document: bool) -> dict[str, Any]:
    event: dict[str, Any] = {"id": row["id"], "level": "mention"}
    for key in _SCALARS[1:]:
        event[key] = _plain(row[key])
    event["context"] = list(event["context"] or [])
    for key, columns in _EVENT_NESTED.items():
        part = {f: _plain(row[c]) for f, c in columns.items()}
        event[key] = part if key == "evidence" or any(v is not None for v in part.values()) else None
    speaker = row.get("quote_speaker")
    event["quote"] = None if row.get("quote_text") is None and speaker is None else {
        "speaker": dict(speaker) if speaker is not None else None, "text": row.get("quote_text")}
    event.update(_json(row.get("extra")) or {})
    event["ordinal"] = row["ordinal"]
    clustered = row.get("cluster_id") is not None
    event["cluster"] = {
        "id": row["cluster_id"], "score": row["cluster_score"], "mention_count": row["cluster_mentions"],
        "articles": row["cluster_articles"], "sources": row["cluster_sources"],
    } if clustered else None
    # A mention was reported as widely as its event: the cluster's counts, else its own article.
    event["sources"] = row["cluster_sources"] if clustered else 1
    event["articles"] = row["cluster_articles"] if clustered else 1
    if with_document:
        event["document"] = {
            "id": row["document_id"], "title": row["document_title"], "source": row["document_source"],
            "url": row["document_url"], "site": row["document_site"],
            "published": _plain(row["document_published"]),
        }
    return event


def _cluster_from_row(row: dict[str, Any]) -> dict[str, Any]:
    cluster: dict[str, Any] = {"id": row["id"], "level": "cluster", "type": row["type"], "mode": row["mode"],
                               "status": row["status"]}
    for key, columns in _CLUSTER_NESTED.items():
        part = {f: _plain(row[c]) for f, c in columns.items()}
        cluster[key] = part if any(v is not None for v in part.values()) else None
    cluster.update({
        "killed": row["killed"], "injured": row["injured"], "mention_count": row["num_mentions"],
        "articles": row["num_articles"], "sources": row["num_sources"], "outlets": list(row["outlets"] or []),
        "first_published": _plain(row["first_published"]), "last_published": _plain(row["last_published"]),
        "confidence": row["confidence"], "family": row["family"],
        # the earliest report's evidence, to show the event in a list
        "evidence": {f: _plain(row[c]) for f, c in _EVENT_NESTED["evidence"].items()}
        | {"document_id": row["document_id"]},
    })
    return cluster


def effective_level(con: Connection, level: str) -> str:
    """The level a request for `level` is answered at: "clusters" needs the cluster tables."""
    return _level(con, EventFilter(level=level)).name


def _level(con: Connection, flt: EventFilter) -> _Level:
    clustered = _has_clusters(con)
    if flt.level == "clusters" and clustered:
        row = con.execute("SELECT (SELECT count(*) FROM events) <= (SELECT count(*) FROM cluster_members)").fetchone()
        return _Clusters(complete=bool(row and row[0]))
    return _Mentions(clustered)


def _has_clusters(con: Connection) -> bool:
    return _has_table(con, "event_clusters", "cluster_members")


# -- helpers --------------------------------------------------------------------------------------


def _has_table(con: Connection, *names: str) -> bool:
    """Whether the store has every one of these tables (one catalogue lookup)."""
    row = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' AND database_name = current_database() "
        "AND table_name IN (SELECT unnest(?::VARCHAR[]))", [list(names)]).fetchone()
    return bool(row and row[0] == len(names))


def _where(terms: list[str]) -> str:
    return "WHERE " + " AND ".join(terms) if terms else ""


def _count_by(con: Connection, sql: str, ids: list[str]) -> dict[str, int]:
    if not ids:
        return {}
    return {key: int(n) for key, n in con.execute(sql, [ids]).fetchall()}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime.date):  # a datetime too
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _iso(value: datetime.date | None) -> str | None:
    return None if value is None else value.isoformat()


def _json(value: Any) -> Any:
    if isinstance(value, str):
        return json.loads(value)
    return value


def _blank_to_none(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def _codes(name: str, value: str | None, allowed: Sequence[str] | None, upper: bool = True) -> str | None:
    """"assault, coerce" → "ASSAULT,COERCE", each checked against `allowed`."""
    if value is None:
        return None
    codes = [c.strip().upper() if upper else c.strip().lower() for c in value.split(",") if c.strip()]
    if not codes:
        return None
    for code in codes:
        if allowed is not None and code not in allowed:
            raise InputError(name, f"{code!r} is not one of {', '.join(allowed)}")
        if allowed is None and not (code.isalpha() and len(code) <= 3):
            raise InputError(name, f"{code!r} is not an ISO 3166-1 alpha-3 code (or IGO)")
    return ",".join(dict.fromkeys(codes))


def _check_bbox(bbox: Sequence[float]) -> tuple[float, float, float, float]:
    if len(bbox) != 4 or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in bbox):
        raise InputError("bbox", f"must be four numbers west,south,east,north, not {bbox!r}")
    west, south, east, north = (float(v) for v in bbox)
    if not all(math.isfinite(v) for v in (west, south, east, north)):
        raise InputError("bbox", "must be finite numbers")
    if not (-180 <= west <= 180 and -180 <= east <= 180):
        raise InputError("bbox", f"west and east must be longitudes from -180 to 180, not {west} and {east}")
    if not (-90 <= south <= north <= 90):
        raise InputError("bbox", f"south and north must be latitudes from -90 to 90, south <= north, "
                                 f"not {south} and {north}")
    return west, south, east, north


def _check_limit(limit: int) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise InputError("limit", f"must be an integer from 1 to {MAX_LIMIT}, not {limit!r}")
    return limit


def _encode_cursor(kind: str, sort_key: str, last_id: str) -> str:
    raw = json.dumps([kind, sort_key, last_id], separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _decode_cursor(cursor: str | None, kind: str) -> tuple[str, str] | None:
    """The (sort key, last id) a cursor carries; InputError when it is not one of this listing's."""
    if cursor is None or cursor == "":
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise InputError("cursor", "is not a cursor given by this API") from None
    if (not isinstance(value, list) or len(value) != 3 or value[0] != kind
            or not all(isinstance(v, str) for v in value)):
        raise InputError("cursor", "is not a cursor of this listing")
    return value[1], value[2]


def _cursor_date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise InputError("cursor", "is not a cursor of this listing") from None
