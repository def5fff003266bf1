"""End-to-end tests of tacitus.pipeline: short Articles written for the tests → DocumentResult.

Each test builds an Article with a publication date, runs `Pipeline.process` on it and checks one
decision of the whole path: status, roles, actor learning, date and place resolution, evidence and
confidence.
"""

from __future__ import annotations

from datetime import date
from importlib import resources
from pathlib import Path

import pytest

from tacitus.ingest import read_articles
from tacitus.models import PLOVER_TYPES, STATUSES, Article, DocumentResult, EventMention
from tacitus.pipeline import CONFIDENCE_FLOOR, Pipeline

# A Wednesday: "on Friday" in the past tense is 2024-03-08, in the future tense 2024-03-15.
PUBLISHED = date(2024, 3, 13)
EXAMPLE_TXT = Path(str(resources.files("tacitus") / "examples" / "minusma_exit.txt"))

REPORTED = "Officials said militants attacked an army post near Gao on Tuesday."
NEGATED = "Soldiers did not attack the village of Ogossagou on Sunday."
NEGATED_REPORTED = "Security forces did not fire on the demonstrators in Niamey, the interior ministry said."
DEMANDED = "The African Union called on Rwanda to withdraw its troops from eastern Congo."
LAVROV = (
    "Russian Foreign Minister Sergey Lavrov met Chinese officials in Beijing on Monday. "
    "Later, Lavrov criticized NATO for expanding toward Russia's borders."
)
# A minister the shipped registry does not know: the pipeline has to learn him from the first mention.
ANNADIF = (
    "Chadian Foreign Minister Mahamat Saleh Annadif visited Khartoum on Monday. "
    "Later, Annadif accused the Rapid Support Forces of looting aid convoys."
)
PAST_FRIDAY = "Gunmen attacked a checkpoint in Gao on Friday."
FUTURE_FRIDAY = "The two presidents will meet in Addis Ababa on Friday."
HYPOTHETICAL = "If the talks fail, the junta could expel the French ambassador."
PLANNED = "The army will deploy troops to Timbuktu next week."
COMMON_NOUN_ACTORS = (
    "The militia attacked the village near Mopti.",
    "Hundreds of people protested in Bamako on Friday against the French military presence.",
)
ALL_TEXTS = (REPORTED, NEGATED, NEGATED_REPORTED, DEMANDED, LAVROV, ANNADIF, PAST_FRIDAY, FUTURE_FRIDAY,
             HYPOTHETICAL, PLANNED, *COMMON_NOUN_ACTORS)


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return Pipeline.load()


def article(text: str, published: date = PUBLISHED) -> Article:
    return Article(text=text, source="test", title=None, published=published)


def process(pipeline: Pipeline, text: str, published: date = PUBLISHED) -> DocumentResult:
    item = article(text, published)
    return pipeline.process(item, pipeline.nlp(item.text))


def of_type(result: DocumentResult, type_: str) -> list[EventMention]:
    return [e for e in result.events if e.type == type_]


def summary(result: DocumentResult) -> list[tuple[object, ...]]:
    """The events in a form that reads well in a failed assertion."""
    return [(e.type, e.status, e.evidence.trigger, e.source and (e.source.text, e.source.country),
             e.target and (e.target.text, e.target.country), e.location and e.location.name,
             e.date and e.date.start) for e in result.events]


# -- status ------------------------------------------------------------------------------------------


def test_reported_speech_is_claimed(pipeline: Pipeline) -> None:
    result = process(pipeline, REPORTED)
    [attack] = of_type(result, "ASSAULT")
    assert attack.status == "claimed", summary(result)
    assert attack.source is not None and attack.source.sector == "INS", summary(result)
    assert attack.evidence.trigger == "attacked"


@pytest.mark.parametrize("text", [NEGATED, NEGATED_REPORTED])
def test_negated_event(pipeline: Pipeline, text: str) -> None:
    result = process(pipeline, text)
    [attack] = of_type(result, "ASSAULT")
    assert attack.status == "negated", summary(result)
    assert attack.source is not None and attack.source.sector == "MIL", summary(result)


def test_demand_gives_request_and_demanded_retreat(pipeline: Pipeline) -> None:
    result = process(pipeline, DEMANDED)
    [request] = of_type(result, "REQUEST")
    assert request.status == "asserted"
    assert request.source is not None and request.source.id == "AU", summary(result)
    assert request.target is not None and request.target.country == "RWA", summary(result)
    [retreat] = of_type(result, "RETREAT")
    assert retreat.status == "demanded", summary(result)
    assert retreat.source is not None and retreat.source.country == "RWA", summary(result)
    assert retreat.location is not None and retreat.location.country == "COD", summary(result)


def test_conditional_is_hypothetical(pipeline: Pipeline) -> None:
    result = process(pipeline, HYPOTHETICAL)
    [expel] = of_type(result, "SANCTION")
    assert expel.status == "hypothetical", summary(result)
    assert expel.target is not None and expel.target.country == "FRA"


def test_future_is_planned(pipeline: Pipeline) -> None:
    result = process(pipeline, PLANNED)
    [deploy] = of_type(result, "MOBILIZE")
    assert deploy.status == "planned", summary(result)
    assert deploy.date is not None and (deploy.date.start, deploy.date.end) == ("2024-03-18", "2024-03-24")


# -- actors ------------------------------------------------------------------------------------------


def test_lavrov_resolves_to_russia_both_times(pipeline: Pipeline) -> None:
    result = process(pipeline, LAVROV)
    lavrovs = [a for a in result.actors if "Lavrov" in a.text]
    assert [a.text for a in lavrovs] == ["Russian Foreign Minister Sergey Lavrov", "Lavrov"]
    assert all((a.country, a.sector) == ("RUS", "GOV") for a in lavrovs), lavrovs
    assert lavrovs[0].id == lavrovs[1].id
    [meeting] = of_type(result, "CONSULT")
    [criticism] = of_type(result, "ACCUSE")
    for event in (meeting, criticism):
        assert event.source is not None and event.source.country == "RUS", summary(result)
    assert criticism.source is not None and criticism.source.text == "Lavrov"
    assert criticism.target is not None and criticism.target.id == "NATO"


def test_unregistered_minister_is_learned(pipeline: Pipeline) -> None:
    result = process(pipeline, ANNADIF)
    mentions = [a for a in result.actors if "Annadif" in a.text]
    assert [a.text for a in mentions] == ["Chadian Foreign Minister Mahamat Saleh Annadif", "Annadif"]
    assert all((a.name, a.country, a.sector) == ("Mahamat Saleh Annadif", "TCD", "GOV") for a in mentions)
    assert mentions[0].id is not None and mentions[0].id == mentions[1].id
    [accusation] = of_type(result, "ACCUSE")
    assert accusation.source is not None and accusation.source.country == "TCD", summary(result)
    assert accusation.target is not None and accusation.target.id == "RSF", summary(result)


@pytest.mark.parametrize("text, type_, sectors", [
    (COMMON_NOUN_ACTORS[0], "ASSAULT", {"MIL-ID"}),
    (COMMON_NOUN_ACTORS[1], "PROTEST", {"PRO", "CVL"}),
])
def test_common_noun_source(pipeline: Pipeline, text: str, type_: str, sectors: set[str]) -> None:
    result = process(pipeline, text)
    events = of_type(result, type_)
    assert events, summary(result)
    assert events[0].source is not None and events[0].source.sector in sectors, summary(result)


# -- dates and places ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text, type_, day", [
    (PAST_FRIDAY, "ASSAULT", "2024-03-08"),
    (FUTURE_FRIDAY, "CONSULT", "2024-03-15"),
])
def test_weekday_resolves_by_tense(pipeline: Pipeline, text: str, type_: str, day: str) -> None:
    result = process(pipeline, text)
    [event] = of_type(result, type_)
    assert event.date is not None, summary(result)
    window = (event.date.start, event.date.end, event.date.precision, event.date.text)
    assert window == (day, day, "day", "Friday")


def test_weekday_follows_the_publication_date(pipeline: Pipeline) -> None:
    # The same sentence published a week later happened a week later.
    result = process(pipeline, PAST_FRIDAY, published=date(2024, 3, 20))
    [event] = of_type(result, "ASSAULT")
    assert event.date is not None and event.date.start == "2024-03-15"


@pytest.mark.parametrize("text, type_, place, lat, lon", [
    (PAST_FRIDAY, "ASSAULT", "Gao", 16.27, -0.04),
    (PLANNED, "MOBILIZE", "Timbuktu", 16.77, -3.01),
])
def test_event_location_is_a_point(pipeline: Pipeline, text: str, type_: str, place: str, lat: float,
                                   lon: float) -> None:
    result = process(pipeline, text)
    [event] = of_type(result, type_)
    loc = event.location
    assert loc is not None, summary(result)
    assert (loc.name, loc.country, loc.precision) == (place, "MLI", "point"), summary(result)
    assert loc.lat is not None and loc.lon is not None
    assert abs(loc.lat - lat) < 0.2 and abs(loc.lon - lon) < 0.2
    assert loc.geonameid and loc.geonameid > 0


# -- evidence and confidence over every event --------------------------------------------------------


@pytest.fixture(scope="module")
def all_results(pipeline: Pipeline) -> list[DocumentResult]:
    articles = [article(text) for text in ALL_TEXTS]
    [example] = [a for a in read_articles([str(EXAMPLE_TXT)], published=date(2023, 6, 30))]
    assert isinstance(example, Article)
    return [pipeline.process(a, pipeline.nlp(a.text)) for a in [*articles, example]]


def test_every_event_has_evidence_and_confidence(all_results: list[DocumentResult]) -> None:
    count = 0
    for result in all_results:
        for event in result.events:
            count += 1
            assert event.type in PLOVER_TYPES and event.status in STATUSES
            ev = event.evidence
            assert ev.sentence and ev.trigger, event
            assert result.text[ev.start:ev.end].strip() == ev.sentence, event
            assert ev.trigger_start is not None and ev.trigger_end is not None
            assert result.text[ev.trigger_start:ev.trigger_end] == ev.trigger, event
            assert ev.start <= ev.trigger_start < ev.trigger_end <= ev.end
            assert 0.0 <= event.confidence <= 1.0, event
            assert event.id, event
    assert count >= 30


def test_low_confidence_flag_matches_the_floor(all_results: list[DocumentResult]) -> None:
    events = [e for r in all_results for e in r.events]
    flagged = [e for e in events if "low_confidence" in e.context]
    assert flagged and len(flagged) < len(events), "the texts must hold events on both sides of the floor"
    for event in events:
        assert ("low_confidence" in event.context) == (event.confidence < CONFIDENCE_FLOOR), \
            (event.type, event.evidence.trigger, event.confidence, event.context)


def test_run_matches_process_in_input_order(pipeline: Pipeline, all_results: list[DocumentResult]) -> None:
    articles = [article(text) for text in ALL_TEXTS]
    ran = list(pipeline.run(articles, batch_size=4))
    assert [r.document.id for r in ran] == [a.id for a in articles]
    assert [[e.id for e in r.events] for r in ran] == [[e.id for e in r.events] for r in all_results[:-1]]


def test_document_info(pipeline: Pipeline) -> None:
    item = Article(text=PAST_FRIDAY, source="wire/42", input_id="42", title="Attack in Gao",
                   published=PUBLISHED)
    result = pipeline.process(item, pipeline.nlp(item.text))
    info = result.document
    got = (info.id, info.source, info.input_id, info.title, info.published, info.language, info.text_chars)
    assert got == (item.id, "wire/42", "42", "Attack in Gao", "2024-03-13", "en", len(PAST_FRIDAY))


# -- statements derived from how an act is framed ----------------------------------------------

def _types(result: DocumentResult) -> dict[str, EventMention]:
    return {e.type: e for e in result.events}


def test_declared_intent_is_an_agreement_beside_the_planned_act(pipeline: Pipeline) -> None:
    result = process(pipeline, "The Malian government pledged on Monday to release the detained soldiers.")
    events = _types(result)
    assert events["CONCEDE"].status == "planned"
    assert events["AGREE"].status == "asserted" and events["AGREE"].source.country == "MLI"
    assert events["AGREE"].evidence.trigger == "pledged"


def test_declared_hostile_intent_is_a_threat(pipeline: Pipeline) -> None:
    result = process(pipeline, "The Niger junta said it would expel the French ambassador within days.")
    events = _types(result)
    assert events["SANCTION"].status == "planned"
    assert "THREATEN" in events and events["THREATEN"].source.country == "NER"


def test_refusal_of_a_cooperative_act_is_a_rejection(pipeline: Pipeline) -> None:
    result = process(pipeline, "The Sudanese army refused to release the captured aid workers.")
    events = _types(result)
    assert events["CONCEDE"].status == "negated"
    assert events["REJECT"].source.country == "SDN"


def test_a_plain_negated_report_is_no_rejection(pipeline: Pipeline) -> None:
    result = process(pipeline, "Police did not arrest the protesters in Bamako on Friday.")
    assert "REJECT" not in _types(result)


def test_protest_that_is_a_statement(pipeline: Pipeline) -> None:
    result = process(pipeline, "Opposition leaders in Niamey protested that the vote had been rigged by the junta.")
    assert "PROTEST" not in _types(result)


def test_an_act_held_over_another_is_an_ultimatum(pipeline: Pipeline) -> None:
    result = process(pipeline, "Kenya announced that it will withdraw its police from Haiti unless the "
                               "council pays the mission's costs.")
    events = _types(result)
    assert events["RETREAT"].status == "hypothetical"
    assert events["THREATEN"].source.country == "KEN"


def test_a_reported_must_is_the_speakers_demand(pipeline: Pipeline) -> None:
    result = process(pipeline, "The African Union said on Tuesday that Sudan must release the detained aid workers.")
    events = _types(result)
    assert events["CONCEDE"].status == "demanded"
    request = events["REQUEST"]
    assert request.source.id == "AU" or "African Union" in (request.source.name or "")
    assert request.target.country == "SDN"
