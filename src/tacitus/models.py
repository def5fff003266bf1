"""Typed records that flow between stages: RawDocument → Article → DocumentResult.

`DocumentResult.to_dict()` is the EVENT-SCHEMA.md object; field names there are a contract.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

# The 16 PLOVER event types, in the ontology's own order (cooperation → conflict).
PLOVER_TYPES: tuple[str, ...] = (
    "AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST",
    "ACCUSE", "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT",
)
STATUSES: tuple[str, ...] = ("asserted", "claimed", "planned", "hypothetical", "negated", "demanded")
SECTORS: tuple[str, ...] = (
    "GOV", "MIL", "POL", "IGO", "PKO", "PMC", "REB", "INS", "MIL-ID", "CVL", "PRO", "MED",
    "NGO", "BUS", "JUD", "LEG", "OTH",
)


def normalize_text(text: str) -> str:
    """The form a document id is computed on: NFC, unified newlines, trimmed lines."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in text.strip().split("\n"))


def strip_accents(text: str) -> str:
    """"Goïta" → "Goita": decomposed, combining marks dropped (for case- and accent-blind keys)."""
    if text.isascii():
        return text  # nothing to strip, and most text is ASCII
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def content_id(*parts: str, length: int = 16) -> str:
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:length]


@dataclass(frozen=True)
class RawDocument:
    """Bytes as read from one input, before article extraction.

    `kind` is "text", "html" or "auto" (sniffed); the hints come from JSON Lines records
    or command-line options and win over what extraction finds. `published_fallback` (a WARC
    record's capture date) is used only when neither a hint nor the page gives a date.
    """

    source: str
    content: bytes | str
    kind: str = "auto"
    input_id: str | None = None
    published: str | None = None
    url: str | None = None
    title: str | None = None
    published_fallback: date | None = None


@dataclass(frozen=True)
class Paragraph:
    start: int
    end: int
    caption: bool = False


@dataclass
class Article:
    """Extracted article: clean text with paragraph spans and metadata."""

    text: str
    source: str
    input_id: str | None = None
    title: str | None = None
    published: date | None = None
    author: str | None = None
    site: str | None = None
    url: str | None = None
    language: str = "en"
    paragraphs: list[Paragraph] = field(default_factory=list)

    @property
    def id(self) -> str:
        return content_id(normalize_text(self.text))


@dataclass
class ActorRef:
    text: str
    name: str | None = None
    country: str | None = None
    sector: str | None = None
    id: str | None = None
    start: int | None = None
    end: int | None = None


@dataclass
class PlaceRef:
    text: str
    name: str | None = None
    country: str | None = None
    admin1: str | None = None
    lat: float | None = None
    lon: float | None = None
    geonameid: int | None = None
    precision: str | None = None  # point | admin2 | admin1 | country | region
    start: int | None = None
    end: int | None = None


@dataclass
class TimeRef:
    """A normalized date expression; `value` is a TIMEX3 value (2023-06-27, 2023-W25, P10Y…)."""

    text: str
    value: str | None
    start_date: str | None
    end_date: str | None
    precision: str | None  # day | week | month | quarter | season | year | decade | duration | present
    start: int
    end: int


@dataclass
class DateWindow:
    text: str | None
    start: str | None
    end: str | None
    precision: str  # day | week | month | year | document


@dataclass
class Evidence:
    sentence: str
    sentence_index: int
    start: int
    end: int
    trigger: str
    trigger_start: int | None = None
    trigger_end: int | None = None


@dataclass
class Quote:
    speaker: ActorRef | None
    text: str


@dataclass
class EventMention:
    type: str
    mode: str | None
    status: str
    evidence: Evidence
    source: ActorRef | None = None
    target: ActorRef | None = None
    context: list[str] = field(default_factory=list)
    date: DateWindow | None = None
    location: PlaceRef | None = None
    killed: int | None = None
    injured: int | None = None
    quantity: int | None = None
    cameo: str | None = None
    quad_class: int | None = None
    goldstein: float | None = None
    acled: dict[str, str] | None = None
    quote: Quote | None = None
    confidence: float = 0.5
    id: str = ""


@dataclass
class DocumentInfo:
    id: str
    source: str
    input_id: str | None
    title: str | None
    published: str | None
    language: str
    text_chars: int
    author: str | None = None
    site: str | None = None
    url: str | None = None


@dataclass
class DocumentResult:
    document: DocumentInfo
    text: str
    events: list[EventMention] = field(default_factory=list)
    places: list[PlaceRef] = field(default_factory=list)
    times: list[TimeRef] = field(default_factory=list)
    actors: list[ActorRef] = field(default_factory=list)
    paragraphs: list[Paragraph] = field(default_factory=list)

    def to_dict(self, include_text: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "document": asdict(self.document),
            "events": [asdict(e) for e in self.events],
            "places": [asdict(p) for p in self.places],
            "times": [asdict(t) for t in self.times],
            "actors": [asdict(a) for a in self.actors],
        }
        out["document"]["captions"] = [
            {"start": p.start, "end": p.end} for p in self.paragraphs if p.caption
        ]
        if include_text:
            out["document"]["text"] = self.text
        return out
