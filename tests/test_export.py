"""Tests for tacitus.export and `tacitus export`: every format, the filters, ACLED and GDELT layouts."""

from __future__ import annotations

import csv
import datetime
import io
import json
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner

from tacitus.cli import cli
from tacitus.errors import InputError
from tacitus.export import FORMATS, export_events
from tacitus.export.crosswalk import (
    acled_regions,
    acled_row,
    country_names,
    gdelt_row,
    sector_codes,
)
from tacitus.models import SECTORS
from tacitus.store import query as q
from tacitus.store.query import FLAT_COLUMNS, EventFilter

# ACLED's and GDELT's own column names, in their order, as their codebooks list them.
ACLED_HEADER = (
    "event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,actor1,assoc_actor_1,"
    "inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,iso,region,country,admin1,admin2,admin3,"
    "location,latitude,longitude,geo_precision,source,source_scale,notes,fatalities,tags,timestamp"
)
GDELT_HEADER = (
    "GLOBALEVENTID SQLDATE Actor1Code Actor1Name Actor1CountryCode Actor2Code Actor2Name Actor2CountryCode "
    "IsRootEvent EventCode EventBaseCode EventRootCode QuadClass GoldsteinScale NumMentions NumSources NumArticles "
    "ActionGeo_Type ActionGeo_FullName ActionGeo_CountryCode ActionGeo_Lat ActionGeo_Long ActionGeo_FeatureID "
    "DATEADDED SOURCEURL"
)


def listed(con: duckdb.DuckDBPyConnection, flt: EventFilter) -> list[dict[str, Any]]:
    return q.list_events(con, flt, limit=1000).items


def export_text(con: duckdb.DuckDBPyConnection, flt: EventFilter, fmt: str) -> tuple[int, str]:
    out = io.StringIO()
    count = export_events(con, flt, fmt, out)
    return count, out.getvalue()


# -- the formats -------------------------------------------------------------------------------------


@pytest.mark.parametrize("level", ["clusters", "mentions"])
def test_csv_has_the_flat_columns_and_every_event(con: duckdb.DuckDBPyConnection, level: str) -> None:
    flt = EventFilter(level=level)
    count, text = export_text(con, flt, "csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(rows[0]) == FLAT_COLUMNS
    assert [r["id"] for r in rows] == [i["id"] for i in listed(con, flt)] and count == len(rows)
    by_id = {i["id"]: i for i in listed(con, flt)}
    for row in rows:
        item = by_id[row["id"]]
        assert row["type"] == item["type"] and row["status"] == item["status"]
        assert row["sources"] == str(item["sources"])
        assert row["killed"] == ("" if item["killed"] is None else str(item["killed"]))
        assert row["date_start"] == ((item["date"] or {}).get("start") or "")
        assert row["sentence"]  # every event keeps its evidence


def test_parquet_is_written_by_duckdb_and_reads_back(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    target = tmp_path / "events's.parquet"  # a quote in the path must not break the COPY statement
    count = export_events(con, EventFilter(), "parquet", target)
    assert target.read_bytes()[:4] == b"PAR1"
    back = duckdb.connect()
    rows = back.execute("SELECT * FROM read_parquet(?)", [str(target)]).fetchall()
    names = [d[0] for d in back.description or []]
    assert tuple(names) == FLAT_COLUMNS
    assert [r[0] for r in rows] == [i["id"] for i in listed(con, EventFilter())] and count == len(rows)
    types = dict(back.execute("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(?))",
                              [str(target)]).fetchall())
    assert types["date_start"] == "DATE" and types["lat"] == "DOUBLE"


def test_parquet_needs_a_file(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file"):
        export_events(con, EventFilter(), "parquet", io.StringIO())
    with pytest.raises(InputError, match="directory"):
        export_events(con, EventFilter(), "parquet", tmp_path)


def test_geojson_holds_the_located_events(con: duckdb.DuckDBPyConnection) -> None:
    count, text = export_text(con, EventFilter(), "geojson")
    collection = json.loads(text)
    assert collection["type"] == "FeatureCollection"
    located = [i for i in listed(con, EventFilter()) if i["location"] and i["location"]["lat"] is not None]
    assert [f["id"] for f in collection["features"]] == [i["id"] for i in located] and count == len(located)
    for feature, item in zip(collection["features"], located, strict=True):
        assert feature["geometry"] == {"type": "Point",
                                       "coordinates": [item["location"]["lon"], item["location"]["lat"]]}
        assert feature["properties"]["type"] == item["type"]
        assert "lat" not in feature["properties"]


def test_acled_layout(con: duckdb.DuckDBPyConnection) -> None:
    count, text = export_text(con, EventFilter(), "acled")
    lines = text.splitlines()
    assert lines[0] == ACLED_HEADER
    rows = list(csv.DictReader(io.StringIO(text)))
    coded = [i for i in listed(con, EventFilter()) if i["status"] in ("asserted", "claimed")
             and q.get_event(con, i["id"]) is not None]
    assert rows and count == len(rows) <= len(coded)
    # the ambush near Gao, reported by three outlets
    (row,) = [r for r in rows if r["location"] == "Gao" and len(r["source"].split("; ")) == 3]
    assert row["country"] == "Mali" and row["iso"] == "466" and row["region"] == "Western Africa"
    assert row["event_id_cnty"].startswith("MLI") and row["geo_precision"] == "1"
    assert row["disorder_type"] == "Political violence"
    assert int(row["fatalities"]) >= 5 and row["year"] == "2024" and row["event_date"].startswith("2024-03-1")
    assert row["time_precision"] == "1"
    for r in rows:
        assert r["event_type"] and r["fatalities"].isdigit() and r["timestamp"].isdigit()
        assert r["assoc_actor_1"] == r["assoc_actor_2"] == r["admin3"] == r["source_scale"] == ""


def test_cameo_layout(con: duckdb.DuckDBPyConnection) -> None:
    count, text = export_text(con, EventFilter(level="mentions"), "cameo")
    lines = text.splitlines()
    assert lines[0].split("\t") == GDELT_HEADER.split()
    rows = list(csv.DictReader(io.StringIO(text), delimiter="\t"))
    items = {i["id"][:15]: i for i in listed(con, EventFilter(level="mentions"))}
    assert count == len(rows) == len([i for i in items.values() if i["cameo"]])
    for row in rows:
        item = items[f"{int(row['GLOBALEVENTID']):015x}"]
        assert row["EventCode"] == item["cameo"] and row["EventRootCode"] == item["cameo"][:2]
        assert row["QuadClass"] == str(item["quad_class"])
        assert row["SQLDATE"] == ((item["date"] or {}).get("start") or "").replace("-", "")
        assert row["Actor1Name"] == ((item["source"] or {}).get("name") or "").upper()
        assert len(row["DATEADDED"]) == 14 and row["NumMentions"] == "1"
    treasury = [r for r in rows if r["Actor1Name"] == "U.S. TREASURY"]
    assert treasury and treasury[0]["Actor1Code"] == "USAGOV" and treasury[0]["EventRootCode"] == "16"
    assert treasury[0]["SOURCEURL"].startswith("https://globaldesk.example/")


def test_clusters_count_their_reports_in_gdelt_columns(con: duckdb.DuckDBPyConnection) -> None:
    _, text = export_text(con, EventFilter(min_sources=3), "cameo")
    (row,) = csv.DictReader(io.StringIO(text), delimiter="\t")
    assert row["NumSources"] == row["NumArticles"] == "3" and int(row["NumMentions"]) >= 3


@pytest.mark.parametrize("fmt", ["csv", "geojson", "acled", "cameo"])
@pytest.mark.parametrize("flt", [EventFilter(type="ASSAULT"), EventFilter(country="COD"),
                                 EventFilter(since=datetime.date(2024, 3, 1)), EventFilter(min_sources=2),
                                 EventFilter(text="no such words")])
def test_filters_apply_to_every_format(con: duckdb.DuckDBPyConnection, fmt: str, flt: EventFilter) -> None:
    everything, _ = export_text(con, EventFilter(), fmt)
    count, text = export_text(con, flt, fmt)
    assert count < everything
    if fmt == "csv":
        assert {r["id"] for r in csv.DictReader(io.StringIO(text))} == {i["id"] for i in listed(con, flt)}


def test_an_unknown_format(con: duckdb.DuckDBPyConnection) -> None:
    assert FORMATS == ("csv", "parquet", "geojson", "acled", "cameo")
    with pytest.raises(InputError) as caught:
        export_events(con, EventFilter(), "xlsx", io.StringIO())
    assert caught.value.source == "format"


# -- the crosswalk, on rows built by hand --------------------------------------------------------------


def flat(**fields: Any) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(FLAT_COLUMNS)
    row.update(id="0123456789abcdef", level="mention", type="ASSAULT", status="asserted", cameo="190",
               quad_class=4, goldstein=-10.0, acled_event_type="Battles", acled_sub_event_type="Armed clash",
               mentions=1, articles=1, sources=1, first_sentence_index=1,
               added_at=datetime.datetime(2024, 5, 1, 12, 30, 5))
    row.update(fields)
    return row


def test_acled_actor_types_and_interaction() -> None:
    row = acled_row(flat(source_sector="MIL", source_country="MLI", target_sector="REB", location_country="MLI"))
    assert row is not None and (row["inter1"], row["inter2"], row["interaction"]) == (1, 2, "12")
    # state forces outside their own country are external forces; the lower code comes first
    row = acled_row(flat(source_sector="MIL", source_country="FRA", target_sector="INS", location_country="MLI"))
    assert row is not None and (row["inter1"], row["inter2"], row["interaction"]) == (8, 2, "28")
    row = acled_row(flat(source_sector="PRO", location_country="KEN", acled_event_type="Protests"))
    assert row is not None and (row["inter1"], row["inter2"], row["interaction"]) == (6, "", "60")
    assert row["disorder_type"] == "Demonstrations" and row["civilian_targeting"] == ""
    row = acled_row(flat(source_sector="INS", target_sector="CVL", acled_event_type="Violence against civilians"))
    assert row is not None and row["civilian_targeting"] == "Civilian targeting"
    assert row["event_id_cnty"] == "XXX0123456789abcdef" and row["iso"] == row["region"] == ""


def test_acled_dates_places_and_tolls() -> None:
    week = acled_row(flat(date_start=datetime.date(2024, 3, 4), date_end=datetime.date(2024, 3, 10),
                          date_precision="week", status="claimed", context="terrorism;low_confidence"))
    assert week is not None
    assert (week["event_date"], week["year"], week["time_precision"]) == ("2024-03-07", 2024, 2)
    assert week["tags"] == "claimed; terrorism; low_confidence" and week["fatalities"] == 0
    month = acled_row(flat(date_start=datetime.date(2024, 2, 1), date_end=datetime.date(2024, 2, 29),
                           date_precision="month", killed=12, location_name="Kidal", location_precision="point",
                           location_country="MLI", location_admin1="Kidal"))
    assert month is not None and month["time_precision"] == 3 and month["event_date"] == "2024-02-15"
    assert (month["fatalities"], month["geo_precision"], month["admin1"], month["admin2"]) == (12, 1, "Kidal", "")
    district = acled_row(flat(location_name="Bankass Cercle", location_precision="admin2", location_country="MLI"))
    assert district is not None and district["admin2"] == "Bankass Cercle" and district["geo_precision"] == 2
    assert week["timestamp"] == int(datetime.datetime(2024, 5, 1, 12, 30, 5, tzinfo=datetime.UTC).timestamp())


@pytest.mark.parametrize("fields", [{"acled_event_type": None}, {"status": "planned"}, {"status": "negated"},
                                    {"status": "demanded"}, {"status": "hypothetical"}])
def test_acled_leaves_out_what_acled_would_not_code(fields: dict[str, Any]) -> None:
    assert acled_row(flat(**fields)) is None


def test_gdelt_codes() -> None:
    row = gdelt_row(flat(source_country="USA", source_sector="GOV", target_country="RUS", target_sector="PMC",
                         source_name="U.S. Treasury", cameo="163", date_start=datetime.date(2024, 1, 25),
                         location_name="Bangui", location_admin1="Bangui", location_country="CAF",
                         location_precision="point", lat=4.36, lon=18.55, geonameid=2389853, urls="https://x.example/a"))
    assert row is not None
    assert (row["Actor1Code"], row["Actor2Code"], row["Actor1Name"]) == ("USAGOV", "RUSUAF", "U.S. TREASURY")
    assert (row["EventCode"], row["EventBaseCode"], row["EventRootCode"]) == ("163", "163", "16")
    assert (row["SQLDATE"], row["ActionGeo_Type"], row["ActionGeo_FullName"]) == (
        "20240125", 4, "Bangui, Central African Republic")
    assert row["GLOBALEVENTID"] == int("0123456789abcde", 16) and row["DATEADDED"] == "20240501123005"
    assert row["IsRootEvent"] == 1 and row["ActionGeo_FeatureID"] == 2389853
    us_state = gdelt_row(flat(location_precision="admin1", location_country="USA", first_sentence_index=9,
                              cameo="0874", source_country="IGO", source_sector="IGO"))
    assert us_state is not None and us_state["ActionGeo_Type"] == 2 and us_state["IsRootEvent"] == 0
    assert (us_state["EventBaseCode"], us_state["EventRootCode"], us_state["Actor1Code"]) == ("087", "08", "IGO")
    assert gdelt_row(flat(cameo=None)) is None


def test_the_crosswalk_tables_cover_every_sector_and_country() -> None:
    assert set(sector_codes()) == set(SECTORS)
    assert set(acled_regions()) == set(country_names())


# -- the command ---------------------------------------------------------------------------------------


def test_export_command(db_path: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["export", "--db", str(db_path), "--format", "acled", "--type", "assault",
                                 "--country", "MLI"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == ACLED_HEADER
    assert "event(s) written" in result.stderr
    assert all(",MLI" in line or line.startswith("MLI") for line in result.stdout.splitlines()[1:])
    out = tmp_path / "events.parquet"
    result = runner.invoke(cli, ["export", "--db", str(db_path), "--format", "parquet", "--out", str(out),
                                 "--level", "mentions", "--bbox", "-10,0,10,30"])
    assert result.exit_code == 0, result.output
    count = duckdb.connect().execute("SELECT count(*) FROM read_parquet(?)", [str(out)]).fetchone()
    assert count is not None and f"{count[0]} event(s) written" in result.stderr and count[0] > 0
    geo = tmp_path / "events.geojson"
    assert runner.invoke(cli, ["export", "--db", str(db_path), "--format", "geojson", "--out", str(geo)]).exit_code == 0
    assert json.loads(geo.read_text(encoding="utf-8"))["features"]


@pytest.mark.parametrize(("args", "message"), [
    (["--format", "parquet"], "--out"),
    (["--bbox", "1,2"], "--bbox"),
    (["--type", "PARADE"], "--type"),
    (["--since", "2024-02-01", "--until", "2024-01-01"], "--until"),
    (["--format", "xml"], "--format"),
])
def test_export_command_rejects_bad_options(db_path: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, ["export", "--db", str(db_path), *args])
    assert result.exit_code == 2 and message in result.output


def test_export_command_on_a_missing_database(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["export", "--db", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 1 and "no such database" in result.output


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_export_command_to_a_folder_that_does_not_exist(db_path: Path, tmp_path: Path, fmt: str) -> None:
    target = tmp_path / "missing" / f"events.{fmt}"
    result = CliRunner().invoke(cli, ["export", "--db", str(db_path), "--format", fmt, "--out", str(target)])
    assert result.exit_code == 1 and f"{target}: cannot write" in result.output
