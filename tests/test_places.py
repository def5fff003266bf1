"""Place resolution: candidates, homonym ranking with article context, and the place of an event.

Rules are tested on hand-built parses against a small GeoNames-like gazetteer (made-up towns, so
the test decides which homonym is bigger); the real model and index are checked on short articles.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
import spacy
from spacy.language import Language
from spacy.tokens import Doc

from tacitus.errors import DataError
from tacitus.nlp import load_nlp
from tacitus.resolve.gazetteer import Gazetteer, GeoEntry
from tacitus.resolve.places import (
    DEMONYM,
    EMBEDDED,
    LITERAL,
    METONYM,
    PlaceMention,
    acted_on_place,
    capital_of,
    earlier_place,
    event_place,
    in_another_time,
    read_admin_abbreviations,
    resolve_places,
)

MALI = GeoEntry(2453866, "Mali", "MLI", 17.57, -3.99, 19_000_000, "country", None)
SENEGAL = GeoEntry(2245662, "Senegal", "SEN", 14.5, -14.45, 16_000_000, "country", None)
USA = GeoEntry(6252001, "United States", "USA", 37.09, -95.71, 330_000_000, "country", None)
KORA_REGION = GeoEntry(0, "Kora", "MLI", 15.0, -2.0, 0, "admin1", "Kora")
KORA = GeoEntry(900001, "Kora", "MLI", 15.0, -2.0, 20_000, "city", "Kora")
DARA_MLI = GeoEntry(900002, "Dara", "MLI", 15.2, -2.3, 3_000, "city", "Kora")
DARA_SEN = GeoEntry(900003, "Dara", "SEN", 14.0, -16.0, 60_000, "city", "Sine")
SINE = GeoEntry(0, "Sine", "SEN", 14.2, -16.2, 0, "admin1", "Sine")
DAKAR = GeoEntry(2253354, "Dakar", "SEN", 14.69, -17.44, 2_500_000, "city", None)
MALI_TOWN = GeoEntry(900004, "Mali", "SEN", 12.1, -12.3, 500_000, "city", None)  # bigger than most towns
CONGRESS = GeoEntry(900005, "Congress", "MLI", 15.5, -3.0, 2_000, "city", "Kora")
GEORGIA = GeoEntry(614540, "Georgia", "GEO", 42.32, 43.36, 3_700_000, "country", None)
GEORGIA_STATE = GeoEntry(0, "Georgia", "USA", 33.1, -83.65, 0, "admin1", "Georgia")
ATLANTA = GeoEntry(4180439, "Atlanta", "USA", 33.749, -84.38798, 500_000, "city", "Georgia")
WASHINGTON = GeoEntry(4140963, "Washington", "USA", 38.89511, -77.03637, 689_545, "city", None)
# Regions and the traps of real alternate names, on made-up towns: a continent's name ("Africa" for
# Mahdia), an acronym's lower-case twin ("Ai"), a translation ("White House" for Casablanca), a word
# ("Transit"), a spelling ("Dakkar" for Dakar).
AFRICA = GeoEntry(6255146, "Africa", None, 7.19, 21.09, 1_031_833_000, "region", None, ("MLI", "SEN"))
SAHEL = GeoEntry(6255150, "Sahel", None, 14.5, 2.0, 0, "region", None, ("MLI", "SEN"))
SAHEL_MLI = GeoEntry(0, "Sahel", "MLI", 14.9, -1.5, 0, "admin1", "Sahel")
SOUTH_SEN = GeoEntry(0, "South", "SEN", 12.9, -15.6, 0, "admin1", "South")
MAHDIA = GeoEntry(900010, "Mahdia", "SEN", 13.5, -15.0, 50_000, "city", None)
BAXTER = GeoEntry(900011, "Baxter", "USA", 46.34, -94.29, 8_000, "city", None)
KASBAH = GeoEntry(900012, "Kasbah", "SEN", 14.0, -16.9, 3_000_000, "city", None)
DARA_SALAM = GeoEntry(900013, "Dara Salam", "SEN", 14.1, -15.9, 5_000, "city", "Sine")
SUMMIT = GeoEntry(900014, "Summit", "USA", 40.7, -74.4, 22_000, "city", None)
DEJ = GeoEntry(900015, "Dej", "SEN", 14.3, -16.0, 38_000, "city", None)
NDIOSMONE = GeoEntry(900016, "Ndiosmone", "SEN", 14.4, -16.2, 30_000, "city", None)
TIVAOUANE = GeoEntry(900017, "Tivaouane", "SEN", 14.95, -16.82, 300_000, "city", None)
TIVAOUANE_USA = GeoEntry(900018, "New Tiva", "USA", 40.0, -80.0, 40_000, "city", None)


@pytest.fixture(scope="module")
def small() -> Gazetteer:
    return Gazetteer.from_entries(
        [MALI, SENEGAL, USA, KORA_REGION, KORA, DARA_MLI, DARA_SEN, SINE, DAKAR, MALI_TOWN, CONGRESS,
         WASHINGTON, GEORGIA, GEORGIA_STATE, ATLANTA, AFRICA, SAHEL, SAHEL_MLI, SOUTH_SEN, MAHDIA, BAXTER,
         KASBAH, DARA_SALAM, SUMMIT, DEJ, NDIOSMONE, TIVAOUANE, TIVAOUANE_USA],
        alternates={4140963: ["D.C.", "Washington D.C."], 6252001: ["US", "U.S."], 900010: ["Africa"],
                    900011: ["Ai"], 900012: ["White House"], 900015: ["Des"], 900016: ["Transit"],
                    2253354: ["Dakkar"], 900018: ["Tivaouane"]},
        demonyms={"MLI": ["Malian", "Malians"], "SEN": ["Senegalese"]},
        capitals=[2253354, 4140963],
    )


VOCAB = spacy.blank("en").vocab  # English lexical attributes (lower-case forms)
_NO_SPACE_BEFORE = {",", ".", ")", "'s"}


def parse(spec: str) -> Doc:
    """A hand-built parse, one token per line: `word POS dep head [ENT]`, heads 0-based; a token with
    the dep `hyph` is a hyphen written without spaces ("Kora-controlled")."""
    rows = [line.split() for line in spec.strip().splitlines()]
    words = [r[0] for r in rows]
    glued = {i for i, r in enumerate(rows) if r[2] == "hyph"}
    spaces = [i + 1 < len(words) and words[i + 1] not in _NO_SPACE_BEFORE and words[i] != "("
              and i not in glued and i + 1 not in glued for i in range(len(words))]
    ents: list[str] = []
    for i, r in enumerate(rows):
        label = r[4] if len(r) > 4 else None
        if label is None:
            ents.append("O")
        else:
            continuing = i > 0 and len(rows[i - 1]) > 4 and rows[i - 1][4] == label and words[i - 1] != ","
            ents.append(("I-" if continuing else "B-") + label)
    return Doc(VOCAB, words=words, spaces=spaces, pos=[r[1] for r in rows], deps=[r[2] for r in rows],
               heads=[int(r[3]) for r in rows], ents=ents)


def one(mentions: Sequence[PlaceMention], text: str) -> PlaceMention:
    found = [m for m in mentions if m.span.text == text]
    assert len(found) == 1, [m.span.text for m in mentions]
    return found[0]


CLASHES_IN_DARA = """
Clashes NOUN nsubj 1
erupted VERB ROOT 1
in ADP prep 1
Dara PROPN pobj 2 GPE
. PUNCT punct 1
"""


# ----- ranking ----------------------------------------------------------------------------------------

def test_bare_name_goes_to_the_bigger_town(small: Gazetteer) -> None:
    dara = one(resolve_places(parse(CLASHES_IN_DARA), small), "Dara")
    assert (dara.ref.country, dara.ref.geonameid, dara.ref.precision) == ("SEN", 900003, "point")
    assert dara.locative


def test_country_hint_moves_a_name_to_the_hinted_country(small: Gazetteer) -> None:
    dara = one(resolve_places(parse(CLASHES_IN_DARA), small, country_hint=["MLI"]), "Dara")
    assert dara.ref.geonameid == 900002


def test_article_focus_picks_the_homonym(small: Gazetteer) -> None:
    doc = parse("""
Malian ADJ amod 1 NORP
troops NOUN nsubj 2
said VERB ROOT 2
clashes NOUN nsubj 4
erupted VERB ccomp 2
in ADP prep 4
Dara PROPN pobj 5 GPE
. PUNCT punct 2
""")
    mentions = resolve_places(doc, small)
    # "Malian" names the country the troops are from, not a place where anything happened.
    assert [(m.span.text, m.use, m.locative) for m in mentions] == [("Malian", DEMONYM, False),
                                                                    ("Dara", LITERAL, True)]
    assert mentions[1].ref.country == "MLI"


def test_town_region_pair_picks_the_town_in_that_region(small: Gazetteer) -> None:
    doc = parse("""
Clashes NOUN nsubj 1
erupted VERB ROOT 1
in ADP prep 1
Dara PROPN pobj 2 GPE
, PUNCT punct 3
Kora PROPN appos 3 GPE
. PUNCT punct 1
""")
    mentions = resolve_places(doc, small)
    assert [m.span.text for m in mentions] == ["Dara", "Kora"]
    dara, kora = mentions
    assert (dara.ref.geonameid, dara.ref.admin1) == (900002, "Kora")  # not the bigger Senegalese Dara
    assert (kora.ref.precision, kora.ref.name) == ("admin1", "Kora")
    assert dara.locative and kora.locative


def test_region_wording_picks_the_region_and_a_bare_name_the_town(small: Gazetteer) -> None:
    region = parse("""
Clashes NOUN nsubj 1
erupted VERB ROOT 1
in ADP prep 1
the DET det 5
Kora PROPN compound 5 GPE
region NOUN pobj 2
. PUNCT punct 1
""")
    assert one(resolve_places(region, small), "Kora").ref.precision == "admin1"
    town = parse(CLASHES_IN_DARA.replace("Dara", "Kora"))
    kora = one(resolve_places(town, small), "Kora")
    assert (kora.ref.precision, kora.ref.geonameid) == ("point", 900001)


def test_country_name_beats_a_town_of_that_name(small: Gazetteer) -> None:
    doc = parse("""
Senegalese ADJ amod 1 NORP
troops NOUN nsubj 2
arrived VERB ROOT 2
in ADP prep 2
Mali PROPN pobj 3 GPE
from ADP prep 2
Dakar PROPN pobj 5 GPE
. PUNCT punct 2
""")
    mentions = resolve_places(doc, small)
    assert [(m.span.text, m.ref.precision, m.ref.country) for m in mentions] == [
        ("Senegalese", "country", "SEN"), ("Mali", "country", "MLI"), ("Dakar", "point", "SEN")]


def test_a_region_other_places_lie_in_beats_a_country_of_its_name(small: Gazetteer) -> None:
    doc = parse("""
Voters NOUN nsubj 3
in ADP prep 0
Georgia PROPN pobj 1 GPE
queued VERB ROOT 3
in ADP prep 3
Atlanta PROPN pobj 4 GPE
. PUNCT punct 3
""")
    georgia = one(resolve_places(doc, small), "Georgia")
    assert (georgia.ref.country, georgia.ref.precision) == ("USA", "admin1")
    alone = one(resolve_places(parse(CLASHES_IN_DARA.replace("Dara", "Georgia")), small), "Georgia")
    assert (alone.ref.country, alone.ref.precision) == ("GEO", "country")


# ----- candidates ---------------------------------------------------------------------------------

def test_weak_tags_count_only_after_a_locative_preposition(small: Gazetteer) -> None:
    near = parse("""
Gunmen NOUN nsubj 1
struck VERB ROOT 1
near ADP prep 1
Kora PROPN pobj 2 PERSON
. PUNCT punct 1
""")
    assert one(resolve_places(near, small), "Kora").ref.geonameid == 900001
    subject = parse("""
Kora PROPN nsubj 1 PERSON
spoke VERB ROOT 1
. PUNCT punct 1
""")
    assert resolve_places(subject, small) == []


def test_untagged_proper_noun_after_preposition_and_institutions(small: Gazetteer) -> None:
    doc = parse("""
Troops NOUN nsubj 1
clashed VERB ROOT 1
near ADP prep 1
Kora PROPN pobj 2
as SCONJ mark 8
members NOUN nsubj 8
in ADP prep 5
Congress PROPN pobj 6 ORG
voted VERB advcl 1
. PUNCT punct 1
""")
    assert [m.span.text for m in resolve_places(doc, small)] == ["Kora"]


def test_dateline_is_a_place_but_not_locative(small: Gazetteer) -> None:
    doc = parse("""
DAKAR PROPN nsubj 5
, PUNCT punct 0
Senegal PROPN appos 0 GPE
- PUNCT punct 5
Troops NOUN nsubj 5
arrived VERB ROOT 5
. PUNCT punct 5
""")
    mentions = resolve_places(doc, small)
    assert [(m.span.text, m.ref.geonameid, m.locative) for m in mentions] == [
        ("DAKAR", 2253354, False), ("Senegal", 2245662, False)]


def test_city_comma_alias_is_one_mention(small: Gazetteer) -> None:
    doc = parse("""
Officials NOUN nsubj 1
met VERB ROOT 1
in ADP prep 1
Washington PROPN pobj 2 GPE
, PUNCT punct 3
D.C. PROPN appos 3 GPE
. PUNCT punct 1
""")
    mentions = resolve_places(doc, small)
    assert len(mentions) == 1
    m = mentions[0]
    assert m.span.text == "Washington, D.C." and m.ref.geonameid == 4140963
    assert doc.text[m.ref.start:m.ref.end] == "Washington, D.C."


def test_mentions_in_text_order_with_offsets(small: Gazetteer) -> None:
    doc = parse("""
Clashes NOUN nsubj 1
erupted VERB ROOT 1
in ADP prep 1
Dakar PROPN pobj 2 GPE
and CCONJ cc 3
Mali PROPN conj 3 GPE
. PUNCT punct 1
""")
    mentions = resolve_places(doc, small)
    assert [m.ref.text for m in mentions] == ["Dakar", "Mali"]
    for m in mentions:
        assert m.ref.start is not None and doc.text[m.ref.start:m.ref.end] == m.ref.text
    assert all(m.locative for m in mentions)  # "Mali" is locative through the conjunction


# ----- regions ----------------------------------------------------------------------------------------

def test_a_continent_beats_a_town_that_has_its_name(small: Gazetteer) -> None:
    doc = parse("""
Most ADJ nsubj 1
are AUX ROOT 1
in ADP prep 1
Africa PROPN pobj 2 LOC
. PUNCT punct 1
""")
    for hint in ((), ("SEN",)):  # not even in a Senegal story is it the Senegalese town
        africa = one(resolve_places(doc, small, hint), "Africa")
        assert (africa.ref.name, africa.ref.country, africa.ref.precision) == ("Africa", None, "region")
        assert (africa.ref.geonameid, africa.ref.lat, africa.ref.lon) == (6255146, 7.19, 21.09)


RAIDS_ACROSS_THE_SAHEL = """
Raids NOUN nsubj 1
spread VERB ROOT 1
across ADP prep 1
the DET det 4
Sahel PROPN pobj 2 LOC
. PUNCT punct 1
"""


def test_a_region_beats_an_admin_unit_of_its_name(small: Gazetteer) -> None:
    for hint in ((), ("MLI",)):
        sahel = one(resolve_places(parse(RAIDS_ACROSS_THE_SAHEL), small, hint), "Sahel")
        assert (sahel.ref.country, sahel.ref.precision, sahel.ref.admin1) == (None, "region", None)
        assert sahel.locative


def test_a_qualifier_picks_the_admin_unit_for_every_mention(small: Gazetteer) -> None:
    doc = parse("""
Gunmen NOUN nsubj 1
struck VERB ROOT 1
Sahel PROPN dobj 1 GPE
, PUNCT punct 2
Mali PROPN appos 2 GPE
. PUNCT punct 1
The DET det 7
Sahel PROPN nsubj 8 LOC
saw VERB ROOT 8
raids NOUN dobj 8
. PUNCT punct 8
""")
    sahels = [m for m in resolve_places(doc, small) if m.span.text == "Sahel"]
    assert [(m.ref.country, m.ref.precision) for m in sahels] == [("MLI", "admin1"), ("MLI", "admin1")]


def test_a_possessive_country_qualifies_a_region(small: Gazetteer) -> None:
    doc = parse("""
Fighting NOUN nsubj 1
spread VERB ROOT 1
in ADP prep 1
Mali PROPN poss 6 GPE
's PART case 3
Sahel PROPN compound 6 LOC
region NOUN pobj 2
. PUNCT punct 1
""")
    mentions = resolve_places(doc, small)
    assert [(m.span.text, m.ref.country, m.ref.precision) for m in mentions] == [
        ("Mali", "MLI", "country"), ("Sahel", "MLI", "admin1")]


def test_a_region_inside_an_organisation_name_is_no_event_place(small: Gazetteer) -> None:
    doc = parse("""
The DET det 2
Sahel PROPN compound 2 LOC
Alliance PROPN nsubj 3
met VERB ROOT 3
in ADP prep 3
Dakar PROPN pobj 4 GPE
. PUNCT punct 3
""")
    mentions = resolve_places(doc, small)
    assert [(m.span.text, m.use, m.locative) for m in mentions] == [("Sahel", EMBEDDED, False),
                                                                    ("Dakar", LITERAL, True)]
    assert one(mentions, "Sahel").ref.precision == "region"  # the region, never a town of its name
    place = event_place(doc[3], mentions)
    assert place is not None and place.span.text == "Dakar"


def test_compass_words_are_directions_unless_an_admin_word_follows(small: Gazetteer) -> None:
    bare = parse("""
Clashes NOUN nsubj 1
erupted VERB ROOT 1
in ADP prep 1
the DET det 4
South PROPN pobj 2 LOC
. PUNCT punct 1
""")
    assert resolve_places(bare, small, country_hint=["SEN"]) == []
    region = parse("""
Clashes NOUN nsubj 1
erupted VERB ROOT 1
in ADP prep 1
the DET det 5
South PROPN compound 5 LOC
region NOUN pobj 2
. PUNCT punct 1
""")
    south = one(resolve_places(region, small, country_hint=["SEN"]), "South")
    assert (south.ref.country, south.ref.precision) == ("SEN", "admin1")


# ----- acronyms and alternate names ------------------------------------------------------------------

def test_an_acronym_is_no_town_with_that_alternate_name(small: Gazetteer) -> None:
    doc = parse("""
The DET det 1
paper NOUN nsubj 2
invested VERB ROOT 2
in ADP prep 2
AI PROPN pobj 3 GPE
. PUNCT punct 2
""")
    assert resolve_places(doc, small, country_hint=["USA"]) == []
    doc = parse("""
Troops NOUN nsubj 4
from ADP prep 0
the DET det 3
US PROPN pobj 1 GPE
arrived VERB ROOT 4
in ADP prep 4
Dakar PROPN pobj 5 GPE
. PUNCT punct 4
""")
    mentions = resolve_places(doc, small)
    assert [(m.span.text, m.ref.country, m.ref.precision) for m in mentions] == [
        ("US", "USA", "country"), ("Dakar", "SEN", "point")]


def test_a_dateline_in_capitals_is_read_without_case(small: Gazetteer) -> None:
    doc = parse("""
DARA PROPN nsubj 5
, PUNCT punct 0
Senegal PROPN appos 0 GPE
- PUNCT punct 5
Troops NOUN nsubj 5
arrived VERB ROOT 5
. PUNCT punct 5
""")
    dara = one(resolve_places(doc, small), "DARA")  # four capitals, yet no acronym here
    assert dara.ref.geonameid == 900003


def test_alternate_names_count_less_than_own_names(small: Gazetteer) -> None:
    doc = parse(CLASHES_IN_DARA.replace("Dara", "Tivaouane"))
    # The US town that also answers to the name is in focus; the town of that very name still wins.
    tivaouane = one(resolve_places(doc, small, country_hint=["USA"]), "Tivaouane")
    assert tivaouane.ref.geonameid == 900017


def test_a_weak_tag_on_another_name_of_a_town_is_no_place(small: Gazetteer) -> None:
    def sales_fell_in(name: str, label: str) -> Doc:
        return parse(f"""
Sales NOUN nsubj 1
fell VERB ROOT 1
in ADP prep 1
{name} PROPN pobj 2 {label}
. PUNCT punct 1
""")

    # "Transit" is among a town's names but reads as no spelling of "Ndiosmone"; "Dakkar" does.
    assert resolve_places(sales_fell_in("Transit", "ORG"), small, country_hint=["SEN"]) == []
    dakar = one(resolve_places(sales_fell_in("Dakkar", "PERSON"), small), "Dakkar")
    assert dakar.ref.geonameid == 2253354
    # Lower case is no name, whatever the tagger says.
    assert resolve_places(sales_fell_in("des", "ORG"), small, country_hint=["SEN"]) == []


def test_a_name_that_takes_the_is_no_town(small: Gazetteer) -> None:
    doc = parse("""
Officials NOUN nsubjpass 2
were AUX auxpass 2
invited VERB ROOT 2
to ADP prep 2
the DET det 6
White PROPN compound 6 ORG
House PROPN pobj 3 ORG
. PUNCT punct 2
""")
    assert resolve_places(doc, small) == []


# ----- names that are no places ------------------------------------------------------------------------

def test_a_person_surname_is_no_place_unless_located(small: Gazetteer) -> None:
    doc = parse("""
Minister NOUN compound 2
Aliou PROPN compound 2 PERSON
Kora PROPN nsubj 3 PERSON
said VERB ROOT 3
Kora PROPN nsubj 6 GPE
would AUX aux 6
travel VERB ccomp 3
to ADP prep 6
Dakar PROPN pobj 7 GPE
. PUNCT punct 3
""")
    assert [m.span.text for m in resolve_places(doc, small)] == ["Dakar"]


def test_a_hyphenated_actor_is_no_place(small: Gazetteer) -> None:
    doc = parse("""
Troops NOUN nsubj 1
fought VERB ROOT 1
in ADP prep 1
Kora PROPN npadvmod 5 ORG
- PUNCT hyph 5
controlled VERB amod 6
areas NOUN pobj 2
. PUNCT punct 1
""")
    assert doc.text.startswith("Troops fought in Kora-controlled areas")
    assert resolve_places(doc, small) == []


def test_an_actor_modifying_a_noun_is_no_place(small: Gazetteer) -> None:
    administration = parse("""
Officials NOUN nsubj 1
served VERB ROOT 1
in ADP prep 1
the DET det 5
Kora PROPN compound 5 PERSON
administration NOUN pobj 2
. PUNCT punct 1
""")
    assert resolve_places(administration, small) == []
    according = parse("""
Five NUM nsubj 1
died VERB ROOT 1
, PUNCT punct 1
according VERB prep 1
to ADP prep 3
Kora PROPN pobj 4
. PUNCT punct 1
""")
    assert resolve_places(according, small) == []
    summit = parse("""
Leaders NOUN nsubj 1
met VERB ROOT 1
at ADP prep 1
the DET det 5
Dakar PROPN compound 5 GPE
Summit PROPN pobj 2
. PUNCT punct 1
""")
    assert [m.span.text for m in resolve_places(summit, small, country_hint=["USA"])] == ["Dakar"]


def test_a_name_longer_than_its_entity(small: Gazetteer) -> None:
    doc = parse("""
Troops NOUN nsubj 1
arrived VERB ROOT 1
in ADP prep 1
Dara PROPN compound 4 GPE
Salam PROPN pobj 2
. PUNCT punct 1
""")
    mentions = resolve_places(doc, small)
    assert [(m.span.text, m.ref.geonameid) for m in mentions] == [("Dara Salam", 900013)]
    assert doc.text[mentions[0].ref.start:mentions[0].ref.end] == "Dara Salam"


def test_a_town_qualified_by_its_country_is_the_town(small: Gazetteer) -> None:
    doc = parse("""
Gunmen NOUN nsubj 1
attacked VERB ROOT 1
Kora PROPN dobj 1 GPE
, PUNCT punct 2
Mali PROPN appos 2 GPE
. PUNCT punct 1
""")
    kora = one(resolve_places(doc, small), "Kora")
    assert (kora.ref.geonameid, kora.ref.precision) == (900001, "point")


def test_a_list_is_no_town_and_its_region(small: Gazetteer) -> None:
    doc = parse("""
Offices NOUN nsubj 1
opened VERB ROOT 1
in ADP prep 1
Dara PROPN pobj 2 GPE
, PUNCT punct 3
Kora PROPN conj 3 GPE
and CCONJ cc 5
Dakar PROPN conj 5 GPE
. PUNCT punct 1
""")
    # Without "and Dakar", "Dara, Kora" would be the Dara of the Kora region.
    assert one(resolve_places(doc, small), "Dara").ref.geonameid == 900003


# ----- event_place ------------------------------------------------------------------------------------

def test_event_place_in_the_trigger_clause(small: Gazetteer) -> None:
    doc = parse("""
Officials NOUN nsubj 4
in ADP prep 0
Dakar PROPN pobj 1 GPE
have AUX aux 4
said VERB ROOT 4
gunmen NOUN nsubj 6
attacked VERB ccomp 4
a DET det 8
post NOUN dobj 6
near ADP prep 8
Kora PROPN pobj 9 GPE
. PUNCT punct 4
""")
    mentions = resolve_places(doc, small)
    attacked, said = doc[6], doc[4]
    place = event_place(attacked, mentions)
    assert place is not None and place.span.text == "Kora"
    # Dakar hangs from "said", a clause with its own subject: never the attack's place.
    said_place = event_place(said, mentions)
    assert said_place is not None and said_place.span.text == "Dakar"
    assert event_place(attacked, [m for m in mentions if m.span.text == "Dakar"]) is None


def test_a_place_as_subject_is_never_the_event_place(small: Gazetteer) -> None:
    doc = parse("""
Dakar PROPN nsubj 1 GPE
condemned VERB ROOT 1
the DET det 3
raid NOUN dobj 1
. PUNCT punct 1
""")
    mentions = resolve_places(doc, small)
    assert [m.locative for m in mentions] == [False]
    assert event_place(doc[1], mentions) is None
    assert event_place(doc[3], mentions) is None


def test_event_place_inside_the_trigger_noun_phrase(small: Gazetteer) -> None:
    doc = parse("""
A DET det 1
march NOUN nsubj 7
against ADP prep 1
the DET det 4
junta NOUN pobj 2
in ADP prep 4
Dakar PROPN pobj 5 GPE
drew VERB ROOT 7
crowds NOUN dobj 7
. PUNCT punct 7
""")
    place = event_place(doc[1], resolve_places(doc, small))
    assert place is not None and place.span.text == "Dakar"


def test_event_place_not_through_another_event_after_a_temporal_preposition(small: Gazetteer) -> None:
    doc = parse("""
Troops NOUN nsubj 1
deployed VERB ROOT 1
after ADP prep 1
talks NOUN pobj 2
in ADP prep 3
Dakar PROPN pobj 4 GPE
. PUNCT punct 1
""")
    mentions = resolve_places(doc, small)
    assert event_place(doc[1], mentions) is None
    place = event_place(doc[3], mentions)
    assert place is not None and place.span.text == "Dakar"


# ----- the real model and index ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> Gazetteer:
    # Same cache dir as test_gazetteer.py: in one pytest run the index is built only once.
    return Gazetteer.load(tmp_path_factory.getbasetemp() / "gazetteer-cache")


@pytest.fixture(scope="module")
def nlp(real: Gazetteer) -> Language:
    return load_nlp(real.ruler_names())


def places(nlp: Language, gaz: Gazetteer, text: str,
           hint: Sequence[str] = ()) -> tuple[Doc, list[PlaceMention]]:
    doc = nlp(text)
    return doc, resolve_places(doc, gaz, hint)


def test_real_gao_follows_the_article_country(nlp: Language, real: Gazetteer) -> None:
    _, mali = places(nlp, real, "Gunmen attacked a military post near Gao on Sunday, the Malian army said. "
                                "Officials in Bamako sent reinforcements.")
    _, burkina = places(nlp, real, "Burkinabe soldiers clashed with militants near Gao on Sunday, the army "
                                   "in Ouagadougou said.")
    assert one(mali, "Gao").ref.country == "MLI"
    assert one(burkina, "Gao").ref.country == "BFA"
    _, hinted = places(nlp, real, "A bomb exploded near Gao on Sunday.", hint=["BFA"])
    assert one(hinted, "Gao").ref.country == "BFA"


def test_real_tripoli_follows_the_article_country(nlp: Language, real: Gazetteer) -> None:
    _, lebanon = places(nlp, real, "Clashes erupted in Tripoli between rival militias, Lebanese officials "
                                   "said. The army sent troops from Beirut.")
    _, libya = places(nlp, real, "Libyan forces shelled positions outside Tripoli on Monday.")
    assert one(lebanon, "Tripoli").ref.country == "LBN"
    assert one(libya, "Tripoli").ref.country == "LBY"


def test_real_paris_alone_is_the_french_capital(nlp: Language, real: Gazetteer) -> None:
    _, mentions = places(nlp, real, "The summit opened in Paris on Monday.")
    assert one(mentions, "Paris").ref.country == "FRA"


def test_real_town_region_in_brackets(nlp: Language, real: Gazetteer) -> None:
    doc, mentions = places(nlp, real, "Jihadists killed 12 civilians in the village of Ogossagou "
                                      "(Bankass, Mopti) last week.")
    bankass, mopti = one(mentions, "Bankass"), one(mentions, "Mopti")
    assert (bankass.ref.country, bankass.ref.admin1, bankass.ref.precision) == ("MLI", "Mopti", "point")
    assert mopti.ref.precision == "admin1"
    assert bankass.locative and mopti.locative
    killed = next(t for t in doc if t.text == "killed")
    place = event_place(killed, mentions)
    assert place is not None and place.span.text == "Bankass"


def test_real_region_wording_and_dc(nlp: Language, real: Gazetteer) -> None:
    _, region = places(nlp, real, "Fighting was reported in the Kidal region on Monday, Malian officials "
                                  "said.")
    assert one(region, "Kidal").ref.precision == "admin1"
    _, town = places(nlp, real, "Fighting was reported in Kidal on Monday, Malian officials said.")
    assert one(town, "Kidal").ref.precision == "point"
    _, dc = places(nlp, real, "The officials met in Washington, D.C. on Tuesday.")
    assert [m.ref.text for m in dc] == ["Washington, D.C."] and dc[0].ref.country == "USA"


def test_real_regions_continents_and_acronyms(nlp: Language, real: Gazetteer) -> None:
    _, mentions = places(nlp, real, "The agency runs 40 programs, most of which are in Africa. Its newspaper "
                                    "uses AI as a newsroom tool.")
    assert [(m.ref.text, m.ref.name, m.ref.country, m.ref.precision) for m in mentions] == [
        ("Africa", "Africa", None, "region")]
    _, mentions = places(nlp, real, "Jihadist groups have spread across the Sahel, while fighting goes on in "
                                    "Darfur and North Kivu.")
    found = {m.ref.text: (m.ref.country, m.ref.precision) for m in mentions}
    assert found == {"Sahel": (None, "region"), "Darfur": ("SDN", "region"), "North Kivu": ("COD", "admin1")}
    _, mentions = places(nlp, real, "Troops from the DRC and CAR met U.S. and U.N. officials.")
    assert [(m.ref.text, m.ref.country) for m in mentions] == [
        ("DRC", "COD"), ("CAR", "CAF"), ("U.S.", "USA")]
    _, mentions = places(nlp, real, "The two navies patrolled the East and South China Seas.")
    assert all(m.ref.country != "CMR" for m in mentions)  # Cameroon's East and South regions


def test_real_lists_and_capitals(nlp: Language, real: Gazetteer) -> None:
    _, mentions = places(nlp, real, "The group has offices in Washington, New York and San Francisco, and "
                                    "its founder lives in New Delhi.")
    assert one(mentions, "Washington").ref.geonameid == 4140963  # not a town of New York state
    assert one(mentions, "New Delhi").ref.name == "New Delhi"  # the capital, not Delhi


def test_real_event_places(nlp: Language, real: Gazetteer) -> None:
    doc, mentions = places(nlp, real, "Troops deployed in Kidal after the attack that killed five soldiers "
                                      "in Tessalit, the Malian army said.")
    by_word = {t.text: t for t in doc}
    for trigger, expected in (("deployed", "Kidal"), ("killed", "Tessalit"), ("attack", "Tessalit")):
        place = event_place(by_word[trigger], mentions)
        assert place is not None and place.span.text == expected, trigger
    doc, mentions = places(nlp, real, "Washington said it would impose sanctions on the junta in Mali.")
    washington = one(mentions, "Washington")
    assert not washington.locative
    said = next(t for t in doc if t.text == "said")
    assert event_place(said, mentions) is None


# ----- how a mention uses its place ----------------------------------------------------------------------

RIVERTON_GA = GeoEntry(900020, "Riverton", "USA", 33.2, -84.3, 3_000, "city", "Georgia")
RIVERTON_WY = GeoEntry(900021, "Riverton", "USA", 43.0, -108.4, 11_000, "city", "Wyoming")
FAIRVIEW_GA = GeoEntry(900022, "Fairview", "USA", 33.9, -84.0, 2_000, "city", "Georgia")
FAIRVIEW_OH = GeoEntry(900023, "Fairview", "USA", 41.4, -81.8, 16_000, "city", "Ohio")
MARCH_TOWN = GeoEntry(900024, "March", "SEN", 14.5, -16.5, 20_000, "city", None)
WEST_AFRICA = GeoEntry(0, "West Africa", None, 13.0, -5.0, 0, "region", None, ("MLI", "SEN"))
KASBAH_USA = GeoEntry(900025, "Kasbah", "USA", 35.0, -90.0, 5_000, "city", None)


@pytest.fixture(scope="module")
def wider() -> Gazetteer:
    """`small` plus namesake towns in two US states, a town called March, and a region with an adjective."""
    return Gazetteer.from_entries(
        [MALI, SENEGAL, USA, KORA_REGION, KORA, DARA_MLI, DARA_SEN, SINE, DAKAR, WASHINGTON, GEORGIA,
         GEORGIA_STATE, ATLANTA, AFRICA, SAHEL, MAHDIA, KASBAH, KASBAH_USA, RIVERTON_GA, RIVERTON_WY, FAIRVIEW_GA,
         FAIRVIEW_OH, MARCH_TOWN, WEST_AFRICA],
        alternates={4140963: ["D.C."], 6252001: ["US", "U.S."], 900010: ["Africa"]},
        demonyms={"MLI": ["Malian", "Malians"], "SEN": ["Senegalese"], "USA": ["American"]},
        capitals=[2253354, 4140963],
    )


def test_a_demonym_is_its_country_and_people_are_no_place(wider: Gazetteer) -> None:
    doc = parse("""
Malian ADJ amod 1 NORP
troops NOUN nsubj 2
met VERB ROOT 2
the DET det 4
Malians PROPN dobj 2 NORP
. PUNCT punct 2
""")
    [malian] = resolve_places(doc, wider)
    assert (malian.span.text, malian.use, malian.locative) == ("Malian", DEMONYM, False)
    assert (malian.ref.country, malian.ref.precision) == ("MLI", "country")  # never a point


def test_a_region_adjective_names_the_region(wider: Gazetteer) -> None:
    doc = parse("""
African ADJ amod 2 NORP
and CCONJ cc 0
West PROPN compound 4
African ADJ amod 4 NORP
leaders NOUN nsubj 5
met VERB ROOT 5
. PUNCT punct 5
""")
    found = [(m.span.text, m.ref.name, m.ref.precision, m.use) for m in resolve_places(doc, wider)]
    assert found == [("African", "Africa", "region", DEMONYM), ("West African", "West Africa", "region", DEMONYM)]


def test_a_demonym_before_a_land_noun_names_where(wider: Gazetteer) -> None:
    doc = parse("""
The DET det 1
junta NOUN nsubj 2
barred VERB ROOT 2
flights NOUN dobj 2
from ADP prep 2
Senegalese PROPN compound 6 NORP
airspace NOUN pobj 4
. PUNCT punct 2
""")
    [land] = resolve_places(doc, wider)
    assert (land.ref.country, land.use, land.locative) == ("SEN", LITERAL, True)
    place = event_place(doc[2], [land])
    assert place is not None and place.span.text == "Senegalese"


def test_a_demonym_in_a_sea_name_is_no_country(wider: Gazetteer) -> None:
    doc = parse("""
Ships NOUN nsubj 1
sailed VERB ROOT 1
into ADP prep 1
the DET det 5
Senegalese PROPN compound 5 LOC
Gulf PROPN pobj 2 LOC
. PUNCT punct 1
""")
    assert all(m.ref.country != "SEN" for m in resolve_places(doc, wider))


def test_a_place_in_an_organisation_name_is_embedded(wider: Gazetteer) -> None:
    doc = parse("""
The DET det 2
Dakar PROPN compound 2 ORG
Chamber PROPN nsubj 5 ORG
of ADP prep 2 ORG
Commerce PROPN pobj 3 ORG
met VERB ROOT 5
in ADP prep 5
Kora PROPN pobj 6 GPE
. PUNCT punct 5
""")
    mentions = resolve_places(doc, wider)
    dakar = one(mentions, "Dakar")
    assert (dakar.ref.geonameid, dakar.use, dakar.locative) == (2253354, EMBEDDED, False)
    place = event_place(doc[5], mentions)
    assert place is not None and place.span.text == "Kora"


CLUB = """
The DET det 2
Dara PROPN compound 2 ORG
Club PROPN nsubj 3 ORG
won VERB ROOT 3
. PUNCT punct 3
"""


def test_a_small_town_in_an_organisation_name_needs_the_article_to_place_it(wider: Gazetteer) -> None:
    assert resolve_places(parse(CLUB), wider) == []
    doc = parse(CLUB.rstrip() + """
Fans NOUN nsubj 6
cheered VERB ROOT 6
in ADP prep 6
Dara PROPN pobj 7 GPE
. PUNCT punct 6
""")
    assert [(m.span.text, m.use) for m in resolve_places(doc, wider)] == [("Dara", EMBEDDED), ("Dara", LITERAL)]


def test_a_place_as_subject_is_a_metonym(wider: Gazetteer) -> None:
    doc = parse("""
Washington PROPN nsubj 1 GPE
imposed VERB ROOT 1
sanctions NOUN dobj 1
. PUNCT punct 1
""")
    [washington] = resolve_places(doc, wider)
    assert (washington.use, washington.locative) == (METONYM, False)
    assert event_place(doc[1], [washington]) is None


def test_the_capital_is_that_of_the_country_named_with_it_or_of_the_article(wider: Gazetteer) -> None:
    bare = """
Police NOUN nsubj 1
fired VERB ROOT 1
in ADP prep 1
the DET det 4
capital NOUN pobj 2
. PUNCT punct 1
"""
    assert resolve_places(parse(bare), wider) == []  # no country to take it from
    doc = parse(bare.rstrip() + """
Senegal PROPN nsubj 7 GPE
protested VERB ROOT 7
. PUNCT punct 7
""")
    # A hint of several countries (the article's actors) does not decide whose capital it is.
    capital = one(resolve_places(doc, wider, country_hint=["MLI", "USA"]), "capital")
    assert (capital.ref.name, capital.locative, capital.use) == ("Dakar", True, LITERAL)
    owned = parse("""
Talks NOUN nsubj 1
opened VERB ROOT 1
in ADP prep 1
Senegal PROPN poss 5 GPE
's PART case 3
capital NOUN pobj 2
, PUNCT punct 1
Malian ADJ amod 8 NORP
officials NOUN nsubj 9
said VERB ROOT 9
. PUNCT punct 9
""")
    assert one(resolve_places(owned, wider), "capital").ref.name == "Dakar"
    assert capital_of(wider, "SEN") == DAKAR and capital_of(wider, "MLI") is None


def test_next_to_is_locative_and_troops_from_a_country_are_an_origin(wider: Gazetteer) -> None:
    doc = parse("""
Crowds NOUN nsubj 1
rallied VERB ROOT 1
next ADV advmod 3
to ADP prep 1
Kora PROPN pobj 3 GPE
with ADP prep 1
troops NOUN pobj 5
from ADP prep 6
Senegal PROPN pobj 7 GPE
. PUNCT punct 1
""")
    mentions = resolve_places(doc, wider)
    assert one(mentions, "Kora").locative and not one(mentions, "Senegal").locative
    place = event_place(doc[1], mentions)
    assert place is not None and place.span.text == "Kora"


def test_an_apposition_or_of_places_a_weakly_tagged_name(wider: Gazetteer) -> None:
    doc = parse("""
Rebels NOUN nsubj 1
took VERB ROOT 1
Kasbah PROPN dobj 1 PERSON
, PUNCT punct 2
the DET det 5
capital NOUN appos 2
of ADP prep 5
Sine PROPN pobj 6 GPE
, PUNCT punct 1
and CCONJ cc 1
overran VERB conj 1
the DET det 12
town NOUN dobj 10
of ADP prep 12
Dara PROPN pobj 13 PERSON
. PUNCT punct 1
""")
    mentions = resolve_places(doc, wider)
    assert {m.span.text for m in mentions} >= {"Kasbah", "Dara"}
    assert not one(mentions, "Kasbah").locative
    assert acted_on_place([doc[2]], mentions) == one(mentions, "Kasbah")  # "took Kasbah"
    assert acted_on_place([doc[12]], mentions) == one(mentions, "Dara")  # "overran the town of Dara"


def test_one_sense_per_article_and_a_persons_name_abroad(wider: Gazetteer) -> None:
    doc = parse("""
Gunmen NOUN nsubj 1
struck VERB ROOT 1
in ADP prep 1
Dara PROPN pobj 2 PERSON
. PUNCT punct 1
Dara PROPN nsubj 6 PERSON
was AUX ROOT 6
calm ADJ acomp 6
. PUNCT punct 6
Senegal PROPN nsubj 10 GPE
said VERB ROOT 10
. PUNCT punct 10
""")
    mentions = resolve_places(doc, wider)
    assert [(m.span.start, m.ref.country, m.locative) for m in mentions if m.span.text == "Dara"] == [
        (3, "SEN", True), (5, "SEN", False)]
    # A person's name that is a town in a country the article is not about stays a person.
    doc = parse("""
Officials NOUN nsubj 1
met VERB ROOT 1
in ADP prep 1
Kasbah PROPN pobj 2 PERSON
. PUNCT punct 1
Kasbah PROPN nsubj 6 PERSON
said VERB ROOT 6
. PUNCT punct 6
Washington PROPN nsubj 9 GPE
agreed VERB ROOT 9
. PUNCT punct 9
Atlanta PROPN nsubj 12 GPE
agreed VERB ROOT 12
. PUNCT punct 12
""")
    assert [m.span.start for m in resolve_places(doc, wider) if m.span.text == "Kasbah"] == [3]


def test_a_state_abbreviation_qualifies_the_town_and_ranks_its_namesakes(wider: Gazetteer) -> None:
    doc = parse("""
He PRON nsubj 1
lives VERB ROOT 1
in ADP prep 1
Riverton PROPN pobj 2 GPE
, PUNCT punct 3
Ga. PROPN appos 3 GPE
, PUNCT punct 1
near ADP prep 1
Fairview PROPN pobj 7 GPE
. PUNCT punct 1
""")
    mentions = resolve_places(doc, wider)
    assert [(m.span.text, m.ref.admin1) for m in mentions] == [
        ("Riverton", "Georgia"), ("Ga.", "Georgia"), ("Fairview", "Georgia")]
    assert one(mentions, "Ga.").ref.precision == "admin1"
    alone = resolve_places(parse(CLASHES_IN_DARA.replace("Dara", "Fairview")), wider)
    assert one(alone, "Fairview").ref.admin1 == "Ohio"  # the bigger one, with no state named
    title = parse("""
Miss PROPN compound 1
Ga. PROPN nsubj 2 PERSON
spoke VERB ROOT 2
. PUNCT punct 2
""")
    assert resolve_places(title, wider) == []  # not after a comma or a bracket: no state


def test_read_admin_abbreviations_rejects_a_bad_table(tmp_path: Path) -> None:
    bad = tmp_path / "abbr.tsv"
    bad.write_text("abbreviation\tcountry\n", encoding="utf-8")
    with pytest.raises(DataError, match="abbr.tsv"):
        read_admin_abbreviations(bad)
    bad.write_text("abbreviation\tcountry\tadmin1\nGa.\tUS\tGeorgia\n", encoding="utf-8")
    with pytest.raises(DataError, match=":2"):
        read_admin_abbreviations(bad)


def test_datelines_after_a_dash_or_an_agency(wider: Gazetteer) -> None:
    doc = parse("""
DAKAR PROPN npadvmod 5
— PUNCT punct 5
Police NOUN nsubj 5
in ADP prep 2
Kora PROPN pobj 3 GPE
fired VERB ROOT 5
. PUNCT punct 5
Associated PROPN compound 8 ORG
Press PROPN compound 9 ORG
KORA PROPN nsubj 14
( PUNCT punct 9
AP PROPN appos 9 ORG
) PUNCT punct 9
— PUNCT punct 14
Troops NOUN nsubj 14
left VERB ROOT 14
. PUNCT punct 14
""")
    mentions = resolve_places(doc, wider)
    assert [(m.span.text, m.ref.name, m.locative) for m in mentions] == [
        ("DAKAR", "Dakar", False), ("Kora", "Kora", True), ("KORA", "Kora", False)]


def test_a_name_tagged_as_a_date_is_read_but_not_a_month(wider: Gazetteer) -> None:
    doc = parse("""
Clashes NOUN nsubj 1
erupted VERB ROOT 1
in ADP prep 1
Kasbah PROPN pobj 2 DATE
in ADP prep 1
March PROPN pobj 4 DATE
. PUNCT punct 1
""")
    assert [m.span.text for m in resolve_places(doc, wider)] == ["Kasbah"]


def test_a_town_far_bigger_than_its_namesakes_points_to_its_country(wider: Gazetteer) -> None:
    spec = """
Malian ADJ amod 1 NORP
troops NOUN nsubj 2
met VERB ROOT 2
in ADP prep 2
Kasbah PROPN pobj 3 GPE
and CCONJ cc 4
Dara PROPN conj 4 GPE
. PUNCT punct 2
"""
    # Kasbah (3 million, a namesake of 5,000 in the USA) says the story is Senegalese as much as "Malian"
    # says it is Malian: Dara is then the bigger, Senegalese one.
    assert one(resolve_places(parse(spec), wider), "Dara").ref.country == "SEN"
    without = parse(spec.replace("Kasbah PROPN pobj 3 GPE", "Dakkar PROPN pobj 3 GPE"))
    assert one(resolve_places(without, wider), "Dara").ref.country == "MLI"


def test_an_admin_word_is_a_noun_not_a_verb(wider: Gazetteer) -> None:
    doc = parse("""
Kora PROPN nsubj 1 GPE
stated VERB ROOT 1
demands NOUN dobj 1
. PUNCT punct 1
""")
    doc[1].lemma_ = "state"
    assert one(resolve_places(doc, wider), "Kora").ref.precision == "point"


def test_a_country_hyphened_to_a_word_in_one_token(wider: Gazetteer) -> None:
    doc = parse("""
The DET det 2
Senegal-led ADJ amod 2
force NOUN nsubj 3
left VERB ROOT 3
. PUNCT punct 3
""")
    [senegal] = resolve_places(doc, wider)
    assert (senegal.ref.text, senegal.ref.start, senegal.ref.end, senegal.locative) == ("Senegal", 4, 11, False)


# ----- helpers for the place of an event ----------------------------------------------------------------

def test_earlier_place_is_the_finest_of_the_last_placed_sentence_of_the_paragraph(wider: Gazetteer) -> None:
    doc = parse("""
Gunmen NOUN nsubj 1
attacked VERB ROOT 1
a DET det 3
post NOUN dobj 1
near ADP prep 1
Dara PROPN pobj 4 GPE
, PUNCT punct 5
in ADP prep 5
the DET det 10
Kora PROPN compound 10 GPE
region NOUN pobj 7
. PUNCT punct 1
Troops NOUN nsubj 13
killed VERB ROOT 13
ten NUM dobj 13
. PUNCT punct 13
""")
    mentions = resolve_places(doc, wider)
    second = list(doc.sents)[1]
    place = earlier_place(second, mentions)
    assert place is not None and (place.span.text, place.ref.precision) == ("Dara", "point")
    assert earlier_place(list(doc.sents)[0], mentions) is None


def test_in_another_time_is_a_place_of_an_earlier_act(wider: Gazetteer) -> None:
    doc = parse("""
Rebels NOUN nsubj 1
released VERB ROOT 1
the DET det 3
crew NOUN dobj 1
after ADP prep 1
seizing VERB pcomp 4
the DET det 7
ship NOUN dobj 5
in ADP prep 5
Dakar PROPN pobj 8 GPE
. PUNCT punct 1
""")
    [dakar] = resolve_places(doc, wider)
    assert in_another_time(dakar, doc[1]) and not in_another_time(dakar, doc[5])


def test_real_uses_of_place_names(nlp: Language, real: Gazetteer) -> None:
    doc, mentions = places(nlp, real, "Fighting went on near Kidal. Malian troops and European monitors arrived "
                                      "in Gao after the rebels captured Kidal. Washington said it would send aid.")
    malian, european = one(mentions, "Malian"), one(mentions, "European")
    assert (malian.use, malian.ref.country, malian.ref.precision) == (DEMONYM, "MLI", "country")
    assert (european.use, european.ref.name) == (DEMONYM, "Europe")
    assert one(mentions, "Gao").locative and one(mentions, "Washington").use == METONYM
    captured = next(t for t in doc if t.text == "captured")
    obj = next(c for c in captured.children if c.dep_ == "dobj")
    taken = acted_on_place([obj], mentions)
    assert taken is not None and (taken.span.text, taken.span.start) == ("Kidal", obj.i)


def test_real_capital_and_dateline(nlp: Language, real: Gazetteer) -> None:
    _, mentions = places(nlp, real, "PORT-AU-PRINCE (Reuters) - Police fired tear gas at marchers in the "
                                    "capital on Wednesday. Haiti has been in crisis since gangs overran "
                                    "several towns in Haiti last year.")
    assert one(mentions, "PORT-AU-PRINCE").ref.country == "HTI"
    capital = one(mentions, "capital")
    assert (capital.ref.name, capital.locative) == ("Port-au-Prince", True)


def test_real_abbreviations_name_admin1_units(real: Gazetteer) -> None:
    for abbreviation, (iso3, name) in read_admin_abbreviations().items():
        assert any(e.feature == "admin1" and e.country == iso3 for e in real.lookup(name)), abbreviation
