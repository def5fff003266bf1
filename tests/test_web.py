"""The web UI: its geometry, marking and filter form on hand-made inputs, and its pages rendered
in-process (httpx ASGI transport) over the desk test store, mounted on the API app."""

from __future__ import annotations

import asyncio
import datetime
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import lxml.html
import pytest
from fastapi import FastAPI

from tacitus.api import create_app
from tacitus.models import PLOVER_TYPES
from tacitus.store import query
from tacitus.web import charts, mount_ui, routes
from tacitus.web.filters import read_form
from tacitus.web.highlight import Span, excerpt_bounds, mark_text
from tacitus.web.projection import MIN_SPAN_DEGREES, WORLD, fit, invert, project

# -- projection -----------------------------------------------------------------------------------


@pytest.mark.parametrize("lon, lat", [(0, 0), (-3.99, 17.57), (29.22, -1.68), (179.9, 71.0), (-170.0, -55.5)])
def test_inverse_projection_returns_the_point(lon: float, lat: float) -> None:
    back = invert(*project(lon, lat))
    assert back == pytest.approx((lon, lat), abs=1e-6)


def test_projection_puts_north_up_and_east_right() -> None:
    bamako, timbuktu, niamey = project(-8.0, 12.65), project(-3.0, 16.77), project(2.11, 13.51)
    assert timbuktu[1] < bamako[1]  # SVG y grows southwards
    assert niamey[0] > bamako[0]


def test_fit_keeps_the_aspect_a_minimum_span_and_the_points() -> None:
    view = fit([(-3.99, 17.57)])
    assert view.width / view.height == pytest.approx(2.0)
    x, y = project(-3.99, 17.57)
    assert view.x < x < view.x + view.width and view.y < y < view.y + view.height
    assert view.width >= MIN_SPAN_DEGREES / 360 * WORLD.width
    assert fit([]) == WORLD
    assert fit([(-170, -50), (170, 70)]) == WORLD


# -- marking spans in text ------------------------------------------------------------------------


def _marks(html: str) -> list[Any]:
    return lxml.html.fragment_fromstring(html, create_parent="div").xpath(".//mark")


def test_marks_nest_the_trigger_inside_the_evidence() -> None:
    text = "Before. Gunmen attacked a convoy near Gao. After."
    sentence = (8, 42)
    trigger = (15, 23)
    html = mark_text(text, [Span(*trigger, "trigger"), Span(*sentence, "evidence", element_id="ev-1")])
    evidence = [m for m in _marks(html) if m.get("class") == "evidence"]
    assert len(evidence) == 1 and evidence[0].get("id") == "ev-1"
    assert evidence[0].text_content() == text[slice(*sentence)]
    [inner] = evidence[0].xpath(".//mark[@class='trigger']")
    assert inner.text_content() == "attacked"


def test_a_span_crossing_the_evidence_end_is_cut_and_the_evidence_stays_whole() -> None:
    text = "One two three. Four five."
    html = mark_text(text, [Span(0, 14, "evidence"), Span(8, 19, "actor")])
    evidence = [m for m in _marks(html) if m.get("class") == "evidence"]
    assert [m.text_content() for m in evidence] == ["One two three."]
    assert [m.text_content() for m in _marks(html) if m.get("class") == "actor"] == ["three.", " Four"]


def test_marked_text_is_escaped_and_bad_spans_are_dropped() -> None:
    text = "a <b> & c"
    html = str(mark_text(text, [Span(1, 6, "place"), Span(50, 60, "actor"), Span(4, 4, "time"), Span(5, 6, "time")]))
    assert html == 'a <mark class="place">&lt;b&gt;</mark> &amp; c'


def test_excerpt_is_the_paragraph_around_the_span() -> None:
    text = "Title\n\nFirst sentence. The evidence here. Last one.\n\nNext paragraph."
    start = text.index("The evidence")
    lo, hi = excerpt_bounds(text, start, start + len("The evidence here."))
    assert text[lo:hi] == "First sentence. The evidence here. Last one."
    lo, hi = excerpt_bounds(text, start, start + 5, context=10)
    assert 0 < lo <= start and text[lo - 1] == " " and hi - start < 5 + 11


# -- charts ---------------------------------------------------------------------------------------


def test_events_at_one_place_share_a_dot_with_a_wedge_per_type() -> None:
    points = [
        charts.MapPoint("a", -0.04, 16.27, "ASSAULT", sources=3, fatalities=7, label="Gao"),
        charts.MapPoint("b", -0.04, 16.27, "PROTEST", sources=1, label="Gao"),
        charts.MapPoint("c", 29.22, -1.68, "PROTEST", sources=2, label="Goma"),
    ]
    event_map = charts.event_map(points)
    assert len(event_map.dots) == 2
    gao = next(d for d in event_map.dots if d.lat == pytest.approx(16.27))
    assert [(s.type, s.count) for s in gao.slices] == [("PROTEST", 1), ("ASSAULT", 1)]
    assert all(s.d.startswith("M0 0L") for s in gao.slices)
    assert gao.href_event is None
    goma = next(d for d in event_map.dots if d.lat == pytest.approx(-1.68))
    assert goma.href_event == "c" and goma.slices[0].d == ""
    assert gao.r > goma.r  # 4 sources against 2
    by_fatalities = charts.event_map(points, size_by="fatalities")
    assert max(by_fatalities.dots, key=lambda d: d.r).href_event is None
    assert min(d.r for d in by_fatalities.dots) == pytest.approx(3.0)
    assert event_map.types == ["PROTEST", "ASSAULT"]
    with pytest.raises(ValueError):
        charts.event_map(points, size_by="colour")


def test_timeline_runs_through_empty_periods_and_stacks_types() -> None:
    counts = [(datetime.date(2024, 1, 3), "ASSAULT", 2), (datetime.date(2024, 1, 17), "PROTEST", 2),
              (datetime.date(2024, 3, 9), "ASSAULT", 1)]
    links: list[tuple[datetime.date, datetime.date, str]] = []

    def href(start: datetime.date, end: datetime.date, event_type: str) -> str:
        links.append((start, end, event_type))
        return f"/?type={event_type}"

    line = charts.timeline(counts, "month", href, width=300, height=100)
    assert line.periods == charts.MIN_PERIODS and line.peak == 4 and line.total == 5
    step = 300 / charts.MIN_PERIODS
    # 3 months of events, padded with empty months: 5 after, then 4 before
    assert min(b.start for b in line.bars) == datetime.date(2024, 1, 1)
    january = [b for b in line.bars if b.start == datetime.date(2024, 1, 1)]
    assert january[0].x == pytest.approx(4 * step + step * 0.15 / 2, abs=0.01)
    assert [b.type for b in january] == ["PROTEST", "ASSAULT"]  # PLOVER order: cooperation at the bottom
    assert sum(b.height for b in january) == pytest.approx(100)
    assert january[0].y == pytest.approx(50) and january[1].y == pytest.approx(0)
    march = [b for b in line.bars if b.start == datetime.date(2024, 3, 1)]
    assert march[0].x == pytest.approx(6 * step + step * 0.15 / 2, abs=0.01)  # after an empty February
    assert not [b for b in line.bars if b.start == datetime.date(2024, 2, 1)]
    assert (datetime.date(2024, 3, 1), datetime.date(2024, 3, 31), "ASSAULT") in links
    assert charts.timeline([], "day", href).bars == []


def test_week_periods_start_on_monday_and_intervals_fit_the_span() -> None:
    assert charts.period_start(datetime.date(2024, 3, 14), "week") == datetime.date(2024, 3, 11)
    assert charts.next_period(datetime.date(2024, 12, 1), "month") == datetime.date(2025, 1, 1)
    assert charts.choose_interval(datetime.date(2024, 1, 1), datetime.date(2024, 2, 1)) == "day"
    assert charts.choose_interval(datetime.date(2023, 1, 1), datetime.date(2024, 6, 1)) == "week"
    assert charts.choose_interval(datetime.date(2013, 1, 1), datetime.date(2024, 6, 1)) == "month"
    assert charts.choose_interval(datetime.date(1979, 1, 1), datetime.date(2024, 6, 1)) == "year"
    assert charts.periods_between(datetime.date(1979, 5, 1), datetime.date(2024, 1, 1), "year") == 46
    year = charts.period_start(datetime.date(2023, 7, 9), "year")
    assert year == datetime.date(2023, 1, 1) and charts.next_period(year, "year") == datetime.date(2024, 1, 1)


def test_world_outline_holds_every_country_once() -> None:
    paths = charts.country_paths()
    assert len(paths) > 200
    for code in ("MLI", "COD", "SDN", "UKR", "FJI", "RUS"):
        assert paths[code].startswith("M"), code
    svg = charts.world_outline_svg()
    assert svg.count("<path ") == len(paths) and 'id="countries"' in svg
    # Mali's outline lies around Mali
    numbers = [float(v) for v in re.findall(r"-?\d+\.\d+", paths["MLI"])]
    xs, ys = numbers[0::2], numbers[1::2]
    lon, lat = invert(sum(xs) / len(xs), sum(ys) / len(ys))
    assert -12 < lon < 4 and 10 < lat < 25


# -- the filter form ------------------------------------------------------------------------------


def test_form_reads_the_api_parameters_and_rebuilds_links() -> None:
    form = read_form([("since", "2024-01-01"), ("type", "assault"), ("type", "PROTEST"), ("bbox", "-5,10,5,20"),
                      ("min_sources", "2"), ("text", "  "), ("size", "fatalities")])
    assert not form.errors
    assert form.filter.since == datetime.date(2024, 1, 1)
    assert form.filter.type == "ASSAULT,PROTEST"
    assert form.filter.bbox == (-5.0, 10.0, 5.0, 20.0) and form.filter.min_sources == 2
    assert form.filter.text is None and form.size == "fatalities"
    query_string = parse_qs(form.query(type_="SANCTION", bbox=None))
    assert query_string["type"] == ["SANCTION"] and "bbox" not in query_string
    assert query_string["since"] == ["2024-01-01"] and query_string["size"] == ["fatalities"]


@pytest.mark.parametrize("params, field", [
    ({"since": "last week"}, "since"), ({"bbox": "1,2,3"}, "bbox"), ({"type": "BOMB"}, "type"),
    ({"min_sources": "two"}, "min_sources"), ({"since": "2024-02-01", "until": "2024-01-01"}, "until"),
    ({"level": "articles"}, "level"), ({"interval": "hour"}, "interval"), ({"size": "area"}, "size"),
])
def test_form_names_the_field_at_fault(params: dict[str, str], field: str) -> None:
    assert field in read_form(params).errors


# -- pages ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def app(db_path: Path) -> Iterator[FastAPI]:
    application = create_app(db_path, ui=mount_ui)
    yield application
    application.state.tacitus.close()


def fetch(app: FastAPI, url: str) -> httpx.Response:
    async def get() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
            return await client.get(url)

    return asyncio.run(get())


def page(app: FastAPI, url: str, status: int = 200) -> Any:
    response = fetch(app, url)
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    return lxml.html.fromstring(response.text)


def _rows(doc: Any) -> list[Any]:
    return doc.xpath("//table[@id='event-table']/tbody/tr")


def test_events_page_shows_map_timeline_and_table(app: FastAPI) -> None:
    doc = page(app, "/")
    with app.state.tacitus.cursor() as con:
        listed = query.list_events(con, query.EventFilter(), limit=routes.PAGE_SIZE)
        stats = query.stats(con, query.EventFilter())
        located = query.map_points(con, query.EventFilter())
    assert [r.get("data-event") for r in _rows(doc)] == [e["id"] for e in listed.items]
    assert doc.xpath("string(//p[@id='summary']/b)") == str(stats["events"])
    dots = doc.xpath("//svg[@id='event-map']//*[contains(concat(' ', @class, ' '), ' dot ')]")
    assert len(dots) == len({(round(p["lon"], 4), round(p["lat"], 4)) for p in located}) > 1
    bars = doc.xpath("//svg[contains(@class, 'timeline')]//rect[contains(@class, 'bar')]")
    assert sum(int(b.get("data-count")) for b in bars) == sum(
        1 for e in all_events(app) if e["date"] and e["date"].get("start"))
    assert {b.get("data-type") for b in bars} <= set(PLOVER_TYPES)


def all_events(app: FastAPI, level: str = "clusters") -> list[dict[str, Any]]:
    with app.state.tacitus.cursor() as con:
        return query.list_events(con, query.EventFilter(level=level), limit=1000).items


def test_a_type_filter_narrows_table_map_and_timeline(app: FastAPI) -> None:
    doc = page(app, "/?type=ASSAULT")
    rows = _rows(doc)
    assert rows and all(r.xpath("string(td[2])").strip() == "ASSAULT" for r in rows)
    wedge_classes = doc.xpath("//svg[@id='event-map']//g[contains(@class, 'dot')]/*/@class")
    assert wedge_classes and {c for c in wedge_classes if c != "rim"} == {"t-ASSAULT"}
    assert {b.get("data-type") for b in doc.xpath("//rect[contains(@class, 'bar')]")} == {"ASSAULT"}
    assert doc.xpath("//select[@name='type']/option[@selected]/@value") == ["ASSAULT"]


def test_country_and_bbox_filters_draw_the_country_and_the_box(app: FastAPI) -> None:
    doc = page(app, "/?country=MLI&bbox=-6,12,4,20")
    assert doc.xpath("//path[@class='selected-country']/@d")[0] == charts.country_paths()["MLI"]
    assert doc.xpath("//path[@class='bbox']")
    assert all(r.xpath("string(td[5])").strip().endswith("MLI") for r in _rows(doc))


def test_a_bad_filter_answers_422_and_names_the_field(app: FastAPI) -> None:
    doc = page(app, "/?since=yesterday&type=ASSAULT", status=422)
    assert "since" in doc.xpath("string(//div[@id='filter-errors'])")
    assert not _rows(doc)
    assert doc.xpath("//input[@name='since']/@value") == ["yesterday"]
    assert "cursor" in page(app, "/?cursor=nonsense", status=422).xpath("string(//div[@id='filter-errors'])")


def test_the_table_pages_through_every_event_once(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(routes, "PAGE_SIZE", 5)
    seen: list[str] = []
    url: str | None = "/?level=mentions"
    pages = 0
    while url:
        doc = page(app, url)
        rows = _rows(doc)
        assert 0 < len(rows) <= 5
        seen += [r.get("data-event") for r in rows]
        pages += 1
        following = doc.xpath("//a[@id='next-page']/@href")
        url = following[0] if following else None
        if pages > 1:
            assert doc.xpath("//a[@id='first-page']")
    mentions = all_events(app, level="mentions")
    assert pages == -(-len(mentions) // 5) > 1
    assert seen == [m["id"] for m in mentions]


def _best_sourced(app: FastAPI) -> dict[str, Any]:
    with app.state.tacitus.cursor() as con:
        events = query.list_events(con, query.EventFilter(min_sources=3), limit=5).items
        assert events, "the desk store has an event three outlets reported"
        event = query.get_event(con, events[0]["id"])
        assert event is not None
        return event


def test_event_page_marks_each_mentions_evidence_in_its_article(app: FastAPI) -> None:
    event = _best_sourced(app)
    doc = page(app, f"/events/{event['id']}")
    sections = doc.xpath("//section[@class='mention']")
    assert [s.get("data-mention") for s in sections] == [m["id"] for m in event["mentions"]]
    with app.state.tacitus.cursor() as con:
        for section, mention in zip(sections, event["mentions"], strict=True):
            text = query.get_document(con, mention["document"]["id"])["document"]["text"]
            evidence = mention["evidence"]
            [marked] = section.xpath(".//mark[@class='evidence']")
            sentence = text[evidence["start"]:evidence["end"]]
            assert marked.text_content() == sentence.strip() == evidence["sentence"].strip()
            [trigger] = marked.xpath(".//mark[@class='trigger']")
            assert trigger.text_content() == text[evidence["trigger_start"]:evidence["trigger_end"]]
            link = section.xpath(".//div[@class='meta']/a/@href")[0]
            assert link.startswith(f"/documents/{mention['document']['id']}?event={mention['id']}")
    assert doc.xpath("//svg[@id='event-map']//g[contains(@class, 'dot')]")


def test_event_page_reads_each_article_once_for_its_mentions(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    with app.state.tacitus.cursor() as con:
        clusters = query.list_events(con, query.EventFilter(), limit=1000).items
        mentions = {c["id"]: (query.get_event(con, c["id"]) or {}).get("mentions") or [] for c in clusters}
    # an event two of whose mentions come from one article
    event_id, docs = next((key, [m["document"]["id"] for m in found]) for key, found in mentions.items()
                          if len({m["document"]["id"] for m in found}) < len(found))
    annotated: list[str] = []
    annotation_spans = routes._annotation_spans

    def counted(stored: dict[str, Any]) -> list[Span]:
        annotated.append(stored["document"]["id"])
        return annotation_spans(stored)

    monkeypatch.setattr(routes, "_annotation_spans", counted)
    doc = page(app, f"/events/{event_id}")
    assert sorted(annotated) == sorted(set(docs))
    sections = doc.xpath("//section[@class='mention']")
    assert len(sections) == len(docs)
    assert all(len(s.xpath(".//mark[@class='evidence']")) == 1 for s in sections)


def test_document_page_marks_every_event_and_the_one_asked_for(app: FastAPI) -> None:
    event = _best_sourced(app)
    mention = event["mentions"][0]
    doc = page(app, f"/documents/{mention['document']['id']}?event={mention['id']}")
    text = doc.xpath("//div[@id='document-text']")[0]
    [focus] = text.xpath(".//mark[@class='evidence']")
    assert focus.get("id") == f"ev-{mention['id']}"
    assert focus.text_content() == mention["evidence"]["sentence"].strip()
    assert text.text_content().startswith(doc.xpath("string(//h1)").strip()[:20])
    assert text.xpath(".//mark[@class='place']") and text.xpath(".//mark[@class='trigger']")


def test_actor_page_shows_counterparts_both_ways(app: FastAPI) -> None:
    with app.state.tacitus.cursor() as con:
        actors = query.list_actors(con, limit=200).items
        acting = next(a for a in actors if a["as_source"])
        detail = query.get_actor(con, acting["id"])
    assert detail is not None
    doc = page(app, f"/actors/{acting['id']}")
    assert doc.xpath("string(//div[@id='actor']/@data-actor)") == acting["id"]
    named = [row.xpath("string(span[1])").strip() for row in doc.xpath("//div[@id='acts-on']/div")]
    assert len(named) == len({c["id"] for c in detail["acts_on"]}) > 0
    bars = doc.xpath("//svg[contains(@class, 'timeline')]//rect[contains(@class, 'bar')]")
    assert sum(int(b.get("data-count")) for b in bars) == sum(r["n"] for r in detail["by_month"])
    listing = page(app, "/actors?q=" + acting["name"][:4])
    assert acting["id"] in listing.xpath("//table[@id='actor-table']//td[2]/text()")


def test_documents_listing_links_every_document(app: FastAPI) -> None:
    doc = page(app, "/documents")
    links = doc.xpath("//table[@id='document-table']//a/@href")
    with app.state.tacitus.cursor() as con:
        stored = query.list_documents(con, limit=100).items
        about_goma = query.list_documents(con, limit=100, text="Goma").items
    assert links == [f"/documents/{d['id']}" for d in stored] and len(links) > 5
    goma = page(app, "/documents?q=Goma").xpath("//table[@id='document-table']//a/@href")
    assert goma == [f"/documents/{d['id']}" for d in about_goma] and 0 < len(goma) < len(links)


@pytest.mark.parametrize("url", ["/events/nope", "/documents/nope", "/actors/nope"])
def test_unknown_ids_get_404_pages(app: FastAPI, url: str) -> None:
    doc = page(app, url, status=404)
    assert "nope" in doc.xpath("string(//code)")


def test_every_asset_a_page_names_is_served_by_tacitus(app: FastAPI) -> None:
    event = _best_sourced(app)
    urls: set[str] = set()
    for path in ("/", f"/events/{event['id']}", "/actors", "/documents"):
        doc = page(app, path)
        urls |= set(doc.xpath("//link/@href | //script/@src | //img/@src | //*[local-name()='use']/@href"))
    assert urls
    for url in urls:
        assert url.startswith("/assets/"), url
        response = fetch(app, url.split("#")[0])
        assert response.status_code == 200, url
    svg = fetch(app, "/assets/world.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml") and b'id="countries"' in svg.content
    for name in ("tacitus.js", "tacitus.css"):
        body = fetch(app, f"/assets/{name}").text
        assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", body), name


def test_pages_stay_out_of_the_api_description(app: FastAPI) -> None:
    paths = fetch(app, "/api/openapi.json").json()["paths"]
    assert paths and all(p.startswith("/api/") for p in paths)


def test_a_server_that_asks_readers_for_tokens_shows_no_pages(db_path: Path, tmp_path: Path) -> None:
    copy = tmp_path / "locked.duckdb"
    copy.write_bytes(db_path.read_bytes())
    locked = create_app(copy, require_token=True, ui=mount_ui)
    try:
        for url in ("/", "/actors", "/documents/x"):
            assert fetch(locked, url).status_code == 401
    finally:
        locked.state.tacitus.close()


def test_timeline_link_narrows_to_its_period_and_type(app: FastAPI) -> None:
    doc = page(app, "/?interval=month")
    href = doc.xpath("//svg[contains(@class, 'timeline')]//a/@href")[0]
    params = parse_qs(urlsplit(href).query)
    assert set(params) >= {"since", "until", "type"}
    narrowed = page(app, href)
    since = datetime.date.fromisoformat(params["since"][0])
    until = datetime.date.fromisoformat(params["until"][0])
    assert since.day == 1 and (until + datetime.timedelta(days=1)).day == 1
    assert all(r.xpath("string(td[2])").strip() == params["type"][0] for r in _rows(narrowed))


def test_the_map_is_capped_on_the_server(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(routes, "MAP_LIMIT", 2)
    doc = page(app, "/?level=mentions")
    drawn = 0
    for title in doc.xpath("//svg[@id='event-map']//g[contains(@class, 'dot')]/title/text()"):
        count = re.search(r": (\d+) events?", title)
        assert count, title
        drawn += int(count.group(1))
    assert drawn == 2
    assert "best-sourced are shown" in doc.xpath("string(//div[@class='chart-head'])")


def test_too_fine_an_interval_is_coarsened(app: FastAPI) -> None:
    with app.state.tacitus.cursor() as con:
        stats = query.stats(con, query.EventFilter())
    first = datetime.date.fromisoformat(stats["first_date"])
    last = datetime.date.fromisoformat(stats["last_date"])
    assert charts.periods_between(first, last, "day") > charts.MAX_PERIODS, "the desk store spans over 400 days"
    doc = page(app, "/?interval=day")
    assert "showing by week" in doc.xpath("string(//svg[contains(@class, 'timeline')]/preceding::div[1])")
    starts = {datetime.date.fromisoformat(b.get("data-start")) for b in doc.xpath("//rect[contains(@class, 'bar')]")}
    assert starts and all(day.weekday() == 0 for day in starts)  # weeks begin on Monday
