"""POST /api/documents: takes a request body (JSON, plain text or HTML), gives the stored document's summary.

`read_body` turns the bytes and headers into a `DocumentRequest` (InputError naming the field at
fault); `ingest_document` extracts the article, codes it with the pipeline and stores it, one request
at a time (the pipeline and the store's writing connection are not shared between threads).
"""

from __future__ import annotations

import codecs
import datetime
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tacitus.api.errors import ApiError
from tacitus.errors import InputError
from tacitus.ingest import extract_article
from tacitus.models import RawDocument

if TYPE_CHECKING:
    from tacitus.api.app import ApiState

MEDIA_KINDS = {"text/plain": "text", "text/html": "html", "application/xhtml+xml": "html"}
JSON_FIELDS = ("text", "html", "published", "title", "url", "source", "id")
DEFAULT_SOURCE = "api"


@dataclass(frozen=True)
class DocumentRequest:
    content: str
    kind: str  # text | html
    published: datetime.date | None = None
    title: str | None = None
    url: str | None = None
    source: str | None = None
    input_id: str | None = None


def read_body(raw: bytes, content_type: str, published: datetime.date | None = None, title: str | None = None,
              url: str | None = None) -> DocumentRequest:
    """The article in a request body. JSON: {"text" | "html", "published", "title", "url", "source", "id"};
    text/plain and text/html: the body is the article and the query parameters give its metadata."""
    media, _, params = content_type.partition(";")
    media = media.strip().lower() or "text/plain"
    charset = "utf-8"
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip('"')
    try:
        codecs.lookup(charset)
    except LookupError:
        raise InputError("content-type", f"unknown charset {charset!r}") from None
    try:
        text = raw.decode(charset)
    except UnicodeDecodeError:
        raise InputError("body", f"is not valid {charset}") from None
    if media == "application/json":
        return _from_json(text, published, title, url)
    kind = MEDIA_KINDS.get(media)
    if kind is None:
        raise ApiError(415, "unsupported_media_type",
                       f"send application/json, text/plain or text/html, not {media}", "content-type")
    if not text.strip():
        raise InputError("body", "is empty")
    return DocumentRequest(text, kind, published, title, url)


def _from_json(text: str, published: datetime.date | None, title: str | None, url: str | None) -> DocumentRequest:
    try:
        obj = json.loads(text)
    except ValueError:
        raise InputError("body", "is not valid JSON") from None
    if not isinstance(obj, dict):
        raise InputError("body", "must be a JSON object")
    for key in JSON_FIELDS:
        if obj.get(key) is not None and not isinstance(obj[key], str):
            raise InputError(key, "must be a string")
    given = [key for key in ("text", "html") if isinstance(obj.get(key), str) and obj[key].strip()]
    if len(given) != 1:
        raise InputError("text", "give the article as exactly one of 'text' or 'html', not empty")
    day = published
    if obj.get("published") is not None:
        try:
            day = datetime.date.fromisoformat(obj["published"])
        except ValueError:
            raise InputError("published", f"{obj['published']!r} is not a date in YYYY-MM-DD form") from None
    kind = given[0]
    return DocumentRequest(obj[kind], kind, day, obj.get("title") or title, obj.get("url") or url,
                           obj.get("source"), obj.get("id"))


def ingest_document(state: ApiState, request: DocumentRequest) -> dict[str, Any]:
    """Extract, code and store one article; give {"id", "added", "events", "document"}."""
    source = request.source or request.url or DEFAULT_SOURCE
    raw = RawDocument(source=source, content=request.content, kind=request.kind, input_id=request.input_id,
                      url=request.url, title=request.title)
    try:
        article = extract_article(raw, published=request.published)
    except InputError as exc:
        raise InputError("body", exc.reason) from None
    with state.write_lock:
        if state.pipeline is None:
            from tacitus.pipeline import Pipeline

            state.pipeline = Pipeline.load()
        [result] = list(state.pipeline.run([article]))
        doc = result.to_dict(include_text=True)
        report = state.store.add([doc])
        if report.events_added:
            state.after_write()
    info = {k: v for k, v in doc["document"].items() if k != "text"}
    return {"id": info["id"], "added": report.documents_added == 1, "events": len(doc["events"]), "document": info}
