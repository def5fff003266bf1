"""The whole per-document path: Article → spaCy Doc → coded, resolved `DocumentResult`.

One `Pipeline` owns the loaded models (spaCy, lexicon, actor registry, gazetteer) and runs
the stages over a stream of articles in batches, so models load once per process.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from . import __version__
from .coding.events import LOCATIVE_PREPS, VERBAL_TYPES, EventCandidate, code_sentence
from .coding.lexicon import Crosswalk, Lexicon
from .coding.merge import attach_casualty_reports, merge_mentions
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
from .nlp import doc_text, load_nlp, sentence_of, span_text
from .resolve.actors import ActorRegistry, ActorResolver, document_actors, noun_phrase
from .resolve.dates import (
    TimeMention,
    before_reaction,
    carried_window,
    describes,
    event_date,
    find_times,
    narrative_date,
    sequenced,
    told_in_past,
)
from .resolve.gazetteer import Gazetteer
from .resolve.magnitudes import Magnitude, event_counts, find_magnitudes
from .resolve.places import (
    DEMONYM,
    EMBEDDED,
    LITERAL,
    PlaceMention,
    acted_on_place,
    earlier_place,
    event_place,
    in_another_time,
    resolve_places,
)

# Material events whose place, when the text gives none in their clause, is the country of
# the state acted upon ("staged a mutiny against the Russian Defense Ministry" → Russia).
MATERIAL_TYPES = frozenset({"ASSAULT", "COERCE", "MOBILIZE", "RETREAT", "PROTEST", "AID", "CONCEDE"})
STATE_SECTORS = frozenset({"GOV", "MIL", "POL", "JUD", "LEG"})
# Below CONFIDENCE_FLOOR an event is kept but flagged `low_confidence` in its context;
# below DROP_FLOOR (a weak trigger with half its roles missing) it is not reported at all.
CONFIDENCE_FLOOR = 0.6
DROP_FLOOR = 0.3
# Confidence factors by clause depth (main clause, one level down, two or more): for ranking
# the events of a sentence, and — milder — for deciding whether an event is reported at all.
RANK_BY_DEPTH = (1.0, 0.8, 0.7)
DROP_BY_DEPTH = (1.0, 0.9, 0.85)


# Determiners that make an event noun refer to an act already told.
_DEFINITE = frozenset({"the", "this", "that", "these", "those"})


@dataclass
class _DocState:
    article: Article
    doc: Doc
    times: list[TimeMention]
    places: list[PlaceMention]
    resolver: ActorResolver
    focus_country: str | None
    doc_id: str  # `article.id` hashes the whole text: computed once, not per event
    # (paragraph start, date) of the last sentence whose events had a date of their own.
    previous_date: tuple[int, DateWindow] | None = None
    seen_sentences: set[str] = field(default_factory=set)
    # (type, date) of the acts of earlier sentences that had a date, in text order: what "the talks" or
    # "the attack" of a later sentence refers back to.
    dated_acts: list[tuple[str, DateWindow]] = field(default_factory=list)


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
        names = [*gazetteer.major_places(), *gazetteer.ruler_names(), *registry.ruler_names()]
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
        state = _DocState(article, doc, times, places, resolver, focus, doc_id)
        events: list[EventMention] = []
        for index, sent in enumerate(doc.sents):
            events.extend(self._code(state, index, sent))
        events = attach_casualty_reports(merge_mentions(events))  # the headline and the lead; tolls
        _unique_ids(events)
        info = DocumentInfo(
            id=doc_id, source=article.source, input_id=article.input_id, title=article.title,
            published=published.isoformat() if published else None, language=article.language,
            text_chars=len(article.text), author=article.author, site=article.site, url=article.url,
        )
        return DocumentResult(info, article.text, events, [p.ref for p in places], [t.ref for t in times],
                              actors, list(article.paragraphs))

    # -- per sentence ---------------------------------------------------------------------
    def _code(self, state: _DocState, index: int, sent: Span) -> list[EventMention]:
        text = span_text(sent).strip()
        if text in state.seen_sentences:
            return []  # boilerplate repeated on the page ("X is committed to …" twice)
        state.seen_sentences.add(text)
        candidates = code_sentence(sent, self.lexicon)
        if not candidates:
            return []
        magnitudes = find_magnitudes(sent)
        rivals = [(c.trigger, c.entry.type) for c in candidates]
        pairs = [(e, c) for c in candidates if (e := self._resolve(state, index, sent, c, magnitudes, rivals))]
        _protest_purposes(pairs)
        self._narrative_dates(state, sent, pairs)
        pairs += [(d, c) for e, c in pairs if (d := self._declared_intent(state, e, c))]
        # One event per occurrence: a verb and its own event noun, or "shelling … killed 30".
        return merge_mentions(sorted((e for e, _ in pairs), key=lambda e: e.evidence.trigger_start or 0),
                              within_sentence=True)

    def _resolve(self, state: _DocState, index: int, sent: Span, cand: EventCandidate,
                 magnitudes: Sequence[Magnitude], rivals: Sequence[tuple[Token, str]] = ()) -> EventMention | None:
        res = state.resolver
        source = _resolve_role(res, cand.source)
        if not _known(source):
            source = None  # an agent we cannot name is no agent ("sanctions killed …" misparses)
        target = _pick_target(res, cand)
        speaker = _resolve_role(res, cand.speaker)
        if _known(source) and not _known(target):
            target = next((ref for t, _ in cand.target_alts if _known(ref := _resolve_role(res, t, deep=True))),
                          None) or target
        if source is not None and _known(source) and not _known(target) and cand.entry.type in NAMED_TARGET_TYPES:
            target = _named_in_clause(res, cand, source) or target
        if not _known(source) and _known(target):
            deep_source = _resolve_role(res, cand.source, deep=True)
            source = deep_source if _known(deep_source) else None
        place_target = None
        if not _known(target) and source is not None and cand.entry.type != "ASSAULT":
            # "lifted a curfew in X": the polity acted on, not the measure. An attack's target
            # is its victim, though; the place it hit is its location.
            place_target = next((ref for t in cand.place_targets if (ref := self._place_target(state, t))), None)
        if source is not None and target is not None and _same_actor(source, target):
            target = None
        if not (_known(source) or _known(target)):
            return None  # an event needs at least one participant we can name
        entry = cand.entry
        status = cand.status
        if status == "claimed" and speaker is not None and speaker.sector == "MED":
            status = "asserted"  # a news agency reporting is the article's own voice
        date = self._date(state, cand)
        location = self._location(state, cand, source, target)
        if not _known(target) and location is not None and location.precision == "country" and (
                entry.type in {"RETREAT", "MOBILIZE"} or entry.mode == "coup") and (
                source is None or source.country != location.country or entry.mode == "coup"):
            # Withdrawing from or deploying to a country, or a coup in it, acts on its state.
            target = ActorRef(text=location.text, name=location.name, country=location.country,
                              sector="GOV", id=location.country, start=location.start, end=location.end)
        counts = event_counts(cand.trigger, entry.type, cand.source, magnitudes, rivals)
        xwalk = self.lexicon.crosswalk_for(entry.type, entry.mode)
        start, end = cand.trigger_span
        quote = None
        if cand.in_quote or (entry.type in VERBAL_TYPES and speaker is not None):
            quote = Quote(speaker, _quoted_text(sent) or span_text(sent).strip())
        base = _confidence(cand, source, target, location, date)
        # A place standing as target fills the role by convention; it is no evidence of the event.
        target = place_target or target
        depth = min(_clause_depth(cand.anchor), 2)
        # Whether to report it at all is judged mostly on the trigger and roles; an embedded
        # clause ranks lower ("companies that helped finance Wagner" is still an event), since
        # the sentence's own assertion outranks what it embeds ("accused X of attacking").
        if base * DROP_BY_DEPTH[depth] < DROP_FLOOR:
            return None
        confidence = base * RANK_BY_DEPTH[depth]
        context = list(entry.context)
        if confidence < CONFIDENCE_FLOOR:
            context.append("low_confidence")
        return EventMention(
            id=content_id(state.doc_id, entry.type, str(start), str(end), __version__),
            type=entry.type, mode=entry.mode, context=context, status=status,
            source=source, target=target, date=date, location=location,
            killed=counts.killed, injured=counts.injured, quantity=counts.quantity,
            **_crosswalk_fields(xwalk),
            quote=quote,
            evidence=Evidence(sentence=span_text(sent).strip(), sentence_index=index, start=sent.start_char,
                              end=sent.end_char, trigger=cand.trigger_text, trigger_start=start, trigger_end=end),
            confidence=round(confidence, 3),
        )

    def _date(self, state: _DocState, cand: EventCandidate) -> DateWindow:
        """The event's own date, else the date of the statement that reports it ("…," he said
        last week), else the publication date (precision "document"; see `_narrative_dates`)."""
        published = state.article.published
        date = event_date(cand.trigger, state.times, published)
        if date.precision != "document":
            return date
        if cand.report_verb is not None:
            said = event_date(cand.report_verb, state.times, published)
            if said.precision != "document":
                return said
        return date

    def _declared_intent(self, state: _DocState, event: EventMention, cand: EventCandidate) -> EventMention | None:
        """"The rebels pledged to free the captives", "the union said it would boycott the vote":
        declaring one's own future act is itself an event — an intent to cooperate (AGREE) or a
        threat (THREATEN), as CAMEO 03 and 13 code it — beside the planned act."""
        if cand.ultimatum and _known(event.source) and event.type != "THREATEN":
            root = sentence_of(cand.anchor).root
            return self._statement(state, event, "THREATEN", root if _is_speech(root, self.lexicon) else cand.anchor,
                                   cand)
        if cand.refusal and event.status == "negated" and _known(event.source) and (event.quad_class or 0) <= 2:
            # "refused to lift the curfew", "would not release the detainees": a rejection
            return self._statement(state, event, "REJECT", cand.anchor if cand.intent_verb is None
                                   else cand.intent_verb, cand)
        if event.status == "demanded" and cand.report_verb is not None and cand.speaker is not None \
                and event.source is not None:
            # "Miller said the government must hold elections": the speaker demands it of them.
            demander = _resolve_role(state.resolver, cand.speaker)
            if demander is not None and _known(demander) and not _same_actor(demander, event.source):
                request = self._statement(state, event, "REQUEST", cand.report_verb, cand)
                if request is not None:
                    request.source, request.target = demander, event.source
                return request
        if event.status == "claimed" and event.quad_class == 4 and cand.report_verb is not None \
                and cand.report_verb.lemma_.lower() in self.lexicon.cue("claim") and cand.speaker is not None \
                and _known(event.source):
            # "The US claimed that ISIL attacked Iraq": alleging another's violence accuses them
            # (CAMEO 112); a plain "said" only reports it.
            accuser = _resolve_role(state.resolver, cand.speaker)
            if accuser is not None and event.source is not None and _known(accuser) \
                    and not _same_actor(accuser, event.source):
                accusation = self._statement(state, event, "ACCUSE", cand.report_verb, cand)
                if accusation is not None:
                    accusation.source, accusation.target = accuser, event.source
                return accusation
        verb = cand.intent_verb
        if verb is None or event.status != "planned" or not _known(event.source) or event.quad_class is None:
            return None
        subject = next((c for c in verb.children if c.dep_ in {"nsubj", "nsubjpass"}), None)
        said_by = _resolve_role(state.resolver, subject) if subject is not None else None
        source = event.source
        if said_by is not None and source is not None and _known(said_by) and not _same_actor(said_by, source) \
                and (said_by.id or said_by.name) != (source.id or source.name) \
                and not (said_by.country and said_by.country == source.country and source.sector == "GOV"):
            # Someone else's plan, reported: no intent of the speaker's own (a state's own
            # officials announcing its plans speak for it).
            return None
        return self._statement(state, event, "AGREE" if event.quad_class <= 2 else "THREATEN", verb, cand)

    def _statement(self, state: _DocState, event: EventMention, type_: str, verb: Token,
                   cand: EventCandidate) -> EventMention | None:
        if type_ == event.type:
            return None
        xwalk = self.lexicon.crosswalk_for(type_, None)
        start, end = verb.idx, verb.idx + len(verb)
        date = event_date(verb, state.times, state.article.published)
        return EventMention(
            id=content_id(state.doc_id, type_, str(start), str(end), __version__),
            type=type_, mode=None, context=list(event.context), status="asserted",
            source=event.source, target=event.target, date=date, location=event.location,
            **_crosswalk_fields(xwalk),
            quote=event.quote,
            evidence=Evidence(sentence=event.evidence.sentence, sentence_index=event.evidence.sentence_index,
                              start=event.evidence.start, end=event.evidence.end, trigger=verb.text,
                              trigger_start=start, trigger_end=end),
            # The declaration is the sentence's main assertion: it outranks the act it announces.
            confidence=round(min(1.0, max(event.confidence * 1.3, 0.6)), 3),
        )

    def _narrative_dates(self, state: _DocState, sent: Span,
                         pairs: Sequence[tuple[EventMention, EventCandidate]]) -> None:
        """A past event with no date of its own happened when the narrative around it did: the
        date of another event its sentence tells (not one in a clause describing a participant),
        else the time the story had reached before it (`narrative_date`). Only windows that say
        when, not how long, carry (`carried_window`: not "since June"). An act only planned,
        demanded or supposed takes the time of the statement that tells of it ("they warned that
        attacks would resume"), when that statement is told in the past."""
        published = state.article.published
        own = [e.date for e, c in pairs if e.date is not None and carried_window(e.date, published)
               and not describes(c.anchor)]
        story: list[DateWindow | None] = []  # computed once, when an event needs it

        def story_time() -> DateWindow | None:
            if not story:
                story.append(narrative_date(sent, state.times, published))
            return story[0]

        for event, cand in pairs:
            if event.date is not None and event.date.precision != "document":
                continue
            if sequenced(cand.trigger):
                continue  # "three days after the group bombed a restaurant": not the story's day
            referred = self._referred_act(state, event, cand)
            if event.status in ("planned", "hypothetical", "demanded"):
                told = cand.report_verb or cand.intent_verb or cand.anchor
                if told is cand.anchor and told.dep_ in ("ccomp", "xcomp") and told.head.i != told.i:
                    told = told.head  # "they warned that attacks would resume": the warning
                if not told_in_past(told):
                    continue
                carried = next((e.date for e, c in pairs if c.trigger.i == told.i
                                and carried_window(e.date, published)), None) or story_time()
            elif referred is not None:
                carried = referred
            elif told_in_past(cand.anchor):
                carried = before_reaction(cand.trigger, own[0]) if own else story_time()
            else:
                continue
            if carried is not None:
                event.date = DateWindow(text=carried.text, start=carried.start, end=carried.end,
                                        precision=carried.precision)
        state.dated_acts += [(e.type, e.date) for e, c in pairs if e.date is not None
                             and carried_window(e.date, published) and not describes(c.anchor)]

    def _referred_act(self, state: _DocState, event: EventMention, cand: EventCandidate) -> DateWindow | None:
        """The date of the act a definite event noun refers back to: "The talks were also attended by
        observers", "The attack was later claimed by IS" tell more of the last talks or attack the story
        dated, not of a new one on the day of publication."""
        noun = cand.trigger if cand.trigger.pos_ == "NOUN" else next(
            (c for c in cand.trigger.children if c.dep_ in ("nsubj", "nsubjpass", "dobj") and c.pos_ == "NOUN"), None)
        if noun is None or not any(c.dep_ == "det" and c.lower_ in _DEFINITE for c in noun.children):
            return None
        if not any(entry.type == event.type for entry in self.lexicon.nouns.get(noun.lemma_.lower(), ())):
            return None
        return next((date for type_, date in reversed(state.dated_acts) if type_ == event.type), None)

    def _location(self, state: _DocState, cand: EventCandidate, source: ActorRef | None,
                  target: ActorRef | None) -> PlaceRef | None:
        """Where it happened: a place in the event's own clause, or the place a material act was done
        to ("captured Goma"), the finer of the two; else, for material events, the state acted upon;
        else the one place named in the sentence; else the place the paragraph's story was in; else,
        for material events, the article's focus country (precision tells the user how much to trust
        it). Only literal mentions count: "Washington said", "Malian troops" or "Arizona State
        University" name no place where anything happened."""
        own = {cand.trigger.i, cand.anchor.i}
        places = [p for p in state.places if p.use == LITERAL and not _said_at(p.span.root, own, self.lexicon)]
        type_ = cand.entry.type
        acted_on = None
        if type_ in MATERIAL_TYPES:
            acted_on = acted_on_place([cand.target, *(t for t, _ in cand.target_alts)], places)
        for token in (cand.trigger, cand.anchor):
            mention = event_place(token, places)
            if mention is not None:
                if acted_on is not None and _finer_or_same(acted_on.ref, mention.ref):
                    return acted_on.ref
                return mention.ref
        if acted_on is not None:
            return acted_on.ref
        # A deployment's place is where it goes, a withdrawal's where it leaves.
        moves = {"MOBILIZE": ("to", "into"), "AID": ("to", "into"), "RETREAT": ("from", "out")}.get(type_)
        if moves:
            heads = {cand.trigger.i, cand.anchor.i}
            for p in places:
                prep = p.span.root.head
                if p.span.root.dep_ == "pobj" and prep.lower_ in moves and prep.head.i in heads:
                    return p.ref
        if type_ in MATERIAL_TYPES:
            # The state acted upon; the actor's own state only for acts done at home (a
            # protest, an arrest) — a force withdrawing or deploying is rarely in its own country.
            actors = {"PROTEST": (source,), "COERCE": (target, source)}.get(type_, (target,))
            sectors = STATE_SECTORS - {"MIL"}  # armed forces are often abroad
            if cand.entry.mode in {"coup", "mutiny"}:
                actors, sectors = (target, source), STATE_SECTORS  # seizing power at home
            for actor in actors:
                if actor is not None and actor.country and actor.country != "IGO" \
                        and actor.sector in sectors:
                    return self._country_place(actor.country, actor)
        sent = sentence_of(cand.trigger)
        in_sentence = [p for p in places if sent.start <= p.span.start < sent.end and p.locative
                       and not in_another_time(p, cand.trigger)]
        if len(in_sentence) == 1:
            return in_sentence[0].ref
        if not in_sentence and (earlier := earlier_place(sent, places)) is not None:
            return earlier.ref
        if type_ in MATERIAL_TYPES and state.focus_country:
            return self._country_place(state.focus_country, None)
        return None

    @staticmethod
    def _place_target(state: _DocState, token: Token) -> ActorRef | None:
        """The polity a place name stands for as a target: the actor it names (a country, a
        capital), else the place itself with its country ("a curfew in the West Bank")."""
        ref = _resolve_role(state.resolver, token)
        if _known(ref):
            return ref
        place = next((p.ref for p in state.places if p.span.start <= token.i and token.left_edge.i < p.span.end), None)
        if place is None or not place.country:
            return None
        return ActorRef(text=place.text, name=place.name, country=place.country, start=place.start, end=place.end)

    def _country_place(self, iso3: str, actor: ActorRef | None) -> PlaceRef | None:
        entry = self.gazetteer.country(iso3)
        if entry is None:
            return None
        # Inferred from an actor, not named in the text: the country's own name, no offsets.
        return PlaceRef(text=entry.name, name=entry.name, country=iso3,
                        lat=entry.lat, lon=entry.lon, geonameid=entry.geonameid, precision="country")


# Prepositions whose object is the actor behind a phrase that names none.
ROLE_COMPLEMENT_PREPS = frozenset({"of", "with", "by", "from"})


def _resolve_role(resolver: ActorResolver, token: Token | None, deep: bool = False) -> ActorRef | None:
    """The actor a role token names; when the phrase itself is no actor ("the work of the
    Wagner Group", "its relationship with Russia", "a coalition of rebels"), the actor in its
    "of" / "with" complement. `deep` also reads its owner and its "by" / "from" complement
    ("the United States' policies", "violations by the security forces"): weaker evidence,
    used only to fill a role of an event that already has a named participant."""
    if token is None:
        return None
    ref = resolver.resolve_token(token)
    if ref is not None:
        return ref
    preps = ROLE_COMPLEMENT_PREPS if deep else {"of", "with"}
    for child in token.children:
        if deep and child.dep_ == "poss" and child.pos_ != "PRON" or (
                child.dep_ == "prep" and child.lower_ in preps):
            # "the United States' policies", "violations by the security forces", "activists
            # from the Fatah party": the phrase is no actor, its owner or author is.
            pobj = child if child.dep_ == "poss" else next((c for c in child.children if c.dep_ == "pobj"), None)
            if pobj is not None:
                ref = resolver.resolve_token(pobj)
                if ref is not None and _known(ref) and ref.start is not None and ref.end is not None:
                    # The words are the whole phrase ("doctors from two American aid groups"),
                    # the identity the complement's.
                    phrase = noun_phrase(token)
                    start, end = min(phrase.start_char, ref.start), max(phrase.end_char, ref.end)
                    return replace(ref, text=doc_text(token.doc)[start:end], start=start, end=end)
    if token.pos_ in {"NOUN", "PROPN"} and not token.like_num:
        # Not a known actor, but what the text names is still the participant ("the camp",
        # "a supply convoy", "the Galaxy Leader"): keep its words, unresolved.
        phrase = noun_phrase(token)
        return ActorRef(text=phrase.text, start=phrase.start_char, end=phrase.end_char)
    return None


def _unique_ids(events: Sequence[EventMention]) -> None:
    """Two events on one trigger of one type ("said it would free X and return Y" declares two
    intents on "said") would share a content id, and a store keeps one row per id: the later
    ones take their roles into the id, so it stays the same for the same input."""
    seen: set[str] = set()
    for event in events:
        if event.id in seen:
            roles = [(a.id or a.name or a.text) if a else "" for a in (event.source, event.target)]
            event.id = content_id(event.id, *roles, str(len(seen)))
        seen.add(event.id)


def _protest_purposes(pairs: Sequence[tuple[EventMention, EventCandidate]]) -> None:
    """"Teachers marched in Nairobi to demand that the treasury …", "demonstrated, calling for
    independence": the protest is the act and the demand what it says. The demand ranks below
    the protest, and the protest is aimed at whom its purpose asks, blames or rejects, rather
    than at the place it stands in."""
    for event, cand in pairs:
        if event.type != "PROTEST":
            continue
        for other, purpose in pairs:
            if other.type not in {"REQUEST", "ACCUSE", "REJECT"} or purpose.anchor.dep_ not in {"advcl", "xcomp"} \
                    or purpose.anchor.head.i != cand.anchor.i:
                continue
            other.confidence = round(min(other.confidence, event.confidence * 0.95), 3)
            if _known(other.target) and (event.target is None or not event.target.id):
                event.target = other.target


# Types whose target is often named only deep in what the act is about ("protest the violations
# under the law imposed by X", "threatened to impose restrictions against German goods").
NAMED_TARGET_TYPES = VERBAL_TYPES | {"PROTEST", "REJECT", "SANCTION", "CONCEDE"}
_NAME_LABELS = frozenset({"GPE", "ORG", "NORP", "PERSON"})
# What a clause is not about: its own subject and function words, a coordinated act ("welcomed
# X and urged Y"), an aside ("…, citing the situation in Y"); deeper down only the function words.
_NOT_ABOUT = frozenset({"nsubj", "nsubjpass", "csubj", "punct", "cc", "aux", "auxpass", "mark", "neg", "parataxis",
                        "relcl", "npadvmod", "conj", "advcl", "appos"})
_NOT_ABOUT_BELOW = frozenset({"punct", "cc", "aux", "auxpass", "mark", "neg", "parataxis", "relcl", "appos",
                              "advcl"})


# Prepositions of circumstance: "amid the war in Ukraine", "after clashes with X" set the scene.
_CIRCUMSTANCE_PREPS = frozenset({"amid", "amidst", "during", "after", "before", "despite", "since", "until",
                                 "following", "as", "because", "like", "unlike", "besides", "except"})


def _about(verb: Token) -> list[Token]:
    # Where it happened is no target here ("marched in Nairobi to demand …"); a place stands as
    # target only as a last resort (EventCandidate.place_targets).
    out = [c for c in verb.children if c.dep_ not in _NOT_ABOUT and c.lower_ not in _CIRCUMSTANCE_PREPS
           and c.lower_ not in LOCATIVE_PREPS]
    for clause in verb.children:
        if clause.dep_ == "advcl" and any(m.dep_ == "aux" and m.lower_ == "to" for m in clause.children):
            out.append(clause)  # the purpose: "rallied to demand reforms by X"
    return out


def _names_actor(tok: Token) -> bool:
    """A noun phrase head with a name in or before it ("Russian military leadership")."""
    if not tok.is_alpha or tok.lower_ in {"pro", "anti"} or tok.pos_ not in {"PROPN", "NOUN", "ADJ"} or (
            tok.dep_ in {"compound", "flat"}):
        return False
    return tok.ent_type_ in _NAME_LABELS or any(
        c.ent_type_ in _NAME_LABELS and c.dep_ in {"amod", "compound", "nmod"} and c.is_alpha
        and c.lower_ not in {"pro", "anti"} for c in tok.lefts)


def _named_in_clause(resolver: ActorResolver, cand: EventCandidate, source: ActorRef) -> ActorRef | None:
    """The nearest named actor in what the act is about (its objects, complements, purpose or
    condition, not its subject or an aside), other than the source: breadth first, so the
    closest wins."""
    verb, trigger = cand.anchor, cand.trigger
    if trigger.i == verb.i or cand.tokens[0].i == verb.i:
        frontier = _about(verb)
    else:
        frontier = [c for c in trigger.children if c.dep_ not in _NOT_ABOUT_BELOW]  # an event noun's own
    seen = {verb.i, trigger.i}
    for _ in range(6):  # six steps down is far enough; past that the name is about something else
        nxt: list[Token] = []
        for tok in frontier:
            if tok.i in seen:
                continue
            seen.add(tok.i)
            if _names_actor(tok):
                ref = resolver.resolve_token(tok)
                if ref is not None and _known(ref) and not _same_actor(ref, source) and not (
                        source.start is not None and ref.start is not None and source.start <= ref.start
                        and (ref.end or 0) <= (source.end or 0)):
                    return ref
            nxt += [c for c in tok.children if c.dep_ not in _NOT_ABOUT_BELOW and c.lower_ not in _CIRCUMSTANCE_PREPS]
        frontier = nxt
    return None


def _crosswalk_fields(xwalk: Crosswalk | None) -> dict[str, Any]:
    """CAMEO code, QuadClass, Goldstein and ACLED types of an event's (type, mode)."""
    if xwalk is None:
        return {"cameo": None, "quad_class": None, "goldstein": None, "acled": None}
    acled = ({"event_type": xwalk.acled_event_type, "sub_event_type": xwalk.acled_sub_event_type or ""}
             if xwalk.acled_event_type else None)
    return {"cameo": xwalk.cameo, "quad_class": xwalk.quad_class, "goldstein": xwalk.goldstein, "acled": acled}


def _said_at(token: Token, own: set[int], lexicon: Lexicon) -> bool:
    """Whether a place names where a report was made ("…, the military said in Accra"), in a clause other
    than the event's own: the place of the telling, not of what is told."""
    verb = token
    while verb.head.i != verb.i and verb.pos_ not in ("VERB", "AUX"):
        verb = verb.head
    return verb.i not in own and verb.pos_ in ("VERB", "AUX") and verb.lemma_.lower() in lexicon.cue("report")


def _is_speech(token: Token, lexicon: Lexicon) -> bool:
    return token.lemma_.lower() in lexicon.cue("report") | lexicon.cue("intent")


def _pick_target(resolver: ActorResolver, cand: EventCandidate) -> ActorRef | None:
    """The first target reading that names a known actor; else the first whose words may
    stand unresolved ("the camp")."""
    fallback = None
    for token, text_ok in cand.target_alts:
        ref = _resolve_role(resolver, token)
        if _known(ref):
            return ref
        if fallback is None and text_ok and ref is not None:
            fallback = ref
    return fallback


def _known(actor: ActorRef | None) -> bool:
    return actor is not None and bool(actor.country or actor.sector or actor.id)


def _paragraph_of(token: Token) -> int:
    text = doc_text(token.doc)
    return text.rfind("\n\n", 0, token.idx)


def _focus_country(places: Sequence[PlaceMention]) -> str | None:
    # Places named as places or standing for their state; a demonym or a name inside an organisation's
    # name ("U.S. Department of Transportation") says less about where the story is.
    counts = Counter(p.ref.country for p in places if p.ref.country and p.use not in (DEMONYM, EMBEDDED))
    if not counts:
        return None
    (top, n), *rest = counts.most_common(2)
    # Only an article that is clearly about one country has a focus.
    return top if not rest or n >= 1.5 * rest[0][1] else None


_PRECISION_ORDER = ("point", "admin2", "admin1", "country", "region")


def _finer_or_same(a: PlaceRef, b: PlaceRef) -> bool:
    """Whether place `a` is at least as precise as `b` (a town before the region it is in)."""
    rank = {p: i for i, p in enumerate(_PRECISION_ORDER)}
    return rank.get(a.precision or "", 9) <= rank.get(b.precision or "", 9)


def _same_actor(a: ActorRef, b: ActorRef) -> bool:
    return (a.start, a.end) == (b.start, b.end) or (a.id is not None and a.id == b.id and a.sector == b.sector)


def _quoted_text(sent: Span) -> str | None:
    text = span_text(sent)
    for open_q, close_q in (("“", "”"), ('"', '"')):
        i = text.find(open_q)
        j = text.find(close_q, i + 1) if i >= 0 else -1
        if i >= 0 and j > i:
            return text[i + 1:j].strip(" ,")
    return None


# Conjunctions of an adverbial clause that sets the scene of the main act.
BACKDROP_MARKS = frozenset({"as", "while", "when", "after", "before", "since", "because", "although", "though",
                            "whilst", "amid", "until"})


def _clause_depth(verb: Token) -> int:
    """How many clauses up the sentence's main verb is: 0 for the root (or a verb conjoined to
    it), 1 for a complement or adverbial clause under it, and so on."""
    depth, node = 0, verb
    for _ in range(12):
        if node.head.i == node.i:
            break
        if node.dep_ in {"ccomp", "xcomp", "advcl", "relcl", "acl", "pcomp", "csubj"}:
            depth += 1
            if node.dep_ == "advcl" and any(c.dep_ == "aux" and c.lower_ == "to" or c.dep_ == "mark" and c.lower_
                                            in BACKDROP_MARKS for c in node.children):
                # A purpose ("marched to demand reforms") is what the act is for, a backdrop ("…, as
                # the army cracked down") when it happened: neither is the act itself.
                depth += 1
        node = node.head
    return depth


def _confidence(cand: EventCandidate, source: ActorRef | None, target: ActorRef | None,
                location: PlaceRef | None, date: DateWindow | None) -> float:
    score = cand.entry.prior
    score *= 0.55 + 0.25 * _known(source) + 0.1 * (target is not None) + 0.1 * _known(target)
    if cand.trigger.i != cand.anchor.i and cand.tokens[0].i != cand.anchor.i:
        score *= 0.9  # a bare event noun says less about who did it than a verb
    if date is not None and date.precision != "document":
        score = min(1.0, score + 0.05)
    return max(0.0, min(1.0, score))


