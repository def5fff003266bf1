"""Score whole articles against gold annotations in the seed format (`../shared/data/seed/gold.json`).

`score_article(gold, system)` mirrors `../shared/tools/score_events.py` (the contract the
project is measured by); `evaluate_articles(pairs, pipeline)` runs the pipeline once over
many gold articles and sums the figures, adding event precision and F1 where the gold is
exhaustive.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ..geo import great_circle_km
from ..ingest import read_articles
from ..models import Article, strip_accents

RATIOS = ("recall_strict", "recall_relaxed", "core_recall_relaxed", "date_ok_of_found", "place_ok_of_found",
          "status_ok_of_found", "places_resolved", "actors_with_country", "precision_relaxed")


def _norm(s: str | None) -> str:
    return strip_accents(s or "").lower()


def _actor_matches(aliases: Sequence[str] | None, actor: dict[str, Any] | None) -> bool:
    if aliases is None:
        return True
    if not actor:
        return False
    hay = _norm(actor.get("text")) + " | " + _norm(actor.get("name"))
    return any(_norm(a) in hay for a in aliases)


def _overlaps(window: Sequence[str] | None, when: dict[str, Any] | None) -> bool:
    if window is None:
        return True
    if not when or not when.get("start"):
        return False
    start = when["start"][:10]
    end = (when.get("end") or when["start"])[:10]
    return start <= window[1] and end >= window[0]


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    return great_circle_km(a[0], a[1], b[0], b[1])


def _place_ok(gold_place: dict[str, Any] | None, loc: dict[str, Any] | None, gold_places: list[dict[str, Any]]) -> bool:
    if gold_place is None:
        return True
    if not loc or (loc.get("country") or "").upper() != gold_place["country"]:
        return False
    ref = next((p for p in gold_places if _norm(p["text"]) == _norm(gold_place["name"])), None)
    if ref and ref.get("precision") == "point" and loc.get("lat") is not None:
        return _km((ref["lat"], ref["lon"]), (loc["lat"], loc["lon"])) <= 50
    return True


def score_article(gold: dict[str, Any], system: dict[str, Any]) -> dict[str, Any]:
    """The shared scorer's figures for one article: (hits, total) pairs and per-event rows."""
    events = system.get("events", [])
    pairs = []
    for gi, g in enumerate(gold["events"]):
        for si, e in enumerate(events):
            if e.get("type") not in g["types"]:
                continue
            s_ok = _actor_matches(g.get("source"), e.get("source"))
            t_ok = _actor_matches(g.get("target"), e.get("target"))
            strict = s_ok and t_ok
            relaxed = (g.get("source") is not None and s_ok) or (g.get("target") is not None and t_ok)
            if not relaxed:
                continue
            date_ok = _overlaps(g.get("date"), e.get("date"))
            pairs.append((strict * 4 + 2 + date_ok, gi, si, strict, date_ok))
    pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
    rows = [{"id": g["id"], "core": g.get("core", False), "strict": False, "relaxed": False,
             "date": None, "place": None, "status": None, "event": None} for g in gold["events"]]
    used: set[int] = set()
    for _, gi, si, strict, date_ok in pairs:
        if rows[gi]["relaxed"] or si in used:
            continue
        used.add(si)
        g = gold["events"][gi]
        rows[gi].update(strict=strict, relaxed=True, date=date_ok, event=si,
                        place=_place_ok(g.get("place"), events[si].get("location"), gold.get("places", [])),
                        status=not g.get("status") or events[si].get("status") in g["status"])

    def rate(key: str, rows_: list[dict[str, Any]]) -> tuple[int, int]:
        return sum(bool(r[key]) for r in rows_), len(rows_)

    found = [r for r in rows if r["relaxed"]]
    out: dict[str, Any] = {
        "events_in_output": len(events),
        "recall_strict": rate("strict", rows),
        "recall_relaxed": rate("relaxed", rows),
        "core_recall_relaxed": rate("relaxed", [r for r in rows if r["core"]]),
        "date_ok_of_found": rate("date", found),
        "place_ok_of_found": rate("place", found),
        "status_ok_of_found": rate("status", found),
        "rows": rows,
        "unmatched_system_events": [i for i in range(len(events)) if i not in used],
    }
    if gold.get("exhaustive"):
        out["precision_relaxed"] = (len(used), len(events))
    gp = gold.get("places", [])
    if gp:
        sys_places = system.get("places", []) + [e.get("location") or {} for e in events]
        hit = 0
        for p in gp:
            for sp in sys_places:
                if not sp or (sp.get("country") or "").upper() != p["country"]:
                    continue
                if p.get("precision") != "point" or sp.get("lat") is None or _km(
                        (p["lat"], p["lon"]), (sp["lat"], sp["lon"])) <= 50:
                    if _norm(p["text"]) in _norm(sp.get("text")) + _norm(sp.get("name")):
                        hit += 1
                        break
        out["places_resolved"] = (hit, len(gp))
    ga = gold.get("actors", [])
    if ga:
        sys_actors = system.get("actors", []) + [a for e in events for a in (e.get("source"), e.get("target")) if a]
        hit = 0
        for a in ga:
            last = _norm(a["text"]).split()[-1]
            if any(last in _norm(sa.get("text")) + " " + _norm(sa.get("name"))
                   and (sa.get("country") or "").upper() == a["country"] for sa in sys_actors):
                hit += 1
        out["actors_with_country"] = (hit, len(ga))
    return out


@dataclass
class ArticleScore:
    name: str
    figures: dict[str, Any]
    system: dict[str, Any] = field(repr=False)


def gold_pairs(directory: Path) -> list[tuple[Path, Path]]:
    """(article, gold) pairs of a folder laid out as tests/gold/: NAME.txt beside NAME.json."""
    return [(g.with_suffix(".txt"), g) for g in sorted(directory.glob("*.json")) if g.with_suffix(".txt").exists()]


def evaluate_articles(pairs: Iterable[tuple[Path, Path]], pipeline: Any) -> list[ArticleScore]:
    items: list[tuple[Path, dict[str, Any], Article]] = []
    for text_path, gold_path in pairs:
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        published = date.fromisoformat(gold["published"]) if gold.get("published") else None
        for item in read_articles([str(text_path)], published=published):
            if isinstance(item, Article):
                items.append((text_path, gold, item))
    results = pipeline.run([a for _, _, a in items])
    scores = []
    for (path, gold, _), result in zip(items, results, strict=True):
        system = result.to_dict()
        scores.append(ArticleScore(path.stem, score_article(gold, system), system))
    return scores


def total(scores: Sequence[ArticleScore]) -> dict[str, tuple[int, int]]:
    out: dict[str, tuple[int, int]] = {}
    for key in RATIOS:
        parts = [s.figures[key] for s in scores if key in s.figures]
        if parts:
            out[key] = (sum(p[0] for p in parts), sum(p[1] for p in parts))
    return out


def f1(figures: dict[str, tuple[int, int]]) -> float | None:
    """Event F1 from relaxed recall and relaxed precision (exhaustive gold only)."""
    if "precision_relaxed" not in figures:
        return None
    r_hit, r_all = figures["recall_relaxed"]
    p_hit, p_all = figures["precision_relaxed"]
    r = r_hit / r_all if r_all else 0.0
    p = p_hit / p_all if p_all else 0.0
    return 2 * p * r / (p + r) if p + r else 0.0


BANDS = ((0.0, 0.45), (0.45, 0.6), (0.6, 0.75), (0.75, 1.01))


def precision_by_band(scores: Sequence[ArticleScore]) -> list[tuple[str, int, int]]:
    """(band, matched, events) over exhaustive gold: how often an event of that confidence is
    one a careful coder also found."""
    rows = []
    for low, high in BANDS:
        matched = total_ = 0
        for score in scores:
            if "precision_relaxed" not in score.figures:
                continue
            used = {r["event"] for r in score.figures["rows"] if r["event"] is not None}
            for i, event in enumerate(score.system.get("events", [])):
                if low <= event.get("confidence", 0.0) < high:
                    total_ += 1
                    matched += i in used
        rows.append((f"{low:.2f}–{min(high, 1.0):.2f}", matched, total_))
    return rows
