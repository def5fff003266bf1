"""Place resolution: candidates, homonym ranking with article context, and the place of an event.

Rules are tested on hand-built parses against a small GeoNames-like gazetteer (made-up towns, so
the test decides which homonym is bigger); the real model and index are checked on short articles.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest
import spacy
from spacy.language import Language
from spacy.tokens import Doc

from tacitus.nlp import load_nlp
from tacitus.resolve.gazetteer import Gazetteer, GeoEntry
from tacitus.resolve.places import PlaceMention, event_place, resolve_places

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
    assert [m.span.text for m in mentions] == ["Dara"]  # "Malian" is an actor, not a place
    assert mentions[0].ref.country == "MLI"


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
        ("Mali", "country", "MLI"), ("Dakar", "point", "SEN")]


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


def test_a_region_inside_an_organisation_name_is_no_place(small: Gazetteer) -> None:
    doc = parse("""
The DET det 2
Sahel PROPN compound 2 LOC
Alliance PROPN nsubj 3
met VERB ROOT 3
in ADP prep 3
Dakar PROPN pobj 4 GPE
. PUNCT punct 3
""")
    assert [m.span.text for m in resolve_places(doc, small)] == ["Dakar"]


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
