"""The merging rule: whether two stored event mentions can report one real-world event.

Takes two `Mention`s (a stored event with the publication date and outlet of its article, and
the dates, towns and telling words of its sentence) and gives a `Comparison`: a veto naming the
first disagreement (type family, status, dates, places, source actors), or the points of positive
agreement per aspect. A mention joins an event when nothing vetoes it and the agreements, taken
over the event's reports (`profile_score`), reach `LINK_SCORE`: absence of conflict alone never
merges two reports. The weights and their reasons are the constants below; docs/DESIGN.md says
how they were measured.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..errors import DataError
from ..geo import POINT_KM, place_km
from ..models import PLOVER_TYPES
from ..tables import read_rows

DATA_DIR = Path(str(resources.files("tacitus.cluster") / "data"))

# A town the sentence or the lead names lies near an event placed by country, not at it: towns
# count as the same place within POINT_KM, and as another place only beyond this.
TOWN_VETO_KM = 100.0
# A place in capitals within this many characters of the start of an article is its dateline.
DATELINE_CHARS = 80
# A date anchored only on the publication day: the event happened that day or in the days before.
DOCUMENT_DAYS_BEFORE = 7
# A pair is linked from this score on: two independent agreements beyond the shared type, e.g.
# the same day and the same town, or the same named actor on the same day.
LINK_SCORE = 3.5
# Pairs from this score on share a component (engine.py), and a mention joins an event only through a
# report it is related to. More than the type and the day alone, so that vague same-day reports of a
# busy country do not chain whole weeks of news into one component.
RELATED_SCORE = 3.0

# Score of each agreement. A shared type is weak (the family is already required); places,
# days and named actors carry the weight.
SAME_TYPE = 0.5
SAME_MODE = 0.5
SAME_DAY = 2.0
NEAR_DAY = 1.5  # day windows that meet only through the family's slack
SAME_WEEK = 1.0  # overlapping windows of a day or a week, one of them a week
SAME_POINT = 2.0  # points within POINT_KM
SAME_TOWN_NAMED = 1.0  # a town the evidence sentence names, where the event was placed more coarsely
SAME_ADMIN1 = 1.5
SAME_COUNTRY_ONLY = 0.5  # both mentions placed at country precision, in the same country
SAME_ACTOR_ID = 2.0
RELATED_ACTOR = 0.5  # the UN and the UN secretary-general; Israel and the Israeli army
SAME_COUNTRY_SECTOR = 1.0
SAME_SECTOR_OR_COUNTRY = 0.5
# Whom an act hit is described loosely ("people", "the government", "Ghana" for its peacekeepers):
# targets never veto; two different named targets cost score.
TARGET_ID_MISMATCH = -1.5
# Two mentions of one family in one article, with nothing against it, are mostly the lead and a
# later sentence of one story (the within-article merge needs a shared named participant).
SAME_ARTICLE = 2.0
SAME_KILLED = 1.0
# Words the two evidence sentences share beyond the common ones ("restaurant", "Abu Shouk", "KM4"):
# reports of one event name the same things; each shared word adds a little, up to a cap.
SHARED_WORD = 1.0
SHARED_WORDS_MAX = 2.0

# Statuses that may describe one act: a party's claim and a reported fact are one attack; a plan,
# a demand, a hypothesis or a denial is a different thing from the act itself.
STATUS_GROUPS: dict[str, str] = {"asserted": "fact", "claimed": "fact"}
# Where a denial is one side's report of a past act ("the army denied that civilians were killed in the
# strike"): violence. Elsewhere a negation is mostly a refusal of an act to come ("refused to withdraw").
DENIED_FAMILIES = frozenset({"ASSAULT", "COERCE"})

_DATE_RANK = {"day": 0, "week": 1, "month": 2, "quarter": 3, "season": 3, "year": 4, "decade": 5, "document": 8}
_PLACE_RANK = {"point": 0, "admin2": 1, "admin1": 2, "country": 3, "region": 4}
# Registry ids that name no registry entry: learned from one document, or a bare name.
_WEAK_ID_PREFIXES = ("learned:", "name:")
# Date expressions of the evidence sentence that can date an event of it (a month or a year cannot).
_SENTENCE_DATE_PRECISIONS = {"day", "week"}
# Civilians named as the actor of an act are mostly its victims read as the subject: a source in this
# group never vetoes.
_LOOSE_GROUP = "civil"
_NOT_A_COUNTRY = "IGO"


@dataclass(frozen=True)
class Family:
    name: str
    day_slack: int
    mutual: bool  # participants may swap roles (meetings, agreements)
    place_vetoes: bool = True  # two places far apart are two acts (not so for statements)


@cache
def families(data_dir: Path = DATA_DIR) -> dict[str, Family]:
    """PLOVER type → its family, from `families.tsv`."""
    path = data_dir / "families.tsv"
    out: dict[str, Family] = {}
    for n, cells in read_rows(path, 5):
        type_, family, slack, roles, place = cells
        if type_ not in PLOVER_TYPES:
            raise DataError(f"{path}:{n}: {type_!r} is not a PLOVER type")
        if not slack.isdigit():
            raise DataError(f"{path}:{n}: day_slack {slack!r} is not a whole number of days")
        if roles not in {"directed", "mutual"}:
            raise DataError(f"{path}:{n}: roles {roles!r} is neither 'directed' nor 'mutual'")
        if place not in {"veto", "loose"}:
            raise DataError(f"{path}:{n}: place {place!r} is neither 'veto' nor 'loose'")
        out[type_] = Family(family, int(slack), roles == "mutual", place == "veto")
    missing = [t for t in PLOVER_TYPES if t not in out]
    if missing:
        raise DataError(f"{path}: no family for {', '.join(missing)}")
    return out


@cache
def common_words(data_dir: Path = DATA_DIR) -> frozenset[str]:
    """The words of `common_words.txt`, which say nothing about which event a sentence reports."""
    return frozenset(word for _, (word,) in read_rows(data_dir / "common_words.txt", 1))


_WORD = re.compile(r"\w+")


def sentence_words(sentence: str) -> frozenset[str]:
    """The telling words of a sentence: of four letters or more, or letters with digits ("KM4", "M23"),
    lower-cased, the common ones left out."""
    common = common_words()
    out = set()
    for word in _WORD.findall(sentence.casefold()):
        if word.isdigit() or "_" in word:
            continue
        if (len(word) >= 4 or any(c.isdigit() for c in word)) and word not in common:
            out.add(word)
    return frozenset(out)


@cache
def sector_groups(data_dir: Path = DATA_DIR) -> dict[str, str]:
    """Actor sector → its group, from `sector_groups.tsv`; sectors not listed belong to no group."""
    path = data_dir / "sector_groups.tsv"
    return {sector: group for _, (sector, group) in read_rows(path, 2)}


@dataclass(frozen=True)
class ActorKey:
    """What a mention says about one participant: a registry id (weak ids dropped), country, sector."""

    id: str | None
    country: str | None
    sector: str | None
    name: str | None = None
    text: str | None = None

    @cached_property  # read for every pair compared
    def group(self) -> str | None:
        return sector_groups().get(self.sector or "")

    @property
    def real_country(self) -> str | None:
        return self.country if self.country and self.country != _NOT_A_COUNTRY else None

    @property
    def known(self) -> bool:
        return bool(self.id or self.group or self.country)


@dataclass(frozen=True)
class PlaceKey:
    name: str | None
    country: str | None
    admin1: str | None
    lat: float | None
    lon: float | None
    geonameid: int | None
    precision: str | None
    text: str | None = None

    @property
    def rank(self) -> int:
        return _PLACE_RANK.get(self.precision or "", 9)


@dataclass(frozen=True)
class Mention:
    """One stored event as the clustering sees it."""

    id: str
    document_id: str
    ordinal: int
    type: str
    mode: str | None
    status: str | None
    source: ActorKey | None
    target: ActorKey | None
    date_start: datetime.date | None
    date_end: datetime.date | None
    date_precision: str | None
    date_text: str | None
    place: PlaceKey | None
    killed: int | None
    injured: int | None
    confidence: float
    published: datetime.date | None
    outlet: str | None
    cluster_id: str | None = None
    component: str | None = None
    # What the evidence sentence names besides the event's own date and place: day or week windows
    # and towns (in the event's country). They stand for the other readings of an ambiguous
    # sentence ("…on Monday, after the attack on Friday"), so they can lift a veto but add little.
    sentence_dates: tuple[tuple[datetime.date, datetime.date], ...] = ()
    sentence_towns: tuple[PlaceKey, ...] = ()
    # The towns of the article's lead paragraph (in the event's country): where the story happened,
    # for an act whose own sentence names no town.
    lead_towns: tuple[PlaceKey, ...] = ()
    words: frozenset[str] = frozenset()  # telling words of the evidence sentence

    @cached_property  # read for every pair compared
    def family(self) -> Family:
        # A type the ontology does not know (a store written by other tools) is a family of its own.
        return families().get(self.type) or Family(self.type, 0, False)

    @property
    def date_rank(self) -> int:
        return _DATE_RANK.get(self.date_precision or "", 9)

    def window(self) -> tuple[datetime.date, datetime.date]:
        """The days the event may have happened on: the dated days and the family's slack before them
        (reports date an act by the day it was reported, claimed or counted, never earlier); the days
        before publication for a publication-day date; unbounded when nothing dates it."""
        return self._window

    @cached_property  # read for every pair compared
    def _window(self) -> tuple[datetime.date, datetime.date]:
        start, end = self.date_start, self.date_end or self.date_start
        if self.date_precision == "document" or start is None:
            anchor = end or self.published
            if anchor is None:
                return datetime.date.min, datetime.date.max
            return _shift(anchor, -DOCUMENT_DAYS_BEFORE), anchor
        return _shift(start, -self.family.day_slack), end or start

    def other_windows(self) -> list[tuple[datetime.date, datetime.date]]:
        """The windows of the other days the sentence names, with the family's slack."""
        days = self.family.day_slack
        return [(_shift(lo, -days), hi) for lo, hi in self.sentence_dates]

    def reach(self) -> tuple[datetime.date, datetime.date]:
        """The hull of every window the mention may be dated by."""
        windows = [self.window(), *self.other_windows()]
        return min(w[0] for w in windows), max(w[1] for w in windows)

    def towns(self) -> tuple[tuple[PlaceKey, ...], bool]:
        """The points the event may lie at — its own place when a point, else the towns of its sentence,
        else those of its article's lead — and whether they come from its own sentence."""
        if self.place is not None and self.place.precision == "point" and self.place.lat is not None:
            return (self.place,), True
        if self.sentence_towns:
            return self.sentence_towns, True
        return self.lead_towns, False

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Mention:
        """From a flat row of `Store.mentions_for_clustering`."""
        return cls(
            id=row["id"], document_id=row["document_id"], ordinal=int(row["ordinal"]), type=row["type"],
            mode=row.get("mode"), status=row.get("status"),
            source=_actor(row, "source_"), target=_actor(row, "target_"),
            date_start=_day(row.get("date_start")), date_end=_day(row.get("date_end")),
            date_precision=row.get("date_precision"), date_text=row.get("date_text"),
            place=_place(row), killed=row.get("killed"), injured=row.get("injured"),
            confidence=float(row.get("confidence") or 0.0), published=_day(row.get("published")),
            outlet=outlet_of(row.get("site"), row.get("url"), row.get("document_source")),
            cluster_id=row.get("cluster_id"), component=row.get("component"),
            sentence_dates=_sentence_dates(row),
            sentence_towns=_towns(row, "sentence_places"),
            lead_towns=_towns(row, "lead_places"),
            words=sentence_words(row.get("evidence_sentence") or ""),
        )


def outlet_of(site: str | None, url: str | None, source: str | None) -> str | None:
    """The news outlet behind a document: its site name, else the host of its URL or source (no www.)."""
    if site and site.strip():
        return site.strip().casefold()
    for candidate in (url, source):
        if candidate and "://" in candidate:
            host = (urlsplit(candidate).hostname or "").casefold()
            if host:
                return host.removeprefix("www.")
    return None


def _shift(day: datetime.date, days: int) -> datetime.date:
    try:
        return day + datetime.timedelta(days=days)
    except OverflowError:
        return datetime.date.min if days < 0 else datetime.date.max


def _day(value: Any) -> datetime.date | None:
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value)[:10])


def _sentence_dates(row: Mapping[str, Any]) -> tuple[tuple[datetime.date, datetime.date], ...]:
    out = []
    for t in row.get("sentence_times") or ():
        start, end = _day(t.get("start")), _day(t.get("end"))
        if t.get("precision") in _SENTENCE_DATE_PRECISIONS and start is not None and end is not None:
            out.append((start, end))
    return tuple(out)


def _actor(row: Mapping[str, Any], prefix: str) -> ActorKey | None:
    raw_id = row.get(f"{prefix}actor_id")
    key = ActorKey(
        id=None if not raw_id or str(raw_id).startswith(_WEAK_ID_PREFIXES) else str(raw_id),
        country=row.get(f"{prefix}country"), sector=row.get(f"{prefix}sector"),
        name=row.get(f"{prefix}name"), text=row.get(f"{prefix}text"),
    )
    if key.known:
        return key
    # Words that resolved to nothing ("the convoy", "gunmen") say nothing about who took part.
    return None


def _towns(row: Mapping[str, Any], column: str) -> tuple[PlaceKey, ...]:
    country = row.get("location_country")
    towns: dict[Any, PlaceKey] = {}
    for p in row.get(column) or ():
        # The dateline ("KHARTOUM, June 4 -") names where the story was filed, not where it happened;
        # a town of another country is no place of an event placed in this one.
        if _is_dateline(p) or (country and p.get("country") != country):
            continue
        key = p.get("geonameid") or (p.get("name"), p.get("lat"), p.get("lon"))
        towns.setdefault(key, _place_key(p, "", precision="point", text=None))
    return tuple(towns.values())


def _is_dateline(place: Mapping[str, Any]) -> bool:
    text, start = place.get("text") or "", place.get("start")
    return start is not None and start < DATELINE_CHARS and text.isupper()


def _place(row: Mapping[str, Any]) -> PlaceKey | None:
    if not any(row.get(f"location_{f}") for f in ("name", "country", "lat")):
        return None
    return _place_key(row, "location_", precision=row.get("location_precision"), text=row.get("location_text"))


def _place_key(fields: Mapping[str, Any], prefix: str, precision: str | None, text: str | None) -> PlaceKey:
    """A place from the `prefix`ed name, country, admin1, lat, lon and geonameid of a row."""
    gid = fields.get(f"{prefix}geonameid")
    return PlaceKey(
        name=fields.get(f"{prefix}name"), country=fields.get(f"{prefix}country"), admin1=fields.get(f"{prefix}admin1"),
        lat=fields.get(f"{prefix}lat"), lon=fields.get(f"{prefix}lon"), geonameid=int(gid) if gid is not None else None,
        precision=precision, text=text,
    )


# -- the rule --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    """`veto` names why two mentions cannot be one event; else `parts` holds the evidence per aspect
    (type, mode, date, place, source, target, article, killed, words) and `reasons` says what agreed."""

    veto: str | None
    parts: Mapping[str, float] = field(default_factory=dict)
    reasons: tuple[str, ...] = ()

    @property
    def score(self) -> float:
        return sum(self.parts.values())

    @property
    def related(self) -> bool:
        """Worth placing in one component (see RELATED_SCORE)."""
        return self.veto is None and self.score >= RELATED_SCORE

    @property
    def linked(self) -> bool:
        return self.veto is None and self.score >= LINK_SCORE


def compare(a: Mention, b: Mention) -> Comparison:
    """Whether `a` and `b` may report one event (veto) and how much says they do (parts)."""
    if a.family.name != b.family.name:
        return Comparison("type family")
    if _status_group(a) != _status_group(b):
        return Comparison("status")
    parts: dict[str, float] = {}
    reasons: list[str] = []
    if a.type == b.type:
        parts["type"] = SAME_TYPE
        reasons.append("type")
        if a.mode and a.mode == b.mode:
            parts["mode"] = SAME_MODE
            reasons.append("mode")
    place = _compare_places(a, b)
    if place[0] is not None and not a.family.place_vetoes:
        place = (None, 0.0, None)  # a statement's place is what it is about, or where it was made
    aspects = [("date", _compare_dates(a, b)), ("place", place)]
    if a.family.mutual:
        aspects.append(("participants", _compare_participants(a, b)))
    else:
        aspects += [("source", _compare_actors(a.source, b.source, "source")),
                    ("target", _compare_actors(a.target, b.target, "target"))]
    for aspect, (veto, points, why) in aspects:
        if veto is not None:
            return Comparison(veto)
        if points:
            parts[aspect] = points
        if why:
            reasons.append(why)
    if a.document_id == b.document_id:
        parts["article"] = SAME_ARTICLE
        reasons.append("same article")
    if a.killed is not None and a.killed == b.killed:
        parts["killed"] = SAME_KILLED
        reasons.append("killed")
    shared = len(a.words & b.words)
    if shared and a.document_id != b.document_id:
        parts["words"] = min(SHARED_WORDS_MAX, SHARED_WORD * shared)
        reasons.append(f"{shared} words")
    return Comparison(None, parts, tuple(reasons))


def _status_group(m: Mention) -> str | None:
    if m.status == "negated" and m.family.name in DENIED_FAMILIES:
        return "fact"  # a denial reports the act too: one event, its reports disagreeing
    return STATUS_GROUPS.get(m.status or "", m.status)


def profile_score(comparisons: Iterable[Comparison]) -> float:
    """The evidence that a mention reports the event of a cluster: per aspect, the best agreement
    with any member (one report gives the town, another the day, a third the named actor)."""
    best: dict[str, float] = {}
    for c in comparisons:
        for aspect, points in c.parts.items():
            best[aspect] = max(best.get(aspect, points), points)
    return sum(best.values())


def _meet(x: tuple[datetime.date, datetime.date], y: tuple[datetime.date, datetime.date]) -> bool:
    return x[0] <= y[1] and y[0] <= x[1]


def _compare_dates(a: Mention, b: Mention) -> tuple[str | None, float, str | None]:
    if not _meet(a.window(), b.window()):
        # Another day the sentence names may be the act's own: then the dates do not contradict.
        if any(_meet(x, y) for x in [a.window(), *a.other_windows()] for y in [b.window(), *b.other_windows()]):
            return None, 0.0, "sentence date"
        return "dates", 0.0, None
    if a.date_precision == "day" and b.date_precision == "day":
        if a.date_start == b.date_start:
            return None, SAME_DAY, "same day"
        if a.document_id == b.document_id and not a.family.mutual:
            # The slack is for other reports' dating; one article dating two acts on two days tells
            # them apart (not so talks, which run over days).
            return "dates", 0.0, None
        return None, NEAR_DAY, "near day"
    if a.date_precision in {"day", "week"} and b.date_precision in {"day", "week"}:
        return None, SAME_WEEK, "same week"
    # A month, a year or the publication day only fails to contradict: a mention dated so loosely
    # ("several times this year") joins an event on its place, actors and words alone.
    return None, 0.0, None


def _compare_places(x: Mention, y: Mention) -> tuple[str | None, float, str | None]:
    veto, points, why = _compare_own_places(x.place, y.place)
    if veto is not None or points >= SAME_ADMIN1:
        return veto, points, why
    # Where one event was placed only by country (or not at all), the towns its sentence names (else
    # its article's lead) decide: a town within reach that the sentences name agrees a little; towns
    # all far apart are different places.
    (towns_x, own_x), (towns_y, own_y) = x.towns(), y.towns()
    if not towns_x or not towns_y:
        return veto, points, why
    nearest = min(place_km(p, q) for p in towns_x for q in towns_y)
    if nearest <= POINT_KM and own_x and own_y:
        return None, points + SAME_TOWN_NAMED, "town named"
    if nearest > TOWN_VETO_KM:
        return "distance", 0.0, None
    return veto, points, why


def _compare_own_places(a: PlaceKey | None, b: PlaceKey | None) -> tuple[str | None, float, str | None]:
    if a is None or b is None:
        return None, 0.0, None
    if a.country and b.country and a.country != b.country:
        return "countries", 0.0, None
    if (a.precision == "point" and b.precision == "point" and None not in (a.lat, a.lon, b.lat, b.lon)):
        if place_km(a, b) > POINT_KM:
            return "distance", 0.0, None
        return None, SAME_POINT, "same place"
    sub_national = {"point", "admin2", "admin1"}
    if a.precision in sub_national and b.precision in sub_national and a.admin1 and b.admin1:
        if a.admin1 != b.admin1:
            return "admin1", 0.0, None
        return None, SAME_ADMIN1, "same admin1"
    if a.precision == "country" and b.precision == "country" and a.country:
        return None, SAME_COUNTRY_ONLY, "same country"
    return None, 0.0, None


def _compare_actors(a: ActorKey | None, b: ActorKey | None, role: str) -> tuple[str | None, float, str | None]:
    if a is None or b is None:
        return None, 0.0, None
    # Who acted is reported reliably, unless read as civilians; whom it hit, loosely.
    veto = role == "source" and _LOOSE_GROUP not in {a.group, b.group}
    if a.id and b.id:
        if a.id == b.id:
            return None, SAME_ACTOR_ID, f"same {role}"
        if _related_ids(a, a.id, b, b.id):
            return None, RELATED_ACTOR, f"related {role}"
        return (f"{role} actors", 0.0, None) if veto else (None, TARGET_ID_MISMATCH, f"{role} differs")
    other_country = bool(a.country and b.country and a.country != b.country)
    other_group = bool(a.group and b.group and a.group != b.group)
    if other_country or other_group:
        return (f"{role} actors", 0.0, None) if veto else (None, 0.0, None)
    same_country = bool(a.country and a.country == b.country)
    same_group = bool(a.group and a.group == b.group)
    if same_country and same_group:
        return None, SAME_COUNTRY_SECTOR, f"{role} country+sector"
    if same_country or same_group:
        return None, SAME_SECTOR_OR_COUNTRY, f"{role} sector or country"
    return None, 0.0, None


def _compare_participants(a: Mention, b: Mention) -> tuple[str | None, float, str | None]:
    """Meetings and agreements: the best agreement between any participant of one and any of the
    other, whatever their roles; participants never veto (a mediator is reported as either side)."""
    best: tuple[float, str | None] = (0.0, None)
    for x in (a.source, a.target):
        for y in (b.source, b.target):
            veto, points, why = _compare_actors(x, y, "participant")
            if veto is None and points > best[0]:
                best = (points, why)
    return None, best[0], best[1]


def _related_ids(a: ActorKey, a_id: str, b: ActorKey, b_id: str) -> bool:
    """Two registry ids for one actor seen at two levels: an organisation and one of its organs
    ("UN", "UN_SECRETARY_GENERAL"), or a state and one of its institutions ("ISR", "IDF" of ISR)."""
    if a_id.startswith(b_id + "_") or b_id.startswith(a_id + "_"):
        return True
    for state, state_id, organ in ((a, a_id, b), (b, b_id, a)):
        if state_id == state.real_country and organ.real_country == state_id and organ.group == "state":
            return True
    return False
