"""The HTTP API: takes a store file, gives a FastAPI app that serves it as JSON under /api/.

    create_app(db_path, *, write=False, require_token=False, ui=None, pipeline=None) -> FastAPI

Read endpoints (GET) answer anyone unless `require_token` is set (then a reader or writer token is
needed). `POST /api/documents` codes and stores an article; it needs a writer token, and the app
must be created with `write=True` (the store is then opened read-write and locked by this process).

Every error has one shape, `{"error": {"code", "message", "field"}}`: 422 names the parameter at fault
in `field`, 404 an unknown id or path, 401 a missing or wrong token. The OpenAPI description is at
/api/openapi.json. All reading goes through `tacitus.store.query`.

**Mounting the web UI.** Pass `ui=hook`; `hook(app)` is called once the API routes exist, so the UI
adds its own routes (the pages at `/`, static files…) without shadowing `/api/`. `tacitus serve`
passes `tacitus.web.mount_ui`. A UI route reads the store through the same connections as the API:

    from fastapi import Depends
    from tacitus.api import connection
    from tacitus.store import query

    def install(app: FastAPI) -> None:
        @app.get("/", response_class=HTMLResponse)
        def home(con = Depends(connection)) -> str:
            page = query.list_events(con, query.EventFilter(), limit=50)
            ...

`connection` gives a DuckDB cursor of its own to each request (closed after it); `app.state.tacitus`
is the `ApiState` (db path, write and require_token flags, the opened store; `.cursor()` gives a
connection outside a request). The store stays open for the life of the
app (test clients run the ASGI lifespan around every request); `app.state.tacitus.close()` ends it.
The JSON error shape is used for paths under /api/ only; other paths get FastAPI's default error
responses, which the hook may replace.
"""

from __future__ import annotations

import datetime
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import duckdb
from fastapi import Depends, FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from tacitus import __version__
from tacitus.api import tokens
from tacitus.api.errors import ApiError
from tacitus.errors import InputError, TacitusError
from tacitus.store import Store
from tacitus.store import query as q

API_PREFIX = "/api"
MAX_PAGE = 500
MAX_MAP = 10000
MAX_BODY_BYTES = 10 * 1024 * 1024
# Big enough for any real filter; keeps schemathesis-style giant numbers away from DuckDB's INTEGER.
MAX_SOURCES = 1_000_000

Connection = duckdb.DuckDBPyConnection


# -- state and connections ------------------------------------------------------------------------


@dataclass
class ApiState:
    """What one app holds: the opened store, whether it may write, and the lazily loaded pipeline."""

    db_path: str
    require_token: bool
    store: Store
    pipeline: Any = None
    write_lock: threading.Lock = field(default_factory=threading.Lock)
    _readers: Connection | None = None
    _readers_lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def write(self) -> bool:
        """Whether documents may be added: the store was opened read-write."""
        return not self.store.read_only

    def cursor(self) -> Connection:
        """A connection of its own for one request. A DuckDB connection is not safe to share between
        threads; cursors of one are separate connections to the same database instance. They come
        from a connection kept apart from the one the store writes with."""
        with self._readers_lock:
            if self._readers is None:
                self._readers = self.store._connection().cursor()
            return self._readers.cursor()

    def after_write(self) -> None:
        """Bring the event clusters up to date with newly stored documents (called under `write_lock`)."""
        from tacitus.cluster import cluster_new

        cluster_new(self.store)

    def close(self) -> None:
        with self._readers_lock:
            if self._readers is not None:
                self._readers.close()
                self._readers = None
        self.store.close()


def connection(request: Request) -> Iterator[Connection]:
    """FastAPI dependency: a DuckDB cursor on the app's store, for the duration of one request."""
    cur = request.app.state.tacitus.cursor()
    try:
        yield cur
    finally:
        cur.close()


Con = Annotated[Connection, Depends(connection)]
_bearer = HTTPBearer(auto_error=False, description="An API token from `tacitus token create`.")


def _token(request: Request, credentials: HTTPAuthorizationCredentials | None, role: str) -> tokens.TokenInfo:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise ApiError(401, "unauthorized", f"a {role} token is required (Authorization: Bearer …)",
                       headers={"WWW-Authenticate": "Bearer"})
    cur = request.app.state.tacitus.cursor()
    try:
        info = tokens.verify_token(cur, credentials.credentials)
    finally:
        cur.close()
    if info is None or not info.allows(role):
        reason = "is not valid" if info is None else f"is a {info.role} token; a {role} token is required"
        raise ApiError(401, "unauthorized", f"the token {reason}", headers={"WWW-Authenticate": "Bearer"})
    return info


def reader(request: Request,
           credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)] = None) -> None:
    """Reads are open unless the app requires a token to read."""
    if request.app.state.tacitus.require_token:
        _token(request, credentials, "reader")


def writer(request: Request,
           credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)] = None) -> None:
    _token(request, credentials, "writer")


# -- response models (for the OpenAPI description; handlers return plain JSON) ----------------------


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class ErrorDetail(BaseModel):
    code: str = Field(description="invalid_parameter, not_found, unauthorized, forbidden, …")
    message: str
    field: str | None = Field(None, description="The parameter at fault (422).")


class ErrorBody(BaseModel):
    error: ErrorDetail


class EventPage(BaseModel):
    items: list[dict[str, Any]] = Field(description="Events: clusters (with counts) or mentions (EVENT-SCHEMA).")
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last.")
    level: Literal["clusters", "mentions"] = Field(description="The level the items are at.")


class Page(BaseModel):
    items: list[dict[str, Any]]
    next_cursor: str | None


class MapPoint(BaseModel):
    id: str
    lat: float
    lon: float
    type: str
    sources: int
    killed: int | None
    date: str | None
    name: str | None


class MapPage(BaseModel):
    items: list[MapPoint]
    truncated: bool = Field(description="More events matched than `limit`; the best-sourced are kept.")
    level: Literal["clusters", "mentions"]


class Stats(BaseModel):
    totals: dict[str, Any]
    counts: list[dict[str, Any]] = Field(description="[{period, <by>, n, killed}] per period and value.")


class DocumentIn(BaseModel):
    text: str | None = Field(None, description="The article as plain text.")
    html: str | None = Field(None, description="The article as an HTML page (text is extracted).")
    published: datetime.date | None = None
    title: str | None = None
    url: str | None = None
    source: str | None = Field(None, description="Where it came from; defaults to the URL or 'api'.")
    id: str | None = Field(None, description="Your id for the document, kept as document.input_id.")


class DocumentAdded(BaseModel):
    id: str
    added: bool = Field(description="False when the same text was stored before.")
    events: int = Field(description="Events coded in the document.")
    document: dict[str, Any]


_ERRORS: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorBody, "description": "A parameter is invalid; `error.field` names it."},
}
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody, "description": "No such id."}}
_UNAUTHORIZED: dict[int | str, dict[str, Any]] = {401: {"model": ErrorBody, "description": "Token missing or wrong."}}


# -- parameters -----------------------------------------------------------------------------------


def event_filter(
    since: Annotated[datetime.date | None, Query(description="Events whose date window ends on or after this day.")]
    = None,
    until: Annotated[datetime.date | None, Query(description="Events whose date window starts on or before this "
                                                               "day.")] = None,
    country: Annotated[str | None, Query(description="ISO3 codes (or IGO), comma-separated: location, source or "
                                                     "target country.", max_length=200)] = None,
    admin1: Annotated[str | None, Query(description="First-level unit of the location, by name.",
                                        max_length=200)] = None,
    actor: Annotated[str | None, Query(description="Actor id (exact) or a substring of a source/target name.",
                                       max_length=200)] = None,
    sector: Annotated[str | None, Query(description="Source or target sector(s): GOV, MIL, REB, …",
                                        max_length=200)] = None,
    type: Annotated[str | None, Query(description="PLOVER type(s), comma-separated.", max_length=200)] = None,
    status: Annotated[str | None, Query(description="Status(es): asserted, claimed, planned, hypothetical, "
                                                    "negated, demanded.", max_length=200)] = None,
    min_sources: Annotated[int | None, Query(ge=0, le=MAX_SOURCES, description="At least this many outlets.")]
    = None,
    bbox: Annotated[str | None, Query(description="west,south,east,north in degrees.", max_length=200)] = None,
    text: Annotated[str | None, Query(description="Substring of the evidence, actor or place texts.",
                                      max_length=200)] = None,
    level: Annotated[Literal["clusters", "mentions"], Query(description="Real-world events or article mentions.")]
    = "clusters",
) -> q.EventFilter:
    return q.EventFilter(
        since=since, until=until, country=country, admin1=admin1, actor=actor, sector=sector, type=type,
        status=status, min_sources=min_sources, bbox=q.parse_bbox(bbox) if bbox is not None else None,
        text=text, level=level,
    ).validated()


Filter = Annotated[q.EventFilter, Depends(event_filter)]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description="Items per page.")]
Cursor = Annotated[str | None, Query(max_length=1000, description="`next_cursor` of the previous page.")]


# -- the app --------------------------------------------------------------------------------------


def create_app(
    db_path: str | os.PathLike[str],
    *,
    write: bool = False,
    require_token: bool = False,
    ui: Callable[[FastAPI], None] | None = None,
    pipeline: Any = None,
) -> FastAPI:
    """The API over the store at `db_path`. `write` opens it read-write and enables POST /api/documents
    (for writer tokens); `require_token` asks for a token to read too; `ui(app)` mounts the web UI;
    `pipeline` is a loaded `tacitus.pipeline.Pipeline` to code posted articles with (else loaded on the
    first POST)."""
    store = Store(db_path, read_only=not write)
    state = ApiState(str(db_path), require_token, store, pipeline)

    app = FastAPI(
        title="tacitus", version=__version__,
        description="Conflict and peace-operation events coded from news, with their evidence.",
        openapi_url=f"{API_PREFIX}/openapi.json", docs_url=None, redoc_url=None,
    )
    app.state.tacitus = state
    _install_errors(app)
    _install_routes(app)
    if ui is not None:
        ui(app)
    return app


def _install_errors(app: FastAPI) -> None:
    from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler

    def respond(error: ApiError) -> JSONResponse:
        return JSONResponse(error.body(), error.status, headers=error.headers)

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return respond(exc)

    @app.exception_handler(InputError)
    async def input_error(request: Request, exc: InputError) -> JSONResponse:
        return respond(ApiError(422, "invalid_parameter", f"{exc.source}: {exc.reason}", exc.source))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Any:
        if not request.url.path.startswith(API_PREFIX):
            return await request_validation_exception_handler(request, exc)
        errors = exc.errors()
        first = errors[0] if errors else {}
        loc = [str(part) for part in first.get("loc", ())]
        field = loc[-1] if len(loc) > 1 else (loc[0] if loc else None)
        message = f"{field}: {first.get('msg', 'invalid')}" if field else str(first.get("msg", "invalid request"))
        return respond(ApiError(422, "invalid_parameter", message, field))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Any:
        if not request.url.path.startswith(API_PREFIX):
            return await http_exception_handler(request, exc)
        code = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(exc.status_code, "http_error")
        return respond(ApiError(exc.status_code, code, str(exc.detail), headers=getattr(exc, "headers", None)))

    @app.exception_handler(TacitusError)
    async def store_error(request: Request, exc: TacitusError) -> JSONResponse:
        return respond(ApiError(500, "store_error", str(exc)))


def _not_found(kind: str, key: str) -> ApiError:
    return ApiError(404, "not_found", f"no {kind} with id {key!r}", "id")


def _install_routes(app: FastAPI) -> None:
    read = [Depends(reader)]

    @app.get(f"{API_PREFIX}/events", tags=["events"], dependencies=read, response_model=EventPage,
             responses=_ERRORS | _UNAUTHORIZED)
    def events(con: Con, flt: Filter, limit: Limit = 50, cursor: Cursor = None) -> JSONResponse:
        """Events matching the filters, newest first; follow `next_cursor` for more."""
        page = q.list_events(con, flt, limit, cursor)
        return JSONResponse({"items": page.items, "next_cursor": page.next_cursor, "level": page.level})

    @app.get(f"{API_PREFIX}/events/{{event_id}}", tags=["events"], dependencies=read,
             responses=_ERRORS | _NOT_FOUND | _UNAUTHORIZED)
    def event(con: Con, event_id: Annotated[str, Path(max_length=200)]) -> JSONResponse:
        """One event: a cluster with its mentions and their evidence, or one mention."""
        found = q.get_event(con, event_id)
        if found is None:
            raise _not_found("event", event_id)
        return JSONResponse(found)

    @app.get(f"{API_PREFIX}/map", tags=["events"], dependencies=read, response_model=MapPage,
             responses=_ERRORS | _UNAUTHORIZED)
    def map_(con: Con, flt: Filter,
             limit: Annotated[int, Query(ge=1, le=MAX_MAP, description="Most points returned.")] = 5000,
             ) -> JSONResponse:
        """Located events for a map, capped at `limit` (the best-sourced, deadliest, newest first)."""
        points = q.map_points(con, flt, limit + 1)
        return JSONResponse({"items": points[:limit], "truncated": len(points) > limit, "level": points.level})

    @app.get(f"{API_PREFIX}/stats", tags=["events"], dependencies=read, response_model=Stats,
             responses=_ERRORS | _UNAUTHORIZED)
    def stats(con: Con, flt: Filter,
              interval: Annotated[Literal["day", "week", "month", "year"], Query()] = "day",
              by: Annotated[Literal["type", "status", "country"], Query()] = "type") -> JSONResponse:
        """Totals of the matching events, and their counts per day / week / month and type (or status,
        country)."""
        totals, counts = q.stats_and_counts(con, flt, interval, by)
        return JSONResponse({"totals": totals, "counts": counts})

    @app.get(f"{API_PREFIX}/documents", tags=["documents"], dependencies=read, response_model=Page,
             responses=_ERRORS | _UNAUTHORIZED)
    def documents(con: Con, limit: Limit = 50, cursor: Cursor = None,
                  text: Annotated[str | None, Query(max_length=200, description="In the title or text.")] = None,
                  ) -> JSONResponse:
        """Stored documents, newest first, with their event counts."""
        page = q.list_documents(con, limit, cursor, text)
        return JSONResponse({"items": page.items, "next_cursor": page.next_cursor})

    @app.get(f"{API_PREFIX}/documents/{{doc_id}}", tags=["documents"], dependencies=read,
             responses=_ERRORS | _NOT_FOUND | _UNAUTHORIZED)
    def document(con: Con, doc_id: Annotated[str, Path(max_length=200)]) -> JSONResponse:
        """A document's text and annotations: events (trigger and evidence offsets), places, times, actors."""
        found = q.get_document(con, doc_id)
        if found is None:
            raise _not_found("document", doc_id)
        return JSONResponse(found)

    @app.post(f"{API_PREFIX}/documents", tags=["documents"], dependencies=[Depends(writer)],
              status_code=201, response_model=DocumentAdded,
              responses=_ERRORS | _UNAUTHORIZED | {
                  200: {"model": DocumentAdded, "description": "The same text was stored before."},
                  403: {"model": ErrorBody, "description": "This server was started read-only."},
                  413: {"model": ErrorBody, "description": "The body is too large."}},
              openapi_extra={"requestBody": {"required": True, "content": {
                  "application/json": {"schema": DocumentIn.model_json_schema()},
                  "text/plain": {"schema": {"type": "string"}},
                  "text/html": {"schema": {"type": "string"}},
              }}})
    async def add_document(
        request: Request,
        published: Annotated[datetime.date | None, Query(description="Publication date (text/HTML bodies).")]
        = None,
        title: Annotated[str | None, Query(max_length=500)] = None,
        url: Annotated[str | None, Query(max_length=2000)] = None,
    ) -> JSONResponse:
        """Code an article (JSON, plain text or HTML body) and store it with its events. Needs a writer
        token and a server started with write access."""
        from starlette.concurrency import run_in_threadpool

        from tacitus.api.ingest import DocumentRequest, ingest_document, read_body

        state: ApiState = request.app.state.tacitus
        if not state.write:
            raise ApiError(403, "forbidden", "this server is read-only (start it with `tacitus serve --write`)")
        raw = await request.body()
        if len(raw) > MAX_BODY_BYTES:
            raise ApiError(413, "too_large", f"the body is over {MAX_BODY_BYTES} bytes", "body")
        doc: DocumentRequest = read_body(raw, request.headers.get("content-type", ""), published, title, url)
        outcome = await run_in_threadpool(ingest_document, state, doc)
        status = 201 if outcome["added"] else 200
        headers = {"Location": f"{API_PREFIX}/documents/{outcome['id']}"}
        return JSONResponse(outcome, status, headers=headers)

    @app.get(f"{API_PREFIX}/actors", tags=["actors"], dependencies=read, response_model=Page,
             responses=_ERRORS | _UNAUTHORIZED)
    def actors(con: Con, limit: Limit = 50, cursor: Cursor = None,
               query: Annotated[str | None, Query(max_length=200, description="Id, name or text substring.")]
               = None) -> JSONResponse:
        """Actors seen in the store, most referenced first."""
        page = q.list_actors(con, query, limit, cursor)
        return JSONResponse({"items": page.items, "next_cursor": page.next_cursor})

    @app.get(f"{API_PREFIX}/actors/{{actor_id}}", tags=["actors"], dependencies=read,
             responses=_ERRORS | _NOT_FOUND | _UNAUTHORIZED)
    def actor(con: Con, actor_id: Annotated[str, Path(max_length=200)]) -> JSONResponse:
        """One actor: names, aliases, affiliation by month, who it acts on and who acts on it."""
        found = q.get_actor(con, actor_id)
        if found is None:
            raise _not_found("actor", actor_id)
        return JSONResponse(found)

    @app.get(f"{API_PREFIX}/places", tags=["places"], dependencies=read, response_model=Page,
             responses=_ERRORS | _UNAUTHORIZED)
    def places(con: Con, limit: Limit = 50, cursor: Cursor = None,
               query: Annotated[str | None, Query(max_length=200, description="Name substring.")] = None,
               country: Annotated[str | None, Query(max_length=200, description="ISO3 code(s).")] = None,
               ) -> JSONResponse:
        """Places (GeoNames) seen in the store, most eventful first."""
        page = q.list_places(con, query, country, limit, cursor)
        return JSONResponse({"items": page.items, "next_cursor": page.next_cursor})
