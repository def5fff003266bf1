"""Tests for tacitus.batch: the ingest engine, resumable jobs, the error log, near-duplicates and progress.

Articles are written for these tests: a few by hand (near-duplicates and their controls) and a corpus
composed from sentence templates. Most runs code in this process with one shared Pipeline; one test
starts two worker processes, and one kills `tacitus ingest` with SIGKILL five times and resumes it.
"""

from __future__ import annotations

import io
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, cast

import duckdb
import pytest
from click.testing import CliRunner
from rich.console import Console

import tacitus.cli as cli_module
from desk_store import pipeline_once, snapshot
from tacitus.batch import IngestOptions, IngestStats, dedup, run_ingest
from tacitus.batch.progress import IngestProgress
from tacitus.cli import cli
from tacitus.models import Article, DocumentResult
from tacitus.pipeline import Pipeline
from tacitus.store import Store

# -- articles ---------------------------------------------------------------------------------------

KIDAL = """Drone strike hits fuel depot near Kidal

KIDAL, Mali - A drone struck a fuel depot on the northern outskirts of Kidal on Tuesday, setting off a fire that
burned through the night, residents and a local official said.

The official, who asked not to be named, said four guards were killed and two trucks destroyed. The Malian army
said in a statement that it had targeted a logistics base used by armed groups in the region.

Traders in the town said fuel prices doubled within hours as queues formed at the two stations still open. Many
families have left for Algeria since fighting resumed in the area last year.

A coalition of armed groups that controls parts of the region accused the army of hitting a civilian business
and said it would respond."""

# The same wire story as a syndication partner ran it: new headline and byline, a dateline
# dropped, a few words edited, the last paragraph cut.
KIDAL_COPY = """Fire rages after drone hits Kidal fuel depot

By Staff Reporter

A drone struck a fuel depot on the northern outskirts of Kidal on Tuesday, setting off a fire that burned all
through the night, residents and a local official said.

The official, who asked not to be named, said four guards were killed and two trucks were destroyed. The Malian
army said in a statement that it had targeted a logistics base used by armed groups in the region.

Traders in the town said fuel prices doubled within hours as long queues formed at the two stations still open.
Many families have left for Algeria since fighting resumed in the area last year."""

# The same event, reported by another newsroom in its own words: not a near-duplicate.
KIDAL_OTHER = """Mali army says it destroyed rebel supply base

BAMAKO - Mali's armed forces said on Wednesday that an air operation a day earlier had destroyed a supply
base of armed groups close to Kidal.

Witnesses in Kidal described a large blaze at a fuel storage site and said several people guarding it had died.
Rebel leaders said the site belonged to a trader and called the strike an attack on civilians.

Fuel has become scarce across the north since the road from Gao was cut, and the price of petrol in Kidal
markets has risen sharply."""

GOMA = """Thousands march in Goma against insecurity

GOMA, Democratic Republic of Congo - Thousands of people marched through Goma on Saturday to protest against
killings in the surrounding hills, blocking the main road to the airport for several hours.

Police fired tear gas when a group of young men tried to reach the governor's office. Organisers said at least
ten people were arrested and several injured.

The march was called by citizen movements that accuse the authorities and the United Nations mission of failing
to protect villages north of the city, where dozens of farmers have been killed since January."""

GOMA_COPY = """Goma residents rally over killings; police use tear gas

By Our Correspondent

Thousands of people marched through Goma on Saturday to protest against killings in the surrounding hills,
blocking the main road to the airport for several hours.

Police fired tear gas when a group of young men tried to reach the governor's office. Organisers said at least
ten people were arrested and a number of others injured.

The march was called by citizen movements that accuse the authorities and the United Nations mission of failing
to protect villages north of the city, where dozens of farmers have been killed since January."""

HARBOUR = """Port of Mombasa reopens after strike

MOMBASA, Kenya - Dock workers in Mombasa returned to work on Monday after a three-day strike over unpaid
allowances ended with an agreement between their union and the port authority.

Shipping lines said it would take a week to clear the backlog of containers. The union said the deal included
back pay for all workers and a review of night-shift rates."""


def jsonl(path: Path, records: Iterable[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


# A corpus for the long runs, composed from templates: every article differs in places, actors,
# numbers and sentence choice.
TOWNS = ("Gao", "Mopti", "Timbuktu", "Menaka", "Djibo", "Dori", "Fada N'Gourma", "Tillaberi", "Diffa", "Maradi",
         "Bunia", "Beni", "Butembo", "Goma", "Uvira", "Malakal", "Bentiu", "Bor", "El Geneina", "Nyala")
GROUPS = ("gunmen", "jihadist fighters", "armed men on motorcycles", "rebel fighters", "militiamen")
FORCES = ("the army", "soldiers", "police officers", "peacekeepers", "the national guard")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
OPENINGS = (
    "{group} attacked a market in {town} on {day}, killing {n} civilians, local officials said.",
    "{group} raided a village near {town} on {day} and abducted {n} people, according to residents.",
    "{forces} arrested {n} suspects in {town} on {day} after a night of clashes, a spokesman said.",
    "Hundreds of people protested in {town} on {day} against a wave of killings in nearby villages.",
)
MIDDLES = (
    "Witnesses said the attackers burned shops and stole cattle before leaving toward the {side}.",
    "The governor of the region announced a curfew from dusk to dawn and asked residents to stay calm.",
    "{forces} said they had sent reinforcements to {town2} and were searching the surrounding area.",
    "Aid workers said {m} families had fled to {town2}, where schools were turned into shelters.",
    "A local leader accused the authorities of ignoring warnings about the attack for several weeks.",
    "The United Nations called on all sides to protect civilians and to allow aid to reach the area.",
    "Hospital staff in {town2} said they had treated {m} wounded people since the morning.",
    "Traders said the main road to {town2} had been closed, and food prices were rising quickly.",
)
CLOSINGS = (
    "Violence has displaced more than {k} thousand people in the region this year.",
    "No group has claimed responsibility for the attack.",
    "The government said it would hold talks with community leaders next week.",
    "Residents said they feared further attacks before the rainy season.",
)


def composed_article(index: int) -> dict[str, Any]:
    rng = random.Random(index)
    town, town2 = rng.sample(TOWNS, 2)
    slots = {"town": town, "town2": town2, "group": rng.choice(GROUPS), "forces": rng.choice(FORCES),
             "day": rng.choice(DAYS), "n": rng.randint(2, 40), "m": rng.randint(10, 300), "k": rng.randint(5, 90),
             "side": rng.choice(("north", "south", "east", "west"))}
    opening = rng.choice(OPENINGS).format(**slots)
    body = [opening[0].upper() + opening[1:]]
    for sentence in rng.sample(MIDDLES, 3):
        sentence = sentence.format(**slots)
        body.append(sentence[0].upper() + sentence[1:])
    body.append(rng.choice(CLOSINGS).format(**slots))
    paragraphs = [" ".join(body[i:i + 2]) for i in range(0, len(body), 2)]
    title = f"Violence in {town}: report {index}"
    return {"id": f"story-{index}", "title": title, "published": f"2024-0{1 + index % 9}-1{index % 10}",
            "text": title + "\n\n" + "\n\n".join(paragraphs)}


# -- fixtures and helpers ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return pipeline_once()


def ingest(paths: Sequence[Path | str], db: Path, pipeline: Pipeline, **options: Any) -> IngestStats:
    with Store(db) as store:
        return run_ingest([str(p) for p in paths], store, IngestOptions(**{"workers": 1, **options}),
                          load_pipeline=lambda: pipeline)


def document_ids(db: Path) -> dict[str, str]:
    """title → document id"""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return dict(con.execute("SELECT title, id FROM documents").fetchall())
    finally:
        con.close()


# -- near-duplicates --------------------------------------------------------------------------------


def test_minhash_estimates_similarity() -> None:
    copy, other = dedup.signature(KIDAL_COPY), dedup.signature(KIDAL_OTHER)
    original = dedup.signature(KIDAL)
    assert len(original.minhash) == dedup.PERMUTATIONS and len(original.buckets) == dedup.BANDS
    exact = len(dedup.shingles(KIDAL) & dedup.shingles(KIDAL_COPY)) / len(dedup.shingles(KIDAL) |
                                                                         dedup.shingles(KIDAL_COPY))
    assert exact > 0.5 and abs(dedup.similarity(original.minhash, copy.minhash) - exact) < 0.12
    assert dedup.similarity(original.minhash, other.minhash) < 0.1
    assert set(original.buckets) & set(copy.buckets)  # the pair is found by LSH
    assert dedup.signature(KIDAL) == original  # deterministic
    assert dedup.signature("") == dedup.Signature((), 0, ())


def test_best_match_is_independent_of_candidate_order() -> None:
    sig = dedup.signature(GOMA).minhash
    same = {"b": sig, "a": sig, "c": dedup.signature(HARBOUR).minhash}
    assert dedup.best_match(sig, same) == ("a", 1.0)
    assert dedup.best_match(sig, dict(reversed(list(same.items())))) == ("a", 1.0)
    assert dedup.best_match(sig, {"c": same["c"]}) is None


def test_syndicated_copies_are_linked_within_a_batch_and_against_the_store(tmp_path: Path,
                                                                           pipeline: Pipeline) -> None:
    db = tmp_path / "news.duckdb"
    first = jsonl(tmp_path / "first.jsonl", [
        {"id": "kidal", "text": KIDAL, "published": "2024-05-08"},
        {"id": "goma", "text": GOMA, "published": "2024-05-12"},
        {"id": "kidal-other", "text": KIDAL_OTHER, "published": "2024-05-08"},
        {"id": "kidal-copy", "text": KIDAL_COPY, "published": "2024-05-08"},
        {"id": "harbour", "text": HARBOUR, "published": "2024-05-13"},
    ])
    stats = ingest([first], db, pipeline)
    assert (stats.added, stats.duplicates, stats.errors) == (5, 1, 0)
    later = jsonl(tmp_path / "later.jsonl", [{"id": "goma-copy", "text": GOMA_COPY, "published": "2024-05-12"}])
    assert ingest([later], db, pipeline).duplicates == 1
    ids = document_ids(db)
    with Store(db, read_only=True) as store:
        links = {(row["document_id"], row["duplicate_of"]) for row in store.duplicates()}
        assert links == {(ids["Fire rages after drone hits Kidal fuel depot"],
                          ids["Drone strike hits fuel depot near Kidal"]),
                         (ids["Goma residents rally over killings; police use tear gas"],
                          ids["Thousands march in Goma against insecurity"])}
        assert all(0.4 <= row["similarity"] <= 1.0 for row in store.duplicates())
        # the copy keeps its events: the clustering counts it as another source
        copy = store.document(ids["Fire rages after drone hits Kidal fuel depot"])
        assert copy is not None and copy["events"]


# -- resumable jobs, error log, re-ingest -----------------------------------------------------------


def test_reingest_is_a_noop_and_skips_by_key(tmp_path: Path, pipeline: Pipeline) -> None:
    db = tmp_path / "news.duckdb"
    corpus = jsonl(tmp_path / "corpus.jsonl", [composed_article(i) for i in range(6)])
    first = ingest([corpus], db, pipeline, batch_size=4, chunk_size=4)
    assert (first.added, first.resumed, first.items) == (6, 0, 6) and first.events > 0
    before = snapshot(db)
    second = ingest([corpus], db, pipeline)
    assert (second.added, second.resumed, second.events, second.coded) == (0, 6, 0, 0)
    assert snapshot(db) == before
    # the same documents under another name: new keys, documents already stored
    copy = tmp_path / "copy.jsonl"
    copy.write_bytes(corpus.read_bytes())
    third = ingest([copy], db, pipeline)
    assert (third.added, third.present, third.events) == (0, 6, 0)
    after = snapshot(db)
    assert {k: v for k, v in after.items() if k != "ingest_items"} == \
           {k: v for k, v in before.items() if k != "ingest_items"}
    assert sorted(row[3] for row in after["ingest_items"]) == ["added"] * 6 + ["present"] * 6


class ExplodingPipeline:
    """Pipeline.run that fails on any batch holding the word BOOM, as a stage bug would."""

    def __init__(self, real: Pipeline) -> None:
        self.real = real

    def run(self, articles: Iterable[Article], batch_size: int = 16) -> Iterator[DocumentResult]:
        batch = list(articles)
        if any("BOOM" in a.text for a in batch):
            raise RuntimeError("parser exploded\non two lines")
        return self.real.run(batch, batch_size)


def test_bad_items_are_logged_and_never_stop_the_batch(tmp_path: Path, pipeline: Pipeline) -> None:
    db = tmp_path / "news.duckdb"
    corpus = tmp_path / "mixed.jsonl"
    corpus.write_text("\n".join([
        json.dumps(composed_article(1)),
        "{not json",
        json.dumps({"id": "empty", "text": "   "}),
        json.dumps({"id": "boom", "text": "Rebels said BOOM as they shelled the town of Beni on Monday."}),
        json.dumps(composed_article(2)),
    ]) + "\n", encoding="utf-8")
    missing = tmp_path / "missing.txt"
    exploding = cast(Pipeline, ExplodingPipeline(pipeline))
    with Store(db) as store:
        stats = run_ingest([str(corpus), str(missing)], store, IngestOptions(workers=1),
                           load_pipeline=lambda: exploding)
        assert (stats.added, stats.errors) == (2, 4)
        logged = store.ingest_errors()
    by_source = {row["source"]: row["message"] for row in logged}
    assert set(by_source) == {f"{corpus}:2", f"{corpus}:3", f"{corpus}:4", str(missing)}
    assert "not valid JSON" in by_source[f"{corpus}:2"] and "empty article" in by_source[f"{corpus}:3"]
    assert "coding failed (RuntimeError: parser exploded on two lines)" in by_source[f"{corpus}:4"]
    assert all("\n" not in m for m in by_source.values())

    # errors are tried again by the next run; what was stored is not
    missing.write_text("Soldiers detained a journalist in Bamako on Friday, his employer said.\n", encoding="utf-8")
    again = ingest([corpus, missing], db, pipeline)
    assert (again.resumed, again.added, again.errors) == (2, 2, 2)
    with Store(db, read_only=True) as store:
        assert {row["source"] for row in store.ingest_errors()} == {f"{corpus}:2", f"{corpus}:3"}
        assert len(store.ingest_errors(limit=1)) == 1

    runner = CliRunner()
    table = runner.invoke(cli, ["errors", "--db", str(db)])
    assert table.exit_code == 0, table.output
    assert "empty article" in table.stdout and "2 error(s)" in table.stdout
    as_json = runner.invoke(cli, ["errors", "--db", str(db), "--format", "json", "--limit", "5"])
    rows = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert as_json.exit_code == 0 and len(rows) == 2
    assert set(rows[0]) == {"key", "source", "message", "logged_at"}
    assert all(row["key"].startswith(str(corpus)) for row in rows)


def test_cli_ingest_reports_errors_and_duplicates(tmp_path: Path, pipeline: Pipeline,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_module, "_load_pipeline", lambda: pipeline)
    corpus = jsonl(tmp_path / "wire.jsonl", [{"id": "a", "text": GOMA}, {"id": "b", "text": GOMA_COPY},
                                             {"id": "c", "text": ""}])
    db = tmp_path / "news.duckdb"
    result = CliRunner().invoke(cli, ["ingest", str(corpus), "--db", str(db), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "2 document(s) added, 0 already stored" in result.stderr
    assert "1 error(s), 1 near-duplicate(s) linked" in result.stderr
    assert "\x1b[" not in result.stderr and "docs/s" not in result.stderr  # no bar without a terminal
    again = CliRunner().invoke(cli, ["ingest", str(corpus), "--db", str(db), "--no-progress"])
    assert again.exit_code == 0 and "0 document(s) added, 2 already stored" in again.stderr


def test_progress_bar_draws_documents_events_rate_and_errors(tmp_path: Path, pipeline: Pipeline) -> None:
    corpus = jsonl(tmp_path / "wire.jsonl", [composed_article(3), {"id": "bad", "text": ""}])
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=150)
    with Store(tmp_path / "news.duckdb") as store, IngestProgress(console) as bar:
        stats = run_ingest([str(corpus)], store, IngestOptions(workers=1), progress=bar,
                           load_pipeline=lambda: pipeline)
    drawn = out.getvalue()
    assert "2/2" in drawn and f"{stats.events} events" in drawn and "docs/s" in drawn and "1 errors" in drawn
    assert "empty article" in drawn
    quiet = io.StringIO()
    with IngestProgress(Console(file=quiet, force_terminal=True), enabled=False) as bar:
        bar.update(stats)
    assert quiet.getvalue() == ""


def test_inputs_are_counted_only_for_a_bar_that_is_drawn(tmp_path: Path, pipeline: Pipeline) -> None:
    corpus = jsonl(tmp_path / "wire.jsonl", [composed_article(3), composed_article(4)])
    totals = []
    for enabled in (True, False):
        with Store(tmp_path / f"news-{enabled}.duckdb") as store, \
                IngestProgress(Console(file=io.StringIO()), enabled=enabled) as bar:
            totals.append(run_ingest([str(corpus)], store, IngestOptions(workers=1), progress=bar,
                                     load_pipeline=lambda: pipeline).total)
    assert totals == [2, None]


# -- processes ----------------------------------------------------------------------------------------


def test_two_worker_processes_store_what_one_process_stores(tmp_path: Path, pipeline: Pipeline) -> None:
    corpus = jsonl(tmp_path / "corpus.jsonl", [composed_article(i) for i in range(10)] + [
        {"id": "kidal", "text": KIDAL}, {"id": "kidal-copy", "text": KIDAL_COPY}])
    one = ingest([corpus], tmp_path / "one.duckdb", pipeline, chunk_size=3, batch_size=5)
    # A memory limit every worker passes: the pool is renewed once its queue has drained.
    two = ingest([corpus], tmp_path / "two.duckdb", pipeline, workers=2, chunk_size=2, batch_size=5,
                 worker_memory_limit=1)
    assert two.workers == 2 and two.pool_renewals >= 1
    # workers of the first pool and of its successor coded (a pool starts its processes as work comes)
    assert len(two.worker_peak_rss) >= 2 and os.getpid() not in two.worker_peak_rss
    assert one.added == two.added == 12 and two.duplicates == one.duplicates >= 1
    assert snapshot(tmp_path / "one.duckdb") == snapshot(tmp_path / "two.duckdb")


def wal_size(db: Path) -> int:
    wal = Path(f"{db}.wal")
    return wal.stat().st_size if wal.exists() else 0


def kill_after_a_commit(command: list[str], db: Path, rng: random.Random) -> int | None:
    """Start `command`, wait for its first commit (the write-ahead log grows), let it run a random
    while longer, and SIGKILL it; None when it finished first, else the kill signal."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        # Opening the store replays the log of the last killed run and truncates it: only growth
        # beyond the smallest size seen is a commit of this run.
        baseline = wal_size(db)
        deadline = time.monotonic() + 60
        while process.poll() is None and time.monotonic() < deadline:
            size = wal_size(db)
            if size > baseline:
                break
            baseline = size
            time.sleep(0.02)
        time.sleep(rng.uniform(0.0, 0.3))
        if process.poll() is not None:
            return None
        process.send_signal(signal.SIGKILL)
        return -process.wait()
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        assert process.stderr is not None
        process.stderr.close()


def test_killed_ingest_resumes_to_the_uninterrupted_result(tmp_path: Path, pipeline: Pipeline) -> None:
    corpus = jsonl(tmp_path / "corpus.jsonl", [composed_article(i) for i in range(64)] + [
        {"id": "goma", "text": GOMA}, {"id": "goma-copy", "text": GOMA_COPY}, {"id": "empty", "text": ""}])
    reference = tmp_path / "reference.duckdb"
    expected = ingest([corpus], reference, pipeline, batch_size=4)
    assert (expected.added, expected.errors) == (66, 1) and expected.duplicates >= 1

    db = tmp_path / "killed.duckdb"
    Store(db).close()  # migrated before the first run, so its first commit is a batch of items
    command = [sys.executable, "-m", "tacitus.cli", "ingest", str(corpus), "--db", str(db), "--workers", "1",
               "--batch-size", "4", "--no-progress"]
    rng = random.Random(5)
    done_after_kill = []
    for _ in range(5):
        killed = kill_after_a_commit(command, db, rng)
        # a killed writer leaves a database that opens, with whole batches only
        with Store(db) as store:
            rows = store._connection().execute(
                "SELECT count(*), count(DISTINCT document_id) FILTER (WHERE status = 'added') FROM ingest_items"
            ).fetchone()
            assert rows is not None
            assert rows[1] == store.counts()["documents"]
        done_after_kill.append((killed, rows[0]))
    assert any(signal_ == signal.SIGKILL and 0 < done < 67 for signal_, done in done_after_kill), done_after_kill
    final = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr
    assert snapshot(db) == snapshot(reference)
