"""Score toponym resolution against GeoWebNews (`eval/geowebnews/GWN.xml`, Gritta et al. 2019).

Takes the shared data folder and a loaded `Pipeline` (anything whose `run(articles)` yields
`DocumentResult`s in input order); gives a `GeoReport`. Only gold toponyms with coordinates
count: one is found when a place in the document's `places` overlaps its character span, and
a found one is right when the place lies within 161 km (100 miles, the field's usual
tolerance) of the gold coordinates.
"""

from __future__ import annotations

import statistics
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..geo import great_circle_km
from ..models import Article, DocumentResult, PlaceRef

GWN_FILE = Path("eval/geowebnews/GWN.xml")
ACCURACY_KM = 161.0


@dataclass(frozen=True)
class GoldToponym:
    """One annotated toponym; `lat`/`lon` are None where the annotators gave no coordinates."""

    text: str
    type: str  # GeoWebNews class: Literal, Metonymic, Mixed, Non_Literal_Modifier, …
    start: int
    end: int
    lat: float | None = None
    lon: float | None = None
    geonameid: int | None = None
    modifier: str | None = None  # "Noun" or "Adjective" for a toponym that modifies a noun

    @property
    def coordinated(self) -> bool:
        return self.lat is not None and self.lon is not None


@dataclass(frozen=True)
class GoldGeoArticle:
    id: str
    title: str | None
    text: str
    toponyms: tuple[GoldToponym, ...]  # those whose span lies inside the text
    skipped: int = 0  # coordinated annotations whose offsets fall outside the text (GWN.xml has negative ones)


@dataclass(frozen=True)
class ToponymOutcome:
    article: str
    gold: GoldToponym
    found: PlaceRef | None  # the system place overlapping the gold span, if any
    error_km: float | None  # None when not found or found without coordinates

    @property
    def right(self) -> bool:
        return self.error_km is not None and self.error_km <= ACCURACY_KM

    @property
    def same_entity(self) -> bool:
        """Found as the very GeoNames entry the gold names, whatever point each uses for it."""
        found, gold = self.found, self.gold
        return found is not None and gold.geonameid is not None and found.geonameid == gold.geonameid


@dataclass
class GeoReport:
    articles: int
    outcomes: list[ToponymOutcome] = field(default_factory=list)
    skipped: int = 0  # coordinated gold toponyms left out: their offsets fall outside the text
    # The system's places: all of them, those on a coordinated gold toponym, and those on no gold
    # annotation at all (GeoWebNews marks every toponym, so these are false places).
    system_places: int = 0
    system_on_gold: int = 0
    system_unannotated: int = 0

    # -- figures ------------------------------------------------------------------------------
    @staticmethod
    def _stats(outcomes: Sequence[ToponymOutcome]) -> dict[str, float]:
        found = [o for o in outcomes if o.found is not None]
        errors = sorted(o.error_km for o in found if o.error_km is not None)
        return {
            "toponyms": float(len(outcomes)),
            "found": float(len(found)),
            "toponym_recall": len(found) / len(outcomes) if outcomes else 0.0,
            # A found place with no coordinates is a miss: it cannot be within any distance.
            "accuracy_161km": sum(o.right for o in found) / len(found) if found else 0.0,
            # Far off, yet the gold's own GeoNames entry: the two put that place (a country, mostly) at
            # different points. Counted apart so a change of reference points is told from a wrong reading.
            "far_same_entity": float(sum(o.same_entity and not o.right for o in found)),
            "median_error_km": statistics.median(errors) if errors else 0.0,
            "mean_error_km": statistics.fmean(errors) if errors else 0.0,
        }

    def figures(self) -> dict[str, float]:
        """The gated figures over every gold toponym with coordinates: toponym_recall, accuracy_161km
        (of those found) and median_error_km (of those found)."""
        stats = self._stats(self.outcomes)
        return {k: stats[k] for k in ("toponym_recall", "accuracy_161km", "median_error_km")}

    def stats(self) -> dict[str, float]:
        """`figures()` plus the counts behind them, the mean error, and the share of the system's places
        that stand on no gold annotation (`false_place_rate`)."""
        out = self._stats(self.outcomes)
        out["system_places"] = float(self.system_places)
        out["false_place_rate"] = self.system_unannotated / self.system_places if self.system_places else 0.0
        return out

    def by_type(self) -> dict[str, dict[str, float]]:
        """`stats` per GeoWebNews toponym type (Literal, Metonymic, Non_Literal_Modifier, …)."""
        types = sorted({o.gold.type for o in self.outcomes})
        return {t: self._stats([o for o in self.outcomes if o.gold.type == t]) for t in types}

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": "geo",
            "articles": self.articles,
            "skipped": self.skipped,
            "figures": {k: round(v, 4) for k, v in self.stats().items()},
            "by_type": {t: {k: round(v, 4) for k, v in f.items()} for t, f in self.by_type().items()},
            "misses": [_outcome_dict(o) for o in self.outcomes if not o.right],
        }

    def format(self) -> str:
        head = f"{'type':<22} {'toponyms':>8} {'recall':>7} {'acc@161':>8} {'median km':>10} {'mean km':>9}"
        lines = [head, "-" * len(head)]
        for name, f in [*self.by_type().items(), ("all", self._stats(self.outcomes))]:
            lines.append(f"{name:<22} {int(f['toponyms']):>8} {f['toponym_recall']:>7.1%} "
                         f"{f['accuracy_161km']:>8.1%} {f['median_error_km']:>10.1f} {f['mean_error_km']:>9.1f}")
        f = self.stats()
        lines.append(f"geo ({self.articles} articles): toponym_recall={int(f['found'])}/{int(f['toponyms'])} "
                     f"({f['toponym_recall']:.1%}); accuracy_161km={f['accuracy_161km']:.1%}; "
                     f"median_error_km={f['median_error_km']:.1f}; mean_error_km={f['mean_error_km']:.1f}; "
                     f"false_place_rate={f['false_place_rate']:.1%} of {self.system_places}; "
                     f"far_same_entity={int(f['far_same_entity'])}")
        return "\n".join(lines)


def _outcome_dict(o: ToponymOutcome) -> dict[str, Any]:
    found = None
    if o.found is not None:
        found = {"text": o.found.text, "name": o.found.name, "country": o.found.country, "lat": o.found.lat,
                 "lon": o.found.lon, "precision": o.found.precision}
    return {"article": o.article, "text": o.gold.text, "type": o.gold.type, "start": o.gold.start,
            "end": o.gold.end, "lat": o.gold.lat, "lon": o.gold.lon, "found": found,
            "error_km": None if o.error_km is None else round(o.error_km, 1)}


# ----- reading -----------------------------------------------------------------------------------

def _child_text(el: ET.Element, tag: str) -> str | None:
    child = el.find(tag)
    if child is None or child.text is None:
        return None
    return child.text.strip() or None


def _toponym(el: ET.Element, source: str, article: str) -> GoldToponym:
    try:
        start, end = int(_child_text(el, "start") or ""), int(_child_text(el, "end") or "")
    except ValueError:
        raise InputError(source, f"article {article}: toponym without integer start/end") from None
    lat, lon, gid = _child_text(el, "latitude"), _child_text(el, "longitude"), _child_text(el, "geonamesID")
    try:
        latf = float(lat) if lat is not None else None
        lonf = float(lon) if lon is not None else None
    except ValueError:
        raise InputError(source, f"article {article}: coordinates {lat!r} {lon!r} are not numbers") from None
    return GoldToponym(
        text=_child_text(el, "extractedName") or "", type=_child_text(el, "type") or "unknown",
        start=start, end=end, lat=latf, lon=lonf,
        geonameid=int(gid) if gid is not None and gid.isdigit() else None,
        modifier=_child_text(el, "modifierType"),
    )


def read_geowebnews(data_dir: Path) -> list[GoldGeoArticle]:
    """The articles of GWN.xml under `data_dir` with all their toponyms; InputError naming the file
    when it is missing or not GeoWebNews-shaped."""
    path = data_dir / GWN_FILE
    source = str(path)
    try:
        root = ET.parse(path).getroot()
    except FileNotFoundError:
        raise InputError(source, "gold file not found") from None
    except OSError as exc:
        raise InputError(source, f"cannot be read ({exc.strerror})") from None
    except ET.ParseError as exc:
        raise InputError(source, f"not well-formed XML ({exc})") from None
    out: list[GoldGeoArticle] = []
    for n, el in enumerate(root.iter("article")):
        ident = el.get("file") or str(n)
        text_el = el.find("text")
        if text_el is None or not text_el.text:
            raise InputError(source, f"article {ident}: no <text>")
        text = text_el.text
        holder = el.find("toponyms")
        read = [_toponym(t, source, ident) for t in (holder if holder is not None else ())]
        inside = tuple(t for t in read if 0 <= t.start < t.end <= len(text))
        outside = sum(t.coordinated for t in read) - sum(t.coordinated for t in inside)
        out.append(GoldGeoArticle(ident, _child_text(el, "title"), text, inside, outside))
    if not out:
        raise InputError(source, "no <article> records")
    return out


# ----- scoring ------------------------------------------------------------------------------------

def _overlap(a_start: int, a_end: int, b_start: int | None, b_end: int | None) -> int:
    if b_start is None or b_end is None:
        return 0
    return max(0, min(a_end, b_end) - max(a_start, b_start))


def match_toponym(gold: GoldToponym, places: Sequence[PlaceRef]) -> PlaceRef | None:
    """The system place sharing the most characters with the gold span (the first on a tie)."""
    best, best_overlap = None, 0
    for place in places:
        n = _overlap(gold.start, gold.end, place.start, place.end)
        if n > best_overlap:
            best, best_overlap = place, n
    return best


def score_geo(gold: Sequence[GoldGeoArticle], results: Iterable[DocumentResult]) -> GeoReport:
    """Outcomes of every coordinated gold toponym, given the pipeline's results in article order."""
    report = GeoReport(articles=len(gold))
    for article, result in zip(gold, results, strict=True):
        report.skipped += article.skipped
        for ref in result.places:
            report.system_places += 1
            overlaps = [t for t in article.toponyms if _overlap(t.start, t.end, ref.start, ref.end)]
            report.system_on_gold += any(t.coordinated for t in overlaps)
            report.system_unannotated += not overlaps
        for toponym in article.toponyms:
            if not toponym.coordinated:
                continue
            assert toponym.lat is not None and toponym.lon is not None
            place = match_toponym(toponym, result.places)
            error = None
            if place is not None and place.lat is not None and place.lon is not None:
                error = great_circle_km(toponym.lat, toponym.lon, place.lat, place.lon)
            report.outcomes.append(ToponymOutcome(article.id, toponym, place, error))
    return report


def evaluate_geo(data_dir: Path, pipeline: Any) -> GeoReport:
    """Run every GeoWebNews article through `pipeline` and score its places."""
    gold = read_geowebnews(data_dir)
    articles = [Article(text=a.text, source=f"geowebnews:{a.id}", input_id=a.id, title=a.title) for a in gold]
    results = list(pipeline.run(articles))
    if len(results) != len(articles):
        raise RuntimeError(f"geowebnews: {len(results)} pipeline results for {len(articles)} articles")
    return score_geo(gold, results)
