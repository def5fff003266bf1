"""Coding rules on hand-built parses: no model needed, each rule seen in isolation."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy
from spacy.tokens import Doc

from tacitus.coding.events import code_sentence
from tacitus.coding.lexicon import Lexicon
from tacitus.errors import DataError

TRIGGERS = """kind\tlemma\targ\ttype\tmode\tcontext\tprior
verb\tattack\t\tASSAULT\tattack\t\t0.9
verb\twithdraw\t\tRETREAT\twithdraw\tpeacekeeping\t0.9
verb\texit\t\tRETREAT\twithdraw\t\t0.7
phrasal\tcall\ton\tREQUEST\tdemand\t\t0.9
light\ttake\tpower\tASSAULT\tcoup\tcoup\t0.9
noun\tsanction\t\tSANCTION\teconomic\tsanctions\t0.9
noun\tair strike\t\tASSAULT\taerial\t\t0.95
noun\tstrike\t\tPROTEST\tstrike\t\t0.4
"""
CUES = """cue\tkind\tnote
issue\tlight\t
launch\tlight\t
say\treport\t
will\tplan\t
prepare\tplan\t
vow\tplan\t
not\tnegation\t
urge\tdemand\t
call on\tdemand\t
allegedly\tclaim\t
"""
# A blank English vocab gives tokens their lexical attributes (lower case, shape).
VOCAB = spacy.blank("en").vocab

CROSSWALK = """type\tmode\tcameo\tquad_class\tgoldstein\tacled_event_type\tacled_sub_event_type
ASSAULT\t*\t19\t4\t-10\tBattles\tArmed clash
SANCTION\t*\t16\t4\t-8\tStrategic developments\tOther
"""


@pytest.fixture(scope="module")
def lex(tmp_path_factory: pytest.TempPathFactory) -> Lexicon:
    d = tmp_path_factory.mktemp("lex")
    (d / "triggers.tsv").write_text(TRIGGERS)
    (d / "cues.tsv").write_text(CUES)
    (d / "crosswalk.tsv").write_text(CROSSWALK)
    return Lexicon.load(d)


def make(words: list[str], heads: list[int], deps: list[str], pos: list[str], lemmas: list[str] | None = None,
         tags: list[str] | None = None) -> Doc:
    tags = tags or ["VBD" if p == "VERB" else ("NNP" if p == "PROPN" else ("NN" if p == "NOUN" else "XX"))
                    for p in pos]
    doc = Doc(VOCAB, words=words, heads=heads, deps=deps, pos=pos, tags=tags,
              lemmas=lemmas or [w.lower() for w in words], sent_starts=[True] + [False] * (len(words) - 1))
    return doc


def test_active_verb_source_and_target(lex: Lexicon) -> None:
    # Rebels attacked the town .
    doc = make(["Rebels", "attacked", "the", "town", "."], [1, 1, 3, 1, 1],
               ["nsubj", "ROOT", "det", "dobj", "punct"], ["NOUN", "VERB", "DET", "NOUN", "PUNCT"],
               ["rebel", "attack", "the", "town", "."])
    [cand] = code_sentence(doc[:], lex)
    assert cand.entry.type == "ASSAULT"
    assert cand.source.text == "Rebels" and cand.target.text == "town"
    assert cand.status == "asserted"


def test_passive_with_agent(lex: Lexicon) -> None:
    # The town was attacked by rebels .
    doc = make(["The", "town", "was", "attacked", "by", "rebels", "."], [1, 3, 3, 3, 3, 4, 3],
               ["det", "nsubjpass", "auxpass", "ROOT", "agent", "pobj", "punct"],
               ["DET", "NOUN", "AUX", "VERB", "ADP", "NOUN", "PUNCT"],
               ["the", "town", "be", "attack", "by", "rebel", "."])
    [cand] = code_sentence(doc[:], lex)
    assert cand.source.text == "rebels" and cand.target.text == "town"


def test_negation(lex: Lexicon) -> None:
    # Troops did not attack the village .
    doc = make(["Troops", "did", "not", "attack", "the", "village", "."], [3, 3, 3, 3, 5, 3, 3],
               ["nsubj", "aux", "neg", "ROOT", "det", "dobj", "punct"],
               ["NOUN", "AUX", "PART", "VERB", "DET", "NOUN", "PUNCT"],
               ["troop", "do", "not", "attack", "the", "village", "."],
               tags=["NNS", "VBD", "RB", "VB", "DT", "NN", "."])
    [cand] = code_sentence(doc[:], lex)
    assert cand.status == "negated"


def test_object_control_and_demand(lex: Lexicon) -> None:
    # Ministers called on the mission to exit .
    doc = make(["Ministers", "called", "on", "the", "mission", "to", "exit", "."], [1, 1, 1, 4, 2, 6, 1, 1],
               ["nsubj", "ROOT", "prep", "det", "pobj", "aux", "xcomp", "punct"],
               ["NOUN", "VERB", "ADP", "DET", "NOUN", "PART", "VERB", "PUNCT"],
               ["minister", "call", "on", "the", "mission", "to", "exit", "."],
               tags=["NNS", "VBD", "IN", "DT", "NN", "TO", "VB", "."])
    cands = {c.entry.type: c for c in code_sentence(doc[:], lex)}
    assert cands["REQUEST"].source.text == "Ministers" and cands["REQUEST"].target.text == "mission"
    assert cands["REQUEST"].status == "asserted"
    # The demanded exit is done by the mission, not by the ministers.
    assert cands["RETREAT"].source.text == "mission"
    assert cands["RETREAT"].status == "demanded"


def test_light_verb_with_event_noun(lex: Lexicon) -> None:
    # Washington issued sanctions against Ivanov .
    doc = make(["Washington", "issued", "sanctions", "against", "Ivanov", "."], [1, 1, 1, 1, 3, 1],
               ["nsubj", "ROOT", "dobj", "prep", "pobj", "punct"],
               ["PROPN", "VERB", "NOUN", "ADP", "PROPN", "PUNCT"],
               ["Washington", "issue", "sanction", "against", "Ivanov", "."])
    [cand] = code_sentence(doc[:], lex)
    assert cand.entry.type == "SANCTION"
    assert cand.trigger_text == "issued sanctions"
    assert cand.source.text == "Washington" and cand.target.text == "Ivanov"


def test_light_verb_pair_overrides_noun(lex: Lexicon) -> None:
    # The colonel took power .
    doc = make(["The", "colonel", "took", "power", "."], [1, 2, 2, 2, 2],
               ["det", "nsubj", "ROOT", "dobj", "punct"], ["DET", "NOUN", "VERB", "NOUN", "PUNCT"],
               ["the", "colonel", "take", "power", "."])
    [cand] = code_sentence(doc[:], lex)
    assert (cand.entry.type, cand.entry.mode) == ("ASSAULT", "coup")


def test_multiword_noun_beats_single(lex: Lexicon) -> None:
    # An air strike hit the base .
    doc = make(["An", "air", "strike", "hit", "the", "base", "."], [2, 2, 3, 3, 5, 3, 3],
               ["det", "compound", "nsubj", "ROOT", "det", "dobj", "punct"],
               ["DET", "NOUN", "NOUN", "VERB", "DET", "NOUN", "PUNCT"])
    cands = code_sentence(doc[:], lex)
    assert [c.entry.mode for c in cands] == ["aerial"]


def test_future_is_planned_and_plan_verb_governs(lex: Lexicon) -> None:
    # Peacekeepers are preparing to withdraw .
    doc = make(["Peacekeepers", "are", "preparing", "to", "withdraw", "."], [2, 2, 2, 4, 2, 2],
               ["nsubj", "aux", "ROOT", "aux", "xcomp", "punct"],
               ["NOUN", "AUX", "VERB", "PART", "VERB", "PUNCT"],
               ["peacekeeper", "be", "prepare", "to", "withdraw", "."],
               tags=["NNS", "VBP", "VBG", "TO", "VB", "."])
    [cand] = code_sentence(doc[:], lex)
    assert cand.status == "planned"
    assert cand.source.text == "Peacekeepers"


def test_reported_material_event_is_claimed(lex: Lexicon) -> None:
    # Officials said rebels attacked the town .
    doc = make(["Officials", "said", "rebels", "attacked", "the", "town", "."], [1, 1, 3, 1, 5, 3, 1],
               ["nsubj", "ROOT", "nsubj", "ccomp", "det", "dobj", "punct"],
               ["NOUN", "VERB", "NOUN", "VERB", "DET", "NOUN", "PUNCT"],
               ["official", "say", "rebel", "attack", "the", "town", "."])
    [cand] = code_sentence(doc[:], lex)
    assert cand.status == "claimed"
    assert cand.speaker is not None and cand.speaker.text == "Officials"


def test_relative_clause_object_is_head_noun(lex: Lexicon) -> None:
    # the town that rebels attacked
    doc = make(["the", "town", "that", "rebels", "attacked"], [1, 1, 4, 4, 1],
               ["det", "ROOT", "dobj", "nsubj", "relcl"], ["DET", "NOUN", "PRON", "NOUN", "VERB"],
               ["the", "town", "that", "rebel", "attack"])
    [cand] = code_sentence(doc[:], lex)
    assert cand.source.text == "rebels" and cand.target.text == "town"


def test_bad_lexicon_row_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "triggers.tsv").write_text("kind\tlemma\targ\ttype\tmode\tcontext\tprior\nverb\tx\t\tFIGHT\t\t\t1\n")
    (tmp_path / "cues.tsv").write_text(CUES)
    (tmp_path / "crosswalk.tsv").write_text(CROSSWALK)
    with pytest.raises(DataError, match=r"triggers.tsv:2: .*FIGHT"):
        Lexicon.load(tmp_path)


def test_shipped_lexicon_loads_and_covers_all_types() -> None:
    from tacitus.models import PLOVER_TYPES

    lex = Lexicon.load()
    types = {e.type for table in (lex.verbs, lex.nouns, lex.phrasal, lex.light) for es in table.values() for e in es}
    assert types == set(PLOVER_TYPES)
    for table in (lex.verbs, lex.nouns, lex.phrasal, lex.light):
        for entries in table.values():
            for e in entries:
                assert lex.crosswalk_for(e.type, e.mode) is not None, e
