"""Casualty and size counts in a sentence: killed, injured, abducted, arrested, and other
quantities, from digits or words, conservatively (ACLED: "dozens" = 12, ranges → low end).

`find_magnitudes(sent)` gives `Magnitude`s with the token they attach to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from spacy.tokens import Span, Token

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "a": 1, "an": 1,
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
         "eighty": 80, "ninety": 90}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
# Vague plurals, read as their conservative minimum.
_VAGUE = {"dozen": 12, "dozens": 12, "score": 20, "scores": 20, "hundreds": 100, "thousands": 1000,
          "several": 3, "a few": 2, "few": 2, "many": None, "some": None}

KILLED = {"kill", "die", "dead", "death", "behead", "execute", "massacre", "slay", "murder", "perish",
          "fatality", "body", "lose"}
INJURED = {"injure", "wound", "hurt", "injury", "casualty", "maim"}
ABDUCTED = {"abduct", "kidnap", "seize", "take", "hostage", "hold"}
ARRESTED = {"arrest", "detain", "round", "jail", "capture"}


def words_to_number(words: list[str]) -> int | None:
    """"two dozen" → 24, "at least 12" → 12 (caller strips hedges), "1,200" → 1200, "hundreds" → 100."""
    total, current, seen = 0, 0, False
    for raw in words:
        w = raw.lower().replace(",", "")
        if re.fullmatch(r"\d+(\.\d+)?", w):
            current += int(float(w))
            seen = True
        elif w in _UNITS:
            current += _UNITS[w]
            seen = True
        elif w in _TENS:
            current += _TENS[w]
            seen = True
        elif w in {"dozen", "score"} and seen:
            current *= 12 if w == "dozen" else 20
        elif w in _SCALES:
            current = max(current, 1) * _SCALES[w]
            if _SCALES[w] >= 1000:
                total += current
                current = 0
            seen = True
        elif w in _VAGUE and _VAGUE[w] is not None and not seen:
            current, seen = _VAGUE[w] or 0, True
        elif w in {"and", "-"}:
            continue
        else:
            return None
    return total + current if seen else None


@dataclass(frozen=True)
class Magnitude:
    kind: str        # killed | injured | abducted | arrested | quantity
    count: int
    token: Token     # the predicate it is a count of ("killed", "dead", "troops")
    number: Span     # the number words


def _number_span(tok: Token) -> Span | None:
    """The full number phrase around a numeric token: "at least two dozen", "more than 700"."""
    if not (tok.like_num or tok.lower_ in _VAGUE or tok.lower_ in {"dozen", "scores", "hundreds"}):
        return None
    doc = tok.doc
    start = end = tok.i
    while start > 0 and (doc[start - 1].like_num or doc[start - 1].lower_ in {"and", "a"} | set(_SCALES)):
        if doc[start - 1].lower_ == "a" and doc[start].lower_ not in {"dozen", "hundred", "thousand", "score"}:
            break
        start -= 1
    while end + 1 < len(doc) and (doc[end + 1].like_num or doc[end + 1].lower_ in set(_SCALES) | {"dozen"}):
        end += 1
    return doc[start:end + 1]


def _kind_of(lemma: str) -> str | None:
    for kind, words in (("killed", KILLED), ("injured", INJURED), ("abducted", ABDUCTED),
                        ("arrested", ARRESTED)):
        if lemma in words:
            return kind
    return None


def find_magnitudes(sent: Span) -> list[Magnitude]:
    out: list[Magnitude] = []
    seen: set[int] = set()
    for tok in sent:
        if tok.i in seen or tok.ent_type_ in {"DATE", "TIME", "MONEY", "PERCENT", "ORDINAL"}:
            continue
        num = _number_span(tok)
        if num is None:
            continue
        seen.update(t.i for t in num)
        count = words_to_number([t.text for t in num if t.lower_ != "a" or len(num) > 1])
        if count is None:
            continue
        # "12 people killed" (number modifies a noun that a participle describes), "killed 12",
        # "12 were killed", "12 dead", "death toll of 12".
        noun = num.root.head if num.root.dep_ in {"nummod", "quantmod"} else num.root
        complements = (c for c in noun.head.children if c.dep_ in {"acomp", "amod", "oprd", "xcomp", "ccomp"})
        candidates = [noun, noun.head, *noun.children, *complements]
        if noun.dep_ in {"nsubj", "nsubjpass", "dobj"}:
            candidates.insert(0, noun.head)
        kind = None
        pred = noun
        for cand in candidates:
            kind = _kind_of(cand.lemma_.lower())
            if kind:
                pred = cand
                break
        if kind is None and noun.dep_ == "pobj" and noun.head.lower_ in {"to", "of", "at"}:
            toll = noun.head.head
            if toll.lemma_.lower() in {"toll", "rise", "climb", "reach"} or _kind_of(toll.lemma_.lower()):
                kind, pred = "killed", toll
        if kind is None:
            kind = "quantity"
        out.append(Magnitude(kind, count, pred, num))
    return out
