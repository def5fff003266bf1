"""Score event clustering (cross-article dedup) against our gold in `tests/gold/clusters/`.

Takes the gold folder — `articles.jsonl` (one article per line: id, published, url, title, text)
and `gold.json` (real-world events, each with the article sentences that report it) — and a loaded
`Pipeline`; gives a `ClusterReport`. The articles are coded, stored in an in-memory store one
publication day at a time with `cluster_new` after each day (as a daily news stream would be), and
the clusters are checked to equal a rebuild from scratch.

A gold mention is named without our ids: the article id, the event's PLOVER type, a cue word that
occurs in the reporting sentence and nowhere else in the article, and — where one sentence reports
two events of one type — words one of which the trigger must contain. A system mention *aligns*
to the gold mention whose article and type it shares and whose cue (and trigger word) its evidence
sentence (and trigger) holds. Only aligned mentions are scored: pairwise precision and recall over
pairs of mentions (same cluster vs same gold event) and B-cubed; the unaligned are counted.
"""

from __future__ import annotations

import datetime
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

from ..cluster import cluster_new
from ..cluster.rule import Mention
from ..errors import InputError
from ..ingest import read_articles
from ..models import PLOVER_TYPES, Article
from ..store import Store
from ..store.db import MEMORY

ARTICLES_FILE = "articles.jsonl"
GOLD_FILE = "gold.json"


@dataclass(frozen=True)
class GoldMention:
    article: str
    cue: str
    triggers: tuple[str, ...] = ()


@dataclass(frozen=True)
class GoldEvent:
    id: str
    type: str
    summary: str
    mentions: tuple[GoldMention, ...]
    # The days it happened on ("2025-03-09", "2025-01", "2025-10-03/2025-10-04" in gold.json), if given.
    days: tuple[datetime.date, datetime.date] | None = None


@dataclass(frozen=True)
class ClusterGold:
    articles: Path
    events: tuple[GoldEvent, ...]
    texts: Mapping[str, str]  # article id → text


@dataclass(frozen=True)
class AlignedMention:
    event_id: str  # our id of the system mention
    article: str
    type: str
    trigger: str
    gold_event: str
    cluster_id: str | None
    dated_right: bool | None = None  # its date window meets the gold event's days (None: gold gives none)


@dataclass
class ClusterReport:
    articles: int
    system_mentions: int
    clusters: int
    gold: tuple[GoldEvent, ...]
    aligned: list[AlignedMention] = field(default_factory=list)
    unaligned: int = 0  # system mentions matching no gold mention (events the gold does not list)
    ambiguous: int = 0  # system mentions matching gold mentions of two events: not scored
    gold_found: int = 0  # gold mentions with at least one aligned system mention
    rebuild_identical: bool = True  # the stream's clusters equal a rebuild from scratch

    # -- figures ------------------------------------------------------------------------------
    def _pairs(self, across_articles: bool = False, dated_right: bool = False) -> tuple[int, int, int]:
        """(pairs in one cluster and one gold event, pairs in one cluster, pairs in one gold event)."""
        both = same_cluster = same_gold = 0
        mentions = [m for m in self.aligned if m.dated_right] if dated_right else self.aligned
        for a, b in combinations(mentions, 2):
            if across_articles and a.article == b.article:
                continue
            in_cluster = a.cluster_id is not None and a.cluster_id == b.cluster_id
            in_gold = a.gold_event == b.gold_event
            both += in_cluster and in_gold
            same_cluster += in_cluster
            same_gold += in_gold
        return both, same_cluster, same_gold

    def _bcubed(self) -> tuple[float, float]:
        if not self.aligned:
            return 0.0, 0.0
        by_cluster: dict[str, list[AlignedMention]] = defaultdict(list)
        by_gold: dict[str, list[AlignedMention]] = defaultdict(list)
        for m in self.aligned:
            by_cluster[m.cluster_id or f"unclustered:{m.event_id}"].append(m)
            by_gold[m.gold_event].append(m)
        precision = recall = 0.0
        for m in self.aligned:
            cluster = by_cluster[m.cluster_id or f"unclustered:{m.event_id}"]
            shared = sum(1 for other in cluster if other.gold_event == m.gold_event)
            precision += shared / len(cluster)
            recall += shared / len(by_gold[m.gold_event])
        return precision / len(self.aligned), recall / len(self.aligned)

    def figures(self) -> dict[str, float]:
        """The gated figures: pair_precision, pair_recall and bcubed_f1 over aligned mentions."""
        return self._figures(*self._bcubed())

    def _figures(self, bp: float, br: float) -> dict[str, float]:
        """`figures()`, given the B-cubed precision and recall."""
        both, same_cluster, same_gold = self._pairs()
        return {
            # No pair merged is no pair merged wrongly; no pair to find is none missed.
            "pair_precision": both / same_cluster if same_cluster else 1.0,
            "pair_recall": both / same_gold if same_gold else 1.0,
            "bcubed_f1": 2 * bp * br / (bp + br) if bp + br else 0.0,
        }

    def stats(self) -> dict[str, float]:
        """`figures()` with B-cubed precision and recall, the pair figures over pairs of mentions from
        different articles only (the dedup proper) and over mentions the pipeline dated right (the
        clustering apart from dating errors upstream), and the counts behind them."""
        bp, br = self._bcubed()
        out = self._figures(bp, br)
        both, same_cluster, same_gold = self._pairs(across_articles=True)
        d_both, d_cluster, d_gold = self._pairs(dated_right=True)
        gold_mentions = sum(len(e.mentions) for e in self.gold)
        out.update({
            "bcubed_precision": bp, "bcubed_recall": br,
            "cross_article_pair_precision": both / same_cluster if same_cluster else 1.0,
            "cross_article_pair_recall": both / same_gold if same_gold else 1.0,
            "dated_right_pair_precision": d_both / d_cluster if d_cluster else 1.0,
            "dated_right_pair_recall": d_both / d_gold if d_gold else 1.0,
            "dated_right_mentions": float(sum(1 for m in self.aligned if m.dated_right)),
            "articles": float(self.articles), "gold_events": float(len(self.gold)),
            "gold_mentions": float(gold_mentions), "gold_mentions_found": float(self.gold_found),
            "system_mentions": float(self.system_mentions), "aligned_mentions": float(len(self.aligned)),
            "unaligned_mentions": float(self.unaligned), "ambiguous_mentions": float(self.ambiguous),
            "clusters": float(self.clusters),
        })
        return out

    def merges(self) -> list[tuple[str, dict[str, int]]]:
        """System clusters holding aligned mentions of more than one gold event: (cluster, {event: n})."""
        by_cluster: dict[str, Counter[str]] = defaultdict(Counter)
        for m in self.aligned:
            if m.cluster_id is not None:
                by_cluster[m.cluster_id][m.gold_event] += 1
        return [(c, dict(n)) for c, n in sorted(by_cluster.items()) if len(n) > 1]

    def splits(self) -> list[tuple[str, dict[str, int]]]:
        """Gold events whose aligned mentions lie in more than one cluster: (event, {cluster: n})."""
        by_gold: dict[str, Counter[str]] = defaultdict(Counter)
        for m in self.aligned:
            by_gold[m.gold_event][m.cluster_id or f"unclustered:{m.event_id}"] += 1
        return [(g, dict(n)) for g, n in sorted(by_gold.items()) if len(n) > 1]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": "clusters",
            "figures": {k: round(v, 4) for k, v in self.stats().items()},
            "rebuild_identical": self.rebuild_identical,
            "merges": [{"cluster": c, "gold_events": n} for c, n in self.merges()],
            "splits": [{"gold_event": g, "clusters": n} for g, n in self.splits()],
            "aligned": [
                {"event": m.event_id, "article": m.article, "type": m.type, "trigger": m.trigger,
                 "gold_event": m.gold_event, "cluster": m.cluster_id, "dated_right": m.dated_right}
                for m in self.aligned
            ],
        }

    def format(self) -> str:
        head = f"{'gold event':<32} {'type':<8} {'gold':>4} {'found':>5} {'clusters':>8} {'others in them':>14}"
        lines = [head, "-" * len(head)]
        by_gold: dict[str, list[AlignedMention]] = defaultdict(list)
        for m in self.aligned:
            by_gold[m.gold_event].append(m)
        for event in self.gold:
            mine = by_gold.get(event.id, [])
            clusters = {m.cluster_id for m in mine}
            others = sum(1 for m in self.aligned if m.cluster_id in clusters and m.gold_event != event.id)
            lines.append(f"{event.id:<32} {event.type:<8} {len(event.mentions):>4} {len(mine):>5} "
                         f"{len(clusters):>8} {others:>14}")
        f = self.stats()
        lines.append(
            f"clusters ({self.articles} articles, {int(f['gold_events'])} gold events): "
            f"pair_precision={f['pair_precision']:.3f}; pair_recall={f['pair_recall']:.3f}; "
            f"bcubed_f1={f['bcubed_f1']:.3f} (P {f['bcubed_precision']:.3f}, R {f['bcubed_recall']:.3f}); "
            f"across articles: precision={f['cross_article_pair_precision']:.3f}, "
            f"recall={f['cross_article_pair_recall']:.3f}")
        lines.append(
            f"on the {int(f['dated_right_mentions'])} mentions dated right: "
            f"pair_precision={f['dated_right_pair_precision']:.3f}; pair_recall={f['dated_right_pair_recall']:.3f}")
        lines.append(
            f"mentions: {len(self.aligned)} aligned of {self.system_mentions} coded ({self.unaligned} unaligned, "
            f"{self.ambiguous} ambiguous); gold mentions found {self.gold_found}/{int(f['gold_mentions'])}; "
            f"{self.clusters} clusters; stream equals rebuild: {'yes' if self.rebuild_identical else 'NO'}")
        return "\n".join(lines)


# ----- reading ------------------------------------------------------------------------------------


def read_cluster_gold(gold_dir: Path) -> ClusterGold:
    """The gold events of `gold_dir`, checked against its articles; InputError naming the file at fault."""
    articles_path, gold_path = gold_dir / ARTICLES_FILE, gold_dir / GOLD_FILE
    texts = _article_texts(articles_path)
    try:
        raw = json.loads(gold_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(str(gold_path), "gold file not found") from None
    except (OSError, ValueError) as exc:
        raise InputError(str(gold_path), f"cannot be read as JSON ({exc})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("events"), list) or not raw["events"]:
        raise InputError(str(gold_path), "no 'events' list")
    events: list[GoldEvent] = []
    seen: set[str] = set()
    for n, item in enumerate(raw["events"], start=1):
        where = f"event {n}"
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or item["id"] in seen:
            raise InputError(str(gold_path), f"{where} has no id of its own")
        seen.add(item["id"])
        if item.get("type") not in PLOVER_TYPES:
            raise InputError(str(gold_path), f"{item['id']}: {item.get('type')!r} is not a PLOVER type")
        mentions = []
        for m in item.get("mentions") or []:
            mention = _gold_mention(m, item["id"], texts, str(gold_path))
            mentions.append(mention)
        if not mentions:
            raise InputError(str(gold_path), f"{item['id']}: no mentions")
        days = _gold_days(item.get("date"), f"{gold_path}: {item['id']}")
        events.append(GoldEvent(item["id"], item["type"], str(item.get("summary") or ""), tuple(mentions), days))
    return ClusterGold(articles_path, tuple(events), texts)


def _gold_days(value: Any, where: str) -> tuple[datetime.date, datetime.date] | None:
    """"2025-03-09", "2025-03" or "2025-10-03/2025-10-04" as a (first, last) day pair."""
    if value is None:
        return None
    try:
        first, _, last = str(value).partition("/")
        if len(first) == 7:
            start = datetime.date.fromisoformat(first + "-01")
            following = (start.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
            return start, following - datetime.timedelta(days=1)
        return datetime.date.fromisoformat(first), datetime.date.fromisoformat(last or first)
    except ValueError:
        raise InputError(where, f"date {value!r} is not YYYY-MM-DD, YYYY-MM or a FIRST/LAST range") from None


def _gold_mention(m: Any, event: str, texts: Mapping[str, str], source: str) -> GoldMention:
    if not isinstance(m, dict) or not isinstance(m.get("article"), str) or not isinstance(m.get("cue"), str):
        raise InputError(source, f"{event}: a mention needs 'article' and 'cue' strings")
    if m["article"] not in texts:
        raise InputError(source, f"{event}: no article {m['article']!r} in {ARTICLES_FILE}")
    found = len(_word(m["cue"]).findall(texts[m["article"]]))
    if found != 1:
        raise InputError(source, f"{event}: cue {m['cue']!r} occurs {found} times in {m['article']}, not once")
    triggers = m.get("trigger") or []
    if not isinstance(triggers, list) or not all(isinstance(t, str) and t for t in triggers):
        raise InputError(source, f"{event}: 'trigger' must be a list of words")
    return GoldMention(m["article"], m["cue"], tuple(triggers))


def _article_texts(path: Path) -> dict[str, str]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise InputError(str(path), "articles file not found") from None
    except OSError as exc:
        raise InputError(str(path), f"cannot be read ({exc.strerror})") from None
    texts: dict[str, str] = {}
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            raise InputError(f"{path}:{n}", "not a JSON object") from None
        if not isinstance(record, dict) or not isinstance(record.get("id"), str) \
                or not isinstance(record.get("text"), str):
            raise InputError(f"{path}:{n}", "needs 'id' and 'text' strings")
        texts[record["id"]] = record["text"]
    if not texts:
        raise InputError(str(path), "no articles")
    return texts


def _word(word: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)" + re.escape(word) + r"(?!\w)", re.IGNORECASE)


# ----- scoring ------------------------------------------------------------------------------------


def evaluate_clusters(gold_dir: Path, pipeline: Any) -> ClusterReport:
    """Code, store day by day, cluster and score the gold articles of `gold_dir`."""
    gold = read_cluster_gold(gold_dir)
    articles: list[Article] = []
    for item in read_articles([str(gold.articles)]):
        if isinstance(item, InputError):
            raise item
        articles.append(item)
    documents = [result.to_dict(include_text=True) for result in pipeline.run(articles)]
    return score_documents(gold, documents)


def score_documents(gold: ClusterGold, documents: Sequence[Mapping[str, Any]]) -> ClusterReport:
    """Store `documents` (EVENT-SCHEMA objects of the gold articles) one publication day at a time,
    clustering after each, and score the clusters."""
    by_day: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for doc in documents:
        by_day[str(doc["document"].get("published") or "")].append(doc)
    with Store(MEMORY) as store:
        for day in sorted(by_day):
            store.add(by_day[day])
            cluster_new(store)
        streamed = store.cluster_assignments()
        cluster_new(store, rebuild=True)
        assignments = store.cluster_assignments()
        clusters = store.cluster_counts()["clusters"]
        windows = {m.id: m.window() for m in map(Mention.from_row, store.mentions_for_clustering())}
    report = ClusterReport(articles=len(documents), system_mentions=0, clusters=clusters, gold=gold.events,
                           rebuild_identical=streamed == assignments)
    keyed: dict[tuple[str, str], list[tuple[str, GoldMention]]] = defaultdict(list)
    days = {event.id: event.days for event in gold.events}
    for event in gold.events:
        for mention in event.mentions:
            keyed[(mention.article, event.type)].append((event.id, mention))
    found: set[tuple[str, GoldMention]] = set()
    for doc in documents:
        article = str(doc["document"].get("input_id") or "")
        for event in doc.get("events") or []:
            report.system_mentions += 1
            evidence = event.get("evidence") or {}
            matches = _matches(keyed.get((article, event["type"]), []), evidence.get("sentence") or "",
                               evidence.get("trigger") or "")
            gold_events = {g for g, _ in matches}
            if not gold_events:
                report.unaligned += 1
                continue
            if len(gold_events) > 1:
                report.ambiguous += 1
                continue
            found.update(matches)
            gold_event = gold_events.pop()
            window, truth = windows.get(event["id"]), days[gold_event]
            dated_right = None if window is None or truth is None else (
                window[0] <= truth[1] and truth[0] <= window[1])
            report.aligned.append(AlignedMention(event["id"], article, event["type"], evidence.get("trigger") or "",
                                                 gold_event, assignments.get(event["id"]), dated_right))
    report.gold_found = len(found)
    return report


def _matches(candidates: Iterable[tuple[str, GoldMention]], sentence: str,
             trigger: str) -> list[tuple[str, GoldMention]]:
    """The gold mentions a system mention fits; where a trigger word picks among them, those it picks."""
    fits = [(g, m) for g, m in candidates if _word(m.cue).search(sentence)
            and (not m.triggers or any(_word(t).search(trigger) for t in m.triggers))]
    picked = [(g, m) for g, m in fits if m.triggers]
    return picked or fits
