"""Where, when and by whom, through the whole pipeline: sentences written for these tests → the place,
date window, status and participants of the event they describe.

Each test states one rule that keeps reports of one real-world event alike across articles (so that
they cluster) without tuning to any article: the place of a report is not the place of what it tells,
an act something answers came before it, a count from an act known only by its report reaches back
from the report, "the talks" are the talks told before, two negations cancel, a dateline is no
participant, who is blamed for an act did it.
"""

from __future__ import annotations

from datetime import date

import pytest

from tacitus.models import Article, DocumentResult, EventMention
from tacitus.pipeline import Pipeline

PUBLISHED = date(2025, 4, 9)  # a Wednesday


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return Pipeline.load()


def run(pipeline: Pipeline, text: str) -> DocumentResult:
    article = Article(text=text, source="test", title=None, published=PUBLISHED)
    return pipeline.process(article, pipeline.nlp(text))


def event(pipeline: Pipeline, text: str, trigger: str) -> EventMention:
    found = [e for e in run(pipeline, text).events if trigger in e.evidence.trigger]
    assert len(found) == 1, [(e.type, e.evidence.trigger) for e in run(pipeline, text).events]
    return found[0]


# -- where ----------------------------------------------------------------------------------------


def test_the_place_a_report_was_made_is_not_where_the_act_happened(pipeline: Pipeline) -> None:
    shelled = event(pipeline, "Two Kenyan soldiers serving with the African Union force were hurt on Monday when "
                              "militants shelled their base, the army said in Nairobi.", "shelled")
    assert shelled.location is None or shelled.location.name != "Nairobi"


def test_a_town_inside_the_country_the_clause_names_is_the_place(pipeline: Pipeline) -> None:
    hit = event(pipeline, "An Israeli drone hit a motorbike on a road south of Tyre in southern Lebanon on Monday.",
                "hit")
    assert hit.location is not None and hit.location.name == "Tyre"
    # …but not a town that only says where the actor is based
    attacked = event(pipeline, "Rebels based in Goma attacked villages in Congo.", "attacked")
    assert attacked.location is not None and attacked.location.precision == "country"


def test_towns_listed_after_including_are_places(pipeline: Pipeline) -> None:
    text = ("Rallies were also held in other towns of eastern Congo on Friday, including Bunia in the neighbouring "
            "province of Ituri.")
    places = {p.name for p in run(pipeline, text).places}
    assert "Bunia" in places


def test_a_small_town_abroad_is_no_namesake_in_a_story_about_another_country(pipeline: Pipeline) -> None:
    # Kani is also a town of Japan; the story names only Myanmar.
    bombed = event(pipeline, "Military jets bombed a school in Kani in Myanmar's Sagaing region on Thursday, "
                             "killing 11 pupils.", "bombed")
    assert bombed.location is not None and bombed.location.country == "MMR"


def test_the_town_an_attack_or_capture_takes_is_a_place_whatever_the_model_tagged(pipeline: Pipeline) -> None:
    # the small model tags "Goma" here as a person; the verb says it is a place
    attacked = event(pipeline, "M23 rebels attacked Goma on Monday.", "attacked")
    assert attacked.location is not None and attacked.location.name == "Goma"
    retook = event(pipeline, "Congolese troops retook Bunia on Monday after a week of fighting.", "retook")
    assert retook.location is not None and retook.location.name == "Bunia"


# -- when -----------------------------------------------------------------------------------------


def test_an_act_a_protest_answers_came_on_or_before_the_protest(pipeline: Pipeline) -> None:
    killing = event(pipeline, "Hundreds of students protested on Monday against the killing of three farmers "
                              "near Beni.", "killing")
    assert killing.date is not None and killing.date.end == "2025-04-07" and killing.date.precision == "week"
    assert killing.date.start is not None and killing.date.start < "2025-04-07"


def test_a_participle_on_the_object_dates_the_act(pipeline: Pipeline) -> None:
    struck = event(pipeline, "Helicopters struck a convoy of fighters heading south of the town on Monday "
                             "afternoon, the army said in a statement.", "struck")
    assert struck.date is not None and struck.date.start == "2025-04-07"


def test_a_relative_clause_takes_the_time_of_the_act_it_describes(pipeline: Pipeline) -> None:
    killed = event(pipeline, "Families fled on Friday after an attack on the village on Tuesday that killed 12 "
                             "people.", "killed")
    assert killed.date is not None and killed.date.start == "2025-04-08"


def test_a_count_from_an_act_known_only_by_its_report_reaches_back_from_the_report(pipeline: Pipeline) -> None:
    attacked = event(pipeline, "The army said on Tuesday it had killed dozens of militants in air strikes near "
                               "Mopti, a day after jihadists attacked a post in the town.", "attacked")
    assert attacked.date is not None and attacked.date.precision == "week" and attacked.date.end == "2025-04-07"
    # counted from an act with its own date, the day is exact
    direct = event(pipeline, "Troops retaliated on Wednesday, two days after rebels attacked a base.", "attacked")
    assert direct.date is not None and direct.date.start == "2025-04-07" and direct.date.precision == "day"


def test_an_act_in_the_past_perfect_came_on_or_before_its_report(pipeline: Pipeline) -> None:
    arrested = event(pipeline, "Police said on Monday they had arrested four men.", "arrested")
    assert arrested.date is not None and arrested.date.end == "2025-04-07" and arrested.date.precision == "week"
    plain = event(pipeline, "Police arrested four men on Monday.", "arrested")
    assert plain.date is not None and plain.date.precision == "day"


def test_an_act_counted_days_before_another_does_not_take_the_storys_day(pipeline: Pipeline) -> None:
    bombed = event(pipeline, "Gunmen attacked a market in Beni on Tuesday. The group said it was behind the "
                             "attack, which came three days after it bombed a hotel in Butembo.", "bombed")
    assert bombed.date is None or bombed.date.start != "2025-04-08"


def test_a_definite_event_noun_refers_back_to_the_act_told_before(pipeline: Pipeline) -> None:
    text = ("Delegations of Sudan and South Sudan met in Addis Ababa on Monday under African Union mediation.\n\n"
            "Both governments say the border must stay open to traders.\n\n"
            "The talks were also attended by envoys from Egypt and Kenya.")
    attended = event(pipeline, text, "attended")
    assert (attended.date.start, attended.date.end) == ("2025-04-07", "2025-04-07")
    # an indefinite noun tells of another act: it does not borrow the date
    other = event(pipeline, text.replace("The talks were also", "Separate talks were"), "attended")
    assert other.date.start != "2025-04-07"


def test_a_when_clause_after_a_time_phrase_happened_at_that_time(pipeline: Pipeline) -> None:
    killed = event(pipeline, "It was the deadliest attack in the region since March, when jihadists killed 30 "
                             "soldiers at a base near Arbinda.", "killed")
    assert (killed.date.start, killed.date.end) == ("2025-03-01", "2025-03-31")  # March, not since March
    text = ("A suicide bomber struck a market in Kismayo on Friday, killing 11 people. The attack was the deadliest "
            "in the city since a week earlier, when gunmen stormed a hotel, killing four guards.")
    stormed = event(pipeline, text, "stormed")
    # a week before the Friday the story had reached (April 4), not that Friday
    assert stormed.date.start is not None and stormed.date.end is not None
    assert stormed.date.start <= "2025-03-28" <= stormed.date.end < "2025-04-04"


def test_an_act_told_in_a_relative_clause_on_what_a_reaction_answers_came_before_it(pipeline: Pipeline) -> None:
    killed = event(pipeline, "Protesters in Goma on Saturday denounced the shelling that killed nine people in a "
                             "camp.", "killed")
    assert killed.date.end == "2025-04-05" and killed.date.start is not None and killed.date.start < "2025-04-05"


# -- status and participants -----------------------------------------------------------------------


def test_two_negations_cancel_and_who_prevents_an_act_is_not_its_actor(pipeline: Pipeline) -> None:
    failed = event(pipeline, "Residents blamed the police for failing to prevent an attack by gunmen on the "
                             "market.", "attack")
    assert failed.status == "asserted"
    prevented = event(pipeline, "Police prevented an attack by gunmen on the church.", "attack")
    assert prevented.status == "negated"
    assert prevented.source is not None and prevented.source.text == "gunmen"


def test_a_reporters_possessive_in_its_report_is_the_reporter(pipeline: Pipeline) -> None:
    # not the group the appositive names it an affiliate of
    ambush = event(pipeline, "Jama'at Nusrat al-Islam wal-Muslimin (JNIM), the al Qaeda affiliate in the Sahel, "
                             "said on Sunday that its fighters had carried out the ambush.", "ambush")
    assert ambush.source is not None and ambush.source.id == "JNIM"


def test_a_country_name_needs_its_capital_letter(pipeline: Pipeline) -> None:
    struck = event(pipeline, "An Israeli drone struck a car near Sidon on Sunday.", "struck")
    assert struck.target is not None and struck.target.text == "car" and struck.target.country is None


def test_a_dateline_is_no_participant(pipeline: Pipeline) -> None:
    called = event(pipeline, "ACCRA/BEIRUT, April 9 (Gulf of Guinea Post) - Ghana on Wednesday called for an "
                             "independent investigation into an incident in which two of its soldiers serving "
                             "with the U.N. force in Lebanon were wounded by Israeli fire.", "called for")
    assert called.source is not None and called.source.text == "Ghana"
    assert called.evidence.sentence.startswith("Ghana")


def test_the_place_a_relative_clause_hangs_on_did_not_act(pipeline: Pipeline) -> None:
    killed = event(pipeline, "A car bomb exploded outside a restaurant in Mogadishu, which killed 12 people.",
                   "killed")
    assert killed.source is None


def test_who_is_blamed_for_an_act_did_it(pipeline: Pipeline) -> None:
    attack = event(pipeline, "The governor of Diffa on Tuesday blamed Boko Haram for the attack, in which six "
                             "soldiers died.", "attack")
    assert attack.source is not None and attack.source.name is not None and "Boko Haram" in attack.source.name
    # …while who acts in an event named after "for" without anyone judged is still the subject
    rally = event(pipeline, "Thousands of Kenyan teachers gathered in Nairobi on Tuesday for a rally against the "
                            "new tax.", "rally")
    assert rally.source is not None and rally.source.country == "KEN"


def test_an_act_hoped_for_is_planned_and_verb_lemmas_are_mended(pipeline: Pipeline) -> None:
    # the model lemmatizes "hopes" as "hop", so the plan cue "hope" was never seen
    retake = event(pipeline, "The Malian army hopes to retake Kidal before the rains.", "retake")
    assert retake.status == "planned"
    lemmas = {t.text: t.lemma_ for t in pipeline.nlp("They hoped, hopes and hoping; it hopped, shopped and "
                                                     "retook the hill; he rates it.") if t.tag_.startswith("VB")}
    assert {w: lemmas.get(w) for w in ("hoped", "hoping", "retook", "hopped", "shopped", "rates")} == {
        "hoped": "hope", "hoping": "hope", "retook": "retake", "hopped": "hop", "shopped": "shop", "rates": "rate"}


def test_a_two_word_demonym_is_read_whole(pipeline: Pipeline) -> None:
    clashed = event(pipeline, "South Sudanese troops clashed with rebels near Yei on Friday.", "clashed")
    assert clashed.source is not None and clashed.source.country == "SSD"  # not Sudan's army
    met = event(pipeline, "South Korean officials met North Korean envoys on Friday.", "met")
    assert met.source is not None and met.target is not None
    assert (met.source.country, met.target.country) == ("KOR", "PRK")
