"""Place mentions: takes a parsed spaCy Doc and a Gazetteer, gives `PlaceMention`s resolved to GeoNames.

Every toponym is listed, each with how the text uses it (`use`): literal ("in Gao"), a modifier ("California
Governor"), inside an organisation's name ("Arizona State University"), a demonym ("Malian troops" → Mali,
never a town) or a metonym ("Washington said"); only literal mentions can say where an event happened.
Homonyms are ranked with the whole article (which countries it is about, "Town, Region", "(Bankass,
Mopti)", "Slidell, La." and "Country's Region" pairs, the states it names, "the X region" wording, feature
class, population, whether the text wrote the place's own name or one of its alternate names); "the capital"
is the capital of the country the article is about. `event_place`, `acted_on_place`, `earlier_place` and
`in_another_time` help the pipeline pick the place where one event happened from the parse around it.
"""

from __future__ import annotations

import calendar
import copy
import math
from collections import Counter
from collections.abc import Iterable, Sequence, Set
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import cache
from pathlib import Path
from weakref import WeakKeyDictionary

from spacy.tokens import Doc, Span, Token

from tacitus.errors import DataError
from tacitus.geo import great_circle_km
from tacitus.models import PlaceRef
from tacitus.nlp import doc_text, sentence_bounds, sentence_of, span_text
from tacitus.resolve.gazetteer import Gazetteer, GeoEntry, normalize_name

ADMIN_ABBREVIATIONS_TSV = Path(__file__).parent / "data" / "admin_abbreviations.tsv"

LOCATIVE_PREPS = frozenset({
    "in", "at", "near", "outside", "across", "from", "into", "toward", "towards", "around",
    "throughout", "inside", "within",
})
# Prepositions that introduce a place without saying it is where something happened ("sent to Kidal",
# "the road between Gao and Kidal"): enough to read a weakly tagged name as a place, not locative.
DIRECTIONAL_PREPS = frozenset({"to", "via", "between", "through", "along", "past", "beyond"})
# A place under these belongs to another event ("deployed troops after talks in Beirut").
TEMPORAL_PREPS = frozenset({"after", "before", "during", "following", "since", "until", "ahead", "amid"})
_PLACE_PREPS = LOCATIVE_PREPS | DIRECTIONAL_PREPS
# "according to Xinhua", "thanks to Qatar": a "to" after these introduces a source or a cause.
_TO_NOT_PLACE = frozenset({"according", "thanks", "due", "owing"})
# Words naming an administrative unit: "the Kidal region", "Borno state", "the province of Idlib".
ADMIN_WORDS = frozenset({
    "region", "province", "state", "governorate", "department", "district", "prefecture", "county",
    "oblast", "circle", "cercle",
})
# Of those, the ones news also uses for a region that is no admin unit ("the Sahel region").
REGION_WORDS = frozenset({"region"})
# Names made only of these words ("South", "the East", "North-West") are directions before they are
# Cameroon's or Burkina Faso's regions: a place only with an admin word after them.
COMPASS_WORDS = frozenset({
    "north", "south", "east", "west", "northeast", "northwest", "southeast", "southwest", "northern",
    "southern", "eastern", "western", "central", "centre", "center",
})
# Small words inside place names ("Croix-des-Bouquets", "Horn of Africa", "Jammu and Kashmir").
NAME_PARTICLES = frozenset({"de", "des", "du", "la", "le", "les", "al", "el", "of", "the", "and", "-", "‐"})
# A gazetteer name may run past the entity the model found ("Croix" of "Croix-des-Bouquets"): up to
# this many tokens either side are tried.
_EXTEND_TOKENS = 5
# "Taliban-controlled", "Iran-backed": a name hyphenated to a lower-case word qualifies something else
# and is no place where that happened; "Kyiv-based" is the exception, it says where someone is.
_HYPHEN_PLACE_WORDS = frozenset({"based"})
# Nouns through which a place stays locative: "in the village of Ogossagou", "in the Mopti region".
PLACE_NOUNS = ADMIN_WORDS | frozenset({
    "village", "town", "city", "commune", "locality", "area", "outskirts", "suburb", "suburbs",
    "capital", "neighbourhood", "neighborhood", "camp", "municipality", "hamlet", "border", "vicinity",
    "port", "island", "enclave", "oasis", "valley", "settlement", "township", "borough",
})
# Institutions that share their name with a small town ("in Congress", "from the Police"): never read
# as places when only a weak tag (ORG, PERSON, untagged) put them forward.
INSTITUTION_WORDS = frozenset({
    "congress", "parliament", "senate", "council", "court", "police", "army", "assembly", "government",
    "cabinet", "ministry", "embassy", "navy", "church", "university",
})
STRONG_LABELS = frozenset({"GPE", "LOC", "FAC"})
WEAK_LABELS = frozenset({"ORG", "PERSON", "NORP"})
# Labels that never hold a place name; any other label the model gives (PRODUCT for "Mirebalais", EVENT,
# WORK_OF_ART, LAW for "the Louisiana Purchase") is read as weakly as ORG.
NON_PLACE_LABELS = frozenset({"DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL", "LANGUAGE"})
# Capitalised after a demonym, these make it part of a sea's or a landform's name ("Indian Ocean").
FEATURE_WORDS = frozenset({"ocean", "sea", "gulf", "bay", "peninsula", "subcontinent", "basin", "strait", "desert"})
# Nouns after a demonym that make it name the country's land: "from Nigerien airspace", "on Malian soil".
TERRITORY_NOUNS = frozenset({"territory", "airspace", "soil", "waters", "land", "lands", "coast", "coastline"})
# An apposition headed by these says the name before it is a place: "Mirebalais, about 50 km northeast of
# Port-au-Prince", "Bukavu, the capital of South Kivu".
DISTANCE_WORDS = frozenset({"km", "kilometre", "kilometer", "kilometres", "kilometers", "mile", "miles"})
# Organisation-name labels a place may sit inside ("Arizona State University", "Norwich City").
_EMBEDDING_LABELS = frozenset({"ORG", "FAC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", ""})
# A name inside an organisation's name is read as a place from at most this many tokens.
_EMBEDDED_TOKENS = 4

_PRECISION_RANK = {"point": 0, "admin2": 1, "admin1": 2, "country": 3, "region": 4}

# Ranking weights. A country or region name beats any town of the same name ("Africa" is the continent,
# not Mahdia, whose alternate names include it); focus on a country is worth about a factor 180 in
# population (Tripoli in a Lebanon story is the Lebanese city), not more (Paris in a US story is still
# the French capital); a "Town, Region" pair settles everything. A name found only among a place's
# alternate names (translations, old names: "White House" is one of Casablanca's) counts as a place
# 30 times smaller ("Quebec" is Québec, not the US town that also answers to it).
_COUNTRY_PRIOR = 10.0
_FOCUS_WEIGHT = 4.5
_POPULATION_WEIGHT = 2.0
_CAPITAL_BONUS = 1.0
_QUALIFIED_BONUS = 30.0
_ALTERNATE_PENALTY = 3.0
# A weakly tagged name found among a town's alternate names must read as a spelling of the town's own
# name (difflib ratio): "Wagadugu" for Ouagadougou is 0.74, "Air" for Air Khās 0.55.
_SPELLING_SIMILARITY = 0.6
# Admin units and regions carry no population of their own; they rank as a town of this size would.
_RANK_POPULATION = {"admin1": 300_000, "admin2": 50_000, "region": 1_000_000}
# A region other mentions sit in ("Atlanta" → Georgia) wins over a country of the same name.
_ADMIN_FOCUS_BONUS = 10.0
# A place not in any country the article is about must be at least this big to be believed on a
# weak tag or a LOC/FAC tag ("in the North" is Cameroon's North region only in a Cameroon story);
# a town whose name no other country uses, at least the second size.
_NOTABLE_POPULATION = 100_000
_WORLD_CITY_POPULATION = 1_000_000  # a city known by name everywhere
_UNAMBIGUOUS_POPULATION = 10_000
# A town this many times bigger than every namesake abroad points to its country like a country name does.
_DOMINANT_SHARE = 10
# A town in a state or province the article names ("Riverdale" in a story that says "N.J.") ranks as one
# about 18 times bigger (not more: a story naming Texas may still mean Portland, Oregon).
_TOWN_IN_NAMED_UNIT_BONUS = 2.5
# A "Town, Region" pair whose town has no known admin1 is accepted within this distance.
_QUALIFIER_KM = {"admin1": 250.0, "admin2": 100.0}


# How a mention uses its place (GeoWebNews's classes, coarsened). Only a literal mention can say where an
# event happened; the others are still toponyms, listed in a document's places.
LITERAL = "literal"  # the place itself: "in Gao", "Gao was quiet", "the Kidal region"
MODIFIER = "modifier"  # qualifies a name or noun: "California Governor Jerry Brown", "Chicago police"
EMBEDDED = "embedded"  # part of an organisation's name: "Arizona State University", "Norwich City"
DEMONYM = "demonym"  # a country's or region's adjective: "Malian troops", "European markets"
METONYM = "metonym"  # stands for its government or people: "Washington said", "Mali rejected"
USES: tuple[str, ...] = (LITERAL, MODIFIER, EMBEDDED, DEMONYM, METONYM)


@dataclass(frozen=True)
class PlaceMention:
    span: Span
    ref: PlaceRef  # start/end are character offsets into doc.text
    locative: bool  # introduced by a locative preposition, or part of a "X, Y" pair after one
    use: str = LITERAL  # one of USES


@dataclass(eq=False)
class _Candidate:
    span: Span
    label: str  # the entity label, "" for an untagged proper-noun run
    entries: list[GeoEntry]
    key: str  # the folded name the entries were found under (the span without an admin word)
    admin_word: str | None = None  # "region" of "the Kidal region", "state" of "Borno State"
    locative: bool = False
    introduced: bool = False  # after a locative or directional preposition
    qualifier: _Candidate | None = None  # Y of "X, Y", on X
    qualified: _Candidate | None = None  # X of "X, Y", on Y
    pairs: list[tuple[GeoEntry, GeoEntry]] = field(default_factory=list)  # (X entry, Y entry) that fit
    forced: GeoEntry | None = None  # chosen by a "X, Y" pair
    signals: list[str] = field(default_factory=list)  # ISO3 codes this mention points to
    use: str = LITERAL
    chars: int | None = None  # the name is only this many first characters of the span ("U.S." of "U.S.-led")

    @property
    def strong(self) -> bool:
        """Tagged GPE/LOC/FAC by the NER or the EntityRuler."""
        return self.label in STRONG_LABELS

    @property
    def region_context(self) -> bool:
        return self.admin_word is not None


# ----- candidates -------------------------------------------------------------------------------------

def _trim(span: Span) -> Span | None:
    """Drop a leading determiner and trailing possessive or punctuation ("the Sahel's" → "Sahel")."""
    start, end = span.start, span.end
    doc = span.doc
    while start < end and ((first := doc[start]).pos_ == "DET" or first.is_punct):
        start += 1
    while end > start and ((last := doc[end - 1]).tag_ == "POS" or last.is_punct or last.lower_ in ("'s", "’s")):
        end -= 1
    return Span(doc, start, end) if end > start else None  # Span(): spaCy's `doc[a:b]` is twice as slow


@dataclass(frozen=True)
class _Strings:
    """Every token's text and coarse tag, read once per document: the candidate scans go over every
    token, and each spaCy attribute read makes a Token and a string."""

    text: list[str]
    pos: list[str]


_STRINGS: WeakKeyDictionary[Doc, _Strings] = WeakKeyDictionary()  # no reference back to the document


def _strings(doc: Doc) -> _Strings:
    strings = _STRINGS.get(doc)
    if strings is None:
        tokens = list(doc)
        strings = _STRINGS[doc] = _Strings([t.text for t in tokens], [t.pos_ for t in tokens])
    return strings


def _propn_runs(doc: Doc, taken: set[int]) -> Iterable[Span]:
    """Maximal runs of proper nouns outside `taken`, hyphenated names kept whole ("Centre-Ouest")."""
    strings = _strings(doc)
    pos, text = strings.pos, strings.text
    start = None
    for i in range(len(pos)):
        # A hyphen inside a run (looked at only where the token is no proper noun itself).
        if (pos[i] == "PROPN" or (
                start is not None and text[i] == "-" and not doc[i - 1].whitespace_
                and i + 1 < len(pos) and pos[i + 1] == "PROPN" and not doc[i].whitespace_)) \
                and i not in taken:
            start = i if start is None else start
        else:
            if start is not None:
                yield doc[start:i]
            start = None
    if start is not None:
        yield doc[start:len(doc)]


def _lookup(span: Span, gazetteer: Gazetteer, strong: bool,
            fold_case: bool) -> tuple[list[GeoEntry], Span, str, str | None]:
    """Entries for a span, trying it whole, without a trailing admin word ("Kidal region"), and for a
    LOC/FAC name its longest proper-noun run ("Bamako airport" → Bamako). Returns the entries, the
    span they were found for, the text looked up, and the admin word that came with it."""
    entries = gazetteer.lookup(span_text(span), fold_case)
    if entries:
        return entries, span, span_text(span), None
    if len(span) > 1 and span[-1].lower_ in ADMIN_WORDS:
        entries = gazetteer.lookup(span_text(span[:-1]), fold_case)
        if entries:
            return entries, span, span_text(span[:-1]), span[-1].lower_
    if strong and len(span) > 1:
        runs = sorted(_propn_runs(span.as_doc(), set()), key=len, reverse=True)
        for run in runs:
            sub = span[run.start:run.end]
            # The head of an "X of Y" name is no place of its own ("Bay" of "Bay of Bengal").
            if sub.end < span.end and span.doc[sub.end].lower_ == "of":
                continue
            if span_text(sub) != span_text(span) and (entries := gazetteer.lookup(span_text(sub), fold_case)):
                return entries, sub, span_text(sub), None
    return [], span, span_text(span), None


def _region_word(span: Span) -> str | None:
    """The admin word of 'the Kidal region', 'Borno state' (it heads the name), 'the region of Mopti'."""
    doc = span.doc
    if span.end < len(doc):
        nxt = doc[span.end]
        after = doc[span.end + 1] if span.end + 1 < len(doc) else None
        # Not the start of an institution's name: "the U.S. Department of Transportation", "State Department".
        institution = after is not None and (after.lower_ == "of" or (after.is_title and nxt.is_title))
        if _lemma(nxt) in ADMIN_WORDS and nxt.pos_ in ("NOUN", "PROPN") and span.root.head == nxt \
                and nxt.dep_ != "compound" and not institution:
            return _lemma(nxt)  # "the Limpopo provinces" too
    if span.start >= 2 and doc[span.start - 1].lower_ == "of" and doc[span.start - 2].lower_ in ADMIN_WORDS:
        return doc[span.start - 2].lower_
    return None


def _is_compass(text: str) -> bool:
    words = normalize_name(text).split()
    return bool(words) and all(w in COMPASS_WORDS for w in words)


def _shouted(span: Span, sentence: Span, datelines: set[tuple[int, int]]) -> bool:
    """Whether capitals say nothing where `span` stands: a dateline, or a sentence set in capitals."""
    if (span.start, span.end) in datelines:
        return True
    words = [t for t in sentence if t.is_alpha and len(t) > 1]
    return len(words) >= 3 and sum(t.is_upper for t in words) >= 0.6 * len(words)


def _name_token(tok: Token) -> bool:
    return tok.is_title or tok.is_upper or tok.lower_ in NAME_PARTICLES


def _extend(span: Span, sent: Span, gazetteer: Gazetteer, fold_case: bool) -> Span:
    """The longest gazetteer name that holds `span` inside its sentence, over name-like neighbours
    ("Croix" → "Croix-des-Bouquets", "Kurdistan" → "Kurdistan region"); `span` itself if none."""
    doc = span.doc
    lefts = [span.start]
    while (len(lefts) <= _EXTEND_TOKENS and lefts[-1] > sent.start
           and _name_token(doc[lefts[-1] - 1]) and "\n" not in doc[lefts[-1] - 1].text_with_ws):
        lefts.append(lefts[-1] - 1)
    rights = [span.end]
    while (len(rights) <= _EXTEND_TOKENS and rights[-1] < sent.end
           and "\n" not in doc[rights[-1] - 1].text_with_ws
           and (_name_token(doc[rights[-1]]) or doc[rights[-1]].lower_ in ADMIN_WORDS)):
        rights.append(rights[-1] + 1)
    if len(lefts) == 1 and len(rights) == 1:
        return span
    # Longest first; a name starts and ends on a capitalised word (or ends on "region": "Great Lakes region").
    for start, end in sorted(((a, b) for a in lefts for b in rights), key=lambda ab: ab[0] - ab[1]):
        if (start, end) == (span.start, span.end) or end - start <= len(span):
            break
        first, last = doc[start], doc[end - 1]
        # A leading "the" adds nothing ("The U.S." is "U.S."), and "The Hague" is found as "Hague".
        if not (first.is_title or first.is_upper) or first.lower_ == "the" or not (
                last.is_title or last.is_upper or last.lower_ in ADMIN_WORDS):
            continue
        if gazetteer.lookup(span_text(doc[start:end]), fold_case):
            return doc[start:end]
    return span


def _lemma(tok: Token) -> str:
    # Docs built without a lemmatizer (tests, other pipelines) still carry the lower-case form.
    return (tok.lemma_ or tok.lower_).lower()


def _listing_noun(prep: Token) -> Token:
    """The noun a complement or a list hangs from: "village" of "the village of X", "towns" of "towns,
    including X" and of "towns such as X"."""
    head = prep.head
    if prep.lower_ == "as" and head.lower_ == "such":
        return head.head
    if prep.lower_ == "including" and head.pos_ in ("VERB", "AUX"):
        # "broke out in several towns on Monday, including X": the list the clause named
        listed = [g for c in head.children if c.dep_ == "prep" for g in c.children
                  if g.dep_ == "pobj" and _lemma(g) in PLACE_NOUNS]
        return listed[0] if listed else head
    return head


def _governing_prep(span: Span) -> Token | None:
    """The place-introducing preposition (locative or directional) a place hangs from, through "of"
    after a place noun ("in the village of X"), conjuncts and appositions ("in X, Y"), compounds
    ("in the X region") and possessives."""
    tok = span.root
    for _ in range(12):
        head = tok.head
        if head.i == tok.i:
            break
        if head.pos_ == "ADP" or tok.dep_ == "pobj":
            if _is_place_prep(head):
                return head
            # "in the village of X"; "in several towns, including X" and "cities such as X" list places
            listed = _listing_noun(head) if head.lower_ in ("of", "including", "like", "as") else head
            if listed != head and _lemma(listed) in PLACE_NOUNS:
                tok = listed
                continue
            break
        if tok.dep_ in ("conj", "appos", "compound", "poss", "npadvmod", "nmod", "amod") or (
            _lemma(head) in PLACE_NOUNS and head.pos_ == "NOUN"
        ):
            tok = head
            continue
        break
    # The parse may miss the attachment; a preposition right before the name (after at most a
    # determiner and an adjective: "in northern Mali") is still one.
    doc = span.doc
    i = span.start - 1
    while i >= 0 and span.start - i <= 3 and doc[i].pos_ in ("DET", "ADJ"):
        i -= 1
    if i >= 0 and _is_place_prep(doc[i]) and doc[i].pos_ == "ADP":
        return doc[i]
    return None


_DATELINE_ENDS = frozenset({"(", "—", "–", "-", "--"})


def _before_agency(doc: Doc, i: int) -> bool:
    """Whether an upper-case name at `i` is followed by an agency in parentheses and a dash, wherever it
    stands ("... Associated Press WASHINGTON (AP) — China vowed")."""
    end = i
    while end < len(doc) and end - i < 6 and doc[end].is_upper and doc[end].is_alpha:
        end += 1
    return (end + 3 < len(doc) and doc[end].text == "(" and doc[end + 2].text == ")"
            and doc[end + 3].text in _DATELINE_ENDS)


# Calendar words, which a DATE entity of proper nouns may still be ("Ramadan" aside, "Manbij" is no date).
_CALENDAR_WORDS = frozenset(w.lower() for w in (*calendar.month_name, *calendar.month_abbr, *calendar.day_name,
                                                 *calendar.day_abbr) if w)


def _misread_name(ent: Span) -> bool:
    """A name the model tagged as a date or time ("in Manbij" as DATE): capitalised proper nouns only,
    with no number and no month or weekday among them."""
    return ent.label_ in ("DATE", "TIME") and all(
        t.pos_ == "PROPN" and t.is_title and t.lower_ not in _CALENDAR_WORDS for t in ent)


def _is_place_prep(tok: Token) -> bool:
    if tok.lower_ not in _PLACE_PREPS:
        return False
    return not (tok.lower_ == "to" and tok.i > 0 and tok.doc[tok.i - 1].lower_ in _TO_NOT_PLACE)


def _datelines(doc: Doc) -> Iterable[Span]:
    """'BAMAKO, Mali (Reuters) -', 'WINNIPEG —', 'NEW DELHI:': an upper-case name opening the text or a
    paragraph, then a comma, a dash, a colon or the agency; or opening a sentence, then anything but the
    comma or colon (pages that run stories together put the next dateline mid-paragraph); or anywhere,
    then the agency in parentheses and a dash."""
    for tok in doc:
        if not tok.is_upper:
            continue  # the common case, decided before looking at the token before it
        paragraph = tok.i == 0 or "\n" in doc[tok.i - 1].text_with_ws
        if not (paragraph or tok.is_sent_start or _before_agency(doc, tok.i)):
            continue
        end = tok.i
        while end < len(doc) and end - tok.i < 6 and (
                (doc[end].is_upper and doc[end].is_alpha)
                or (doc[end].text in ("-", "‐") and end > tok.i and not doc[end - 1].whitespace_)):
            end += 1
        if end > tok.i and end < len(doc) and doc[end - 1].is_alpha and (
                doc[end].text in _DATELINE_ENDS or (paragraph and doc[end].text in (",", ":"))):
            yield doc[tok.i:end]


def _region_adjective(text: str, gazetteer: Gazetteer) -> GeoEntry | None:
    """The region a region's adjective is made from: "European" → Europe, "African" → Africa, "Latin
    American" → Latin America, "Middle Eastern" → Middle East (countries have their demonyms listed)."""
    if not text[:1].isupper() or not text.endswith("n"):
        return None
    for stem in (text[:-1], text[:-2], text[:-3]):
        if len(stem) < 3:
            break
        found = [e for e in gazetteer.lookup(stem) if e.feature == "region" and _own_key(e, stem)]
        if found:
            return found[0]
    return None


def _own_key(e: GeoEntry, text: str) -> bool:
    return normalize_name(e.name) == normalize_name(text)


def _demonym_entry(text: str, gazetteer: Gazetteer) -> GeoEntry | None:
    """The country ("Malian" → Mali) or region ("European" → Europe) a demonym names; None for any other
    word, and for a country's own name ("Niger" is not Nigerien)."""
    if gazetteer.country_by_name(text) is not None:
        return None
    if (iso3 := gazetteer.country_by_demonym(text)) is not None:
        return gazetteer.country(iso3)
    return _region_adjective(text, gazetteer)


def _make_demonym(span: Span, label: str, entry: GeoEntry) -> _Candidate | None:
    """A demonym qualifying a noun as a country's or region's mention; before a territory noun ("from
    Nigerien airspace") it names the land itself, locative if a preposition introduces it."""
    root = span.root
    doc = span.doc
    if span.end < len(doc) and doc[span.end].is_title and doc[span.end].lower_ in FEATURE_WORDS:
        return None  # "the Indian Ocean", "the Persian Gulf": a sea's name, not the country
    hyphened = span.end + 1 < len(doc) and doc[span.end].text in ("-", "‐") and not doc[span.end - 1].whitespace_
    if root.tag_ in ("NNS", "NNPS") or not (
            root.pos_ == "ADJ" or root.dep_ in ("amod", "compound", "nmod") or hyphened):
        return None  # "the Malians", "Americans": people; "Russian-backed" qualifies
    cand = _Candidate(span, label, [entry], normalize_name(entry.name), use=DEMONYM, forced=entry)
    if root.dep_ in ("amod", "compound", "nmod") and _lemma(root.head) in TERRITORY_NOUNS:
        prep = _governing_prep(span)
        cand.use = LITERAL
        cand.introduced = prep is not None
        cand.locative = prep is not None and _is_locative(prep)
    return cand


def _candidates(doc: Doc, gazetteer: Gazetteer) -> list[_Candidate]:
    raw: list[tuple[Span, str]] = []
    taken: set[int] = set()
    ents = doc.ents  # spaCy builds them anew on every access
    for ent in ents:
        taken.update(range(ent.start, ent.end))
        if ent.label_ in NON_PLACE_LABELS and not _misread_name(ent):
            continue
        span = _trim(ent)
        if span is not None:
            raw.append((span, ent.label_))
    datelines = {(d.start, d.end) for d in _datelines(doc)}
    raw.extend((run, "") for run in _propn_runs(doc, taken))
    # Demonyms no entity took ("Russian-European projects").
    strings = _strings(doc)
    raw.extend((doc[i:i + 1], "") for i, pos in enumerate(strings.pos) if pos == "ADJ" and doc[i].is_title
               and i not in taken and _demonym_entry(strings.text[i], gazetteer) is not None)
    raw.extend((doc[a:b], "") for a, b in datelines if not taken.intersection(range(a, b))
               and doc[a].pos_ != "PROPN")
    # A gazetteer name may reach past its entity ("Croix" of "Croix-des-Bouquets"): take the longest
    # reading, then drop the spans it swallowed.
    spans: list[tuple[Span, str, bool]] = []
    for span, label in raw:
        if not any(c.isupper() for c in span_text(span)):
            continue  # "des" tagged PROPN: English writes place names with a capital
        sent = doc[slice(*sentence_bounds(doc, span.start))]
        fold_case = any(t.is_upper for t in span) and _shouted(span, sent, datelines)
        spans.append((_extend(span, sent, gazetteer, fold_case), label, fold_case))
    spans.sort(key=lambda r: (r[0].start, -len(r[0])))
    # "Khalil" after "Mahmoud Khalil": a person's surname, unless a locative preposition says otherwise.
    surnames = {ent[-1].lower_ for ent in ents if ent.label_ == "PERSON" and len(ent) > 1}

    out: list[_Candidate] = []
    covered = 0
    for span, label, fold_case in spans:
        if span.start < covered:
            continue
        covered = span.end
        # "the Hanoi Summit", "the Doha Forum": an untagged name headed by the entity before it is the
        # rest of that name.
        if not label and span.start > 0 and doc[span.start - 1].ent_type_ and (
                span.start <= doc[span.start - 1].head.i < span.end) and (span.start, span.end) not in datelines:
            continue
        # Demonyms ("Malian troops", "European markets") point to their country or region, never to a
        # town; people ("the Malians") are no place at all.
        if (country := _demonym_entry(span_text(span), gazetteer)) is not None:
            # "Latin American", "West African": a qualifier before it makes the demonym a region's.
            wider = doc[span.start - 1:span.end] if span.start > 0 and doc[span.start - 1].is_title else None
            if wider is not None and (region := _region_adjective(span_text(wider), gazetteer)) is not None:
                span, country = wider, region
            if (demonym := _make_demonym(span, label, country)) is not None:
                out.append(demonym)
            continue
        # Other adjectives ("Arab countries") name no place; the small model also tags "the Kidal region"
        # NORP + ADJ, so a place noun lets one through.
        if label == "NORP" and (root := span.root).pos_ == "ADJ" and _lemma(root.head) not in PLACE_NOUNS:
            continue
        comma = next((t.i for t in span if t.text == ","), None)
        if comma is not None and not gazetteer.lookup(span_text(span), fold_case):
            # "Bankass, Mopti" tagged as one entity: read it as a pair.
            parts = [doc[span.start:comma], doc[comma + 1:span.end]]
            pair = [_make(p, label, gazetteer, fold_case) for p in parts if len(p)]
            out.extend(c for c in pair if c is not None)
            continue
        cand = _make(span, label, gazetteer, fold_case)
        if cand is None:
            continue
        if (len(span) == 1 and span[0].lower_ in surnames and not cand.locative
                and gazetteer.country_by_name(span_text(span)) is None
                and gazetteer.capital_country(span_text(span)) is None):
            continue
        # A dateline names where the story was filed: a place, though not where events happened.
        if (span.start, span.end) in datelines:
            cand.introduced, cand.use = True, LITERAL
        out.append(cand)
        # An organisation's name may hold more than one place ("MLA for Nelson-Creston", "the Essex and
        # Herts Air Ambulance"): look on past each one found inside it.
        inner = cand
        for _ in range(3):
            if inner.use not in (EMBEDDED, DEMONYM) or not span.start <= inner.span.start < inner.span.end < span.end:
                break
            rest = doc[inner.span.end:span.end]
            while len(rest) and (rest[0].is_punct or rest[0].lower_ in NAME_PARTICLES):
                rest = rest[1:]
            if not len(rest) or (nxt := _embedded(rest, label, gazetteer, whole=True)) is None:
                break
            out.append(nxt)
            inner = nxt
    out.extend(_abbreviated_units(doc, gazetteer, out))
    out.extend(_hyphened_countries(doc, gazetteer, out))
    out.sort(key=lambda c: c.span.start)
    return out


@cache
def read_admin_abbreviations(path: Path = ADMIN_ABBREVIATIONS_TSV) -> dict[str, tuple[str, str]]:
    """abbreviation → (ISO3, admin1 name) from the table of news-style state and province abbreviations;
    DataError naming the file and line when it is bad."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise DataError(f"{path}: cannot read abbreviation table ({exc.strerror})") from exc
    rows = [(n, line) for n, line in enumerate(lines, start=1) if line.strip() and not line.startswith("#")]
    if not rows or rows[0][1].split("\t") != ["abbreviation", "country", "admin1"]:
        raise DataError(f"{path}: header must be abbreviation country admin1")
    out: dict[str, tuple[str, str]] = {}
    for n, line in rows[1:]:
        cells = [c.strip() for c in line.split("\t")]
        if len(cells) != 3 or not all(cells) or len(cells[1]) != 3:
            raise DataError(f"{path}:{n}: expected abbreviation, ISO3 code and admin1 name")
        out[cells[0]] = (cells[1].upper(), cells[2])
    return out


def _hyphened_countries(doc: Doc, gazetteer: Gazetteer, cands: Sequence[_Candidate]) -> list[_Candidate]:
    """"U.S.-led", "Kenya-based" written as one token: a country or its demonym before a hyphen and a
    lower-case word qualifies that word, and is still the country's mention."""
    covered = {i for c in cands for i in range(c.span.start, c.span.end)}
    out: list[_Candidate] = []
    for i, text in enumerate(_strings(doc).text):
        head, sep, tail = text.rpartition("-")
        if not sep or not head or not tail.isalpha() or not tail.islower() or i in covered:
            continue
        entry = gazetteer.country_by_name(head) or _demonym_entry(head, gazetteer)
        if entry is not None:
            use = DEMONYM if gazetteer.country_by_name(head) is None else MODIFIER
            out.append(_Candidate(doc[i:i + 1], "", [entry], normalize_name(entry.name), use=use,
                                  forced=entry, chars=len(head)))
    return out


def _abbreviated_units(doc: Doc, gazetteer: Gazetteer, cands: Sequence[_Candidate]) -> list[_Candidate]:
    """"Slidell, La.", "(Ga.)", "Nelson, B.C.": a state or province abbreviation after a comma or an opening
    parenthesis, the only places where "La." or "Miss." cannot be a word or a title."""
    table = read_admin_abbreviations()
    covered = {i for c in cands for i in range(c.span.start, c.span.end)}
    out: list[_Candidate] = []
    texts = _strings(doc).text
    for i in range(1, len(texts)):
        if texts[i - 1] not in (",", "(") or i in covered:
            continue
        text, end = texts[i], i + 1
        if text not in table and end < len(texts) and texts[end] == "." and not doc[i].whitespace_:
            text, end = text + ".", end + 1  # "La" "." at the end of a sentence
        if text not in table:
            continue
        iso3, name = table[text]
        entry = next((e for e in gazetteer.lookup(name) if e.feature == "admin1" and e.country == iso3), None)
        if entry is not None:
            # The span stops before a sentence-final period the abbreviation shares.
            span = doc[i:i + 1]
            out.append(_Candidate(span, "GPE", [entry], normalize_name(entry.name), forced=entry, introduced=True))
    return out


def _qualifies_a_noun(span: Span) -> bool:
    """'Taliban-controlled areas', 'Iran-backed militias': the name is hyphenated to a lower-case word."""
    doc = span.doc
    i = span.end
    return (i + 1 < len(doc) and doc[i].text in ("-", "‐") and not doc[i - 1].whitespace_
            and not doc[i].whitespace_ and doc[i + 1].is_lower and doc[i + 1].is_alpha
            and doc[i + 1].lower_ not in _HYPHEN_PLACE_WORDS)


def _modifies_a_name(span: Span) -> bool:
    """The span is a compound modifier of a capitalised proper noun after it that is no place word."""
    root = span.root
    head = root.head
    return (root.dep_ == "compound" and head.i >= span.end and head.pos_ == "PROPN" and head.is_title
            and head.lower_ not in PLACE_NOUNS)


def _embeddable(e: GeoEntry, text: str, gazetteer: Gazetteer) -> bool:
    """Whether a name inside an organisation's name may read as this place: a country, an admin unit, or a
    town of some size written under its own name ("Norwich City"); ranking then asks more of a town the
    article is not about."""
    if e.feature in ("country", "admin1", "admin2"):
        return True
    return e.feature == "city" and _own_key(e, text) and (
        e.population >= _UNAMBIGUOUS_POPULATION or gazetteer.is_capital(e))


def _embedded(span: Span, label: str, gazetteer: Gazetteer, whole: bool = False) -> _Candidate | None:
    """A place named at the start of an organisation's name or after its "of" ("Arizona State University",
    "Bank of England", "Russian Defense Ministry"): a toponym, though never where anything happened. With
    `whole`, the span may be the name itself (what follows a place already found in a longer name)."""
    doc = span.doc
    starts = [span.start, *(t.i + 1 for t in span[:-1] if t.lower_ == "of")]
    for a in starts:
        for b in range(min(span.end, a + _EMBEDDED_TOKENS), a, -1):
            if (a, b) == (span.start, span.end) and not whole:
                continue  # the whole name was looked up already
            sub = doc[a:b]
            if not (_name_token(sub[0]) and (sub[-1].is_title or sub[-1].is_upper)) or sub[0].lower_ == "the":
                continue
            if (country := _demonym_entry(span_text(sub), gazetteer)) is not None:
                return _Candidate(sub, label, [country], normalize_name(country.name), use=DEMONYM, forced=country)
            entries = [e for e in gazetteer.lookup(span_text(sub)) if _embeddable(e, span_text(sub), gazetteer)]
            if entries:
                return _Candidate(sub, label, entries, normalize_name(span_text(sub)), use=EMBEDDED)
    # A demonym anywhere in it: "the Single European Sky", "the Common European Framework".
    for tok in span[1:]:
        if tok.is_title and (country := _demonym_entry(tok.text, gazetteer)) is not None:
            sub = doc[tok.i:tok.i + 1]
            return _Candidate(sub, label, [country], normalize_name(country.name), use=DEMONYM, forced=country)
    return None


def _located_in_name(span: Span, label: str, gazetteer: Gazetteer) -> _Candidate | None:
    """The place that ends a name after "in" or "at" ("U.N. peacekeepers in Lebanon", "the U.S. Embassy in
    Kabul"): where the organisation is, a literal place (the registry names such forces as one entity)."""
    doc = span.doc
    for tok in span[1:-1]:
        if tok.lower_ not in ("in", "at"):
            continue
        sub = doc[tok.i + 1:span.end]
        if not all(_name_token(t) for t in sub) or not sub[0].is_title or len(sub) > _EMBEDDED_TOKENS:
            continue
        entries = [e for e in gazetteer.lookup(sub.text) if _embeddable(e, sub.text, gazetteer)]
        if entries:
            cand = _Candidate(sub, label, entries, normalize_name(sub.text), use=LITERAL)
            cand.introduced = cand.locative = True
            return cand
    return None


def _make(span: Span, label: str, gazetteer: Gazetteer, fold_case: bool = False) -> _Candidate | None:
    strong = label in STRONG_LABELS
    entries, found, text, admin_word = _lookup(span, gazetteer, strong, fold_case)
    if not entries:
        if len(span) > 1 and label in _EMBEDDING_LABELS:
            return _embedded(span, label, gazetteer) or _located_in_name(span, label, gazetteer)
        if len(span) > 2 and label == "PERSON":
            # The model often takes "New Brunswick RCMP" for a person: only a state or province named
            # in more than one word is believed there (a one-word country is too often a first name).
            inner = _embedded(span, label, gazetteer)
            if inner is not None and len(inner.span) > 1 and inner.use == EMBEDDED:
                inner.entries = [e for e in inner.entries if e.feature == "admin1"]
                return inner if inner.entries else None
        return None
    if not strong and (span.root.pos_ not in ("PROPN", "NOUN", "ADJ")
                       or span_text(span).lower() in INSTITUTION_WORDS):
        return None
    admin_word = admin_word or _region_word(found)
    if admin_word is None and _is_compass(text):
        return None  # "the South China Sea" cut short, "in the East": a direction, no region
    use = LITERAL
    if _modifies_a_name(found):
        # "Asia Society", "Alliance of Sahel States": a region inside a longer name is an organisation's
        # (and so is a town that only shares the region's name); a town, unit or country named first
        # there qualifies the name ("California Governor Jerry Brown") or says where ("Gao Airport").
        if entries[0].feature == "region":
            entries, use = [e for e in entries if e.feature == "region"], EMBEDDED
        else:
            use = MODIFIER
    cand = _Candidate(found, label, entries, normalize_name(text), admin_word, use=use)
    prep = _governing_prep(found)
    # A name the model took for a person or an organisation, modifying a noun that is no place ("in the
    # Obama administration", "in the Xinhua report"), is that person or organisation.
    root = found.root
    actor_modifier = (label in ("PERSON", "ORG") and root.dep_ == "compound"
                      and _lemma(root.head) not in PLACE_NOUNS)
    cand.introduced = (prep is not None or _placed_by_apposition(found) or _taken_place(found)) \
        and not _qualifies_a_noun(found) and not actor_modifier
    cand.locative = cand.introduced and prep is not None and _is_locative(prep) and use != EMBEDDED
    if cand.locative and use == MODIFIER:
        cand.use = LITERAL  # "at Gao Airport": the airport is in the town
    elif not cand.introduced and root.dep_ in ("nsubj", "nsubjpass") and root.head.pos_ == "VERB":
        cand.use = METONYM  # "Washington said", "Mali rejected the plan": its government acts
    return cand


# Verbs whose object is, in war news, a place: "M23 rebels attacked Goma", "troops retook Kidal". The small
# model often tags such a town PERSON; the verb says what it is.
PLACE_OBJECT_VERBS = frozenset({"attack", "capture", "seize", "overrun", "besiege", "retake", "recapture", "storm",
                                "encircle", "shell", "bombard", "occupy", "liberate", "enter", "raid"})


def _taken_place(span: Span) -> bool:
    """Whether the name is the object of a verb of taking or attacking a place ("attacked Goma")."""
    root = span.root
    return root.dep_ == "dobj" and root.head.pos_ == "VERB" and root.head.lemma_.lower() in PLACE_OBJECT_VERBS


def _placed_by_apposition(span: Span) -> bool:
    """Whether an apposition or an "of" says the name is a place: "Bukavu, the capital of South Kivu",
    "Mirebalais, about 50 km northeast of ...", "the town of Mirebalais", "Jodi Mahler of Bellmore"."""
    root = span.root
    for child in root.children:
        if child.dep_ == "appos" and (_lemma(child) in PLACE_NOUNS or child.lower_ in DISTANCE_WORDS):
            return True
    head = root.head
    if root.dep_ == "appos" and _lemma(head) in PLACE_NOUNS and head.pos_ == "NOUN":
        return True
    # "the town of Mirebalais"; "Jodi Mahler of Bellmore": where a person is from.
    return root.dep_ == "pobj" and head.lower_ == "of" and (
        (_lemma(head.head) in PLACE_NOUNS and head.head.pos_ == "NOUN") or head.head.ent_type_ == "PERSON")


def _is_locative(prep: Token) -> bool:
    """Whether a place preposition says where something is or happened: "in", "near", "next to", "close
    to"; not "from" under a noun ("deployed with troops from South Africa": an origin), unless the noun is
    the verb's object or the place is a land ("barred aircraft, including flights, from Nigerien airspace"),
    where the parse often hangs the verb's own "from" on a noun."""
    word = prep.lower_
    if word == "to":
        return prep.i > 0 and prep.doc[prep.i - 1].lower_ in ("next", "close")
    head = prep.head
    land = any(c.dep_ == "pobj" and _lemma(c) in TERRITORY_NOUNS for c in prep.children)
    if word == "from" and head.pos_ in ("NOUN", "PROPN") and head.i != prep.i and head.dep_ != "dobj" and not land:
        return False
    return word in LOCATIVE_PREPS


# ----- "X, Y" pairs ------------------------------------------------------------------------------------

def _km(a: GeoEntry, b: GeoEntry) -> float:
    return great_circle_km(a.lat, a.lon, b.lat, b.lon)


def _contains(outer: GeoEntry, inner: GeoEntry) -> bool:
    """Whether `outer` (a country or admin unit) holds `inner`, as far as the index knows."""
    if outer.country != inner.country or outer == inner:
        return False
    if outer.feature == "country":
        return inner.feature != "country"
    if outer.feature == "admin1" and inner.feature in ("city", "admin2"):
        if inner.admin1 is not None:
            return inner.admin1 == outer.name
        return _km(outer, inner) <= _QUALIFIER_KM["admin1"]
    if outer.feature == "admin2" and inner.feature == "city":
        if inner.admin1 is not None and outer.admin1 is not None and inner.admin1 != outer.admin1:
            return False
        return _km(outer, inner) <= _QUALIFIER_KM["admin2"]
    return False


def _link_pairs(doc: Doc, cands: list[_Candidate], gazetteer: Gazetteer) -> list[_Candidate]:
    """Find "X, Y" and "(X, Y)" pairs; merge a pair that names one place ("Washington, D.C.")."""
    out: list[_Candidate] = []
    i = 0
    while i < len(cands):
        x = cands[i]
        y = cands[i + 1] if i + 1 < len(cands) else None
        if y is None or not (y.span.start == x.span.end + 1 and doc[x.span.end].text == ","):
            out.append(x)
            i += 1
            continue
        joint = doc[x.span.start:y.span.end]
        whole = gazetteer.lookup(span_text(joint))
        if whole or {e.geonameid for e in x.entries} & {e.geonameid for e in y.entries if e.geonameid}:
            merged = _Candidate(joint, x.label if x.strong or not y.strong else y.label,
                                whole or _shared(x.entries, y.entries),
                                normalize_name(span_text(joint)) if whole else x.key,
                                admin_word=x.admin_word, locative=x.locative or y.locative,
                                introduced=x.introduced or y.introduced)
            out.append(merged)
            i += 2
            continue
        # "Mali, Niger and Chad" is a list of countries, not a Malian place in Niger; "Washington, New
        # York and San Francisco" a list of cities, not a town in New York state.
        x_is_country = any(e.feature == "country" for e in x.entries)
        if not x_is_country and not _listed(doc, y, cands[i + 2] if i + 2 < len(cands) else None):
            parenthesised = x.span.start > 0 and doc[x.span.start - 1].text == "("
            _qualify(x, y, parenthesised)
        out.append(x)
        i += 1
    # "Mali's Kidal region", "Burkina Faso's northern Sahel region": the owner qualifies the place.
    for y, x in zip(out, out[1:], strict=False):
        gap = doc[y.span.end:x.span.start]
        if (x.qualifier is None and y.qualified is None and 1 <= len(gap) <= 2
                and gap[0].text in ("'s", "’s", "'") and all(t.pos_ == "ADJ" for t in gap[1:])):
            _qualify(x, y, False)
    return out


def _listed(doc: Doc, y: _Candidate, after: _Candidate | None) -> bool:
    """Whether the Y of "X, Y" goes on into a list ("X, Y and Z", "X, Y, or Z"); a chain of qualifiers
    ("Bankass, Mopti, Mali") is no list."""
    if after is None:
        return False
    gap = [t.lower_ for t in doc[y.span.end:after.span.start]]
    return gap in (["and"], ["or"], [",", "and"], [",", "or"])


def _qualify(x: _Candidate, y: _Candidate, parenthesised: bool) -> None:
    """Make `y` the qualifier of `x` if some reading of `y` holds some reading of `x`."""
    pairs = [(ex, ey) for ex in x.entries for ey in y.entries if _contains(ey, ex)]
    if pairs:
        x.qualifier, y.qualified, x.pairs = y, x, pairs
        x.locative = y.locative = x.locative or y.locative or parenthesised
        x.introduced = y.introduced = x.introduced or y.introduced or parenthesised


def _shared(a: list[GeoEntry], b: list[GeoEntry]) -> list[GeoEntry]:
    ids = {e.geonameid for e in b}
    return [e for e in a if e.geonameid in ids]


# ----- article focus and ranking ------------------------------------------------------------------------

def _signals(text: str, entries: Sequence[GeoEntry], gazetteer: Gazetteer) -> list[str]:
    """Countries a mention points to: its country name, its capital, its demonym, or the one country
    all its gazetteer entries are in (none when one is a region of several countries: "Sahel")."""
    if (c := gazetteer.country_by_name(text)) is not None and c.country is not None:
        return [c.country]
    if (iso3 := gazetteer.capital_country(text)) is not None:
        return [iso3]
    if (iso3 := gazetteer.country_by_demonym(text)) is not None:
        return [iso3]
    countries = {e.country for e in entries}
    if len(countries) == 1:
        only = countries.pop()
        return [only] if only is not None else []
    # "Brooklyn" has namesakes abroad, none within a tenth of its size: it still points to its country.
    towns = [e for e in entries if e.feature == "city" and _own_key(e, text)]
    if towns and len(towns) == len([e for e in entries if e.feature != "admin2"]):
        top = max(towns, key=lambda e: e.population)
        rest = max((e.population for e in towns if e.country != top.country), default=0)
        if top.country is not None and top.population >= max(_DOMINANT_SHARE * rest, _NOTABLE_POPULATION):
            return [top.country]
    return []


class _Focus:
    """How much the article is about each country: mention counts, normalised by the top country."""

    def __init__(self, doc: Doc, cands: Sequence[_Candidate], gazetteer: Gazetteer,
                 hint: Sequence[str]) -> None:
        self.counts: Counter[str] = Counter()
        # Shares by (country, minus): the counts are final once built, and every reading of every mention
        # asks for a share (a copy gets a memo of its own).
        self._shares: dict[tuple[str, tuple[str, ...]], float] = {}
        seen: set[tuple[int, int]] = set()
        inside: set[int] = set()  # tokens of the candidates' spans
        for c in cands:
            c.signals = _signals(span_text(c.span), c.entries, gazetteer)
            self.counts.update(c.signals)
            seen.add((c.span.start, c.span.end))
            inside.update(range(c.span.start, c.span.end))
        for ent in doc.ents:
            span = _trim(ent)
            if span is None or (span.start, span.end) in seen or span.start in inside:
                continue
            if ent.label_ in STRONG_LABELS or ent.label_ in WEAK_LABELS:
                self.counts.update(_signals(span_text(span), [], gazetteer))
        self.named = self.counts.copy()  # what the text itself names, before any hint
        # A caller's hint (a feed's country, a desk) weighs as much as the article's top country; a hint of
        # several countries (those of the article's actors) shares that weight among them.
        top = max(self.counts.values(), default=0)
        for iso3 in hint:
            self.counts[iso3.upper()] += max(1, max(top, 3) // len(hint))

    def with_resolved(self, cands: Sequence[_Candidate], chosen: Sequence[GeoEntry | None]) -> _Focus:
        """This focus plus the countries a first pass placed names in that pointed to none by themselves
        ("Brooklyn" has namesakes abroad; once read as the one in New York, the story is American)."""
        out = copy.copy(self)
        resolved = [e.country for c, e in zip(cands, chosen, strict=True)
                    if e is not None and e.country is not None and not c.signals]
        out.counts, out.named = self.counts.copy(), self.named.copy()
        out._shares = {}
        out.counts.update(resolved)
        out.named.update(resolved)
        return out

    def leader(self, text_only: bool = False) -> str | None:
        """The country the article is clearly about: the one its text names most, half again as often as the
        next (a caller's hint of several countries would tie them); with `text_only`, a hint never decides."""
        ranked = (self.named if text_only else self.named or self.counts).most_common(2)
        if not ranked or ranked[0][1] <= 0 or (len(ranked) > 1 and ranked[0][1] < 1.5 * ranked[1][1]):
            return None
        return ranked[0][0]

    def share(self, iso3: str | None, minus: Sequence[str] = ()) -> float:
        """Focus on a country, 0..1, leaving out a mention's own signals (a place is not evidence
        for itself); 0 for a region of several countries."""
        if iso3 is None:
            return 0.0
        key = (iso3, tuple(minus))
        share = self._shares.get(key)
        if share is None:
            # The counts less `minus`, read without copying them; counts are positive, so a country only
            # `minus` names can never be the top one.
            taken = Counter(minus)
            top = max((n - taken[k] for k, n in self.counts.items()), default=0)
            own = self.counts[iso3] - taken[iso3]
            share = self._shares[key] = own / top if top > 0 and own > 0 else 0.0
        return share


def _admin_key(e: GeoEntry) -> tuple[str, str] | None:
    """The (country, admin1) a resolved place lies in, or is."""
    if e.country is None:
        return None
    if e.feature == "admin1":
        return (e.country, e.name)
    return (e.country, e.admin1) if e.admin1 else None


def _own_name(e: GeoEntry, cand: _Candidate) -> bool:
    """Whether the text wrote the entry's own name, not one of its alternate names."""
    return normalize_name(e.name) == cand.key


def _score(e: GeoEntry, cand: _Candidate, focus: _Focus, gazetteer: Gazetteer,
           admin_focus: Counter[tuple[str, str]] | None = None,
           named_units: Set[tuple[str, str]] = frozenset()) -> float:
    score = _COUNTRY_PRIOR if e.feature in ("country", "region") else 0.0
    score += _FOCUS_WEIGHT * focus.share(e.country, cand.signals)
    population = _RANK_POPULATION.get(e.feature, e.population)
    score += _POPULATION_WEIGHT * math.log10(population + 1)
    if e.feature == "city" and gazetteer.is_capital(e):
        score += _CAPITAL_BONUS
    if admin_focus and e.feature == "admin1" and e.country and admin_focus[(e.country, e.name)] > 0:
        score += _ADMIN_FOCUS_BONUS
    if named_units and e.feature == "city" and e.country and e.admin1 and (e.country, e.admin1) in named_units:
        score += _TOWN_IN_NAMED_UNIT_BONUS
    if not _own_name(e, cand):
        score -= _ALTERNATE_PENALTY
    return score


def _spelling_of(e: GeoEntry, cand: _Candidate) -> bool:
    """Whether the text's name reads as another spelling of the entry's ("Wagadugu", "Irbil"), not as
    a translation or another name ("White House" for Casablanca, "Transit" for a US town)."""
    return SequenceMatcher(None, cand.key, normalize_name(e.name)).ratio() >= _SPELLING_SIMILARITY


def _plausible(e: GeoEntry, cand: _Candidate, focus: _Focus, gazetteer: Gazetteer) -> bool:
    if cand.forced is not None:
        return True
    if cand.admin_word is not None and e.feature == "city":
        # A town standing in for a unit the index lacks ("the Timbuktu region"): only in the article's
        # countries, never a namesake abroad ("the Amur Region" is no Indian town).
        return focus.share(e.country, cand.signals) > 0
    if e.feature == "city" and not gazetteer.is_capital(e) and e.population < _WORLD_CITY_POPULATION \
            and e.country is not None and focus.named[e.country] <= 0 and (leader := focus.leader(True)) is not None \
            and leader != e.country:
        # "Kani" in a story about Myanmar is no town of Japan: a town abroad, in a country the article
        # never names, is not believed in a story clearly about another country (world cities are)
        return False
    if e.feature in ("country", "region") or cand.label == "GPE":
        return True
    own = _own_name(e, cand)
    if not cand.strong and not own and not _spelling_of(e, cand):
        return False
    if focus.share(e.country, cand.signals) > 0:
        return True
    one_country = len({x.country for x in cand.entries}) == 1
    if e.feature == "admin1":
        # A unit whose name has more than one word and no namesake abroad ("North Kivu", "Khyber
        # Pakhtunkhwa") is believed outside the article's countries; "Centre" or "Plateau" is not.
        return one_country and len(cand.key.split()) > 1
    if e.feature != "city":
        return False
    if gazetteer.is_capital(e):
        return True
    # Size vouches for a town only under its own name: "White House" is one of Casablanca's alternate
    # names, "Hamas" one of Hamm's.
    if not own:
        return False
    # A weakly tagged town with no namesake abroad ("in Gao, Kidal and ...") needs less size.
    return e.population >= _NOTABLE_POPULATION or (one_country and e.population >= _UNAMBIGUOUS_POPULATION)


def _named_with_the(span: Span) -> bool:
    """'the White House', 'the Pentagon': a name that takes "the" is no town, towns go bare ("in Gao"),
    unless the name only modifies a noun ("the Dadaab refugee complex")."""
    doc = span.doc
    i = span.start - 1
    while i >= 0 and span.start - i <= 2 and doc[i].pos_ == "ADJ" and doc[i].is_lower:
        i -= 1  # "the tropical Atlantic", "the eastern Pacific"
    return (i >= 0 and doc[i].lower_ == "the"
            and span.root.dep_ not in ("compound", "nmod", "amod", "poss"))


def _filter_features(cand: _Candidate) -> list[GeoEntry]:
    """'The Kidal region' is the region (and 'the Sahel region' may be a region of several countries);
    a bare 'Kidal' is the town the region is named after (the unit whose coordinates are that town's,
    as the index placed it)."""
    entries = cand.entries
    if cand.admin_word is not None:
        kinds = ("admin1", "admin2", "region") if cand.admin_word in REGION_WORDS else ("admin1", "admin2")
        admin = [e for e in entries if e.feature in kinds]
        # A unit the index does not know: a town is the answer only if tagged a place and written under
        # its own name ("the Timbuktu region" is near Timbuktu), not "the Lone Star State".
        return admin or [e for e in entries if e.feature == "city" and cand.strong and _own_name(e, cand)]
    if cand.label != "GPE" and _named_with_the(cand.span):
        entries = [e for e in entries if e.feature != "city"]
    seats = {(e.country, e.lat, e.lon) for e in entries if e.feature == "city"}
    kept = [e for e in entries
            if not (e.feature in ("admin1", "admin2") and (e.country, e.lat, e.lon) in seats)]
    return kept or entries


def _choose(cand: _Candidate, focus: _Focus, gazetteer: Gazetteer,
            admin_focus: Counter[tuple[str, str]] | None = None,
            named_units: Set[tuple[str, str]] = frozenset()) -> GeoEntry | None:
    if cand.forced is not None:
        return cand.forced
    entries = _filter_features(cand)
    if not entries:
        return None
    best = max(entries, key=lambda e: _score(e, cand, focus, gazetteer, admin_focus, named_units))
    return best if _plausible(best, cand, focus, gazetteer) else None


def _kept_town(cand: _Candidate, e: GeoEntry, placed: Set[str], gazetteer: Gazetteer,
               introduced: Set[str], leader: str | None) -> bool:
    """Whether a town chosen on weak evidence stands: a small town inside an organisation's name ("Commerce"
    of "Ministry of Commerce", "Best Buy") only where the article also writes it as a place ("Slidell PD"
    in a story from Slidell); a name the model read as a person's, placed by no grammar here, only where a
    preposition placed it elsewhere and it lies in the country the article is about ("rebels captured
    Goma" after "in Goma" in a Congo story, not "said Noma") — a state or country of that name ("Tamil
    Nadu said") is kept by the caller."""
    if cand.use == EMBEDDED:
        return e.population >= _NOTABLE_POPULATION or gazetteer.is_capital(e) or cand.key in placed
    if cand.label == "PERSON" and not (cand.strong or cand.introduced):
        return cand.key in introduced and e.country is not None and e.country == leader
    return True


def _resolve_pair(x: _Candidate, focus: _Focus, gazetteer: Gazetteer) -> None:
    y = x.qualifier
    assert y is not None
    def pair_score(p: tuple[GeoEntry, GeoEntry]) -> float:
        ex, ey = p
        named = 1.0 if ex.admin1 is not None and ex.admin1 == ey.name else 0.0  # beats a distance guess
        return _score(ex, x, focus, gazetteer) + _score(ey, y, focus, gazetteer) + _QUALIFIED_BONUS * named

    # "Gao, Mali" is the town, as a bare "Gao" is: the same feature filter applies to X.
    kept = {id(e) for e in _filter_features(x)}
    x.forced, y.forced = max([p for p in x.pairs if id(p[0]) in kept] or x.pairs, key=pair_score)


# ----- public ------------------------------------------------------------------------------------------

def _ref(span: Span, e: GeoEntry, chars: int | None = None) -> PlaceRef:
    """The record of a mention; `chars` cuts it to the first characters of its span ("U.S." of "U.S.-led")."""
    end = span.end_char if chars is None else span.start_char + chars
    return PlaceRef(
        text=span_text(span) if chars is None else span_text(span)[:chars],
        name=e.name,
        country=e.country,
        admin1=e.admin1,
        lat=round(e.lat, 5),
        lon=round(e.lon, 5),
        geonameid=e.geonameid or None,
        precision=e.precision,
        start=span.start_char,
        end=end,
    )


def resolve_places(doc: Doc, gazetteer: Gazetteer, country_hint: Sequence[str] = ()) -> list[PlaceMention]:
    """Every place mention in `doc` resolved against `gazetteer`, in text order, one per span.

    `country_hint` lists ISO3 codes the caller knows the article is about (a feed's country).
    """
    cands = _link_pairs(doc, _candidates(doc, gazetteer), gazetteer)
    focus = _Focus(doc, cands, gazetteer, country_hint)
    for c in cands:
        if c.qualifier is not None:
            _resolve_pair(c, focus, gazetteer)
    # One sense per article: a name a qualifier settled ("Sahel, Burkina Faso", "Canada's Ontario")
    # keeps that sense where it comes again, worded alike (with or without "region" after it).
    pinned = {(c.key, c.region_context): c.forced for c in cands
              if c.qualifier is not None and c.forced is not None}
    for c in cands:
        if c.forced is None and (p := pinned.get((c.key, c.region_context))) is not None and p in c.entries:
            c.forced = p

    # A weak tag (ORG, PERSON, NORP, untagged) is a place only where the grammar says so, here or at
    # another mention of the same name (one sense per article: "entered Mirebalais" after "sent to
    # Mirebalais"); demonyms and names inside organisations' names were vetted when they were found.
    placed = {c.key for c in cands if c.introduced or c.label == "GPE"}
    cands = [c for c in cands if c.strong or c.introduced or c.use in (DEMONYM, EMBEDDED) or c.chars or (
        c.key in placed and c.use in (LITERAL, METONYM))]
    chosen = [_choose(c, focus, gazetteer) for c in cands]
    # Names the article's own countries vouch for, once the first pass has told which countries those are.
    refined = focus.with_resolved(cands, chosen)
    for i, c in enumerate(cands):
        if chosen[i] is None and (c.strong or c.introduced) and c.use in (LITERAL, METONYM):
            chosen[i] = _choose(c, refined, gazetteer)
    # Second pass: the regions the first pass placed things in ("Voters in Georgia ... in Atlanta"), as
    # other names tell it: three mentions of "Sahel" are no evidence that one of them is the admin unit.
    # A town's namesakes are told apart by the states and provinces the article names ("Riverdale" after
    # "N.J."): the admin hierarchy, where no "Town, Region" pair settled it.
    regions = Counter(k for e in chosen if e is not None and (k := _admin_key(e)) is not None)
    named_units = {k for e in chosen if e is not None and e.feature in ("admin1", "admin2")
                   and (k := _admin_key(e)) is not None}
    by_name: dict[str, Counter[tuple[str, str]]] = {}
    for c, e in zip(cands, chosen, strict=True):
        if e is not None and (k := _admin_key(e)) is not None:
            by_name.setdefault(c.key, Counter())[k] += 1
    for i, c in enumerate(cands):
        if c.forced is not None:
            continue
        if any(e.feature == "admin1" for e in c.entries):
            others = regions.copy()
            others.subtract(by_name.get(c.key, Counter()))
            chosen[i] = _choose(c, focus, gazetteer, others, named_units)
        elif named_units and len({(e.country, e.admin1) for e in c.entries if e.feature == "city"}) > 1:
            chosen[i] = _choose(c, focus, gazetteer, named_units=named_units)
    introduced = {c.key for c in cands if c.introduced}
    leader = refined.leader()
    mentions: list[PlaceMention] = []
    for c, entry in zip(cands, chosen, strict=True):
        if entry is None or (entry.feature == "city"
                             and not _kept_town(c, entry, placed, gazetteer, introduced, leader)):
            continue
        mentions.append(PlaceMention(c.span, _ref(c.span, entry, c.chars), c.locative, c.use))
    mentions.extend(_capitals(doc, gazetteer, focus, mentions))
    mentions.sort(key=lambda m: m.span.start)
    return mentions


_CAPITAL_TABLES: WeakKeyDictionary[Gazetteer, dict[str, GeoEntry]] = WeakKeyDictionary()


def capital_of(gazetteer: Gazetteer, iso3: str) -> GeoEntry | None:
    """The capital city of a country (the first one its table lists), from the gazetteer's capitals."""
    table = _CAPITAL_TABLES.get(gazetteer)
    if table is None:
        table = {}
        for surface, _label in gazetteer.ruler_names():
            country = gazetteer.capital_country(surface)
            if country is None or country in table:
                continue
            entry = next((e for e in gazetteer.lookup(surface) if e.country == country and gazetteer.is_capital(e)),
                         None)
            if entry is not None:
                table[country] = entry
        _CAPITAL_TABLES[gazetteer] = table
    return table.get(iso3)


def _capital_country(tok: Token, gazetteer: Gazetteer, focus: _Focus) -> str | None:
    """Whose capital "capital" is: the country it is written with ("Mali's capital", "the Malian
    capital"), else, after a bare "the", the country the article is about."""
    words = [c for c in tok.children if c.dep_ in ("poss", "amod", "compound", "det")]
    for child in words:
        if child.dep_ == "det":
            continue
        name = child.doc[child.left_edge.i:child.i + 1].text
        if (country := gazetteer.country_by_name(name)) is not None:
            return country.country
        if (entry := _demonym_entry(child.text, gazetteer)) is not None and entry.feature == "country":
            return entry.country
        return None  # "the economic capital", "its capital": someone else's, or not a seat of government
    return focus.leader() if any(c.lower_ == "the" for c in words) else None


def _capitals(doc: Doc, gazetteer: Gazetteer, focus: _Focus, mentions: Sequence[PlaceMention]) -> list[PlaceMention]:
    """"The capital" where no name says which: the capital of the country named with it, or of the country
    the article is about ("in the capital" of a story from Haiti is Port-au-Prince)."""
    taken = {i for m in mentions for i in range(m.span.start, m.span.end)}
    out: list[PlaceMention] = []
    for i, pos in enumerate(_strings(doc).pos):
        if pos != "NOUN":
            continue  # read off the table first: a Token only for nouns
        tok = doc[i]
        if tok.lower_ != "capital" or tok.i in taken or tok.dep_ in ("compound", "amod", "attr"):
            continue
        if tok.dep_ == "appos" or any(c.dep_ == "appos" or (c.dep_ == "prep" and c.lower_ == "of")
                                      for c in tok.children):
            continue  # "Bamako, the capital", "the capital, Bamako", "the capital of Kivu": named there
        iso3 = _capital_country(tok, gazetteer, focus)
        entry = capital_of(gazetteer, iso3) if iso3 is not None else None
        if entry is None:
            continue
        span = doc[tok.i:tok.i + 1]
        prep = _governing_prep(span)
        out.append(PlaceMention(span, _ref(span, entry), prep is not None and _is_locative(prep)))
    return out


def _has_own_subject(verb: Token, trigger: Token) -> bool:
    for child in verb.children:
        if child.dep_ in ("nsubj", "nsubjpass", "csubj", "expl"):
            # "the attack that killed five in Tessalit": the relative clause describes the trigger.
            if verb.dep_ == "relcl" and verb.head == trigger and child.tag_ in ("WDT", "WP"):
                continue
            return True
    return False


def _governors(trigger: Token) -> list[Token]:
    """The verbs whose clause the trigger's place can hang from: for a noun ("launched an attack"),
    its nearest verb; for a verb without its own subject ("began to attack", "stormed and seized"),
    the verb it depends on."""
    out: list[Token] = []
    tok = trigger
    if trigger.pos_ in ("NOUN", "PROPN"):
        while tok.head.i != tok.i and tok.pos_ not in ("VERB", "AUX"):
            tok = tok.head
        if tok.i != trigger.i and tok.pos_ in ("VERB", "AUX"):
            out.append(tok)
    elif trigger.dep_ in ("xcomp", "conj") and not _has_own_subject(trigger, trigger):
        out.append(trigger.head)
    return out


def _steps_to(tok: Token, targets: Sequence[Token], trigger: Token) -> int | None:
    """Head-chain steps from a place to one of `targets`, or None when the chain leaves the clause
    (passes a verb with its own subject) or the sentence."""
    steps = 0
    while tok not in targets:
        head = tok.head
        if head.i == tok.i:
            return None
        if head.pos_ in ("VERB", "AUX") and head not in targets and _has_own_subject(head, trigger):
            return None
        if tok.dep_ in ("pobj", "pcomp") and head.lower_ in TEMPORAL_PREPS:
            return None  # "released them ... after seizing the ship in the Red Sea"
        tok = head
        steps += 1
    return steps


def _within(inner: PlaceRef, outer: PlaceRef) -> bool:
    """Whether `inner` is a finer place inside `outer` (a town in its country or its admin1 unit)."""
    if not inner.country or inner.country != outer.country:
        return False
    if outer.precision == "country":
        return inner.precision in ("admin1", "admin2", "point")
    return outer.precision == "admin1" and inner.precision in ("admin2", "point") and bool(
        inner.admin1) and inner.admin1 == outer.admin1


def event_place(trigger: Token, mentions: Sequence[PlaceMention]) -> PlaceMention | None:
    """The place where the event of `trigger` happened: a locative place in the trigger's own clause,
    else one inside the trigger's noun phrase, else None (the caller falls back)."""
    sent = sentence_of(trigger)
    local = [m for m in mentions if m.locative and sent.start <= m.span.start < sent.end]
    if not local:
        return None

    def rank(m: PlaceMention, steps: int) -> tuple[int, int, int]:
        return (steps, _PRECISION_RANK.get(m.ref.precision or "", 9), abs(m.span.start - trigger.i))

    for targets in ([trigger], _governors(trigger)):
        if not targets:
            continue
        hits = [(m, s) for m in local if m.span.root != trigger
                and (s := _steps_to(m.span.root, targets, trigger)) is not None]
        if hits:
            best = min(hits, key=lambda h: rank(*h))[0]
            # "a road east of Tyre in southern Lebanon": a place inside the one the clause names is where
            # (not one that describes the actor: "rebels based in Goma attacked villages in Congo")
            actor = {t.i for v in targets for c in v.children if c.dep_ in ("nsubj", "nsubjpass") for t in c.subtree}
            finer = [(m, s) for m in mentions if sent.start <= m.span.start < sent.end and m.span.root != trigger
                     and m.span.root.i not in actor and _within(m.ref, best.ref)
                     and (s := _steps_to(m.span.root, targets, trigger)) is not None]
            return min(finer, key=lambda h: rank(*h))[0] if finer else best
    if trigger.pos_ in ("NOUN", "PROPN"):
        left, right = trigger.left_edge.i, trigger.right_edge.i
        inside = [m for m in local if left <= m.span.start and m.span.end - 1 <= right]
        if inside:
            return min(inside, key=lambda m: rank(m, 0))
    return None


def acted_on_place(tokens: Sequence[Token | None], mentions: Sequence[PlaceMention]) -> PlaceMention | None:
    """The place an act was done to, from the act's object tokens: a literal mention that is the object
    ("the rebels captured Goma") or the "of" complement of a place noun that is ("overran the town of
    Mirebalais")."""
    for tok in tokens:
        if tok is None:
            continue
        for m in mentions:
            if m.use != LITERAL:
                continue
            if m.span.start <= tok.i < m.span.end:
                return m
            root = m.span.root
            if (root.dep_ == "pobj" and root.head.lower_ == "of" and root.head.head.i == tok.i
                    and _lemma(tok) in PLACE_NOUNS):
                return m
    return None


def earlier_place(sent: Span, mentions: Sequence[PlaceMention]) -> PlaceMention | None:
    """The last place the paragraph said something happened in before `sent` ("ambushed a patrol near
    Ouallam ... It said troops killed dozens in a counter-attack"): where its story still is."""
    text = doc_text(sent.doc)
    paragraph = text.rfind("\n\n", 0, sent.start_char)
    before = [m for m in mentions
              if m.use == LITERAL and m.locative and paragraph < m.span.start_char < sent.start_char]
    if not before:
        return None
    # Of the last sentence that placed anything, its finest place ("near Ouallam, in the Tillaberi region").
    last = sentence_of(before[-1].span.root)
    return min((m for m in before if m.span.start >= last.start),
               key=lambda m: _PRECISION_RANK.get(m.ref.precision or "", 9))


def in_another_time(mention: PlaceMention, trigger: Token) -> bool:
    """Whether the place hangs from a time clause the trigger is not in ("released the crew ... months after
    seizing the ship in the Red Sea"): the place of that earlier or later act."""
    tok = mention.span.root
    for _ in range(24):
        head = tok.head
        if head.i == tok.i:
            return False
        if tok.dep_ in ("pobj", "pcomp") and head.lower_ in TEMPORAL_PREPS:
            return not (tok.left_edge.i <= trigger.i <= tok.right_edge.i)
        tok = head
    return False
