"""Event clusters: the stored event mentions in, one cluster per real-world event out (in the store).

`cluster_new(store)` clusters the mentions stored since its last run — call it after each ingest;
`cluster_new(store, rebuild=True)` clusters every stored mention afresh. Both leave the clusters a
rebuild from scratch would give, whatever order and batches the articles came in: new mentions
rerun only the components of the link graph they touch, and a component's clusters depend on its
own mentions alone (engine.py). The merging rule is in rule.py; a cluster is named after its
earliest report, so ids stay put as later reports join.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from ..store import Store
from .engine import Compared, group_mentions, member_rows, related_pairs, summarize
from .rule import DOCUMENT_DAYS_BEFORE, Mention, families

__all__ = ["ClusteringReport", "cluster_new"]


@dataclass(frozen=True)
class ClusteringReport:
    new_mentions: int  # mentions that had no cluster before this run
    reclustered: int  # mentions placed by this run: the new ones and those of the components they touched
    clusters_added: int  # cluster ids that did not exist before
    clusters_removed: int  # cluster ids that no longer exist (merged into another, or renamed)
    clusters: int  # clusters in the store after the run


def cluster_new(store: Store, *, rebuild: bool = False) -> ClusteringReport:
    """Cluster the mentions of `store` not clustered yet (all of them, from scratch, with `rebuild`)."""
    if rebuild:
        rows = store.mentions_for_clustering()
        mentions = [Mention.from_row(row) for row in rows]
        fresh = sum(1 for m in mentions if m.cluster_id is None)
        before = {m.cluster_id for m in mentions if m.cluster_id}
        after = _write(store, mentions, replacing=None)
        return ClusteringReport(fresh, len(mentions), len(after - before), len(before - after), len(after))
    new = [Mention.from_row(row) for row in store.mentions_for_clustering(clustered=False)]
    if not new:
        return ClusteringReport(0, 0, 0, 0, store.cluster_counts()["clusters"])
    compared: Compared = {}
    touched, loaded = _touched_components(store, new, compared)
    old = [loaded.get(row["id"]) or Mention.from_row(row)
           for row in store.mentions_for_clustering(components=sorted(touched))] if touched else []
    before = {m.cluster_id for m in old if m.cluster_id}
    after = _write(store, [*new, *old], replacing=[m.id for m in old], compared=compared)
    return ClusteringReport(len(new), len(new) + len(old), len(after - before), len(before - after),
                            store.cluster_counts()["clusters"])


def _write(store: Store, mentions: Sequence[Mention], replacing: Sequence[str] | None,
           compared: Compared | None = None) -> set[str]:
    clusters = group_mentions(mentions, compared)
    store.replace_clusters([summarize(c) for c in clusters], [row for c in clusters for row in member_rows(c)],
                           replacing=replacing)
    return {c.id for c in clusters}


def _margin() -> datetime.timedelta:
    """How far a stored mention's window can reach beyond its stored dates (the publication-day window,
    or the widest family slack), so a date filter in SQL never drops a mention that could link."""
    return datetime.timedelta(days=DOCUMENT_DAYS_BEFORE + max(f.day_slack for f in families().values()))


def _touched_components(store: Store, new: Sequence[Mention],
                        compared: Compared) -> tuple[set[str], dict[str, Mention]]:
    """The components of the stored clustered mentions that a new mention is related to, and the stored
    mentions loaded to find them, by id; the comparisons made are added to `compared`."""
    by_family: dict[str, list[Mention]] = {}
    for m in new:
        by_family.setdefault(m.family.name, []).append(m)
    margin = _margin()
    touched: set[str] = set()
    loaded: dict[str, Mention] = {}
    for family, members in sorted(by_family.items()):
        windows = [m.reach() for m in members]
        lo, hi = min(w[0] for w in windows), max(w[1] for w in windows)
        since = None if lo == datetime.date.min else lo - margin
        until = None if hi == datetime.date.max else hi + margin
        # A type the ontology does not know is a family of its own (`Mention.family`).
        types = [t for t, f in families().items() if f.name == family] or [family]
        stored = [Mention.from_row(row) for row in
                  store.mentions_for_clustering(clustered=True, types=types, since=since, until=until)]
        loaded.update((m.id, m) for m in stored)
        new_ids = {m.id for m in members}
        for a, b in related_pairs([*members, *stored], involving=new_ids, compared=compared):
            for m in (a, b):
                if m.component is not None:
                    touched.add(m.component)
    return touched, loaded
