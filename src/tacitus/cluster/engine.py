"""Mentions into clusters, one per real-world event; pure, so the same mentions give the same clusters.

`group_mentions(mentions)` takes `Mention`s and gives `Cluster`s. Mentions first fall into
*components*: the connected parts of the graph whose edges are related pairs (`rule.compare`: no
veto and `RELATED_SCORE` reached). Inside a component, mentions are taken most specific first (a
day before a week, a town before a country, named actors before none) and each joins the cluster
whose members together give it the most evidence (`rule.profile_score`), provided that reaches
`LINK_SCORE`, no member vetoes it and one member is related to it; otherwise it founds a new
cluster. A vague report can therefore join one event but never bridge two. A cluster's id comes
from its earliest report (see `cluster_id`); a component's clusters depend on its mentions alone.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence, Set
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ..models import content_id
from .rule import LINK_SCORE, ActorKey, Comparison, Mention, compare, profile_score

T = TypeVar("T")
# (a.id, b.id) → compare(a, b): comparisons made once, for the linking and the clustering to share.
Compared = dict[tuple[str, str], Comparison]
# What `compare` says of two mentions whose date windows cannot meet; only that it is a veto is read.
_APART = Comparison("dates")


@dataclass
class Cluster:
    """One real-world event: its mentions (most specific first) and the earliest report, its founder."""

    component: str
    members: list[Mention]
    scores: dict[str, float] = field(default_factory=dict)  # member id → link score when it joined

    @property
    def founder(self) -> Mention:
        return min(self.members, key=report_order)

    @property
    def id(self) -> str:
        return cluster_id(self.founder)


def cluster_id(founder: Mention) -> str:
    """A cluster is named after its earliest report, so a later article that joins it never renames it;
    the event id it hashes already carries the document, offsets and tacitus version."""
    return content_id("cluster", founder.id)


def report_order(m: Mention) -> tuple[datetime.date, str, int, str]:
    """Earliest publication first; undated documents last; ties by document and position."""
    return (m.published or datetime.date.max, m.document_id, m.ordinal, m.id)


def specificity(m: Mention) -> int:
    date = {"day": 3, "week": 2, "month": 1}.get(m.date_precision or "", 0)
    place = 0 if m.place is None else {"point": 3, "admin2": 2, "admin1": 2, "country": 1}.get(
        m.place.precision or "", 0)
    actors = sum(2 if a.id else 1 for a in (m.source, m.target) if a is not None)
    return date + place + actors


def _processing_order(m: Mention) -> tuple[int, tuple[datetime.date, str, int, str]]:
    return (-specificity(m), report_order(m))


def components(mentions: Sequence[Mention], compared: Compared | None = None) -> list[list[Mention]]:
    """Connected parts of the graph of related pairs, each sorted by id, ordered by their first id. With
    `compared`, the comparisons it holds are reused and those made are added (see `related_pairs`)."""
    parent: dict[str, str] = {m.id: m.id for m in mentions}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in related_pairs(mentions, compared=compared):
        ra, rb = find(a.id), find(b.id)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[str, list[Mention]] = {}
    for m in mentions:
        groups.setdefault(find(m.id), []).append(m)
    return sorted((sorted(g, key=lambda m: m.id) for g in groups.values()), key=lambda g: g[0].id)


def related_pairs(mentions: Iterable[Mention], involving: Set[str] | None = None,
                  compared: Compared | None = None) -> Iterator[tuple[Mention, Mention]]:
    """Every related pair (with one of the `involving` ids, when given), found by a sweep over date
    windows inside each type family: pairs whose windows do not meet are never compared. With
    `compared`, a pair it holds is not compared again and every comparison made that finds no veto is
    added to it, for the clustering after the linking to reuse."""
    # A sweep meets each pair once: only comparisons made before it can be reused.
    reuse = bool(compared)
    by_family: dict[str, list[tuple[datetime.date, datetime.date, Mention]]] = {}
    for m in mentions:
        lo, hi = m.reach()
        by_family.setdefault(m.family.name, []).append((lo, hi, m))
    for items in by_family.values():
        items.sort(key=lambda item: (item[0], item[2].id))
        active: list[tuple[datetime.date, datetime.date, Mention]] = []
        for lo, hi, m in items:
            active = [item for item in active if item[1] >= lo]
            for _, _, other in active:
                if involving is not None and m.id not in involving and other.id not in involving:
                    continue
                if compared is None:
                    comparison = compare(other, m)
                else:
                    comparison = (reuse and _recalled(other, m, compared)) or compare(other, m)
                    if comparison.veto is None:  # most pairs are vetoed, and most of those join no component
                        compared[(other.id, m.id)] = comparison
                if comparison.related:
                    yield other, m
            active.append((lo, hi, m))


def cluster_component(component: Sequence[Mention], known: Compared | None = None) -> list[Cluster]:
    """The events inside one component (see the module docstring). The pairs `known` holds (from the
    linking, `related_pairs`) are not compared again, nor pairs whose date windows cannot meet."""
    label = min(m.id for m in component)
    clusters: list[Cluster] = []
    known = known or {}
    reach = {m.id: m.reach() for m in component}

    def comparison(a: Mention, b: Mention) -> Comparison:
        (a_lo, a_hi), (b_lo, b_hi) = reach[a.id], reach[b.id]
        if a_hi < b_lo or b_hi < a_lo:
            return _APART  # no window of one meets one of the other: compare would veto them
        return _recalled(a, b, known) or compare(a, b)

    # Every pair is compared once, the later-processed mention first; the last pass reuses them.
    compared: Compared = {}
    for m in sorted(component, key=_processing_order):
        best: tuple[float, int] | None = None
        for index, cluster in enumerate(clusters):
            comparisons = [compared.setdefault((m.id, member.id), comparison(m, member)) for member in cluster.members]
            # Every member must allow it (a vague report joins one event, never two), one must be
            # related to it (so it stays inside its component), and all of them together must say so.
            if any(c.veto is not None for c in comparisons) or not any(c.related for c in comparisons):
                continue
            score = profile_score(comparisons)
            if score >= LINK_SCORE and (best is None or score > best[0]):
                best = (score, index)
        if best is None:
            clusters.append(Cluster(label, [m]))
        else:
            clusters[best[1]].members.append(m)
            clusters[best[1]].scores[m.id] = best[0]
    return _merge_split_events(clusters, compared)


def _merge_split_events(clusters: list[Cluster], compared: Mapping[tuple[str, str], Comparison]) -> list[Cluster]:
    """Join two clusters that one event was split into by the order mentions came in (a precise report
    founded its own cluster before the vague one that links it to the other arrived): no member of either
    vetoes the other, one pair across is linked on its own, and together they reach `LINK_SCORE`. The
    best-supported pair is joined first, until none is left. Only clusters a linked pair joins are
    candidates, and only those with the joined cluster are scored again."""
    owner = {m.id: k for k, cluster in enumerate(clusters) for m in cluster.members}
    linked = [pair for pair, c in compared.items() if c.linked]

    def support(a: Cluster, b: Cluster) -> float | None:
        comparisons = [compared.get((x.id, y.id)) or compared[(y.id, x.id)] for x in a.members for y in b.members]
        if any(c.veto is not None for c in comparisons):
            return None
        score = profile_score(comparisons)
        return score if score >= LINK_SCORE else None

    def candidates(involving: int | None = None) -> set[tuple[int, int]]:
        out = set()
        for a, b in linked:
            x, y = owner[a], owner[b]
            if x != y and (involving is None or involving in (x, y)):
                out.add((min(x, y), max(x, y)))
        return out

    scores = {pair: s for pair in candidates() if (s := support(clusters[pair[0]], clusters[pair[1]])) is not None}
    alive = set(range(len(clusters)))
    while scores:
        # the best-supported pair; ties to the earliest clusters, so the result depends on nothing else
        (x, y), score = max(scores.items(), key=lambda item: (item[1], -item[0][0], -item[0][1]))
        keep, gone = clusters[x], clusters[y]
        keep.members.extend(gone.members)
        keep.members.sort(key=_processing_order)
        keep.scores.update(gone.scores)
        for m in gone.members:
            keep.scores.setdefault(m.id, score)
            owner[m.id] = x
        alive.discard(y)
        scores = {pair: s for pair, s in scores.items() if y not in pair and x not in pair}
        for pair in candidates(x):
            if (s := support(clusters[pair[0]], clusters[pair[1]])) is not None:
                scores[pair] = s
    return [clusters[k] for k in sorted(alive)]


def group_mentions(mentions: Sequence[Mention], compared: Compared | None = None) -> list[Cluster]:
    """All clusters of `mentions`, ordered by id. `compared` holds comparisons already made between them
    (see `related_pairs`): they are reused, and those made here are added."""
    compared = {} if compared is None else compared
    out = [cluster for part in components(mentions, compared) for cluster in cluster_component(part, compared)]
    return sorted(out, key=lambda c: c.id)


def _recalled(a: Mention, b: Mention, known: Compared) -> Comparison | None:
    """`compare(a, b)` if `known` holds it, made either way round when the two share one `Family`: compare
    then reads the same family from either side, and its veto and parts are symmetric (only the wording
    of a reason may differ, which clustering never reads)."""
    found = known.get((a.id, b.id))
    if found is None and (a.family is b.family or a.family == b.family):
        found = known.get((b.id, a.id))
    return found


# -- the record of a cluster ------------------------------------------------------------------------


def summarize(cluster: Cluster) -> dict[str, Any]:
    """The `event_clusters` row of a cluster: counts, the best date and place, the conservative toll."""
    members = cluster.members
    type_ = _most_common([m.type for m in members])
    status = "asserted" if any(m.status == "asserted" for m in members) else _most_common(
        [m.status for m in members])
    modes = [m.mode for m in members if m.type == type_ and m.mode]
    documents = {m.document_id for m in members}
    outlets = sorted({m.outlet for m in members if m.outlet})
    anonymous = {m.document_id for m in members if not m.outlet}
    published = sorted(m.published for m in members if m.published)
    row: dict[str, Any] = {
        "id": cluster.id, "component": cluster.component, "founder_event_id": cluster.founder.id,
        "family": next(m.family.name for m in members), "type": type_, "mode": _most_common(modes) if modes else None,
        "status": status,
        # ACLED's rule: of the tolls reported, the lowest.
        "killed": min((m.killed for m in members if m.killed is not None), default=None),
        "injured": min((m.injured for m in members if m.injured is not None), default=None),
        "num_mentions": len(members), "num_articles": len(documents),
        # A document with no site or URL is an outlet of its own: nothing says two of them share one.
        "num_sources": len(outlets) + len(anonymous), "outlets": outlets,
        "first_published": published[0] if published else None,
        "last_published": published[-1] if published else None,
        "confidence": max(m.confidence for m in members),
    }
    for role in ("source", "target"):
        actor = _best_actor([getattr(m, role) for m in members])
        row.update({f"{role}_{f}": getattr(actor, f) if actor else None for f in ("text", "name", "country", "sector")})
        row[f"{role}_actor_id"] = actor.id if actor else None
    dated = [m for m in members if m.date_start is not None]
    best_date = _best(dated, lambda m: m.date_rank, lambda m: (m.date_start, m.date_end, m.date_precision))
    row.update({
        "date_text": best_date.date_text if best_date else None,
        "date_start": best_date.date_start if best_date else None,
        "date_end": best_date.date_end if best_date else None,
        "date_precision": best_date.date_precision if best_date else None,
    })
    places = [m.place for m in members if m.place is not None]
    best_place = _best(places, lambda p: p.rank, lambda p: (p.geonameid, p.name, p.country))
    for f in ("text", "name", "country", "admin1", "lat", "lon", "geonameid", "precision"):
        row[f"location_{f}"] = getattr(best_place, f) if best_place else None
    return row


def member_rows(cluster: Cluster) -> list[dict[str, Any]]:
    cluster_id = cluster.id  # a property that finds the founder and hashes it
    return [{"event_id": m.id, "cluster_id": cluster_id, "score": cluster.scores.get(m.id)} for m in cluster.members]


def _most_common(values: Sequence[T]) -> T:
    """The most frequent value; a tie goes to the one seen first (members are most specific first)."""
    counts = Counter(values)
    top = max(counts.values())
    return next(v for v in values if counts[v] == top)


def _best(items: Sequence[T], rank: Callable[[T], int], key: Callable[[T], Hashable]) -> T | None:
    """The finest-ranked item; among equally fine ones the most reported, then the first seen."""
    if not items:
        return None
    finest = min(rank(i) for i in items)
    candidates = [i for i in items if rank(i) == finest]
    counts = Counter(key(i) for i in candidates)
    top = max(counts.values())
    return next(i for i in candidates if counts[key(i)] == top)


def _actor_strength(actor: ActorKey) -> int:
    if actor.id:
        return 0
    if actor.country and actor.sector:
        return 1
    return 2


def _best_actor(actors: Sequence[ActorKey | None]) -> ActorKey | None:
    present = [a for a in actors if a is not None]
    return _best(present, _actor_strength, lambda a: (a.id, a.country, a.sector, a.name))
