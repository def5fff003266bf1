"""Exact, cheaper stand-ins for two components of the English model: the attribute ruler and the lemmatizer.

Both set nothing the model's own components would not set, token for token; they only get there with
less Python per token. They matter because, measured over the VOA stories (`benchmarks/throughput.py`),
the model's attribute ruler took 1.7 s of a 13.4 s parse and its lemmatizer 0.8 s:

- The attribute ruler runs spaCy's `Matcher` over 179 token patterns (tag → part of speech and
  morphology, plus word exceptions). Set-membership predicates (`{"LOWER": {"IN": [...]}}`) are
  Python callbacks the matcher calls on every token for every such pattern. `ExactAttributeRuler`
  reads the token attributes once as an array, tests each pattern as a few array operations over the
  whole document and hands the same sorted matches to the ruler's own `set_annotations`. Patterns it
  cannot read (operators, comparisons, other attributes) send the whole ruler back to the `Matcher`.
- The rule lemmatizer calls Python methods per token, builds a `MorphAnalysis` for its cache key, and
  on a cache miss tests each candidate form against a word list of up to 57,000 entries by scanning
  it. `ExactLemmatizer` keys a cache of its own by the same (form, part of speech, morphology) hashes,
  read as an array, asks the model's lemmatizer only for a key it has not seen (the lemma is a function
  of that key: `EnglishLemmatizer.is_base_form` reads only the part of speech and morphology), and
  gives the word lists a set for membership.

`install(nlp)` puts both in place under the components' own names; `tests/test_token_attrs.py` checks
every token attribute against the model's components.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy
from spacy.attrs import DEP, IDS, LEMMA, LOWER, MORPH, NORM, ORTH, POS, TAG
from spacy.language import Language
from spacy.pipeline import AttributeRuler, Lemmatizer
from spacy.strings import get_string_id
from spacy.tokens import Doc

# Attributes whose pattern values are strings, compared by hash; `TEXT` is the matcher's alias of ORTH.
_STRING_ATTRS = {"ORTH": ORTH, "TEXT": ORTH, "LOWER": LOWER, "NORM": NORM, "TAG": TAG, "DEP": DEP}
# Attributes whose pattern values are booleans (lexeme flags: IS_SPACE, IS_PUNCT, LIKE_NUM, ...).
_FLAG_ATTRS = {name: attr for name, attr in IDS.items() if name.startswith(("IS_", "LIKE_"))}

# One test on one token: (column of the attribute array, "eq" | "in" | "not_in" | "regex", what it compares).
_Test = tuple[int, str, Any]


class _Unsupported(Exception):
    """A pattern uses something `ExactAttributeRuler` does not read; the model's `Matcher` is used."""


class ExactAttributeRuler:
    """The model's attribute ruler, its patterns tested as array operations over the whole document."""

    def __init__(self, ruler: AttributeRuler) -> None:
        self.ruler = ruler
        self.columns: list[int | str] = []  # attribute ids, in the order of the array's columns
        self.rules: list[tuple[int, int, tuple[tuple[_Test, ...], ...]]] = []  # (number, key, tests per token)
        try:
            for number, rule in enumerate(ruler.patterns):
                key = ruler.vocab.strings[str(number)]
                patterns: list[list[dict[str, Any]]] = rule["patterns"]  # type: ignore[assignment]
                for pattern in patterns:
                    if not pattern:
                        raise _Unsupported("empty pattern")
                    self.rules.append((number, key, tuple(self._tests(spec) for spec in pattern)))
        except _Unsupported:
            self.columns = []  # read by `__call__`: fall back to the ruler itself

    def _column(self, attr: int) -> int:
        if attr not in self.columns:
            self.columns.append(attr)
        return self.columns.index(attr)

    def _tests(self, spec: dict[str, Any]) -> tuple[_Test, ...]:
        tests: list[_Test] = []
        for key, value in spec.items():
            name = key.upper()
            convert: Callable[[Any], int]
            if name in _STRING_ATTRS:
                attr, convert = _STRING_ATTRS[name], get_string_id
            elif name in _FLAG_ATTRS:
                attr, convert = _FLAG_ATTRS[name], int
            else:
                raise _Unsupported(key)
            column = self._column(attr)
            if not isinstance(value, dict):
                tests.append((column, "eq", convert(value)))
                continue
            if len(value) != 1 or next(iter(value)) not in ("IN", "NOT_IN", "REGEX"):
                raise _Unsupported(key)
            (kind, values), = value.items()
            if kind == "REGEX":
                if name not in _STRING_ATTRS:
                    raise _Unsupported(key)
                # The matcher searches the attribute's string; the answer per string is memoised.
                tests.append((column, "regex", (re.compile(values), {})))
            else:
                tests.append((column, kind.lower(), numpy.array([convert(v) for v in values], dtype=numpy.uint64)))
        return tuple(tests)

    def _mask(self, table: numpy.ndarray, tests: tuple[_Test, ...]) -> numpy.ndarray:
        """Which tokens pass every test of one pattern token."""
        mask = numpy.ones(len(table), dtype=bool)
        for column, kind, value in tests:
            values = table[:, column]
            if kind == "eq":
                mask &= values == value
            elif kind == "regex":
                pattern, seen = value
                strings = self.ruler.vocab.strings
                for have in numpy.unique(values).tolist():
                    if have not in seen:
                        seen[have] = pattern.search(strings[have]) is not None
                mask &= numpy.fromiter((seen[have] for have in values.tolist()), dtype=bool, count=len(values))
            else:
                mask &= numpy.isin(values, value, invert=kind == "not_in")
        return mask

    def match(self, doc: Doc) -> list[tuple[int, int, int, int]]:
        """The matches `AttributeRuler.match` gives: (rule number, rule key, start, end), sorted."""
        size = len(doc)
        if not size:
            return []
        table = doc.to_array(self.columns).reshape(size, len(self.columns))
        found: set[tuple[int, int, int, int]] = set()
        for number, key, tokens in self.rules:
            width = len(tokens)
            if width > size:
                continue
            # A pattern of n tokens starts where its token k passes at start + k, for every k.
            starts = self._mask(table, tokens[0])[: size - width + 1]
            for k in range(1, width):
                starts &= self._mask(table, tokens[k])[k: size - width + 1 + k]
            found.update((number, key, start, start + width) for start in numpy.flatnonzero(starts).tolist())
        return sorted(found)

    def __call__(self, doc: Doc) -> Doc:
        if not self.columns:
            return self.ruler(doc)
        self.ruler.set_annotations(doc, self.match(doc))
        return doc


class _WordList(list):  # type: ignore[type-arg]
    """A lemmatizer word list that answers `in` from a set; still a list wherever the model is saved."""

    def __init__(self, words: list[str]) -> None:
        super().__init__(words)
        self.members = frozenset(words)

    def __contains__(self, word: object) -> bool:
        return word in self.members


class ExactLemmatizer:
    """The model's lemmatizer with a cache read from the token arrays."""

    def __init__(self, lemmatizer: Lemmatizer) -> None:
        self.lemmatizer = lemmatizer
        self.lemmas: dict[tuple[int, int, int], int] = {}
        if lemmatizer.mode == "rule" and lemmatizer.lookups.has_table("lemma_index"):
            index = lemmatizer.lookups.get_table("lemma_index")
            for pos, words in list(index.items()):
                if isinstance(words, list) and not isinstance(words, _WordList):
                    index[pos] = _WordList(words)

    def __call__(self, doc: Doc) -> Doc:
        if self.lemmatizer.mode != "rule" or not len(doc):
            return self.lemmatizer(doc)
        overwrite = self.lemmatizer.overwrite
        strings = doc.vocab.strings
        table = doc.to_array([ORTH, POS, MORPH, LEMMA])
        for i, (orth, pos, morph, lemma) in enumerate(table.tolist()):
            if lemma and not overwrite:
                continue
            key = (orth, pos, morph)
            found = self.lemmas.get(key)
            if found is None:
                found = self.lemmas[key] = strings.add(self.lemmatizer.lemmatize(doc[i])[0])
            table[i, 3] = found
        # One write of the lemma column, instead of a Token object per word.
        doc.from_array([LEMMA], table[:, 3:])  # type: ignore[arg-type]
        return doc


class _Holder:
    """A pipeline slot holding one of the stand-ins (set by `install`), so the component keeps its name."""

    def __init__(self) -> None:
        self.inner: ExactAttributeRuler | ExactLemmatizer | None = None

    def __call__(self, doc: Doc) -> Doc:
        if self.inner is None:
            raise RuntimeError("tacitus token-attribute component used before install()")
        return self.inner(doc)


@Language.factory("tacitus_attribute_ruler")
def _make_attribute_ruler(nlp: Language, name: str) -> _Holder:
    return _Holder()


@Language.factory("tacitus_lemmatizer")
def _make_lemmatizer(nlp: Language, name: str) -> _Holder:
    return _Holder()


def install(nlp: Language) -> None:
    """Replace the model's `attribute_ruler` and rule `lemmatizer` by their exact stand-ins, where present."""
    for name, factory, stand_in in (("attribute_ruler", "tacitus_attribute_ruler", ExactAttributeRuler),
                                    ("lemmatizer", "tacitus_lemmatizer", ExactLemmatizer)):
        if name not in nlp.pipe_names:
            continue
        original = nlp.get_pipe(name)
        holder = nlp.replace_pipe(name, factory)
        holder.inner = stand_in(original)  # type: ignore[attr-defined,arg-type]
