"""One event per occurrence: which mentions merge and what the merged event keeps."""

from __future__ import annotations

from tacitus.coding.merge import merge_mentions
from tacitus.models import ActorRef, DateWindow, EventMention, Evidence, PlaceRef


def mention(type_: str, source: str | None, target: str | None, *, start: int = 0, confidence: float = 0.5,
            date: tuple[str, str, str] | None = None, place: tuple[float, float] | None = None,
            killed: int | None = None) -> EventMention:
    def actor(key: str | None) -> ActorRef | None:
        return ActorRef(text=key, name=key, country="XXX", sector="GOV", id=key) if key else None

    return EventMention(
        type=type_, mode=None, status="asserted",
        evidence=Evidence(sentence="s", sentence_index=0, start=start, end=start + 1, trigger="t",
                          trigger_start=start, trigger_end=start + 1),
        source=actor(source), target=actor(target), confidence=confidence, killed=killed,
        date=DateWindow(text=None, start=date[0], end=date[1], precision=date[2]) if date else None,
        location=PlaceRef(text="p", country="XXX", lat=place[0], lon=place[1], precision="point") if place else None,
    )


def test_complementary_halves_merge_inside_a_sentence() -> None:
    shelling = mention("ASSAULT", "RSF", None, confidence=0.8)
    killed = mention("ASSAULT", None, "CIVILIANS", start=5, killed=30)
    [merged] = merge_mentions([shelling, killed], within_sentence=True)
    assert merged.source.id == "RSF" and merged.target.id == "CIVILIANS" and merged.killed == 30


def test_across_sentences_a_shared_participant_is_needed() -> None:
    a = mention("ASSAULT", "RSF", None)
    b = mention("ASSAULT", None, "CIVILIANS", start=50)
    assert len(merge_mentions([a, b])) == 2


def test_headline_and_lead_merge_and_keep_the_better_date() -> None:
    headline = mention("SANCTION", "USA", "RSF", confidence=0.9, date=("2025-01-08", "2025-01-08", "document"))
    lead = mention("SANCTION", "USA", "RSF", start=80, confidence=0.7, date=("2025-01-07", "2025-01-07", "day"))
    [merged] = merge_mentions([headline, lead])
    assert merged.date.precision == "day" and merged.evidence.start == 0


def test_conflicting_roles_dates_or_places_stay_apart() -> None:
    assert len(merge_mentions([mention("SANCTION", "USA", "RSF"), mention("SANCTION", "USA", "SAF", start=9)])) == 2
    assert len(merge_mentions([mention("ASSAULT", "RSF", "X", date=("2025-01-01", "2025-01-01", "day")),
                               mention("ASSAULT", "RSF", "X", start=9, date=("2025-02-01", "2025-02-01", "day"))])) == 2
    # Bamako and Gao are ~950 km apart: two attacks.
    assert len(merge_mentions([mention("ASSAULT", "JNIM", None, place=(12.65, -8.0)),
                               mention("ASSAULT", "JNIM", None, start=9, place=(16.27, -0.04))])) == 2
    assert len(merge_mentions([mention("ASSAULT", "JNIM", "X"), mention("PROTEST", "JNIM", "X", start=9)])) == 2


def test_conservative_casualty_figure_and_first_mention_order() -> None:
    a = mention("ASSAULT", "RSF", "X", confidence=0.4, killed=40)
    b = mention("ASSAULT", "RSF", "X", start=20, confidence=0.9, killed=30)
    c = mention("PROTEST", "Y", None, start=40)
    merged = merge_mentions([a, b, c])
    assert [e.type for e in merged] == ["ASSAULT", "PROTEST"]
    assert merged[0].killed == 30 and merged[0].evidence.start == 20


def test_a_toll_without_agent_goes_to_the_attack_of_its_sentence() -> None:
    from tacitus.coding.merge import attach_casualty_reports

    attack = mention("ASSAULT", "RSF", "CAMP", confidence=0.8)
    toll = mention("ASSAULT", None, "CIVILIANS", start=30, killed=30)
    [merged] = attach_casualty_reports([attack, toll])
    assert merged.killed == 30 and merged.target.id == "CAMP"
    # The next sentence's toll may belong to another attack: left alone.
    later = mention("ASSAULT", None, "CIVILIANS", start=90, killed=12)
    later.evidence.sentence_index = 1
    assert len(attach_casualty_reports([attack, later])) == 2


def test_a_toll_told_before_its_attack_goes_to_it() -> None:
    from tacitus.coding.merge import attach_casualty_reports

    # "Five soldiers were killed when militants ambushed a convoy": the toll comes first.
    toll = mention("ASSAULT", None, "SOLDIERS", start=0, killed=5)
    attack = mention("ASSAULT", "JNIM", "CONVOY", start=40, confidence=0.8)
    [merged] = attach_casualty_reports([toll, attack])
    assert merged is attack and merged.killed == 5


def test_of_two_attacks_in_the_sentence_the_nearest_takes_the_toll() -> None:
    from tacitus.coding.merge import attach_casualty_reports

    first = mention("ASSAULT", "JNIM", "ARMY", start=0)
    toll = mention("ASSAULT", None, "VILLAGERS", start=60, killed=4)
    second = mention("ASSAULT", "BANDITS", "HERDERS", start=70)
    merged = attach_casualty_reports([first, toll, second])
    assert [(e.source.id, e.killed) for e in merged] == [("JNIM", None), ("BANDITS", 4)]


def test_a_toll_without_an_attack_in_its_sentence_stays_an_event() -> None:
    from tacitus.coding.merge import attach_casualty_reports

    toll = mention("ASSAULT", None, "CIVILIANS", killed=12)
    statement = mention("ACCUSE", "UN", "JNIM", start=30)
    assert attach_casualty_reports([toll, statement]) == [toll, statement]


def test_the_attackers_own_killing_is_the_attacks_toll() -> None:
    from tacitus.coding.merge import attach_casualty_reports

    # "JNIM ambushed a patrol, killing 12 soldiers": one occurrence, told twice.
    ambush = mention("ASSAULT", "JNIM", "PATROL", confidence=0.9)
    ambush.mode = "ambush"
    killing = mention("ASSAULT", "JNIM", "SOLDIERS", start=30, killed=12)
    killing.mode = "kill"
    [merged] = attach_casualty_reports([ambush, killing])
    assert merged is ambush and merged.killed == 12 and merged.target.id == "PATROL"
    # Someone else's killing in the sentence is another occurrence.
    other = mention("ASSAULT", "ARMY", "FIGHTERS", start=60, killed=20)
    other.mode = "kill"
    assert len(attach_casualty_reports([ambush, other])) == 2
