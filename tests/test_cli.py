"""End-to-end tests of the command line: `tacitus extract / ingest / events` and `python -m tacitus.demo`.

They take the bundled example article and short texts written for these tests, run the CLI in-process
with click's CliRunner, and check the EVENT-SCHEMA output, error lines, exit codes and the DuckDB store.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import tacitus.cli as cli_module
import tacitus.demo as demo_module
from tacitus.cli import CSV_COLUMNS, cli
from tacitus.ingest import read_articles
from tacitus.models import PLOVER_TYPES, STATUSES, Article
from tacitus.pipeline import Pipeline
from tacitus.store import Store

EXAMPLES = Path(str(resources.files("tacitus") / "examples"))
EXAMPLE_TXT = EXAMPLES / "minusma_exit.txt"
EXAMPLE_HTML = EXAMPLES / "minusma_exit.html"
EXAMPLE_META: dict[str, str] = json.loads((EXAMPLES / "minusma_exit.meta.json").read_text(encoding="utf-8"))
PUBLISHED = EXAMPLE_META["published"]

# Two invented wire paragraphs about other conflicts, for JSON Lines, directory and store tests.
CONGO_TEXT = (
    "GOMA, Feb 12 - M23 rebels shelled the outskirts of Sake on Sunday, killing at least seven civilians, "
    "a local administrator said. The Congolese army said it had pushed the fighters back from the town."
)
CONGO_PUBLISHED = "2024-02-12"  # a Monday: "on Sunday" is 2024-02-11
SUDAN_TEXT = (
    "EL FASHER, Nov 3 - The Rapid Support Forces attacked a displacement camp near El Fasher on Thursday, "
    "aid workers said. The United Nations called on both sides to protect civilians."
)
SUDAN_PUBLISHED = "2023-11-03"  # a Friday: "on Thursday" is 2023-11-02
# Curly quotes and an apostrophe that windows-1252 encodes as single bytes 0x92, 0x93, 0x94.
CP1252_TEXT = (
    "Mali\u2019s army said its troops attacked a militant camp near Gao on Tuesday, calling the raid a "
    "\u201cdecisive blow\u201d against the insurgents.\n"
)

HEX16 = re.compile(r"[0-9a-f]{16}")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
INGEST_REPORT = re.compile(
    r"(?P<added>\d+) document\(s\) added, (?P<skipped>\d+) already stored, (?P<events>\d+) event\(s\) added"
)
UN_ACTOR_IDS = frozenset({"UN", "UNSC", "UN_PEACEKEEPERS", "MINUSMA"})


# -- fixtures ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return Pipeline.load()


@pytest.fixture(scope="module")
def patched(pipeline: Pipeline) -> Iterator[None]:
    # `_load_pipeline` builds `Pipeline.load()` on every invocation; the module's shared Pipeline is that
    # same object, loaded once, so each CLI call here skips the ~1.5 s of model loading.
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(cli_module, "_load_pipeline", lambda: pipeline)
        yield


@pytest.fixture
def runner(patched: None) -> CliRunner:
    return CliRunner()


def invoke(runner: CliRunner, args: list[str], input: bytes | str | None = None) -> Result:
    return runner.invoke(cli, args, input=input)


def describe(result: Result) -> str:
    """What to print when an exit code is not the expected one."""
    return f"exit {result.exit_code}\nstdout: {result.stdout[:2000]}\nstderr: {result.stderr}\n" \
           f"exception: {result.exception!r}"


def json_lines(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("tacitus: error:")]


def article_of(path: Path) -> Article:
    [article] = list(read_articles([str(path)]))
    assert isinstance(article, Article), article
    return article


def events_where(doc: dict[str, Any], type_: str,
                 test: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
    return [e for e in doc["events"] if e["type"] == type_ and test(e)]


def names(actor: dict[str, Any] | None) -> str:
    """Every way an actor is written in the output, lower-cased, to search in."""
    if not actor:
        return ""
    return " ".join(str(actor.get(k) or "") for k in ("text", "name", "id")).lower()


def is_un(actor: dict[str, Any] | None) -> bool:
    if not actor:
        return False
    return actor.get("id") in UN_ACTOR_IDS or any(
        key in names(actor) for key in ("u.n.", "united nations", "minusma")
    )


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def example_run(patched: None) -> dict[str, Any]:
    args = ["extract", str(EXAMPLE_TXT), "--published", PUBLISHED, "--format", "json"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, describe(result)
    docs = json_lines(result.stdout)
    assert len(docs) == 1, result.stdout[:500]
    return docs[0]


@pytest.fixture(scope="module")
def example_text() -> str:
    return article_of(EXAMPLE_TXT).text


# -- extract: the example article as JSON -----------------------------------------------------------


def test_extract_json_document_fields(example_run: dict[str, Any], example_text: str) -> None:
    doc = example_run["document"]
    assert HEX16.fullmatch(doc["id"]), doc["id"]
    assert doc["id"] == article_of(EXAMPLE_TXT).id
    assert doc["source"] == str(EXAMPLE_TXT)
    assert doc["input_id"] is None
    assert doc["title"] == EXAMPLE_META["title"]
    assert doc["published"] == PUBLISHED
    assert doc["language"] == "en"
    assert doc["text_chars"] == len(example_text)
    assert doc["captions"] == []  # plain text has no figures
    assert {"events", "places", "times", "actors"} <= example_run.keys()


def test_extract_json_events_follow_the_schema(example_run: dict[str, Any], example_text: str) -> None:
    events = example_run["events"]
    assert len(events) >= 10, "the example article reports well over ten events"
    ids = [e["id"] for e in events]
    assert len(set(ids)) == len(ids), "event ids must be unique within a document"
    for event in events:
        assert isinstance(event["id"], str) and event["id"], event
        assert event["type"] in PLOVER_TYPES, event["type"]
        assert event["status"] in STATUSES, event["status"]
        assert isinstance(event["context"], list)
        assert 0.0 <= event["confidence"] <= 1.0
        ev = event["evidence"]
        assert 0 <= ev["start"] < ev["end"] <= len(example_text), ev
        assert example_text[ev["start"]:ev["end"]].strip() == ev["sentence"], ev
        assert ev["trigger"] and ev["trigger"] in ev["sentence"], ev
        assert ev["start"] <= ev["trigger_start"] < ev["trigger_end"] <= ev["end"], ev
        assert example_text[ev["trigger_start"]:ev["trigger_end"]] == ev["trigger"], ev
        date = event["date"]
        if date is not None:
            assert ISO_DATE.fullmatch(date["start"]) and ISO_DATE.fullmatch(date["end"]), date
            assert date["start"] <= date["end"], date
        for role in ("source", "target"):
            actor = event[role]
            if actor is not None and actor.get("start") is not None:
                assert example_text[actor["start"]:actor["end"]] == actor["text"], (role, actor)


def test_extract_json_places_times_actors(example_run: dict[str, Any], example_text: str) -> None:
    places, times, actors = example_run["places"], example_run["times"], example_run["actors"]
    assert places and times and actors
    for place in places:
        assert isinstance(place["lat"], float) and -90 <= place["lat"] <= 90, place
        assert isinstance(place["lon"], float) and -180 <= place["lon"] <= 180, place
        assert example_text[place["start"]:place["end"]] == place["text"], place
    bamako = [p for p in places if p["name"] == "Bamako"]
    assert bamako and all(p["country"] == "MLI" and p["precision"] == "point" for p in bamako), bamako
    assert abs(bamako[0]["lat"] - 12.65) < 0.2 and abs(bamako[0]["lon"] + 8.0) < 0.2
    for time in times:
        assert time["value"], time
        assert example_text[time["start"]:time["end"]] == time["text"], time
    for actor in actors:
        assert actor["start"] is not None and actor["end"] is not None, actor
        assert example_text[actor["start"]:actor["end"]] == actor["text"], actor
    assert "ABDOULAYE_DIOP" in {a["id"] for a in actors}


def test_extract_times_resolve_against_publication(example_run: dict[str, Any]) -> None:
    values = {t["text"]: t["value"] for t in example_run["times"]}
    assert values.get("Friday") == "2023-06-30"  # published on a Friday
    assert values.get("last month") == "2023-05"
    # "told the council on June 16"
    assert values.get("June 16") == "2023-06-16", values
    # "giving the force ... until Dec. 31 to leave the country": a deadline after publication
    assert values.get("Dec. 31") == "2023-12-31", values


def test_extract_sanction_against_wagner_side(example_run: dict[str, Any]) -> None:
    found = events_where(example_run, "SANCTION",
                         lambda e: any(k in names(e["target"]) for k in ("maslov", "wagner")))
    assert found, [(e["type"], e["target"]) for e in example_run["events"] if e["type"] == "SANCTION"]
    assert any((e["source"] or {}).get("country") == "USA" for e in found), found


def test_extract_retreat_by_the_un(example_run: dict[str, Any]) -> None:
    found = events_where(example_run, "RETREAT", lambda e: is_un(e["source"]))
    assert found, [(e["source"], e["evidence"]["trigger"]) for e in example_run["events"]
                   if e["type"] == "RETREAT"]


def test_extract_protest_in_bamako(example_run: dict[str, Any]) -> None:
    # "On June 20, several hundred people gathered in Bamako's Independence Square, waving Malian and
    # Russian flags ... the rally broke up peacefully in the evening."
    found = events_where(example_run, "PROTEST", lambda e: (e["location"] or {}).get("name") == "Bamako")
    assert found, [(e["evidence"]["trigger"], e["location"]) for e in example_run["events"]
                   if e["type"] == "PROTEST"]
    assert any((e["date"] or {}).get("start") == "2023-06-20" for e in found), [e["date"] for e in found]


def test_extract_assault_with_killed(example_run: dict[str, Any]) -> None:
    found = events_where(example_run, "ASSAULT", lambda e: e["killed"] is not None)
    assert found
    bankass = [e for e in found if "Bankass" in e["evidence"]["sentence"]]
    assert bankass and all(e["killed"] == 14 for e in bankass), bankass  # "killing at least 14 civilians"
    assert all(e["date"]["start"] == "2023-06-28" for e in bankass), [e["date"] for e in bankass]


# -- extract: stability and table ---------------------------------------------------------------------


def test_extract_ids_are_stable_across_runs(runner: CliRunner, example_run: dict[str, Any]) -> None:
    again = invoke(runner, ["extract", str(EXAMPLE_TXT), "--published", PUBLISHED, "--format", "json"])
    assert again.exit_code == 0, describe(again)
    [doc] = json_lines(again.stdout)
    assert doc["document"]["id"] == example_run["document"]["id"]
    assert [e["id"] for e in doc["events"]] == [e["id"] for e in example_run["events"]]
    assert doc == example_run


def test_extract_table(runner: CliRunner, example_run: dict[str, Any]) -> None:
    result = invoke(runner, ["extract", str(EXAMPLE_TXT), "--published", PUBLISHED, "--format", "table"])
    assert result.exit_code == 0, describe(result)
    assert "SANCTION" in result.stdout
    assert EXAMPLE_META["title"][:40] in result.stdout
    assert f"{len(example_run['events'])} event(s)" in result.stdout.splitlines()


# -- extract: input kinds --------------------------------------------------------------------------


def test_extract_jsonl_keeps_order_and_reports_the_bad_line(runner: CliRunner, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "wire.jsonl", [
        {"id": "drc-1", "text": CONGO_TEXT, "published": CONGO_PUBLISHED},
        {"id": "sdn-1", "text": SUDAN_TEXT, "published": SUDAN_PUBLISHED},
        {"id": "bad-1", "text": CONGO_TEXT, "published": "yesterday"},
    ])
    result = invoke(runner, ["extract", str(path), "--format", "json"])
    assert result.exit_code == 0, describe(result)
    docs = json_lines(result.stdout)
    assert [d["document"]["input_id"] for d in docs] == ["drc-1", "sdn-1"]
    assert [d["document"]["published"] for d in docs] == [CONGO_PUBLISHED, SUDAN_PUBLISHED]
    assert [d["document"]["source"] for d in docs] == [f"{path}:1", f"{path}:2"]
    errors = error_lines(result.stderr)
    assert len(errors) == 1, result.stderr
    assert f"{path}:3" in errors[0] and "published" in errors[0]


@pytest.fixture(scope="module")
def wire_docs(patched: None, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    path = write_jsonl(tmp_path_factory.mktemp("wire") / "wire.jsonl", [
        {"id": "drc-1", "text": CONGO_TEXT, "published": CONGO_PUBLISHED},
        {"id": "sdn-1", "text": SUDAN_TEXT, "published": SUDAN_PUBLISHED},
    ])
    result = CliRunner().invoke(cli, ["extract", str(path), "--format", "json"])
    assert result.exit_code == 0, describe(result)
    return {d["document"]["input_id"]: d for d in json_lines(result.stdout)}


def test_wire_record_congo_shelling(wire_docs: dict[str, dict[str, Any]]) -> None:
    # "GOMA, Feb 12 - M23 rebels shelled the outskirts of Sake on Sunday, killing at least seven civilians"
    found = events_where(wire_docs["drc-1"], "ASSAULT", lambda e: (e["source"] or {}).get("id") == "M23")
    assert found, [(e["evidence"]["trigger"], e["source"]) for e in wire_docs["drc-1"]["events"]]
    assert any(e["killed"] == 7 for e in found), [e["killed"] for e in found]
    assert all((e["location"] or {}).get("country") == "COD" for e in found)
    assert any((e["date"] or {}).get("start") == "2024-02-11" for e in found), [e["date"] for e in found]


def test_wire_record_sudan_attack(wire_docs: dict[str, dict[str, Any]]) -> None:
    # "EL FASHER, Nov 3 - The Rapid Support Forces attacked a displacement camp near El Fasher on Thursday"
    found = events_where(wire_docs["sdn-1"], "ASSAULT", lambda e: e["evidence"]["trigger"] == "attacked")
    assert found, wire_docs["sdn-1"]["events"]
    [attack] = found
    assert (attack["source"] or {}).get("id") == "RSF", attack["source"]
    assert attack["status"] == "claimed"  # "..., aid workers said"
    assert (attack["location"] or {}).get("name") == "El Fasher"
    assert (attack["date"] or {}).get("start") == "2023-11-02", attack["date"]


def test_extract_directory_is_recursive(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "congo.txt").write_text(CONGO_TEXT, encoding="utf-8")
    (tmp_path / "a" / "b" / "sudan.txt").write_text(SUDAN_TEXT, encoding="utf-8")
    (tmp_path / "a" / "b" / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0 not read")
    result = invoke(runner, ["extract", str(tmp_path), "--published", "2024-02-12", "--format", "json"])
    assert result.exit_code == 0, describe(result)
    docs = json_lines(result.stdout)
    assert sorted(d["document"]["source"] for d in docs) == sorted(
        [str(tmp_path / "a" / "congo.txt"), str(tmp_path / "a" / "b" / "sudan.txt")]
    )
    assert all(d["document"]["published"] == "2024-02-12" for d in docs)
    assert error_lines(result.stderr) == []


def test_extract_stdin(runner: CliRunner, wire_docs: dict[str, dict[str, Any]]) -> None:
    result = invoke(runner, ["extract", "-", "--published", CONGO_PUBLISHED, "--format", "json"],
                    input=CONGO_TEXT.encode("utf-8"))
    assert result.exit_code == 0, describe(result)
    [doc] = json_lines(result.stdout)
    assert doc["document"]["source"] == "<stdin>"
    assert doc["document"]["published"] == CONGO_PUBLISHED
    # The same text read from a JSON Lines record gives the same document and events.
    assert doc["document"]["id"] == wire_docs["drc-1"]["document"]["id"]
    assert [e["id"] for e in doc["events"]] == [e["id"] for e in wire_docs["drc-1"]["events"]]


def test_extract_html_metadata_and_caption(runner: CliRunner) -> None:
    result = invoke(runner, ["extract", str(EXAMPLE_HTML), "--format", "json"])
    assert result.exit_code == 0, describe(result)
    [doc] = json_lines(result.stdout)
    info = doc["document"]
    assert info["title"] == EXAMPLE_META["title"]
    assert info["published"] == PUBLISHED  # from the page's metadata: no --published given
    article = article_of(EXAMPLE_HTML)
    assert info["text_chars"] == len(article.text)
    assert info["captions"], "the figure caption must be put back into the text"
    [caption] = info["captions"]
    caption_text = article.text[caption["start"]:caption["end"]]
    assert caption_text.startswith("Protesters in Bamako on 20 June 2023 rallied"), caption_text
    in_caption = [e for e in doc["events"]
                  if caption["start"] <= e["evidence"]["start"] < caption["end"]]
    protests = [e for e in in_caption if e["type"] == "PROTEST"]
    assert protests, in_caption
    assert (protests[0]["location"] or {}).get("name") == "Bamako"
    assert protests[0]["date"]["start"] == "2023-06-20"


def test_extract_windows_1252_text(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "legacy.txt"
    path.write_bytes(CP1252_TEXT.encode("cp1252"))
    assert b"\x93decisive blow\x94" in path.read_bytes()
    result = invoke(runner, ["extract", str(path), "--published", "2024-03-13", "--format", "json"])
    assert result.exit_code == 0, describe(result)
    [doc] = json_lines(result.stdout)
    assert doc["document"]["text_chars"] == len(CP1252_TEXT.strip())
    assert doc["events"], "the sentence reports an attack"
    sentence = doc["events"][0]["evidence"]["sentence"]
    assert "\u201cdecisive blow\u201d" in sentence and "Mali\u2019s army" in sentence, sentence
    assert "\u00e2\u20ac" not in sentence  # no UTF-8 mojibake


# -- extract: errors -----------------------------------------------------------------------------------


def test_missing_file(runner: CliRunner, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.txt"
    result = invoke(runner, ["extract", str(missing)])
    assert result.exit_code == 1, describe(result)
    assert result.stdout == ""
    errors = error_lines(result.stderr)
    assert len(errors) == 1 and str(missing) in errors[0], result.stderr


def test_binary_file(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "scan.txt"
    path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\x00\x01\x02")
    result = invoke(runner, ["extract", str(path)])
    assert result.exit_code == 1, describe(result)
    errors = error_lines(result.stderr)
    assert len(errors) == 1 and str(path) in errors[0] and "binary" in errors[0], result.stderr


def test_one_missing_among_two(runner: CliRunner, tmp_path: Path) -> None:
    good, missing = tmp_path / "congo.txt", tmp_path / "missing.txt"
    good.write_text(CONGO_TEXT, encoding="utf-8")
    result = invoke(runner, ["extract", str(missing), str(good), "--published", CONGO_PUBLISHED,
                             "--format", "json"])
    assert result.exit_code == 0, describe(result)
    docs = json_lines(result.stdout)
    assert [d["document"]["source"] for d in docs] == [str(good)]
    errors = error_lines(result.stderr)
    assert len(errors) == 1 and str(missing) in errors[0], result.stderr


def test_invalid_published_is_a_usage_error(runner: CliRunner) -> None:
    result = invoke(runner, ["extract", str(EXAMPLE_TXT), "--published", "2023-13-40"])
    assert result.exit_code == 2, describe(result)
    assert "--published" in result.stderr and "2023-13-40" in result.stderr
    assert result.stdout == ""


def test_empty_file(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_text("\n\n", encoding="utf-8")
    result = invoke(runner, ["extract", str(path)])
    assert result.exit_code == 1, describe(result)
    errors = error_lines(result.stderr)
    assert len(errors) == 1 and str(path) in errors[0] and "empty article" in errors[0], result.stderr


# -- ingest and events ---------------------------------------------------------------------------------


def ingest_report(result: Result) -> dict[str, int]:
    match = INGEST_REPORT.search(result.stderr)
    assert match, result.stderr
    return {k: int(v) for k, v in match.groupdict().items()}


@pytest.fixture(scope="module")
def store_path(patched: None, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("store")
    wire = write_jsonl(folder / "wire.jsonl", [
        {"id": "drc-1", "text": CONGO_TEXT, "published": CONGO_PUBLISHED},
        {"id": "sdn-1", "text": SUDAN_TEXT, "published": SUDAN_PUBLISHED},
    ])
    db = folder / "events.duckdb"
    # Two runs: --published would override the dates the JSON Lines records carry.
    example = CliRunner().invoke(cli, ["ingest", str(EXAMPLE_TXT), "--db", str(db), "--published", PUBLISHED])
    assert example.exit_code == 0, describe(example)
    records = CliRunner().invoke(cli, ["ingest", str(wire), "--db", str(db)])
    assert records.exit_code == 0, describe(records)
    first, second = ingest_report(example), ingest_report(records)
    assert (first["added"], first["skipped"], second["added"], second["skipped"]) == (1, 0, 2, 0)
    assert first["events"] > 0 and second["events"] > 0
    with Store(db, read_only=True) as store:
        assert store.counts()["documents"] == 3
        assert store.counts()["events"] == first["events"] + second["events"]
    return db


def test_ingest_twice_adds_nothing(runner: CliRunner, store_path: Path) -> None:
    with Store(store_path, read_only=True) as store:
        before = store.counts()
    again = invoke(runner, ["ingest", str(EXAMPLE_TXT), "--db", str(store_path), "--published", PUBLISHED])
    assert again.exit_code == 0, describe(again)
    assert ingest_report(again) == {"added": 0, "skipped": 1, "events": 0}
    with Store(store_path, read_only=True) as store:
        assert store.counts() == before


def query(runner: CliRunner, db: Path, *options: str, fmt: str = "json") -> Result:
    result = invoke(runner, ["events", "--db", str(db), "--mentions", *options, "--format", fmt])
    assert result.exit_code == 0, describe(result)
    return result


@pytest.fixture(scope="module")
def all_events(patched: None, store_path: Path) -> list[dict[str, Any]]:
    result = CliRunner().invoke(cli, ["events", "--db", str(store_path), "--mentions", "--format", "json"])
    assert result.exit_code == 0, describe(result)
    rows = json_lines(result.stdout)
    with Store(store_path, read_only=True) as store:
        assert len(rows) == store.counts()["events"]
    return rows


def ids(rows: list[dict[str, Any]]) -> list[str]:
    return [r["id"] for r in rows]


def test_events_by_type(runner: CliRunner, store_path: Path, all_events: list[dict[str, Any]]) -> None:
    rows = json_lines(query(runner, store_path, "--type", "SANCTION").stdout)
    assert rows and all(r["type"] == "SANCTION" for r in rows)
    assert ids(rows) == ids([e for e in all_events if e["type"] == "SANCTION"])


def test_events_by_country(runner: CliRunner, store_path: Path, all_events: list[dict[str, Any]]) -> None:
    def touches_mali(e: dict[str, Any]) -> bool:
        return "MLI" in {(e[k] or {}).get("country") for k in ("location", "source", "target")}

    rows = json_lines(query(runner, store_path, "--country", "MLI").stdout)
    expected = [e for e in all_events if touches_mali(e)]
    assert expected and len(expected) < len(all_events)
    assert ids(rows) == ids(expected)


def test_events_by_actor_ignores_case(runner: CliRunner, store_path: Path,
                                      all_events: list[dict[str, Any]]) -> None:
    rows = json_lines(query(runner, store_path, "--actor", "wAGNER").stdout)
    expected = [e for e in all_events if "wagner" in names(e["source"]) + " " + names(e["target"])]
    assert expected
    assert ids(rows) == ids(expected)


def date_window(event: dict[str, Any]) -> tuple[dt.date, dt.date] | None:
    date = event["date"] or {}
    start, end = date.get("start") or date.get("end"), date.get("end") or date.get("start")
    if start is None or end is None:
        return None
    return dt.date.fromisoformat(start), dt.date.fromisoformat(end)


def test_events_by_date_window(runner: CliRunner, store_path: Path, all_events: list[dict[str, Any]]) -> None:
    since, until = dt.date(2023, 6, 1), dt.date(2023, 6, 29)

    def overlaps(e: dict[str, Any]) -> bool:
        window = date_window(e)
        return window is not None and window[1] >= since and window[0] <= until

    rows = json_lines(query(runner, store_path, "--since", str(since), "--until", str(until)).stdout)
    expected = [e for e in all_events if overlaps(e)]
    assert expected and len(expected) < len(all_events)
    assert ids(rows) == ids(expected)

    def ends_in_2024(e: dict[str, Any]) -> bool:
        window = date_window(e)
        return window is not None and window[1] >= dt.date(2024, 1, 1)

    only_since = json_lines(query(runner, store_path, "--since", "2024-01-01").stdout)
    expected = [e for e in all_events if ends_in_2024(e)]
    assert expected and ids(only_since) == ids(expected)


def test_events_csv(runner: CliRunner, store_path: Path, all_events: list[dict[str, Any]]) -> None:
    result = query(runner, store_path, fmt="csv")
    reader = csv.DictReader(io.StringIO(result.stdout))
    assert tuple(reader.fieldnames or ()) == CSV_COLUMNS
    rows = list(reader)
    assert len(rows) == len(all_events)
    assert [r["id"] for r in rows] == ids(all_events)
    assert [r["type"] for r in rows] == [e["type"] for e in all_events]


def test_events_table(runner: CliRunner, store_path: Path, all_events: list[dict[str, Any]]) -> None:
    result = query(runner, store_path, "--type", "ASSAULT", fmt="table")
    count = sum(e["type"] == "ASSAULT" for e in all_events)
    assert f"{count} event(s)" in result.stdout.splitlines()


def test_events_missing_db(runner: CliRunner, tmp_path: Path) -> None:
    db = tmp_path / "absent.duckdb"
    result = invoke(runner, ["events", "--db", str(db)])
    assert result.exit_code == 1, describe(result)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and str(db) in lines[0], result.stderr
    assert not db.exists(), "a query must not create the database"


# -- demo ----------------------------------------------------------------------------------------------


def test_demo(pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
              tmp_path: Path) -> None:
    # `Pipeline.load()` would build the same object the module already holds.
    monkeypatch.setattr(demo_module.Pipeline, "load", staticmethod(lambda: pipeline))
    db = tmp_path / "demo.duckdb"
    assert demo_module.main([str(db)]) == 0
    out = capsys.readouterr().out
    assert "SANCTION" in out
    match = re.search(r"^(\d+) event\(s\)$", out, re.MULTILINE)
    assert match, out[-2000:]
    shown = int(match.group(1))
    assert shown > 0
    assert f"1 new document(s), {shown} new event(s); the database holds {shown} event mention(s) in " in out
    found = re.search(r"event mention\(s\) in (\d+) real-world event\(s\)", out)
    assert found is not None, out[-500:]
    clusters = int(found.group(1))
    assert 0 < clusters <= shown
    with Store(db, read_only=True) as store:
        assert store.counts()["events"] == shown
        assert store.counts()["documents"] == 1
    assert demo_module.main([str(db)]) == 0
    out = capsys.readouterr().out
    assert f"0 new document(s), 0 new event(s); the database holds {shown} event mention(s) in {clusters} " in out
    with Store(db, read_only=True) as store:
        assert store.counts()["events"] == shown
