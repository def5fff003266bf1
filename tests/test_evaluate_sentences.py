"""Sentence-level evaluation sets: loaders, crosswalk lookup and the scoring arithmetic.

Gold data dirs are built in tmp_path in the shared files' formats (PLOVER JSON array,
PETRARCH-2 validation pseudo-XML, CAMEO→PLOVER crosswalk lines) with sentences written for
these tests; a fake pipeline returns canned results keyed by document source, so no spaCy.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path

import pytest

from tacitus.errors import InputError
from tacitus.evaluate.sentences import (
    CROSSWALK_FILE,
    PETR2_FILE,
    PLOVER_FILE,
    Crosswalk,
    GoldActor,
    actor_matches,
    confusion_lines,
    evaluate_petr2,
    evaluate_plover,
    format_table,
    load_petr2,
    load_plover,
    read_petr2,
    read_plover,
)
from tacitus.models import ActorRef, Article, DocumentInfo, DocumentResult, EventMention, Evidence

# -- fixtures: gold files and a canned pipeline --------------------------------------------

PLOVER_RECORDS: list[dict[str, object]] = [
    {"id": "T-DOCUMENT-0001", "event": "DOCUMENT", "eventText": "notes about this test file"},
    {"id": "T-DEMAND-0001", "date": "2000-01-01", "event": "DEMAND",
     "source": [{"actorText": "Kenyan", "code": "KEN", "sector": "GOV"}],
     "target": [{"actorText": "Ethiopia", "code": "ETH"}],
     "text": "The Kenyan government demanded that Ethiopia reopen the Moyale crossing."},
    {"id": "T-FIGHT-0001", "date": "2000-01-01", "event": "FIGHT",
     "source": [{"actorText": "rebels", "code": "COD", "sector": "REB"}],
     "target": [{"actorText": "army", "code": "COD", "sector": "MIL"}],
     "text": "Rebels fought the army for two days\nnear Goma."},
    {"id": "T-AGREE-0001", "date": "2000-01-01", "event": "AGREE",
     "source": [{"actorText": "Senegal", "code": "SEN"}, {"actorText": "Gambia", "code": "GMB"}],
     "target": "",
     "text": "Senegal and Gambia agreed to build a bridge across the river."},
    {"id": "T-CONSULT-0001", "date": "2000-01-01", "event": "CONSULT",
     "source": [{"actorText": "Japanese envoy", "code": "JAP"}],
     "target": [{"actorText": "Hanoi", "code": "VTN", "sector": "GOV"}],
     "text": "The Japanese envoy held talks in Hanoi on Monday."},
    {"id": "T-MEDIATE-0001", "date": "2000-01-01", "event": "MEDIATE",
     "source": [{"actorText": "Norway", "code": "NOR"}], "text": "Norway offered to mediate."},
]

CROSSWALK = """\
# CAMEO to PLOVER conversion table, test rows
04: CONSULT
040: CONSULT, ,  # Consult
042: CONSULT, visit,   # Make a visit

08: CONCEDE
080: CONCEDE,   ,  # Yield

08: RETREAT
0841: RETREAT, release,   legal # Return, release person(s)

11: ACCUSE
112: ACCUSE, disapprove,    # Accuse

19: ASSAULT
190: ASSAULT, , military # Use conventional military force
~~~~~
"""

PETR2_XML = """\
<?xml version='1.0' encoding='utf-8'?>
<Validation>
##########
#   test records in the layout of the PETRARCH-2 validation file
##########
<Sentences>
<Sentence category="AFP" date="20080805" id="S1" evaluate="true"/>
<EventCoding eventcode="193" sourcecode="SDNREB" targetcode="SDNMIL" />
<Text>
Rebels fired on an army convoy
near El Fasher on Tuesday.
</Text>
</Sentence>

<Sentence category="AFP" date="20080806" id="S2" evaluate="true">
<EventCoding eventcode="112" sourcecode="TCD" targetcode="SDN" />
<EventCoding eventcode="0841" sourcecode="SDN" targetcode="TCD" />
<Text>
Chad accused Sudan of holding its soldiers, and Sudan freed two of them.
</Text>
</Sentence>

<Sentence category="TEST" date="20150609" id="S3" evaluate="true"/>
<EventCoding noevents="True" />
<Text>
The weather in Niamey was hot.
</Text>

<Sentence category="TEST" date="20150609" id="S4" evaluate="true"/>
<EventCoding noevents="True" />
<Text>
Markets in Bamako opened late.
</Text>

<Sentence category="OTHER" date="20150609" id="S5" evaluate="true"/>
<EventCoding eventcode="015" sourcecode="MLI" targetcode="---" />
<Text>
Mali said the talks were useful.
</Text>

<Sentence category="OTHER" date="20150609" id="S6" evaluate="true"/>
<EventCoding eventcode="040" sourcecode="NER" targetcode="BFA" />
<Text>
</Text>
<Parse>
1\tNiger\tNiger\tPROPN\tNNP\t_\t2\tnsubj\t_\t_
2\tconsulted\tconsult\tVERB\tVBD\t_\t0\troot\t_\t_
3\tBurkina\tBurkina\tPROPN\tNNP\t_\t4\tcompound\t_\t_
4\tFaso\tFaso\tPROPN\tNNP\t_\t2\tobj\t_\tSpaceAfter=No
5\t.\t.\tPUNCT\t.\t_\t2\tpunct\t_\t_
</Parse>

<Sentence category="OTHER" date="20150609" id="S7" evaluate="true"/>
<EventCoding eventcode="081" sourcecode="GIN" targetcode="GINOPP" />
<Text>
Guinea eased its ban on opposition rallies.
</Text>
</Sentences>
</Validation>
"""


def event(type_: str, confidence: float, source: ActorRef | None = None,
          target: ActorRef | None = None) -> EventMention:
    return EventMention(type=type_, mode=None, status="asserted", confidence=confidence,
                        evidence=Evidence(sentence="s", sentence_index=0, start=0, end=1, trigger="t"),
                        source=source, target=target)


class CannedPipeline:
    """Returns the events listed for each document source, in input order; records its calls."""

    def __init__(self, events: dict[str, list[EventMention]]) -> None:
        self.events = events
        self.calls: list[list[Article]] = []

    def run(self, articles: Iterable[Article]) -> Iterator[DocumentResult]:
        batch = list(articles)
        self.calls.append(batch)
        for a in batch:
            info = DocumentInfo(id=a.id, source=a.source, input_id=None, title=None,
                                published=a.published.isoformat() if a.published else None, language="en",
                                text_chars=len(a.text))
            yield DocumentResult(info, a.text, list(self.events.get(a.source, [])))


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    for rel, text in ((PLOVER_FILE, json.dumps(PLOVER_RECORDS, indent=1)), (PETR2_FILE, PETR2_XML),
                      (CROSSWALK_FILE, CROSSWALK)):
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def plover_pipeline() -> CannedPipeline:
    return CannedPipeline({
        # Right type; source by country, target by neither words nor country: roles wrong.
        "plover:T-DEMAND-0001": [
            event("ASSAULT", 0.4),
            event("REQUEST", 0.7, ActorRef("Nairobi", "Kenya", "KEN", "GOV"),
                  ActorRef("Somalia", "Somalia", "SOM")),
        ],
        # The more confident event is the answer.
        "plover:T-FIGHT-0001": [event("ASSAULT", 0.5), event("COERCE", 0.8)],
        # T-AGREE-0001 yields nothing: a miss.
        # Right type; roles right only through the legacy codes JAP → JPN and VTN → VNM.
        "plover:T-CONSULT-0001": [
            event("CONSULT", 0.6, ActorRef("the envoy", None, "JPN", "GOV"),
                  ActorRef("Vietnamese officials", "Vietnam", "VNM", "GOV")),
        ],
    })


def petr2_pipeline() -> CannedPipeline:
    return CannedPipeline({
        "petr2:S1": [event("ASSAULT", 0.9)],
        "petr2:S2": [event("ACCUSE", 0.5), event("RETREAT", 0.6)],  # one of its two gold types
        "petr2:S4": [event("ASSAULT", 0.5)],  # the gold says no event here
        "petr2:S6": [event("ACCUSE", 0.5)],
        "petr2:S7": [event("CONCEDE", 0.7)],
    })


# -- PLOVER ---------------------------------------------------------------------------------

def test_plover_loader_maps_old_labels_and_skips_the_rest(data_dir: Path) -> None:
    gold = read_plover(data_dir)
    assert [(s.id, s.types) for s in gold.sentences] == [
        ("T-DEMAND-0001", ("REQUEST",)), ("T-FIGHT-0001", ("ASSAULT",)),
        ("T-AGREE-0001", ("AGREE",)), ("T-CONSULT-0001", ("CONSULT",)),
    ]
    assert gold.skipped == 2
    assert any("DOCUMENT" in n for n in gold.notes) and any("MEDIATE" in n for n in gold.notes)
    fight, agree, consult = gold.sentences[1:]
    assert fight.text == "Rebels fought the army for two days near Goma."
    assert fight.published == date(2000, 1, 1)
    assert agree.events[0].source == (GoldActor("Senegal", "SEN"), GoldActor("Gambia", "GMB"))
    assert agree.events[0].target == ()
    assert consult.events[0].source == (GoldActor("Japanese envoy", "JPN"),)
    assert load_plover(data_dir) == gold.sentences


def test_plover_scores(data_dir: Path) -> None:
    pipeline = plover_pipeline()
    report = evaluate_plover(data_dir, pipeline)
    assert len(pipeline.calls) == 1 and len(pipeline.calls[0]) == 4
    first = pipeline.calls[0][0]
    assert first.source == "plover:T-DEMAND-0001" and first.published == date(2000, 1, 1)

    assert report.sentences == 4 and report.accuracy == 0.5 and report.skipped == 2
    rows = {r.type: (r.tp, r.fp, r.fn, r.support) for r in report.rows}
    assert rows["REQUEST"] == (1, 0, 0, 1)
    assert rows["CONSULT"] == (1, 0, 0, 1)
    assert rows["ASSAULT"] == (0, 0, 1, 1)  # its lower-confidence ASSAULT does not count
    assert rows["COERCE"] == (0, 1, 0, 0)
    assert rows["AGREE"] == (0, 0, 1, 1)  # no event: a miss and no false positive anywhere
    assert sum(r.fp for r in report.rows) == 1
    # REQUEST 1, CONSULT 1, ASSAULT 0, COERCE 0, AGREE 0; the 11 idle types are left out.
    assert report.macro_f1 == pytest.approx(2 / 5)
    assert any("left out" in n and "PROTEST" in n for n in report.notes)
    # Two correctly typed sentences with gold source and target; only CONSULT's roles match.
    assert report.role_ok == (1, 2)
    assert report.no_event_ok is None
    assert report.confusions == [("AGREE", "NONE", 1), ("ASSAULT", "COERCE", 1)]
    assert list(confusion_lines(report)) == ["AGREE → NONE  1", "ASSAULT → COERCE  1"]


def test_plover_report_outputs(data_dir: Path) -> None:
    report = evaluate_plover(data_dir, plover_pipeline())
    summary = report.summary()
    assert "\n" not in summary
    assert summary.startswith("plover: 4 sentences, type accuracy 2/4 (0.50), macro F1 0.40")
    assert "roles right 1/2" in summary and "records skipped 2" in summary
    table = format_table(report).splitlines()
    assert table[0].split() == ["type", "precision", "recall", "F1", "support"]
    assert table[-1] == summary
    assert [line.split()[0] for line in table[1:-1]] == ["AGREE", "CONSULT", "REQUEST", "COERCE", "ASSAULT"]
    assert "REQUEST 1.00 1.00 1.00 1" in [" ".join(line.split()) for line in table]
    as_dict = json.loads(json.dumps(report.to_dict()))
    assert as_dict["role_ok"] == [1, 2] and as_dict["accuracy"] == 0.5
    assert {o["id"]: o["predicted"] for o in as_dict["outcomes"]}["T-FIGHT-0001"] == "COERCE"


def test_actor_matching() -> None:
    gold = (GoldActor("Hungarian", "HUN"), GoldActor("Romanian", "ROU"))
    assert actor_matches(gold, ActorRef("senior ROMANIAN officials"))  # words, any case
    assert actor_matches(gold, ActorRef("Bucharest", "Romania", "ROU", "GOV"))  # country code
    assert actor_matches(gold, ActorRef("the government", "Hungarian government"))  # the name
    assert not actor_matches(gold, ActorRef("Bulgarian officials", "Bulgaria", "BGR"))
    assert not actor_matches(gold, None)
    assert not actor_matches((GoldActor("Bamako", None),), ActorRef("officials", None, None))


def test_plover_bad_inputs(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        load_plover(tmp_path)
    path = tmp_path / PLOVER_FILE
    path.parent.mkdir(parents=True)
    path.write_text('{"id": 1}', encoding="utf-8")
    with pytest.raises(InputError, match="JSON array"):
        load_plover(tmp_path)
    path.write_text("[{", encoding="utf-8")
    with pytest.raises(InputError, match="not valid JSON"):
        load_plover(tmp_path)


# -- PETRARCH-2 -----------------------------------------------------------------------------

def test_crosswalk_lookup_falls_back_by_prefix() -> None:
    xw = Crosswalk.parse(CROSSWALK)
    assert xw.type_of("0841") == "RETREAT"  # listed
    assert xw.type_of("0849") == "CONCEDE"  # → "084" unlisted → root "08", whose first row wins
    assert xw.type_of("193") == "ASSAULT"  # → root "19"
    assert xw.type_of("042") == "CONSULT"
    assert xw.type_of("015") is None  # no "01" row
    assert xw.type_of("---") is None
    with pytest.raises(InputError, match="line 1: PARLEY"):
        Crosswalk.parse("04: PARLEY, , # not a PLOVER type", "test-crosswalk")
    with pytest.raises(InputError, match="no `CODE: TYPE` rows"):
        Crosswalk.parse("# only a heading\n")


def test_petr2_loader(data_dir: Path) -> None:
    gold = read_petr2(data_dir)
    assert [(s.id, s.types) for s in gold.sentences] == [
        ("S1", ("ASSAULT",)), ("S2", ("ACCUSE", "RETREAT")), ("S3", ()), ("S4", ()),
        ("S6", ("CONSULT",)), ("S7", ("CONCEDE",)),
    ]
    assert gold.skipped == 1 and any("015" in n for n in gold.notes)
    s1, _, _, _, s6, _ = gold.sentences
    assert s1.text == "Rebels fired on an army convoy near El Fasher on Tuesday."
    assert s1.published == date(2008, 8, 5)
    assert s1.events[0].cameo == "193" and s1.events[0].source == (GoldActor(None, "SDNREB"),)
    assert s6.text == "Niger consulted Burkina Faso."  # rebuilt from the parse
    assert load_petr2(data_dir) == gold.sentences


def test_petr2_scores(data_dir: Path) -> None:
    pipeline = petr2_pipeline()
    report = evaluate_petr2(data_dir, pipeline)
    assert len(pipeline.calls) == 1
    assert {a.source: a.published for a in pipeline.calls[0]}["petr2:S2"] == date(2008, 8, 6)
    # Coded sentences S1, S2, S6, S7: S1, S2 (RETREAT is one of its gold types) and S7 right.
    assert report.sentences == 4 and report.accuracy == 0.75
    rows = {r.type: (r.tp, r.fp, r.fn, r.support) for r in report.rows}
    assert rows["ASSAULT"] == (1, 0, 0, 1)  # S4's spurious ASSAULT is for no_event_ok, not the table
    assert rows["RETREAT"] == (1, 0, 0, 1)
    assert rows["ACCUSE"] == (0, 1, 0, 0)  # S2's ACCUSE is not its top event; S6's is wrong
    assert rows["CONSULT"] == (0, 0, 1, 1)
    assert rows["CONCEDE"] == (1, 0, 0, 1)
    assert report.macro_f1 == pytest.approx(3 / 5)
    assert report.no_event_ok == (1, 2)
    assert report.role_ok is None and report.skipped == 1
    assert report.confusions == [("CONSULT", "ACCUSE", 1)]
    assert "no-event sentences left quiet 1/2" in report.summary()


def test_petr2_missed_multi_type_sentence_is_a_miss_of_its_first_type(data_dir: Path) -> None:
    report = evaluate_petr2(data_dir, CannedPipeline({"petr2:S2": [event("SUPPORT", 0.9)]}))
    rows = {r.type: (r.tp, r.fp, r.fn, r.support) for r in report.rows}
    assert rows["ACCUSE"] == (0, 0, 1, 1) and rows["RETREAT"] == (0, 0, 0, 0)
    assert rows["SUPPORT"] == (0, 1, 0, 0)
    assert report.accuracy == 0.0 and report.no_event_ok == (2, 2)


def test_petr2_without_crosswalk(tmp_path: Path) -> None:
    path = tmp_path / PETR2_FILE
    path.parent.mkdir(parents=True)
    path.write_text(PETR2_XML, encoding="utf-8")
    with pytest.raises(InputError, match="CAMEO2PLOVER-2021.txt: gold file not found"):
        load_petr2(tmp_path)


# -- the shared gold sets themselves ---------------------------------------------------------

def _shared_data() -> Path | None:
    # The repository's sibling shared/ (as CI lays it out), else the workplace copy.
    for base in (Path(__file__).resolve().parents[2] / "shared" / "data", Path("/work/shared/data")):
        if (base / PLOVER_FILE).exists() and (base / PETR2_FILE).exists():
            return base
    return None


SHARED = _shared_data()


@pytest.mark.skipif(SHARED is None, reason="shared gold data not present")
def test_shared_gold_sets_load_completely() -> None:
    assert SHARED is not None
    plover = read_plover(SHARED)
    # 323 records: 322 sentences, all on one of the 16 types once mapped, and one DOCUMENT record.
    assert len(plover.sentences) == 322 and plover.skipped == 1
    petr2 = read_petr2(SHARED)
    coded = [s for s in petr2.sentences if s.events]
    quiet = [s for s in petr2.sentences if not s.events]
    # 78 records: 66 coded and 12 no-event; 7 coded ones carry only CAMEO 01x / 02x codes
    # (public statements, appeals), which the crosswalk does not map.
    assert len(quiet) == 12 and len(coded) == 59 and petr2.skipped == 7
    # One record's date is six digits ("121108"), too ambiguous to read; it runs undated.
    assert len([s for s in petr2.sentences if s.published is None]) == 1
    assert any("121108" in n for n in petr2.notes)
