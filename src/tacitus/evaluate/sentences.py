"""Score event types sentence by sentence against two shared gold sets (`../shared/data/eval/`).

Takes the shared data folder and a loaded `Pipeline` (anything whose `run(articles)` yields
`DocumentResult`s in input order); gives a `SentenceReport`: per-type precision / recall / F1,
type accuracy, macro F1, and, for the PLOVER set, source/target agreement; for PETRARCH-2,
how many no-event sentences stayed quiet.

- `plover`: `eval/plover-gsr/PLOVER_GSR_CAMEO.txt`, a JSON array of records from the CAMEO
  manual coded with an older PLOVER draft, whose labels are mapped onto the 16 current types.
- `petr2`: `eval/petr2-gsr/PETR2_GSR_validation.xml`, AFP and test sentences with CAMEO codes,
  mapped to PLOVER through the crosswalk table `eval/plover-gsr/CAMEO2PLOVER-2021.txt`.

Each sentence is its own document; the system's answer for a sentence is its single most
confident event (ties: the first in the text), so the task is single-label classification.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..models import PLOVER_TYPES, ActorRef, Article, DocumentResult, EventMention, strip_accents

PLOVER_FILE = Path("eval/plover-gsr/PLOVER_GSR_CAMEO.txt")
PETR2_FILE = Path("eval/petr2-gsr/PETR2_GSR_validation.xml")
CROSSWALK_FILE = Path("eval/plover-gsr/CAMEO2PLOVER-2021.txt")

# Labels of the PLOVER draft the gold file was coded with (0.5b1, 2016) that the current
# ontology renamed or folded into another type.
OLD_PLOVER_LABELS = {"DEMAND": "REQUEST", "FIGHT": "ASSAULT", "DISAPPROVE": "ACCUSE", "INVESTIGATE": "ACCUSE"}
# Country codes in the PLOVER gold that are legacy KEDS/CAMEO spellings, not ISO 3166 alpha-3.
GOLD_COUNTRY_CODES = {"JAP": "JPN", "ITL": "ITA", "VTN": "VNM"}
NO_PREDICTION = "NONE"


@dataclass(frozen=True)
class GoldActor:
    text: str | None  # the words of the sentence naming it (PLOVER); None where only a code is given
    code: str | None  # ISO3-like country code, IGO / NGO, or a full CAMEO actor code (PETRARCH-2)


@dataclass(frozen=True)
class GoldEvent:
    type: str
    source: tuple[GoldActor, ...] = ()
    target: tuple[GoldActor, ...] = ()
    cameo: str | None = None


@dataclass(frozen=True)
class GoldSentence:
    """One gold sentence; `events` is empty for a sentence the gold says holds no event."""

    id: str
    text: str
    published: date | None
    events: tuple[GoldEvent, ...]

    @property
    def types(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(e.type for e in self.events))


@dataclass
class GoldSet:
    """What a loader read: the usable sentences, and what it left out and why."""

    sentences: list[GoldSentence]
    skipped: int = 0
    notes: list[str] = field(default_factory=list)


@dataclass
class TypeRow:
    type: str
    tp: int
    fp: int
    fn: int
    support: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def active(self) -> bool:
        """Counted in the macro average: the gold has it or the system predicted it."""
        return self.support > 0 or self.tp + self.fp > 0


@dataclass
class SentenceOutcome:
    id: str
    gold: tuple[str, ...]
    predicted: str | None
    right: bool
    role_ok: bool | None = None  # None where roles were not scored


@dataclass
class SentenceReport:
    name: str
    sentences: int
    rows: list[TypeRow]
    accuracy: float
    macro_f1: float
    role_ok: tuple[int, int] | None
    no_event_ok: tuple[int, int] | None
    skipped: int
    notes: list[str]
    # (gold type, predicted type or NONE, count), most frequent first; right answers left out.
    confusions: list[tuple[str, str, int]] = field(default_factory=list)
    outcomes: list[SentenceOutcome] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "sentences": self.sentences,
            "accuracy": self.accuracy,
            "macro_f1": self.macro_f1,
            "role_ok": list(self.role_ok) if self.role_ok else None,
            "no_event_ok": list(self.no_event_ok) if self.no_event_ok else None,
            "skipped": self.skipped,
            "notes": list(self.notes),
            "types": [{"type": r.type, "tp": r.tp, "fp": r.fp, "fn": r.fn, "support": r.support,
                       "precision": r.precision, "recall": r.recall, "f1": r.f1} for r in self.rows],
            "confusions": [{"gold": g, "predicted": p, "count": n} for g, p, n in self.confusions],
            "outcomes": [{"id": o.id, "gold": list(o.gold), "predicted": o.predicted, "right": o.right,
                          "role_ok": o.role_ok} for o in self.outcomes],
        }

    def summary(self) -> str:
        right = sum(r.tp for r in self.rows)
        parts = [f"{self.name}: {self.sentences} sentences, type accuracy {right}/{self.sentences} "
                 f"({self.accuracy:.2f}), macro F1 {self.macro_f1:.2f}"]
        if self.role_ok is not None:
            parts.append(f"roles right {_ratio(self.role_ok)} of correctly typed")
        if self.no_event_ok is not None:
            parts.append(f"no-event sentences left quiet {_ratio(self.no_event_ok)}")
        parts.append(f"records skipped {self.skipped}")
        return "; ".join(parts)


def _ratio(pair: tuple[int, int]) -> str:
    return f"{pair[0]}/{pair[1]}" + (f" ({pair[0] / pair[1]:.2f})" if pair[1] else "")


# -- loading ------------------------------------------------------------------------------

def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(str(path), "gold file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(path), f"cannot be read ({exc})") from None


def _plover_actors(value: Any) -> tuple[GoldActor, ...]:
    # Roles are a list of {"actorText", "code", "sector"}; an absent role is null or "" and a
    # few records hold a stray string (a context word) there, which names no actor.
    if not isinstance(value, list):
        return ()
    actors = []
    for item in value:
        if isinstance(item, dict) and (item.get("actorText") or item.get("code")):
            code = str(item.get("code") or "") or None
            actors.append(GoldActor(item.get("actorText") or None,
                                    GOLD_COUNTRY_CODES.get(code, code) if code else None))
    return tuple(actors)


def _iso_date(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) and value else None
    except ValueError:
        return None


def read_plover(data_dir: Path) -> GoldSet:
    """The PLOVER gold sentences with labels mapped to the 16 types, and the records left out."""
    path = data_dir / PLOVER_FILE
    try:
        records = json.loads(_read(path))
    except json.JSONDecodeError as exc:
        raise InputError(str(path), f"not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(records, list):
        raise InputError(str(path), "expected a JSON array of gold records")
    out = GoldSet([])
    left_out: Counter[str] = Counter()
    for i, record in enumerate(records):
        if not isinstance(record, dict):
            left_out["not a JSON object"] += 1
            continue
        label = str(record.get("event") or "")
        type_ = OLD_PLOVER_LABELS.get(label, label)
        text = record.get("text")
        if type_ not in PLOVER_TYPES:
            left_out[f"event {label or '(none)'} is not a PLOVER type"] += 1
            continue
        if not isinstance(text, str) or not text.strip():
            left_out["no sentence text"] += 1
            continue
        event = GoldEvent(type_, _plover_actors(record.get("source")), _plover_actors(record.get("target")))
        out.sentences.append(GoldSentence(str(record.get("id") or f"record-{i}"), " ".join(text.split()),
                                          _iso_date(record.get("date")), (event,)))
    out.skipped = sum(left_out.values())
    out.notes.extend(f"skipped {n} record(s): {why}" for why, n in sorted(left_out.items()))
    renamed = sorted(OLD_PLOVER_LABELS.items())
    out.notes.append("old PLOVER labels mapped: " + ", ".join(f"{a}→{b}" for a, b in renamed))
    return out


def load_plover(data_dir: Path) -> list[GoldSentence]:
    return read_plover(data_dir).sentences


class Crosswalk:
    """CAMEO code → PLOVER type, from lines `CODE: TYPE, mode, context # CAMEO label`.

    A code missing from the table falls back to its longest listed prefix ("0357" → "035"
    → "03"). Where the table lists one code twice (root "08" is both CONCEDE and RETREAT,
    as CAMEO 08 "yield" was split), the first row wins: the root keeps its own meaning.
    """

    LINE = re.compile(r"^\s*(\d+)\s*:\s*([A-Za-z]+)\b")

    def __init__(self, table: dict[str, str]) -> None:
        self.table = table

    @classmethod
    def parse(cls, text: str, source: str = "crosswalk") -> Crosswalk:
        table: dict[str, str] = {}
        for n, line in enumerate(text.splitlines(), 1):
            match = cls.LINE.match(line)
            if match is None:
                continue  # headings, comments, blank lines, the closing rule
            code, type_ = match.group(1), match.group(2).upper()
            if type_ not in PLOVER_TYPES:
                raise InputError(source, f"line {n}: {type_} is not a PLOVER type")
            table.setdefault(code, type_)
        if not table:
            raise InputError(source, "no `CODE: TYPE` rows")
        return cls(table)

    @classmethod
    def load(cls, path: Path) -> Crosswalk:
        return cls.parse(_read(path), str(path))

    def type_of(self, cameo: str) -> str | None:
        code = cameo.strip()
        if not code.isdigit():
            return None  # "---" and other placeholders
        for end in range(len(code), 1, -1):
            found = self.table.get(code[:end])
            if found is not None:
                return found
        return None


_SENTENCE = re.compile(r"<Sentence\b([^>]*)>(.*?)(?=<Sentence\b|</Sentences>|\Z)", re.S)
_ATTR = re.compile(r'(\w+)\s*=\s*"([^"]*)"')
_CODING = re.compile(r"<EventCoding\b([^>]*?)/?>")
_TEXT = re.compile(r"<Text>(.*?)</Text>", re.S)
_PARSE = re.compile(r"<Parse>(.*?)</Parse>", re.S)


def _parse_words(conllu: str) -> str:
    """A sentence's words from its CoNLL-U parse: FORM columns, spaced unless SpaceAfter=No."""
    out: list[str] = []
    for line in conllu.splitlines():
        cols = line.split("\t")
        if len(cols) < 10 or not cols[0].isdigit():
            continue  # comments, multi-word token ranges ("3-4"), empty nodes ("5.1")
        out.append(cols[1] + ("" if "SpaceAfter=No" in cols[9] else " "))
    return "".join(out).strip()


def _petr2_date(value: str | None) -> date | None:
    if value and re.fullmatch(r"\d{8}", value):
        try:
            return date(int(value[:4]), int(value[4:6]), int(value[6:]))
        except ValueError:
            return None
    return None


def read_petr2(data_dir: Path, crosswalk: Crosswalk | None = None) -> GoldSet:
    """The PETRARCH-2 validation sentences with CAMEO codes mapped to PLOVER types.

    The file is not well-formed XML (most `<Sentence .../>` tags close themselves and their
    content follows; `#` banner lines sit between elements), so records are read by pattern:
    each runs from one `<Sentence` to the next. A sentence marked `noevents="True"` is kept
    with no events; a coded sentence none of whose codes the crosswalk maps is left out.
    """
    path = data_dir / PETR2_FILE
    text = _read(path)
    if crosswalk is None:
        crosswalk = Crosswalk.load(data_dir / CROSSWALK_FILE)
    out = GoldSet([])
    unmapped: Counter[str] = Counter()
    left_out: Counter[str] = Counter()
    dropped_events = rebuilt = 0
    bad_dates: list[str] = []
    for n, match in enumerate(_SENTENCE.finditer(text)):
        attrs = dict(_ATTR.findall(match.group(1)))
        body = match.group(2)
        sid = attrs.get("id") or f"sentence-{n}"
        if attrs.get("evaluate", "true").lower() == "false":
            left_out['marked evaluate="false"'] += 1
            continue
        found = _TEXT.search(body)
        words = " ".join(html.unescape(found.group(1)).split()) if found else ""
        if not words:
            # A record or two have an empty <Text> but a full parse of the sentence.
            parse = _PARSE.search(body)
            words = _parse_words(html.unescape(parse.group(1))) if parse else ""
            if not words:
                left_out["neither <Text> nor <Parse> words"] += 1
                continue
            rebuilt += 1
        codings = [dict(_ATTR.findall(c)) for c in _CODING.findall(body)]
        no_event = any(c.get("noevents", "").lower() == "true" for c in codings)
        events = []
        for coding in codings:
            cameo = coding.get("eventcode")
            if not cameo:
                continue
            type_ = crosswalk.type_of(cameo)
            if type_ is None:
                unmapped[cameo] += 1
                continue
            events.append(GoldEvent(type_, _code_actor(coding.get("sourcecode")),
                                    _code_actor(coding.get("targetcode")), cameo))
        coded = sum(1 for c in codings if c.get("eventcode"))
        if no_event and coded:
            left_out["marked both no-event and coded"] += 1
            continue
        if not no_event and not events:
            left_out["no CAMEO code the crosswalk maps to PLOVER" if coded else "no <EventCoding>"] += 1
            continue
        dropped_events += coded - len(events)
        published = _petr2_date(attrs.get("date"))
        if published is None and attrs.get("date"):
            bad_dates.append(f"{sid} ({attrs['date']})")
        out.sentences.append(GoldSentence(sid, words, published, tuple(events)))
    if not out.sentences and not left_out:
        raise InputError(str(path), "no <Sentence> records")
    out.skipped = sum(left_out.values())
    out.notes.extend(f"skipped {n} sentence(s): {why}" for why, n in sorted(left_out.items()))
    if bad_dates:
        out.notes.append("run without a publication date, theirs not being YYYYMMDD: " + ", ".join(bad_dates))
    if rebuilt:
        out.notes.append(f"{rebuilt} sentence(s) with an empty <Text> read from the words of their <Parse>")
    if unmapped:
        codes = ", ".join(f"{c}×{n}" if n > 1 else c for c, n in sorted(unmapped.items()))
        out.notes.append(f"CAMEO codes with no crosswalk row, even by prefix: {codes}"
                         + (f" ({dropped_events} dropped from sentences that keep a mapped code)"
                            if dropped_events else ""))
    return out


def _code_actor(code: str | None) -> tuple[GoldActor, ...]:
    return (GoldActor(None, code),) if code and code.strip("-") else ()


def load_petr2(data_dir: Path) -> list[GoldSentence]:
    return read_petr2(data_dir).sentences


# -- scoring ------------------------------------------------------------------------------

def top_event(result: DocumentResult) -> EventMention | None:
    """The system's answer for a one-sentence document: its most confident event."""
    return max(result.events, key=lambda e: e.confidence, default=None)


def _fold(text: str | None) -> str:
    return strip_accents(text or "").casefold()


def actor_matches(gold: Sequence[GoldActor], system: ActorRef | None) -> bool:
    """Any one gold actor named by the system's: its words inside the system actor's text or
    name, or its country code equal to the system actor's country."""
    if system is None:
        return False
    hay = _fold(system.text) + "\x1f" + _fold(system.name)
    country = (system.country or "").upper()
    for actor in gold:
        if actor.text and _fold(actor.text) in hay:
            return True
        if actor.code and country and actor.code.upper() == country:
            return True
    return False


def _run(sentences: Sequence[GoldSentence], pipeline: Any, prefix: str) -> list[DocumentResult]:
    articles = [Article(text=s.text, source=f"{prefix}:{s.id}", published=s.published) for s in sentences]
    results = list(pipeline.run(articles))
    if len(results) != len(articles):
        raise RuntimeError(f"{prefix}: {len(results)} pipeline results for {len(articles)} sentences")
    return results


def score_sentences(name: str, gold: Sequence[GoldSentence], results: Sequence[DocumentResult],
                    roles: bool = False, no_events: bool = False) -> SentenceReport:
    """Per-type counts, accuracy and macro F1 over coded gold sentences; no-event sentences
    are counted apart (`no_event_ok`), and the type table covers the coded ones only.

    A sentence whose gold holds several types counts once: right when the predicted type is
    among them, and otherwise as a miss of its first gold type.
    """
    counts = {t: [0, 0, 0, 0] for t in PLOVER_TYPES}  # tp, fp, fn, support
    confusions: Counter[tuple[str, str]] = Counter()
    outcomes: list[SentenceOutcome] = []
    right = quiet = no_event = role_hits = role_total = coded = 0
    multi = 0
    for sentence, result in zip(gold, results, strict=True):
        top = top_event(result)
        predicted = top.type if top is not None else None
        if not sentence.events:
            no_event += 1
            quiet += not result.events
            outcomes.append(SentenceOutcome(sentence.id, (), predicted, not result.events))
            continue
        coded += 1
        types = sentence.types
        multi += len(types) > 1
        reference = predicted if predicted in types else types[0]
        row = counts.setdefault(reference, [0, 0, 0, 0])
        row[3] += 1
        ok = predicted == reference
        role_ok: bool | None = None
        if ok:
            right += 1
            row[0] += 1
            if roles and top is not None:
                event = next(e for e in sentence.events if e.type == reference)
                if event.source and event.target:
                    role_ok = (actor_matches(event.source, top.source)
                               and actor_matches(event.target, top.target))
                    role_total += 1
                    role_hits += role_ok
        else:
            row[2] += 1
            if predicted is not None:
                counts.setdefault(predicted, [0, 0, 0, 0])[1] += 1
            confusions[(reference, predicted or NO_PREDICTION)] += 1
        outcomes.append(SentenceOutcome(sentence.id, types, predicted, ok, role_ok))
    rows = [TypeRow(t, *c) for t, c in counts.items()]
    active = [r for r in rows if r.active]
    idle = [r.type for r in rows if not r.active]
    notes = [f"the type table and accuracy cover the {coded} sentences with gold events; each sentence's "
             "answer is its most confident event, and a sentence with no event is a miss"]
    if idle:
        notes.append(f"macro F1 over {len(active)} types; left out (no gold, never predicted): "
                     + ", ".join(idle))
    if multi:
        notes.append(f"{multi} sentence(s) carry several gold types: right when the answer is any of them")
    if roles:
        notes.append("roles scored on correctly typed sentences whose gold has both source and target")
    return SentenceReport(
        name=name, sentences=coded, rows=rows,
        accuracy=right / coded if coded else 0.0,
        macro_f1=sum(r.f1 for r in active) / len(active) if active else 0.0,
        role_ok=(role_hits, role_total) if roles else None,
        no_event_ok=(quiet, no_event) if no_events or no_event else None,
        skipped=0, notes=notes,
        confusions=[(g, p, n) for (g, p), n in sorted(confusions.items(), key=lambda kv: (-kv[1], kv[0]))],
        outcomes=outcomes,
    )


def _evaluate(name: str, gold: GoldSet, pipeline: Any, roles: bool, no_events: bool) -> SentenceReport:
    results = _run(gold.sentences, pipeline, name)
    report = score_sentences(name, gold.sentences, results, roles=roles, no_events=no_events)
    report.skipped = gold.skipped
    report.notes = gold.notes + report.notes
    return report


def evaluate_plover(data_dir: Path, pipeline: Any) -> SentenceReport:
    """Type accuracy, per-type table and roles on the PLOVER gold sentences."""
    return _evaluate("plover", read_plover(data_dir), pipeline, roles=True, no_events=False)


def evaluate_petr2(data_dir: Path, pipeline: Any) -> SentenceReport:
    """Type accuracy, per-type table and quiet no-event sentences on the PETRARCH-2 set."""
    return _evaluate("petr2", read_petr2(data_dir), pipeline, roles=False, no_events=True)


def format_table(report: SentenceReport) -> str:
    """Per-type precision, recall, F1 and support (types the gold has or the system predicted),
    then the summary line."""
    rows = [r for r in report.rows if r.active]
    width = max([len("type"), *(len(r.type) for r in rows)])
    lines = [f"{'type':<{width}}  precision  recall     F1  support"]
    lines.extend(f"{r.type:<{width}}  {r.precision:9.2f}  {r.recall:6.2f}  {r.f1:5.2f}  {r.support:7d}"
                 for r in rows)
    lines.append(report.summary())
    return "\n".join(lines)


def confusion_lines(report: SentenceReport, limit: int = 10) -> Iterable[str]:
    """The most frequent wrong answers as `GOLD → PREDICTED  count`."""
    for gold, predicted, n in report.confusions[:limit]:
        yield f"{gold} → {predicted}  {n}"
