"""Our event fields → ACLED's and GDELT's columns: takes a flat event row (`query.FLAT_COLUMNS`), gives
the row in the other dataset's layout.

ACLED (`acled_row`, columns `ACLED_COLUMNS`):
  event_id_cnty    location country (ISO3) + our event id; XXX when the country is unknown
  event_date, year the middle day of the event's date window (ACLED also dates a week- or month-long
                   report inside its span, and says so in time_precision)
  time_precision   1 day; 2 week, or only the publication date to go by; 3 month, season or year
  disorder_type    from event_type: Political violence / Demonstrations / Strategic developments
  event_type, sub_event_type   our crosswalk (coding/data/crosswalk.tsv)
  actor1, actor2   source and target names; inter1/inter2 from their sector (data/sectors.tsv), 8 for
                   state forces outside their own country; interaction = the two codes, lower first
                   (a sole actor: its code and 0)
  civilian_targeting   "Civilian targeting" when political violence has civilians as target
  iso              ISO 3166-1 numeric; region (data/acled_regions.tsv); country (our country names)
  admin1; admin2   only when the place is itself a second-level unit; location, latitude, longitude
  geo_precision    1 town or point, 2 second-level unit, 3 first-level unit, country or region
  source           the outlets that reported it ("; "); notes: the evidence sentence
  fatalities       killed, the lowest figure reported (0 when none was given, as ACLED writes it)
  tags             status when not asserted, then context tags ("; ")
  timestamp        when the row was stored (Unix seconds)
  Always empty: assoc_actor_1, assoc_actor_2, admin3, source_scale (we do not code them).

GDELT (`gdelt_row`, columns `GDELT_COLUMNS`):
  GLOBALEVENTID    our event id's first 15 hex digits as a number (the id in hex: printf '%015x')
  SQLDATE          start of the date window, YYYYMMDD
  ActorNCode       country (ISO3 or IGO) + CAMEO role from the sector (data/sectors.tsv): MLIMIL, USAGOV
  ActorNName       the actor's name, upper-cased as GDELT writes them; ActorNCountryCode: ISO3
  IsRootEvent      1 when the evidence is among the first three sentences (title and lead)
  EventCode, EventBaseCode, EventRootCode, QuadClass, GoldsteinScale: our CAMEO crosswalk
  NumMentions, NumSources, NumArticles: mentions, outlets and documents of the event
  ActionGeo_Type   1 country, 2/3 US state/city, 4 world city (point or second-level unit), 5 world state
                   (first-level unit); empty for a region
  ActionGeo_FullName "place, first-level unit, country"; ActionGeo_CountryCode: ISO3 (GDELT uses FIPS 10-4,
                   which we do not ship); ActionGeo_FeatureID: the GeoNames id (GDELT uses GNS/GNIS ids)
  DATEADDED        when the row was stored, YYYYMMDDHHMMSS; SOURCEURL: the URL (or source path) of the
                   report the row's fields come from
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import pycountry

from tacitus.errors import DataError
from tacitus.resolve.gazetteer import DEFAULT_COUNTRIES_TSV, read_countries_tsv
from tacitus.tables import read_rows

DATA_DIR = Path(str(resources.files("tacitus.export") / "data"))

ACLED_COLUMNS = (
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type", "sub_event_type",
    "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "interaction", "civilian_targeting",
    "iso", "region", "country", "admin1", "admin2", "admin3", "location", "latitude", "longitude", "geo_precision",
    "source", "source_scale", "notes", "fatalities", "tags", "timestamp",
)
GDELT_COLUMNS = (
    "GLOBALEVENTID", "SQLDATE", "Actor1Code", "Actor1Name", "Actor1CountryCode", "Actor2Code", "Actor2Name",
    "Actor2CountryCode", "IsRootEvent", "EventCode", "EventBaseCode", "EventRootCode", "QuadClass", "GoldsteinScale",
    "NumMentions", "NumSources", "NumArticles", "ActionGeo_Type", "ActionGeo_FullName", "ActionGeo_CountryCode",
    "ActionGeo_Lat", "ActionGeo_Long", "ActionGeo_FeatureID", "DATEADDED", "SOURCEURL",
)

# ACLED codes events that took place; a plan, a demand, a hypothesis or a denial is not one.
ACLED_STATUSES = frozenset({"asserted", "claimed"})
_TIME_PRECISION = {"day": 1, "week": 2, "document": 2, "month": 3, "quarter": 3, "season": 3, "year": 3}
_GEO_PRECISION = {"point": 1, "admin2": 2, "admin1": 3, "country": 3, "region": 3}
_DISORDER = {
    "Battles": "Political violence", "Explosions/Remote violence": "Political violence",
    "Violence against civilians": "Political violence", "Riots": "Political violence; Demonstrations",
    "Protests": "Demonstrations", "Strategic developments": "Strategic developments",
}
_STATE_INTER = 1
_EXTERNAL_INTER = 8
_CIVILIAN_INTER = 7
# First sentences that count as the lead (the title is sentence 0 of a stored text).
_LEAD_SENTENCES = 3
_GDELT_ID_DIGITS = 15


@dataclass(frozen=True)
class SectorCodes:
    acled_inter: int | None
    cameo_role: str


@cache
def sector_codes(path: Path = DATA_DIR / "sectors.tsv") -> dict[str, SectorCodes]:
    out: dict[str, SectorCodes] = {}
    for lineno, cells in read_rows(path, 3, ("sector", "acled_inter", "cameo_role"), allow_empty=True):
        sector, inter, role = cells
        if inter and not inter.isdigit():
            raise DataError(f"{path}:{lineno}: acled_inter {inter!r} is not a number")
        out[sector] = SectorCodes(int(inter) if inter else None, role)
    return out


@cache
def acled_regions(path: Path = DATA_DIR / "acled_regions.tsv") -> dict[str, str]:
    out: dict[str, str] = {}
    for lineno, (region, countries) in read_rows(path, 2, ("region", "countries")):
        for code in countries.split("|"):
            if code in out:
                raise DataError(f"{path}:{lineno}: {code} is already in {out[code]}")
            out[code] = region
    return out


@cache
def country_names() -> dict[str, str]:
    return {row.iso3: row.name for row in read_countries_tsv(DEFAULT_COUNTRIES_TSV)}


@cache
def iso_numeric(iso3: str) -> str:
    found = pycountry.countries.get(alpha_3=iso3)
    return str(int(found.numeric)) if found is not None else ""


# -- ACLED ----------------------------------------------------------------------------------------


def acled_row(row: Mapping[str, Any]) -> dict[str, Any] | None:
    """The ACLED row of a flat event; None for an event ACLED would not code (no ACLED event type, or
    not an event that took place)."""
    event_type = row["acled_event_type"]
    if not event_type or row["status"] not in ACLED_STATUSES:
        return None
    day = _middle(row["date_start"], row["date_end"])
    country = row["location_country"]
    place_country = country if country and country != "IGO" else None
    inter1 = _acled_inter(row["source_sector"], row["source_country"], place_country)
    inter2 = _acled_inter(row["target_sector"], row["target_country"], place_country)
    codes = sorted(c for c in (inter1, inter2) if c is not None)
    interaction = "" if not codes else f"{codes[0]}{codes[1] if len(codes) > 1 else 0}"
    disorder = _DISORDER.get(event_type, "")
    precision = row["location_precision"]
    tags = ([] if row["status"] == "asserted" else [row["status"]]) + [
        tag for tag in (row["context"] or "").split(";") if tag]
    added = row["added_at"]
    return {
        "event_id_cnty": f"{place_country or 'XXX'}{row['id']}",
        "event_date": day.isoformat() if day else "",
        "year": day.year if day else "",
        "time_precision": _TIME_PRECISION.get(row["date_precision"] or "", ""),
        "disorder_type": disorder,
        "event_type": event_type,
        "sub_event_type": row["acled_sub_event_type"] or "",
        "actor1": row["source_name"] or "",
        "assoc_actor_1": "",
        "inter1": "" if inter1 is None else inter1,
        "actor2": row["target_name"] or "",
        "assoc_actor_2": "",
        "inter2": "" if inter2 is None else inter2,
        "interaction": interaction,
        "civilian_targeting": "Civilian targeting"
        if disorder.startswith("Political violence") and inter2 == _CIVILIAN_INTER else "",
        "iso": iso_numeric(place_country) if place_country else "",
        "region": acled_regions().get(place_country or "", ""),
        "country": country_names().get(place_country or "", ""),
        "admin1": row["location_admin1"] or "",
        "admin2": row["location_name"] if precision == "admin2" else "",
        "admin3": "",
        "location": row["location_name"] or "",
        "latitude": _number(row["lat"]),
        "longitude": _number(row["lon"]),
        "geo_precision": _GEO_PRECISION.get(precision or "", ""),
        "source": row["source_names"] or "",
        "source_scale": "",
        "notes": row["sentence"] or "",
        "fatalities": row["killed"] if row["killed"] is not None else 0,
        "tags": "; ".join(tags),
        "timestamp": int(added.replace(tzinfo=datetime.UTC).timestamp()) if added else "",
    }


def _acled_inter(sector: str | None, actor_country: str | None, place_country: str | None) -> int | None:
    codes = sector_codes().get(sector or "")
    if codes is None or codes.acled_inter is None:
        return None
    if (codes.acled_inter == _STATE_INTER and actor_country and place_country
            and actor_country not in ("IGO", place_country)):
        return _EXTERNAL_INTER  # ACLED: state forces active outside their own country are external forces
    return codes.acled_inter


def _middle(start: datetime.date | None, end: datetime.date | None) -> datetime.date | None:
    if start is None:
        return end
    if end is None or end <= start:
        return start
    return start + (end - start) // 2


# -- GDELT ----------------------------------------------------------------------------------------


def gdelt_row(row: Mapping[str, Any]) -> dict[str, Any] | None:
    """The GDELT-style row of a flat event; None when it has no CAMEO code."""
    cameo = row["cameo"]
    if not cameo:
        return None
    country = row["location_country"]
    precision = row["location_precision"]
    added = row["added_at"]
    start = row["date_start"]
    names = country_names()
    full_name = ", ".join(dict.fromkeys(
        part for part in (row["location_name"], row["location_admin1"], names.get(country or "", "")) if part))
    sentence = row["first_sentence_index"]
    return {
        "GLOBALEVENTID": _gdelt_id(row["id"]),
        "SQLDATE": start.strftime("%Y%m%d") if start else "",
        "Actor1Code": _cameo_actor(row["source_country"], row["source_sector"]),
        "Actor1Name": (row["source_name"] or "").upper(),
        "Actor1CountryCode": row["source_country"] or "",
        "Actor2Code": _cameo_actor(row["target_country"], row["target_sector"]),
        "Actor2Name": (row["target_name"] or "").upper(),
        "Actor2CountryCode": row["target_country"] or "",
        "IsRootEvent": 1 if sentence is not None and sentence < _LEAD_SENTENCES else 0,
        "EventCode": cameo,
        "EventBaseCode": cameo[:3],
        "EventRootCode": cameo[:2],
        "QuadClass": row["quad_class"] if row["quad_class"] is not None else "",
        "GoldsteinScale": _number(row["goldstein"]),
        "NumMentions": row["mentions"],
        "NumSources": row["sources"],
        "NumArticles": row["articles"],
        "ActionGeo_Type": _geo_type(precision, country),
        "ActionGeo_FullName": full_name,
        "ActionGeo_CountryCode": country or "",
        "ActionGeo_Lat": _number(row["lat"]),
        "ActionGeo_Long": _number(row["lon"]),
        "ActionGeo_FeatureID": row["geonameid"] if row["geonameid"] is not None else "",
        "DATEADDED": added.strftime("%Y%m%d%H%M%S") if added else "",
        "SOURCEURL": row["urls"] or "",
    }


def _gdelt_id(event_id: str) -> int | str:
    head = event_id[:_GDELT_ID_DIGITS]
    try:
        return int(head, 16)
    except ValueError:
        return event_id


def _cameo_actor(country: str | None, sector: str | None) -> str:
    codes = sector_codes().get(sector or "")
    role = codes.cameo_role if codes else ""
    return f"{country or ''}{role}"


def _geo_type(precision: str | None, country: str | None) -> int | str:
    us = country == "USA"
    if precision in ("point", "admin2"):
        return 3 if us else 4
    if precision == "admin1":
        return 2 if us else 5
    if precision == "country":
        return 1
    return ""


def _number(value: float | None) -> float | str:
    return "" if value is None else value
