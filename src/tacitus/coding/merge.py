"""One event per real occurrence inside an article: mentions of the same act (a verb and its
event noun, a headline and the lead, "shelling … killed 30 people") are merged.

`merge_mentions(events, within_sentence)` takes resolved `EventMention`s and gives them back
merged; the most confident mention keeps its evidence and takes the others' missing fields.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..geo import POINT_KM, place_km
from ..models import ActorRef, EventMention, PlaceRef

KILLING = "kill"  # the ASSAULT mode of a bare killing ("killed", "died"), as the lexicon codes it


def _key(actor: ActorRef | None) -> str | None:
    if actor is None:
        return None
    if actor.id:
        return actor.id
    if actor.country or actor.sector:
        return f"{actor.country}:{actor.sector}:{(actor.name or actor.text).lower()}"
    return (actor.name or actor.text).lower()


def _roles_agree(a: ActorRef | None, b: ActorRef | None) -> bool | None:
    """True when both name the same actor, None when one is missing, False when they differ."""
    ka, kb = _key(a), _key(b)
    if ka is None or kb is None:
        return None
    return ka == kb


def _places_agree(a: PlaceRef | None, b: PlaceRef | None) -> bool:
    if a is None or b is None:
        return True
    if a.country and b.country and a.country != b.country:
        return False
    if a.precision == "point" and b.precision == "point" and a.lat is not None and b.lat is not None:
        return place_km(a, b) <= POINT_KM
    return True


def _dates_agree(a: EventMention, b: EventMention) -> bool:
    da, db = a.date, b.date
    if da is None or db is None or da.precision == "document" or db.precision == "document":
        return True
    if not (da.start and db.start):
        return True
    return da.start <= (db.end or db.start) and db.start <= (da.end or da.start)


def same_occurrence(a: EventMention, b: EventMention, within_sentence: bool) -> bool:
    if a.type != b.type or not _dates_agree(a, b) or not _places_agree(a.location, b.location):
        return False
    source, target = _roles_agree(a.source, b.source), _roles_agree(a.target, b.target)
    if source is False or target is False:
        return False
    # Across sentences, two mentions must share a named participant to be one act; inside a
    # sentence, complementary halves ("shelling" by X, "killed" Y) are enough.
    return within_sentence or source is True or target is True


def _absorb(base: EventMention, other: EventMention) -> None:
    base.source = base.source or other.source
    base.target = base.target or other.target
    base.location = base.location if base.location is not None and (
        other.location is None or _rank(base.location) <= _rank(other.location)) else other.location
    looking_back = base.status == "planned" and base.date is not None and other.date is not None and (
        (other.date.end or other.date.start or "") < (base.date.start or ""))
    if other.date is not None and not looking_back and (base.date is None or _DATE_ORDER.get(
            other.date.precision, 9) < _DATE_ORDER.get(base.date.precision, 9)):
        # The finer of two agreeing dates ("Tuesday" over "this week"); a plan never takes a
        # window that ended before it was announced.
        base.date = other.date
    for field in ("killed", "injured", "quantity"):
        mine, theirs = getattr(base, field), getattr(other, field)
        # Two figures for one act: the conservative one (ACLED's rule).
        setattr(base, field, theirs if mine is None else (mine if theirs is None else min(mine, theirs)))
    base.context = list(dict.fromkeys([*base.context, *other.context]))
    base.confidence = max(base.confidence, other.confidence)


_DATE_ORDER = {"day": 0, "week": 1, "month": 2, "quarter": 3, "season": 3, "year": 4, "decade": 5, "document": 8}
_PRECISION_ORDER = {"point": 0, "admin2": 1, "admin1": 2, "country": 3, "region": 4}


def _rank(place: PlaceRef) -> int:
    return _PRECISION_ORDER.get(place.precision or "", 5)


def merge_mentions(events: Sequence[EventMention], within_sentence: bool = False) -> list[EventMention]:
    """Merge mentions of one occurrence; order of first mention is kept."""
    ranked = sorted(range(len(events)), key=lambda i: -events[i].confidence)
    kept: list[EventMention] = []
    for i in ranked:
        event = events[i]
        home = next((k for k in kept if same_occurrence(k, event, within_sentence)), None)
        if home is None:
            kept.append(event)
        else:
            _absorb(home, event)
    order = {id(e): n for n, e in enumerate(events)}
    return sorted(kept, key=lambda e: order[id(e)])


def attach_casualty_reports(events: Sequence[EventMention]) -> list[EventMention]:
    """"Gunmen shelled the camp, and at least 30 people were killed", "Five soldiers were killed when
    militants ambushed a convoy", "militants ambushed a patrol, killing 12 soldiers": a killing with
    a toll and no agent of its own, or the attacker's own, in the sentence of an attack reports that
    attack's toll; its figures go to the attack (the conservative one where both give one) and it is
    not a second event. Of several attacks in the sentence, the nearest takes it. Across sentences
    the toll is left alone: the attack it belongs to is not certain (measured on our gold: folding a
    toll into the one attack of the sentence before cost a found event)."""
    attacks = [e for e in events if e.type == "ASSAULT" and e.source is not None]
    folded: set[int] = set()
    out: list[EventMention] = []
    for event in events:
        if event.type == "ASSAULT" and (event.killed or event.injured) and (
                event.source is None or event.mode == KILLING):
            here = [a for a in attacks if a is not event and id(a) not in folded
                    and a.evidence.sentence_index == event.evidence.sentence_index
                    and _dates_agree(a, event) and _places_agree(a.location, event.location)
                    and (event.source is None or (a.mode != KILLING and a.status == event.status
                                                  and _roles_agree(a.source, event.source) is True))]
            if here:
                attack = min(here, key=lambda a: abs(_offset(a) - _offset(event)))
                for field in ("killed", "injured"):
                    mine, theirs = getattr(attack, field), getattr(event, field)
                    setattr(attack, field, theirs if mine is None else (mine if theirs is None else min(mine, theirs)))
                attack.target = attack.target or event.target
                folded.add(id(event))
                continue
        out.append(event)
    return out


def _offset(event: EventMention) -> int:
    return event.evidence.trigger_start if event.evidence.trigger_start is not None else event.evidence.start
