"""Place mentions: takes a parsed spaCy Doc and a Gazetteer, gives `PlaceMention`s resolved to GeoNames.

Homonyms are ranked with the whole article (which countries it is about, "Town, Region" pairs,
"the X region" wording, feature class, population); `event_place` then picks the place where one
event happened from the parse around its trigger.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from spacy.tokens import Doc, Span, Token

from tacitus.models import PlaceRef
from tacitus.resolve.gazetteer import Gazetteer, GeoEntry

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
# Words naming an administrative unit: "the Kidal region", "Borno state", "the province of Idlib".
ADMIN_WORDS = frozenset({
    "region", "province", "state", "governorate", "department", "district", "prefecture", "county",
    "oblast", "circle", "cercle",
})
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

PRECISION = {"city": "point", "admin2": "admin2", "admin1": "admin1", "country": "country"}
_PRECISION_RANK = {"point": 0, "admin2": 1, "admin1": 2, "country": 3}

# Ranking weights. A country name beats any town of the same name; focus on a country is worth about
# a factor 180 in population (Tripoli in a Lebanon story is the Lebanese city), not more (Paris in a
# US story is still the French capital); a "Town, Region" pair settles everything.
_COUNTRY_PRIOR = 10.0
_FOCUS_WEIGHT = 4.5
_POPULATION_WEIGHT = 2.0
_CAPITAL_BONUS = 1.0
_QUALIFIED_BONUS = 30.0
# Admin units carry no population of their own; they rank as a town of this size would.
_ADMIN_RANK_POPULATION = {"admin1": 300_000, "admin2": 50_000}
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
    region_context: bool = False
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


def _lookup(span: Span, gazetteer: Gazetteer, strong: bool) -> tuple[list[GeoEntry], Span, bool]:
    """Entries for a span, trying it whole, without a trailing admin word ("Kidal region"), and for a
    LOC/FAC name its longest proper-noun run ("Bamako airport" → Bamako). Returns the entries, the
    span they were found for, and whether an admin word came with it."""
    entries = gazetteer.lookup(span.text)
    if entries:
        return entries, span, False
    if len(span) > 1 and span[-1].lower_ in ADMIN_WORDS:
        entries = gazetteer.lookup(span[:-1].text)
        if entries:
            return entries, span, True
    if strong and len(span) > 1:
        runs = sorted(_propn_runs(span.as_doc(), set()), key=len, reverse=True)
        for run in runs:
            sub = span[run.start:run.end]
            if sub.text != span.text and (entries := gazetteer.lookup(sub.text)):
                return entries, sub, False
    return [], span, False


def _region_context(span: Span) -> bool:
    """'the Kidal region', 'Borno state' (the admin word heads the name), 'the region of Mopti'."""
    doc = span.doc
    if span.end < len(doc):
        nxt = doc[span.end]
        if nxt.lower_ in ADMIN_WORDS and span.root.head == nxt and nxt.dep_ != "compound":
            return True
    if span.start >= 2 and doc[span.start - 1].lower_ == "of" and doc[span.start - 2].lower_ in ADMIN_WORDS:
        return True
    return False


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
            if head.lower_ in _PLACE_PREPS:
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
    if i >= 0 and doc[i].lower_ in _PLACE_PREPS and doc[i].pos_ == "ADP":
        return doc[i]
    return None


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
    raw.sort(key=lambda r: r[0].start)

    out: list[_Candidate] = []
    for span, label in raw:
        # Demonyms and adjectives ("Malian", "French", "Arab countries") name actors, not places; the
        # small model also tags "the Kidal region" NORP + ADJ, so a place noun lets one through.
        if _is_demonym(span.text, gazetteer) or (
            label == "NORP" and span.root.pos_ == "ADJ" and _lemma(span.root.head) not in PLACE_NOUNS
        ):
            continue
        comma = next((t.i for t in span if t.text == ","), None)
        if comma is not None and not gazetteer.lookup(span.text):
            # "Bankass, Mopti" tagged as one entity: read it as a pair.
            parts = [doc[span.start:comma], doc[comma + 1:span.end]]
            pair = [_make(p, label, gazetteer) for p in parts if len(p)]
            out.extend(c for c in pair if c is not None)
            continue
        cand = _make(span, label, gazetteer)
        if cand is not None:
            # A dateline names where the story was filed: a place, though not where events happened.
            cand.introduced = cand.introduced or (span.start, span.end) in datelines
            out.append(cand)
    return out


def _make(span: Span, label: str, gazetteer: Gazetteer) -> _Candidate | None:
    strong = label in STRONG_LABELS
    entries, found, admin_word = _lookup(span, gazetteer, strong)
    if not entries:
        return None
    if not strong and (span.root.pos_ not in ("PROPN", "NOUN", "ADJ")
                       or span.text.lower() in INSTITUTION_WORDS):
        return None
    cand = _Candidate(found, label, entries, region_context=admin_word or _region_context(found))
    prep = _governing_prep(found)
    cand.introduced = prep is not None
    cand.locative = prep is not None and prep.lower_ in LOCATIVE_PREPS
    return cand


# ----- "X, Y" pairs ------------------------------------------------------------------------------------

def _km(a: GeoEntry, b: GeoEntry) -> float:
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dlat, dlon = p2 - p1, math.radians(b.lon - a.lon)
    h = math.sin(dlat / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlon / 2) ** 2
    return 6371.0 * 2 * math.asin(min(1.0, math.sqrt(h)))


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
                                region_context=x.region_context, locative=x.locative or y.locative,
                                introduced=x.introduced or y.introduced)
            out.append(merged)
            i += 2
            continue
        # "Mali, Niger and Chad" is a list of countries, not a Malian place in Niger.
        x_is_country = any(e.feature == "country" for e in x.entries)
        pairs = [] if x_is_country else [
            (ex, ey) for ex in x.entries for ey in y.entries if _contains(ey, ex)]
        if pairs:
            x.qualifier, y.qualified, x.pairs = y, x, pairs
            parenthesised = x.span.start > 0 and doc[x.span.start - 1].text == "("
            x.locative = y.locative = x.locative or y.locative or parenthesised
            x.introduced = y.introduced = x.introduced or y.introduced or parenthesised
        out.append(x)
        i += 1
    return out


def _shared(a: list[GeoEntry], b: list[GeoEntry]) -> list[GeoEntry]:
    ids = {e.geonameid for e in b}
    return [e for e in a if e.geonameid in ids]


# ----- article focus and ranking ------------------------------------------------------------------------

def _signals(text: str, entries: Sequence[GeoEntry], gazetteer: Gazetteer) -> list[str]:
    """Countries a mention points to: its country name, its capital, its demonym, or the one country
    all its gazetteer entries are in."""
    if (c := gazetteer.country_by_name(text)) is not None:
        return [c.country]
    if (iso3 := gazetteer.capital_country(text)) is not None:
        return [iso3]
    if (iso3 := gazetteer.country_by_demonym(text)) is not None:
        return [iso3]
    countries = {e.country for e in entries}
    return [countries.pop()] if len(countries) == 1 else []


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

    def share(self, iso3: str, minus: Sequence[str] = ()) -> float:
        """Focus on a country, 0..1, leaving out a mention's own signals (a place is not evidence
        for itself)."""
        counts = self.counts.copy()
        counts.subtract(minus)
        top = max(counts.values(), default=0)
        return counts[iso3] / top if top > 0 and counts[iso3] > 0 else 0.0


def _admin_key(e: GeoEntry) -> tuple[str, str] | None:
    """The (country, admin1) a resolved place lies in, or is."""
    if e.feature == "admin1":
        return (e.country, e.name)
    return (e.country, e.admin1) if e.admin1 else None


def _score(e: GeoEntry, cand: _Candidate, focus: _Focus, gazetteer: Gazetteer,
           admin_focus: Counter[tuple[str, str]] | None = None) -> float:
    score = _COUNTRY_PRIOR if e.feature == "country" else 0.0
    score += _FOCUS_WEIGHT * focus.share(e.country, cand.signals)
    population = _ADMIN_RANK_POPULATION.get(e.feature, e.population)
    score += _POPULATION_WEIGHT * math.log10(population + 1)
    if e.feature == "city" and gazetteer.is_capital(e):
        score += _CAPITAL_BONUS
    if admin_focus and e.feature == "admin1" and admin_focus[(e.country, e.name)] > 0:
        score += _ADMIN_FOCUS_BONUS
    return score


def _plausible(e: GeoEntry, cand: _Candidate, focus: _Focus, gazetteer: Gazetteer) -> bool:
    if e.feature == "country" or cand.forced is not None or cand.label == "GPE":
        return True
    if focus.share(e.country, cand.signals) > 0:
        return True
    if e.feature != "city":
        return False
    # A weakly tagged town with no namesake abroad ("in Gao, Kidal and ...") needs less size.
    one_country = len({x.country for x in cand.entries}) == 1
    return (e.population >= _NOTABLE_POPULATION or gazetteer.is_capital(e)
            or (one_country and e.population >= _UNAMBIGUOUS_POPULATION))


def _filter_features(cand: _Candidate) -> list[GeoEntry]:
    """'The Kidal region' is the region; a bare 'Kidal' is the town the region is named after (the
    unit whose coordinates are that town's, as the index placed it)."""
    entries = cand.entries
    if cand.region_context:
        admin = [e for e in entries if e.feature in ("admin1", "admin2")]
        return admin or entries
    seats = {(e.country, e.lat, e.lon) for e in entries if e.feature == "city"}
    kept = [e for e in entries
            if not (e.feature in ("admin1", "admin2") and (e.country, e.lat, e.lon) in seats)]
    return kept or entries


def _choose(cand: _Candidate, focus: _Focus, gazetteer: Gazetteer,
            admin_focus: Counter[tuple[str, str]] | None = None) -> GeoEntry | None:
    if cand.forced is not None:
        return cand.forced
    entries = _filter_features(cand)
    best = max(entries, key=lambda e: _score(e, cand, focus, gazetteer, admin_focus))
    return best if _plausible(best, cand, focus, gazetteer) else None


def _resolve_pair(x: _Candidate, focus: _Focus, gazetteer: Gazetteer) -> None:
    y = x.qualifier
    assert y is not None
    def pair_score(p: tuple[GeoEntry, GeoEntry]) -> float:
        ex, ey = p
        named = 1.0 if ex.admin1 is not None and ex.admin1 == ey.name else 0.0  # beats a distance guess
        return _score(ex, x, focus, gazetteer) + _score(ey, y, focus, gazetteer) + _QUALIFIED_BONUS * named

    x.forced, y.forced = max(x.pairs, key=pair_score)


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
        precision=PRECISION[e.feature],
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

    # A weak tag (ORG, PERSON, NORP, untagged) is a place only where the grammar says so.
    cands = [c for c in cands if c.strong or c.introduced]
    chosen = [_choose(c, focus, gazetteer) for c in cands]
    # Second pass: the regions the first pass placed things in ("Voters in Georgia ... in Atlanta").
    regions = Counter(k for e in chosen if e is not None and (k := _admin_key(e)) is not None)
    mentions: list[PlaceMention] = []
    for c, entry in zip(cands, chosen, strict=True):
        if any(e.feature == "admin1" for e in c.entries) and c.forced is None:
            own = _admin_key(entry) if entry is not None else None
            others = regions.copy()
            if own is not None:
                others[own] -= 1
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
    sent = trigger.sent
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
