"""Latency of the HTTP API on a store of 100,000 events, measured from a second process over loopback.

    python benchmarks/api_latency.py [--db bench-api.duckdb] [--events 100000] [--articles 400]
                                     [--requests 60] [--rebuild] [--json FILE]

The store (built once, kept in --db; --rebuild makes it again):
 1. Synthetic articles: `--articles` short news stories, each a title and two to four sentences
    drawn from the templates of benchmarks/api_latency_data.json, filled with real towns, armed
    groups, capitals and IGOs of 20 countries (all 16 PLOVER types are among the templates). The
    real pipeline codes them: the events, actors, places and evidence offsets are tacitus's own.
 2. Multiplied to `--events` event mentions by Store.add of generated EVENT-SCHEMA documents: each
    coded article becomes many *stories*, each with a random publication date in 2022-2024 (event
    dates move with it, precision kept) and reported by one to four outlets (one document per
    outlet, same text, its own id, URL and site). Ids are new; texts, offsets and evidence are the
    coded ones. So the store has the variety of the templates (types, actors, ~100 towns in 20
    countries, casualty figures) spread over three years, and real duplicates across outlets.
 3. Clustered by `tacitus.cluster.cluster_new` (rebuild): a story's reports become one event.

Then `tacitus serve --db FILE` runs in a subprocess (uvicorn, read-only) and this process sends
`--requests` requests per query with httpx over 127.0.0.1 after two warm-up requests, one at a
time, and prints the median (p50) and 95th percentile (p95) wall time per query in milliseconds.
"""

from __future__ import annotations

import argparse
import copy
import datetime
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
DATA = HERE / "api_latency_data.json"
FIRST_DAY = datetime.date(2022, 1, 1)
DAYS = 3 * 365
MAX_OUTLETS_PER_STORY = 4
BATCH_DOCUMENTS = 2000
SEED = 20240601


# -- 1. synthetic articles, coded by the pipeline ----------------------------------------------------


def write_articles(count: int, rng: random.Random) -> list[tuple[str, datetime.date]]:
    """`count` (text, publication date) pairs filled from the templates, each about one country."""
    data = json.loads(DATA.read_text(encoding="utf-8"))
    articles = []
    for _ in range(count):
        country = rng.choice(data["countries"])
        published = FIRST_DAY + datetime.timedelta(days=rng.randrange(DAYS))
        title = fill(rng.choice(data["titles"]), country, data, rng)
        sentences = [fill(s, country, data, rng) for s in rng.sample(data["sentences"], rng.randint(2, 4))]
        articles.append((title + "\n\n" + " ".join(sentences), published))
    return articles


def fill(template: str, country: dict[str, Any], data: dict[str, Any], rng: random.Random) -> str:
    text = template.format(
        town=rng.choice(country["towns"]), country=country["name"], people=country["people"],
        capital=country["capital"], group=rng.choice(country["groups"]), igo=rng.choice(data["igos"]),
        day=rng.choice(data["days"]), n=rng.choice(data["numbers"]))
    return text[0].upper() + text[1:]


def code_articles(articles: list[tuple[str, datetime.date]]) -> list[dict[str, Any]]:
    from tacitus.ingest import extract_article
    from tacitus.models import RawDocument
    from tacitus.pipeline import Pipeline

    pipeline = Pipeline.load()
    coded = []
    for index, (text, published) in enumerate(articles):
        raw = RawDocument(source=f"synthetic/{index:05d}.txt", content=text, kind="text")
        coded.append(extract_article(raw, published=published))
    documents = []
    for result in pipeline.run(coded):
        doc = result.to_dict(include_text=True)
        # the store keeps one event per id; count only those, so the total comes out exact
        doc["events"] = list({e["id"]: e for e in doc["events"]}.values())
        if doc["events"]:
            documents.append(doc)
    return documents


# -- 2. multiplied into stories reported by several outlets -------------------------------------------


def shift(day: str | None, delta: datetime.timedelta) -> str | None:
    return None if day is None else (datetime.date.fromisoformat(day) + delta).isoformat()


def multiply(coded: list[dict[str, Any]], events: int, rng: random.Random) -> list[dict[str, Any]]:
    """Generated documents holding `events` event mentions in all."""
    from tacitus.models import content_id

    outlets = json.loads(DATA.read_text(encoding="utf-8"))["outlets"]
    documents: list[dict[str, Any]] = []
    total = story = 0
    while total < events:
        base = coded[story % len(coded)]
        story += 1
        published = FIRST_DAY + datetime.timedelta(days=rng.randrange(DAYS))
        delta = published - datetime.date.fromisoformat(base["document"]["published"])
        for outlet in rng.sample(outlets, rng.randint(1, MAX_OUTLETS_PER_STORY)):
            doc = copy.deepcopy(base)
            doc_id = content_id("bench", str(story), outlet)
            url = f"https://{outlet}/{published:%Y/%m/%d}/story-{story}"
            doc["document"].update(id=doc_id, source=url, url=url, site=outlet, published=published.isoformat())
            kept = doc["events"][: events - total]
            for event in kept:
                event["id"] = content_id(doc_id, event["id"])
                if event.get("date"):
                    event["date"]["start"] = shift(event["date"]["start"], delta)
                    event["date"]["end"] = shift(event["date"]["end"], delta)
            for time_ in doc["times"]:
                time_["start_date"] = shift(time_["start_date"], delta)
                time_["end_date"] = shift(time_["end_date"], delta)
            doc["events"] = kept
            documents.append(doc)
            total += len(kept)
            if total >= events:
                break
    return documents


def build(db: Path, events: int, articles: int, seed: int) -> None:
    from tacitus.cluster import cluster_new
    from tacitus.store import Store

    rng = random.Random(seed)
    started = time.perf_counter()
    coded = code_articles(write_articles(articles, rng))
    print(f"coded {len(coded)} synthetic articles ({sum(len(d['events']) for d in coded)} events) "
          f"in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    documents = multiply(coded, events, rng)
    if db.exists():
        db.unlink()
    with Store(db) as store:
        started = time.perf_counter()
        for i in range(0, len(documents), BATCH_DOCUMENTS):
            store.add(documents[i:i + BATCH_DOCUMENTS])
        print(f"stored {len(documents)} documents in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        started = time.perf_counter()
        report = cluster_new(store, rebuild=True)
        print(f"clustered into {report.clusters} events in {time.perf_counter() - started:.0f} s", file=sys.stderr)


# -- 3. latency, from another process ---------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def samples(db: Path) -> dict[str, str]:
    """Ids and values the queries ask for, read from the store."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        def one(sql: str) -> str:
            row = con.execute(sql).fetchone()
            assert row is not None, sql
            return str(row[0])

        return {
            "cluster": one("SELECT id FROM event_clusters ORDER BY num_sources DESC, id LIMIT 1"),
            "mention": one("SELECT id FROM events ORDER BY id LIMIT 1"),
            "document": one("SELECT id FROM documents ORDER BY id LIMIT 1"),
            "actor": one("SELECT source_actor_id FROM events WHERE source_actor_id IS NOT NULL "
                         "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"),
            "country": one("SELECT location_country FROM events WHERE location_country IS NOT NULL "
                           "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"),
        }
    finally:
        con.close()


def queries(s: dict[str, str], cursor: str) -> list[tuple[str, str]]:
    return [
        ("events, first page (clusters)", "/api/events?limit=50"),
        ("events, page 2 by cursor", f"/api/events?limit=50&cursor={cursor}"),
        ("events, mentions", "/api/events?level=mentions&limit=50"),
        ("events, country + type", f"/api/events?country={s['country']}&type=ASSAULT&limit=50"),
        ("events, since/until window", "/api/events?since=2023-03-01&until=2023-03-31&limit=50"),
        ("events, actor", f"/api/events?actor={s['actor']}&limit=50"),
        ("events, text search", "/api/events?text=convoy&limit=50"),
        ("events, bbox + min_sources", "/api/events?bbox=-20,0,30,25&min_sources=2&limit=50"),
        ("one event (cluster + mentions)", f"/api/events/{s['cluster']}"),
        ("one event (mention)", f"/api/events/{s['mention']}"),
        ("map points (5,000 cap)", "/api/map?limit=5000"),
        ("stats by month and type", "/api/stats?interval=month"),
        ("stats by week, one country", f"/api/stats?interval=week&country={s['country']}"),
        ("documents, first page", "/api/documents?limit=50"),
        ("one document", f"/api/documents/{s['document']}"),
        ("actors, first page", "/api/actors?limit=50"),
        ("one actor", f"/api/actors/{s['actor']}"),
        ("places, first page", "/api/places?limit=50"),
    ]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(db: Path, requests: int) -> list[dict[str, Any]]:
    port = free_port()
    tacitus = Path(sys.executable).with_name("tacitus")
    command = [str(tacitus), "serve", "--db", str(db), "--port", str(port)]
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(command, stdout=log, stderr=log)
        try:
            base = f"http://127.0.0.1:{port}"
            with httpx.Client(base_url=base, timeout=60) as client:
                for _ in range(300):
                    try:
                        client.get("/api/openapi.json")
                        break
                    except httpx.TransportError:
                        time.sleep(0.1)
                cursor = client.get("/api/events?limit=50").json()["next_cursor"]
                results = []
                for label, url in queries(samples(db), cursor):
                    for _ in range(2):
                        response = client.get(url)
                        response.raise_for_status()
                    times = []
                    for _ in range(requests):
                        started = time.perf_counter()
                        response = client.get(url)
                        times.append((time.perf_counter() - started) * 1000)
                        response.raise_for_status()
                    results.append({"query": label, "url": url, "p50_ms": statistics.median(times),
                                    "p95_ms": percentile(times, 0.95), "bytes": len(response.content)})
        finally:
            server.terminate()
            server.wait(timeout=30)
    return results


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, default=Path("bench-api.duckdb"))
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--articles", type=int, default=400)
    ap.add_argument("--requests", type=int, default=60)
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--json", type=Path, help="Also write the figures here.")
    args = ap.parse_args()
    if args.rebuild or not args.db.exists():
        build(args.db, args.events, args.articles, args.seed)
    import duckdb

    con = duckdb.connect(str(args.db), read_only=True)
    counts = con.execute("SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM event_clusters), "
                         "(SELECT count(*) FROM documents)").fetchone()
    con.close()
    assert counts is not None
    print(f"store {args.db}: {counts[0]:,} event mentions, {counts[1]:,} clusters, {counts[2]:,} documents; "
          f"{os.cpu_count()} cores")
    load_before = os.getloadavg()[0]
    results = measure(args.db, args.requests)
    # the machine may be shared: its load says how far the figures are from an idle one
    print(f"{args.requests} requests per query, one at a time, httpx → `tacitus serve` over 127.0.0.1; "
          f"1-minute load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after\n")
    print("| query | p50 ms | p95 ms | response bytes |\n|---|---:|---:|---:|")
    for r in results:
        print(f"| {r['query']} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {r['bytes']:,} |")
    if args.json:
        args.json.write_text(json.dumps({"counts": counts, "load": [load_before, os.getloadavg()[0]],
                                         "results": results}, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
