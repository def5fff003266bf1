"""Place mentions: takes a parsed spaCy Doc and a Gazetteer, gives `PlaceMention`s resolved to GeoNames.

Homonyms are ranked with the whole article (which countries it is about, "Town, Region" and
"Country's Region" pairs, "the X region" wording, feature class, population, whether the text wrote the
place's own name or one of its alternate names); `event_place` then picks the place where one event
happened from the parse around its trigger.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from spacy.tokens import Doc, Span, Token

from tacitus.geo import great_circle_km
from tacitus.models import PlaceRef
from tacitus.nlp import sentence_of
from tacitus.resolve.gazetteer import Gazetteer, GeoEntry, normalize_name

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
})
# Institutions that share their name with a small town ("in Congress", "from the Police"): never read
# as places when only a weak tag (ORG, PERSON, untagged) put them forward.
INSTITUTION_WORDS = frozenset({
    "congress", "parliament", "senate", "council", "court", "police", "army", "assembly", "government",
    "cabinet", "ministry", "embassy", "navy", "church", "university",
})
STRONG_LABELS = frozenset({"GPE", "LOC", "FAC"})
WEAK_LABELS = frozenset({"ORG", "PERSON", "NORP"})

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
_UNAMBIGUOUS_POPULATION = 10_000
# A "Town, Region" pair whose town has no known admin1 is accepted within this distance.
_QUALIFIER_KM = {"admin1": 250.0, "admin2": 100.0}


@dataclass(frozen=True)
class PlaceMention:
    span: Span
    ref: PlaceRef  # start/end are character offsets into doc.text
    locative: bool  # introduced by a locative preposition, or part of a "X, Y" pair after one


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
    while start < end and (doc[start].pos_ == "DET" or doc[start].is_punct):
        start += 1
    while end > start and (doc[end - 1].tag_ == "POS" or doc[end - 1].is_punct
                           or doc[end - 1].lower_ in ("'s", "’s")):
        end -= 1
    return doc[start:end] if end > start else None


def _propn_runs(doc: Doc, taken: set[int]) -> Iterable[Span]:
    """Maximal runs of proper nouns outside `taken`, hyphenated names kept whole ("Centre-Ouest")."""
    start = None
    for tok in doc:
        hyphen = (tok.text == "-" and start is not None and not doc[tok.i - 1].whitespace_
                  and tok.i + 1 < len(doc) and doc[tok.i + 1].pos_ == "PROPN" and not tok.whitespace_)
        if (tok.pos_ == "PROPN" or hyphen) and tok.i not in taken:
            start = tok.i if start is None else start
        else:
            if start is not None:
                yield doc[start:tok.i]
            start = None
    if start is not None:
        yield doc[start:len(doc)]


def _lookup(span: Span, gazetteer: Gazetteer, strong: bool,
            fold_case: bool) -> tuple[list[GeoEntry], Span, str, str | None]:
    """Entries for a span, trying it whole, without a trailing admin word ("Kidal region"), and for a
    LOC/FAC name its longest proper-noun run ("Bamako airport" → Bamako). Returns the entries, the
    span they were found for, the text looked up, and the admin word that came with it."""
    entries = gazetteer.lookup(span.text, fold_case)
    if entries:
        return entries, span, span.text, None
    if len(span) > 1 and span[-1].lower_ in ADMIN_WORDS:
        entries = gazetteer.lookup(span[:-1].text, fold_case)
        if entries:
            return entries, span, span[:-1].text, span[-1].lower_
    if strong and len(span) > 1:
        runs = sorted(_propn_runs(span.as_doc(), set()), key=len, reverse=True)
        for run in runs:
            sub = span[run.start:run.end]
            # The head of an "X of Y" name is no place of its own ("Bay" of "Bay of Bengal").
            if sub.end < span.end and span.doc[sub.end].lower_ == "of":
                continue
            if sub.text != span.text and (entries := gazetteer.lookup(sub.text, fold_case)):
                return entries, sub, sub.text, None
    return [], span, span.text, None


def _region_word(span: Span) -> str | None:
    """The admin word of 'the Kidal region', 'Borno state' (it heads the name), 'the region of Mopti'."""
    doc = span.doc
    if span.end < len(doc):
        nxt = doc[span.end]
        if nxt.lower_ in ADMIN_WORDS and span.root.head == nxt and nxt.dep_ != "compound":
            return nxt.lower_
    if span.start >= 2 and doc[span.start - 1].lower_ == "of" and doc[span.start - 2].lower_ in ADMIN_WORDS:
        return doc[span.start - 2].lower_
    return None


def _is_compass(text: str) -> bool:
    words = normalize_name(text).split()
    return bool(words) and all(w in COMPASS_WORDS for w in words)


def _sentence_bounds(doc: Doc) -> list[tuple[int, int]]:
    """(start, end) of the sentence of every token, in one pass (`Token.sent` walks the document)."""
    bounds: list[tuple[int, int]] = []
    start = 0
    for tok in doc[1:]:
        if tok.is_sent_start:
            bounds.extend([(start, tok.i)] * (tok.i - start))
            start = tok.i
    bounds.extend([(start, len(doc))] * (len(doc) - start))
    return bounds


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
        if gazetteer.lookup(doc[start:end].text, fold_case):
            return doc[start:end]
    return span


def _lemma(tok: Token) -> str:
    # Docs built without a lemmatizer (tests, other pipelines) still carry the lower-case form.
    return (tok.lemma_ or tok.lower_).lower()


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
            if head.lower_ == "of" and _lemma(head.head) in PLACE_NOUNS and head.head != head:
                tok = head.head
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


def _is_place_prep(tok: Token) -> bool:
    if tok.lower_ not in _PLACE_PREPS:
        return False
    return not (tok.lower_ == "to" and tok.i > 0 and tok.doc[tok.i - 1].lower_ in _TO_NOT_PLACE)


def _datelines(doc: Doc) -> Iterable[Span]:
    """'BAMAKO, Mali (Reuters) -': an upper-case name opening the text or a paragraph, then a comma."""
    for tok in doc:
        if tok.i == 0 or "\n" in doc[tok.i - 1].text_with_ws:
            end = tok.i
            while end < len(doc) and end - tok.i < 4 and doc[end].is_upper and doc[end].is_alpha:
                end += 1
            if end > tok.i and end < len(doc) and doc[end].text == ",":
                yield doc[tok.i:end]


def _is_demonym(text: str, gazetteer: Gazetteer) -> bool:
    return gazetteer.country_by_demonym(text) is not None and gazetteer.country_by_name(text) is None


def _candidates(doc: Doc, gazetteer: Gazetteer) -> list[_Candidate]:
    raw: list[tuple[Span, str]] = []
    taken: set[int] = set()
    for ent in doc.ents:
        taken.update(range(ent.start, ent.end))
        if ent.label_ not in STRONG_LABELS and ent.label_ not in WEAK_LABELS:
            continue
        span = _trim(ent)
        if span is not None:
            raw.append((span, ent.label_))
    datelines = {(d.start, d.end) for d in _datelines(doc)}
    raw.extend((run, "") for run in _propn_runs(doc, taken))
    raw.extend((doc[a:b], "") for a, b in datelines if not taken.intersection(range(a, b))
               and doc[a].pos_ != "PROPN")
    # A gazetteer name may reach past its entity ("Croix" of "Croix-des-Bouquets"): take the longest
    # reading, then drop the spans it swallowed.
    spans: list[tuple[Span, str, bool]] = []
    bounds = _sentence_bounds(doc) if raw else []
    for span, label in raw:
        if not any(c.isupper() for c in span.text):
            continue  # "des" tagged PROPN: English writes place names with a capital
        sent = doc[slice(*bounds[span.start])]
        fold_case = any(t.is_upper for t in span) and _shouted(span, sent, datelines)
        spans.append((_extend(span, sent, gazetteer, fold_case), label, fold_case))
    spans.sort(key=lambda r: (r[0].start, -len(r[0])))
    # "Khalil" after "Mahmoud Khalil": a person's surname, unless a locative preposition says otherwise.
    surnames = {ent[-1].lower_ for ent in doc.ents if ent.label_ == "PERSON" and len(ent) > 1}

    out: list[_Candidate] = []
    covered = 0
    for span, label, fold_case in spans:
        if span.start < covered:
            continue
        covered = span.end
        # "the Hanoi Summit", "the Doha Forum": an untagged name headed by the entity before it is the
        # rest of that name.
        if not label and span.start > 0 and doc[span.start - 1].ent_type_ and (
                span.start <= doc[span.start - 1].head.i < span.end):
            continue
        # Demonyms and adjectives ("Malian", "French", "Arab countries") name actors, not places; the
        # small model also tags "the Kidal region" NORP + ADJ, so a place noun lets one through.
        if _is_demonym(span.text, gazetteer) or (
            label == "NORP" and span.root.pos_ == "ADJ" and _lemma(span.root.head) not in PLACE_NOUNS
        ):
            continue
        comma = next((t.i for t in span if t.text == ","), None)
        if comma is not None and not gazetteer.lookup(span.text, fold_case):
            # "Bankass, Mopti" tagged as one entity: read it as a pair.
            parts = [doc[span.start:comma], doc[comma + 1:span.end]]
            pair = [_make(p, label, gazetteer, fold_case) for p in parts if len(p)]
            out.extend(c for c in pair if c is not None)
            continue
        cand = _make(span, label, gazetteer, fold_case)
        if cand is None:
            continue
        if (len(span) == 1 and span[0].lower_ in surnames and not cand.locative
                and gazetteer.country_by_name(span.text) is None
                and gazetteer.capital_country(span.text) is None):
            continue
        # A dateline names where the story was filed: a place, though not where events happened.
        cand.introduced = cand.introduced or (span.start, span.end) in datelines
        out.append(cand)
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
    head = span.root.head
    return (span.root.dep_ == "compound" and head.i >= span.end and head.pos_ == "PROPN" and head.is_title
            and head.lower_ not in PLACE_NOUNS)


def _make(span: Span, label: str, gazetteer: Gazetteer, fold_case: bool = False) -> _Candidate | None:
    strong = label in STRONG_LABELS
    entries, found, text, admin_word = _lookup(span, gazetteer, strong, fold_case)
    if not entries:
        return None
    if not strong and (span.root.pos_ not in ("PROPN", "NOUN", "ADJ")
                       or span.text.lower() in INSTITUTION_WORDS):
        return None
    admin_word = admin_word or _region_word(found)
    if admin_word is None and _is_compass(text):
        return None  # "the South China Sea" cut short, "in the East": a direction, no region
    if _modifies_a_name(found):
        # "Asia Society", "Alliance of Sahel States": a region inside a longer name is an organisation's
        # (and so is a town that only shares the region's name); a town or country named first there
        # still says where ("Gao Airport").
        if entries[0].feature == "region":
            return None
        entries = [e for e in entries if e.feature in ("city", "country")]
        if not entries:
            return None
    cand = _Candidate(found, label, entries, normalize_name(text), admin_word)
    prep = _governing_prep(found)
    # A name the model took for a person or an organisation, modifying a noun that is no place ("in the
    # Obama administration", "in the Xinhua report"), is that person or organisation.
    actor_modifier = (label in ("PERSON", "ORG") and found.root.dep_ == "compound"
                      and _lemma(found.root.head) not in PLACE_NOUNS)
    cand.introduced = prep is not None and not _qualifies_a_noun(found) and not actor_modifier
    cand.locative = cand.introduced and prep is not None and prep.lower_ in LOCATIVE_PREPS
    return cand


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
        whole = gazetteer.lookup(joint.text)
        if whole or {e.geonameid for e in x.entries} & {e.geonameid for e in y.entries if e.geonameid}:
            merged = _Candidate(joint, x.label if x.strong or not y.strong else y.label,
                                whole or _shared(x.entries, y.entries),
                                normalize_name(joint.text) if whole else x.key,
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
    only = countries.pop() if len(countries) == 1 else None
    return [only] if only is not None else []


class _Focus:
    """How much the article is about each country: mention counts, normalised by the top country."""

    def __init__(self, doc: Doc, cands: Sequence[_Candidate], gazetteer: Gazetteer,
                 hint: Sequence[str]) -> None:
        self.counts: Counter[str] = Counter()
        seen: set[tuple[int, int]] = set()
        for c in cands:
            c.signals = _signals(c.span.text, c.entries, gazetteer)
            self.counts.update(c.signals)
            seen.add((c.span.start, c.span.end))
        for ent in doc.ents:
            span = _trim(ent)
            if span is None or (span.start, span.end) in seen or any(
                c.span.start <= span.start < c.span.end for c in cands
            ):
                continue
            if ent.label_ in STRONG_LABELS or ent.label_ in WEAK_LABELS:
                self.counts.update(_signals(span.text, [], gazetteer))
        # A caller's hint (a feed's country, a desk) weighs as much as the article's top country.
        top = max(self.counts.values(), default=0)
        for iso3 in hint:
            self.counts[iso3.upper()] += max(top, 3)

    def share(self, iso3: str | None, minus: Sequence[str] = ()) -> float:
        """Focus on a country, 0..1, leaving out a mention's own signals (a place is not evidence
        for itself); 0 for a region of several countries."""
        if iso3 is None:
            return 0.0
        counts = self.counts.copy()
        counts.subtract(minus)
        top = max(counts.values(), default=0)
        return counts[iso3] / top if top > 0 and counts[iso3] > 0 else 0.0


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
           admin_focus: Counter[tuple[str, str]] | None = None) -> float:
    score = _COUNTRY_PRIOR if e.feature in ("country", "region") else 0.0
    score += _FOCUS_WEIGHT * focus.share(e.country, cand.signals)
    population = _RANK_POPULATION.get(e.feature, e.population)
    score += _POPULATION_WEIGHT * math.log10(population + 1)
    if e.feature == "city" and gazetteer.is_capital(e):
        score += _CAPITAL_BONUS
    if admin_focus and e.feature == "admin1" and e.country and admin_focus[(e.country, e.name)] > 0:
        score += _ADMIN_FOCUS_BONUS
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
    return (span.start > 0 and doc[span.start - 1].lower_ == "the"
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
            admin_focus: Counter[tuple[str, str]] | None = None) -> GeoEntry | None:
    if cand.forced is not None:
        return cand.forced
    entries = _filter_features(cand)
    if not entries:
        return None
    best = max(entries, key=lambda e: _score(e, cand, focus, gazetteer, admin_focus))
    return best if _plausible(best, cand, focus, gazetteer) else None


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

def _ref(span: Span, e: GeoEntry) -> PlaceRef:
    return PlaceRef(
        text=span.text,
        name=e.name,
        country=e.country,
        admin1=e.admin1,
        lat=round(e.lat, 5),
        lon=round(e.lon, 5),
        geonameid=e.geonameid or None,
        precision=e.precision,
        start=span.start_char,
        end=span.end_char,
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

    # A weak tag (ORG, PERSON, NORP, untagged) is a place only where the grammar says so.
    cands = [c for c in cands if c.strong or c.introduced]
    chosen = [_choose(c, focus, gazetteer) for c in cands]
    # Second pass: the regions the first pass placed things in ("Voters in Georgia ... in Atlanta"), as
    # other names tell it: three mentions of "Sahel" are no evidence that one of them is the admin unit.
    regions = Counter(k for e in chosen if e is not None and (k := _admin_key(e)) is not None)
    by_name: dict[str, Counter[tuple[str, str]]] = {}
    for c, e in zip(cands, chosen, strict=True):
        if e is not None and (k := _admin_key(e)) is not None:
            by_name.setdefault(c.key, Counter())[k] += 1
    mentions: list[PlaceMention] = []
    for c, entry in zip(cands, chosen, strict=True):
        if any(e.feature == "admin1" for e in c.entries) and c.forced is None:
            others = regions.copy()
            others.subtract(by_name.get(c.key, Counter()))
            entry = _choose(c, focus, gazetteer, others)
        if entry is not None:
            mentions.append(PlaceMention(c.span, _ref(c.span, entry), c.locative))
    return mentions


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
        if tok.dep_ == "pobj" and head.lower_ in TEMPORAL_PREPS:
            return None
        tok = head
        steps += 1
    return steps


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
            return min(hits, key=lambda h: rank(*h))[0]
    if trigger.pos_ in ("NOUN", "PROPN"):
        left, right = trigger.left_edge.i, trigger.right_edge.i
        inside = [m for m in local if left <= m.span.start and m.span.end - 1 <= right]
        if inside:
            return min(inside, key=lambda m: rank(m, 0))
    return None
