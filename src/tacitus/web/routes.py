"""The web UI's pages: the API's FastAPI app in, the same app with HTML pages at `/` out.

`mount_ui(app)` adds the pages (events with filters, map, timeline and table; one event with its
evidence in the article text; documents; actors) and the assets at `/assets/`; each page gets its
store cursor from the API's own dependency (`tacitus.api.connection`), as the API's routes do.
Every page reads the store through `tacitus.store.query`, which pages and aggregates in SQL, so a
page costs the same with 100 or 100,000 events: one page of rows, one capped set of map points,
one count per period and type.
"""

from __future__ import annotations

import datetime
import hashlib
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

import jinja2
from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from markupsafe import Markup

from tacitus.api import connection
from tacitus.errors import InputError
from tacitus.models import PLOVER_TYPES, SECTORS, STATUSES
from tacitus.store import query
from tacitus.store.query import Connection, EventFilter

from . import charts
from .filters import FilterForm, read_form
from .highlight import Span, excerpt_bounds, mark_text
from .projection import WORLD, View, fit

# A page's store cursor, lent for the request's duration by the API's own dependency.
_Con = Annotated[Connection, Depends(connection)]
# A timeline bar's link from its first day, last day and type.
_BarLink = Callable[[datetime.date, datetime.date, str], str]

PAGE_SIZE = 50
# The map shows at most this many events, the best-sourced and deadliest first (the query caps it).
MAP_LIMIT = 3000
# An event page shows its mentions' evidence in context for this many documents, the rest as sentences.
MENTIONS_IN_CONTEXT = 20
# Half the side, in degrees, of the box a click on a place's dot filters to: its events, not a town's.
PLACE_BOX = 0.001
ASSETS = "/assets"


@lru_cache(maxsize=1)
def _static_dir() -> Path:
    return Path(str(resources.files("tacitus.web") / "static"))


@cache
def _asset_version(name: str) -> str:
    """A content hash for an asset's URL, so a browser never keeps a stale copy after an upgrade."""
    if name == "world.svg":
        data = charts.world_outline_svg().encode("utf-8")
    else:
        data = (_static_dir() / name).read_bytes()
    return hashlib.sha256(data).hexdigest()[:10]


def asset(name: str) -> str:
    return f"{ASSETS}/{name}?v={_asset_version(name)}"


def actor_key(actor: dict[str, Any] | None) -> str | None:
    """The key `query.get_actor` knows an event's source or target by (registry id, else name:…)."""
    if not actor:
        return None
    if actor.get("id"):
        return str(actor["id"])
    if actor.get("name"):
        return query.NAME_KEY_PREFIX + str(actor["name"]).lower()
    return None


def _number(value: Any) -> str:
    return "" if value is None else f"{value:,}"


def _date_range(date: dict[str, Any] | None) -> str:
    if not date or not (date.get("start") or date.get("end")):
        return ""
    start, end = date.get("start"), date.get("end")
    return str(start) if start == end or not end else f"{start} – {end}"


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("tacitus.web", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(asset=asset, ui_root="/", world_box=WORLD.view_box, plover_types=PLOVER_TYPES,
                       statuses=STATUSES, sectors=SECTORS, intervals=query.INTERVALS)
    env.filters.update(actor_key=actor_key, number=_number, date_range=_date_range)
    return env


@dataclass(frozen=True)
class _Pages:
    env: jinja2.Environment
    store_label: str | None
    # A server that asks API readers for a token shows no pages: a browser has no way to send one.
    tokens_required: bool = False

    def render(self, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        context.setdefault("store_label", self.store_label)
        return HTMLResponse(self.env.get_template(name).render(**context), status_code=status)

    def not_found(self, what: str, key: str) -> HTMLResponse:
        return self.render("missing.html", status=404, section=None, what=what, key=key)

    def closed(self) -> HTMLResponse | None:
        """The answer for every page when reading needs a token, else None."""
        if not self.tokens_required:
            return None
        return self.render("closed.html", status=401, section=None)


def _bbox_outline(bbox: tuple[float, float, float, float]) -> str:
    """SVG path of a lon/lat box: meridians curve in Natural Earth, so its edges are sampled."""
    west, south, east, north = bbox
    spans = [(west, east)] if west <= east else [(west, 180.0), (-180.0, east)]
    steps = 24
    rings = []
    for lo, hi in spans:
        edge = [(lo + (hi - lo) * i / steps, north) for i in range(steps + 1)]
        edge += [(hi, north + (south - north) * i / steps) for i in range(1, steps + 1)]
        edge += [(hi - (hi - lo) * i / steps, south) for i in range(1, steps + 1)]
        edge += [(lo, south + (north - south) * i / steps) for i in range(1, steps)]
        rings.append(edge)
    return charts.path(rings)


def _map_view(flt: EventFilter, points: list[charts.MapPoint]) -> View:
    if flt.bbox is not None:
        west, south, east, north = flt.bbox
        if west <= east:
            return fit([(west, south), (east, north), (west, north), (east, south), ((west + east) / 2, north)],
                       margin=0.04)
    return fit((p.lon, p.lat) for p in points)


def _map_points(rows: list[dict[str, Any]]) -> list[charts.MapPoint]:
    return [
        charts.MapPoint(
            id=str(r["id"]), lon=float(r["lon"]), lat=float(r["lat"]), type=str(r["type"]),
            sources=int(r.get("sources") or 1), fatalities=int(r.get("killed") or 0),
            label=" ".join(str(v) for v in (r.get("name"), r.get("date")) if v),
        )
        for r in rows
    ]


def _timeline_interval(form: FilterForm, stats: dict[str, Any]) -> tuple[str, str | None]:
    """The interval asked for, unless it would draw more bars than fit: then the finest that fits."""
    first = datetime.date.fromisoformat(stats["first_date"]) if stats.get("first_date") else None
    last = datetime.date.fromisoformat(stats["last_date"]) if stats.get("last_date") else None
    asked = form.interval if form.interval in query.INTERVALS else None
    if asked is None:
        return charts.choose_interval(first, last), None
    if first is None or last is None or charts.periods_between(first, last, asked) <= charts.MAX_PERIODS:
        return asked, None
    coarser = next((i for i in query.INTERVALS[query.INTERVALS.index(asked) + 1:]
                    if charts.periods_between(first, last, i) <= charts.MAX_PERIODS), query.INTERVALS[-1])
    return coarser, f"{asked} would draw more than {charts.MAX_PERIODS} bars; showing by {coarser}"


def _bar_link(form: FilterForm) -> _BarLink:
    """A timeline bar's link: `form`'s filters narrowed to the bar's period and type."""

    def link(start: datetime.date, end: datetime.date, event_type: str) -> str:
        return "/?" + form.query(since=start.isoformat(), until=end.isoformat(), type_=event_type, interval=None)

    return link


def _events_page(pages: _Pages, request: Request, con: Connection) -> HTMLResponse:
    form = read_form(request.query_params.multi_items())
    cursor = request.query_params.get("cursor") or None
    page_number = _page_number(request.query_params.get("page"))
    context: dict[str, Any] = {"section": "events", "form": form, "page": page_number}
    if form.errors:
        return pages.render("index.html", status=422, **context)
    flt = form.filter
    try:
        events = query.list_events(con, flt, limit=PAGE_SIZE, cursor=cursor)
    except InputError as error:
        form.errors[error.source] = error.reason
        return pages.render("index.html", status=422, **context)
    stats = query.stats(con, flt)
    rows = query.map_points(con, flt, limit=MAP_LIMIT + 1)
    interval, interval_note = _timeline_interval(form, stats)
    counts = query.count_events(con, flt, interval=interval, by="type")
    map_capped = len(rows) > MAP_LIMIT
    points = _map_points(rows[:MAP_LIMIT])
    event_map = charts.event_map(points, size_by=form.size, view=_map_view(flt, points))
    timeline = charts.timeline(
        ((datetime.date.fromisoformat(c["period"]), c["type"], c["n"]) for c in counts), interval, _bar_link(form))

    def dot_href(dot: charts.Dot) -> str:
        if dot.href_event:
            return f"/events/{quote(dot.href_event, safe='')}"
        # a place with several events: the same filters narrowed to a box just around it
        box = ",".join(f"{v:.4f}" for v in (max(-180.0, dot.lon - PLACE_BOX), max(-90.0, dot.lat - PLACE_BOX),
                                              min(180.0, dot.lon + PLACE_BOX), min(90.0, dot.lat + PLACE_BOX)))
        return "/?" + form.query(bbox=box)

    context.update(
        dot_href=dot_href, stats=stats, events=events.items, next_cursor=events.next_cursor,
        first_row=(page_number - 1) * PAGE_SIZE + 1,
        map=event_map, map_capped=map_capped, located=len(points),
        bbox_path=_bbox_outline(flt.bbox) if flt.bbox else None,
        country_outlines=_country_outlines(flt), timeline=timeline, interval_note=interval_note,
    )
    return pages.render("index.html", **context)


def _page_number(text: str | None) -> int:
    try:
        return max(1, int(text or 1))
    except ValueError:
        return 1


def _country_outlines(flt: EventFilter) -> str | None:
    paths = charts.country_paths()
    found = [paths[code] for code in flt.values("country") if code in paths]
    return "".join(found) or None


def _has_offsets(row: Mapping[str, Any], start: str = "start", end: str = "end") -> bool:
    return isinstance(row.get(start), int) and isinstance(row.get(end), int)


def _annotation_spans(stored: dict[str, Any]) -> list[Span]:
    """The actors, places and times of a stored document (`query.get_document`) as spans."""
    spans: list[Span] = []
    for kind, rows in (("actor", stored.get("actors", [])), ("place", stored.get("places", [])),
                       ("time", stored.get("times", []))):
        for row in rows:
            if _has_offsets(row):
                label = row.get("name") or row.get("value") or row.get("text") or ""
                code = row.get("country") or row.get("precision") or ""
                spans.append(Span(row["start"], row["end"], kind, title=f"{kind}: {label} {code}".strip()))
    return spans


def _evidence_spans(event_id: str, evidence: Mapping[str, Any], kind: str, element_id: str,
                    titles: tuple[str, str] | None = None) -> list[Span]:
    """An event's evidence sentence (marked as `kind`) and its trigger, each where its offsets are
    known; `titles` are their tooltips, if any."""
    title, trigger_title = titles or (None, None)
    attributes = (("event", event_id),)
    spans: list[Span] = []
    if _has_offsets(evidence):
        spans.append(Span(evidence["start"], evidence["end"], kind, attributes=attributes, element_id=element_id,
                          title=title))
    if _has_offsets(evidence, "trigger_start", "trigger_end"):
        spans.append(Span(evidence["trigger_start"], evidence["trigger_end"], "trigger", attributes=attributes,
                          title=trigger_title))
    return spans


def _document_spans(stored: dict[str, Any], focus: set[str]) -> list[Span]:
    """Every annotation and event of a stored document as spans; events in `focus` are marked as evidence."""
    spans = _annotation_spans(stored)
    for event in stored.get("events", []):
        spans += _evidence_spans(event["id"], event.get("evidence") or {},
                                 "evidence" if event["id"] in focus else "event", f"ev-{event['id']}",
                                 (f"{event['type']} ({event.get('status')})", f"trigger of {event['type']}"))
    return spans


@dataclass
class _MentionView:
    mention: dict[str, Any]
    document: dict[str, Any] | None
    excerpt: Markup | None
    cut_before: bool
    cut_after: bool


def _mention_views(con: Connection, mentions: list[dict[str, Any]]) -> list[_MentionView]:
    """Each mention with its evidence marked inside the surrounding paragraph of its article."""
    # per document id: the document and its annotation spans, read once however many mentions it holds
    documents: dict[str, tuple[dict[str, Any], list[Span]] | None] = {}
    views = []
    for mention in mentions:
        doc_id = (mention.get("document") or {}).get("id") or mention.get("document_id")
        if doc_id and doc_id not in documents and len(documents) < MENTIONS_IN_CONTEXT:
            stored = query.get_document(con, doc_id)
            documents[doc_id] = None if stored is None else (stored["document"], _annotation_spans(stored))
        loaded = documents.get(doc_id) if doc_id else None
        evidence = mention.get("evidence") or {}
        if loaded is None or not _has_offsets(evidence):
            views.append(_MentionView(mention, mention.get("document"), None, False, False))
            continue
        document, annotations = loaded
        text = document.get("text") or ""
        lo, hi = excerpt_bounds(text, evidence["start"], evidence["end"])
        spans = annotations + _evidence_spans(mention["id"], evidence, "evidence", f"evidence-{mention['id']}")
        # an ellipsis only where the excerpt cuts into a paragraph
        cut_before = lo > 0 and text[lo - 1] != "\n"
        cut_after = hi < len(text) and text[hi] != "\n"
        views.append(_MentionView(mention, document, mark_text(text, spans, lo, hi), cut_before, cut_after))
    return views


def _event_page(pages: _Pages, con: Connection, event_id: str) -> HTMLResponse:
    event = query.get_event(con, event_id)
    if event is None:
        return pages.not_found("event", event_id)
    # a cluster lists its mentions; a mention is its own only one
    mentions = event["mentions"] if isinstance(event.get("mentions"), list) else [event]
    views = _mention_views(con, mentions)
    location = event.get("location") or {}
    points = []
    if isinstance(location.get("lat"), int | float) and isinstance(location.get("lon"), int | float):
        points.append(charts.MapPoint(event["id"], float(location["lon"]), float(location["lat"]), event["type"],
                                      int(event.get("sources") or 1), int(event.get("killed") or 0),
                                      label=str(location.get("name") or "")))
    event_map = charts.event_map(points) if points else None
    return pages.render("event.html", section="events", event=event, mentions=views, map=event_map,
                        dot_href=lambda dot: f"/events/{quote(event_id, safe='')}")


def _document_page(pages: _Pages, request: Request, con: Connection, doc_id: str) -> HTMLResponse:
    focus = request.query_params.get("event")
    stored = query.get_document(con, doc_id)
    if stored is None:
        return pages.not_found("document", doc_id)
    text = stored["document"].get("text") or ""
    body = mark_text(text, _document_spans(stored, {focus} if focus else set()))
    return pages.render("document.html", section="documents", stored=stored, doc=stored["document"], body=body,
                        focus=focus)


def _listing_page(pages: _Pages, request: Request, con: Connection, kind: str) -> HTMLResponse:
    text = (request.query_params.get("q") or "").strip() or None
    cursor = request.query_params.get("cursor") or None
    page_number = _page_number(request.query_params.get("page"))
    context: dict[str, Any] = {"section": kind, "q": text or "", "page": page_number, "error": None}
    try:
        if kind == "actors":
            page = query.list_actors(con, query=text, limit=PAGE_SIZE, cursor=cursor)
        else:
            page = query.list_documents(con, limit=PAGE_SIZE, cursor=cursor, text=text)
    except InputError as error:
        context["error"] = str(error)
        return pages.render(f"{kind}.html", status=422, items=[], next_cursor=None, **context)
    return pages.render(f"{kind}.html", items=page.items, next_cursor=page.next_cursor, **context)


@dataclass(frozen=True)
class _Counterpart:
    key: str | None
    name: str
    country: str | None
    total: int
    by_type: list[tuple[str, int]]


def _counterparts(rows: list[dict[str, Any]], top: int = 15) -> list[_Counterpart]:
    """Counterparts by total events, each with its counts by PLOVER type (for a stacked bar)."""
    grouped: dict[str | None, dict[str, Any]] = {}
    for row in rows:
        entry = grouped.setdefault(row["id"], {"name": row.get("name"), "country": row.get("country"),
                                                "types": defaultdict(int)})
        entry["types"][row["type"]] += int(row["n"])
    order = {t: i for i, t in enumerate(PLOVER_TYPES)}
    result = [
        _Counterpart(key, str(entry["name"] or "(no one named)"), entry["country"], sum(entry["types"].values()),
                     sorted(entry["types"].items(), key=lambda kv: order.get(kv[0], 99)))
        for key, entry in grouped.items()
    ]
    result.sort(key=lambda c: (-c.total, c.name))
    return result[:top]


def _actor_page(pages: _Pages, con: Connection, actor_id: str) -> HTMLResponse:
    actor = query.get_actor(con, actor_id)
    if actor is None:
        return pages.not_found("actor", actor_id)
    acts_on = _counterparts(actor["acts_on"])
    acted_on_by = _counterparts(actor["acted_on_by"])
    widest = max([c.total for c in acts_on + acted_on_by], default=1)
    form = read_form({"actor": actor_id})
    link = _bar_link(form)

    def over_time(role: str) -> charts.Timeline:
        rows = ((datetime.date.fromisoformat(r["period"]), r["type"], r["n"])
                for r in actor["by_month"] if r["role"] == role)
        return charts.timeline(rows, "month", link, width=560, height=110)

    return pages.render("actor.html", section="actors", actor=actor, acts_on=acts_on, acted_on_by=acted_on_by,
                        widest=widest, as_source=over_time("source"), as_target=over_time("target"),
                        events_link="/?" + form.query())


def mount_ui(app: FastAPI) -> None:
    """Add the UI's pages to `app` at `/` and its assets at `/assets/`. Pass it to
    `tacitus.api.create_app(db, ui=mount_ui)`; each page reads the store through the API's
    `connection` dependency. The pages stay out of the OpenAPI description, which is the API's."""
    state = getattr(app.state, "tacitus", None)
    label = Path(state.db_path).name if state is not None else None
    pages = _Pages(_environment(), label, bool(getattr(state, "require_token", False)))

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def events_page(request: Request, con: _Con) -> HTMLResponse:
        return pages.closed() or _events_page(pages, request, con)

    @app.get("/events/{event_id}", response_class=HTMLResponse, include_in_schema=False)
    def event_page(event_id: str, con: _Con) -> HTMLResponse:
        return pages.closed() or _event_page(pages, con, event_id)

    @app.get("/documents", response_class=HTMLResponse, include_in_schema=False)
    def documents_page(request: Request, con: _Con) -> HTMLResponse:
        return pages.closed() or _listing_page(pages, request, con, "documents")

    @app.get("/documents/{doc_id}", response_class=HTMLResponse, include_in_schema=False)
    def document_page(request: Request, doc_id: str, con: _Con) -> HTMLResponse:
        return pages.closed() or _document_page(pages, request, con, doc_id)

    @app.get("/actors", response_class=HTMLResponse, include_in_schema=False)
    def actors_page(request: Request, con: _Con) -> HTMLResponse:
        return pages.closed() or _listing_page(pages, request, con, "actors")

    @app.get("/actors/{actor_id:path}", response_class=HTMLResponse, include_in_schema=False)
    def actor_page(actor_id: str, con: _Con) -> HTMLResponse:
        return pages.closed() or _actor_page(pages, con, actor_id)

    @app.get(f"{ASSETS}/world.svg", include_in_schema=False)
    def world_outline() -> Response:
        return Response(charts.world_outline_svg(), media_type="image/svg+xml",
                        headers={"Cache-Control": "public, max-age=86400"})

    app.mount(ASSETS, StaticFiles(directory=_static_dir()), name="tacitus-ui-assets")
