"""Tests for tacitus.store.query: filters, keyset pages, counts, map points, documents, actors, places.

The store holds short articles written for these tests (tests/desk_store.py), coded by the real
pipeline and clustered. Each listing is checked against a reference computed in Python from the
raw rows, so the tests hold whatever the pipeline codes, and fail when the SQL disagrees.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from desk_store import build_documents, build_store
from tacitus.errors import InputError
from tacitus.store import Store
from tacitus.store import query as q
from tacitus.store.query import EventFilter

UNDATED = datetime.date(1, 1, 1)


@pytest.fixture(scope="module")
def db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_store(tmp_path_factory.mktemp("query") / "desk.duckdb")


@pytest.fixture
def con(db_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with q.connect(db_path) as connection:
        yield connection


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description or []]
    return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


# -- a reference implementation of the filters, in Python over raw rows -----------------------------


def mentions(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    return rows(con, "SELECT e.*, c.num_sources FROM events e LEFT JOIN cluster_members m ON m.event_id = e.id "
                     "LEFT JOIN event_clusters c ON c.id = m.cluster_id")


def clusters(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Clusters with their member mentions, and unclustered mentions as events of their own."""
    members: dict[str, list[dict[str, Any]]] = {}
    for row in rows(con, "SELECT m.cluster_id, e.* FROM cluster_members m JOIN events e ON e.id = m.event_id"):
        members.setdefault(row["cluster_id"], []).append(row)
    out = []
    for row in rows(con, "SELECT * FROM event_clusters"):
        out.append(dict(row, members=members[row["id"]]))
    for row in rows(con, "SELECT * FROM events WHERE id NOT IN (SELECT event_id FROM cluster_members)"):
        out.append(dict(row, num_sources=1, members=[row]))
    return out


def actor_key(row: dict[str, Any], role: str) -> str | None:
    if row[f"{role}_actor_id"]:
        return str(row[f"{role}_actor_id"])
    name = row[f"{role}_name"]
    return None if name is None else "name:" + name.lower()


def member_matches(row: dict[str, Any], flt: EventFilter) -> bool:
    if flt.actor:
        needle = flt.actor.lower()
        keys = [(actor_key(row, r) or "").lower() for r in ("source", "target")]
        texts = [(row[c] or "").lower() for c in ("source_name", "source_text", "target_name", "target_text")]
        if needle not in keys and not any(needle in t for t in texts):
            return False
    if flt.sector and not {row["source_sector"], row["target_sector"]} & set(flt.sector.split(",")):
        return False
    if flt.text:
        columns = ("evidence_sentence", "source_text", "source_name", "target_text", "target_name", "location_text",
                   "location_name")
        if not any(flt.text.lower() in (row[c] or "").lower() for c in columns):
            return False
    return True


def row_matches(row: dict[str, Any], flt: EventFilter) -> bool:
    start, end = row["date_start"], row["date_end"]
    if flt.since and not ((end or start) and (end or start) >= flt.since):
        return False
    if flt.until and not ((start or end) and (start or end) <= flt.until):
        return False
    if flt.country and not {row["location_country"], row["source_country"], row["target_country"]} & set(
            flt.country.split(",")):
        return False
    if flt.admin1 and (row["location_admin1"] or "").lower() != flt.admin1.lower():
        return False
    if flt.type and row["type"] not in flt.type.split(","):
        return False
    if flt.status and row["status"] not in flt.status.split(","):
        return False
    if flt.bbox:
        west, south, east, north = flt.bbox
        lat, lon = row["location_lat"], row["location_lon"]
        if lat is None or lon is None or not south <= lat <= north:
            return False
        if not (west <= lon <= east if west <= east else lon >= west or lon <= east):
            return False
    return True


def reference(con: duckdb.DuckDBPyConnection, flt: EventFilter) -> list[str]:
    """Ids of the events `flt` selects, in listing order: newest first, then id."""
    flt = flt.validated()
    if flt.level == "mentions":
        found = [r for r in mentions(con) if row_matches(r, flt) and member_matches(r, flt)
                 and (flt.min_sources or 0) <= (r["num_sources"] or 1)]
    else:
        found = [r for r in clusters(con) if row_matches(r, flt) and any(member_matches(m, flt) for m in r["members"])
                 and (flt.min_sources or 0) <= r["num_sources"]]
    found.sort(key=lambda r: r["id"])
    found.sort(key=lambda r: r["date_start"] or UNDATED, reverse=True)
    return [r["id"] for r in found]


def all_pages(con: duckdb.DuckDBPyConnection, flt: EventFilter, limit: int) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    for _ in range(1000):
        page = q.list_events(con, flt, limit=limit, cursor=cursor)
        assert len(page.items) <= limit
        items += page.items
        cursor = page.next_cursor
        if cursor is None:
            return items
        assert len(page.items) == limit  # only a full page has a next one
    raise AssertionError("pages never ended")


# -- the store itself -------------------------------------------------------------------------------


def test_the_store_has_what_the_tests_need(con: duckdb.DuckDBPyConnection) -> None:
    # An ambush near Gao reported by three outlets is one event with three sources.
    (gao,) = [c for c in clusters(con) if c["num_sources"] == 3]
    assert gao["type"] == "ASSAULT" and gao["location_country"] == "MLI"
    assert len({m["document_id"] for m in gao["members"]}) == 3
    assert len(mentions(con)) > len(clusters(con)) >= 8


FILTERS = [
    EventFilter(),
    EventFilter(since=datetime.date(2024, 1, 1)),
    EventFilter(until=datetime.date(2023, 12, 31)),
    EventFilter(since=datetime.date(2024, 2, 1), until=datetime.date(2024, 2, 29)),
    # inside a month-long window (arrests in Niamey "last month"): it overlaps, so it matches
    EventFilter(since=datetime.date(2024, 1, 15), until=datetime.date(2024, 1, 20)),
    EventFilter(country="mli"),
    EventFilter(country="COD,SDN"),
    EventFilter(country="IGO"),
    EventFilter(admin1="north kivu"),
    EventFilter(actor="wagner"),
    EventFilter(actor="WAGNER"),
    EventFilter(actor="u.s. treasury"),
    EventFilter(actor="name:militants"),
    EventFilter(sector="MIL"),
    EventFilter(sector="pro,pko"),
    EventFilter(type="ASSAULT"),
    EventFilter(type="protest,request"),
    EventFilter(status="claimed"),
    EventFilter(status="asserted,claimed"),
    EventFilter(min_sources=2),
    EventFilter(min_sources=3),
    EventFilter(bbox=(-5.0, 10.0, 5.0, 20.0)),
    EventFilter(bbox=(20.0, -5.0, 40.0, 20.0)),
    EventFilter(bbox=(170.0, -90.0, -170.0, 90.0)),  # across the antimeridian: nothing there
    EventFilter(text="convoy"),
    EventFilter(text="Goma"),
    EventFilter(type="ASSAULT", country="MLI", min_sources=2),
    EventFilter(type="ASSAULT", since=datetime.date(2023, 1, 1), text="civilians"),
]


@pytest.mark.parametrize("level", ["clusters", "mentions"])
@pytest.mark.parametrize("flt", FILTERS, ids=lambda f: repr({k: v for k, v in vars(f).items() if v}))
def test_list_events_matches_the_reference(con: duckdb.DuckDBPyConnection, flt: EventFilter, level: str) -> None:
    flt = EventFilter(**{**vars(flt), "level": level})
    expected = reference(con, flt)
    got = [item["id"] for item in all_pages(con, flt, limit=100)]
    assert got == expected


def test_a_window_overlapping_the_filter_matches(con: duckdb.DuckDBPyConnection) -> None:
    found = q.list_events(con, EventFilter(since=datetime.date(2024, 1, 15), until=datetime.date(2024, 1, 20)),
                          limit=100).items
    assert any(i["date"]["start"] < "2024-01-15" and i["date"]["end"] > "2024-01-20" for i in found)


def test_filters_select_something_and_not_everything(con: duckdb.DuckDBPyConnection) -> None:
    # The reference comparison is only worth something if filters narrow the listing.
    total = len(reference(con, EventFilter()))
    sizes = [len(reference(con, flt)) for flt in FILTERS[1:]]
    assert sum(1 for n in sizes if 0 < n < total) >= len(sizes) - 3


@pytest.mark.parametrize("level", ["clusters", "mentions"])
@pytest.mark.parametrize("limit", [1, 2, 3, 7])
def test_pages_join_up_to_the_whole_listing(con: duckdb.DuckDBPyConnection, level: str, limit: int) -> None:
    flt = EventFilter(level=level)
    whole = [item["id"] for item in q.list_events(con, flt, limit=1000).items]
    paged = [item["id"] for item in all_pages(con, flt, limit)]
    assert paged == whole
    assert len(set(paged)) == len(paged)


def test_a_page_that_ends_the_listing_exactly_has_no_next_cursor(con: duckdb.DuckDBPyConnection) -> None:
    total = len(reference(con, EventFilter()))
    page = q.list_events(con, EventFilter(), limit=total)
    assert len(page.items) == total and page.next_cursor is None
    page = q.list_events(con, EventFilter(), limit=total - 1)
    assert page.next_cursor is not None
    rest = q.list_events(con, EventFilter(), limit=total, cursor=page.next_cursor)
    assert len(rest.items) == 1 and rest.next_cursor is None


def test_a_cursor_keeps_its_place_when_newer_events_arrive(db_path: Path, tmp_path: Path) -> None:
    from tacitus.cluster import cluster_new

    path = tmp_path / "growing.duckdb"
    path.write_bytes(db_path.read_bytes())
    with q.connect(path) as con:
        first = q.list_events(con, EventFilter(), limit=3)
        before = [i["id"] for i in all_pages(con, EventFilter(), limit=3)]
    newer = build_documents()[0] | {}
    newer = {**newer, "document": {**newer["document"], "id": "feedfeedfeedfeed", "published": "2025-01-02"},
             "events": [{**e, "id": f"{e['id'][:8]}newer{n:03d}",
                         "date": {"text": None, "start": "2025-01-01", "end": "2025-01-01", "precision": "day"}}
                        for n, e in enumerate(build_documents()[0]["events"])]}
    with Store(path) as store:
        store.add([newer])
        cluster_new(store)
    with q.connect(path) as con:
        assert q.list_events(con, EventFilter(), limit=1).items[0]["date"]["start"] == "2025-01-01"
        rest = all_pages_from(con, first.next_cursor)
    assert [i["id"] for i in first.items] + rest == before


def all_pages_from(con: duckdb.DuckDBPyConnection, cursor: str | None) -> list[str]:
    ids: list[str] = []
    while cursor is not None:
        page = q.list_events(con, EventFilter(), limit=3, cursor=cursor)
        ids += [i["id"] for i in page.items]
        cursor = page.next_cursor
    return ids


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"since": datetime.date(2024, 2, 1), "until": datetime.date(2024, 1, 1)}, "until"),
    ({"since": "2024-01-01"}, "since"),
    ({"level": "events"}, "level"),
    ({"min_sources": -1}, "min_sources"),
    ({"min_sources": True}, "min_sources"),
    ({"type": "ASSAULT,PARADE"}, "type"),
    ({"status": "rumoured"}, "status"),
    ({"sector": "ARMY"}, "sector"),
    ({"country": "MALI"}, "country"),
    ({"country": "M1"}, "country"),
    ({"bbox": (0.0, 10.0, 5.0)}, "bbox"),
    ({"bbox": (0.0, 20.0, 5.0, 10.0)}, "bbox"),
    ({"bbox": (-200.0, 0.0, 5.0, 10.0)}, "bbox"),
    ({"bbox": (0.0, 0.0, float("nan"), 10.0)}, "bbox"),
])
def test_bad_filters_name_their_field(con: duckdb.DuckDBPyConnection, kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as caught:
        q.list_events(con, EventFilter(**kwargs))
    assert caught.value.source == field


@pytest.mark.parametrize(("call", "field"), [
    (lambda con: q.list_events(con, EventFilter(), limit=0), "limit"),
    (lambda con: q.list_events(con, EventFilter(), limit=1001), "limit"),
    (lambda con: q.list_events(con, EventFilter(), cursor="not a cursor"), "cursor"),
    (lambda con: q.list_events(con, EventFilter(level="clusters"),
                               cursor=q.list_events(con, EventFilter(level="mentions"), limit=1).next_cursor),
     "cursor"),
    (lambda con: q.list_documents(con, cursor=q.list_events(con, EventFilter(), limit=1).next_cursor), "cursor"),
    (lambda con: q.list_actors(con, cursor="WyJhIiwieCIsInkiXQ"), "cursor"),
    (lambda con: q.count_events(con, EventFilter(), interval="hour"), "interval"),
    (lambda con: q.count_events(con, EventFilter(), by="actor"), "by"),
    (lambda con: q.map_points(con, EventFilter(), limit=0), "limit"),
])
def test_bad_arguments_name_their_field(con: duckdb.DuckDBPyConnection, call: Any, field: str) -> None:
    with pytest.raises(InputError) as caught:
        call(con)
    assert caught.value.source == field


def test_parse_bbox() -> None:
    assert q.parse_bbox(" -5, 10 ,5,20") == (-5.0, 10.0, 5.0, 20.0)
    for text in ("1,2,3", "a,b,c,d", "0,0,0,0,0", "0,95,1,96"):
        with pytest.raises(InputError, match="bbox"):
            q.parse_bbox(text)


# -- one event ----------------------------------------------------------------------------------------


def test_a_cluster_comes_with_its_mentions_and_their_evidence(con: duckdb.DuckDBPyConnection) -> None:
    (listed,) = q.list_events(con, EventFilter(min_sources=3)).items
    cluster = q.get_event(con, listed["id"])
    assert cluster is not None and cluster["level"] == "cluster"
    assert cluster["sources"] == cluster["articles"] == 3
    assert len(cluster["mentions"]) == listed["mention_count"] >= 3
    texts = {r["id"]: r["text"] for r in rows(con, "SELECT id, text FROM documents")}
    for mention in cluster["mentions"]:
        assert mention["cluster"]["id"] == cluster["id"]
        text = texts[mention["document"]["id"]]
        evidence = mention["evidence"]
        assert text[evidence["trigger_start"]:evidence["trigger_end"]] == evidence["trigger"]
        assert text[evidence["start"]:evidence["end"]].strip() == evidence["sentence"]
        assert mention["document"]["url"].startswith("https://")
    # the listing shows the same event as its page, which adds the mentions
    assert {k: v for k, v in cluster.items() if k != "mentions"} == listed


def test_a_mention_is_found_by_its_id(con: duckdb.DuckDBPyConnection) -> None:
    for mention in mentions(con):
        found = q.get_event(con, mention["id"])
        assert found is not None and found["level"] == "mention" and found["id"] == mention["id"]
        assert found["document"]["id"] == mention["document_id"]


def test_mention_fields_are_the_stored_event_schema(db_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    with Store(db_path, read_only=True) as store:
        stored = {e["id"]: e for e in store.events()}
    for event_id, event in stored.items():
        found = q.get_event(con, event_id)
        if found is None or found["level"] == "cluster":
            continue
        for key in ("type", "mode", "context", "status", "source", "target", "date", "location", "killed",
                    "injured", "quantity", "cameo", "quad_class", "goldstein", "acled", "quote", "evidence",
                    "confidence"):
            assert found[key] == event[key], key


def test_unknown_event(con: duckdb.DuckDBPyConnection) -> None:
    assert q.get_event(con, "0000000000000000") is None
    assert q.get_event(con, "'; DROP TABLE events; --") is None


def test_unclustered_mentions_still_appear_at_the_cluster_level(tmp_path: Path) -> None:
    path = build_store(tmp_path / "unclustered.duckdb", cluster=False)
    with q.connect(path) as con:
        items = q.list_events(con, EventFilter(), limit=1000).items
        assert items and {i["level"] for i in items} == {"mention"}
        assert len(items) == len(mentions(con))
        assert q.effective_level(con, "clusters") == "clusters"


# -- counts, map, stats ------------------------------------------------------------------------------


def period(day: datetime.date, interval: str) -> datetime.date:
    if interval == "week":
        return day - datetime.timedelta(days=day.weekday())
    if interval == "month":
        return day.replace(day=1)
    if interval == "year":
        return day.replace(month=1, day=1)
    return day


@pytest.mark.parametrize("level", ["clusters", "mentions"])
@pytest.mark.parametrize("interval", ["day", "week", "month", "year"])
@pytest.mark.parametrize("by", ["type", "status", "country"])
def test_count_events_groups_like_the_listing(con: duckdb.DuckDBPyConnection, level: str, interval: str,
                                               by: str) -> None:
    flt = EventFilter(level=level)
    items = q.list_events(con, flt, limit=1000).items
    column = {"type": "type", "status": "status", "country": "location"}[by]
    expected: Counter[tuple[str, Any]] = Counter()
    for item in items:
        start = (item["date"] or {}).get("start")
        if start is None:
            continue
        value = item[column] if by != "country" else (item["location"] or {}).get("country")
        expected[(period(datetime.date.fromisoformat(start), interval).isoformat(), value)] += 1
    got = {(row["period"], row[by]): row["n"] for row in q.count_events(con, flt, interval, by)}
    assert got == dict(expected)


def test_count_events_sums_the_killed(con: duckdb.DuckDBPyConnection) -> None:
    rows_ = q.count_events(con, EventFilter(type="ASSAULT"), "year")
    killed = sum(i["killed"] or 0 for i in q.list_events(con, EventFilter(type="ASSAULT"), limit=1000).items
                 if i["date"])
    assert sum(r["killed"] or 0 for r in rows_) == killed > 0


@pytest.mark.parametrize("level", ["clusters", "mentions"])
def test_map_points_are_the_located_events(con: duckdb.DuckDBPyConnection, level: str) -> None:
    flt = EventFilter(level=level)
    located = {i["id"] for i in q.list_events(con, flt, limit=1000).items
               if i["location"] and i["location"]["lat"] is not None}
    points = q.map_points(con, flt)
    assert {p["id"] for p in points} == located
    capped = q.map_points(con, flt, limit=2)
    assert len(capped) == 2
    # the best-sourced events are kept
    assert capped[0]["sources"] == max(p["sources"] for p in points)


def test_stats(con: duckdb.DuckDBPyConnection) -> None:
    totals = q.stats(con, EventFilter(country="MLI"))
    items = q.list_events(con, EventFilter(country="MLI"), limit=1000).items
    assert totals["events"] == len(items)
    assert totals["level"] == "clusters"
    assert sum(t["n"] for t in totals["by_type"]) == len(items)
    assert totals["killed"] == sum(i["killed"] or 0 for i in items)
    member_documents = {m["document"]["id"] for i in items
                        for m in (q.get_event(con, i["id"]) or {}).get("mentions", [i])}
    assert totals["documents"] == len(member_documents) >= 3


@pytest.mark.parametrize("level", ["clusters", "mentions"])
def test_results_say_the_level_they_were_read_at(con: duckdb.DuckDBPyConnection, level: str) -> None:
    flt = EventFilter(level=level, country="MLI")
    assert q.list_events(con, flt, limit=2).level == level == q.effective_level(con, level)
    assert q.map_points(con, flt).level == level
    assert q.list_documents(con).level is None
    totals, counts = q.stats_and_counts(con, flt, "month", "status")
    assert totals == q.stats(con, flt) and totals["level"] == level
    assert counts == q.count_events(con, flt, "month", "status")


# -- documents --------------------------------------------------------------------------------------


def test_list_documents_pages_newest_first(con: duckdb.DuckDBPyConnection) -> None:
    docs = rows(con, "SELECT id, published FROM documents")
    expected = [d["id"] for d in sorted(sorted(docs, key=lambda d: d["id"]), key=lambda d: d["published"],
                                        reverse=True)]
    seen: list[str] = []
    cursor = None
    while True:
        page = q.list_documents(con, limit=3, cursor=cursor)
        seen += [d["id"] for d in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == expected
    counts = dict(con.execute("SELECT document_id, count(*) FROM events GROUP BY ALL").fetchall())
    for doc in q.list_documents(con, limit=100).items:
        assert doc["events"] == counts.get(doc["id"], 0)


def test_list_documents_searches_titles_and_texts(con: duckdb.DuckDBPyConnection) -> None:
    assert {d["title"] for d in q.list_documents(con, text="GOMA").items} == {
        "Thousands march in Goma", "Protest against peacekeepers in eastern Congo"}
    assert len(q.list_documents(con, text="ceasefire").items) == 1
    assert q.list_documents(con, text="no such words anywhere").items == []


def test_get_document_gives_text_and_annotations_with_offsets(db_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    for original in build_documents():
        doc_id = original["document"]["id"]
        found = q.get_document(con, doc_id)
        assert found is not None
        text = found["document"]["text"]
        assert text == original["document"]["text"]
        assert [e["id"] for e in found["events"]] == [e["id"] for e in original["events"]]
        for table in ("places", "times", "actors"):
            assert found[table] == original[table]
            for mention in found[table]:
                assert text[mention["start"]:mention["end"]] == mention["text"]
        for event in found["events"]:
            assert text[event["evidence"]["trigger_start"]:event["evidence"]["trigger_end"]] == \
                event["evidence"]["trigger"]
    assert q.get_document(con, "0000000000000000") is None


def test_a_near_copy_is_linked_both_ways(db_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "copies.duckdb"
    path.write_bytes(db_path.read_bytes())
    first, second = (d["document"]["id"] for d in build_documents()[:2])
    with q.connect(path, write=True) as con:
        con.execute("INSERT INTO document_duplicates VALUES (?, ?, 0.9)", [second, first])
        copy = q.get_document(con, second)
        original = q.get_document(con, first)
    assert copy is not None and original is not None
    assert copy["duplicates"] == [{"document_id": first, "relation": "copy_of", "similarity": 0.9}]
    assert original["duplicates"] == [{"document_id": second, "relation": "copied_by", "similarity": 0.9}]


# -- actors and places ------------------------------------------------------------------------------


def test_list_actors_pages_and_searches(con: duckdb.DuckDBPyConnection) -> None:
    whole = q.list_actors(con, limit=1000).items
    weights = [a["documents"] for a in whole]
    assert whole and len({a["id"] for a in whole}) == len(whole)
    paged: list[str] = []
    cursor = None
    while True:
        page = q.list_actors(con, limit=4, cursor=cursor)
        paged += [a["id"] for a in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert paged == [a["id"] for a in whole]
    assert all(w >= 1 for w in weights)
    wagner = q.list_actors(con, query="wagner").items
    assert [a["id"] for a in wagner] == ["WAGNER"]
    assert wagner[0]["country"] == "RUS" and wagner[0]["as_target"] >= 1


def test_get_actor_counts_who_acts_on_whom(con: duckdb.DuckDBPyConnection) -> None:
    events = mentions(con)
    for actor in q.list_actors(con, limit=1000).items:
        found = q.get_actor(con, actor["id"])
        assert found is not None and found["id"] == actor["id"]
        as_source = [e for e in events if actor_key(e, "source") == actor["id"]]
        as_target = [e for e in events if actor_key(e, "target") == actor["id"]]
        assert sum(c["n"] for c in found["acts_on"]) == len(as_source) == actor["as_source"]
        assert sum(c["n"] for c in found["acted_on_by"]) == len(as_target) == actor["as_target"]
        assert Counter({(c["id"], c["type"]): c["n"] for c in found["acts_on"]}) == Counter(
            (actor_key(e, "target"), e["type"]) for e in as_source)
        dated = [e for e in as_source + as_target if e["date_start"] is not None]
        assert sum(m["n"] for m in found["by_month"]) == len(dated)
    treasury = q.get_actor(con, "US_TREASURY")
    assert treasury is not None
    assert {(c["id"], c["type"]) for c in treasury["acts_on"]} == {("WAGNER", "SANCTION")}
    assert treasury["affiliations"][0]["country"] == "USA"
    assert q.get_actor(con, "NO_SUCH_ACTOR") is None


def test_list_places(con: duckdb.DuckDBPyConnection) -> None:
    places = q.list_places(con, limit=1000).items
    assert {"Gao", "Goma", "El Fasher"} <= {p["name"] for p in places}
    gao = [p for p in places if p["name"] == "Gao"][0]
    assert gao["country"] == "MLI" and gao["events"] >= 3 and gao["documents"] >= 3
    assert {p["country"] for p in q.list_places(con, country="cod", limit=100).items} == {"COD"}
    assert [p["name"] for p in q.list_places(con, query="fasher").items] == ["El Fasher"]
    paged: list[int] = []
    cursor = None
    while True:
        page = q.list_places(con, limit=2, cursor=cursor)
        paged += [p["id"] for p in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert paged == [p["id"] for p in places]


# -- the flat rows of the exports --------------------------------------------------------------------


@pytest.mark.parametrize("level", ["clusters", "mentions"])
def test_event_rows_follow_the_listing(con: duckdb.DuckDBPyConnection, level: str) -> None:
    flt = EventFilter(level=level, type="ASSAULT")
    sql, params = q.event_rows(con, flt)
    cursor = con.execute(sql, params)
    assert tuple(d[0] for d in cursor.description or []) == q.FLAT_COLUMNS
    flat = cursor.fetchall()
    assert [r[0] for r in flat] == reference(con, flt)
