"""The whole per-document path: Article → spaCy Doc → coded, resolved `DocumentResult`.

One `Pipeline` owns the loaded models (spaCy, lexicon, actor registry, gazetteer) and runs
the stages over a stream of articles in batches, so models load once per process.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc, Span

from . import __version__
from .coding.events import VERBAL_TYPES, EventCandidate, code_sentence
from .coding.lexicon import Lexicon
from .models import (
    ActorRef,
    Article,
    DateWindow,
    DocumentInfo,
    DocumentResult,
    EventMention,
    Evidence,
    PlaceRef,
    Quote,
    content_id,
)
from .nlp import load_nlp
from .resolve.actors import ActorRegistry, ActorResolver, document_actors
from .resolve.dates import TimeMention, event_date, find_times
from .resolve.gazetteer import Gazetteer
from .resolve.magnitudes import Magnitude, find_magnitudes
from .resolve.places import PlaceMention, event_place, resolve_places

# Material events whose place, when the text gives none in their clause, is the country of
# the state acted upon ("staged a mutiny against the Russian Defense Ministry" → Russia).
MATERIAL_TYPES = frozenset({"ASSAULT", "COERCE", "MOBILIZE", "RETREAT", "PROTEST", "AID", "CONCEDE"})
STATE_SECTORS = frozenset({"GOV", "MIL", "POL", "JUD", "LEG"})
# Below this, an event is kept but flagged `low_confidence` in its context.
CONFIDENCE_FLOOR = 0.35


@dataclass
class _DocState:
    article: Article
    doc: Doc
    times: list[TimeMention]
    places: list[PlaceMention]
    resolver: ActorResolver
    focus_country: str | None


class Pipeline:
    def __init__(self, nlp: Language, lexicon: Lexicon, registry: ActorRegistry, gazetteer: Gazetteer) -> None:
        self.nlp = nlp
        self.lexicon = lexicon
        self.registry = registry
        self.gazetteer = gazetteer

    @classmethod
    def load(cls) -> Pipeline:
        registry = ActorRegistry.load()
        gazetteer = Gazetteer.load()
        names = [*gazetteer.ruler_names(), *registry.ruler_names()]
        return cls(load_nlp(names), Lexicon.load(), registry, gazetteer)

    def run(self, articles: Iterable[Article], batch_size: int = 16) -> Iterator[DocumentResult]:
        """Results in input order."""
        pairs = ((a.text, a) for a in articles)
        for doc, article in self.nlp.pipe(pairs, as_tuples=True, batch_size=batch_size):
            yield self.process(article, doc)

    def process(self, article: Article, doc: Doc) -> DocumentResult:
        published = article.published
        doc_id = article.id
        times = find_times(doc, published)
        resolver = ActorResolver(self.registry, doc, doc_id)
        actors = document_actors(resolver, doc)
        hint = [c for c, _ in Counter(a.country for a in actors if a.country and a.country != "IGO").most_common(3)]
        places = resolve_places(doc, self.gazetteer, hint)
        focus = _focus_country(places)
        state = _DocState(article, doc, times, places, resolver, focus)
        events: list[EventMention] = []
        for index, sent in enumerate(doc.sents):
            events.extend(self._code(state, index, sent))
        info = DocumentInfo(
            id=doc_id, source=article.source, input_id=article.input_id, title=article.title,
            published=published.isoformat() if published else None, language=article.language,
            text_chars=len(article.text), author=article.author, site=article.site, url=article.url,
        )
        return DocumentResult(info, article.text, events, [p.ref for p in places], [t.ref for t in times],
                              actors, list(article.paragraphs))

    # -- per sentence ---------------------------------------------------------------------
    def _code(self, state: _DocState, index: int, sent: Span) -> list[EventMention]:
        candidates = code_sentence(sent, self.lexicon)
        if not candidates:
            return []
        magnitudes = find_magnitudes(sent)
        out: dict[tuple[str, str, str], EventMention] = {}
        for cand in candidates:
            event = self._resolve(state, index, sent, cand, magnitudes)
            if event is None:
                continue
            # One event per occurrence: a verb and its own event noun ("attacked … in an
            # attack") or two triggers for the same act keep the more confident reading.
            key = (event.type, _actor_key(event.source), _actor_key(event.target))
            if key not in out or out[key].confidence < event.confidence:
                out[key] = event
        return sorted(out.values(), key=lambda e: e.evidence.trigger_start or 0)

    def _resolve(self, state: _DocState, index: int, sent: Span, cand: EventCandidate,
                 magnitudes: Sequence[Magnitude]) -> EventMention | None:
        res = state.resolver
        source = res.resolve_token(cand.source) if cand.source is not None else None
        target = res.resolve_token(cand.target) if cand.target is not None else None
        speaker = res.resolve_token(cand.speaker) if cand.speaker is not None else None
        if source is not None and target is not None and _same_actor(source, target):
            target = None
        if source is None and target is None:
            return None
        entry = cand.entry
        status = cand.status
        if status == "claimed" and speaker is not None and speaker.sector == "MED":
            status = "asserted"  # a news agency reporting is the article's own voice
        date = event_date(cand.trigger, state.times, state.article.published)
        location = self._location(state, cand, source, target)
        if target is None and location is not None and entry.type in {"RETREAT", "MOBILIZE"} \
                and location.precision == "country":
            # Withdrawing from / deploying to a country acts on that country.
            target = ActorRef(text=location.text, name=location.name, country=location.country,
                              sector="GOV", id=location.country, start=location.start, end=location.end)
        killed = injured = quantity = None
        for mag in magnitudes:
            if mag.kind == "killed" and entry.type == "ASSAULT":
                killed = mag.count if killed is None else min(killed, mag.count)
            elif mag.kind == "injured" and entry.type == "ASSAULT":
                injured = mag.count if injured is None else min(injured, mag.count)
            elif mag.kind == "quantity" and cand.source is not None and mag.token.i == cand.source.i:
                quantity = mag.count
        xwalk = self.lexicon.crosswalk_for(entry.type, entry.mode)
        start, end = cand.trigger_span
        quote = None
        if cand.in_quote or (entry.type in VERBAL_TYPES and speaker is not None):
            quote = Quote(speaker, _quoted_text(sent) or sent.text.strip())
        confidence = _confidence(cand, source, target, location, date)
        context = list(entry.context)
        if confidence < CONFIDENCE_FLOOR:
            context.append("low_confidence")
        return EventMention(
            id=content_id(state.article.id, entry.type, str(start), str(end), __version__),
            type=entry.type, mode=entry.mode, context=context, status=status,
            source=source, target=target, date=date, location=location,
            killed=killed, injured=injured, quantity=quantity,
            cameo=xwalk.cameo if xwalk else None, quad_class=xwalk.quad_class if xwalk else None,
            goldstein=xwalk.goldstein if xwalk else None,
            acled=({"event_type": xwalk.acled_event_type, "sub_event_type": xwalk.acled_sub_event_type or ""}
                   if xwalk and xwalk.acled_event_type else None),
            quote=quote,
            evidence=Evidence(sentence=sent.text.strip(), sentence_index=index, start=sent.start_char,
                              end=sent.end_char, trigger=cand.trigger_text, trigger_start=start, trigger_end=end),
            confidence=round(confidence, 3),
        )

    def _location(self, state: _DocState, cand: EventCandidate, source: ActorRef | None,
                  target: ActorRef | None) -> PlaceRef | None:
        """Where it happened: a place in the event's own clause; else, for material events,
        the state acted upon; else the one place named in the sentence; else the article's
        focus country (precision tells the user how much to trust it)."""
        for token in (cand.trigger, cand.anchor):
            mention = event_place(token, state.places)
            if mention is not None:
                return mention.ref
        type_ = cand.entry.type
        if type_ in MATERIAL_TYPES:
            for actor in (target, source) if type_ != "PROTEST" else (source,):
                if actor is not None and actor.country and actor.country != "IGO" \
                        and actor.sector in STATE_SECTORS:
                    return self._country_place(actor.country, actor)
        sent = cand.trigger.sent
        in_sentence = [p for p in state.places if sent.start <= p.span.start < sent.end and p.locative]
        if len(in_sentence) == 1:
            return in_sentence[0].ref
        if type_ in MATERIAL_TYPES and state.focus_country:
            return self._country_place(state.focus_country, None)
        return None

    def _country_place(self, iso3: str, actor: ActorRef | None) -> PlaceRef | None:
        entry = self.gazetteer.country(iso3)
        if entry is None:
            return None
        return PlaceRef(text=actor.text if actor else entry.name, name=entry.name, country=iso3,
                        lat=entry.lat, lon=entry.lon, geonameid=entry.geonameid, precision="country")


def _focus_country(places: Sequence[PlaceMention]) -> str | None:
    counts = Counter(p.ref.country for p in places if p.ref.country)
    if not counts:
        return None
    (top, n), *rest = counts.most_common(2)
    # Only an article that is clearly about one country has a focus.
    return top if not rest or n >= 2 * rest[0][1] else None


def _actor_key(actor: ActorRef | None) -> str:
    if actor is None:
        return ""
    return actor.id or (actor.name or actor.text).lower()


def _same_actor(a: ActorRef, b: ActorRef) -> bool:
    return (a.start, a.end) == (b.start, b.end) or (a.id is not None and a.id == b.id and a.sector == b.sector)


def _quoted_text(sent: Span) -> str | None:
    text = sent.text
    for open_q, close_q in (("“", "”"), ('"', '"')):
        i = text.find(open_q)
        j = text.find(close_q, i + 1) if i >= 0 else -1
        if i >= 0 and j > i:
            return text[i + 1:j].strip(" ,")
    return None


def _confidence(cand: EventCandidate, source: ActorRef | None, target: ActorRef | None,
                location: PlaceRef | None, date: DateWindow | None) -> float:
    score = cand.entry.prior
    score *= 0.55 + 0.25 * (source is not None) + 0.2 * (target is not None)
    if cand.trigger.i != cand.anchor.i and cand.tokens[0].i != cand.anchor.i:
        score *= 0.9  # a bare event noun says less about who did it than a verb
    if date is not None and date.precision != "document":
        score = min(1.0, score + 0.05)
    return max(0.0, min(1.0, score))


