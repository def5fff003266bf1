"""Tests for tacitus.api: every endpoint in-process (httpx's ASGI transport), filters, pages, errors,
tokens, `tacitus serve` / `tacitus token`, and a schemathesis run against the OpenAPI description."""

from __future__ import annotations

import asyncio
import datetime
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest
import schemathesis
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from desk_store import build_store, pipeline_once
from tacitus.api import create_app
from tacitus.api.tokens import create_token, list_tokens, revoke_token, verify_token
from tacitus.cli import cli
from tacitus.store import query as q
from tacitus.store.query import EventFilter

ARTICLE = (
    "Rebels seized Kidal\n\n"
    "Separatist rebels seized the town of Kidal on Saturday after heavy fighting with the Malian army, "
    "residents said."
)


class Client:
    """A synchronous face on httpx's async ASGI transport: one in-process request per call."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        async def send() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
                return await client.request(method, url, **kwargs)

        return asyncio.run(send())

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)


@pytest.fixture(scope="module")
def db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_store(tmp_path_factory.mktemp("api") / "desk.duckdb")


@pytest.fixture(scope="module")
def api(db_path: Path) -> Iterator[Client]:
    app = create_app(db_path)
    yield Client(app)
    app.state.tacitus.close()


@pytest.fixture
def con(api: Client) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the store the API serves, through the API's own database instance."""
    connection = api.app.state.tacitus.cursor()
    yield connection
    connection.close()


def ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def walk(api: Client, url: str, limit: int, **base: Any) -> list[str]:
    found: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {**base, "limit": limit}
        if cursor:
            params["cursor"] = cursor
        body = api.get(url, params=params).json()
        found += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return found


# -- reading ------------------------------------------------------------------------------------------


def test_openapi_describes_every_endpoint(api: Client) -> None:
    spec = api.get("/api/openapi.json").json()
    assert set(spec["paths"]) >= {
        "/api/events", "/api/events/{event_id}", "/api/map", "/api/stats", "/api/documents",
        "/api/documents/{doc_id}", "/api/actors", "/api/actors/{actor_id}", "/api/places",
    }
    assert set(spec["paths"]["/api/documents"]) == {"get", "post"}
    events = spec["paths"]["/api/events"]["get"]
    assert {p["name"] for p in events["parameters"]} == {
        "since", "until", "country", "admin1", "actor", "sector", "type", "status", "min_sources", "bbox", "text",
        "level", "limit", "cursor"}
    assert events["responses"]["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")
    assert "bearer" in str(spec["components"]["securitySchemes"]).lower()


PARAMS: list[tuple[dict[str, Any], EventFilter]] = [
    ({}, EventFilter()),
    ({"level": "mentions"}, EventFilter(level="mentions")),
    ({"since": "2024-01-01"}, EventFilter(since=datetime.date(2024, 1, 1))),
    ({"until": "2023-12-31", "level": "mentions"}, EventFilter(until=datetime.date(2023, 12, 31), level="mentions")),
    ({"country": "mli,cod"}, EventFilter(country="MLI,COD")),
    ({"admin1": "Gao"}, EventFilter(admin1="Gao")),
    ({"actor": "wagner"}, EventFilter(actor="wagner")),
    ({"sector": "MIL"}, EventFilter(sector="MIL")),
    ({"type": "ASSAULT,PROTEST"}, EventFilter(type="ASSAULT,PROTEST")),
    ({"status": "claimed"}, EventFilter(status="claimed")),
    ({"min_sources": 2}, EventFilter(min_sources=2)),
    ({"min_sources": 2, "level": "mentions"}, EventFilter(min_sources=2, level="mentions")),
    ({"bbox": "-5,10,5,20"}, EventFilter(bbox=(-5.0, 10.0, 5.0, 20.0))),
    ({"text": "convoy"}, EventFilter(text="convoy")),
    ({"type": "ASSAULT", "country": "MLI", "text": "gao", "since": "2024-03-01"},
     EventFilter(type="ASSAULT", country="MLI", text="gao", since=datetime.date(2024, 3, 1))),
]


@pytest.mark.parametrize(("params", "flt"), PARAMS, ids=[str(p) for p, _ in PARAMS])
def test_events_filters(api: Client, con: duckdb.DuckDBPyConnection, params: dict[str, Any],
                        flt: EventFilter) -> None:
    response = api.get("/api/events", params={**params, "limit": 500})
    expected = [item["id"] for item in q.list_events(con, flt, limit=500).items]
    assert ids(response) == expected
    assert response.json()["level"] == flt.level
    assert response.json()["next_cursor"] is None


def test_filters_narrow_the_listing(api: Client) -> None:
    everything = set(ids(api.get("/api/events", params={"limit": 500})))
    for params, _ in PARAMS[2:]:
        if params.get("level") == "mentions":
            continue
        subset = set(ids(api.get("/api/events", params={**params, "limit": 500})))
        assert subset < everything, params
        assert subset, params


@pytest.mark.parametrize("limit", [1, 2, 3])
@pytest.mark.parametrize(("url", "params"), [("/api/events", {}), ("/api/events", {"level": "mentions"}),
                                             ("/api/events", {"type": "ASSAULT,PROTEST"}), ("/api/documents", {}),
                                             ("/api/actors", {}), ("/api/places", {})])
def test_page_boundaries(api: Client, url: str, params: dict[str, str], limit: int) -> None:
    whole = api.get(url, params={**params, "limit": 500}).json()["items"]
    paged = walk(api, url, limit, **params)
    assert paged == [item["id"] for item in whole]
    assert len(whole) > limit


def test_a_page_holds_limit_items_and_a_cursor(api: Client) -> None:
    first = api.get("/api/events", params={"limit": 2}).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = api.get("/api/events", params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}


def test_one_event_with_mentions_and_evidence(api: Client) -> None:
    (listed,) = api.get("/api/events", params={"min_sources": 3}).json()["items"]
    event = api.get(f"/api/events/{listed['id']}").json()
    assert event["level"] == "cluster" and event["sources"] == 3
    assert len(event["mentions"]) == listed["mention_count"] >= 3
    for mention in event["mentions"]:
        assert mention["evidence"]["sentence"] and mention["evidence"]["trigger_start"] is not None
        assert mention["document"]["id"]
    mention = event["mentions"][0]
    alone = api.get(f"/api/events/{mention['id']}").json()
    assert alone["level"] == "mention" and alone["cluster"]["id"] == event["id"]


@pytest.mark.parametrize("url", ["/api/events/0000000000000000", "/api/documents/0000000000000000",
                                 "/api/actors/NO_SUCH_ACTOR", "/api/events/%20", "/api/actors/name%3Anobody"])
def test_unknown_ids_are_404(api: Client, url: str) -> None:
    response = api.get(url)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert response.json()["error"]["field"] == "id"


def test_unknown_path_and_method_use_the_error_shape(api: Client) -> None:
    response = api.get("/api/nothing-here")
    assert response.status_code == 404 and set(response.json()["error"]) == {"code", "message", "field"}
    response = api.request("DELETE", "/api/events")
    assert response.status_code == 405 and response.json()["error"]["code"] == "method_not_allowed"


def test_documents(api: Client, con: duckdb.DuckDBPyConnection) -> None:
    listed = api.get("/api/documents", params={"limit": 100}).json()["items"]
    assert len(listed) == con.execute("SELECT count(*) FROM documents").fetchone()[0]  # type: ignore[index]
    assert [d["title"] for d in api.get("/api/documents", params={"text": "goma"}).json()["items"]] == [
        "Thousands march in Goma", "Protest against peacekeepers in eastern Congo"]
    doc = api.get(f"/api/documents/{listed[0]['id']}").json()
    text = doc["document"]["text"]
    assert doc["events"] and len(doc["events"]) == listed[0]["events"]
    for kind in ("places", "actors", "times"):
        for mention in doc[kind]:
            assert text[mention["start"]:mention["end"]] == mention["text"]
    for event in doc["events"]:
        evidence = event["evidence"]
        assert text[evidence["trigger_start"]:evidence["trigger_end"]] == evidence["trigger"]


def test_actors(api: Client) -> None:
    actors = api.get("/api/actors", params={"limit": 500}).json()["items"]
    assert {"WAGNER", "US_TREASURY"} <= {a["id"] for a in actors}
    assert [a["id"] for a in api.get("/api/actors", params={"query": "treasury"}).json()["items"]] == ["US_TREASURY"]
    treasury = api.get("/api/actors/US_TREASURY").json()
    assert treasury["acts_on"] == [{"id": "WAGNER", "name": "Wagner Group", "country": "RUS", "type": "SANCTION",
                                    "n": 1}]
    wagner = api.get("/api/actors/WAGNER").json()
    assert {"US_TREASURY"} <= {c["id"] for c in wagner["acted_on_by"]}
    assert wagner["names"][0]["name"] == "Wagner Group"
    assert wagner["by_month"] and all(set(m) == {"period", "role", "type", "n"} for m in wagner["by_month"])


def test_places(api: Client) -> None:
    places = api.get("/api/places", params={"country": "MLI"}).json()["items"]
    assert places and {p["country"] for p in places} == {"MLI"}
    assert [p["name"] for p in api.get("/api/places", params={"query": "goma"}).json()["items"]] == ["Goma"]


def test_stats(api: Client, con: duckdb.DuckDBPyConnection) -> None:
    body = api.get("/api/stats", params={"interval": "month", "type": "ASSAULT"}).json()
    assert body["totals"] == q.stats(con, EventFilter(type="ASSAULT"))
    assert body["counts"] == q.count_events(con, EventFilter(type="ASSAULT"), "month", "type")
    assert {row["type"] for row in body["counts"]} == {"ASSAULT"}
    weekly = api.get("/api/stats", params={"interval": "week", "by": "status"}).json()["counts"]
    assert all(datetime.date.fromisoformat(r["period"]).weekday() == 0 for r in weekly)
    assert sum(r["n"] for r in weekly) <= body["totals"]["events"] + len(ids(api.get("/api/events?limit=500")))


def test_map(api: Client) -> None:
    body = api.get("/api/map", params={"country": "MLI"}).json()
    assert body["items"] and not body["truncated"]
    assert all(-90 <= p["lat"] <= 90 and p["type"] for p in body["items"])
    capped = api.get("/api/map", params={"limit": 1}).json()
    assert len(capped["items"]) == 1 and capped["truncated"]


BAD = [
    ("/api/events?since=yesterday", "since"),
    ("/api/events?until=2024-13-01", "until"),
    ("/api/events?since=2024-02-01&until=2024-01-01", "until"),
    ("/api/events?limit=0", "limit"),
    ("/api/events?limit=501", "limit"),
    ("/api/events?limit=ten", "limit"),
    ("/api/events?type=PARADE", "type"),
    ("/api/events?status=rumoured", "status"),
    ("/api/events?sector=ARMY", "sector"),
    ("/api/events?country=MALI", "country"),
    ("/api/events?min_sources=-1", "min_sources"),
    ("/api/events?min_sources=many", "min_sources"),
    ("/api/events?bbox=1,2,3", "bbox"),
    ("/api/events?bbox=0,10,5,-10", "bbox"),
    ("/api/events?bbox=0,0,inf,1", "bbox"),
    ("/api/events?level=articles", "level"),
    ("/api/events?cursor=garbage", "cursor"),
    ("/api/events?text=" + "x" * 201, "text"),
    ("/api/stats?interval=hour", "interval"),
    ("/api/stats?by=actor", "by"),
    ("/api/map?limit=0", "limit"),
    ("/api/documents?limit=-3", "limit"),
    ("/api/documents?cursor=WyJ4Il0", "cursor"),
    ("/api/actors?cursor=WyJhIiwieCIsInkiXQ", "cursor"),
    ("/api/places?country=12", "country"),
    ("/api/places?cursor=WyJwIiwieCIsInkiXQ", "cursor"),
]


@pytest.mark.parametrize(("url", "field"), BAD)
def test_bad_parameters_are_422_naming_the_field(api: Client, url: str, field: str) -> None:
    response = api.get(url)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_parameter" and error["field"] == field
    assert field in error["message"]


def test_a_cursor_of_one_listing_is_refused_by_another(api: Client) -> None:
    cursor = api.get("/api/events", params={"limit": 1, "level": "mentions"}).json()["next_cursor"]
    for url in ("/api/events", "/api/documents", "/api/actors", "/api/places"):
        response = api.get(url, params={"cursor": cursor})
        assert response.status_code == 422 and response.json()["error"]["field"] == "cursor", url


# -- writing and tokens -------------------------------------------------------------------------------


@pytest.fixture
def writable(db_path: Path, tmp_path: Path) -> Iterator[tuple[Client, Path, dict[str, str]]]:
    """A write-enabled app on a copy of the store, with a token of each role."""
    path = tmp_path / "writable.duckdb"
    path.write_bytes(db_path.read_bytes())
    with q.connect(path, write=True) as con:
        secrets = {role: create_token(con, role)[1] for role in ("reader", "writer")}
        revoked_info, secrets["revoked"] = create_token(con, "writer")
        revoke_token(con, revoked_info.id)
    app = create_app(path, write=True, pipeline=pipeline_once())
    yield Client(app), path, secrets
    app.state.tacitus.close()


def counts(client: Client) -> tuple[int, int]:
    cur = client.app.state.tacitus.cursor()
    try:
        row = cur.execute("SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM events)").fetchone()
    finally:
        cur.close()
    assert row is not None
    return int(row[0]), int(row[1])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("headers", [
    {},
    {"Authorization": "Bearer not-a-token"},
    {"Authorization": "Basic dXNlcjpwYXNz"},
    {"Authorization": "Bearer tct_000000000000_" + "A" * 43},
    "reader", "revoked", "tampered",
])
def test_post_without_a_valid_writer_token_is_401_and_writes_nothing(
        writable: tuple[Client, Path, dict[str, str]], headers: Any) -> None:
    client, _, secrets = writable
    if headers == "tampered":
        headers = bearer(secrets["writer"][:-1] + ("A" if secrets["writer"][-1] != "A" else "B"))
    elif isinstance(headers, str):
        headers = bearer(secrets[headers])
    before = counts(client)
    response = client.post("/api/documents", content=ARTICLE, headers={**headers, "Content-Type": "text/plain"})
    assert response.status_code == 401, response.text
    assert response.json()["error"]["code"] == "unauthorized"
    assert response.headers["www-authenticate"] == "Bearer"
    assert counts(client) == before


def test_post_with_a_writer_token_stores_the_article(writable: tuple[Client, Path, dict[str, str]]) -> None:
    client, _, secrets = writable
    before = counts(client)
    response = client.post("/api/documents", content=ARTICLE, params={"published": "2024-05-20"},
                           headers={**bearer(secrets["writer"]), "Content-Type": "text/plain; charset=utf-8"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["added"] is True and body["events"] >= 1
    assert response.headers["location"] == f"/api/documents/{body['id']}"
    assert counts(client) == (before[0] + 1, before[1] + body["events"])
    stored = client.get(f"/api/documents/{body['id']}").json()
    assert stored["document"]["published"] == "2024-05-20" and stored["document"]["title"] == "Rebels seized Kidal"
    # the new events are clustered, and listed
    assert all(e["cluster"] is not None for e in stored["events"])
    listed = client.get("/api/events", params={"text": "kidal", "level": "mentions"}).json()["items"]
    assert {e["id"] for e in listed} == {e["id"] for e in stored["events"]}
    # the same text again changes nothing
    again = client.post("/api/documents", content=ARTICLE, params={"published": "2024-05-20"},
                        headers={**bearer(secrets["writer"]), "Content-Type": "text/plain"})
    assert again.status_code == 200 and again.json()["added"] is False
    assert counts(client) == (before[0] + 1, before[1] + body["events"])


def test_post_json_and_html(writable: tuple[Client, Path, dict[str, str]]) -> None:
    client, _, secrets = writable
    html = ("<html><head><title>Port strike</title></head><body><article><h1>Port strike</h1>"
            "<p>Dock workers went on strike in Mombasa on Monday to protest against new taxes, union leaders "
            "said.</p></article></body></html>")
    response = client.post("/api/documents", headers=bearer(secrets["writer"]),
                           json={"html": html, "published": "2024-04-02", "url": "https://portnews.example/strike",
                                 "id": "my-42"})
    assert response.status_code == 201, response.text
    document = response.json()["document"]
    assert document["input_id"] == "my-42" and document["url"] == "https://portnews.example/strike"
    assert document["published"] == "2024-04-02"
    page = client.post("/api/documents", content=html.replace("Mombasa", "Kisumu"),
                       headers={**bearer(secrets["writer"]), "Content-Type": "text/html"})
    assert page.status_code == 201, page.text


@pytest.mark.parametrize(("kwargs", "status", "field"), [
    ({"content": "   ", "headers": {"Content-Type": "text/plain"}}, 422, "body"),
    ({"content": "{not json", "headers": {"Content-Type": "application/json"}}, 422, "body"),
    ({"json": ["a list"]}, 422, "body"),
    ({"json": {"title": "no text"}}, 422, "text"),
    ({"json": {"text": "a", "html": "<p>b</p>"}}, 422, "text"),
    ({"json": {"text": 42}}, 422, "text"),
    ({"json": {"text": ARTICLE, "published": "last Tuesday"}}, 422, "published"),
    ({"content": b"\xff\xfe\x00bad", "headers": {"Content-Type": "text/plain; charset=utf-8"}}, 422, "body"),
    ({"content": "x", "headers": {"Content-Type": "text/plain; charset=klingon"}}, 422, "content-type"),
    ({"content": "x", "headers": {"Content-Type": "application/pdf"}}, 415, "content-type"),
    ({"content": "<html><body><nav>menu</nav></body></html>", "headers": {"Content-Type": "text/html"}}, 422, "body"),
    ({"content": ARTICLE, "params": {"published": "soon"}, "headers": {"Content-Type": "text/plain"}}, 422,
     "published"),
])
def test_bad_posts_write_nothing(writable: tuple[Client, Path, dict[str, str]], kwargs: dict[str, Any], status: int,
                                 field: str) -> None:
    client, _, secrets = writable
    before = counts(client)
    kwargs = dict(kwargs)
    kwargs["headers"] = {**kwargs.get("headers", {}), **bearer(secrets["writer"])}
    response = client.post("/api/documents", **kwargs)
    assert response.status_code == status, response.text
    assert response.json()["error"]["field"] == field
    assert counts(client) == before


def test_a_read_only_server_refuses_writes_even_to_writers(db_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "ro.duckdb"
    path.write_bytes(db_path.read_bytes())
    with q.connect(path, write=True) as con:
        _, secret = create_token(con, "writer")
    app = create_app(path)
    client = Client(app)
    before = counts(client)
    response = client.post("/api/documents", content=ARTICLE, headers=bearer(secret))
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
    assert client.post("/api/documents", content=ARTICLE).status_code == 401
    assert counts(client) == before
    app.state.tacitus.close()


def test_require_token_closes_reading(writable: tuple[Client, Path, dict[str, str]]) -> None:
    _, path, secrets = writable
    writable[0].app.state.tacitus.close()
    app = create_app(path, require_token=True)
    client = Client(app)
    for url in ("/api/events", "/api/documents", "/api/actors/WAGNER", "/api/stats", "/api/map", "/api/places"):
        assert client.get(url).status_code == 401, url
        assert client.get(url, headers=bearer(secrets["reader"])).status_code == 200, url
        assert client.get(url, headers=bearer(secrets["writer"])).status_code == 200, url
        assert client.get(url, headers=bearer(secrets["revoked"])).status_code == 401, url
    # the description stays readable, so a client can learn how to authenticate
    assert client.get("/api/openapi.json").status_code == 200
    app.state.tacitus.close()


def test_tokens_are_stored_hashed(tmp_path: Path) -> None:
    path = tmp_path / "tokens.duckdb"
    with q.connect(path, write=True) as con:
        info, secret = create_token(con, "writer", "ci")
        assert verify_token(con, secret) == info
        assert verify_token(con, secret + "x") is None
        stored = con.execute("SELECT * FROM api_tokens").fetchall()
        assert [t.id for t in list_tokens(con)] == [info.id]
    # "<prefix>_<id>_<secret>": the secret itself may hold "_", so split twice only
    random_part = secret.split("_", 2)[2]
    assert len(random_part) >= 40
    assert random_part not in str(stored)
    assert random_part.encode() not in path.read_bytes()


# -- the command line ------------------------------------------------------------------------------------


def test_token_commands(db_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "cli.duckdb"
    path.write_bytes(db_path.read_bytes())
    runner = CliRunner()
    created = runner.invoke(cli, ["token", "create", "--db", str(path), "--role", "writer", "--label", "newsroom"])
    assert created.exit_code == 0, created.output
    secret = created.stdout.strip()
    assert secret.startswith("tct_")
    listed = runner.invoke(cli, ["token", "list", "--db", str(path)])
    assert "writer" in listed.stdout and "newsroom" in listed.stdout and secret not in listed.stdout
    token_id = secret.split("_")[1]
    assert runner.invoke(cli, ["token", "revoke", token_id, "--db", str(path)]).exit_code == 0
    assert "revoked" in runner.invoke(cli, ["token", "list", "--db", str(path)]).stdout
    again = runner.invoke(cli, ["token", "revoke", token_id, "--db", str(path)])
    assert again.exit_code != 0 and "no active token" in again.output
    bad = runner.invoke(cli, ["token", "create", "--db", str(path), "--role", "admin"])
    assert bad.exit_code == 2


@pytest.mark.parametrize(("host", "tokens", "warned"), [
    ("127.0.0.1", False, False),
    ("localhost", False, False),
    ("::1", False, False),
    ("0.0.0.0", False, True),
    ("192.168.1.20", False, True),
    ("0.0.0.0", True, False),
])
def test_serve_warns_on_an_open_address_without_tokens(db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       host: str, tokens: bool, warned: bool) -> None:
    import uvicorn

    path = tmp_path / "served.duckdb"
    path.write_bytes(db_path.read_bytes())
    if tokens:
        with q.connect(path, write=True) as con:
            create_token(con, "reader")
    started: dict[str, Any] = {}

    def fake_run(app: Any, host: str, port: int, **kwargs: Any) -> None:
        started.update(app=app, host=host, port=port)
        app.state.tacitus.close()

    monkeypatch.setattr(uvicorn, "run", fake_run)
    result = CliRunner().invoke(cli, ["serve", "--db", str(path), "--host", host, "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert started["host"] == host and started["port"] == 8123
    assert ("warning" in result.stderr) is warned
    assert started["app"].state.tacitus.write is False


def test_serve_refuses_a_missing_database(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["serve", "--db", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 1 and "no such database" in result.output
    assert not (tmp_path / "none.duckdb").exists()


# -- schemathesis: no server error anywhere in the description ----------------------------------------

OPERATIONS = [
    ("GET", "/api/events"), ("GET", "/api/events/{event_id}"), ("GET", "/api/map"), ("GET", "/api/stats"),
    ("GET", "/api/documents"), ("POST", "/api/documents"), ("GET", "/api/documents/{doc_id}"),
    ("GET", "/api/actors"), ("GET", "/api/actors/{actor_id}"), ("GET", "/api/places"),
]


@pytest.fixture(scope="module")
def api_schema(api: Client) -> Any:
    # schemathesis' own pytest fixture loader does not run on this pytest; its strategies are used directly
    return schemathesis.openapi.from_asgi("/api/openapi.json", api.app)


def test_the_fuzzed_operations_are_all_of_them(api_schema: Any) -> None:
    found = {(op.ok().method.upper(), op.ok().path) for op in api_schema.get_all_operations()}
    assert found == set(OPERATIONS)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda m: m.value)
@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_no_server_error_anywhere(api_schema: Any, method: str, path: str, mode: GenerationMode) -> None:
    operation = api_schema[path][method]

    @settings(max_examples=20, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case: Any) -> None:
        response = case.call()
        assert response.status_code < 500, f"{case.method} {case.formatted_path} {case.query}: {response.text}"
        if response.status_code >= 400:
            assert set(response.json()["error"]) == {"code", "message", "field"}

    check()
