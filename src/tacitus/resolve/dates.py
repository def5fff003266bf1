"""Time expressions: find them in a parsed Doc, normalize them to TIMEX3, and date events by them.

Takes a spaCy `Doc` (tagged, parsed, with NER) and the publication date. `find_times` gives one
`TimeMention` per date expression — a `TimeRef` with its TIMEX3 value, resolved window and character
offsets into `doc.text`; `event_date` gives the `DateWindow` of one event trigger; `clause_tense` gives the
tense ("past" | "present" | "future") relative expressions are resolved by.

Choices a reader of the output needs to know:
- Detection is one regular expression over the text, built from data/time_words.tsv, gated by the parse
  (a bare "May" or "2015" counts only after a temporal preposition, inside a spaCy DATE entity, or as a
  determined noun modifier: "the 2015 agreement"). spaCy DATE entities the grammar does not cover go to
  dateparser only when they hold a month name or a numeric date; the rest ("one day short of",
  "10th anniversary") are not dates. A date inside a name entity is part of the name ("the March 23
  Movement") unless a lower-case temporal preposition before it inside the entity shows the tagger
  swallowed it ("the council on June 16").
- A span's text and offsets are those of the expression even when the tokenizer glued it to a neighbour
  ("MINUSMA)recently").
- Spans are trimmed of leading prepositions but keep a leading "the", as the TIMEX3 annotations of
  TempEval-3 do ("over the weekend" → "the weekend", "in the past" → "the past"); a date that only
  modifies a noun is the date alone ("the 2015 agreement" → "2015").
- An expression without its own year or week resolves against publication and the clause's tense: past
  → the latest instance starting on or before publication (a weekday equal to publication's counts),
  future → the earliest instance ending on or after it, present → the instance holding publication, else
  the nearest (ties go to the past). "last"/"next" + weekday, month or season skip the instance that holds
  publication; "this" + weekday is that day of publication's ISO week. A headline's present tense counts as
  past ("Gunmen kill 12 on Friday"). A deadline ("until/by/before X", "a deadline of X") outside a past
  clause lies ahead ("giving the force until Dec. 31 to leave"); in a past clause a deadline that was set
  ("gave them until Friday to leave", "set a deadline of X") takes the nearest instance.
- A yearless date set off by a comma after another date restates it and takes the year that puts it
  inside that date ("the end of this week, on June 30"; "last year, in March").
- Anaphoric units resolve against the last dated mention before them, as TimeML anchors them: "the same
  day", "the following week", "that evening", "July of that year"; without one they keep value None.
- Seasons are meteorological (spring Mar–May, summer Jun–Aug, autumn Sep–Nov, winter Dec–Feb); a winter
  is labelled by the year of its December.
- A weekend's value is its ISO week plus "-WE" (2023-W25-WE), precision "week"; a half year is
  2023-H1, precision "quarter"; a range "June 5-7" keeps the first day as value and the range as window.
- "early/mid/late", "the beginning/middle/end of" take a third of the unit (early June = 1–10 June,
  the end of a week = Friday–Sunday; years, seasons and quarters split by months: late 2022 =
  Sep–Dec, early summer = June); the value stays the unit's; "earlier/later this month" clip the unit
  at publication.
- PAST_REF windows end at publication: "recently", "lately" one year back (precision month), "in recent
  years" five years (precision year), months six months, weeks six weeks, days seven days. FUTURE_REF
  windows mirror them from publication ("in the coming days", "over the coming months"); "soon" and "in
  the future" have none. Vague counts ("a few days ago", "several years ago") cover 2 to 9 units back.
- Durations ("for a decade", "10 years", "a day after") have value P10Y/P1D and no window, except those
  anchored at publication: "the past decade" (published−10y..published), "the next two weeks",
  "within a month" in a future clause, and "for" + a duration measuring a perfect up to now ("has held
  the town for two weeks", "had for years refused"; a vague count reaches 9 units back).
- "year-end", "month's end" and "end-June" are the last third of their unit, like "the end of".
- "until"/"to" after a deferral verb points ahead whatever the tense ("was postponed until Saturday").
- Precision is one of day, week, month, quarter, season, year, decade, century, duration, present
  (PRESENT_REF); sets ("every week") and windowless FUTURE_REF ("soon") have none.
- A day of the month alone ("on the 14th", only after a temporal preposition and before no noun) lies in
  the month of a date before it in its sentence, else in the month around publication the tense points to.
- "the end of year" without its article is "year-end"; in a past clause, while that part of the current year
  is still ahead, it is last year's. "1957-58": the two digits after a year are the span's last year.
- "at the time" / "at that time" are PAST_REF (as TempEval-3 writes them) with the window of the date told
  before them; "at the time of X" is not a time expression of its own.
- An event's date (`event_date`) is a mention attached to its trigger, else one counted from another
  ("a day after", "two days earlier"), else that of the clause governing it; the rules are in its docstring.
  `narrative_date` gives the time a story has reached before a sentence, for past events without a date of
  their own (`carried_window`, `told_in_past` and `describes` say which dates and events take part).
- `timex3_type` reads the TIMEX3 type (DATE, TIME, DURATION, SET) off a `TimeRef`.
- Without a publication date, expressions that need one keep value None and no window.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any

from spacy.tokens import Doc, Span, Token

from tacitus.errors import DataError, InputError
from tacitus.models import DateWindow, TimeRef
from tacitus.nlp import doc_text, sentence_of

Window = tuple[date, date]

_DATA_FILE = "time_words.tsv"
_WS = r"[^\S\n]+"  # whitespace inside one line: a time expression never crosses a paragraph break
_WS0 = r"[^\S\n]*"

# Prepositions stripped from the start of a span, and the words that make a bare month or year a date.
_TRIM = frozenset(
    "on in at since by over during until till from for to through throughout before after within "
    "around".split()
)
_TEMPORAL_PREV = frozenset(
    "in on at since by until till from through throughout before after during of between around "
    "circa early late mid last next this year".split()
)
_LIST_JOINERS = frozenset({"and", "or", "to", "through", "until", "till", "-", "–", "/", "&"})
# Entity labels whose text is a name, never a date ("the March 23 Movement").
_NAME_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC", "NORP", "PRODUCT", "WORK_OF_ART"})
_ANAPHORIC_DETS = frozenset(
    {"that", "the same", "the previous", "the preceding", "the prior", "the following"}
)
_BACKWARD_DETS = frozenset({"the past", "the last", "past", "last", "this past"})
_FORWARD_DETS = frozenset({"the coming", "the next", "coming", "next", "this coming"})
_ANCHOR_FOLLOWERS = frozenset({"later", "earlier", "after", "before", "afterwards", "on"})
_RATE_WORDS = frozenset({"times", "per", "twice", "once", "thrice"})
_DAY_CODES = frozenset({"D", "H", "MIN"})
_NUMERIC_LABELS = frozenset({"CARDINAL", "QUANTITY", "MONEY", "PERCENT"})
_STRONG_TEMPORAL_PREV = frozenset({"in", "since", "by", "until", "till", "during", "before", "after"})
_FALL_PREV = frozenset({"in", "during", "by", "since", "until", "before", "after", "through"})
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "final": 4}
_DEADLINE_PREPS = frozenset({"until", "till", "by", "before"})


@dataclass(frozen=True)
class TimeMention:
    """One date expression: its tokens, its normalized value and how it is anchored."""

    span: Span
    ref: TimeRef
    anchor: str  # absolute | relative | duration | present | set


# --------------------------------------------------------------------------- vocabulary


@dataclass(frozen=True)
class _Lexicon:
    months: dict[str, int]  # full names, lower case
    month_abbrevs: dict[str, int]
    weekdays: dict[str, int]
    numbers: dict[str, int | None]  # None: an unspecified count ("several")
    units: dict[str, tuple[int, str]]  # singular and plural → (count, TIMEX3 unit letter)
    plural_units: frozenset[str]
    seasons: dict[str, tuple[str, int]]  # → (code, first month)
    parts_of_day: dict[str, str]
    holidays: dict[str, tuple[int, int]]
    refs: dict[str, tuple[str, str | None, str | None]]  # phrase → (value, window duration, precision)
    portions: dict[str, str]
    future_heads: frozenset[str]
    schedule_verbs: frozenset[str]
    deferral_verbs: frozenset[str]
    occasions: frozenset[str]
    report_verbs: frozenset[str]
    reaction_verbs: frozenset[str]


_UNIT_STEP = re.compile(r"(\d+)(MIN|WE|[HDWMY])")
_ANTECEDENT = "antecedent"  # a ref whose window is that of the date told before it


@cache
def _lexicon() -> _Lexicon:
    text = resources.files("tacitus.resolve").joinpath("data", _DATA_FILE).read_text(encoding="utf-8")
    months: dict[str, int] = {}
    abbrevs: dict[str, int] = {}
    weekdays: dict[str, int] = {}
    numbers: dict[str, int | None] = {}
    units: dict[str, tuple[int, str]] = {}
    plurals: set[str] = set()
    seasons: dict[str, tuple[str, int]] = {}
    pods: dict[str, str] = {}
    holidays: dict[str, tuple[int, int]] = {}
    refs: dict[str, tuple[str, str | None, str | None]] = {}
    portions: dict[str, str] = {}
    future_heads: set[str] = set()
    schedule: set[str] = set()
    deferral: set[str] = set()
    occasions: set[str] = set()
    reports: set[str] = set()
    reactions: set[str] = set()
    for lineno, raw in enumerate(text.splitlines(), 1):
        if not raw.strip() or raw.startswith("#"):
            continue
        cols = raw.split("\t")
        kind, phrase = cols[0], cols[1].strip().lower() if len(cols) > 1 else ""
        value = cols[2].strip() if len(cols) > 2 else ""
        extra = cols[3].strip() if len(cols) > 3 else ""
        try:
            if kind == "month":
                months[phrase] = int(value)
                for abbr in filter(None, extra.split(",")):
                    abbrevs[abbr.strip()] = int(value)
            elif kind == "weekday":
                weekdays[phrase] = int(value)
            elif kind == "number":
                numbers[phrase] = None if value == "X" else int(value)
            elif kind == "unit":
                step = _UNIT_STEP.fullmatch(value)
                if step is None:
                    raise ValueError(f"unit step {value!r}")
                units[phrase] = units[extra] = (int(step.group(1)), step.group(2))
                plurals.add(extra)
            elif kind == "season":
                seasons[phrase] = (value, int(extra))
            elif kind == "part_of_day":
                pods[phrase] = value
            elif kind == "holiday":
                month, day = value.split("-")
                holidays[phrase] = (int(month), int(day))
            elif kind == "ref":
                window, _, precision = extra.partition(" ")
                if window not in ("", "-", _ANTECEDENT) and not _UNIT_STEP.fullmatch(window.removeprefix("P")):
                    raise ValueError(f"window {window!r}")
                refs[phrase] = (value, None if window in ("", "-") else window, precision or None)
            elif kind == "portion":
                portions[phrase] = value
            elif kind == "future_head":
                future_heads.add(phrase)
            elif kind == "schedule":
                schedule.add(phrase)
            elif kind == "deferral":
                deferral.add(phrase)
            elif kind == "occasion":
                occasions.add(phrase)
            elif kind == "report":
                reports.add(phrase)
            elif kind == "reaction":
                reactions.add(phrase)
            else:
                raise ValueError(f"unknown kind {kind!r}")
        except (ValueError, IndexError) as exc:
            raise DataError(f"{_DATA_FILE}:{lineno}: bad row ({exc})") from exc
    return _Lexicon(
        months, abbrevs, weekdays, numbers, units, frozenset(plurals), seasons, pods, holidays, refs,
        portions, frozenset(future_heads), frozenset(schedule), frozenset(deferral), frozenset(occasions),
        frozenset(reports), frozenset(reactions),
    )


# --------------------------------------------------------------------------- grammar


def _words(phrase: str) -> str:
    """A phrase as a pattern: words escaped, any inline whitespace between them, ' for ’ too."""
    return r"\s+".join(re.escape(w).replace("'", "['’]") for w in phrase.split())


def _alt(phrases: Iterable[str]) -> str:
    return "|".join(_words(p) for p in sorted(set(phrases), key=len, reverse=True))


def _capitalized(phrase: str) -> str:
    return " ".join(w[:1].upper() + w[1:] for w in phrase.split())


@cache
def _grammar() -> re.Pattern[str]:
    lex = _lexicon()
    month_forms = [_words(_capitalized(m)) for m in lex.months]
    for abbr in lex.month_abbrevs:
        cap = re.escape(_capitalized(abbr))
        month_forms += [cap + r"\.", cap + r"(?=\s*\d)"]
    mon = r"(?-i:" + "|".join(sorted(month_forms, key=len, reverse=True)) + r")(?![A-Za-z])"
    wd = _alt(lex.weekdays)
    pod = _alt(lex.parts_of_day)
    units = _alt(lex.units)
    plural_units = _alt(lex.plural_units)
    seasons = _alt(lex.seasons)
    holidays = r"(?-i:" + _alt(_capitalized(h) for h in lex.holidays) + ")"
    refs = _alt(lex.refs)
    adj_portion = "early|mid|late"
    part = _alt(p for p in lex.portions if p not in ("early", "mid", "late"))
    tens = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
    ones = "one|two|three|four|five|six|seven|eight|nine"
    num = rf"(?:\d+(?:\.\d+)?|(?:{tens})-(?:{ones})|{_alt(lex.numbers)})"
    year = r"(?<![\w.,$£€/])(?:1[6-9]\d\d|20\d\d)(?![\d/]|[.,]\d)"
    day = r"(?:3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?(?!\d)"
    half = r"\s+and\s+a\s+half"

    def portion(prefix: str) -> str:
        # "end-June", "end-2023": wire copy's hyphenated "the end of"
        return (rf"(?:(?P<{prefix}_por>{adj_portion}|end(?=-))(?:-|\s+)"
                rf"|(?:the\s+)?(?P<{prefix}_part>{part})\s+of\s+)")

    alternatives = {
        "iso": rf"(?<![\w-])(?P<iso_y>{year})-(?P<iso_m>0[1-9]|1[0-2])-(?P<iso_d>0[1-9]|[12]\d|3[01])(?!\d)",
        "mdy": rf"\b(?:(?P<mdy_wd>{wd}),?\s+)?(?P<mdy_m>{mon})\s*(?P<mdy_d>{day})"
        rf"(?:\s*[-–]\s*(?P<mdy_d2>{day}))?(?:,?\s+(?P<mdy_y>{year}))?(?:\s+(?P<mdy_pod>{pod})\b)?",
        "dmy": rf"\b(?:(?P<dmy_wd>{wd}),?\s+)?(?:the\s+)?(?P<dmy_d>{day})(?:\s*[-–]\s*(?P<dmy_d2>{day}))?"
        rf"\s+(?:of\s+)?(?P<dmy_m>{mon})(?:,?\s+(?P<dmy_y>{year}))?",
        "my": rf"\b{portion('my')}?(?P<my_m>{mon}),?\s+(?:of\s+)?"
        rf"(?:(?P<my_y>{year})|(?P<my_rel>last|this|next)\s+year(?!\w)"
        rf"|(?P<my_ana>that|the\s+same)\s+year(?!\w))",
        "dec": rf"(?:\bthe\s+)?(?:\b(?P<dec_por>{adj_portion})(?:-|\s+))?(?<!\w)"
        rf"(?P<dec>(?:1[5-9]|20)\d0['’]?s|['’]\d0s)(?!\w)",
        "cen": rf"\b(?:(?P<cen_por>{adj_portion})(?:-|\s+))?(?P<cen>1\d|2[01]|[1-9])(?:st|nd|rd|th)"
        rf"(?:-|\s+)century(?!\w)",
        "ord": r"\bthe\s+(?P<ord_d>3[01]|[12]\d|[1-9])(?P<ord_sfx>st|nd|rd|th)(?![\w-])",
        "q": rf"\b(?P<q_the>the\s+)?(?P<q_ord>first|second|third|fourth|final|last)\s+"
        rf"(?P<q_kind>quarter|half)"
        rf"(?:\s+of\s+(?:(?P<q_y>{year})|(?P<q_rel>this|last|next)\s+year|the\s+(?:current\s+)?year))?(?!\w)"
        rf"|(?-i:\b(?P<q_letter>[QH])(?P<q_num>[1-4]))(?:\s+(?P<q_y2>{year}))?(?!\w)",
        "s": rf"\b(?:the\s+)?(?:(?P<s_por>{adj_portion})(?:-|\s+))?"
        rf"(?:(?P<s_rel>this\s+past|this\s+coming|this|last|next|past|coming)\s+)?"
        rf"(?P<s>{seasons})(?:\s+(?:of\s+)?(?P<s_y>{year}))?(?!\w)",
        "hol": rf"\b(?P<hol>{holidays})(?:,?\s+(?P<hol_y>{year}))?(?!\w)",
        "dr": rf"\b(?:(?:early|late)\s+)?(?:the\s+day\s+(?P<dr_far>before\s+yesterday|after\s+tomorrow)"
        rf"|(?P<dr_w>today|tonight|yesterday|tomorrow)(?:\s+(?P<dr_pod>{pod}))?"
        rf"|this\s+(?P<dr_this>{pod})|last\s+(?P<dr_last>night|evening))(?!\w)",
        "wd": rf"\b(?:(?:early|late)\s+)?"
        rf"(?:(?P<wd_rel>this\s+past|this\s+coming|last|next|this|past|coming)\s+)?"
        rf"(?P<wd>{wd})(?:\s+(?P<wd_pod>{pod}))?(?!\w)",
        "ago": rf"\b(?:(?P<ago_n>{num})(?P<ago_half>{half})?\s+)?(?P<ago_u>{units})\s+ago(?!\w)",
        "ref": rf"\b(?P<ref>{refs})(?!\w)(?!\s+(?:{num}\s+)?(?:{units})(?!\w))",
        "ru": rf"\b(?:(?P<ru_adv>earlier|later)\s+(?:in\s+)?|{portion('ru')})?"
        rf"(?P<ru_det>this\s+past|this\s+coming|this|last|next|past|coming|that"
        rf"|the\s+(?:past|last|previous|preceding|prior|following|coming|next|same)|the)"
        rf"\s+(?:(?P<ru_n>{num})(?P<ru_half>{half})?\s+)?(?:fiscal\s+)?(?P<ru_u>{units}|{pod})(?!\w)",
        "cnt": rf"\b(?P<cnt_n>{num})(?P<cnt_half>{half})?(?:-|\s+)(?P<cnt_u>{units})(?P<cnt_half2>{half})?"
        rf"(?P<cnt_old>(?:-|\s+)old)?(?!\w)|\b(?P<cnt_bare>{plural_units})(?!\w)",
        "ue": rf"\b(?P<ue>year|month)(?:-|['’]s\s+)end(?!\w)"
        rf"|\b(?:the\s+)?(?P<ue_part>{part})\s+of\s+(?P<ue2>year|month)(?!\w)",
        "yy": r"(?<=(?:1[6-9]|20)\d\d[-–])(?P<yy>\d\d)(?![\d/]|[.,]\d)",
        "set": rf"\b(?:every|each)\s+(?:(?P<set_n>{num}|other)\s+)?(?P<set_u>{units}|{wd}|{pod})(?!\w)"
        r"|\b(?P<set_adv>annually|yearly|nightly|daily|weekly|monthly)(?!\w)",
        "yr": rf"(?:\b{portion('yr')})?(?P<yr>{year})",
        "mo": rf"\b{portion('mo')}?(?:(?P<mo_rel>last|next|this|past|coming)\s+)?(?P<mo>{mon})",
    }
    body = "|".join(f"(?P<k_{kind}>{pattern})" for kind, pattern in alternatives.items())
    body = body.replace(r"\s+", _WS).replace(r"\s*", _WS0)
    # Every expression starts a word: the guard fails fast inside words, where most positions are.
    return re.compile(r"(?i)(?<!\w)(?=[\w'’])(?:" + body + ")")


# ----- where an expression may start
# Trying the grammar's twenty alternatives at every word start is most of find_times' time, and
# all but a few hundred words of an article ("the", "last", month and number words, digits) can
# open no expression. `_openers` reads, off the compiled grammar itself, which first words can, and
# for the commonest of them ("the", "a", "in") which second words: the search then tries only those
# places, and finds exactly what a plain `search` would.

_RUN_CHAR = re.compile(r"[^\W\d_]")  # a letter, as far as \w-based word edges go
_WORD_START = re.compile(r"(?<!\w)(?=[\w'’])[^\W\d_]*")  # the grammar's own start guard, and the letters after it
_NEXT_WORD = re.compile(r"\s+([^\W\d_]*)")
_MAX_OPENER = 40


class _Words:
    """Lower-case letter runs: `exact` ones, and any word that starts with one of `prefixes`."""

    def __init__(self, exact: Iterable[str] = (), prefixes: Iterable[str] = ()) -> None:
        self.exact = frozenset(exact)
        self.prefixes = frozenset(prefixes)
        # A word can go on from a prefix only if it starts with the first letters of one.
        self._shortest = min(map(len, self.prefixes), default=0)
        self._stems = frozenset(p[:self._shortest] for p in self.prefixes)
        self._lengths = sorted({len(p) for p in self.prefixes})

    def __contains__(self, word: object) -> bool:
        assert isinstance(word, str)
        return word in self.exact or self.may_go_on(word) and any(word[:n] in self.prefixes for n in self._lengths)

    def may_go_on(self, word: str) -> bool:
        """Whether `word` starts as some prefix does (a quick test that rules out most words)."""
        return word[:self._shortest] in self._stems


class _Openers:
    r"""What a match can open with: a first letter run in `first` (followed in the match by no letter:
    a digit, a hyphen, `(?!\w)`; or by anything, for a prefix), or one in `then`, followed by white
    space and a second run in `then[run]`."""

    def __init__(self, first: _Words, then: dict[str, _Words]) -> None:
        self.first = first
        self.then = then

    def may_open(self, text: str, word: re.Match[str]) -> bool:
        """Whether a match may start at `word`, the letter run at a word start of `text` ("" for a digit
        or a quote)."""
        run = word.group()
        if not run.isascii():
            return True  # case-insensitive matching has non-ASCII equivalents ("ſ" for "s"): no shortcut
        run = run.lower()
        if run in self.first.exact or self.first.may_go_on(run) and run in self.first:
            return True
        after = self.then.get(run)
        if after is None:
            return False
        second = _NEXT_WORD.match(text, word.end())
        if second is None:
            return False
        return not second.group(1).isascii() or second.group(1).lower() in after


_ANY = "any"  # an element that may match a letter or anything else
_LETTERS, _SPACE, _OTHER, _MIXED = "letters", "space", "other", "mixed"


def _element(op: Any, av: Any, sre: Any) -> tuple[str, list[str]]:
    """What one single-character element of a parsed pattern can match: (kind, its letters) — letters
    only, white space only, other non-letters only, non-letters of both sorts, or `_ANY`."""
    letters: list[str] = []
    space = other = False
    if op is sre.LITERAL:
        members = [(op, av)]
    elif av and av[0][0] is sre.NEGATE:
        if (sre.CATEGORY, sre.CATEGORY_NOT_SPACE) not in av[1:]:
            return _ANY, []
        members, space = [], True  # [^\S\n]: white space only
    else:
        members = av
    for kind, value in members:
        if kind is sre.LITERAL:
            char = chr(value)
            if _RUN_CHAR.match(char):
                if not char.isascii():
                    return _ANY, []
                letters.append(char.lower())
            elif char.isspace():
                space = True
            else:
                other = True
        elif kind is sre.CATEGORY and value == sre.CATEGORY_DIGIT:
            other = True
        elif kind is sre.CATEGORY and value == sre.CATEGORY_SPACE:
            space = True
        elif kind is sre.RANGE and not any(_RUN_CHAR.match(chr(c)) for c in range(value[0], value[1] + 1)):
            space = space or any(chr(c).isspace() for c in range(value[0], value[1] + 1))
            other = True
        else:
            return _ANY, []
    if letters and (space or other):
        return _ANY, []  # never in this grammar; read as anything
    if letters:
        return _LETTERS, letters
    return (_MIXED if space and other else _SPACE if space else _OTHER), []


@cache
def _openers() -> _Openers | None:
    """The words that can open a match of the grammar, read off its parse tree (an element this reading
    does not know lets any word through); None if any word at all may open one, or the standard library's
    parser is missing (then every word start is tried)."""
    try:  # the standard library's own regex parser (private, so a missing one means no shortcut)
        from re import _constants as sre  # type: ignore[attr-defined]
        from re import _parser as sre_parse  # type: ignore[attr-defined]
    except ImportError:
        return None

    exact: set[str] = set()  # first runs followed by no letter
    prefixes: set[str] = set()  # first runs that may go on with anything
    pairs: set[tuple[str, str]] = set()  # (first run, second run followed by no letter)
    pair_prefixes: set[tuple[str, str]] = set()  # (first run, second run that may go on with anything)
    word = [(sre.IN, [(sre.CATEGORY, sre.CATEGORY_WORD)])]

    def stop(first: str, second: str | None, closed: bool) -> None:
        if second is None:
            (exact if closed else prefixes).add(first)
        else:
            (pairs if closed else pair_prefixes).add((first, second))

    # Every path through the pattern over its first letter run, white space and second run: states of
    # (elements left, what follows them, first run, second run or None before the white space).
    tree = list(sre_parse.parse(_grammar().pattern))
    todo: list[tuple[list[Any], tuple[list[Any], ...], str, str | None]] = [(tree, (), "", None)]
    while todo:
        items, then, first, second = todo.pop()
        if len(first) > _MAX_OPENER or len(second or "") > _MAX_OPENER:
            stop(first, second, False)
            continue
        if not items:
            if then:
                todo.append((then[0], then[1:], first, second))
            else:
                stop(first, second, False)  # the match may end here, before more letters
            continue
        (op, av), rest = items[0], items[1:]
        if op is sre.BRANCH:
            todo += [(list(alternative), (rest, *then), first, second) for alternative in av[1]]
        elif op is sre.SUBPATTERN:
            todo.append((list(av[3]), (rest, *then), first, second))
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
            low, high, body = av
            if low == 0:
                todo.append((rest, then, first, second))
            spaces = len(body) == 1 and body[0][0] in (sre.LITERAL, sre.IN) \
                and _element(body[0][0], body[0][1], sre)[0] == _SPACE
            if spaces and (second == "" or second is None and first):
                # A run of white space after a word: one character of it or many lead to the same state.
                todo.append((rest, then, first, ""))
            elif high != 0:
                again = [] if high == 1 else [(op, (max(low - 1, 0), high if high == sre.MAXREPEAT else high - 1,
                                                    body))]
                todo.append((list(body), (again, rest, *then), first, second))
        elif op is sre.ASSERT_NOT and av[0] == 1 and list(av[1]) == word:
            stop(first, second, True)  # (?!\w): the letters stop here
        elif op in (sre.ASSERT, sre.ASSERT_NOT, sre.AT):
            todo.append((rest, then, first, second))  # zero width: ignoring it only lets more words through
        elif op in (sre.LITERAL, sre.IN):
            kind, letters = _element(op, av, sre)
            if kind == _LETTERS:
                todo += [(rest, then, first + letter, None) if second is None else (rest, then, first, second + letter)
                         for letter in letters]
            elif kind == _SPACE and (second is None and first or second == ""):
                todo.append((rest, then, first, ""))  # on to the second word, or more white space before it
            elif kind == _MIXED and second == "":
                stop(first, "", False)  # white space or anything after it
            else:
                stop(first, second, kind != _ANY)
        else:
            stop(first, second, False)

    # A first run that may be followed by white space and anything needs no second look.
    exact |= {f for f, s in pair_prefixes if not s}
    if "" in prefixes:
        return None  # some path opens with anything
    seconds = {f: _Words({s for g, s in pairs if g == f}, {s for g, s in pair_prefixes if g == f})
               for f in {f for f, _ in pairs | pair_prefixes} - exact}
    return _Openers(_Words(exact, prefixes), seconds)


def _word_starts(text: str) -> list[int] | None:
    """The offsets where a match of the grammar may start, in order; None for "anywhere"."""
    openers = _openers()
    if openers is None:
        return None
    return [m.start() for m in _WORD_START.finditer(text) if openers.may_open(text, m)]


def _search(pattern: re.Pattern[str], text: str, pos: int, starts: list[int] | None) -> re.Match[str] | None:
    """`pattern.search(text, pos)`, trying only the offsets in `starts`."""
    if starts is None:
        return pattern.search(text, pos)
    for i in range(bisect_left(starts, pos), len(starts)):
        m = pattern.match(text, starts[i])
        if m is not None:
            return m
    return None


# --------------------------------------------------------------------------- calendar arithmetic


def _monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


def _days_in_month(year: int, month: int) -> int:
    return ((date(year + month // 12, month % 12 + 1, 1)) - date(year, month, 1)).days


def _add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, _days_in_month(year, month)))


def _month_window(year: int, month: int) -> Window:
    return date(year, month, 1), date(year, month, _days_in_month(year, month))


def _year_window(year: int) -> Window:
    return date(year, 1, 1), date(year, 12, 31)


def _quarter_window(year: int, q: int) -> Window:
    return date(year, 3 * q - 2, 1), _month_window(year, 3 * q)[1]


def _half_window(year: int, h: int) -> Window:
    return date(year, 6 * h - 5, 1), _month_window(year, 6 * h)[1]


def _season_window(year: int, first_month: int) -> Window:
    start = date(year, first_month, 1)
    last = _add_months(start, 2)
    return start, _month_window(last.year, last.month)[1]


def _week_window(d: date) -> Window:
    return _monday(d), _monday(d) + timedelta(days=6)


def _weekend_window(saturday: date) -> Window:
    return saturday, saturday + timedelta(days=1)


def _week_value(d: date) -> str:
    iso = d.isocalendar()
    return f"{iso.year:04d}-W{iso.week:02d}"


def _shift(d: date, n: float, count: int, code: str) -> date:
    """`d` moved by n × count units (negative n goes back); months and years keep the day of month."""
    total = n * count
    if code in ("D",):
        return d + timedelta(days=total)
    if code in ("W", "WE"):
        return d + timedelta(weeks=total)
    if code == "H":
        return (datetime(d.year, d.month, d.day) + timedelta(hours=total)).date()
    if code == "MIN":
        return d
    months = total * (12 if code == "Y" else 1)
    whole = int(months)
    shifted = _add_months(d, whole)
    return shifted + timedelta(days=round((months - whole) * 30))


def _pick(candidates: Sequence[Window], published: date, tense: str) -> Window:
    """The instance of a yearless or weekless expression that the clause's tense points to."""
    if tense == "past":
        before = [w for w in candidates if w[0] <= published]
        if before:
            return max(before)
    elif tense == "future":
        after = [w for w in candidates if w[1] >= published]
        if after:
            return min(after)
    for w in candidates:
        if w[0] <= published <= w[1]:
            return w

    def distance(w: Window) -> tuple[int, int]:
        gap = (w[0] - published).days if w[0] > published else (published - w[1]).days
        return gap, 0 if w[1] < published else 1

    return min(candidates, key=distance)


def _last_before(candidates: Sequence[Window], published: date) -> Window | None:
    done = [w for w in candidates if w[1] < published]
    return max(done) if done else None


def _first_after(candidates: Sequence[Window], published: date) -> Window | None:
    ahead = [w for w in candidates if w[0] > published]
    return min(ahead) if ahead else None


def _portion(window: Window, which: str, unit: str) -> Window:
    """A third of a window: by months for a year, by years for a decade, by days otherwise."""
    start, end = window
    if unit in ("year", "season", "quarter"):
        n, step = (12 if unit == "year" else 3), "M"
    elif unit in ("decade", "century"):
        n, step = (10 if unit == "decade" else 100), "Y"
    else:
        n, step = (end - start).days + 1, "D"
    m = -(-n // 3)
    middle = (n - m) // 2
    first, last = {"first": (0, m - 1), "last": (n - m, n - 1)}.get(which, (middle, middle + m - 1))
    if step == "D":
        return start + timedelta(days=first), start + timedelta(days=last)
    unit_months = 1 if step == "M" else 12
    lo = _add_months(start, first * unit_months)
    hi = _add_months(start, (last + 1) * unit_months) - timedelta(days=1)
    return lo, hi


def _duration_value(n: float | None, count: int, code: str) -> str:
    total = "X" if n is None else f"{n * count:g}"
    if code == "H":
        return f"PT{total}H"
    if code == "MIN":
        return f"PT{total}M"
    return f"P{total}{code}"


# --------------------------------------------------------------------------- tense


def _lemma(t: Token) -> str:
    return t.lemma_.lower() if t.lemma_ else t.lower_


def _is_verbal(t: Token) -> bool:
    return t.tag_.startswith("VB") or t.pos_ in ("VERB", "AUX")


def _is_clause_verb(t: Token) -> bool:
    return _is_verbal(t) and t.dep_ not in ("aux", "auxpass")


def _governing_verb(token: Token) -> Token | None:
    """The token itself when it heads a clause, else the first clause verb above it."""
    t = token
    for _ in range(len(token.doc)):
        if _is_clause_verb(t):
            return t
        if t.head.i == t.i:
            return None
        t = t.head
    return None


def _reattach(verb: Token, span: Span) -> Token:
    """Undo a common misparse of wire copy: in "X said on Wednesday they would leave" the date belongs to
    "said", though the parser hangs it on "leave" because "that" is missing."""
    if verb.dep_ != "ccomp" or not 0 < span.start - verb.head.i <= 3:
        return verb
    subject = next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass", "expl")), None)
    if subject is not None and span.end <= subject.left_edge.i:
        return verb.head
    return verb


def _infinitive_after(verb: Token, span: Span) -> bool:
    """`verb` governs a to-infinitive after `span`: "gave them until Friday [to leave]"."""
    return any(c.i >= span.end and _is_verbal(c)
               and any(a.dep_ == "aux" and a.lower_ == "to" for a in c.children) for c in verb.children)


def _in_headline(span: Span) -> bool:
    """The span lies on the document's first line, and that line is a headline: it ends without a full stop
    and the text goes on below it."""
    # Read off the text, not the tokens: the first line ends at the first line break.
    text = doc_text(span.doc)
    cut = text.find("\n")
    if cut < 0:
        return False
    line = text[:cut].rstrip()
    return span.start_char < cut and bool(line) and line[-1] not in ".!?\"”"


def _mention_verb(span: Span) -> Token | None:
    verb = _governing_verb(span.root)
    return None if verb is None else _reattach(verb, span)


_FUTURE_AUX = frozenset({"will", "'ll", "shall", "wo"})
_MODAL_FUTURE = frozenset({"would", "'d", "may", "might", "must", "should", "ought"})
_PERFECT_AUX = frozenset({"have", "has", "had", "'ve", "having"})


def clause_tense(token: Token) -> str:
    """Tense of the clause that governs `token`: "past", "present" or "future".

    Past: a past-tense verb or auxiliary, a perfect ("has seized"), a bare participle ("signed in 2015").
    Future: will/shall, would/may/must/should (reported or planned), "is to", "going to", an infinitive
    under a planning word ("set to", "plans to", "is expected to"), a present "is scheduled for".
    """
    verb = _governing_verb(token)
    if verb is None:
        return "present"
    return _verb_tense(verb, 0)


def _verb_tense(verb: Token, depth: int) -> str:
    lex = _lexicon()
    auxes = [c for c in verb.children if c.dep_ in ("aux", "auxpass")]
    words = {a.lower_ for a in auxes}
    perfect = bool(words & _PERFECT_AUX)
    if words & _FUTURE_AUX:
        return "future"
    if words & _MODAL_FUTURE:
        return "past" if perfect else "future"
    if "to" in words:
        head = verb.head
        if head.i == verb.i:
            return "future"  # headline infinitive: "Mali to hold elections"
        head_lemma = _lemma(head)
        if head_lemma in lex.future_heads or (head_lemma == "go" and head.tag_ == "VBG"):
            return "future"
        if head_lemma == "be" and verb.dep_ in ("xcomp", "attr"):
            return "future"  # "is to visit"
        if not _is_verbal(head) and verb.dep_ in ("acl", "relcl", "advcl"):
            return "future"  # "talks to begin on Monday"
        if depth < 8 and _is_verbal(head):
            return _verb_tense(head, depth + 1)
        return "present"
    if (verb.dep_ == "conj" and not auxes and verb.tag_ in ("VB", "VBN") and depth < 8
            and not any(c.dep_ in ("nsubj", "nsubjpass") for c in verb.children)):
        return _verb_tense(verb.head, depth + 1)
    if verb.tag_ == "VBD" or any(a.tag_ == "VBD" for a in auxes) or perfect:
        return "past"
    if verb.tag_ == "VBN" and not auxes:
        return "past"
    present_form = verb.tag_ in ("VBZ", "VBP") or any(a.tag_ in ("VBZ", "VBP") for a in auxes)
    if present_form:
        scheduled = _lemma(verb) in lex.schedule_verbs or any(
            c.dep_ in ("acomp", "attr") and _lemma(c) in lex.schedule_verbs for c in verb.children
        )
        if scheduled:
            return "future"
    return "present"


# --------------------------------------------------------------------------- matching context


@dataclass
class _Norm:
    value: str | None
    window: Window | None
    precision: str | None
    anchor: str
    end_char: int | None = None  # when a handler keeps only the front of the match
    # For a month or day without a year: the same expression in a given year, so that "June to
    # August 2022" can lend its year to "June".
    rebuild: Callable[[int], _Norm | None] | None = None
    # For an anaphoric expression ("the same day", "the following week", "July of that year"): the
    # expression resolved against its antecedent's window (None when the antecedent does not fit).
    anaphor: Callable[[Window], _Norm | None] | None = None
    # For a day of the month without its month ("on the 14th"): the day inside the month of a date told
    # before it in its sentence ("began on March 3 and ended on the 14th").
    in_month: Callable[[Window], _Norm | None] | None = None


class _Ctx:
    """What a handler may look at besides its match: the trimmed span, its neighbours, the tense."""

    def __init__(self, doc: Doc, span: Span, published: date | None, covered: set[int]) -> None:
        self.doc = doc
        self.span = span
        self.published = published
        self.covered = covered
        self._tense: str | None = None

    @property
    def tense(self) -> str:
        if self._tense is None:
            verb = _mention_verb(self.span)
            tense = "present" if verb is None else _verb_tense(verb, 0)
            if verb is not None and _lemma(verb) in _lexicon().deferral_verbs and self._under_until(verb):
                tense = "future"  # "was postponed until Saturday"
            elif (deadline := self._deadline()) is not None:
                # "giving the force until Dec. 31 to leave", "must go by March": a deadline outside a
                # past clause lies ahead. In a past clause a deadline that was set ("gave them until
                # Friday to leave", "set a deadline of March 1") may lie on either side of publication, so
                # the nearest instance wins; one that was met ("had left by March 1") is past.
                if tense != "past":
                    tense = "future"
                elif deadline == "noun" or (verb is not None and _infinitive_after(verb, self.span)):
                    tense = "present"
            elif tense == "present" and _in_headline(self.span):
                tense = "past"  # headlines tell past events in the present: "Rebels seize town on Monday"
            self._tense = tense
        return self._tense

    def _deadline(self) -> str | None:
        """ "prep" for "until/by/before X", "noun" for "a deadline of X" and "the X deadline", else None."""
        prev = self.prev_token()
        if prev is not None and prev.lower_ in _DEADLINE_PREPS:
            return "prep"
        if prev is not None and prev.lower_ == "of" and prev.i > 0 \
                and _lemma(self.doc[prev.i - 1]) == "deadline":
            return "noun"
        head = self.span.root.head
        return "noun" if head.i >= self.span.end and _lemma(head) == "deadline" else None

    def _under_until(self, verb: Token) -> bool:
        t = self.span.root
        while t.i != verb.i and t.head.i != t.i:
            t = t.head
            if t.lower_ in ("until", "till", "to") and t.i < self.span.start:
                return True
        return False

    def prev_token(self) -> Token | None:
        """The token before the span, skipping a determiner "the"."""
        i = self.span.start - 1
        while i >= 0 and self.doc[i].lower_ == "the":
            i -= 1
        return self.doc[i] if i >= 0 else None

    def prev_word(self) -> str:
        t = self.prev_token()
        return t.lower_ if t is not None else ""

    def next_word(self, k: int = 0) -> str:
        i = self.span.end + k
        return self.doc[i].lower_ if i < len(self.doc) else ""

    def in_date_entity(self) -> bool:
        return any(t.ent_type_ in ("DATE", "TIME") for t in self.span)

    def continues_list(self) -> bool:
        """True after "and"/"to"/"-" that follows an accepted date: "in 2020 and 2021", "June to August"."""
        t = self.prev_token()
        return t is not None and t.lower_ in _LIST_JOINERS and (t.i - 1) in self.covered

    def temporal_context(self) -> bool:
        return self.in_date_entity() or self.prev_word() in _TEMPORAL_PREV or self.continues_list()


def _relative(ctx: _Ctx, candidates: Callable[[date], Sequence[Window]], value: Callable[[Window], str],
              precision: str, rel: str | None = None) -> _Norm:
    """Resolve an expression that names a unit without fixing which one, by rel word or tense."""
    pub = ctx.published
    if pub is None:
        return _Norm(None, None, precision, "relative")
    options = candidates(pub)
    window: Window | None
    if rel in ("last", "past", "this past"):
        window = _last_before(options, pub)
    elif rel in ("next", "coming", "this coming"):
        window = _first_after(options, pub)
    else:
        window = _pick(options, pub, ctx.tense)
    if window is None:
        return _Norm(None, None, precision, "relative")
    return _Norm(value(window), window, precision, "relative")


def _apply_portion(norm: _Norm, ctx: _Ctx, por: str | None, part: str | None, unit: str) -> _Norm:
    if norm.window is None:
        return norm
    word = (por or part or "").lower()
    which = _lexicon().portions.get(word)
    if which is None:
        return norm
    if which == "rest":
        if ctx.published is None or not norm.window[0] <= ctx.published <= norm.window[1]:
            return norm
        norm.window = (ctx.published, norm.window[1])
        return norm
    norm.window = _portion(norm.window, which, unit)
    return norm


def _number(text: str | None) -> tuple[bool, float | None]:
    """(recognized, value) of a count word; value None for "several", "a few"."""
    if text is None:
        return True, 1.0
    t = re.sub(r"\s+", " ", text.lower())
    if re.fullmatch(r"\d+(?:\.\d+)?", t):
        return True, float(t)
    if "-" in t:
        tens, _, one = t.partition("-")
        numbers = _lexicon().numbers
        a, b = numbers.get(tens), numbers.get(one)
        return (True, float(a + b)) if a is not None and b is not None else (False, None)
    numbers = _lexicon().numbers
    if t not in numbers:
        return False, None
    v = numbers[t]
    return True, None if v is None else float(v)


def _norm_word(text: str | None) -> str | None:
    return None if text is None else re.sub(r"\s+", " ", text.lower())


# --------------------------------------------------------------------------- handlers


def _h_iso(m: re.Match[str], ctx: _Ctx) -> _Norm | None:
    try:
        d = date(int(m["iso_y"]), int(m["iso_m"]), int(m["iso_d"]))
    except ValueError:
        return None
    return _Norm(d.isoformat(), (d, d), "day", "absolute")


def _day_number(text: str) -> int:
    return int(re.sub(r"\D", "", text))  # "30th" → 30


def _month_number(text: str) -> int:
    lex = _lexicon()
    key = text.lower().rstrip(".")
    return lex.months.get(key) or lex.month_abbrevs[key]


def _month_day(ctx: _Ctx, month: int, day_text: str, day2_text: str | None, year_text: str | None,
               pod: str | None) -> _Norm | None:
    day = _day_number(day_text)
    day2 = _day_number(day2_text) if day2_text else None
    suffix = f"T{_lexicon().parts_of_day[pod.lower()]}" if pod else ""
    if year_text:
        year = int(year_text)
        if day > _days_in_month(year, month) or (day2 is not None and not day < day2 <= 31):
            return None
        d = date(year, month, day)
        end = date(year, month, min(day2, _days_in_month(year, month))) if day2 else d
        return _Norm(d.isoformat() + suffix, (d, end), "day", "absolute")
    if day > _days_in_month(2024, month):
        return None
    if day2 is not None and not day < day2 <= _days_in_month(2024, month):
        return None

    def in_year(y: int) -> Window | None:
        if day > _days_in_month(y, month):
            return None
        return date(y, month, day), date(y, month, min(day2 or day, _days_in_month(y, month)))

    def candidates(pub: date) -> list[Window]:
        return [w for y in (pub.year - 1, pub.year, pub.year + 1) if (w := in_year(y)) is not None]

    def rebuild(y: int) -> _Norm | None:
        w = in_year(y)
        return None if w is None else _Norm(w[0].isoformat() + suffix, w, "day", "absolute")

    norm = _relative(ctx, candidates, lambda w: w[0].isoformat() + suffix, "day")
    norm.rebuild = rebuild
    return norm


_ORDINAL_PREV = frozenset({"on", "by", "until", "till", "since", "before", "after", "from", "through"})


def _ordinal_suffix(day: int) -> str:
    if 10 <= day % 100 <= 20:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def _h_ord(m: re.Match[str], ctx: _Ctx) -> _Norm | None:
    """ "on the 14th": a day of the month, of publication's month or the one before or after it as the tense
    says, or of the month of a date before it in its sentence (see `_resolve_anaphora`). Only after a
    temporal preposition and modifying no noun ("on the 14th floor", "the 10th anniversary" are no dates)."""
    day = int(m["ord_d"])
    if m["ord_sfx"].lower() != _ordinal_suffix(day):
        return None
    if not (ctx.prev_word() in _ORDINAL_PREV or ctx.continues_list()):
        return None
    after = ctx.doc[ctx.span.end] if ctx.span.end < len(ctx.doc) else None
    if after is not None and (after.tag_.startswith("NN") or after.tag_ in ("JJ", "CD", "HYPH")
                              or after.lower_ in ("of", "century")):
        return None

    def candidates(pub: date) -> list[Window]:
        months = [_add_months(date(pub.year, pub.month, 1), k) for k in (-2, -1, 0, 1, 2)]
        return [(d, d) for first in months if day <= _days_in_month(first.year, first.month)
                for d in [first.replace(day=day)]]

    def in_month(window: Window) -> _Norm | None:
        start, end = window
        if (start.year, start.month) != (end.year, end.month) or day > _days_in_month(start.year, start.month):
            return None
        d = start.replace(day=day)
        return _Norm(d.isoformat(), (d, d), "day", "relative")

    norm = _relative(ctx, candidates, lambda w: w[0].isoformat(), "day")
    norm.in_month = in_month
    return norm


def _part_of_name(span: Span) -> bool:
    """A day-month that modifies the proper noun after it names a thing: "the March 23 Movement",
    "June 30 Street". A subject after it is a misparse of "On June 30 Mali said ..." instead."""
    if span.end >= len(span.doc):
        return False
    after = span.doc[span.end]
    return (after.is_title and after.tag_ in ("NNP", "NNPS") and span.root.head.i == after.i
            and after.dep_ not in ("nsubj", "nsubjpass"))


def _h_mdy(m: re.Match[str], ctx: _Ctx) -> _Norm | None:
    if _part_of_name(ctx.span):
        return None
    month = _month_number(m["mdy_m"])
    if not m["mdy_y"] and not m["mdy_d2"]:
        # "In June 12 people were killed": the number counts the noun after it, not a day.
        day_tok = next((t for t in ctx.span if t.idx >= m.start("mdy_d")), None)
        if (day_tok is not None and day_tok.dep_ == "nummod" and day_tok.head.i >= ctx.span.end
                and day_tok.head.tag_ in ("NNS", "NNPS")):
            month_end = m.end("mdy_m")
            norm = _h_month_name(m["mdy_m"], None, None, None, ctx)
            if norm is not None:
                norm.end_char = month_end
            return norm
    return _month_day(ctx, month, m["mdy_d"], m["mdy_d2"], m["mdy_y"], m["mdy_pod"])


def _h_dmy(m: re.Match[str], ctx: _Ctx) -> _Norm | None:
    if _part_of_name(ctx.span):
        return None
    return _month_day(ctx, _month_number(m["dmy_m"]), m["dmy_d"], m["dmy_d2"], m["dmy_y"], None)


def _h_my(m: re.Match[str], ctx: _Ctx) -> _Norm | None:
    month = _month_number(m["my_m"])
    if m["my_ana"]:
        # "July of that year": the year is the antecedent's
        norm = _Norm(None, None, "month", "relative")

        def in_antecedent_year(window: Window) -> _Norm | None:
            if window[0].year != window[1].year:
                return None
            y = window[0].year
            return _Norm(f"{y:04d}-{month:02d}", _month_window(y, month), "month", "relative")

        norm.anaphor = in_antecedent_year
        return norm
    if m["my_y"]:
        year, anchor = int(m["my_y"]), "absolute"
    elif ctx.published is None:
        return _Norm(None, None, "month", "relative")
    else:
        year = ctx.published.year + {"last": -1, "next": 1}.get(m["my_rel"].lower(), 0)
        anchor = "relative"
    norm = _Norm(f"{year:04d}-{month:02d}", _month_window(year, month), "month", anchor)
    return _apply_portion(norm, ctx, m["my_por"], m["my_part"], "month")


def _h_dec(m: re.Match[str], ctx: _Ctx) -> _Norm | None:
    text = m["dec"].replace("’", "'")
    if text.startswith("'"):
        short = int(text[1:3])
        # the latest such decade not after publication ("the '90s" → 1990s, "the '10s" → 2010s)
        ref_year = ctx.published.year if ctx.published else 2029
        start = 2000 + short if 2000 + short <= ref_year else 1900 + short
    else:
        start = int(text[:4])
    if start % 100 == 0 and start < 2000:
        # "the 1800s", "the mid-1500s": the hundred years, as writers mean them
        hundred = (date(start, 1, 1), date(start + 99, 12, 31))
        norm = _Norm(f"{start // 100:02d}", hundred, "century", "absolute")
        return _apply_portion(norm, ctx, m["dec_por"], None, "century")
    norm = _Norm(f"{start // 10:03d}", (date(start, 1, 1), date(start + 9, 12, 31)), "decade", "absolute")
    return _apply_portion(norm, ctx, m["dec_por"], None, "decade")


def _h_cen(m: re.Match[str], ctx: _Ctx) -> _Norm | None:
    first = (int(m["cen"]) - 1) * 100
    norm = _Norm(f"{first // 100:02d}", (date(max(first, 1), 1, 1), date(first + 99, 12, 31)), "century",
                 "absolute")
    return _apply_portion(norm, ctx, m["cen_por"], None, "century")


def _h_q(m: re.Match[str], ctx: _Ctx) -> _Norm | None:
    if m["q_letter"]:
        kind = "quarter" if m["q_letter"] == "Q" else "half"
        index = int(m["q_num"])
        if kind == "half" and index > 2:
            return None
        year_text, rel, of_year = m["q_y2"], None, False
    else:
        kind = m["q_kind"].lower()
        ordinal = m["q_ord"].lower()
        year_text, rel = m["q_y"], _norm_word(m["q_rel"])
        of_year = year_text is not None or rel is not None or "year" in m.group(0).lower()
        if not of_year and re.match(r"\s+of\b", doc_text(ctx.doc)[m.end():]):
            return None  # "the first half of the match"
        if ordinal == "last" and not m["q_the"] and not of_year:
            return _previous_quarter(ctx) if kind == "quarter" else None
        index = _ORDINALS.get(ordinal, 4 if kind == "quarter" else 2)
        if kind == "half" and index > 2:
            return None
    window_of = _quarter_window if kind == "quarter" else _half_window
    letter = "Q" if kind == "quarter" else "H"
    if year_text:
        y = int(year_text)
        return _Norm(f"{y:04d}-{letter}{index}", window_of(y, index), "quarter", "absolute")
    if ctx.published is None:
        return _Norm(None, None, "quarter", "relative")
    if rel is not None or of_year:
        y = ctx.published.year + {"last": -1, "next": 1}.get(rel or "", 0)
        return _Norm(f"{y:04d}-{letter}{index}", window_of(y, index), "quarter", "relative")
    return _relative(
        ctx, lambda pub: [window_of(y, index) for y in (pub.year - 1, pub.year, pub.year + 1)],
        lambda w: f"{w[0].year:04d}-{letter}{index}", "quarter",
    )


def _previous_quarter(ctx: _Ctx) -> _Norm:
    if ctx.published is None:
        return _Norm(None, None, "quarter", "relative")
    q = (ctx.published.month - 1) // 3 + 1
    y, q = (ctx.published.year, q - 1) if q > 1 else (ctx.published.year - 1, 4)
    return _Norm(f"{y:04d}-Q{q}", _quarter_window(y, q), "quarter", "relative")


def _h_s(m: re.Match[str], ctx: _Ctx) -> _Norm | None:
    word = m["s"]
    code, first_month = _lexicon().seasons[word.lower()]
    rel = _norm_word(m["s_rel"])
    year_text = m["s_y"]
    if not year_text and not rel:
        if word[0].isupper() and ctx.span.start > 0 and ctx.span[0].is_sent_start is not True:
            return None  # "the Arab Spring"
        if re.match(r"\s+of\b", doc_text(ctx.doc)[m.end():]):
            return None  # "the fall of Kabul"
        if word.lower() == "fall" and not m["s_por"] and ctx.prev_word() not in _FALL_PREV:
            return None
        if not (m["s_por"] or ctx.temporal_context()):
            return None
    if year_text:
        y = int(year_text)
        norm = _Norm(f"{y:04d}-{code}", _season_window(y, first_month), "season", "absolute")
    elif rel == "this" and ctx.published is not None:
        pub = ctx.published
        options = [_season_window(y, first_month) for y in (pub.year - 1, pub.year)]
        holding = [w for w in options if w[0] <= pub <= w[1]]
        window = holding[0] if holding else _season_window(pub.year, first_month)
        norm = _Norm(f"{window[0].year:04d}-{code}", window, "season", "relative")
    else:
        norm = _relative(
            ctx, lambda pub: [_season_window(y, first_month) for y in range(pub.year - 2, pub.year + 2)],
            lambda w: f"{w[0].year:04d}-{code}", "season", rel,
        )
    return _apply_portion(norm, ctx, m["s_por"], None, "season")


def _h_hol(m: re.Match[str], ctx: _Ctx) -> _Norm | None:
    month, day = _lexicon().holidays[" ".join(m["hol"].lower().replace("’", "'").split())]
    if m["hol_y"]:
        d = date(int(m["hol_y"]), month, day)
        return _Norm(d.isoformat(), (d, d), "day", "absolute")
    if not ctx.temporal_context():
        return None

    def candidates(pub: date) -> list[Window]:
        days = [date(y, month, day) for y in (pub.year - 1, pub.year, pub.year + 1)]
        return [(d, d) for d in days]

    return _relative(ctx, candidates, lambda w: w[0].isoformat(), "day")


def _h_dr(m: re.Match[str], ctx: _Ctx) -> _Norm | None:
    pods = _lexicon().parts_of_day
    if m["dr_far"]:
        offset, pod = (-2 if m["dr_far"].lower().startswith("before") else 2), None
    elif m["dr_w"]:
        word = m["dr_w"].lower()
        offset = {"today": 0, "tonight": 0, "yesterday": -1, "tomorrow": 1}[word]
        pod = "night" if word == "tonight" else m["dr_pod"]
    elif m["dr_this"]:
        offset, pod = 0, m["dr_this"]
    else:
        offset, pod = -1, m["dr_last"]
    if ctx.published is None:
        return _Norm(None, None, "day", "relative")
    d = ctx.published + timedelta(days=offset)
    suffix = f"T{pods[pod.lower()]}" if pod else ""
    return _Norm(d.isoformat() + suffix, (d, d), "day", "relative")


def _h_wd(m: re.Match[str], ctx: _Ctx) -> _Norm | None:
    lex = _lexicon()
    wd = lex.weekdays[m["wd"].lower()]
    rel = _norm_word(m["wd_rel"])
    suffix = f"T{lex.parts_of_day[m['wd_pod'].lower()]}" if m["wd_pod"] else ""
    if ctx.published is not None and rel == "this":
        d = _monday(ctx.published) + timedelta(days=wd)
        return _Norm(d.isoformat() + suffix, (d, d), "day", "relative")

    def candidates(pub: date) -> list[Window]:
        days = [_monday(pub) + timedelta(days=7 * k + wd) for k in (-2, -1, 0, 1, 2)]
        return [(d, d) for d in days]

    return _relative(ctx, candidates, lambda w: w[0].isoformat() + suffix, "day", rel)


_UNIT_PRECISION = {"D": "day", "H": "day", "MIN": "day", "W": "week", "WE": "week", "M": "month",
                   "Y": "year"}


def _point_back_or_ahead(pub: date, n: float, count: int, code: str, sign: int) -> _Norm:
    """The unit that lies n units before (sign −1) or after (+1) publication: "two weeks ago"."""
    target = _shift(pub, sign * n, count, code)
    if code in _DAY_CODES:
        return _Norm(target.isoformat(), (target, target), "day", "relative")
    if code in ("W", "WE"):
        return _Norm(_week_value(target), _week_window(target), "week", "relative")
    if code == "M" and count == 1:
        return _Norm(f"{target.year:04d}-{target.month:02d}", _month_window(target.year, target.month),
                     "month", "relative")
    if code == "M":
        q = (target.month - 1) // 3 + 1
        return _Norm(f"{target.year:04d}-Q{q}", _quarter_window(target.year, q), "quarter", "relative")
    return _Norm(f"{target.year:04d}", _year_window(target.year), "year", "relative")


def _h_ago(m: re.Match[str], ctx: _Ctx) -> _Norm | None:
    lex = _lexicon()
    unit = m["ago_u"].lower()
    count, code = lex.units[unit]
    known, n = _number(m["ago_n"]) if m["ago_n"] else (True, None)
    if not known:
        return None
    if m["ago_n"] is None and unit not in lex.plural_units:
        return None
    if n is not None and m["ago_half"]:
        n += 0.5
    pub = ctx.published
    if pub is None:
        return _Norm(None, None, _UNIT_PRECISION[code], "relative")
    if n is None:
        window = (_shift(pub, -9, count, code), _shift(pub, -2, count, code))
        return _Norm("PAST_REF", window, _UNIT_PRECISION[code], "relative")
    return _point_back_or_ahead(pub, n, count, code, -1)


def _h_ref(m: re.Match[str], ctx: _Ctx) -> _Norm | None:
    phrase = " ".join(m["ref"].lower().replace("’", "'").split())
    if phrase == "soon" and ctx.prev_word() == "as":
        return None  # "as soon as"
    if phrase.endswith(" time") and ctx.next_word() in ("of", "when", "that", "and"):
        return None  # "at the time of the attack", "at a time when": the time of an event, named after it
    return _h_ref_phrase(phrase, ctx)


def _h_ref_phrase(phrase: str, ctx: _Ctx) -> _Norm | None:
    if phrase not in _lexicon().refs:
        return None
    value, duration, precision = _lexicon().refs[phrase]
    if value == "PRESENT_REF":
        return _Norm(value, None, "present", "present")
    if duration == _ANTECEDENT:
        anaphoric = _Norm(value, None, None, "relative")
        anaphoric.anaphor = lambda window: _Norm(value, window, _width_precision(window), "relative")
        return anaphoric
    if duration is None or ctx.published is None:
        return _Norm(value, None, None, "relative")
    step = _UNIT_STEP.fullmatch(duration.removeprefix("P"))
    assert step is not None  # checked when the vocabulary is read
    n, code = int(step.group(1)), step.group(2)
    sign = -1 if value == "PAST_REF" else 1
    edge = _shift(ctx.published, sign * n, 1, code)
    window = (edge, ctx.published) if sign < 0 else (ctx.published, edge)
    return _Norm(value, window, precision, "relative")


def _width_precision(window: Window) -> str:
    days = (window[1] - window[0]).days
    return "day" if days == 0 else "week" if days < 7 else "month" if days < 31 else "year"


def _h_ru(m: re.Match[str], ctx: _Ctx) -> _Norm | None:
    lex = _lexicon()
    det = _norm_word(m["ru_det"]) or ""
    unit = m["ru_u"].lower()
    det_token = next((t for t in ctx.span if t.idx >= m.start("ru_det")), None)
    if det_token is not None and det_token.lower_ == "last" and det_token.tag_.startswith("VB"):
        return None  # "meant to last a few months"
    if det == "that" and det_token is not None and det_token.tag_ not in ("DT", ""):
        return None  # a relative pronoun: "the gangs that two days earlier overran the town"
    pub = ctx.published
    if unit in lex.parts_of_day:
        if det in _ANAPHORIC_DETS or det == "the next":
            pod_anaphor = _Norm(None, None, None, "relative")
            pod_anaphor.anaphor = _anaphor(_ANAPHOR_STEP.get(det, 1), 1, "D", lex.parts_of_day[unit])
            return pod_anaphor
        return None
    count, code = lex.units[unit]
    plural = unit in lex.plural_units
    known, n = _number(m["ru_n"]) if m["ru_n"] else (True, None)
    if not known:
        return None
    if n is not None and m["ru_half"]:
        n += 0.5
    has_count = m["ru_n"] is not None or plural
    if det in _ANAPHORIC_DETS or (det == "the next" and code in _DAY_CODES and not has_count):
        if has_count:
            return _Norm(_duration_value(n, count, code), None, "duration", "duration")
        anaphoric = _Norm(None, None, None, "relative")
        anaphoric.anaphor = _anaphor(_ANAPHOR_STEP.get(det, 1), count, code, None)
        return anaphoric
    # "the past decade", "last two weeks", "the coming year": a length anchored at publication
    anchored_length = has_count or det.startswith("the ") or det in ("past", "coming")
    if det in _BACKWARD_DETS | _FORWARD_DETS and anchored_length:
        if m["ru_n"] is None and plural:
            # "the coming weeks", "the past years": a direction, not a length; its window is the one the
            # vocabulary gives "in the coming weeks", "in recent years"
            forward = det in _FORWARD_DETS
            phrase = f"in the coming {unit}" if forward else f"in recent {unit}"
            return _h_ref_phrase(phrase, ctx) or _Norm("FUTURE_REF" if forward else "PAST_REF", None, None,
                                                       "relative")
        value = _duration_value(n if has_count else 1.0, count, code)
        if n is None and has_count or pub is None:
            return _Norm(value, None, "duration", "duration")
        steps = n if has_count else 1.0
        assert steps is not None
        if det in _BACKWARD_DETS:
            window = (_shift(pub, -steps, count, code), pub)
        else:
            window = (pub, _shift(pub, steps, count, code))
        return _Norm(value, window, "duration", "duration")
    if has_count:
        return None
    if det == "the" and not (m["ru_adv"] or m["ru_part"] or m["ru_por"] or code == "WE"):
        return None
    if code == "WE":
        return _weekend(ctx, det)
    step = {"this": 0, "the": 0, "last": -1, "this past": -1, "next": 1, "this coming": 1}.get(det)
    if step is None:
        return None
    if pub is None:
        return _Norm(None, None, _UNIT_PRECISION.get(code), "relative")
    norm = _deictic_unit(pub, code, count, step)
    if norm is None:
        return None
    adv = (m["ru_adv"] or "").lower()
    if adv and norm.window is not None:
        start, end = norm.window
        if adv == "earlier" and start < pub <= end:
            norm.window = (start, pub - timedelta(days=1))
        elif adv == "later" and start <= pub < end:
            norm.window = (pub + timedelta(days=1), end)
    unit_name = {"Y": "decade" if count == 10 else "year", "M": "quarter" if count == 3 else "month",
                 "W": "week"}.get(code, "day")
    return _apply_portion(norm, ctx, m["ru_por"], m["ru_part"], unit_name)


_ANAPHOR_STEP = {"that": 0, "the same": 0, "the previous": -1, "the preceding": -1, "the prior": -1,
                 "the following": 1, "the next": 1}
_ANTECEDENT_UNIT = {"D": "day", "W": "week", "M": "month", "Y": "year"}


def _anaphor(step: int, count: int, code: str, pod: str | None) -> Callable[[Window], _Norm | None] | None:
    """ "the same day", "the following week", "that evening": the unit that holds the antecedent's date,
    moved by `step`. The antecedent must lie within one such unit."""
    if count != 1 or code not in _ANTECEDENT_UNIT:
        return None
    unit = _ANTECEDENT_UNIT[code]
    suffix = f"T{pod}" if pod else ""

    def resolve(window: Window) -> _Norm | None:
        start, end = window
        if _unit_window(start, unit) != _unit_window(end, unit):
            return None
        if code == "D":
            d = start + timedelta(days=step)
            return _Norm(d.isoformat() + suffix, (d, d), "day", "relative")
        norm = _deictic_unit(start, code, count, step)
        return None if norm is None else _Norm(norm.value, norm.window, norm.precision, "relative")

    return resolve


def _unit_window(d: date, unit: str) -> Window:
    if unit == "day":
        return d, d
    if unit == "week":
        return _week_window(d)
    if unit == "month":
        return _month_window(d.year, d.month)
    return _year_window(d.year)


def _deictic_unit(pub: date, code: str, count: int, step: int) -> _Norm | None:
    """This / last / next week, month, quarter, year or decade, counted from publication."""
    if code == "W" and count == 1:
        d = pub + timedelta(weeks=step)
        return _Norm(_week_value(d), _week_window(d), "week", "relative")
    if code == "M" and count == 1:
        d = _add_months(pub, step)
        return _Norm(f"{d.year:04d}-{d.month:02d}", _month_window(d.year, d.month), "month", "relative")
    if code == "M" and count == 3:
        d = _add_months(pub, 3 * step)
        q = (d.month - 1) // 3 + 1
        return _Norm(f"{d.year:04d}-Q{q}", _quarter_window(d.year, q), "quarter", "relative")
    if code == "Y" and count == 1:
        y = pub.year + step
        return _Norm(f"{y:04d}", _year_window(y), "year", "relative")
    if code == "Y" and count == 10:
        start = (pub.year // 10 + step) * 10
        return _Norm(f"{start // 10:03d}", (date(start, 1, 1), date(start + 9, 12, 31)), "decade", "relative")
    return None


def _weekend(ctx: _Ctx, det: str) -> _Norm:
    pub = ctx.published
    if pub is None:
        return _Norm(None, None, "week", "relative")
    saturday = _monday(pub) + timedelta(days=5)
    options = [_weekend_window(saturday + timedelta(weeks=k)) for k in (-2, -1, 0, 1)]
    window: Window | None
    if det in ("last", "this past"):
        window = _last_before([w for w in options if not w[0] <= pub <= w[1]], pub)
    elif det in ("next", "this coming"):
        window = _first_after(options, pub)
    else:
        window = _pick(options, pub, ctx.tense)
    assert window is not None
    return _Norm(_week_value(window[0]) + "-WE", window, "week", "relative")


def _h_cnt(m: re.Match[str], ctx: _Ctx) -> _Norm | None:
    lex = _lexicon()
    follower = ctx.next_word()
    anchored = follower in _ANCHOR_FOLLOWERS
    if m["cnt_bare"]:
        count, code = lex.units[m["cnt_bare"].lower()]
        if ctx.prev_word() in ("for", "over", "in", "within", "after") or anchored:
            return _until_publication(ctx, None, count, code)
        return None
    aged = follower == "of" and ctx.next_word(1) == "age"
    if m["cnt_old"] or aged or follower in ("old", "short", "shy"):
        return None  # ages, and "one day short of its anniversary"
    word = m["cnt_n"].lower()
    known, n = _number(m["cnt_n"])
    if not known:
        return None
    unit = m["cnt_u"].lower()
    count, code = lex.units[unit]
    hyphenated = "-" in m.group(0)
    if n != 1 and unit not in lex.plural_units and not hyphenated:
        return None  # "many weekend sporting events"
    if n is not None and (m["cnt_half"] or m["cnt_half2"]):
        n += 0.5
    prev = ctx.prev_token()
    prev_word = prev.lower_ if prev is not None else ""
    if prev_word in _RATE_WORDS:
        return None
    if unit in ("quarter", "quarters") and not anchored and prev_word not in _TRIM:
        return None  # "three-quarters of the voters", "a quarter from South Sudan"
    if (word in ("a", "an") and prev is not None and prev.tag_ in ("CD", "NN", "NNS", "$")
            and not anchored and not hyphenated):
        return None  # "100 people a day"
    if word == "one" and not anchored and prev_word not in _TRIM | {"about", "nearly", "almost", "than"}:
        return None  # "one day, ..."
    value = _duration_value(n, count, code)
    pub = ctx.published
    if pub is not None and n is not None and ctx.tense == "future":
        before = ctx.doc[max(prev.i - 4, 0):prev.i] if prev is not None else ctx.doc[0:0]
        superlative = any(t.tag_ in ("JJS", "RBS") for t in before)
        if prev_word == "in" and prev is not None and _is_verbal(prev.head) and not superlative:
            # "will vote in two months", not "the worst in a decade"
            return _point_back_or_ahead(pub, n, count, code, 1)
        if prev_word == "within":
            return _Norm(value, (pub, _shift(pub, n, count, code)), "duration", "duration")
    return _until_publication(ctx, n, count, code)


_VAGUE_FAR = 9  # a vague count ("years", "several months") reaches back at most this many units


def _until_publication(ctx: _Ctx, n: float | None, count: int, code: str) -> _Norm:
    """A duration; one that measures a perfect up to now ("has held the town for two weeks", "had for years
    refused") is also a window that ends at publication."""
    value = _duration_value(n, count, code)
    pub = ctx.published
    if pub is None or ctx.prev_word() not in ("for", "over") or code in ("H", "MIN"):
        return _Norm(value, None, "duration", "duration")
    verb = _mention_verb(ctx.span)
    auxes = {c.lower_ for c in verb.children if c.dep_ in ("aux", "auxpass")} if verb is not None else set()
    if not auxes & _PERFECT_AUX or auxes & (_FUTURE_AUX | _MODAL_FUTURE):
        return _Norm(value, None, "duration", "duration")
    start = _shift(pub, -(n if n is not None else _VAGUE_FAR), count, code)
    return _Norm(value, (start, pub), "duration", "duration")


_SET_ADVERBS = {"annually": "P1Y", "yearly": "P1Y", "monthly": "P1M", "weekly": "P1W", "daily": "P1D",
                "nightly": "XXXX-XX-XXTNI"}


def _h_ue(m: re.Match[str], ctx: _Ctx) -> _Norm | None:
    """ "year-end", "month's end", "the end of year": the last third (or the part named) of the current year
    or month; of the one before in a past clause when that part of the current one is still ahead ("peaked
    by the end of year", told in March)."""
    unit = (m["ue"] or m["ue2"]).lower()
    which = _lexicon().portions.get((m["ue_part"] or "end").lower(), "last")
    pub = ctx.published
    if pub is None:
        return _Norm(None, None, unit, "relative")
    code = "Y" if unit == "year" else "M"
    for step in (0, -1):
        norm = _deictic_unit(pub, code, 1, step)
        if norm is None or norm.window is None:
            return None
        if which == "rest":
            if not norm.window[0] <= pub <= norm.window[1]:
                return None
            norm.window = (pub, norm.window[1])
        else:
            norm.window = _portion(norm.window, which, unit)
        if step == 0 and ctx.tense == "past" and norm.window[0] > pub:
            continue
        return norm
    return None


def _h_yy(m: re.Match[str], ctx: _Ctx) -> _Norm | None:
    """The two-digit end of a span of years whose first year was taken as a date: "in 1957-58"."""
    first = int(doc_text(ctx.doc)[m.start() - 5:m.start() - 1])
    if not ctx.continues_list():
        return None
    year = first // 100 * 100 + int(m["yy"])
    if year <= first:
        year += 100
    if year - first > 20:
        return None
    return _Norm(f"{year:04d}", _year_window(year), "year", "absolute")


def _h_set(m: re.Match[str], ctx: _Ctx) -> _Norm | None:
    lex = _lexicon()
    if m["set_adv"]:
        word = m["set_adv"].lower()
        if word in ("daily", "weekly", "monthly") and ctx.span.root.tag_ != "RB":
            return None  # "a daily newspaper"
        return _Norm(_SET_ADVERBS[word], None, None, "set")
    unit = m["set_u"].lower()
    if unit in lex.weekdays:
        return _Norm(f"XXXX-WXX-{lex.weekdays[unit] + 1}", None, None, "set")
    if unit in lex.parts_of_day:
        return _Norm(f"XXXX-XX-XXT{lex.parts_of_day[unit]}", None, None, "set")
    count, code = lex.units[unit]
    if code == "WE":
        return _Norm("XXXX-WXX-WE", None, None, "set")
    if m["set_n"] and m["set_n"].lower() == "other":
        n: float | None = 2.0
    else:
        known, n = _number(m["set_n"])
        if not known:
            return None
    return _Norm(_duration_value(n, count, code), None, None, "set")


def _h_yr(m: re.Match[str], ctx: _Ctx) -> _Norm | None:
    year = int(m["yr"])
    modified = bool(m["yr_por"] or m["yr_part"])
    determined = _determined_modifier(ctx.span)
    if not (modified or ctx.temporal_context() or determined):
        return None
    tok = ctx.span[-1]
    if tok.ent_type_ in _NUMERIC_LABELS and ctx.prev_word() not in _STRONG_TEMPORAL_PREV:
        return None  # "more than 2000 troops", tagged as a count
    counts_next = tok.i + 1 < len(ctx.doc) and ctx.doc[tok.i + 1].tag_ in ("NNS", "NNPS")
    if counts_next and not determined and ctx.prev_word() not in _STRONG_TEMPORAL_PREV:
        if not (ctx.continues_list() and _list_is_determined(ctx)):
            return None  # "2000 people", but "the 2020 and 2021 coups"
    norm = _Norm(f"{year:04d}", _year_window(year), "year", "absolute")
    return _apply_portion(norm, ctx, m["yr_por"], m["yr_part"], "year")


def _list_is_determined(ctx: _Ctx) -> bool:
    """The list a date continues starts after a determiner: "the 2020 and 2021 coups"."""
    i = ctx.span.start - 2
    while i > 0 and (i in ctx.covered or ctx.doc[i].lower_ in _LIST_JOINERS or ctx.doc[i].lower_ == ","):
        i -= 1
    return i >= 0 and ctx.doc[i].tag_ in ("DT", "PRP$", "POS")


def _determined_modifier(span: Span) -> bool:
    """A year modifying a noun after a determiner or possessive: "the 2015 agreement", "Mali's 2020 coup"."""
    tok = span[-1]
    if tok.dep_ not in ("nummod", "compound", "amod", "nmod", "npadvmod") or tok.head.i <= tok.i:
        return False
    if not (tok.head.tag_.startswith("NN") or tok.head.pos_ in ("NOUN", "PROPN")):
        return False
    i = span.start - 1
    doc = span.doc
    while i >= 0 and doc[i].tag_ in ("JJ", "JJS", "JJR"):
        i -= 1
    return i >= 0 and (doc[i].tag_ in ("DT", "PRP$", "POS", "WP$") or doc[i].lower_ in ("'s", "’s"))


def _h_mo(m: re.Match[str], ctx: _Ctx) -> _Norm | None:
    return _h_month_name(m["mo"], _norm_word(m["mo_rel"]), m["mo_por"], m["mo_part"], ctx)


def _h_month_name(name: str, rel: str | None, por: str | None, part: str | None, ctx: _Ctx) -> _Norm | None:
    if not (rel or por or part or ctx.temporal_context()):
        return None
    month = _month_number(name)
    if rel == "this" and ctx.published is not None:
        y = ctx.published.year
        norm = _Norm(f"{y:04d}-{month:02d}", _month_window(y, month), "month", "relative")
    else:
        norm = _relative(
            ctx, lambda pub: [_month_window(y, month) for y in (pub.year - 1, pub.year, pub.year + 1)],
            lambda w: f"{w[0].year:04d}-{month:02d}", "month", rel,
        )
    if rel is None:
        def rebuild(y: int) -> _Norm | None:
            absolute = _Norm(f"{y:04d}-{month:02d}", _month_window(y, month), "month", "absolute")
            return _apply_portion(absolute, ctx, por, part, "month")

        norm.rebuild = rebuild
    return _apply_portion(norm, ctx, por, part, "month")


_HANDLERS: dict[str, Callable[[re.Match[str], _Ctx], _Norm | None]] = {
    "iso": _h_iso, "mdy": _h_mdy, "dmy": _h_dmy, "ord": _h_ord, "my": _h_my, "dec": _h_dec, "cen": _h_cen, "q": _h_q,
    "s": _h_s, "hol": _h_hol, "dr": _h_dr, "wd": _h_wd, "ago": _h_ago, "ref": _h_ref, "ru": _h_ru,
    "cnt": _h_cnt, "ue": _h_ue, "yy": _h_yy, "set": _h_set, "yr": _h_yr, "mo": _h_mo,
}


# --------------------------------------------------------------------------- find_times


def _trim(span: Span) -> Span:
    start = span.start
    while start < span.end - 1 and span.doc[start].lower_ in _TRIM:
        start += 1
    return span.doc[start:span.end]


def _check_published(published: date | None) -> date | None:
    if published is None:
        return None
    if isinstance(published, datetime):
        return published.date()
    if not isinstance(published, date):
        raise InputError("published", f"expected a datetime.date or None, got {type(published).__name__}")
    return published


def _swallowed_by_name(span: Span, names: dict[int, int]) -> bool:
    """The entity that holds the span runs on past a lower-case temporal preposition into it: the tagger
    took "the council on June 16" for one name. A date that is part of a name has no preposition before
    it inside the name ("the March 23 Movement")."""
    before = span.start - 1
    if before < 0 or names.get(before) is None or names.get(before) != names.get(span.start):
        return False
    prep = span.doc[before]
    return prep.lower_ in _TRIM and prep.text.islower() and prep.tag_ in ("IN", "TO", "RP")


def _to_mention(span: Span, norm: _Norm, chars: tuple[int, int] | None = None) -> TimeMention:
    """`chars`: the expression's own character range when it covers only part of a token ("recently" in
    a token "MINUSMA)recently" that the tokenizer left whole)."""
    start, end = (norm.window or (None, None))
    lo, hi = chars or (span.start_char, span.end_char)
    ref = TimeRef(
        text=span.text[lo - span.start_char:hi - span.start_char], value=norm.value,
        start_date=start.isoformat() if start else None, end_date=end.isoformat() if end else None,
        precision=norm.precision, start=lo, end=hi,
    )
    return TimeMention(span=span, ref=ref, anchor=norm.anchor)


def timex3_type(ref: TimeRef) -> str:
    """The TIMEX3 type of a normalized time: DURATION ("for a decade", P10Y), SET ("every week", no
    precision), TIME (a day with a part of day, "tonight" → 2023-06-27TNI), else DATE (calendar units,
    PRESENT_REF / PAST_REF / FUTURE_REF, and relative expressions left unresolved)."""
    value = ref.value or ""
    if ref.precision == "duration":
        return "DURATION"
    if ref.precision is None and value and not value.endswith("_REF"):
        return "SET"
    if "T" in value and not value.endswith("_REF"):
        return "TIME"
    return "DATE"


def _remake(mention: TimeMention, norm: _Norm) -> TimeMention:
    return _to_mention(mention.span, norm, (mention.ref.start, mention.ref.end))


def find_times(doc: Doc, published: date | None) -> list[TimeMention]:
    """Every date expression in `doc`, normalized against `published`, in text order."""
    published = _check_published(published)
    pattern = _grammar()
    text = doc_text(doc)
    names = {i: e.start for e in doc.ents if e.label_ in _NAME_LABELS for i in range(e.start, e.end)}
    covered: set[int] = set()
    found: list[tuple[TimeMention, _Norm]] = []
    starts = _word_starts(text)
    pos = 0
    while True:
        m = _search(pattern, text, pos, starts)
        if m is None:
            break
        hit = _match_to_mention(doc, m, published, covered, names)
        if hit is None:
            pos = m.start() + 1  # a shorter expression may start inside a rejected one
            continue
        found.append(hit)
        covered.update(range(hit[0].span.start, hit[0].span.end))
        pos = max(m.end(), hit[0].span.end_char)
    mentions = _share_years(doc, found)
    _agree_with_restated(doc, found, mentions)
    mentions = _resolve_anaphora(mentions, [norm for _, norm in found])
    for ent in doc.ents:
        if ent.label_ == "DATE" and not any(t.i in covered for t in ent):
            fallback = _dateparser_mention(ent, published)
            if fallback is not None:
                mentions.append(fallback)
    mentions.sort(key=lambda mm: mm.ref.start)
    return mentions


def _match_to_mention(doc: Doc, m: re.Match[str], published: date | None, covered: set[int],
                      names: dict[int, int]) -> tuple[TimeMention, _Norm] | None:
    kind = (m.lastgroup or "k_")[2:]  # the alternative's own group closes last
    raw = doc.char_span(m.start(), m.end(), alignment_mode="expand")
    if raw is None or any(i in covered for i in range(raw.start, raw.end)):
        return None
    span = _trim(raw)
    if any(i in names for i in range(span.start, span.end)) and not _swallowed_by_name(span, names):
        return None
    ctx = _Ctx(doc, span, published, covered)
    norm = _HANDLERS[kind](m, ctx)
    if norm is None:
        return None
    end_char = m.end()
    if norm.end_char is not None:
        shorter = doc.char_span(span.start_char, norm.end_char, alignment_mode="expand")
        if shorter is None:
            return None
        span, end_char = shorter, norm.end_char
    chars = (max(span.start_char, m.start()), min(span.end_char, end_char))
    return _to_mention(span, norm, chars), norm


_RANGE_JOINERS = frozenset({"to", "and", "-", "–", "until", "till", "through", "or", ",", "&"})


def _share_years(doc: Doc, found: list[tuple[TimeMention, _Norm]]) -> list[TimeMention]:
    """Give a yearless month or day the year of the dated one it is joined to: "June to August 2022"."""
    mentions = [mention for mention, _ in found]
    explicit = [norm.rebuild is None for _, norm in found]
    for i in range(len(found) - 2, -1, -1):
        rebuild = found[i][1].rebuild
        partner = mentions[i + 1]
        if rebuild is None or not explicit[i + 1] or partner.ref.precision not in ("day", "month"):
            continue
        between = doc[mentions[i].span.end:partner.span.start]
        if not 1 <= len(between) <= 3 or any(t.lower_ not in _RANGE_JOINERS for t in between):
            continue
        if partner.ref.start_date is None:
            # "May and June of that year": the year is as unknown as the partner's
            unknown = _Norm(None, None, mentions[i].ref.precision, "relative")
            mentions[i] = _remake(mentions[i], unknown)
            explicit[i] = True
            continue
        partner_start = date.fromisoformat(partner.ref.start_date)
        norm = rebuild(partner_start.year)
        if norm is not None and norm.window is not None and norm.window[0] > partner_start:
            norm = rebuild(partner_start.year - 1)
        if norm is not None:
            mentions[i] = _remake(mentions[i], norm)
            explicit[i] = True
    return mentions


_APPOSITION_GLUE = frozenset({",", "on", "in", "at", "or"})


def _agree_with_restated(doc: Doc, found: list[tuple[TimeMention, _Norm]],
                         mentions: list[TimeMention]) -> None:
    """A yearless date set off by a comma after another date restates it ("the end of this week, on June
    30", "last year, in March"): it takes the year in which it falls inside that date."""
    for i in range(1, len(found)):
        rebuild = found[i][1].rebuild
        before = mentions[i - 1]
        if rebuild is None or before.ref.start_date is None or before.ref.end_date is None:
            continue
        glue = [t.lower_ for t in doc[before.span.end:mentions[i].span.start]]
        if not glue or glue[0] != "," or not all(w in _APPOSITION_GLUE for w in glue):
            continue
        lo, hi = date.fromisoformat(before.ref.start_date), date.fromisoformat(before.ref.end_date)
        for year in sorted({lo.year, hi.year}):
            norm = rebuild(year)
            if norm is not None and norm.window is not None and norm.window[0] <= hi and norm.window[1] >= lo:
                norm.anchor = before.anchor
                mentions[i] = _remake(mentions[i], norm)
                break


def _resolve_anaphora(mentions: list[TimeMention], norms: list[_Norm]) -> list[TimeMention]:
    """Resolve "the same day", "the following week", "July of that year" against the last date before them
    (TimeML's anaphoric anchoring), and "the 14th" against one earlier in its sentence; a resolved one is the
    antecedent of the next."""
    out = list(mentions)
    antecedent: Window | None = None
    antecedent_sentence = -1
    for i, norm in enumerate(norms):
        if norm.anaphor is not None and out[i].ref.start_date is None and antecedent is not None:
            resolved = norm.anaphor(antecedent)
            if resolved is not None:
                out[i] = _remake(out[i], resolved)
        elif norm.in_month is not None and antecedent is not None \
                and sentence_of(out[i].span.root).start == antecedent_sentence:
            resolved = norm.in_month(antecedent)
            if resolved is not None:
                out[i] = _remake(out[i], resolved)
        ref = out[i].ref
        if (out[i].anchor in ("absolute", "relative") and ref.start_date and ref.end_date
                and ref.value not in ("PAST_REF", "FUTURE_REF")):
            antecedent = (date.fromisoformat(ref.start_date), date.fromisoformat(ref.end_date))
            antecedent_sentence = sentence_of(out[i].span.root).start
    return out


_NUMERIC_DATE = re.compile(r"\b\d{1,4}[/.-]\d{1,2}(?:[/.-]\d{2,4})?\b")


def _dateparser_mention(ent: Span, published: date | None) -> TimeMention | None:
    """A spaCy DATE entity outside the grammar, parsed by dateparser if it names a month or is numeric."""
    span = _trim(ent)
    lex = _lexicon()
    words = {w.lower().rstrip(".") for w in re.findall(r"[A-Za-z.]+", span.text)}
    if not (words & (lex.months.keys() | lex.month_abbrevs.keys()) or _NUMERIC_DATE.search(span.text)):
        return None
    if _part_of_name(span):
        return None
    verb = _mention_verb(span)
    tense = "present" if verb is None else _verb_tense(verb, 0)
    data = _dateparser_data(span.text, published, tense)
    if data is None or data.date_obj is None:
        return None
    parts: tuple[str, ...] = tuple(getattr(data, "parts", ()) or ())
    has_year = "year" in parts or bool(re.search(r"\b\d{4}\b", span.text))
    if not has_year and published is None:
        return TimeMention(span, TimeRef(span.text, None, None, None, None, span.start_char, span.end_char),
                           "relative")
    d: date = data.date_obj.date()
    if data.period == "day":
        norm = _Norm(d.isoformat(), (d, d), "day", "absolute")
    elif data.period == "month":
        norm = _Norm(f"{d.year:04d}-{d.month:02d}", _month_window(d.year, d.month), "month", "absolute")
    elif data.period == "year":
        norm = _Norm(f"{d.year:04d}", _year_window(d.year), "year", "absolute")
    else:
        return None
    if not has_year:
        norm.anchor = "relative"
    return _to_mention(span, norm)


def _dateparser_data(text: str, published: date | None, tense: str) -> Any:
    from dateparser.date import DateDataParser  # imported late: it is slow to load and rarely needed

    settings: dict[str, Any] = {
        "PREFER_DAY_OF_MONTH": "first",
        "PREFER_DATES_FROM": {"past": "past", "future": "future"}.get(tense, "current_period"),
        "REQUIRE_PARTS": ["month"] if not re.search(r"\b\d{4}\b", text) else [],
    }
    if published is not None:
        settings["RELATIVE_BASE"] = datetime(published.year, published.month, published.day)
    try:
        return DateDataParser(languages=["en"], settings=settings).get_date_data(text)
    except (ValueError, TypeError, OverflowError):
        return None


# --------------------------------------------------------------------------- event_date

# Subordinators whose clause is not dated by the clause above it: its time is the other clause's start or
# end ("since", "until"), it is not asserted ("if", "unless"), or it is only the cause ("because").
_UNSHARED_MARKS = frozenset("since until till unless if because lest whether".split())
# Prepositions whose gerund shares the time of the clause it modifies: "released them after seizing ...".
_SHARED_PREPS = frozenset({"after", "before", "while", "upon", "on", "during", "when"})
_SEQUENCE_WORDS = frozenset({"after", "before"})
_CIRCUMSTANCE_PREPS = frozenset({"in", "at", "during", "on", "via", "through"})
_RANGE_OPENERS = frozenset({"from", "between"})
_RANGE_CLOSERS = frozenset({"to", "until", "till", "through", "and", "-", "–"})
_WINDOW_PRECISION = {"day": "day", "week": "week", "month": "month", "quarter": "month", "season": "month",
                     "year": "year", "decade": "year", "century": "year"}
_PRECISION_RANK = {"day": 0, "week": 1, "month": 2, "year": 3}
_END_OF = re.compile(r"(?i)(?:the\s+)?end\s+of\b|(?:year|month)(?:-|['’]s\s+)end\b|end-")
_DATELINE_HEAD = re.compile(r"[^\S\n]*[A-Z][A-Z.'’ -]*[A-Z.](?:,[^\S\n]*[A-Za-z.'’ -]+)?,[^\S\n]*")
_DATELINE_TAIL = re.compile(r"[^\S\n]*(?:\([^)\n]{1,40}\)[^\S\n]*)?[-–—]")
_DURATION_VALUE = re.compile(r"P(T?)(\d+(?:\.\d+)?|X)(MIN|WE|[HDWMY])")


def _in_dateline(mention: TimeMention) -> bool:
    """ "NIAMEY, Sept 25 - ...": the filing date in front of a wire story, not the date of an event."""
    span = mention.span
    doc = span.doc
    before: list[str] = []
    for i in range(span.start - 1, max(span.start - 12, -1), -1):
        ws = doc[i].text_with_ws
        if "\n" in ws:
            before.append(ws[ws.rindex("\n") + 1:])
            break
        before.append(ws)
    else:
        if span.start > 11:
            return False  # a dateline is a few words at the start of its line
    after = "".join(t.text_with_ws for t in doc[span.end:span.end + 4])
    return (_DATELINE_HEAD.fullmatch("".join(reversed(before))) is not None
            and _DATELINE_TAIL.match(after) is not None)


def _aux_words(verb: Token) -> set[str]:
    return {c.lower_ for c in verb.children if c.dep_ in ("aux", "auxpass")}


def _own_frame(conj: Token, head: Token) -> bool:
    """A conjunct with a perfect or future auxiliary its head lacks tells of another time: "captured Goma in
    January and have not fought since"."""
    framing = _PERFECT_AUX | _FUTURE_AUX | _MODAL_FUTURE
    return bool((_aux_words(conj) & framing) - _aux_words(head))


def _narrative_relative(verb: Token) -> bool:
    """A non-restrictive "where"/"when" clause goes on with the story of the clause above it: "marched on
    the capital, where they demanded ..."; a restrictive one only names a place or time."""
    return verb.dep_ == "relcl" and any(
        c.dep_ == "advmod" and c.lower_ in ("where", "when") and c.i > 0 and verb.doc[c.i - 1].text == ","
        for c in verb.children
    )


def _clause_parent(verb: Token) -> tuple[Token, bool] | None:
    """The clause verb above `verb` whose date `verb` shares when it has none of its own: through complement,
    coordination, a time clause ("when", "as", "after") or gerund, a narrative "where" clause; None across
    "since/until/if" clauses, restrictive relatives and conjuncts with their own tense. The flag is True
    for an "after"/"before" link: the two events only share a window wider than a day ("took the city in
    mid-February after troops pulled out"; "voted on Friday, after the junta demanded ..." says nothing of
    the day of the demand)."""
    head = verb.head
    if head.i == verb.i:
        return None
    dep = verb.dep_
    if dep in ("ccomp", "xcomp", "parataxis"):
        return head, False
    if dep == "conj":
        if _own_frame(verb, head):
            return None
        if head.dep_ in ("ccomp", "xcomp") and any(c.dep_ == "mark" for c in verb.children):
            # "said X and that Y": Y is a second thing said, not a part of X
            return _clause_parent(head)
        return head, False
    if dep == "advcl":
        marks = {c.lower_ for c in verb.children if c.dep_ == "mark"}
        if marks & _UNSHARED_MARKS:
            return None
        return head, bool(marks & _SEQUENCE_WORDS)
    if dep == "pcomp" and head.lower_ in _SHARED_PREPS:
        parent = _governing_verb(head.head)
        return None if parent is None else (parent, head.lower_ in _SEQUENCE_WORDS)
    if _narrative_relative(verb):
        parent = _governing_verb(head)
        return None if parent is None else (parent, False)
    return None


def _clause_verbs_above(token: Token) -> list[Token]:
    """Clause verbs from `token` up to the head of its clause; subjectless xcomps are see-through."""
    out: list[Token] = []
    t = token
    for _ in range(len(token.doc)):
        if t.head.i == t.i:
            break
        t = t.head
        if _is_clause_verb(t):
            out.append(t)
            see_through = t.dep_ == "xcomp" and not any(c.dep_ in ("nsubj", "nsubjpass") for c in t.children)
            if not see_through:
                break
    return out


def _occasion_host(verb: Token) -> Token | None:
    """For a participle on an occasion noun in a circumstance phrase ("in a statement read on Sunday"), the
    word that phrase hangs on; a phrase the parser hung on the object is the verb's ("welcomed the
    announcement in a statement ...")."""
    noun = verb.head
    if verb.dep_ != "acl" or verb.tag_ not in ("VBN", "VBG") or _lemma(noun) not in _lexicon().occasions:
        return None
    prep = noun.head
    if noun.dep_ != "pobj" or prep.lower_ not in _CIRCUMSTANCE_PREPS or prep.head.i == prep.i:
        return None
    host = prep.head
    if not _is_clause_verb(host) and host.dep_ in ("dobj", "attr", "nsubj", "nsubjpass"):
        return host.head
    return host


def _attachment(mention: TimeMention, trigger: Token, verb: Token | None) -> tuple[int, int] | None:
    """How a mention hangs on the trigger: (0, steps) inside an event noun's phrase ("a May 2021 coup"),
    (1, 0) on the trigger's clause verb ("issued sanctions Tuesday"), (2, 0) on the occasion it was done
    at ("in a statement read on Sunday"); None when another clause, or more than one noun phrase, lies
    between them ("lessons for today's negotiators"). A temporal phrase the parser hung deeper inside the
    clause ("entered the town, 50 km from the capital, before dawn on Monday") still dates it, at level 3."""
    t = mention.span.root
    steps = nouns = 0
    for _ in range(len(t.doc)):
        if t.head.i == t.i or (t.dep_ == "dep" and steps > 0 and _in_headline(mention.span)):
            # in a headline an unlabelled arc joins clauses set side by side: "ends X, orders Y by year-end"
            return None
        t = t.head
        steps += 1
        if t.i == trigger.i:
            if nouns > 1:
                return (3, steps) if _temporal_phrase(mention) else None
            return (1, 0) if _is_clause_verb(trigger) else (0, steps)
        if _is_clause_verb(t):
            break
        if t.tag_.startswith("NN"):
            nouns += 1
    else:
        return None
    if nouns > 1:
        # only for the clause verb itself or an event noun that is one of its arguments ("launched an attack")
        if verb is None or not _temporal_phrase(mention) or (trigger.i != verb.i and not (
                trigger.head.i == verb.i and trigger.dep_ in _ARGUMENT_DEPS)):
            return None
        return (3, 0) if _reattach(t, mention.span).i == verb.i else None
    # the participle's own date, not one inside its object ("a statement addressing the Feb. 27 expulsions")
    host = _occasion_host(t) if nouns == 0 else None
    if host is not None:
        return (2, 0) if host.i == trigger.i or (verb is not None and host.i == verb.i) else None
    if verb is None:
        return None
    if t.dep_ == "acl" and t.tag_ == "VBG" and _temporal_phrase(mention) and _argument_of(t.head, verb):
        # "struck a column of fighters heading north on Monday": what the participle describes is going on
        # when the act hits it
        return (3, 0)
    t = _reattach(t, mention.span)
    see_through = t.dep_ == "xcomp" and not any(c.dep_ in ("nsubj", "nsubjpass") for c in t.children)
    verbs = [t, *_clause_verbs_above(t)] if see_through else [t]
    return (1, 0) if any(v.i == verb.i for v in verbs) else None


def _relative_antecedents(verb: Token | None) -> list[Token]:
    """The nouns a relative clause describes, nearest first, seen through the reporting verbs over the act
    ("an attack that witnesses say killed 20" → "attack") and up the noun phrase it hangs in ("an attack
    on Friday on a camp near Djugu in which gunmen killed 18" → "Djugu", "camp", "attack")."""
    t = verb
    for _ in range(3):
        if t is None or t.dep_ not in ("relcl", "ccomp"):
            return []
        if t.dep_ == "relcl":
            break
        t = t.head
    else:
        return []
    nouns: list[Token] = []
    node = t.head
    for _ in range(8):
        if _is_clause_verb(node):
            break
        if node.pos_ in ("NOUN", "PROPN"):
            nouns.append(node)
        if node.head.i == node.i:
            break
        node = node.head
    return nouns


def _argument_of(noun: Token, verb: Token) -> bool:
    """Whether a noun lies in an argument of `verb`, through nouns and prepositions only ("a column of
    fighters" of "struck")."""
    t = noun
    for _ in range(6):
        if t.i == verb.i:
            return True
        if t.head.i == t.i or _is_clause_verb(t):
            return False
        t = t.head
    return False


_TEMPORAL_PREPS = frozenset("on in at during before after since until till by over from".split())
_ARGUMENT_DEPS = frozenset({"nsubj", "nsubjpass", "dobj", "attr"})


def _temporal_phrase(mention: TimeMention) -> bool:
    """The mention is an adverbial of time of its own: a preposition's object ("on Monday") or a bare noun
    phrase ("Tuesday", "last week"), not a modifier of a noun ("today's negotiators")."""
    root = mention.span.root
    if root.dep_ == "npadvmod":
        return True
    return root.dep_ == "pobj" and root.head.lower_ in _TEMPORAL_PREPS and root.head.i < mention.span.start


def _date_prep(mention: TimeMention) -> str:
    """The preposition that governs the mention itself ("since 2012"), not one that governs a noun
    phrase the mention only modifies ("since 1990s operations")."""
    root = mention.span.root
    head = root.head
    if head.i != root.i and head.i < mention.span.start and head.tag_ in ("IN", "TO", "RB"):
        return head.lower_
    return ""


def _window_precision(ref: TimeRef) -> str:
    if ref.precision in _WINDOW_PRECISION:
        return _WINDOW_PRECISION[ref.precision]
    if ref.precision == "duration" and ref.value:
        if ref.value.startswith("PT"):
            return "day"
        return _UNIT_PRECISION.get(re.sub(r"^P[\dX.]*", "", ref.value), "year")
    return ref.precision or "document"


def _candidate(mention: TimeMention, sentence: Sequence[TimeMention], published: date | None,
               tense: str) -> tuple[DateWindow, TimeMention | None] | None:
    """The event window a mention gives, read through its preposition, and the range partner it used."""
    ref = mention.ref
    if ref.start_date is None or ref.end_date is None:
        return None
    partner: TimeMention | None = None
    start: str | None = ref.start_date
    end: str | None = ref.end_date
    text = ref.text
    pub = published.isoformat() if published else None
    prep = _date_prep(mention)
    if prep == "since":
        end = pub
    elif prep in ("by", "until", "till"):
        # ahead: from publication to the deadline; a deadline already past ("had left by March 1", "held him
        # until Sunday") dates the act by the deadline itself, the nearest point known of it
        if pub is not None and pub <= ref.end_date:
            start = pub
    elif prep == "before":
        # "before the end of December" is by its end; "before March" ends with February
        if not _END_OF.match(text):
            end = (date.fromisoformat(ref.start_date) - timedelta(days=1)).isoformat()
        start = pub if pub is not None and end is not None and tense != "past" and pub <= end else None
    elif prep == "after":
        start = (date.fromisoformat(ref.end_date) + timedelta(days=1)).isoformat()
        end = pub if pub is not None and tense != "future" and pub >= start else None
    elif prep in _RANGE_OPENERS:
        doc = mention.span.doc
        partner = next((o for o in sentence if o.ref.end_date and 0 < o.span.start - mention.span.end <= 3
                        and doc[o.span.start - 1].lower_ in _RANGE_CLOSERS), None)
        if partner is not None:
            end = partner.ref.end_date
            text = doc_text(mention.span.doc)[ref.start:partner.ref.end]
    return DateWindow(text=text, start=start, end=end, precision=_window_precision(ref)), partner


def _windows(mentions: Sequence[TimeMention], sentence: Sequence[TimeMention], published: date | None,
             tense: str) -> list[tuple[DateWindow, TimeMention]]:
    """The windows of `mentions`, without the far ends of "from X to Y" ranges, which are no dates of
    their own."""
    found = [(c, m) for m in mentions if (c := _candidate(m, sentence, published, tense)) is not None]
    partners = {c[1].ref.start for c, _ in found if c[1] is not None}
    return [(c[0], m) for c, m in found if m.ref.start not in partners]


def _nearest_governing(sentence: Sequence[TimeMention], verb: Token | None, published: date | None,
                       tense: str) -> list[DateWindow]:
    """The windows of the nearest clause above the trigger's that has one ("the army said on Monday that
    militants attacked"; "took the town in mid-February after troops pulled out"); see _clause_parent for
    the links followed. A clause whose own date cannot be resolved stops the search."""
    if verb is None or not sentence:
        return []
    t = verb
    coarse_only = False
    for _ in range(len(verb.doc)):
        dated_noun = _dated_head(t, sentence)
        if dated_noun is not None:
            return [dated_noun]
        link = _clause_parent(t)
        if link is None:
            return []
        t, sequence = link
        coarse_only = coarse_only or sequence
        here = [m for m in sentence if _attachment(m, t, t) is not None]
        found = _windows(here, sentence, published, tense)
        if found:
            return [w for w, _ in found if not coarse_only or w.precision != "day"]
        if any(m.anchor == "relative" and m.ref.value is None for m in here):
            return []  # "the next day" we could not resolve: the clause has a date, only not a known one
    return []


def _dated_head(verb: Token, sentence: Sequence[TimeMention]) -> DateWindow | None:
    """A relative clause on a date is dated by it: "on the same day that Trump ordered ...", "since 2011,
    when the army went in"; not a copula or a "which" clause that only comments on the date."""
    if _lemma(verb) == "be":
        return None
    if verb.dep_ == "relcl":
        set_off = verb.left_edge.i > 0 and verb.doc[verb.left_edge.i - 1].text == ","
        if set_off and not any(c.lower_ == "when" for c in verb.children):
            return None  # "Friday, which marked the anniversary of the protests": a comment on the date
        head = verb.head.i
        mention = next((m for m in sentence if m.span.start <= head < m.span.end and _dated(m)), None)
    else:
        # the parser often hangs "since March, when jihadists killed 30" on the main verb
        mention = next((m for m in sentence if _when_after(verb) == m.span.end and _dated(m)), None)
    if mention is None:
        return None
    assert mention.ref.start_date is not None
    return DateWindow(text=mention.ref.text, start=mention.ref.start_date, end=mention.ref.end_date,
                      precision=_window_precision(mention.ref))


def _when_after(verb: Token) -> int | None:
    """Where the time phrase a when-clause restates ends: "since March, when jihadists killed 30 soldiers",
    "a week earlier, when gunmen stormed a hotel" (the index of the comma before "when")."""
    first = verb.left_edge
    if verb.dep_ not in ("relcl", "advcl") or first.lower_ != "when" or first.i < 2:
        return None
    return first.i - 1 if verb.doc[first.i - 1].text == "," else None


def _duration_step(ref: TimeRef) -> tuple[float | None, str] | None:
    """(count, unit code) of a duration value: P14M → (14, "M"), PXD → (None, "D"), PT48H → (48, "H")."""
    m = _DURATION_VALUE.fullmatch(ref.value or "")
    if m is None:
        return None
    n = None if m.group(2) == "X" else float(m.group(2))
    code = m.group(3)
    if m.group(1):
        code = "H" if code == "H" else "MIN"
    return n, ("W" if code == "WE" else code)


def _dated(mention: TimeMention) -> bool:
    ref = mention.ref
    return (mention.anchor in ("absolute", "relative") and ref.start_date is not None
            and ref.end_date is not None and ref.value not in ("PAST_REF", "FUTURE_REF"))


def _finest(mentions: Sequence[TimeMention]) -> TimeMention | None:
    def width(m: TimeMention) -> int:
        assert m.ref.start_date is not None and m.ref.end_date is not None
        return (date.fromisoformat(m.ref.end_date) - date.fromisoformat(m.ref.start_date)).days

    return min(mentions, key=width) if mentions else None


def _shifted(anchor: TimeMention, n: float | None, code: str, sign: int, text: str) -> DateWindow:
    """The anchor's window moved `sign` × n units; a vague count ("days after") moves it 2 to 9 units, hours
    move it by whole days. Coarse units widen the window to whole weeks, months or years."""
    assert anchor.ref.start_date is not None and anchor.ref.end_date is not None
    return _shifted_window(date.fromisoformat(anchor.ref.start_date), date.fromisoformat(anchor.ref.end_date),
                           _window_precision(anchor.ref), n, code, sign, text)


def _shifted_window(lo: date, hi: date, own: str, n: float | None, code: str, sign: int, text: str) -> DateWindow:
    """The window lo..hi (of precision `own`) moved `sign` × n units; see _shifted."""
    near, far = (n, n) if n is not None else (2.0, float(_VAGUE_FAR))
    if code in ("H", "MIN"):
        per_day = 24 if code == "H" else 24 * 60
        near, far, code = float(int(near // per_day)), float(-(-far // per_day)), "D"
    if sign < 0:
        start, end = _shift(lo, -far, 1, code), _shift(hi, -near, 1, code)
    else:
        start, end = _shift(lo, near, 1, code), _shift(hi, far, 1, code)
    unit = _UNIT_PRECISION[code]
    if unit != "day":
        start, end = _unit_window(start, unit)[0], _unit_window(end, unit)[1]
    precision = max(unit, own, key=lambda p: _PRECISION_RANK.get(p, 0))
    return DateWindow(text=text, start=start.isoformat(), end=end.isoformat(), precision=precision)


def _anchor_above(token: Token, dated: Sequence[TimeMention],
                  scope: set[int]) -> tuple[TimeMention, bool] | None:
    """The date of the nearest clause above `token` outside `scope`; else the last date before it in the
    sentence, which a relative "two days earlier" counts from. The flag says the date was found past an
    undated act, on the report of it: the act, and what is counted from it, came before that date."""
    t = token
    act_between = False
    for _ in range(len(token.doc)):
        if t.head.i == t.i:
            break
        t = t.head
        if t.i in scope or not _is_clause_verb(t):
            continue
        here = [m for m in dated if m.span.start not in scope and (v := _mention_verb(m.span)) is not None
                and v.i == t.i]
        found = _finest(here)
        if found is not None:
            # "said on Tuesday they had killed dozens, a day after X attacked": the day is the report's,
            # and the act X is counted from has no date of its own
            return found, act_between and t.lemma_.lower() in _lexicon().report_verbs
        act_between = True
    before = [m for m in dated if m.span.end <= token.i and m.span.start not in scope]
    return (before[-1], act_between) if before else None


def _counted(anchor: tuple[TimeMention, bool], n: float | None, code: str, sign: int, text: str) -> DateWindow:
    mention, past_report = anchor
    window = _shifted(mention, n, code, sign, text)
    return _on_or_before(window) if past_report else window


def _sequence_shift(trigger: Token, verb: Token | None, sentence: Sequence[TimeMention],
                    story: Callable[[], DateWindow | None]) -> DateWindow | None:
    """Dates counted from another: "a day after shelling killed 30" (the shelling is a day before the main
    clause's date), "released them on Wednesday, 14 months after seizing the ship", "the gangs that two days
    earlier overran the town", and the main clause of "retaliated two days after rebels attacked on Monday"
    (two days after Monday)."""
    doc = trigger.doc
    dated = [m for m in sentence if _dated(m)]
    for d in sentence:
        step = _duration_step(d.ref) if d.anchor == "duration" and d.span.end < len(doc) else None
        if step is None:
            continue
        n, code = step
        word = doc[d.span.end]
        lw = word.lower_
        if lw not in ("after", "before", "earlier", "later"):
            continue
        text = doc_text(doc)[d.ref.start:word.idx + len(word)]
        if lw in ("earlier", "later") or word.tag_ == "RB":
            host = word.head if _is_clause_verb(word.head) else _governing_verb(d.span.root)
            if host is None or verb is None:
                continue
            scope = {host.i, *(c.i for c in host.children if c.dep_ == "conj"
                               and not any(g.dep_ in ("nsubj", "nsubjpass") for g in c.children))}
            restates = _when_after(verb) == word.i + 1  # "a week earlier, when gunmen stormed a hotel"
            if verb.i not in scope and not restates:
                continue
            anchor = _anchor_above(host, dated, {t.i for t in host.subtree})
            sign = -1 if lw in ("earlier", "before") else 1
            if anchor is None and restates:
                # "The bombing was the deadliest since a week earlier, when ...": counted from the act the
                # story has reached
                now = story()
                if now is None or now.start is None or now.end is None:
                    return None
                return _shifted_window(date.fromisoformat(now.start), date.fromisoformat(now.end), now.precision,
                                       n, code, sign, text)
            return None if anchor is None else _counted(anchor, n, code, sign, text)
        roots = [word]
        if word.dep_ == "mark":
            roots.append(word.head)
        if d.span.root.head.i > word.i:
            roots.append(d.span.root.head)
        scope = {t.i for r in roots for t in r.subtree if t.i > word.i}
        # The clause verbs of the phrase itself; a clause inside it has a time of its own ("a day after
        # Russia vowed that Wagner, which staged a mutiny over the weekend, would stay").
        own = [t for t in (*roots, *(c for c in word.children if c.dep_ == "pcomp")) if t.i > word.i
               and _is_clause_verb(t)]
        own += [c for v in own for c in v.children if c.dep_ == "conj"]
        own_ids = {t.i for t in own}
        sign = -1 if lw == "after" else 1  # the event inside "a day after X" lies before the main clause's
        if verb is not None and verb.i in own_ids:
            anchor = _anchor_above(word, dated, scope)
            return None if anchor is None else _counted(anchor, n, code, sign, text)
        top = word.head.head if word.dep_ == "mark" else word.head
        main = _governing_verb(top)
        if verb is None or main is None or main.i != verb.i:
            continue
        inside = _finest([m for m in dated if m.span.start in scope
                          and ((v := _mention_verb(m.span)) is None or v.i in own_ids or v.i not in scope)])
        if inside is not None:
            return _shifted(inside, n, code, -sign, text)
    return None


def _fallback(published: date | None) -> DateWindow:
    iso = published.isoformat() if published else None
    return DateWindow(text=None, start=iso, end=iso, precision="document")


def _width(w: DateWindow) -> int:
    if w.start is None or w.end is None:
        return 100_000
    return (date.fromisoformat(w.end) - date.fromisoformat(w.start)).days


def event_date(trigger: Token, mentions: Sequence[TimeMention], published: date | None) -> DateWindow:
    """The date window of the event whose trigger is `trigger`, from the time mentions of its document.

    First a mention attached to the trigger: inside its noun phrase (the closest wins), then on its own
    clause verb (the finest window wins, then the nearest), then on the occasion it was done at ("in a
    statement read on Sunday"), then a time phrase the parser hung deeper in its clause ("entered the town,
    50 km from the capital, before dawn on Monday"); else a date counted from another ("a day after", "two
    days earlier"); else the dated mention of the nearest clause that governs the trigger's (see
    _clause_parent); else
    publication ("document"). "since X" runs to publication, "by/until X" from publication to X (X itself when
    X is past), "before X" in a clause that is not past from publication to the day before X (to the end of X
    for "before the end of X"), "from X to Y" spans both. A dateline's date is never an event's.
    """
    published = _check_published(published)
    verb = _governing_verb(trigger)
    sent = sentence_of(trigger)
    sentence = [m for m in mentions if m.span.doc is trigger.doc and sent.start <= m.span.start < sent.end
                and not _in_dateline(m)]
    if not sentence:
        return _fallback(published)
    tense = clause_tense(trigger)
    ranked: list[tuple[int, int, int, int, DateWindow, TimeMention]] = []
    unresolved = False
    attached: list[TimeMention] = []
    for m in sentence:
        attachment = _attachment(m, trigger, verb)
        if attachment is not None:
            attached.append(m)
            unresolved = unresolved or (m.anchor == "relative" and m.ref.start_date is None)
    for window, m in _windows(attached, sentence, published, tense):
        level, steps = _attachment(m, trigger, verb) or (3, 0)
        ranked.append((level, steps, _width(window), abs(m.span.root.i - trigger.i), window, m))
    if ranked:
        best = min(ranked, key=lambda r: r[:4])
        # "said on Monday they had arrested": the parser hangs the report's date on the act
        reported = verb is not None and _pluperfect(verb) and _reattach(verb, best[5].span).i != verb.i
        return _on_or_before(best[4]) if best[0] >= 1 and (_reacted_to(trigger, verb) or reported) else best[4]
    if unresolved:
        return _fallback(published)  # its own date cannot be resolved ("the next day"): borrow none
    dated_noun = _dated_head(verb, sentence) if verb is not None else None
    if dated_noun is not None:
        return dated_noun  # "since March, when jihadists killed 30": March, not since March
    for antecedent in _relative_antecedents(verb):
        # "a bombardment this week that killed 20": the relative clause's act is its antecedent's
        own = [m for m in sentence if (_attachment(m, antecedent, None) or (9, 0))[0] == 0]
        dated = [w for w, _ in _windows(own, sentence, published, tense)]
        if dated:
            return min(dated, key=_width)
    shifted = _sequence_shift(trigger, verb, sentence, lambda: narrative_date(sent, mentions, published))
    if shifted is not None:
        return _on_or_before(shifted) if _reacted_to(trigger, verb) else shifted
    attached_ids = {m.ref.start for m in attached}
    governing = _nearest_governing([m for m in sentence if m.ref.start not in attached_ids], verb, published,
                                   tense)
    if governing:
        window = min(governing, key=_width)
        return _on_or_before(window) if _reacted_to(trigger, verb) or _pluperfect(verb) else window
    return _fallback(published)


# An act named as what a later act answers ("protesting against the massacre", "after a weekend assault",
# "denounced the killing", "an inquiry into the shelling") happened before it: the reaction's own date
# bounds it from above only. Prepositions that make their object such an earlier act (the verbs are the
# `reaction` rows of time_words.tsv):
_REACTION_PREPS = frozenset("after following over against into about since".split())
_EARLIER_DAYS = 6  # the reaction's date and the week before it


_SEQUENCE_WORDS = frozenset({"after", "before", "following"})
_COUNT_UNITS = frozenset({"hour", "day", "week", "month", "year"})


def sequenced(trigger: Token) -> bool:
    """Whether an act is told as a counted time before or after another ("three days after the group
    bombed a restaurant"): it does not share the date of the act it is counted from."""
    t = trigger
    for _ in range(4):
        word = next((c for c in t.children if c.dep_ == "mark" and c.lower_ in _SEQUENCE_WORDS), None)
        if word is None and t.dep_ in ("pcomp", "pobj") and t.head.lower_ in _SEQUENCE_WORDS:
            word = t.head
        if word is not None:
            return word.i > 0 and word.doc[word.i - 1].lemma_.lower() in _COUNT_UNITS
        if t.head.i == t.i or (t.i != trigger.i and _is_clause_verb(t)):
            return False
        t = t.head
    return False


def _pluperfect(verb: Token | None) -> bool:
    """"said on Monday they had arrested four men": an act in the past perfect came before the clause
    that dates it."""
    return verb is not None and verb.tag_ == "VBN" and any(
        c.dep_ == "aux" and c.lower_ in ("had", "'d") for c in verb.children)


def _reacted_to(trigger: Token, verb: Token | None) -> bool:
    """Whether an event noun is the earlier act its governing clause reacts to; or an act told in a relative
    clause on such a noun ("an inquiry into the shelling that wounded two soldiers")."""
    if verb is None:
        return False
    if trigger.i == verb.i:  # the act's own clause: reacted to when the noun it describes is
        return any(_reacted_to(noun, _governing_verb(noun)) for noun in _relative_antecedents(verb))
    if trigger.pos_ not in ("NOUN", "PROPN"):
        return False
    t = trigger
    for _ in range(len(trigger.doc)):
        head = t.head
        if head.i == t.i or _is_clause_verb(head) and head.i != verb.i:
            return False
        if t.dep_ == "pobj" and head.lower_ in _REACTION_PREPS:
            return True
        if head.i == verb.i:
            return t.dep_ == "dobj" and verb.lemma_.lower() in _lexicon().reaction_verbs
        t = head
    return False


def before_reaction(trigger: Token, window: DateWindow) -> DateWindow:
    """`window`, the date of another act of the sentence, as the date of `trigger`'s act: on or before it
    when that act is what the sentence reacts to ("denounced the shelling that killed nine")."""
    return _on_or_before(window) if _reacted_to(trigger, _governing_verb(trigger)) else window


def _on_or_before(window: DateWindow) -> DateWindow:
    """The days up to a reaction dated by `window` (a day or a week): the act it answers came first."""
    if window.precision not in ("day", "week") or window.start is None:
        return window
    start = date.fromisoformat(window.start) - timedelta(days=_EARLIER_DAYS)
    return DateWindow(text=window.text, start=start.isoformat(), end=window.end, precision="week")


# Wire copy reports the news of the last days: a date this close before publication is the story's present
# (the news peg), an older one its background.
_NEWS_PEG_DAYS = 3
_STORY_LOOKBACK = 8  # sentences


def describes(token: Token) -> bool:
    """`token` lies in a relative clause or participle that describes a participant ("the rebels, who seized
    the town in 2012, ..."; "the officers who seized power in July"): its date is background, not the
    story's."""
    t = token
    for _ in range(len(token.doc)):
        if t.dep_ in ("relcl", "acl"):
            return True
        if t.head.i == t.i:
            return False
        t = t.head
    return False


def _story_clauses(sent: Span) -> list[Token]:
    """The clause verbs that tell the sentence's story, in text order."""
    return [t for t in sent if _is_clause_verb(t) and not describes(t)]


def _is_main_clause(verb: Token) -> bool:
    """The verb heads the sentence's assertion: the root, or a clause joined to it by coordination or as the
    content of a statement ("the army said its aircraft destroyed ...")."""
    t = verb
    for _ in range(len(verb.doc)):
        if t.head.i == t.i:
            return True
        if t.dep_ not in ("conj", "ccomp", "xcomp", "parataxis"):
            return False
        t = t.head
    return False


def told_in_past(token: Token) -> bool:
    """The clause of `token` narrates the past: past tense or past perfect, not a present perfect ("has not let
    up"), which speaks of now, nor a purpose ("to wait for reinforcements"). A participle clause without
    auxiliaries ("Accusing the ministry of ordering strikes, he mobilized ...") is told in the tense of the
    clause it hangs on."""
    verb = _governing_verb(token)
    for _ in range(len(token.doc)):
        if verb is None:
            return False
        bare = not any(c.dep_ in ("aux", "auxpass") for c in verb.children)
        if not (bare and verb.tag_ == "VBG" and verb.head.i != verb.i):
            break
        verb = _governing_verb(verb.head)
    if verb is None or _verb_tense(verb, 0) != "past":
        return False
    auxes = {a.lower_ for a in verb.children if a.dep_ in ("aux", "auxpass")}
    if "to" in auxes and verb.dep_ == "advcl":
        return False  # a purpose: "pulled back to wait for reinforcements"
    return not auxes & {"has", "have", "'ve"}


def carried_window(window: DateWindow | None, published: date | None) -> bool:
    """A window another event can take over: a past one that is not a state running up to now ("since June",
    "recently", "in recent years" say how long, not when)."""
    if window is None or window.precision == "document" or window.start is None:
        return False
    end = window.end or window.start
    if published is None:
        return True
    pub = published.isoformat()
    if end > pub:
        return False
    return not (end == pub and _width(window) > _NEWS_PEG_DAYS)


def narrative_date(sent: Span, mentions: Sequence[TimeMention], published: date | None) -> DateWindow | None:
    """The time a story has reached when `sent` begins, for its past events that have no date of their own.

    The story time is the last date of a clause told in the past (not a relative clause) in the sentences before
    `sent`, read through undated past-tense sentences ("Gunmen entered the town on Monday. They stormed the
    prison ..."). An undated sentence told in the present, the present perfect or the future brings the story
    back to now (None). Across a paragraph break only the news peg carries — a day or week at most three days
    before publication; an older date is background and stays in its paragraph ("Biden lifted the designation
    in 2021." does not date the next paragraph's denial), and only the date of an act, not of a statement
    ("X said on Tuesday ..." does not date what another speaker said in the next paragraph).
    """
    published = _check_published(published)
    doc = sent.doc
    text = doc_text(doc)
    paragraph = text.rfind("\n\n", 0, sent.start_char)
    start = sent.start
    for _ in range(_STORY_LOOKBACK):
        if start == 0:
            return None
        before = sentence_of(doc[start - 1])
        start = before.start
        # the last date its main clauses tell, else the last of its subordinate ones: "released them on
        # Wednesday, 14 months after seizing the ship" leaves the story on Wednesday
        dated = sorted(((_is_main_clause(v), v.i, v, w) for v in _story_clauses(before) if told_in_past(v)
                        and carried_window(w := event_date(v, mentions, published), published)),
                       key=lambda d: d[:2])
        if not dated:
            if told_in_past(before.root):
                continue
            return None
        window = dated[-1][3]
        if text.rfind("\n\n", 0, before.start_char) == paragraph:
            return window
        told = [d for d in dated if _lemma(d[2]) not in _lexicon().report_verbs]
        if not told:
            return None  # only a statement is dated: another speaker's words are not its story
        window = told[-1][3]
        recent = published is None or (window.precision in ("day", "week") and window.start is not None
                                        and date.fromisoformat(window.start)
                                        >= published - timedelta(days=_NEWS_PEG_DAYS))
        return window if recent else None
    return None
