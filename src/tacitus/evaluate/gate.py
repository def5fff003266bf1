"""The quality gate: pinned floors for every evaluation figure, checked in CI.

`measure(...)` runs every evaluation with one pipeline and gives flat figures
({"seed.recall_strict": 0.68, …}); `check(figures, floors)` lists the figures below their
floor (or above a ceiling, for counts that must stay small); `record(...)` writes new floors
and refuses to lower one unless told to. Floors live in `evaluate/floors.json`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import DataError
from .articles import evaluate_articles, f1, gold_pairs, total
from .clusters import ClusterReport, evaluate_clusters
from .geo import GeoReport, evaluate_geo
from .sentences import evaluate_petr2, evaluate_plover
from .time import TimeReport, evaluate_time

FLOORS = Path(str(resources.files("tacitus.evaluate") / "floors.json"))
# The cluster rules were written looking at tests/gold/clusters (and, later, clusters-heldout); clusters-final
# was written apart and scored once, so its figures are the ones to quote for unseen news.
CLUSTER_SETS = {"clusters": "clusters", "clusters_heldout": "clusters-heldout", "clusters_final": "clusters-final"}
# The evaluation sets `measure` runs, each the prefix of its figures' names.
SETS = ("seed", "gold", "plover", "petr2", "geo", "time", *CLUSTER_SETS)
# Figures where smaller is better: the floor is a ceiling.
CEILINGS = frozenset({"seed.events_in_output", "geo.median_error_km"})
ARTICLE_FIGURES = ("recall_strict", "recall_relaxed", "core_recall_relaxed", "date_ok_of_found",
                   "place_ok_of_found", "status_ok_of_found", "places_resolved", "actors_with_country",
                   "precision_relaxed")


def _ratio(pair: tuple[int, int]) -> float:
    return round(pair[0] / pair[1], 4) if pair[1] else 0.0


def measure(data_dir: Path, gold_dir: Path, pipeline: Any) -> dict[str, float]:
    figures: dict[str, float] = {}
    seed = data_dir / "seed"
    [seed_score] = evaluate_articles([(seed / "000_775f0f47ad06cc94.txt", seed / "gold.json")], pipeline)
    for key in ARTICLE_FIGURES:
        if key in seed_score.figures:
            figures[f"seed.{key}"] = _ratio(seed_score.figures[key])
    figures["seed.events_in_output"] = float(seed_score.figures["events_in_output"])
    summed = total(evaluate_articles(gold_pairs(gold_dir), pipeline))
    for key, pair in summed.items():
        figures[f"gold.{key}"] = _ratio(pair)
    figures["gold.event_f1"] = round(f1(summed) or 0.0, 4)
    plover = evaluate_plover(data_dir, pipeline)
    figures["plover.accuracy"] = round(plover.accuracy, 4)
    figures["plover.macro_f1"] = round(plover.macro_f1, 4)
    if plover.role_ok:
        figures["plover.role_ok"] = _ratio(plover.role_ok)
    petr2 = evaluate_petr2(data_dir, pipeline)
    figures["petr2.accuracy"] = round(petr2.accuracy, 4)
    figures["petr2.macro_f1"] = round(petr2.macro_f1, 4)
    if petr2.no_event_ok:
        figures["petr2.no_event_ok"] = _ratio(petr2.no_event_ok)
    reports: list[tuple[str, GeoReport | TimeReport | ClusterReport]] = [
        ("geo", evaluate_geo(data_dir, pipeline)), ("time", evaluate_time(data_dir, pipeline))]
    reports += [(name, evaluate_clusters(gold_dir / folder, pipeline)) for name, folder in CLUSTER_SETS.items()]
    for name, report in reports:
        for key, value in report.figures().items():
            figures[f"{name}.{key}"] = round(value, 4)
    return figures


def load_floors(path: Path = FLOORS) -> dict[str, float]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataError(f"{path}: cannot read floors ({exc})") from exc
    floors = data.get("floors")
    if not isinstance(floors, dict):
        raise DataError(f"{path}: no 'floors' object")
    return {str(k): float(v) for k, v in floors.items()}


@dataclass(frozen=True)
class Breach:
    figure: str
    value: float | None
    floor: float

    def __str__(self) -> str:
        word = "above its ceiling" if self.figure in CEILINGS else "below its floor"
        shown = "missing" if self.value is None else f"{self.value:.4g}"
        return f"{self.figure} = {shown}, {word} {self.floor:.4g}"


def check(figures: dict[str, float], floors: dict[str, float]) -> list[Breach]:
    out = []
    for name, floor in sorted(floors.items()):
        value = figures.get(name)
        if value is None:
            out.append(Breach(name, None, floor))
        elif (value > floor) if name in CEILINGS else (value < floor):
            out.append(Breach(name, value, floor))
    return out


def _pinned(name: str, value: float) -> float:
    """The floor a figure pins: rounded down to two decimals, so the last digit of a ratio's noise never
    breaks the gate; a ceiling rounded up (a count to itself, kilometres to the next multiple of 5 above,
    so a median of 0 km pins 5, not a ceiling that one kilometre breaks)."""
    if name in CEILINGS:
        return float((math.floor(value / 5) + 1) * 5) if name.endswith("_km") else float(math.ceil(value))
    return math.floor(value * 100 + 1e-9) / 100


def record(figures: dict[str, float], path: Path = FLOORS, allow_lower: bool = False) -> list[str]:
    """Pin the current figures as floors. Without `allow_lower`, a floor is only ever raised
    (a ceiling only lowered); the figures that would loosen the gate are returned unchanged."""
    old = load_floors(path) if path.exists() else {}
    new = dict(old)
    refused = []
    for name, measured in figures.items():
        value = _pinned(name, measured)
        prior = old.get(name)
        loosens = prior is not None and ((value > prior) if name in CEILINGS else (value < prior))
        if loosens and not allow_lower:
            refused.append(f"{name}: {value:.4g} would loosen the pinned {prior:.4g}")
            continue
        new[name] = value
    note = json.loads(path.read_text(encoding="utf-8")).get("note") if path.exists() else None
    doc = {"note": note or "Pinned evaluation floors (ceilings for seed.events_in_output). Raise with "
                           "`tacitus eval all --record-floors`; lowering needs --allow-lower.",
           "floors": dict(sorted(new.items()))}
    path.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    return refused
