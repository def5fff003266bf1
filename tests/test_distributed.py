"""Tests for tacitus.batch.distributed: ingest on a Dask cluster through Parquet partitions.

A LocalCluster of two worker processes codes a small corpus written for these tests, and the
database it gives must equal the one the single-process engine gives (ids and rows, times of
writing aside); re-running it is a no-op. An unreachable scheduler fails fast with one line.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

import tacitus.batch.distributed as distributed
from desk_store import pipeline_once, snapshot
from tacitus.batch import IngestOptions, run_ingest
from tacitus.batch.dedup import signature
from tacitus.batch.distributed import dask_client, read_partition, run_distributed_ingest, write_partition
from tacitus.batch.worker import ItemOutcome
from tacitus.cli import cli
from tacitus.errors import InputError
from tacitus.store import Store

# Short reports written for this test: varied event types, places, dates and one syndicated copy.
ARTICLES = [
    ("Gunmen attack convoy near Menaka",
     "Gunmen attacked a supply convoy near Menaka on Sunday, killing three drivers, a regional official said. "
     "The army said it had sent troops to secure the road."),
    ("Niger and Benin agree to reopen border",
     "Niger and Benin agreed on Tuesday to reopen their shared border after talks in Niamey, the two foreign "
     "ministers said in a joint statement."),
    ("Protesters rally in Kinshasa",
     "Hundreds of students protested in Kinshasa on Monday against rising fees. Police fired tear gas and "
     "arrested twelve people, witnesses said."),
    ("UN mission sends peacekeepers to Bunia",
     "The United Nations mission in Congo deployed peacekeepers to Bunia on Thursday after militia attacks on "
     "displacement camps killed at least nine people."),
    ("EU sanctions Sudanese commanders",
     "The European Union imposed sanctions on Wednesday on two commanders of the Rapid Support Forces, accusing "
     "them of attacks on civilians in El Fasher."),
    ("Ethiopia accuses Eritrea of troop build-up",
     "Ethiopia accused Eritrea on Friday of massing troops along their border and warned that it would defend "
     "its territory."),
    ("Somali forces retake town from al-Shabaab",
     "Somali government forces recaptured the town of Adan Yabaal from al-Shabaab fighters on Saturday, the "
     "defence ministry said. The militants withdrew without a fight."),
    ("Kenya sends aid to flood victims",
     "Kenya delivered food and tents to families displaced by floods in Garissa on Monday, the Red Cross said."),
    ("Burkina junta rejects ECOWAS demand",
     "Burkina Faso's military government rejected on Tuesday a demand by ECOWAS to set a date for elections, "
     "calling it interference."),
    ("Talks between Sudan's rivals open in Jeddah",
     "Envoys of the Sudanese army and the Rapid Support Forces met in Jeddah on Sunday for talks on a ceasefire, "
     "Saudi officials said."),
    ("Mali army arrests suspected militants in Mopti",
     "Malian soldiers arrested fourteen suspected militants in Mopti on Wednesday after a raid on a market, a "
     "military spokesman said."),
    ("Chad threatens to expel French envoy",
     "Chad's government threatened on Thursday to expel the French ambassador over remarks it called "
     "insulting, a minister told reporters."),
    ("Gunmen kill convoy drivers near Menaka",
     "Gunmen attacked a supply convoy near Menaka on Sunday, killing three drivers, a regional official told "
     "reporters. The army said it had sent troops to secure the road."),
    ("Ugandan troops clash with rebels in Ituri",
     "Ugandan soldiers clashed with ADF rebels in Ituri province on Friday; the army said eleven rebels were "
     "killed and two soldiers wounded."),
]

def write_corpus(path: Path) -> Path:
    lines = [json.dumps({"id": f"r{i}", "title": title, "text": f"{title}\n\n{body}",
                         "published": f"2024-03-{10 + i:02d}"}) for i, (title, body) in enumerate(ARTICLES)]
    lines.insert(5, "{not json")  # an unreadable item: logged as an error by either engine
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_partition_round_trip(tmp_path: Path) -> None:
    document = {"document": {"id": "abc", "title": "t"}, "text": "x",
                "events": [{"id": "e1", "type": "ASSAULT", "killed": 3, "location": {"country": "MLI", "lat": 1.5}},
                           {"id": "e2", "type": "AGREE", "date": {"start": "2024-03-01", "end": "2024-03-02"}}]}
    outcomes = [ItemOutcome("k1", "s1", document, signature("one two three four five six seven")),
                ItemOutcome("k2", "s2", error="s2: empty article")]
    documents = write_partition(outcomes, tmp_path, "p1", with_events=True)
    assert read_partition(documents) == outcomes
    rows = duckdb.sql(f"SELECT document_id, ordinal, event_id, type, killed, location_country, lat, date_end "
                      f"FROM '{tmp_path}/events-*.parquet' ORDER BY ordinal").fetchall()
    assert [r[:4] for r in rows] == [("abc", 0, "e1", "ASSAULT"), ("abc", 1, "e2", "AGREE")]
    assert rows[0][4:7] == (3, "MLI", 1.5) and str(rows[1][7]) == "2024-03-02"
    assert not list(tmp_path.glob("*.partial"))
    write_partition(outcomes, tmp_path, "p2")  # events partitions only when asked for (a kept --parquet-dir)
    assert (tmp_path / "documents-p2.parquet").exists() and not (tmp_path / "events-p2.parquet").exists()
    with pytest.raises(Exception, match="not visible here"):
        read_partition(tmp_path / "documents-missing.parquet")


def test_local_cluster_equals_single_process(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus.jsonl")
    single_db, dist_db, parts = tmp_path / "single.duckdb", tmp_path / "dist.duckdb", tmp_path / "parts"
    pipeline = pipeline_once()
    options = IngestOptions(workers=1, batch_size=4, chunk_size=4)
    with Store(single_db) as store:
        single = run_ingest([str(corpus)], store, options, load_pipeline=lambda: pipeline)
    assert single.added == len(ARTICLES) and single.errors == 1 and single.events > len(ARTICLES)

    with dask_client("local", workers=2) as client:
        assert len(client.scheduler_info()["workers"]) == 2
        with Store(dist_db) as store:
            stats = run_distributed_ingest([str(corpus)], store, client, parts, options)
            again = run_distributed_ingest([str(corpus)], store, client, parts, options)
            logged = store.ingest_errors()
    assert (stats.added, stats.events, stats.errors, stats.duplicates) == \
           (single.added, single.events, single.errors, single.duplicates)
    assert stats.duplicates == 1  # the syndicated Menaka report
    assert stats.workers == 2 and len(stats.worker_peak_rss) == 2  # both worker processes coded
    assert (again.added, again.resumed, again.coded) == (0, len(ARTICLES), 1)  # only the error is retried
    assert [row["source"] for row in logged] == [f"{corpus}:6"] and "not valid JSON" in logged[0]["message"]
    assert snapshot(dist_db) == snapshot(single_db)

    # the partitions hold the same events, queryable without the store
    stored = {r[0] for r in duckdb.connect(str(dist_db), read_only=True).execute("SELECT id FROM events").fetchall()}
    in_parts = duckdb.sql(f"SELECT DISTINCT event_id FROM '{parts}/events-*.parquet'").fetchall()
    assert {r[0] for r in in_parts} == stored


def test_unreachable_scheduler_fails_fast_with_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = write_corpus(tmp_path / "corpus.jsonl")
    monkeypatch.setattr(distributed, "CONNECT_TIMEOUT", 1.0)
    started = time.perf_counter()
    with pytest.raises(InputError, match="tcp://127.0.0.1:1: no Dask scheduler answers"):
        with dask_client("tcp://127.0.0.1:1"):
            pass
    result = CliRunner().invoke(cli, ["ingest", str(corpus), "--db", str(tmp_path / "x.duckdb"),
                                      "--scheduler", "tcp://127.0.0.1:1", "--no-progress"])
    assert time.perf_counter() - started < 15
    assert result.exit_code != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "tcp://127.0.0.1:1" in lines[0] and lines[0].startswith("Error: "), result.stderr
    with pytest.raises(InputError, match="not a Dask scheduler address"):
        with dask_client("127.0.0.1:8786"):
            pass
