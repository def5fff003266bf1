"""The coding lexicon: triggers, cue words and the CAMEO / ACLED crosswalk, read from
`coding/data/*.tsv` (formats in docs/LEXICON.md)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from ..errors import DataError
from ..models import PLOVER_TYPES


@dataclass(frozen=True)
class TriggerEntry:
    kind: str  # verb | phrasal | light | noun
    lemma: str
    arg: str
    type: str
    mode: str | None
    context: tuple[str, ...]
    prior: float


@dataclass(frozen=True)
class Crosswalk:
    cameo: str | None
    quad_class: int | None
    goldstein: float | None
    acled_event_type: str | None
    acled_sub_event_type: str | None


@dataclass
class Lexicon:
    verbs: dict[str, list[TriggerEntry]] = field(default_factory=dict)
    phrasal: dict[tuple[str, str], list[TriggerEntry]] = field(default_factory=dict)
    light: dict[tuple[str, str], list[TriggerEntry]] = field(default_factory=dict)
    nouns: dict[str, list[TriggerEntry]] = field(default_factory=dict)
    cues: dict[str, set[str]] = field(default_factory=dict)
    # "status=X" notes: a cue whose reading differs from its kind's ("confirm" → asserted).
    cue_status: dict[str, str] = field(default_factory=dict)
    crosswalk: dict[tuple[str, str], Crosswalk] = field(default_factory=dict)

    def cue(self, kind: str) -> set[str]:
        return self.cues.get(kind, set())

    def crosswalk_for(self, type_: str, mode: str | None) -> Crosswalk | None:
        return self.crosswalk.get((type_, mode or "*")) or self.crosswalk.get((type_, "*"))

    @property
    def max_noun_words(self) -> int:
        return max((len(k.split()) for k in self.nouns), default=1)

    @classmethod
    def load(cls, data_dir: Path | None = None) -> Lexicon:
        base = data_dir or Path(str(resources.files("tacitus.coding") / "data"))
        lex = cls()
        tables = {"verb": lex.verbs, "noun": lex.nouns}
        pairs = {"phrasal": lex.phrasal, "light": lex.light}
        path = base / "triggers.tsv"
        for n, row in _rows(path):
            try:
                kind, type_ = row["kind"].strip(), row["type"].strip()
                if type_ not in PLOVER_TYPES:
                    raise ValueError(f"unknown PLOVER type {type_!r}")
                entry = TriggerEntry(kind, row["lemma"].strip().lower(), (row.get("arg") or "").strip().lower(),
                                     type_, (row.get("mode") or "").strip() or None,
                                     tuple(c for c in (row.get("context") or "").split("|") if c),
                                     float(row.get("prior") or 0.7))
            except (KeyError, ValueError, AttributeError) as exc:
                raise DataError(f"{path}:{n}: bad trigger row ({exc})") from exc
            if kind in tables:
                tables[kind].setdefault(entry.lemma, []).append(entry)
            elif kind in pairs:
                if not entry.arg:
                    raise DataError(f"{path}:{n}: {kind} trigger {entry.lemma!r} needs an arg")
                pairs[kind].setdefault((entry.lemma, entry.arg), []).append(entry)
            else:
                raise DataError(f"{path}:{n}: unknown trigger kind {kind!r}")
        for n, row in _rows(base / "cues.tsv"):
            try:
                cue = row["cue"].strip().lower()
                lex.cues.setdefault(row["kind"].strip(), set()).add(cue)
                note = (row.get("note") or "").strip()
                if note.startswith("status="):
                    lex.cue_status[cue] = note.split()[0].removeprefix("status=").rstrip(";,.")
            except (KeyError, AttributeError) as exc:
                raise DataError(f"{base / 'cues.tsv'}:{n}: bad cue row ({exc})") from exc
        for n, row in _rows(base / "crosswalk.tsv"):
            try:
                lex.crosswalk[(row["type"].strip(), (row.get("mode") or "*").strip() or "*")] = Crosswalk(
                    (row.get("cameo") or "").strip() or None,
                    int(row["quad_class"]) if (row.get("quad_class") or "").strip() else None,
                    float(row["goldstein"]) if (row.get("goldstein") or "").strip() else None,
                    (row.get("acled_event_type") or "").strip() or None,
                    (row.get("acled_sub_event_type") or "").strip() or None,
                )
            except (KeyError, ValueError, AttributeError) as exc:
                raise DataError(f"{base / 'crosswalk.tsv'}:{n}: bad crosswalk row ({exc})") from exc
        return lex


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            lines = [(n, line) for n, line in enumerate(fh, 1) if line.strip() and not line.startswith("#")]
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror})") from exc
    if not lines:
        raise DataError(f"{path}: empty data file")
    header = lines[0][1].rstrip("\n").split("\t")
    for n, line in lines[1:]:
        cells = line.rstrip("\n").split("\t")
        yield n, dict(zip(header, cells, strict=False))
