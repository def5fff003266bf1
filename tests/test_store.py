"""Tests for tacitus.store: loading EVENT-SCHEMA documents into DuckDB and reading them back."""

from __future__ import annotations

import copy
import datetime
import shutil
import subprocess
import sys
import time
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tacitus.errors import InputError, StoreError
from tacitus.models import content_id, normalize_text
from tacitus.store import AddReport, Store, open_store

TEXT_MALI = (
    "Gunmen attacked a supply convoy near Mopti on Tuesday, killing four soldiers. "
    "The government said the army would send more troops to the centre of the country."
)
TEXT_SUDAN = (
    "Delegates of the two warring sides met in Jeddah on Saturday. "
    "The United Nations urged both parties to agree on a ceasefire."
)
TEXT_CONGO = "Protesters marched in Goma last week to demand that the peacekeepers leave the city."


def span(text: str, phrase: str) -> tuple[int, int]:
    start = text.index(phrase)
    return start, start + len(phrase)


def actor(text: str, phrase: str, name: str | None, country: str | None, sector: str | None,
          key: str | None) -> dict[str, Any]:
    start, end = span(text, phrase)
    return {"text": phrase, "name": name, "country": country, "sector": sector, "id": key,
            "start": start, "end": end}


def place(text: str, phrase: str, country: str, lat: float, lon: float, geonameid: int,
          admin1: str | None = None, precision: str = "point") -> dict[str, Any]:
    start, end = span(text, phrase)
    return {"text": phrase, "name": phrase, "country": country, "admin1": admin1, "lat": lat, "lon": lon,
            "geonameid": geonameid, "precision": precision, "start": start, "end": end}


def event(doc_id: str, text: str, sentence: str, trigger: str, type_: str, **fields: Any) -> dict[str, Any]:
    s_start, s_end = span(text, sentence)
    t_start, t_end = span(text, trigger)
    record: dict[str, Any] = {
        "id": content_id(doc_id, type_, str(t_start)),
        "type": type_, "mode": None, "context": [], "status": "asserted",
        "source": None, "target": None, "date": None, "location": None,
        "killed": None, "injured": None, "quantity": None,
        "cameo": None, "quad_class": None, "goldstein": None, "acled": None, "quote": None,
        "evidence": {"sentence": sentence, "sentence_index": text[:s_start].count(". "),
                     "start": s_start, "end": s_end, "trigger": trigger,
                     "trigger_start": t_start, "trigger_end": t_end},
        "confidence": 0.7,
    }
    record.update(fields)
    return record


def document(text: str, source: str, title: str, published: str) -> dict[str, Any]:
    return {
        "document": {"id": content_id(normalize_text(text)), "source": source, "input_id": None,
                     "title": title, "published": published, "language": "en", "text_chars": len(text),
                     "author": None, "site": None, "url": None, "captions": [], "text": text},
        "events": [], "places": [], "times": [], "actors": [],
    }


def mali() -> dict[str, Any]:
    t = TEXT_MALI
    doc = document(t, "news/mali.txt", "Convoy attacked near Mopti", "2023-06-29")
    doc_id = doc["document"]["id"]
    gunmen = actor(t, "Gunmen", None, None, "INS", None)
    soldiers = actor(t, "four soldiers", "Malian Armed Forces", "MLI", "MIL", "MLI-MIL")
    army = actor(t, "the army", "Malian Armed Forces", "MLI", "MIL", "MLI-MIL")
    government = actor(t, "The government", "Government of Mali", "MLI", "GOV", "MLI-GOV")
    mopti = place(t, "Mopti", "MLI", 14.4843, -4.18296, 2453348, admin1="Mopti")
    first = t.split(". ")[0] + "."
    second = t[len(first) + 1:]
    doc["events"] = [
        event(doc_id, t, first, "attacked", "ASSAULT", mode="firearms", context=["terrorism"],
              source=gunmen, target=soldiers, location=mopti,
              date={"text": "Tuesday", "start": "2023-06-27", "end": "2023-06-27", "precision": "day"},
              killed=4, cameo="190", quad_class=4, goldstein=-10.0,
              acled={"event_type": "Battles", "sub_event_type": "Armed clash"}),
        event(doc_id, t, second, "send more troops", "MOBILIZE", mode="deploy", status="planned",
              source=army, quote={"speaker": government, "text": "the army would send more troops"},
              cameo="15", quad_class=4, goldstein=-7.2, confidence=0.55),
    ]
    doc["places"] = [mopti]
    doc["actors"] = [gunmen, soldiers, government, army]
    start, end = span(t, "Tuesday")
    doc["times"] = [{"text": "Tuesday", "value": "2023-06-27", "start_date": "2023-06-27",
                     "end_date": "2023-06-27", "precision": "day", "start": start, "end": end}]
    return doc


def sudan() -> dict[str, Any]:
    t = TEXT_SUDAN
    doc = document(t, "news/sudan.txt", "Talks in Jeddah", "2023-05-08")
    doc_id = doc["document"]["id"]
    delegates = actor(t, "Delegates of the two warring sides", "Sudanese parties", "SDN", "GOV", None)
    un = actor(t, "The United Nations", "United Nations", "IGO", "IGO", "UN")
    parties = actor(t, "both parties", "Sudanese parties", "SDN", "GOV", None)
    jeddah = place(t, "Jeddah", "SAU", 21.54238, 39.19797, 105343, admin1="Makkah")
    first, second = t.split(". ")
    doc["events"] = [
        event(doc_id, t, first + ".", "met", "CONSULT", mode="meet", source=delegates, location=jeddah,
              date={"text": "Saturday", "start": "2023-05-06", "end": "2023-05-06", "precision": "day"},
              cameo="04", quad_class=1, goldstein=1.0),
        # no date at all: the since/until filters must leave it out
        event(doc_id, t, second, "urged", "REQUEST", mode="appeal", status="demanded", source=un,
              target=parties, context=["ceasefire"], cameo="10", quad_class=1, goldstein=-0.1),
    ]
    doc["places"] = [jeddah]
    doc["actors"] = [delegates, un, parties]
    return doc


def congo() -> dict[str, Any]:
    t = TEXT_CONGO
    doc = document(t, "news/goma.html", "Protest against peacekeepers in Goma", "2023-08-02")
    doc_id = doc["document"]["id"]
    protesters = actor(t, "Protesters", None, "COD", "PRO", None)
    blue_helmets = actor(t, "the peacekeepers", "MONUSCO", "IGO", "PKO", "MONUSCO")
    goma = place(t, "Goma", "COD", -1.67409, 29.22845, 215605, admin1="North Kivu")
    doc["events"] = [
        event(doc_id, t, t, "marched", "PROTEST", mode="demonstrate", context=["peacekeeping"],
              source=protesters, target=blue_helmets, location=goma,
              date={"text": "last week", "start": "2023-07-24", "end": "2023-07-30", "precision": "week"},
              cameo="141", quad_class=3, goldstein=-6.5,
              acled={"event_type": "Protests", "sub_event_type": "Peaceful protest"}),
    ]
    doc["document"]["captions"] = [{"start": 0, "end": 10}]
    doc["places"] = [goma]
    doc["actors"] = [protesters, blue_helmets]
    start, end = span(t, "last week")
    doc["times"] = [{"text": "last week", "value": "2023-W30", "start_date": "2023-07-24",
                     "end_date": "2023-07-30", "precision": "week", "start": start, "end": end}]
    return doc


def trigger_words(events: list[dict[str, Any]]) -> list[str]:
    return [e["evidence"]["trigger"] for e in events]


def snapshot(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
                for t in ("documents", "events", "actors", "places", "times", "migrations")}
    finally:
        con.close()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "events.duckdb"


@pytest.fixture
def store(db_path: Path):
    with Store(db_path) as s:
        s.add([mali(), sudan(), congo()])
        yield s


def test_add_reports_and_counts(db_path: Path) -> None:
    with open_store(db_path) as s:
        report = s.add([mali(), sudan(), congo()])
        assert report == AddReport(documents_added=3, documents_skipped=0, events_added=5)
        assert s.counts() == {"documents": 3, "events": 5, "actors": 9, "places": 3, "times": 2}


@pytest.mark.parametrize("build", [mali, sudan, congo])
def test_document_reads_back_as_it_came_in(store: Store, build) -> None:
    original = build()
    assert store.document(original["document"]["id"]) == original


def test_document_unknown_id(store: Store) -> None:
    assert store.document("0000000000000000") is None


def test_events_unfiltered_are_ordered_by_date_then_undated(store: Store) -> None:
    events = store.events()
    dated = ["met", "attacked", "marched"]
    undated = sorted([(mali()["document"]["id"], "send more troops"), (sudan()["document"]["id"], "urged")])
    assert trigger_words(events) == dated + [trigger for _, trigger in undated]


def test_events_carry_the_document_and_nest_like_the_schema(store: Store) -> None:
    (attack,) = store.events(type="ASSAULT")
    expected = mali()["events"][0]
    assert {k: v for k, v in attack.items() if not k.startswith("document_")} == expected
    assert attack["document_id"] == mali()["document"]["id"]
    assert attack["document_title"] == "Convoy attacked near Mopti"
    assert attack["document_source"] == "news/mali.txt"


@pytest.mark.parametrize(
    ("filters", "triggers"),
    [
        ({"country": "mli"}, ["attacked", "send more troops"]),
        # location only, source only, target only
        ({"country": "SAU"}, ["met"]),
        ({"country": "igo"}, ["marched", "urged"]),
        ({"country": "COD"}, ["marched"]),
        ({"country": "FRA"}, []),
        ({"type": "protest"}, ["marched"]),
        ({"type": "AGREE"}, []),
        ({"actor": "united nat"}, ["urged"]),       # source text
        ({"actor": "monusco"}, ["marched"]),        # target registry id
        ({"actor": "MALIAN ARMED"}, ["attacked", "send more troops"]),  # target and source name
        ({"actor": "both parties"}, ["urged"]),
        ({"since": datetime.date(2023, 7, 1)}, ["marched"]),
        ({"until": datetime.date(2023, 6, 1)}, ["met"]),
        # the week of the protest overlaps a two-day window inside it
        ({"since": datetime.date(2023, 7, 27), "until": datetime.date(2023, 7, 28)}, ["marched"]),
        ({"since": datetime.date(2023, 6, 27), "until": datetime.date(2023, 6, 27)}, ["attacked"]),
        ({"since": datetime.date(2023, 5, 7), "until": datetime.date(2023, 6, 26)}, []),
        ({"country": "MLI", "type": "mobilize"}, ["send more troops"]),
        ({"country": "MLI", "since": datetime.date(2023, 1, 1)}, ["attacked"]),
        ({"actor": "the", "type": "REQUEST"}, ["urged"]),
        ({"limit": 2}, ["met", "attacked"]),
        ({"limit": 0}, []),
    ],
)
def test_events_filters(store: Store, filters: dict[str, Any], triggers: list[str]) -> None:
    assert trigger_words(store.events(**filters)) == triggers


def test_events_rejects_a_negative_limit(store: Store) -> None:
    with pytest.raises(ValueError):
        store.events(limit=-1)


def test_adding_again_changes_nothing(db_path: Path) -> None:
    with Store(db_path) as s:
        s.add([mali(), sudan()])
    before = snapshot(db_path)
    with Store(db_path) as s:
        report = s.add([sudan(), mali()])
        assert report == AddReport(documents_added=0, documents_skipped=2, events_added=0)
        assert s.counts()["events"] == 4
    assert snapshot(db_path) == before


def test_a_duplicate_inside_one_batch_is_stored_once(db_path: Path) -> None:
    with Store(db_path) as s:
        report = s.add([mali(), congo(), mali()])
        assert report == AddReport(documents_added=2, documents_skipped=1, events_added=3)
        assert s.counts() == {"documents": 2, "events": 3, "actors": 6, "places": 2, "times": 2}


def test_mixed_batch_adds_only_the_new_documents(db_path: Path) -> None:
    with Store(db_path) as s:
        s.add([mali()])
        report = s.add([mali(), sudan()])
        assert report == AddReport(documents_added=1, documents_skipped=1, events_added=2)


def test_an_event_id_already_stored_is_not_added_twice(db_path: Path) -> None:
    other = congo()
    other["document"]["id"] = "feedfacefeedface"
    with Store(db_path) as s:
        s.add([congo()])
        report = s.add([other])
        assert report == AddReport(documents_added=1, documents_skipped=0, events_added=0)
        assert s.counts()["events"] == 1
        stored = s.document("feedfacefeedface")
        assert stored is not None and stored["events"] == []


def test_a_failing_batch_leaves_the_store_as_it_was(db_path: Path) -> None:
    with Store(db_path) as s:
        s.add([mali()])
    before = snapshot(db_path)
    bad = congo()
    bad["events"][0]["killed"] = "several"  # passes the shape checks, fails the INTEGER column
    with Store(db_path) as s:
        with pytest.raises(StoreError) as caught:
            s.add([sudan(), bad])
        message = str(caught.value)
        assert message.startswith(f"{db_path}:")
        assert "news/goma.html" in message and "event 1" in message and "several" in message
        assert "\n" not in message
        assert s.counts() == {"documents": 1, "events": 2, "actors": 4, "places": 1, "times": 1}
        assert s.document(sudan()["document"]["id"]) is None
        assert s.document(mali()["document"]["id"]) == mali()
        # the connection is still usable after the rollback
        assert s.add([sudan(), congo()]) == AddReport(2, 0, 3)
    after = snapshot(db_path)
    for table, rows in before.items():
        assert all(row in after[table] for row in rows), table


def test_malformed_shapes_raise_input_error_naming_the_document(db_path: Path) -> None:
    no_evidence = congo()
    del no_evidence["events"][0]["evidence"]
    no_id = sudan()
    del no_id["document"]["id"]
    bad_source = mali()
    bad_source["events"][0]["source"] = "Gunmen"
    with Store(db_path) as s:
        with pytest.raises(InputError, match=r"^news/goma\.html: event 1 .*evidence"):
            s.add([no_evidence])
        with pytest.raises(InputError, match=r"^news/sudan\.txt: document\.id"):
            s.add([no_id])
        with pytest.raises(InputError, match=r"^news/mali\.txt: event 1: 'source'"):
            s.add([bad_source])
        with pytest.raises(InputError, match=r"^document 2 of the batch: has no 'document'"):
            s.add([mali(), {"events": []}])
        assert s.counts()["documents"] == 0


def test_fields_the_schema_gains_later_are_kept(db_path: Path) -> None:
    doc = congo()
    doc["document"]["paywall"] = False
    doc["events"][0]["negation_cue"] = None
    doc["events"][0]["crowd"] = {"low": 200, "high": 500}
    with Store(db_path) as s:
        s.add([doc])
        assert s.document(doc["document"]["id"]) == doc
        (protest,) = s.events()
        assert protest["crowd"] == {"low": 200, "high": 500}


def test_date_objects_are_accepted(db_path: Path) -> None:
    doc = mali()
    doc["document"]["published"] = datetime.date(2023, 6, 29)
    with Store(db_path) as s:
        s.add([doc])
        stored = s.document(doc["document"]["id"])
        assert stored is not None and stored["document"]["published"] == "2023-06-29"


# The migrations tacitus ships, in the order they apply.
SHIPPED = sorted(p.name for p in resources.files("tacitus.store").joinpath("migrations").iterdir()
                 if p.name.endswith(".sql"))


def migration_names(path: Path) -> list[tuple[str, datetime.datetime]]:
    return sorted(snapshot(path)["migrations"])


def test_reopening_does_not_reapply_migrations(db_path: Path) -> None:
    with Store(db_path) as s:
        s.add([mali()])
    applied = migration_names(db_path)
    assert [name for name, _ in applied] == SHIPPED
    with Store(db_path) as s:
        assert s.counts()["documents"] == 1
    assert migration_names(db_path) == applied


@pytest.fixture
def migrations_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "migrations"
    shipped = resources.files("tacitus.store").joinpath("migrations")
    with resources.as_file(shipped) as src:
        shutil.copytree(src, folder)
    # would fail if run twice: the table exists and the column too
    (folder / "9998_topics.sql").write_text(
        "CREATE TABLE topics (id VARCHAR PRIMARY KEY, label VARCHAR);\n"
        "INSERT INTO topics VALUES ('c1', 'Goma protests');\n"
        "ALTER TABLE events ADD COLUMN topic_id VARCHAR;\n",
        encoding="utf-8",
    )
    return folder


def test_a_new_migration_is_applied_once(db_path: Path, migrations_dir: Path) -> None:
    with Store(db_path) as s:
        s.add([mali()])
    with Store(db_path, migrations_dir=migrations_dir) as s:
        # the new column is filled from the field of the same name
        doc = congo()
        doc["events"][0]["topic_id"] = "c1"
        s.add([doc])
        assert s.document(doc["document"]["id"]) == doc
        (attack,) = s.events(type="ASSAULT")
        assert attack["topic_id"] is None
    applied = migration_names(db_path)
    assert [name for name, _ in applied] == [*SHIPPED, "9998_topics.sql"]
    with Store(db_path, migrations_dir=migrations_dir) as s:
        assert s.counts()["documents"] == 2
    assert migration_names(db_path) == applied
    con = duckdb.connect(str(db_path), read_only=True)
    assert con.execute("SELECT count(*) FROM topics").fetchone() == (1,)
    con.close()


def test_a_failing_migration_is_rolled_back(db_path: Path, tmp_path: Path, migrations_dir: Path) -> None:
    (migrations_dir / "9999_broken.sql").write_text(
        "CREATE TABLE half (x INTEGER);\nSELECT * FROM no_such_table;\n", encoding="utf-8"
    )
    with pytest.raises(StoreError, match=r"migration 9999_broken\.sql failed"):
        Store(db_path, migrations_dir=migrations_dir)
    applied = [name for name, _ in migration_names(db_path)]
    assert applied == [*SHIPPED, "9998_topics.sql"]
    con = duckdb.connect(str(db_path), read_only=True)
    assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'half'").fetchone() == (0,)
    con.close()


def test_read_only_refuses_a_database_behind_on_migrations(db_path: Path, migrations_dir: Path) -> None:
    Store(db_path).close()
    with pytest.raises(StoreError, match="database schema is older than this tacitus") as caught:
        Store(db_path, read_only=True, migrations_dir=migrations_dir)
    assert str(caught.value).startswith(f"{db_path}: ")


def test_read_only_reads_but_does_not_write(db_path: Path) -> None:
    with Store(db_path) as s:
        s.add([sudan()])
    with Store(db_path, read_only=True) as s:
        assert trigger_words(s.events(country="sdn")) == ["met", "urged"]
        with pytest.raises(StoreError, match="read-only"):
            s.add([mali()])


def test_read_only_on_a_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "none.duckdb"
    with pytest.raises(StoreError, match=rf"^{missing}: no such database"):
        Store(missing, read_only=True)
    assert not missing.exists()


@pytest.mark.parametrize("content", [b"id,title\n1,not a database\n", b"SQLite format 3\x00" + b"\x00" * 100])
def test_a_file_that_is_not_duckdb(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(content)
    with pytest.raises(StoreError, match="not a DuckDB database") as caught:
        Store(path)
    assert str(caught.value) == f"{path}: not a DuckDB database"
    assert path.read_bytes() == content


def test_an_empty_file_becomes_a_new_database(tmp_path: Path) -> None:
    path = tmp_path / "fresh.duckdb"
    path.touch()
    with Store(path) as s:
        assert s.add([congo()]).documents_added == 1


def test_a_directory_that_cannot_be_created(tmp_path: Path) -> None:
    blocker = tmp_path / "plain-file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(StoreError, match="cannot create the directory") as caught:
        Store(blocker / "sub" / "events.duckdb")
    assert str(caught.value).startswith(f"{blocker / 'sub' / 'events.duckdb'}: ")


def test_a_database_locked_by_another_process(db_path: Path) -> None:
    Store(db_path).close()
    hold = ("import sys, duckdb; con = duckdb.connect(sys.argv[1]); "
            "print('ready', flush=True); sys.stdin.read()")
    holder = subprocess.Popen(
        [sys.executable, "-c", hold, str(db_path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        with pytest.raises(StoreError, match=rf"^{db_path}: locked by another process"):
            Store(db_path)
    finally:
        assert holder.stdin is not None and holder.stdout is not None
        holder.stdin.close()
        holder.wait(timeout=30)
        holder.stdout.close()


def test_a_closed_store_says_so(db_path: Path) -> None:
    s = Store(db_path)
    s.close()
    s.close()
    with pytest.raises(StoreError, match="closed"):
        s.counts()


def test_bulk_load_stays_well_under_a_second_per_thousand_events(db_path: Path) -> None:
    # Row-by-row inserts cost about 1 ms a row; this batch would then take 8 s or more.
    template = mali()
    batch = []
    for i in range(200):
        doc = copy.deepcopy(template)
        doc["document"]["id"] = f"{i:016x}"
        doc["events"] = [
            dict(copy.deepcopy(template["events"][j % 2]), id=f"{i:08x}{j:08x}") for j in range(20)
        ]
        batch.append(doc)
    with Store(db_path) as s:
        started = time.perf_counter()
        report = s.add(batch)
        elapsed = time.perf_counter() - started
    assert report == AddReport(200, 0, 4000)
    assert elapsed < 4.0, f"{elapsed:.2f} s for 4,000 events"


def test_in_memory_store() -> None:
    with Store(":memory:") as s:
        batch = [copy.deepcopy(d) for d in (mali(), sudan())]
        assert s.add(batch) == AddReport(2, 0, 4)
        assert batch == [mali(), sudan()]  # the input is not modified
        assert trigger_words(s.events(country="SDN")) == ["met", "urged"]
