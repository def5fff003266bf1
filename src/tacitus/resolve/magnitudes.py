"""Counts in a parsed sentence — killed, injured, abducted, arrested, and other quantities — read from
digits or words, and the event of the sentence each belongs to.

`find_magnitudes(sent)` gives the sentence's `Magnitude`s (a figure, what it counts, the predicate it
hangs on); `event_counts(trigger, type, source, magnitudes, rivals)` gives one event's killed, injured
and quantity figures. The vocabulary is `data/magnitudes.tsv`.

Conventions (ACLED's rule: code the most conservative figure the reports support):
- a vague word is the least it can mean: "dozens" 12, "a dozen" 12, "scores" 20, "tens" 10, "hundreds"
  100, "thousands" 1000, "tens of thousands" 10,000, "several" 3, "a few" / "a couple" / "a handful" 2
  (ACLED's own: "tens" 10, "dozens" 12, "hundreds" 100). For a death reported with no number ACLED
  enters a fixed default; tacitus makes no such guess: "many", "some", "numerous" give no figure;
- a range gives its low end ("20 to 30", "20-30", "between 20 and 30", "20 or 30" → 20);
- a hedge is dropped: "at least 12", "more than 50", "about 40", "nearly 40", "up to 40" → the figure
  stated (the lowest reliable figure the report gives); "fewer than 10" / "less than 10" state no
  figure and give none;
- coordinated victims add up ("5 soldiers and 3 civilians were killed" → 8, "14 students and a
  teacher" → 15); a breakdown does not ("30 killed, eight of them children" → 30);
- two figures for one count of one event: the lower;
- a running total over a period ("174 have died over the past decade", "since the war began more than
  10,000 have been killed", "this year alone 300 were killed", "the war has killed thousands") is no
  event's toll: it is flagged `cumulative`, and `find_magnitudes` leaves it out unless asked for.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from spacy.tokens import Doc, Span, Token

from tacitus.errors import DataError

_DATA_FILE = "magnitudes.tsv"
# Which event types a count of each kind can belong to (abductions and arrests are their event's quantity).
_EVENT_TYPES = {"killed": frozenset({"ASSAULT", "COERCE"}), "injured": frozenset({"ASSAULT", "COERCE"}),
                "abducted": frozenset({"ASSAULT"}), "arrested": frozenset({"COERCE"})}
# Entity labels whose numbers count no people: dates, times, money, shares, measures, ranks.
_NOT_COUNTS = frozenset({"DATE", "TIME", "MONEY", "PERCENT", "ORDINAL", "QUANTITY"})
_DIGITS = re.compile(r"\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?")
_DIGIT_RANGE = re.compile(r"(\d[\d,]*)[-–](\d[\d,]*)")
_YEAR = re.compile(r"\b(?:1[89]|20)\d\d\b")
_LONG_UNITS = re.compile(r"\b(?:years?|decades?|century|centuries)\b")
# Clause marks under which an adverbial clause is the same occurrence ("killed when gunmen opened fire").
_SAME_TIME_MARKS = frozenset({"when", "as", "while"})
# Prepositions that put a toll inside an occurrence ("killed in an attack", "injured by the blast").
_OCCURRENCE_PREPS = frozenset({"in", "during", "by", "from", "amid"})
# Dependency labels that join a predicate to the occurrence it is part of.
_LINKS = frozenset({"nsubj", "nsubjpass", "csubj", "agent", "pobj", "relcl", "acl", "oprd", "acomp", "xcomp",
                    "dobj", "attr", "appos", "npadvmod", "pcomp"})


@dataclass(frozen=True)
class _Vocabulary:
    numbers: dict[str, int]
    scales: dict[str, int]
    multipliers: dict[str, int]
    vague: dict[tuple[str, ...], int]
    plural_scales: dict[str, int]
    hedges: dict[tuple[str, ...], str]
    ranges: frozenset[str]
    subset_before: frozenset[tuple[str, ...]]
    subset_after: frozenset[tuple[str, ...]]
    predicates: dict[str, tuple[str, str]]
    life_verbs: frozenset[str]
    toll_nouns: frozenset[str]
    toll_verbs: frozenset[str]
    since: frozenset[str]
    period_preps: frozenset[str]
    period_dets: frozenset[str]
    period_units: frozenset[str]
    total_cues: frozenset[tuple[str, ...]]
    conflict_nouns: frozenset[str]
    violence_nouns: frozenset[str]
    episode_nouns: frozenset[str]
    anaphors: frozenset[str]

    @property
    def longest_phrase(self) -> int:
        return max(len(p) for p in (*self.vague, *self.hedges, *self.total_cues))


_SETS = ("life_verb", "toll_noun", "toll_verb", "since", "period_prep", "period_det", "period_unit",
         "conflict_noun", "violence_noun", "episode_noun", "anaphor", "range")
_PHRASE_SETS = ("subset_before", "subset_after", "total_cue")


@cache
def _vocabulary() -> _Vocabulary:
    text = resources.files("tacitus.resolve").joinpath("data", _DATA_FILE).read_text(encoding="utf-8")
    ints: dict[str, dict[str, int]] = {"number": {}, "scale": {}, "multiplier": {}}
    vague: dict[tuple[str, ...], int] = {}
    plural_scales: dict[str, int] = {}
    hedges: dict[tuple[str, ...], str] = {}
    predicates: dict[str, tuple[str, str]] = {}
    sets: dict[str, set[str]] = {k: set() for k in _SETS}
    phrases: dict[str, set[tuple[str, ...]]] = {k: set() for k in _PHRASE_SETS}
    for lineno, raw in enumerate(text.splitlines(), 1):
        if not raw.strip() or raw.startswith("#"):
            continue
        cols = [c.strip() for c in raw.split("\t")]
        kind, phrase = cols[0], cols[1].lower() if len(cols) > 1 else ""
        value = cols[2] if len(cols) > 2 else ""
        extra = cols[3] if len(cols) > 3 else ""
        words = tuple(phrase.split())
        try:
            if not words:
                raise ValueError("no phrase")
            if kind in ints:
                ints[kind][phrase] = int(value)
            elif kind == "vague":
                vague[words] = int(value)
                if extra == "plural_scale":
                    plural_scales[phrase] = int(value)
            elif kind == "hedge":
                if value not in {"lower", "approx", "upper", "below", "between"}:
                    raise ValueError(f"hedge class {value!r}")
                hedges[words] = value
            elif kind == "predicate":
                if value not in _EVENT_TYPES or extra not in {"verb", "noun", "adj", "any"}:
                    raise ValueError(f"predicate kind {value!r} or part of speech {extra!r}")
                predicates[phrase] = (value, extra)
            elif kind in sets:
                sets[kind].add(phrase)
            elif kind in phrases:
                phrases[kind].add(words)
            else:
                raise ValueError(f"unknown kind {kind!r}")
        except ValueError as exc:
            raise DataError(f"{_DATA_FILE}:{lineno}: bad row ({exc})") from exc
    return _Vocabulary(
        numbers=ints["number"], scales=ints["scale"], multipliers=ints["multiplier"], vague=vague,
        plural_scales=plural_scales, hedges=hedges, ranges=frozenset(sets["range"]),
        subset_before=frozenset(phrases["subset_before"]), subset_after=frozenset(phrases["subset_after"]),
        predicates=predicates, life_verbs=frozenset(sets["life_verb"]), toll_nouns=frozenset(sets["toll_noun"]),
        toll_verbs=frozenset(sets["toll_verb"]), since=frozenset(sets["since"]),
        period_preps=frozenset(sets["period_prep"]), period_dets=frozenset(sets["period_det"]),
        period_units=frozenset(sets["period_unit"]), total_cues=frozenset(phrases["total_cue"]),
        conflict_nouns=frozenset(sets["conflict_noun"]), violence_nouns=frozenset(sets["violence_noun"]),
        episode_nouns=frozenset(sets["episode_noun"]), anaphors=frozenset(sets["anaphor"]),
    )


# --------------------------------------------------------------------------- reading figures


def words_to_number(words: Sequence[str]) -> int | None:
    """The conservative value of one figure's words (hedges stripped by the caller): "two dozen" → 24,
    "1,200" → 1200, "1.5 million" → 1,500,000, "hundreds" → 100, "tens of thousands" → 10,000,
    "several hundred" → 300; None when the words are no figure ("many", "bridges")."""
    vocab = _vocabulary()
    ws = [w.lower().replace(",", "") if _DIGITS.fullmatch(w) else w.lower() for w in words]
    total, current, seen = 0.0, 0.0, False
    i = 0
    for size in range(min(len(ws), vocab.longest_phrase), 0, -1):
        if tuple(ws[:size]) in vocab.vague:
            current, seen, i = float(vocab.vague[tuple(ws[:size])]), True, size
            break
    for w in ws[i:]:
        if re.fullmatch(r"\d+(\.\d+)?", w):
            current += float(w)
            seen = True
        elif w in vocab.numbers:
            current += vocab.numbers[w]
            seen = True
        elif w in vocab.multipliers:
            current = (current if seen else 1) * vocab.multipliers[w]
            seen = True
        elif w in vocab.scales or (seen and w in vocab.plural_scales):
            scale = vocab.scales.get(w) or vocab.plural_scales[w]
            current = (current if seen else 1) * scale
            if scale >= 1000:
                total, current = total + current, 0.0
            seen = True
        elif w in {"and", "-", "of"} or (w in {"a", "an"} and not seen):
            continue
        else:
            return None
    return int(total + current) if seen else None


@dataclass(frozen=True)
class _Figure:
    start: int          # first token of the figure (after any hedge), doc index
    end: int            # one past its last token (a range's second end included)
    hedge_start: int    # first token of the hedge, or `start`
    value: int | None   # None: a bound with no figure ("fewer than 10")


def _phrase_at(doc: Doc, i: int, phrases: Iterable[tuple[str, ...]], end: int | None = None) -> tuple[str, ...] | None:
    """The longest of `phrases` whose words start at doc token `i` (and end by `end`)."""
    limit = len(doc) if end is None else end
    if i >= limit:
        return None
    best: tuple[str, ...] | None = None
    for phrase in _by_first_word(phrases).get(doc[i].lower_, ()):
        if i + len(phrase) <= limit and (best is None or len(phrase) > len(best)) and all(
                doc[i + k].lower_ == w for k, w in enumerate(phrase)):
            best = phrase
    return best


_FIRST_WORDS: dict[int, tuple[object, dict[str, list[tuple[str, ...]]]]] = {}


def _by_first_word(phrases: Iterable[tuple[str, ...]]) -> dict[str, list[tuple[str, ...]]]:
    """`phrases` indexed by their first word, built once per vocabulary collection."""
    cached = _FIRST_WORDS.get(id(phrases))
    if cached is not None and cached[0] is phrases:
        return cached[1]
    index: dict[str, list[tuple[str, ...]]] = {}
    for phrase in phrases:
        if phrase:
            index.setdefault(phrase[0], []).append(phrase)
    _FIRST_WORDS[id(phrases)] = (phrases, index)
    return index


@cache
def _figure_openers() -> frozenset[str]:
    """The words a figure can start with, digits aside (see `_FigureReader.size`), hedge included."""
    vocab = _vocabulary()
    return frozenset({p[0] for p in (*vocab.hedges, *vocab.vague)} | {"a", "an"} | vocab.numbers.keys()
                     | vocab.scales.keys())


class _FigureReader:
    """Reads figures off one sentence; positions are doc token indices."""

    def __init__(self, sent: Span) -> None:
        self.sent = sent
        self.doc = sent.doc
        self.vocab = _vocabulary()
        self._words = [t.lower_ for t in sent]

    def word(self, i: int) -> str:
        return self._words[i - self.sent.start] if self.sent.start <= i < self.sent.end else ""

    def phrase_at(self, i: int, phrases: Iterable[tuple[str, ...]]) -> tuple[str, ...] | None:
        """The longest of `phrases` starting at doc token `i`, read off the sentence's words
        (a spaCy token per lookup would make every figure cost a pass over the vocabulary)."""
        if not self.sent.start <= i < self.sent.end:
            return None
        by_first = _by_first_word(phrases)
        best: tuple[str, ...] | None = None
        for phrase in by_first.get(self._words[i - self.sent.start], ()):
            if i + len(phrase) <= self.sent.end and (best is None or len(phrase) > len(best)) and all(
                    self.word(i + k) == w for k, w in enumerate(phrase)):
                best = phrase
        return best

    def size(self, i: int) -> int:
        """How many tokens from `i` make one figure (no hedge, no range): 0 when none."""
        vocab, word = self.vocab, self.word
        vague = self.phrase_at(i, vocab.vague)
        j = i + len(vague) if vague else i
        if vague is None:
            w = word(j)
            if w in {"a", "an"} and (word(j + 1) in vocab.scales or word(j + 1) in vocab.multipliers):
                j += 2
            elif _DIGITS.fullmatch(w) or w in vocab.numbers or w in vocab.scales:
                j += 1
            else:
                return 0
        while j < self.sent.end:
            w, prev, nxt = word(j), word(j - 1), word(j + 1)
            if w in vocab.scales or w in vocab.multipliers or (w in vocab.numbers and prev not in vocab.numbers):
                j += 1
            elif w == "of" and nxt in vocab.plural_scales and prev in vocab.plural_scales:
                j += 2  # "tens of thousands"
            elif w == "-" and vocab.numbers.get(prev, 0) >= 20 and nxt in vocab.numbers:
                j += 2  # "twenty-three"
            elif w == "and" and prev in vocab.scales and (_DIGITS.fullmatch(nxt) or nxt in vocab.numbers):
                j += 1  # "two hundred and fifty"
            else:
                break
        return j - i

    def value(self, start: int, end: int) -> int | None:
        return words_to_number([t.text for t in self.doc[start:end]])

    def figure(self, i: int) -> _Figure | None:
        """The figure at `i`, with a hedge before it and a range after it."""
        word = self.word(i)
        if word not in _figure_openers() and not (word[:1].isdecimal() and _DIGITS.fullmatch(word)):
            return None  # most words: no hedge, vague quantity, article or number starts here
        hedge = self.phrase_at(i, self.vocab.hedges)
        start = i + len(hedge) if hedge else i
        size = self.size(start)
        if size == 0 and hedge is not None:
            hedge, start = None, i  # "some", "over" as ordinary words
            size = self.size(start)
        if size == 0:
            return None
        end = start + size
        pair = _DIGIT_RANGE.fullmatch(self.doc[start].text) if size == 1 else None
        if pair is not None:  # "20-30" as one token
            return _Figure(start, end, i, min(int(g.replace(",", "")) for g in pair.groups()))
        value = self.value(start, end)
        hedge_class = self.vocab.hedges.get(hedge) if hedge else None
        joiner = self.word(end)
        if joiner in self.vocab.ranges or (joiner == "and" and hedge_class == "between"):
            other = self.size(end + 1)
            if other:
                second = self.value(end + 1, end + 1 + other)
                if value is not None and second is not None:
                    # "rose from 20 to 30" gives the later figure; any other range its low end.
                    value = second if self.word(start - 1) == "from" else min(value, second)
                end += 1 + other
        return _Figure(start, end, i, None if hedge_class == "below" else value)

    def is_subset(self, fig: _Figure) -> bool:
        """A breakdown of a count already given: "including 5 children", "eight of them children"."""
        before = [w for w in (self.word(k) for k in range(fig.hedge_start - 3, fig.hedge_start))
                  if w and w not in {",", "—", "–"}]
        if any(tuple(before[len(before) - len(p):]) == p for p in self.vocab.subset_before if len(p) <= len(before)):
            return True
        return self.phrase_at(fig.end, self.vocab.subset_after) is not None

    def is_count(self, fig: _Figure) -> bool:
        """Whether a figure counts people or things rather than naming a date, a sum, an age or a title."""
        doc = self.doc
        if any(t.ent_type_ in _NOT_COUNTS for t in doc[fig.start:fig.end]):
            return False
        if self.word(fig.end) in {"-", "–"} and not _DIGITS.fullmatch(self.word(fig.end + 1)):
            return False  # "a 12-year-old boy", "a 3-hour meeting": a measure
        root = doc[fig.start:fig.end].root
        # "Resolution 2719", "Article 5": a number after the noun it names.
        return not (root.head.i == fig.start - 1 and root.head.pos_ in {"NOUN", "PROPN"})


# --------------------------------------------------------------------------- what a figure counts


@dataclass(frozen=True)
class Magnitude:
    kind: str          # killed | injured | abducted | arrested | quantity
    count: int
    token: Token       # the predicate it is a count of ("killed", "dead", "hostage"; the noun for a quantity)
    number: Span       # the figure's words (the first figure's, when coordinated figures are summed)
    cumulative: bool = False  # a running total over a period, not one occurrence's toll


def _kind_of(tok: Token) -> str | None:
    vocab = _vocabulary()
    entry = vocab.predicates.get(tok.lemma_.lower()) or vocab.predicates.get(tok.lower_)
    if entry is None:
        return None
    kind, pos = entry
    if pos == "verb" and tok.pos_ in {"NOUN", "PROPN", "NUM"}:
        return None  # "guns", "rounds"
    if pos == "noun" and tok.pos_ not in {"NOUN", "PROPN", "X"}:
        return None
    if tok.lemma_.lower() == "life" and tok.head.lemma_.lower() not in vocab.life_verbs:
        return None  # "claimed 30 lives", "lost their lives" — not "saved 30 lives"
    return kind


def _toll_kind(noun: Token) -> tuple[str, Token] | None:
    """"a death toll of 12", "the toll rose to 12", "the toll stood at 12", "the death toll is 12"."""
    vocab = _vocabulary()
    head = noun.head
    if noun.dep_ == "pobj" and head.dep_ == "prep":
        head = head.head
        if noun.head.lower_ == "of" and (kind := _kind_of(head)):
            return kind, head  # "the deaths of 12 people", "claimed the lives of 9", "the abduction of 30"
    if head.lemma_.lower() in vocab.toll_nouns and noun.dep_ == "pobj":
        return "killed", head
    if head.lemma_.lower() in vocab.toll_verbs and any(
            c.dep_ in {"nsubj", "nsubjpass"} and c.lemma_.lower() in vocab.toll_nouns for c in head.children):
        return "killed", head
    if head.lemma_.lower() in vocab.life_verbs and any(
            c.dep_ == "dobj" and c.lemma_.lower() == "life" for c in head.children):
        return "killed", head  # "12 people lost their lives"
    return None


def _predicate(noun: Token) -> tuple[str, Token] | None:
    """What the people a figure counts suffered, and the word that says it."""
    head = noun.head
    complements = [c for c in head.children if c.dep_ in {"acomp", "amod", "oprd", "xcomp", "ccomp", "advmod", "dobj"}
                   and c.i != noun.i]
    candidates = [noun, *(c for c in noun.children if c.dep_ in {"acl", "amod", "relcl", "appos"}), head, *complements]
    if noun.dep_ in {"nsubj", "nsubjpass", "dobj"}:
        candidates.insert(0, head)
    for cand in candidates:
        kind = _kind_of(cand)
        if kind:
            return kind, cand
    return _toll_kind(noun)


def _conj_root(noun: Token) -> Token:
    while noun.dep_ == "conj" and noun.head.i != noun.i and noun.head.pos_ in {"NOUN", "PROPN", "NUM", "PRON"}:
        noun = noun.head
    return noun


def _singles(root: Token, counted: set[int]) -> int:
    """Victims named one at a time after counted ones: "14 students and a teacher" → 1. Only a member
    that follows a counted one across a bare "and" ("…, a local official and a community leader said"
    names no victims)."""
    doc = root.doc
    members = sorted([root, *root.conjuncts], key=lambda t: t.i)
    n = 0
    accepted = set(counted)
    for prev, member in zip(members, members[1:], strict=False):
        start = member.left_edge.i
        joined = prev.i in accepted and start >= 2 and doc[start - 1].lower_ == "and" and _own_end(prev) == start - 2
        if member.i in accepted or not joined or member.tag_ != "NN":
            continue
        if any(c.dep_ == "det" and c.lower_ in {"a", "an", "one"} for c in member.children):
            accepted.add(member.i)
            n += 1
    return n


def _own_end(tok: Token) -> int:
    """The last token of a conjunct's own phrase (its coordinated siblings hang on it too)."""
    return max([tok.i, *(t.i for c in tok.children if c.dep_ not in {"conj", "cc", "punct"} for t in c.subtree)])


# --------------------------------------------------------------------------- running totals


def _clause_verb(tok: Token) -> Token:
    for _ in range(4):
        if tok.pos_ in {"VERB", "AUX"} or tok.head.i == tok.i:
            return tok
        tok = tok.head
    return tok


def _occurrence_nouns(heads: Iterable[Token]) -> list[Token]:
    """The nouns a toll is said to come from: the killer ("the war has killed"), the occurrence it happened
    in ("killed in an attack", "in a series of attacks"), the noun a relative clause describes."""
    out: list[Token] = []
    for head in heads:
        if head.dep_ in {"relcl", "acl"}:
            out.append(head.head)
        for child in head.children:
            if child.dep_ in {"nsubj", "csubj"}:
                out.append(child)
            elif child.dep_ in {"prep", "agent"} and child.lower_ in _OCCURRENCE_PREPS:
                for pobj in (c for c in child.children if c.dep_ == "pobj"):
                    out.append(pobj)
                    out.extend(g for p in pobj.children if p.dep_ == "prep" and p.lower_ == "of"
                               for g in p.children if g.dep_ == "pobj")
    return out


def _antecedent(pronoun: Token) -> Token | None:
    """The subject of the previous sentence, which a sentence-initial "it" most often stands for."""
    sent = pronoun.sent
    if sent.start == 0:
        return None
    prev = pronoun.doc[sent.start - 1].sent
    return next((c for c in prev.root.children if c.dep_ in {"nsubj", "nsubjpass"}), None)


def _is_cumulative(pred: Token, noun: Token) -> bool:
    vocab = _vocabulary()
    verb = _clause_verb(pred)
    # Coordinated verbs share their modifiers ("174 have died and 700 have been wounded over the past decade").
    heads = list({t.i: t for t in (pred, noun, verb, *verb.conjuncts)}.values())
    mods = [c for h in heads for c in h.children]
    # "since 2012", "since the war began"
    for mod in mods:
        if mod.lower_ in vocab.since or (mod.dep_ == "advcl" and any(
                c.dep_ == "mark" and c.lower_ in vocab.since for c in mod.children)):
            return True
    # "over the past decade", "in recent months", "during the last three years"
    for mod in mods:
        if mod.dep_ == "prep" and mod.lower_ in vocab.period_preps:
            for unit in (c for c in mod.children if c.dep_ == "pobj" and c.lemma_.lower() in vocab.period_units):
                if any(c.lower_ in vocab.period_dets for c in unit.children):
                    return True
    nouns = _occurrence_nouns(heads)
    for n in nouns:
        if n.lower_ in vocab.anaphors and n.i == n.sent.start:
            n = _antecedent(n) or n
        if n.dep_ in {"nsubj", "csubj"} and n.lemma_.lower() in vocab.conflict_nouns:
            return True  # "the war has killed tens of thousands"
    one_occurrence = any(n.lemma_.lower() in vocab.episode_nouns and n.tag_ == "NN" for n in nouns)
    if one_occurrence:
        return False  # "the attack alone killed 30", "killed in an ambush last year"
    scope = [t for m in mods if m.dep_ not in {"ccomp", "advcl", "relcl", "parataxis", "conj"} for t in m.subtree]
    if any(_phrase_at(pred.doc, t.i, vocab.total_cues) for t in scope):
        return True  # "so far", "to date", "this year alone"
    dates = _date_texts(scope)
    if len({y for d in dates for y in _YEAR.findall(d)}) >= 2:
        return True  # "between November 2023 and December 2024"
    long_period = any(_LONG_UNITS.search(d) or _YEAR.fullmatch(d.removeprefix("in ").strip()) for d in dates)
    if not long_period:
        return False
    general = any(n.lemma_.lower() in vocab.violence_nouns | vocab.conflict_nouns
                  or (n.lemma_.lower() in vocab.episode_nouns and n.tag_ == "NNS") for n in nouns)
    perfect = any(c.dep_ == "aux" and c.lemma_ == "have" for c in verb.children) and verb.tag_ == "VBN"
    # "killed in gang violence last year", "have been killed this year", "killed in attacks in 2023"
    return general or perfect


def _date_texts(tokens: Iterable[Token]) -> set[str]:
    out: set[str] = set()
    for tok in tokens:
        if tok.ent_type_ == "DATE":
            ent = next((e for e in tok.doc.ents if e.start <= tok.i < e.end), None)
            if ent is not None:
                out.add(ent.text.lower())
    return out


# --------------------------------------------------------------------------- the sentence's counts


def find_magnitudes(sent: Span, include_cumulative: bool = False) -> list[Magnitude]:
    """Every count in the sentence, in order; running totals only when `include_cumulative`."""
    doc = sent.doc
    reader = _FigureReader(sent)
    figures: list[_Figure] = []
    i = sent.start
    while i < sent.end:
        fig = reader.figure(i)
        if fig is None:
            i += 1
            continue
        i = fig.end
        if fig.value is not None and reader.is_count(fig) and not reader.is_subset(fig):
            figures.append(fig)
    readings = [_read(doc, fig) for fig in figures]
    out: list[Magnitude] = []
    done: set[int] = set()
    for n, first in enumerate(readings):
        if n in done:
            continue
        # "5 soldiers and 3 civilians were killed": one count of 8 (a head count of things is not
        # summed). Two figures on one noun tell one count twice: the lower.
        same = [m for m, r in enumerate(readings) if m >= n and r.kind == first.kind and r.pred.i == first.pred.i
                and r.group.i == first.group.i and (first.kind != "quantity" or r.noun.i == first.noun.i)]
        done.update(same)
        group = [readings[m] for m in same]
        by_noun: dict[int, int] = {}
        for r in group:
            by_noun[r.noun.i] = min(by_noun.get(r.noun.i, r.value), r.value)
        # A bare figure beside another ("at least 12, possibly 20, people") is a second estimate, not more people.
        bare = any(r.figure.start <= r.noun.i < r.figure.end for r in group)
        count = min(by_noun.values()) if bare else sum(by_noun.values())
        if first.kind != "quantity":
            count += _singles(first.group, set(by_noun))
        cumulative = _is_cumulative(first.pred, first.noun)
        if cumulative and not include_cumulative:
            continue
        out.append(Magnitude(first.kind, count, first.pred, doc[first.figure.start:first.figure.end], cumulative))
    return out


@dataclass(frozen=True)
class _Reading:
    figure: _Figure
    value: int
    noun: Token    # what the figure counts ("people" in "12 people"; the figure itself when it stands alone)
    group: Token   # the first noun of its coordination ("soldiers" in "5 soldiers and 3 civilians")
    kind: str
    pred: Token


def _read(doc: Doc, fig: _Figure) -> _Reading:
    root = doc[fig.start:fig.end].root
    noun = root.head if root.dep_ in {"nummod", "quantmod", "compound", "amod"} and root.head.i != root.i else root
    group = _conj_root(noun)
    kind, pred = _predicate(group) or ("quantity", noun)
    return _Reading(fig, fig.value or 0, noun, group, kind, pred)


# --------------------------------------------------------------------------- one event's counts


@dataclass(frozen=True)
class EventCounts:
    killed: int | None = None
    injured: int | None = None
    quantity: int | None = None


def _path(a: Token, b: Token) -> tuple[list[Token], int] | None:
    """The tokens from `a` up to their lowest common ancestor and down to `b`, and where that ancestor is."""
    up_a = [a, *a.ancestors]
    up_b = [b, *b.ancestors]
    index_b = {t.i: n for n, t in enumerate(up_b)}
    for n, t in enumerate(up_a):
        if t.i in index_b:
            return up_a[:n + 1] + list(reversed(up_b[:index_b[t.i]])), n
    return None


def _joins(child: Token) -> bool:
    """Whether the edge from `child` to its head keeps both in one occurrence."""
    dep = child.dep_
    if dep == "prep":
        return child.lower_ in _OCCURRENCE_PREPS
    if dep == "advcl":
        marks = [c.lower_ for c in child.children if c.dep_ == "mark" or (c.dep_ == "advmod" and c.tag_ == "WRB")]
        return all(m in _SAME_TIME_MARKS for m in marks) and (bool(marks) or child.tag_ in {"VBG", "VBN"})
    if dep == "conj":
        # "attacked the village and killed 12" is one act; "…, and gunmen killed 3" is another.
        return child.pos_ not in {"VERB", "AUX"} or not any(c.dep_ in {"nsubj", "nsubjpass"} for c in child.children)
    if dep == "ccomp":
        return child.head.lemma_.lower() == "leave"  # "left 12 dead"
    return dep in _LINKS


def _linked(a: Token, b: Token) -> bool:
    found = _path(a, b)
    if found is None:
        return False
    path, top = found
    # Every token on the path but the common ancestor hangs on its neighbour towards it.
    return all(_joins(t) for t in path[:top] + path[top + 1:])


def _distance(a: Token, b: Token) -> int:
    found = _path(a, b)
    return len(found[0]) if found is not None else 1_000


def _owners(mag: Magnitude, triggers: Sequence[Token], magnitudes: Sequence[Magnitude]) -> list[Token]:
    """The events a count belongs to: those joined to its predicate inside one occurrence (the attack
    and the killing it caused share a toll); else the sentence's only candidate; else the nearest.
    An event that is itself the predicate of another count of the kind has its own."""
    own = {m.token.i for m in magnitudes if m.kind == mag.kind and m is not mag} - {mag.token.i}
    triggers = [t for t in triggers if t.i not in own]
    if not triggers:
        return []
    linked = [t for t in triggers if t.i == mag.token.i or _linked(t, mag.token)]
    if linked:
        return linked
    if len(triggers) == 1:
        return list(triggers)
    best = min(_distance(t, mag.token) for t in triggers)
    return [t for t in triggers if _distance(t, mag.token) == best]


def event_counts(trigger: Token, event_type: str, source: Token | None, magnitudes: Sequence[Magnitude],
                 rivals: Sequence[tuple[Token, str]] = ()) -> EventCounts:
    """The killed, injured and quantity figures of the event `trigger` (of `event_type`, with `source`
    its agent token) among the sentence's `magnitudes`; `rivals` are the (trigger, type) of the
    sentence's events, this one included or not. A toll goes to the violent events it belongs to,
    abductions to an ASSAULT's quantity, arrests to a COERCE's, a head count to the actor it counts."""
    events = [(trigger, event_type), *((t, ty) for t, ty in rivals if t.i != trigger.i)]
    figures: dict[str, int] = {}
    for mag in magnitudes:
        if mag.cumulative:
            continue
        if mag.kind == "quantity":
            if source is not None and mag.token.i == source.i and "quantity" not in figures:
                figures["quantity"] = mag.count
            continue
        allowed = _EVENT_TYPES[mag.kind]
        if event_type not in allowed:
            continue
        owners = _owners(mag, [t for t, ty in events if ty in allowed], magnitudes)
        if all(o.i != trigger.i for o in owners):
            continue
        # Two figures for one count of one event: the lower (ACLED's conservative rule).
        figures[mag.kind] = mag.count if mag.kind not in figures else min(figures[mag.kind], mag.count)
    held = figures.get("abducted") if event_type == "ASSAULT" else figures.get("arrested")
    return EventCounts(killed=figures.get("killed"), injured=figures.get("injured"),
                       quantity=held if held is not None else figures.get("quantity"))
