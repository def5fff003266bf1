"""Score time expressions against TempEval-3 platinum (`eval/te3-platinum/*.tml` under the shared data folder).

Takes the shared data folder and a loaded `Pipeline` (anything whose `run(articles)` yields `DocumentResult`s
in input order; one is loaded when none is given); gives a `TimeReport` on the DATE-type TIMEX3s of the gold
(the document creation time is the publication date, not a scored expression):

- span recall: gold DATEs whose character span overlaps one of the document's `times`;
- value accuracy: of those, the ones whose overlapping time carries the gold TIMEX3 value exactly;
- span precision: tacitus DATE expressions (see `timex3_type`) that overlap a gold DATE, of all of them.

The text scored is the TimeML `<TEXT>` with its tags removed, so gold offsets and tacitus offsets count the
same characters. A tacitus time's TIMEX3 value is `TimeRef.value` as it is; its TIMEX3 type is read from it
by `tacitus.resolve.dates.timex3_type`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from ..models import Article, TimeRef
from ..resolve.dates import timex3_type

if TYPE_CHECKING:
    from ..pipeline import Pipeline

TE3_DIR = Path("eval/te3-platinum")
GRANULARITIES = ("day", "week", "month", "year", "ref", "other")


@dataclass(frozen=True)
class GoldTimex:
    text: str
    value: str
    type: str
    start: int
    end: int


@dataclass(frozen=True)
class TimeDocument:
    """One TimeML document: the text inside <TEXT>, its creation time, and its TIMEX3s (DCT excluded)."""

    name: str
    text: str
    dct: date
    timexes: tuple[GoldTimex, ...]


@dataclass(frozen=True)
class DateOutcome:
    """One gold DATE and what tacitus found over it (`found` None: nothing overlaps it)."""

    document: str
    gold: GoldTimex
    found: TimeRef | None

    @property
    def value_ok(self) -> bool:
        return self.found is not None and self.found.value == self.gold.value


@dataclass
class TimeReport:
    documents: int
    outcomes: list[DateOutcome] = field(default_factory=list)
    # tacitus DATE expressions that overlap no gold DATE: (document, time)
    spurious: list[tuple[str, TimeRef]] = field(default_factory=list)
    system_dates: int = 0

    @property
    def found(self) -> int:
        return sum(o.found is not None for o in self.outcomes)

    @property
    def value_right(self) -> int:
        return sum(o.value_ok for o in self.outcomes)

    def figures(self) -> dict[str, float]:
        gold = len(self.outcomes)
        return {
            "span_recall": round(self.found / gold, 4) if gold else 0.0,
            "value_accuracy": round(self.value_right / self.found, 4) if self.found else 0.0,
            "span_precision": round(1 - len(self.spurious) / self.system_dates, 4) if self.system_dates else 0.0,
        }

    def rows(self) -> list[tuple[str, int, int, int]]:
        """(granularity, gold DATEs, found, value right) by the gold value's granularity."""
        out = []
        for g in GRANULARITIES:
            mine = [o for o in self.outcomes if granularity(o.gold.value) == g]
            out.append((g, len(mine), sum(o.found is not None for o in mine), sum(o.value_ok for o in mine)))
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "gold_dates": len(self.outcomes),
            "found": self.found,
            "value_right": self.value_right,
            "system_dates": self.system_dates,
            "figures": self.figures(),
            "granularity": [{"granularity": g, "gold": n, "found": f, "value_right": v} for g, n, f, v in self.rows()],
            "outcomes": [{"document": o.document, "text": o.gold.text, "gold": o.gold.value,
                          "start": o.gold.start, "end": o.gold.end,
                          "found": None if o.found is None else o.found.text,
                          "value": None if o.found is None else o.found.value, "value_ok": o.value_ok}
                         for o in self.outcomes],
            "spurious": [{"document": d, "text": t.text, "value": t.value, "start": t.start, "end": t.end}
                         for d, t in self.spurious],
        }

    def format(self) -> str:
        lines = [f"{'granularity':<12}{'gold':>6}{'found':>7}{'recall':>8}{'value ok':>10}{'accuracy':>10}"]
        for g, n, f, v in self.rows():
            recall = f"{f / n:.2f}" if n else "-"
            accuracy = f"{v / f:.2f}" if f else "-"
            lines.append(f"{g:<12}{n:>6}{f:>7}{recall:>8}{v:>10}{accuracy:>10}")
        fig = self.figures()
        lines.append(
            f"te3-platinum: {self.documents} documents, {len(self.outcomes)} gold DATEs; span recall "
            f"{self.found}/{len(self.outcomes)} ({fig['span_recall']:.2f}), value accuracy "
            f"{self.value_right}/{self.found} ({fig['value_accuracy']:.2f}), span precision "
            f"{self.system_dates - len(self.spurious)}/{self.system_dates} ({fig['span_precision']:.2f})")
        return "\n".join(lines)


_GRANULARITY = (
    ("day", re.compile(r"[\dX]{4}-[\dX]{2}-[\dX]{2}")),
    ("week", re.compile(r"[\dX]{4}-W(?:\d\d|XX)(?:-WE)?")),
    ("month", re.compile(r"[\dX]{4}-(?:0[1-9]|1[0-2]|XX)")),
    ("year", re.compile(r"[\dX]{4}")),
    ("ref", re.compile(r"(?:PRESENT|PAST|FUTURE)_REF")),
)


def granularity(value: str) -> str:
    """The unit a TIMEX3 value names: "2013-03-22" day, "2013-W12" week, "2013-03" month, "2013" year,
    PRESENT_REF / PAST_REF / FUTURE_REF ref; seasons, quarters, decades, centuries and times of day are other."""
    return next((unit for unit, pattern in _GRANULARITY if pattern.fullmatch(value)), "other")


# -- reading TimeML -------------------------------------------------------------------------------

def read_timeml(path: Path) -> TimeDocument:
    """One .tml file: the text of <TEXT> with its tags removed, and the TIMEX3s in it by character offset."""
    try:
        root = ET.fromstring(path.read_bytes())
    except FileNotFoundError:
        raise InputError(str(path), "TimeML file not found") from None
    except OSError as exc:
        raise InputError(str(path), f"cannot be read ({exc})") from None
    except ET.ParseError as exc:
        raise InputError(str(path), f"not well-formed TimeML ({exc})") from None
    dct_timex = root.find("DCT/TIMEX3")
    if dct_timex is None:
        dct_timex = next((t for t in root.iter("TIMEX3") if t.get("functionInDocument") == "CREATION_TIME"), None)
    body = root.find("TEXT")
    if dct_timex is None or body is None:
        raise InputError(str(path), "no <TEXT> or no creation-time TIMEX3")
    try:
        dct = date.fromisoformat((dct_timex.get("value") or "")[:10])
    except ValueError:
        raise InputError(str(path), f"creation time {dct_timex.get('value')!r} is not a date") from None
    chunks: list[str] = []
    length = 0
    spans: list[tuple[int, int, str, str]] = []

    def add(text: str | None) -> None:
        nonlocal length
        chunks.append(text or "")
        length += len(text or "")

    def walk(elem: ET.Element) -> None:
        start = length
        add(elem.text)
        for child in elem:
            walk(child)
            add(child.tail)
        if elem.tag == "TIMEX3" and elem.get("functionInDocument") != "CREATION_TIME":
            value, type_ = elem.get("value"), elem.get("type")
            if value is None or type_ is None:
                raise InputError(str(path), f"TIMEX3 {elem.get('tid')!r} without value or type")
            spans.append((start, length, value, type_))

    walk(body)
    text = "".join(chunks)
    timexes = sorted((GoldTimex(text[a:b], value, type_, a, b) for a, b, value, type_ in spans),
                     key=lambda t: t.start)
    return TimeDocument(path.stem, text, dct, tuple(timexes))


def load_te3(data_dir: Path) -> list[TimeDocument]:
    folder = data_dir / TE3_DIR
    paths = sorted(folder.glob("*.tml"))
    if not paths:
        raise InputError(str(folder), "no TempEval-3 .tml files found")
    return [read_timeml(p) for p in paths]


# -- scoring --------------------------------------------------------------------------------------

def _overlap(a_start: int, a_end: int, b_start: int, b_end: int) -> int:
    return min(a_end, b_end) - max(a_start, b_start)


def score_document(doc: TimeDocument, times: Sequence[TimeRef]) -> tuple[list[DateOutcome], list[TimeRef], int]:
    """Outcomes of the document's gold DATEs, tacitus DATEs that overlap none, and how many tacitus DATEs."""
    golds = [g for g in doc.timexes if g.type == "DATE"]
    outcomes = []
    for g in golds:
        over = [t for t in times if _overlap(g.start, g.end, t.start, t.end) > 0]
        # the overlapping time that tells the gold's value if any does, else the one covering most of it
        best = max(over, key=lambda t: (t.value == g.value, _overlap(g.start, g.end, t.start, t.end)), default=None)
        outcomes.append(DateOutcome(doc.name, g, best))
    system = [t for t in times if timex3_type(t) == "DATE"]
    spurious = [t for t in system if not any(_overlap(g.start, g.end, t.start, t.end) > 0 for g in golds)]
    return outcomes, spurious, len(system)


def score_results(documents: Sequence[TimeDocument], times: Iterable[Sequence[TimeRef]]) -> TimeReport:
    report = TimeReport(documents=len(documents))
    for doc, refs in zip(documents, times, strict=True):
        outcomes, spurious, n = score_document(doc, refs)
        report.outcomes.extend(outcomes)
        report.spurious.extend((doc.name, t) for t in spurious)
        report.system_dates += n
    return report


def evaluate_time(data_dir: Path, pipeline: Pipeline | None = None) -> TimeReport:
    """Run the pipeline over the TempEval-3 platinum texts, published on their creation time, and score them."""
    documents = load_te3(data_dir)
    if pipeline is None:
        from ..pipeline import Pipeline

        pipeline = Pipeline.load()
    articles = [Article(text=d.text, source=str(data_dir / TE3_DIR / f"{d.name}.tml"), input_id=d.name,
                        published=d.dct) for d in documents]
    return score_results(documents, [r.times for r in pipeline.run(articles)])
