"""The stand-ins for the model's attribute ruler and lemmatizer give the model's annotations, token for token."""

from __future__ import annotations

from importlib.resources import files

import pytest
import spacy
from spacy.language import Language
from spacy.tokens import Doc

from tacitus import token_attrs
from tacitus.nlp import MODEL

# Our own sentences, picked for what the ruler's exception patterns cover: contractions, "n't",
# expletive "there is", auxiliaries, "y'all", dropped g's, possessives, numbers and odd spacing.
SENTENCES = """There were 14 soldiers killed, and there's no sign the rebels'll stop.
The mission didn't withdraw; it hadn't been told to, and y'all know nothin' about it.
"We'd rather not," said the commander, whose men have been   deployed since 2013.
Officials said the convoy was ambushed near Gao on Tuesday, wounding 3 peacekeepers.
The ministers are meeting in Bamako; talks would resume once the ceasefire holds.
I'm sure they're lying, he said: "Nothing's changed since the junta's coup."
"""


@pytest.fixture(scope="module")
def pair() -> tuple[Language, Language]:
    model = spacy.load(MODEL)
    ours = spacy.load(MODEL)
    token_attrs.install(ours)
    return model, ours


def _annotations(doc: Doc) -> list[tuple[str, ...]]:
    return [(t.text, t.tag_, t.pos_, str(t.morph), t.lemma_, t.dep_, str(t.head.i), t.ent_type_) for t in doc]


def test_installed_under_the_model_component_names(pair: tuple[Language, Language]) -> None:
    model, ours = pair
    assert ours.pipe_names == model.pipe_names
    assert isinstance(ours.get_pipe("attribute_ruler").inner, token_attrs.ExactAttributeRuler)
    assert isinstance(ours.get_pipe("lemmatizer").inner, token_attrs.ExactLemmatizer)
    # Every pattern of the model is read by the array matcher: nothing falls back to spaCy's Matcher.
    assert ours.get_pipe("attribute_ruler").inner.columns


def test_same_annotations_as_the_model(pair: tuple[Language, Language]) -> None:
    model, ours = pair
    example = files("tacitus.examples").joinpath("minusma_exit.txt").read_text(encoding="utf-8")
    texts = [example, SENTENCES, "", "   ", "No."]
    # Twice: the second pass is answered from the stand-ins' caches.
    for _ in range(2):
        for expected, got in zip(model.pipe(texts), ours.pipe(texts), strict=True):
            assert _annotations(got) == _annotations(expected)


def test_matches_equal_the_matcher_on_every_token(pair: tuple[Language, Language]) -> None:
    model, ours = pair
    ruler = model.get_pipe("attribute_ruler")
    exact = ours.get_pipe("attribute_ruler").inner
    doc = model(SENTENCES, disable=["attribute_ruler", "lemmatizer", "ner"])
    matches = exact.match(doc)
    assert matches == sorted(set(ruler.match(doc)))
    # Exception patterns of two tokens and with regular expressions were exercised, not only the tag map.
    assert any(end - start == 2 for _, _, start, end in matches)


def test_unreadable_pattern_falls_back_to_the_matcher() -> None:
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("attribute_ruler")
    ruler.add([[{"LOWER": "the"}, {"IS_ALPHA": True, "OP": "+"}]], {"LEMMA": "phrase"}, index=-1)
    ruler.add([[{"LOWER": {"REGEX": "^gao$"}}]], {"LEMMA": "town"})
    exact = token_attrs.ExactAttributeRuler(ruler)
    assert exact.columns == []  # "OP" is not read: the whole ruler goes back to spaCy's Matcher
    doc = exact(nlp.make_doc("the convoy left Gao"))
    assert [t.lemma_ for t in doc] == [t.lemma_ for t in ruler(nlp.make_doc("the convoy left Gao"))]
    assert [t.lemma_ for t in doc] == ["", "phrase", "phrase", "town"]


def test_regular_expressions_and_flags_without_fallback() -> None:
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("attribute_ruler")
    ruler.add([[{"LOWER": {"REGEX": "^n[ou]thin'?$"}}]], {"LEMMA": "nothing"})
    ruler.add([[{"IS_DIGIT": True}, {"LOWER": {"IN": ["soldiers", "troops"]}}]], {"LEMMA": "count"}, index=0)
    ruler.add([[{"LOWER": {"NOT_IN": ["the", "a"]}, "IS_ALPHA": True}]], {"NORM": "word"})
    exact = token_attrs.ExactAttributeRuler(ruler)
    assert exact.columns
    doc = nlp.make_doc("Nothin' moved as 40 troops and the nuthin crossed")
    assert exact.match(doc) == sorted(set(ruler.match(doc)))
    exact(doc)
    assert [doc[0].lemma_, doc[3].lemma_, doc[4].lemma_, doc[7].lemma_] == ["nothing", "count", "", "nothing"]
    assert doc[5].norm_ == "word" and doc[6].norm_ == "the"
