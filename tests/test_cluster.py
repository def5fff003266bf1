"""Tests for tacitus.cluster (the merging rule, clustering, stable ids, the store tables), the
`tacitus events` / `tacitus cluster` commands, and the cluster evaluation (tacitus.evaluate.clusters)."""

from __future__ import annotations

import datetime
import itertools
import json
import shutil
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tacitus import cluster
from tacitus.cli import cli
from tacitus.cluster import cluster_new, rule
from tacitus.cluster.engine import group_mentions, summarize
from tacitus.cluster.rule import (
    LINK_SCORE,
    ActorKey,
    Family,
    Mention,
    PlaceKey,
    common_words,
    compare,
    families,
    outlet_of,
    sentence_words,
)
from tacitus.errors import InputError
from tacitus.evaluate.clusters import (
    AlignedMention,
    ClusterReport,
    GoldEvent,
    GoldMention,
    read_cluster_gold,
    score_documents,
)
from tacitus.models import content_id, normalize_text
from tacitus.store import Store

GOLD_DIR = Path(__file__).resolve().parent / "gold" / "clusters"

# -- hand-built mentions for the rule ---------------------------------------------------------------

DOUENTZA = PlaceKey("Douentza", "MLI", "Mopti", 15.0, -2.95, 2455517, "point")
BONI_NEAR = PlaceKey("Boni", "MLI", "Mopti", 15.07, -2.6, 1, "point")  # ~38 km east of Douentza
MOPTI = PlaceKey("Mopti", "MLI", "Mopti", 14.48, -4.18, 2453348, "point")  # ~145 km away
MENAKA = PlaceKey("Ménaka", "MLI", "Ménaka", 15.92, 2.4, 2453155, "point")
MALI = PlaceKey("Mali", "MLI", None, 17.57, -3.99, 2453866, "country")
DJIBO = PlaceKey("Djibo", "BFA", "Sahel", 14.1, -1.63, 2361373, "point")
JNIM = ActorKey("JNIM", "MLI", "INS", "JNIM")
ISGS = ActorKey("ISGS", "MLI", "INS", "Islamic State Sahel Province")
MILITANTS = ActorKey(None, None, "INS", "militants")
MALI_ARMY = ActorKey("MLI_FAMA", "MLI", "MIL", "Malian army")
SOLDIERS = ActorKey(None, "MLI", "MIL", "soldiers")
VILLAGERS = ActorKey(None, None, "CVL", "villagers")


def mention(**fields: Any) -> Mention:
    """An ASSAULT in Douentza on Sunday 9 March 2025 by JNIM on the army, unless told otherwise."""
    base: dict[str, Any] = {
        "id": "m1", "document_id": "d1", "ordinal": 0, "type": "ASSAULT", "mode": "attack", "status": "asserted",
        "source": JNIM, "target": SOLDIERS, "date_start": datetime.date(2025, 3, 9),
        "date_end": datetime.date(2025, 3, 9), "date_precision": "day", "date_text": "Sunday",
        "place": DOUENTZA, "killed": None, "injured": None, "confidence": 0.8,
        "published": datetime.date(2025, 3, 10), "outlet": "a.example",
    }
    base.update(fields)
    return Mention(**base)


def day(d: int, month: int = 3) -> dict[str, Any]:
    return {"date_start": datetime.date(2025, month, d), "date_end": datetime.date(2025, month, d),
            "date_precision": "day"}


def other(**fields: Any) -> Mention:
    """The same as `mention()` but from another article of another outlet."""
    return mention(**{"id": "m2", "document_id": "d2", "outlet": "b.example", **fields})


# -- the rule: types, statuses, dates -----------------------------------------------------------------


def test_the_same_report_from_two_articles_is_linked() -> None:
    c = compare(mention(), other())
    assert c.veto is None and c.linked
    assert {"type", "same day", "same place", "same source"} <= set(c.reasons)


def test_type_families_decide_what_may_merge() -> None:
    assert compare(mention(), other(type="PROTEST", mode="demonstrate")).veto == "type family"
    assert compare(mention(type="ACCUSE", mode="condemn"), other(type="REJECT", mode="deny")).veto is None
    assert families()["COOPERATE"].name == families()["AGREE"].name
    assert families()["ASSAULT"].name != families()["COERCE"].name


def test_claimed_asserted_and_a_denied_attack_merge_but_a_plan_or_a_refusal_does_not() -> None:
    assert compare(mention(status="asserted"), other(status="claimed")).veto is None
    # "the army denied that civilians were killed in the strike" reports the strike too
    assert compare(mention(), other(status="negated")).veto is None
    assert compare(mention(), other(status="planned")).veto == "status"
    # a negated withdrawal is a refusal of one to come, not a report of one that happened
    retreat = {"type": "RETREAT", "mode": "withdraw"}
    assert compare(mention(**retreat), other(**retreat, status="negated")).veto == "status"


def test_days_apart_are_different_events_but_a_day_of_slack_is_allowed_for_acts() -> None:
    assert compare(mention(), other(**day(11))).veto == "dates"
    near = compare(mention(), other(**day(10)))
    assert near.veto is None and "near day" in near.reasons
    # A statement is dated by the day it was made: no slack.
    assert compare(mention(type="ACCUSE", **day(5, 6)), other(type="ACCUSE", **day(6, 6))).veto == "dates"


def test_a_publication_day_date_is_weak_it_only_bounds_the_days_before() -> None:
    doc_date = {"date_start": datetime.date(2025, 3, 11), "date_end": datetime.date(2025, 3, 11),
                "date_precision": "document", "published": datetime.date(2025, 3, 11)}
    c = compare(mention(), other(**doc_date))
    assert c.veto is None and c.parts.get("date") is None  # within the week before: allowed, no evidence
    assert compare(mention(**day(2)), other(**doc_date)).veto == "dates"


def test_another_day_named_in_the_sentence_lifts_a_date_veto_without_adding_evidence() -> None:
    misdated = other(**day(12), sentence_dates=((datetime.date(2025, 3, 9), datetime.date(2025, 3, 9)),))
    c = compare(mention(), misdated)
    assert c.veto is None and "sentence date" in c.reasons and "date" not in c.parts


def test_a_mention_dated_by_year_gets_no_date_evidence() -> None:
    year = {"date_start": datetime.date(2025, 1, 1), "date_end": datetime.date(2025, 12, 31), "date_precision": "year"}
    c = compare(mention(), other(**year))
    assert c.veto is None and "date" not in c.parts
    assert compare(mention(), other(date_start=datetime.date(2024, 1, 1), date_end=datetime.date(2024, 12, 31),
                                    date_precision="year")).veto == "dates"


def test_a_dateline_is_not_a_town_of_the_event() -> None:
    row = {"id": "e1", "document_id": "d1", "ordinal": 0, "type": "ASSAULT", "location_country": "SDN",
           "location_precision": "country", "sentence_places": [
        {"name": "Khartoum", "country": "SDN", "admin1": None, "lat": 15.5, "lon": 32.5, "geonameid": 1,
         "text": "KHARTOUM", "start": 0},
        {"name": "El Fasher", "country": "SDN", "admin1": None, "lat": 13.6, "lon": 25.3, "geonameid": 2,
         "text": "El Fasher", "start": 120}]}
    assert [t.name for t in Mention.from_row(row).sentence_towns] == ["El Fasher"]


# -- the rule: places -------------------------------------------------------------------------------


def test_points_within_50_km_agree_and_farther_ones_are_other_places() -> None:
    assert "same place" in compare(mention(), other(place=BONI_NEAR)).reasons
    assert compare(mention(), other(place=MOPTI)).veto == "distance"
    assert compare(mention(), other(place=DJIBO)).veto == "countries"


def test_a_country_place_only_fails_to_contradict_and_two_agree_a_little() -> None:
    c = compare(mention(), other(place=MALI))
    assert c.veto is None and "place" not in c.parts
    both = compare(mention(place=MALI), other(place=MALI))
    assert both.parts["place"] < compare(mention(), other()).parts["place"]


def test_same_admin1_agrees_and_another_admin1_vetoes() -> None:
    mopti_region = PlaceKey("Mopti", "MLI", "Mopti", 14.5, -3.5, 2453347, "admin1")
    menaka_region = PlaceKey("Ménaka", "MLI", "Ménaka", 15.9, 2.4, 2453154, "admin1")
    assert "same admin1" in compare(mention(place=mopti_region), other(place=BONI_NEAR)).reasons
    assert compare(mention(place=mopti_region), other(place=menaka_region)).veto == "admin1"


def test_towns_named_in_the_sentence_place_an_event_placed_by_country() -> None:
    named_here = other(place=MALI, sentence_towns=(BONI_NEAR,))
    assert "town named" in compare(mention(), named_here).reasons
    named_far = other(place=MALI, sentence_towns=(MENAKA,))
    assert compare(mention(), named_far).veto == "distance"


# -- the rule: actors -------------------------------------------------------------------------------


def test_actors_with_the_same_registry_id_agree_and_different_named_sources_veto() -> None:
    assert "same source" in compare(mention(), other()).reasons
    assert compare(mention(), other(source=ISGS)).veto == "source actors"


def test_one_side_missing_or_only_a_sector_is_compatible() -> None:
    assert compare(mention(), other(source=None)).veto is None
    c = compare(mention(), other(source=MILITANTS))
    assert c.veto is None and "source sector or country" in c.reasons


def test_same_country_and_sector_agree_and_other_sector_groups_veto_a_source() -> None:
    c = compare(mention(source=SOLDIERS, target=None), other(source=ActorKey(None, "MLI", "POL", "police"),
                                                              target=None))
    assert c.veto is None and "source country+sector" in c.reasons  # state forces, one group
    assert compare(mention(source=MILITANTS), other(source=SOLDIERS)).veto == "source actors"


def test_civilians_read_as_the_actor_do_not_veto() -> None:
    assert compare(mention(), other(source=VILLAGERS)).veto is None


def test_an_organisation_and_its_organ_or_a_state_and_its_army_are_related() -> None:
    un = ActorKey("UN", "IGO", "IGO", "United Nations")
    chief = ActorKey("UN_SECRETARY_GENERAL", "IGO", "IGO", "U.N. Secretary-General")
    au = ActorKey("AU", "IGO", "IGO", "African Union")
    statement = {"type": "ACCUSE", "mode": "condemn", "target": None}
    assert "related source" in compare(mention(source=un, **statement), other(source=chief, **statement)).reasons
    assert compare(mention(source=chief, **statement), other(source=au, **statement)).veto == "source actors"
    israel = ActorKey("ISR", "ISR", "GOV", "Israel")
    idf = ActorKey("IDF", "ISR", "MIL", "Israel Defense Forces")
    assert "related source" in compare(mention(source=israel), other(source=idf)).reasons


def test_different_named_targets_cost_score_but_do_not_veto() -> None:
    hezbollah = ActorKey("HEZBOLLAH", "LBN", "INS", "Hezbollah")
    unifil = ActorKey("UNIFIL", "IGO", "PKO", "UNIFIL")
    c = compare(mention(target=hezbollah), other(target=unifil))
    assert c.veto is None and c.parts["target"] < 0


def test_meeting_participants_may_swap_roles() -> None:
    gov = ActorKey("COD_GOVERNMENT", "COD", "GOV", "Congolese government")
    m23 = ActorKey("M23", "COD", "REB", "M23")
    talks = {"type": "CONSULT", "mode": "meet", "place": None}
    c = compare(mention(source=gov, target=m23, **talks), other(source=m23, target=gov, **talks))
    assert c.veto is None and c.parts["participants"] > 0
    # directed acts keep their direction: the army attacking JNIM is not JNIM attacking the army
    assert compare(mention(source=JNIM, target=MALI_ARMY), other(source=MALI_ARMY, target=JNIM)).veto is not None


# -- the rule: the threshold ------------------------------------------------------------------------


def test_absence_of_conflict_alone_never_links() -> None:
    vague = {"source": None, "target": None, "place": MALI, "mode": None}
    c = compare(mention(**vague), other(**vague))
    assert c.veto is None and c.score < LINK_SCORE  # type, day, country: not enough
    c = compare(mention(**vague), other(**{**vague, "place": None}))
    assert not c.linked


def test_a_comparison_says_the_same_either_way_round() -> None:
    # The engine reuses a comparison made in the linking for the same pair taken the other way round.
    ms = [mention(), other(), other(id="m3", place=MOPTI), other(id="m4", place=MALI, sentence_towns=(BONI_NEAR,)),
          other(id="m5", source=MILITANTS, target=VILLAGERS, **day(10)), mention(id="m6", ordinal=1, **day(10)),
          other(id="m7", type="CONSULT", source=MALI_ARMY, target=JNIM),
          other(id="m8", type="CONSULT", source=JNIM, target=MALI_ARMY, document_id="d3")]
    for a, b in itertools.permutations(ms, 2):
        there, back = compare(a, b), compare(b, a)
        assert (there.veto, dict(there.parts)) == (back.veto, dict(back.parts))


def test_shared_telling_words_count_and_common_ones_do_not() -> None:
    words = sentence_words("A car bomb exploded outside a restaurant near the KM4 junction on Saturday, police said.")
    assert {"restaurant", "km4", "junction", "bomb", "exploded"} <= words
    assert not {"saturday", "said", "near", "the", "a"} & words
    a = mention(words=frozenset({"restaurant", "km4"}), source=None, target=None, place=None)
    b = other(words=frozenset({"restaurant", "km4", "minibus"}), source=None, target=None, place=None)
    assert compare(a, b).parts["words"] == 2.0


def test_every_common_word_is_one_a_sentence_could_share() -> None:
    # Words of under four letters without a digit are never compared: listing one would be dead.
    assert [w for w in common_words() if len(w) < 4 and not any(c.isdigit() for c in w)] == []


def test_outlet_is_the_site_else_the_host_without_www() -> None:
    assert outlet_of("Sahel Dispatch", "https://x.example/a", None) == "sahel dispatch"
    assert outlet_of(None, "https://www.Sahel-Dispatch.example/2025/a", None) == "sahel-dispatch.example"
    assert outlet_of(None, None, "https://feeds.example.org/item/1") == "feeds.example.org"
    assert outlet_of(None, None, "news/a.txt") is None


# -- clustering -----------------------------------------------------------------------------------


def test_a_vague_report_joins_one_event_and_never_bridges_two() -> None:
    douentza = mention(id="a1", document_id="da")
    mopti = mention(id="b1", document_id="db", place=MOPTI, source=MILITANTS, target=None)
    vague = mention(id="c1", document_id="dc", place=MALI, source=MILITANTS, target=None)
    clusters = group_mentions([douentza, mopti, vague])
    assert sorted(len(c.members) for c in clusters) == [1, 2]
    assert not any({"a1", "b1"} <= {m.id for m in c.members} for c in clusters)


def test_clusters_and_ids_do_not_depend_on_input_order() -> None:
    ms = [
        mention(id="a1", document_id="da", killed=9),
        mention(id="b1", document_id="db", outlet="b.example", killed=14, published=datetime.date(2025, 3, 11)),
        mention(id="c1", document_id="dc", outlet="c.example", place=MALI, **day(10)),
        mention(id="e1", document_id="de", place=MENAKA, source=ISGS),
        mention(id="f1", document_id="df", place=MENAKA, source=None, outlet="f.example"),
    ]
    expected = {(c.id, tuple(sorted(m.id for m in c.members))) for c in group_mentions(ms)}
    for order in itertools.permutations(ms):
        assert {(c.id, tuple(sorted(m.id for m in c.members))) for c in group_mentions(list(order))} == expected
    assert len(expected) == 2


def test_a_cluster_is_named_after_its_earliest_report() -> None:
    early = mention(id="late-in-file", document_id="dz", published=datetime.date(2025, 3, 9))
    late = mention(id="a-first-in-file", document_id="da", published=datetime.date(2025, 3, 12))
    [cluster] = group_mentions([late, early])
    assert cluster.founder.id == "late-in-file"
    assert cluster.id == content_id("cluster", "late-in-file")


def test_summary_keeps_the_lowest_toll_best_date_and_place_and_counts_sources() -> None:
    members = [
        mention(id="a", document_id="d1", killed=14, outlet="a.example", place=MALI),
        mention(id="b", document_id="d2", killed=9, outlet="b.example"),
        mention(id="c", document_id="d3", killed=None, outlet="b.example", injured=4),
        mention(id="d", document_id="d3", killed=32, status="claimed", outlet="b.example",
                date_precision="document", date_start=datetime.date(2025, 3, 10),
                date_end=datetime.date(2025, 3, 10)),
    ]
    [cluster] = group_mentions(members)
    row = summarize(cluster)
    assert row["killed"] == 9  # ACLED: the lowest of the tolls reported
    assert row["injured"] == 4
    assert (row["num_mentions"], row["num_articles"], row["num_sources"]) == (4, 3, 2)
    assert row["outlets"] == ["a.example", "b.example"]
    assert (row["date_precision"], row["date_start"]) == ("day", datetime.date(2025, 3, 9))
    assert (row["location_precision"], row["location_name"]) == ("point", "Douentza")
    assert row["source_actor_id"] == "JNIM" and row["status"] == "asserted"


def test_documents_without_an_outlet_count_as_one_source_each() -> None:
    [cluster] = group_mentions([mention(id="a", document_id="d1", outlet=None),
                                mention(id="b", document_id="d2", outlet=None)])
    assert summarize(cluster)["num_sources"] == 2


# -- the store: incremental clustering, stable ids, re-ingest -------------------------------------------

WORLD = {
    # article id: (published, url, text, [(sentence, trigger, type, fields)])
    "sahel-a": ("2025-03-10", "https://www.sahel-a.example/1",
                "Militants attacked an army post in Douentza on Sunday, killing nine soldiers.", [
                    ("Militants attacked an army post in Douentza on Sunday, killing nine soldiers.", "attacked",
                     "ASSAULT", {"source": "JNIM", "place": "Douentza", "date": "2025-03-09", "killed": 9}),
                ]),
    "wire-b": ("2025-03-10", "https://wire-b.example/2",
               "At least 14 soldiers died when JNIM fighters raided the Douentza post on Sunday.", [
                   ("At least 14 soldiers died when JNIM fighters raided the Douentza post on Sunday.", "raided",
                    "ASSAULT", {"source": "JNIM", "place": "Douentza", "date": "2025-03-09", "killed": 14}),
               ]),
    "radio-c": ("2025-03-11", "https://radio-c.example/3",
                "JNIM said it killed 32 soldiers in Sunday's raid near Douentza. "
                "Hundreds protested in Bamako on Tuesday against the army's losses.", [
                    ("JNIM said it killed 32 soldiers in Sunday's raid near Douentza.", "killed", "ASSAULT",
                     {"source": "JNIM", "place": "Mali", "date": "2025-03-09", "killed": 32, "status": "claimed"}),
                    ("Hundreds protested in Bamako on Tuesday against the army's losses.", "protested", "PROTEST",
                     {"source": "protesters", "place": "Bamako", "date": "2025-03-11"}),
                ]),
    "post-d": ("2025-03-11", "https://post-d.example/4",
               "Gunmen of the Islamic State killed six traders near Menaka on Sunday. "
               "Protesters rallied in Bamako on Tuesday to demand more security.", [
                   ("Gunmen of the Islamic State killed six traders near Menaka on Sunday.", "killed", "ASSAULT",
                    {"source": "ISGS", "place": "Menaka", "date": "2025-03-09", "killed": 6}),
                   ("Protesters rallied in Bamako on Tuesday to demand more security.", "rallied", "PROTEST",
                    {"source": "protesters", "place": "Bamako", "date": "2025-03-11"}),
               ]),
}
ACTORS = {"JNIM": ("JNIM", "MLI", "INS", "JNIM"), "ISGS": ("Islamic State Sahel Province", "MLI", "INS", "ISGS"),
          "protesters": ("protesters", "MLI", "PRO", None)}
PLACES = {"Douentza": ("MLI", "Mopti", 15.0, -2.95, 2455517, "point"),
          "Menaka": ("MLI", "Ménaka", 15.92, 2.4, 2453155, "point"),
          "Bamako": ("MLI", "Bamako", 12.65, -8.0, 2460596, "point"),
          "Mali": ("MLI", None, 17.57, -3.99, 2453866, "country")}


def world_document(article: str) -> dict[str, Any]:
    published, url, text, reports = WORLD[article]
    doc_id = content_id(normalize_text(text))
    events = []
    for ordinal, (sentence, trigger, type_, f) in enumerate(reports):
        s_start, t_start = text.index(sentence), text.index(trigger, text.index(sentence))
        name, country, sector, key = ACTORS[f["source"]]
        p_country, admin1, lat, lon, gid, precision = PLACES[f["place"]]
        events.append({
            "id": content_id(doc_id, type_, str(t_start)), "type": type_, "mode": None, "context": [],
            "status": f.get("status", "asserted"),
            "source": {"text": name, "name": name, "country": country, "sector": sector, "id": key,
                       "start": None, "end": None},
            "target": None,
            "date": {"text": None, "start": f["date"], "end": f["date"], "precision": "day"},
            "location": {"text": f["place"], "name": f["place"], "country": p_country, "admin1": admin1, "lat": lat,
                         "lon": lon, "geonameid": gid, "precision": precision, "start": None, "end": None},
            "killed": f.get("killed"), "injured": None, "quantity": None, "cameo": None, "quad_class": None,
            "goldstein": None, "acled": None, "quote": None,
            "evidence": {"sentence": sentence, "sentence_index": ordinal, "start": s_start,
                         "end": s_start + len(sentence), "trigger": trigger, "trigger_start": t_start,
                         "trigger_end": t_start + len(trigger)},
            "confidence": 0.8,
        })
    return {"document": {"id": doc_id, "source": url, "input_id": article, "title": None, "published": published,
                         "language": "en", "text_chars": len(text), "author": None, "site": None, "url": url,
                         "captions": [], "text": text},
            "events": events, "places": [], "times": [], "actors": []}


def clustered_state(store: Store) -> tuple[dict[str, str], list[dict[str, Any]]]:
    return store.cluster_assignments(), store.clusters()


def ingest_one_by_one(path: Path, order: list[str]) -> tuple[dict[str, str], list[dict[str, Any]]]:
    with Store(path) as store:
        for article in order:
            store.add([world_document(article)])
            cluster_new(store)
        return clustered_state(store)


def test_the_world_clusters_into_its_real_events(tmp_path: Path) -> None:
    assignments, clusters = ingest_one_by_one(tmp_path / "a.duckdb", list(WORLD))
    by_size = sorted((c["num_mentions"], c["num_articles"], c["num_sources"], c["type"], c["killed"])
                     for c in clusters)
    # the Douentza raid (three reports), the Bamako protest (two), the Menaka attack (one)
    assert by_size == [(1, 1, 1, "ASSAULT", 6), (2, 2, 2, "PROTEST", None), (3, 3, 3, "ASSAULT", 9)]
    raid = next(c for c in clusters if c["num_mentions"] == 3)
    assert raid["outlets"] == ["radio-c.example", "sahel-a.example", "wire-b.example"]
    assert raid["location"]["name"] == "Douentza" and raid["date"]["start"] == "2025-03-09"
    assert len(assignments) == 6


def test_cluster_ids_do_not_depend_on_ingest_order_or_batches(tmp_path: Path) -> None:
    forward = ingest_one_by_one(tmp_path / "f.duckdb", list(WORLD))
    backward = ingest_one_by_one(tmp_path / "b.duckdb", list(reversed(WORLD)))
    shuffled = ingest_one_by_one(tmp_path / "s.duckdb", ["radio-c", "sahel-a", "post-d", "wire-b"])
    with Store(tmp_path / "all.duckdb") as store:
        store.add([world_document(a) for a in WORLD])
        cluster_new(store)
        at_once = clustered_state(store)
        cluster_new(store, rebuild=True)
        rebuilt = clustered_state(store)
    assert forward == backward == shuffled == at_once == rebuilt


def test_reingesting_is_a_no_op(tmp_path: Path) -> None:
    with Store(tmp_path / "r.duckdb") as store:
        store.add([world_document(a) for a in WORLD])
        cluster_new(store)
        before = clustered_state(store)
        added = store.add([world_document(a) for a in WORLD])
        report = cluster_new(store)
        assert added.documents_added == 0
        assert (report.new_mentions, report.clusters_added, report.clusters_removed) == (0, 0, 0)
        assert clustered_state(store) == before


def test_a_later_report_joins_without_renaming_the_event(tmp_path: Path) -> None:
    with Store(tmp_path / "j.duckdb") as store:
        store.add([world_document("sahel-a"), world_document("wire-b")])  # both of 10 March
        cluster_new(store)
        [first] = store.clusters()
        store.add([world_document("radio-c")])  # of 11 March
        report = cluster_new(store)
        raid = next(c for c in store.clusters() if c["type"] == "ASSAULT")
        assert raid["id"] == first["id"] and raid["num_articles"] == 3
        assert report.new_mentions == 2 and report.clusters_removed == 0
        assert raid["killed"] == 9  # 9, 14 and a claimed 32: the lowest


def test_a_later_report_of_a_type_the_ontology_does_not_know_joins_the_stored_one(tmp_path: Path) -> None:
    # A store written by other tools: its type is a family of its own, and its stored mentions are found.
    docs = [world_document("sahel-a"), world_document("wire-b")]
    for doc in docs:
        doc["events"][0]["type"] = "EXPLODE"
    with Store(tmp_path / "u.duckdb") as store:
        for doc in docs:
            store.add([doc])
            cluster_new(store)
        streamed = store.cluster_assignments()
        cluster_new(store, rebuild=True)
        assert streamed == store.cluster_assignments()
        assert [c["num_mentions"] for c in store.clusters()] == [2]


def test_stored_mentions_are_found_as_far_as_the_widest_family_slack_reaches(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # With 20 days of slack an attack stored as of 24 March reaches back to the new report of the 9th.
    wide = {**families(), "ASSAULT": Family("ASSAULT", 20, False)}
    monkeypatch.setattr(rule, "families", lambda: wide)
    monkeypatch.setattr(cluster, "families", lambda: wide)
    later, earlier = world_document("wire-b"), world_document("sahel-a")
    later["document"]["published"] = "2025-03-25"
    later["events"][0]["date"].update(start="2025-03-24", end="2025-03-24")
    with Store(tmp_path / "w.duckdb") as store:
        for doc in (later, earlier):
            store.add([doc])
            cluster_new(store)
        streamed = store.cluster_assignments()
        cluster_new(store, rebuild=True)
        assert streamed == store.cluster_assignments()
        assert [c["num_mentions"] for c in store.clusters()] == [2]


def test_cluster_filters_match_any_mention(tmp_path: Path) -> None:
    with Store(tmp_path / "q.duckdb") as store:
        store.add([world_document(a) for a in WORLD])
        cluster_new(store)
        assert [c["type"] for c in store.clusters(type="protest")] == ["PROTEST"]
        assert {c["num_mentions"] for c in store.clusters(actor="jnim")} == {3}
        assert store.clusters(since=datetime.date(2025, 3, 10), type="ASSAULT") == []
        assert len(store.clusters(country="MLI", limit=2)) == 2
        assert store.cluster_counts() == {"clusters": 3, "clustered_mentions": 6, "unclustered_mentions": 0}


def test_migration_0003_does_not_need_the_ingest_job_tables(tmp_path: Path) -> None:
    shipped = Path(str(resources.files("tacitus.store") / "migrations"))
    folder = tmp_path / "migrations"
    folder.mkdir()
    for name in ("0001_initial.sql", "0003_event_clusters.sql"):
        shutil.copy(shipped / name, folder / name)
    with Store(tmp_path / "m.duckdb", migrations_dir=folder) as store:
        store.add([world_document("sahel-a")])
        assert cluster_new(store).clusters == 1


# -- the command line -------------------------------------------------------------------------------


@pytest.fixture()
def world_db(tmp_path: Path) -> Path:
    path = tmp_path / "w.duckdb"
    with Store(path) as store:
        store.add([world_document(a) for a in WORLD])
    return path


def test_events_show_clusters_by_default_and_mentions_on_request(world_db: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["cluster", "--db", str(world_db)])
    assert result.exit_code == 0, result.output
    default = runner.invoke(cli, ["events", "--db", str(world_db), "--format", "json"])
    clusters = [json.loads(line) for line in default.stdout.splitlines()]
    assert len(clusters) == 3 and {"num_mentions", "num_articles", "num_sources", "mentions"} <= set(clusters[0])
    mentions = runner.invoke(cli, ["events", "--db", str(world_db), "--mentions", "--format", "json"])
    assert len(mentions.stdout.splitlines()) == 6
    table = runner.invoke(cli, ["events", "--db", str(world_db)])
    assert "3 event(s)" in table.stdout and "articles" in table.stdout
    table = runner.invoke(cli, ["events", "--db", str(world_db), "--mentions"])
    assert "6 event(s)" in table.stdout and "trigger" in table.stdout


def test_events_filters_work_for_clusters_and_mentions(world_db: Path) -> None:
    runner = CliRunner()
    runner.invoke(cli, ["cluster", "--db", str(world_db)])
    for extra, clusters, mentions in ((["--type", "PROTEST"], 1, 2), (["--actor", "Islamic"], 1, 1),
                                      (["--since", "2025-03-10"], 1, 2), (["--country", "BFA"], 0, 0)):
        got = runner.invoke(cli, ["events", "--db", str(world_db), "--format", "json", *extra])
        assert len(got.stdout.splitlines()) == clusters, extra
        got = runner.invoke(cli, ["events", "--db", str(world_db), "--format", "json", "--mentions", *extra])
        assert len(got.stdout.splitlines()) == mentions, extra
    csv_out = runner.invoke(cli, ["events", "--db", str(world_db), "--format", "csv"]).stdout.splitlines()
    assert csv_out[0].startswith("id,type,family") and len(csv_out) == 4


def test_events_say_when_mentions_wait_for_clustering(world_db: Path) -> None:
    result = CliRunner().invoke(cli, ["events", "--db", str(world_db)])
    assert result.exit_code == 0
    assert "6 event mention(s) not clustered yet" in result.stderr
    assert "0 event(s)" in result.stdout


# -- the evaluation ---------------------------------------------------------------------------------


def test_the_cluster_gold_loads_and_every_cue_is_unique_in_its_article() -> None:
    gold = read_cluster_gold(GOLD_DIR)
    assert len(gold.texts) >= 24 and len(gold.events) >= 20
    for text in gold.texts.values():
        assert 180 <= len(text.split()) <= 400
    multi = [e for e in gold.events if len({m.article for m in e.mentions}) >= 3]
    assert len(multi) >= 6  # the groups of three or four articles


def test_a_cue_that_is_not_unique_is_refused(tmp_path: Path) -> None:
    shutil.copy(GOLD_DIR / "articles.jsonl", tmp_path / "articles.jsonl")
    gold = json.loads((GOLD_DIR / "gold.json").read_text(encoding="utf-8"))
    gold["events"][0]["mentions"][0]["cue"] = "the"
    (tmp_path / "gold.json").write_text(json.dumps(gold), encoding="utf-8")
    with pytest.raises(InputError, match="cue 'the' occurs"):
        read_cluster_gold(tmp_path)


def aligned(event: str, gold_event: str, cluster: str, article: str = "a") -> AlignedMention:
    return AlignedMention(event, article, "ASSAULT", "attacked", gold_event, cluster)


def test_pair_and_bcubed_figures() -> None:
    gold = (GoldEvent("g1", "ASSAULT", "", (GoldMention("a", "x"),)), GoldEvent("g2", "ASSAULT", "", ()))
    report = ClusterReport(articles=3, system_mentions=5, clusters=2, gold=gold, aligned=[
        aligned("e1", "g1", "c1", "a"), aligned("e2", "g1", "c1", "b"), aligned("e3", "g1", "c2", "c"),
        aligned("e4", "g2", "c2", "c"),
    ])
    f = report.figures()
    # pairs in one cluster: e1-e2 (right), e3-e4 (wrong); pairs in one gold event: e1-e2, e1-e3, e2-e3
    assert f["pair_precision"] == pytest.approx(1 / 2)
    assert f["pair_recall"] == pytest.approx(1 / 3)
    bp = (1 + 1 + 0.5 + 0.5) / 4
    br = (2 / 3 + 2 / 3 + 1 / 3 + 1) / 4
    assert f["bcubed_f1"] == pytest.approx(2 * bp * br / (bp + br))
    assert report.merges() == [("c2", {"g1": 1, "g2": 1})]
    assert report.splits() == [("g1", {"c1": 2, "c2": 1})]
    assert "pair_precision=0.500" in report.format()
    assert report.to_dict()["figures"]["pair_recall"] == pytest.approx(0.3333)


def test_scoring_aligns_system_mentions_by_article_type_and_cue() -> None:
    gold = read_cluster_gold(GOLD_DIR)
    text = gold.texts["mali-douentza-2"]
    sentence = next(s for s in text.split("\n\n") if "raided" in s).split(", the army")[0]
    doc = world_document("sahel-a")
    doc["document"]["input_id"] = "mali-douentza-2"
    doc["events"][0]["evidence"]["sentence"] = sentence
    doc["events"].append({**doc["events"][0], "id": "unaligned", "type": "PROTEST"})
    report = score_documents(gold, [doc])
    assert [(m.gold_event, m.event_id) for m in report.aligned] == [("douentza-raid", doc["events"][0]["id"])]
    assert (report.system_mentions, report.unaligned, report.gold_found) == (2, 1, 1)
    assert report.rebuild_identical


def test_a_mention_matching_no_cue_is_unaligned() -> None:
    gold = read_cluster_gold(GOLD_DIR)
    doc = world_document("sahel-a")
    doc["document"]["input_id"] = "mali-douentza-2"
    report = score_documents(gold, [replace_sentence(doc, "Nothing of the gold is here.")])
    assert report.aligned == [] and report.unaligned == 1


def replace_sentence(doc: dict[str, Any], sentence: str) -> dict[str, Any]:
    doc["events"][0]["evidence"]["sentence"] = sentence
    return doc


def test_mentions_keep_their_fields_through_the_store(tmp_path: Path) -> None:
    with Store(tmp_path / "k.duckdb") as store:
        store.add([world_document("radio-c")])
        rows = {r["id"]: Mention.from_row(r) for r in store.mentions_for_clustering()}
    claimed = next(m for m in rows.values() if m.type == "ASSAULT")
    assert claimed.status == "claimed" and claimed.killed == 32 and claimed.outlet == "radio-c.example"
    assert claimed.source is not None and claimed.source.id == "JNIM"
    assert claimed.place is not None and claimed.place.precision == "country"
    assert claimed.published == datetime.date(2025, 3, 11)
    assert "raid" in claimed.words


def test_one_article_dating_two_acts_on_two_days_tells_them_apart() -> None:
    # Across articles a day of slack allows for how each dated the act; one writer dating two acts
    # on Sunday and Monday means two acts.
    assert "near day" in compare(mention(), other(**day(10))).reasons
    assert compare(mention(), mention(id="m2", ordinal=3, **day(10))).veto == "dates"
    # Talks run over days: their mentions in one article may date the first or the second day.
    talks = {"type": "CONSULT", "mode": "meet", "source": MALI_ARMY, "target": JNIM}
    assert compare(mention(**talks), mention(id="m2", ordinal=3, **talks, **day(10))).veto is None


def test_a_statements_place_never_vetoes_an_acts_does() -> None:
    assert compare(mention(), other(place=MENAKA)).veto == "distance"
    condemn = {"type": "ACCUSE", "mode": "condemn", "source": MALI_ARMY, "target": JNIM}
    c = compare(mention(**condemn), other(**condemn, place=MENAKA))
    assert c.veto is None and c.linked


def test_clusters_one_event_was_split_into_by_processing_order_are_joined() -> None:
    # A precise report founds its cluster first; a vaguer one from another article founds a second,
    # too weak to join the first alone; a vague report in the first article links the two.
    week = {"date_start": datetime.date(2025, 3, 4), "date_end": datetime.date(2025, 3, 10),
            "date_precision": "week"}
    precise = mention(id="a", type="ASSAULT", mode="airstrike", source=MALI_ARMY, target=MILITANTS, **week)
    vague_same_article = mention(id="b", ordinal=5, mode="airstrike", source=None, target=None, place=MALI,
                                 **day(10))
    elsewhere = other(id="c", mode="airstrike", source=SOLDIERS, target=None, place=MALI, **day(10))
    [cluster] = group_mentions([precise, vague_same_article, elsewhere])
    assert {m.id for m in cluster.members} == {"a", "b", "c"}
    # Never across a veto: a report of another named actor's act stays apart.
    rival = other(id="d", document_id="d4", source=ISGS, target=SOLDIERS, **day(10))
    clusters = group_mentions([precise, vague_same_article, elsewhere, rival])
    assert {frozenset(m.id for m in c.members) for c in clusters} == {frozenset("abc"), frozenset("d")}



def test_unidentified_gunmen_act_with_armed_groups_never_with_the_state() -> None:
    gunmen = ActorKey(None, None, "OTH", "gunmen")
    assert compare(mention(source=gunmen), other(source=MALI_ARMY)).veto == "source actors"
    assert compare(mention(source=gunmen), other(source=MILITANTS)).veto is None
