"""Tests for WARC input (tacitus.ingest.readers): small archives written here with warcio's WARCWriter."""

from __future__ import annotations

import io
import os
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from desk_store import pipeline_once
from tacitus.batch import IngestOptions, run_ingest
from tacitus.errors import InputError
from tacitus.ingest import read_articles, read_documents
from tacitus.ingest.readers import InputItem, ReadTally, count_items, read_items
from tacitus.models import Article, RawDocument
from tacitus.pipeline import Pipeline
from tacitus.store import Store

CAPTURED = "2024-03-09T08:15:00Z"

# Pages written for these tests. The first has no date of its own; the second dates itself.
NIGER_PAGE = """<!doctype html><html><head><title>Curfew in Tillaberi</title></head><body><article>
<h1>Curfew declared in Tillaberi after raid on army post</h1>
<p>Authorities in Niger imposed a night curfew on the town of Tillaberi after gunmen attacked an army
post on its eastern edge, the regional governor said.</p>
<p>Soldiers returned fire and the attackers fled on motorcycles toward the border with Mali, according
to a statement read on state radio. Markets stayed closed for most of the day.</p>
</article></body></html>"""
CHAD_PAGE = """<!doctype html><html><head><title>Talks in N'Djamena</title>
<meta property="article:published_time" content="2024-03-07T10:00:00Z"></head><body><article>
<h1>Chad hosts talks between Sudanese delegations</h1>
<p>Chad's foreign minister welcomed two Sudanese delegations to N'Djamena for talks on opening a
humanitarian corridor into Darfur, officials said.</p>
<p>The meeting ended without an agreement, but both delegations promised to return next week with
proposals on the protection of aid convoys.</p>
</article></body></html>"""
# Curly quotes in windows-1252 bytes, declared only in the HTTP header.
CP1252_PAGE = ("<html><body><article><p>The mayor called the flooding in Maiduguri \u201ca disaster for the "
               "whole region\u201d and asked the federal government for emergency funds.</p></article></body></html>")


def write(writer: WARCWriter, record: Any) -> None:
    writer.write_record(record)
    record.raw_stream.close()  # warcio spools a payload it hashes into a temporary file it leaves open


def response(writer: WARCWriter, uri: str, body: bytes, content_type: str = "text/html; charset=utf-8",
             status: str = "200 OK") -> None:
    headers = StatusAndHeaders(status, [("Content-Type", content_type)], protocol="HTTP/1.1")
    write(writer, writer.create_warc_record(uri, "response", payload=io.BytesIO(body), http_headers=headers,
                                            warc_headers_dict={"WARC-Date": CAPTURED}))


def write_warc(path: Path, gzip: bool = True) -> None:
    """Two article pages, one cp1252 page, and four records that are no article page."""
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=gzip)
        write(writer, writer.create_warcinfo_record(path.name, {"software": "tests"}))
        response(writer, "https://news.example.org/niger-curfew", NIGER_PAGE.encode("utf-8"))
        request = writer.create_warc_record("https://news.example.org/chad-talks", "request",
                                            payload=io.BytesIO(b"GET /chad-talks HTTP/1.1\r\n\r\n"))
        write(writer, request)
        response(writer, "https://news.example.org/chad-talks", CHAD_PAGE.encode("utf-8"))
        response(writer, "https://news.example.org/logo.png", b"\x89PNG\r\n\x1a\n0000", content_type="image/png")
        response(writer, "https://news.example.org/gone", b"<html><body>Not found</body></html>",
                 status="404 Not Found")
        response(writer, "https://news.example.org/maiduguri", CP1252_PAGE.encode("cp1252"),
                 content_type="text/html; charset=windows-1252")


def documents(items: list[InputItem]) -> list[RawDocument]:
    return [item.document for item in items if isinstance(item.document, RawDocument)]


@pytest.fixture(params=[True, False], ids=["warc.gz", "warc"])
def archive(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    path = tmp_path / ("crawl.warc.gz" if request.param else "crawl.warc")
    write_warc(path, gzip=request.param)
    return path


def test_html_responses_become_documents_and_the_rest_is_counted(archive: Path) -> None:
    tally = ReadTally()
    items = list(read_items([str(archive)], tally=tally))
    docs = documents(items)
    assert [d.source for d in docs] == ["https://news.example.org/niger-curfew",
                                       "https://news.example.org/chad-talks", "https://news.example.org/maiduguri"]
    assert len(items) == 3 and all(d.kind == "html" and d.url == d.source for d in docs)
    # warcinfo, request, the PNG and the 404 page
    assert tally.skipped_records == 4
    for item, doc in zip(items, docs, strict=True):
        assert doc.input_id and doc.input_id.startswith("<urn:uuid:")
        assert item.key == f"{os.path.abspath(archive)}#{doc.input_id}"
        assert isinstance(doc, RawDocument) and doc.published_fallback == date(2024, 3, 9)
        assert doc.published is None  # the capture date must not override the page's own date
    assert count_items([str(archive)]) is None


def test_http_header_charset_is_used(archive: Path) -> None:
    page = documents(list(read_items([str(archive)])))[2]
    assert isinstance(page.content, str) and "\u201ca disaster for the whole region\u201d" in page.content


def test_keys_are_stable_across_reads(archive: Path) -> None:
    assert [i.key for i in read_items([str(archive)])] == [i.key for i in read_items([str(archive)])]


@pytest.mark.parametrize("gzip", [True, False], ids=["warc.gz", "warc"])
def test_truncated_archive_gives_one_error_and_the_batch_goes_on(tmp_path: Path, gzip: bool) -> None:
    whole = tmp_path / "whole.warc"
    write_warc(whole, gzip=gzip)
    data = whole.read_bytes()
    # cut inside the last record (the cp1252 page), whatever the compression
    cut = tmp_path / ("cut.warc.gz" if gzip else "cut.warc")
    cut.write_bytes(data[: len(data) - 40])
    after = tmp_path / "after.txt"
    after.write_text("Police in Goma dispersed a protest outside the governor's office on Monday.\n",
                     encoding="utf-8")
    items = list(read_items([str(cut), str(after)]))
    errors = [i.document for i in items if isinstance(i.document, InputError)]
    assert [d.source for d in documents(items)] == ["https://news.example.org/niger-curfew",
                                                   "https://news.example.org/chad-talks", str(after)]
    assert len(errors) == 1
    assert errors[0].source == str(cut) and "truncated or corrupt WARC data" in str(errors[0])
    assert "\n" not in str(errors[0])


def test_garbage_in_the_middle_is_an_error_for_the_rest(tmp_path: Path) -> None:
    whole = tmp_path / "whole.warc"
    write_warc(whole, gzip=False)
    data = whole.read_bytes()
    second = data.rindex(b"WARC/1", 0, data.index(b"WARC-Type: request"))
    broken = tmp_path / "broken.warc"
    broken.write_bytes(data[:second] + b"this is not a WARC record\r\n" * 3 + data[second:])
    items = list(read_items([str(broken)]))
    assert [d.source for d in documents(items)] == ["https://news.example.org/niger-curfew"]
    assert isinstance(items[-1].document, InputError) and items[-1].key.startswith(os.path.abspath(broken) + "@")


def test_not_a_warc_at_all(tmp_path: Path) -> None:
    path = tmp_path / "empty.warc"
    path.write_bytes(b"\x00\x01 definitely not an archive")
    [item] = list(read_items([str(path)]))
    assert isinstance(item.document, InputError) and "WARC" in str(item.document)


def test_directory_walk_and_read_documents_take_warc(tmp_path: Path) -> None:
    write_warc(tmp_path / "a.warc.gz")
    write_warc(tmp_path / "b.warc", gzip=False)
    docs = [d for d in read_documents([str(tmp_path)]) if isinstance(d, RawDocument)]
    assert len(docs) == 6
    missing = list(read_items([str(tmp_path / "none.warc")]))
    assert len(missing) == 1 and "no such file" in str(missing[0].document)


def test_extract_uses_the_capture_date_only_when_the_page_has_none(archive: Path) -> None:
    # `tacitus extract` reads through read_articles: the same dates as `tacitus ingest` below.
    articles = [a for a in read_articles([str(archive)]) if isinstance(a, Article)]
    assert [(a.source, a.published) for a in articles] == [
        ("https://news.example.org/niger-curfew", date(2024, 3, 9)),
        ("https://news.example.org/chad-talks", date(2024, 3, 7)),
        ("https://news.example.org/maiduguri", date(2024, 3, 9)),
    ]
    overridden = [a for a in read_articles([str(archive)], published=date(2024, 1, 2)) if isinstance(a, Article)]
    assert [a.published for a in overridden] == [date(2024, 1, 2)] * 3


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return pipeline_once()


def test_ingest_uses_the_capture_date_only_when_the_page_has_none(archive: Path, tmp_path: Path,
                                                                  pipeline: Pipeline) -> None:
    with Store(tmp_path / "crawl.duckdb") as store:
        stats = run_ingest([str(archive)], store, IngestOptions(workers=1), load_pipeline=lambda: pipeline)
        assert (stats.added, stats.errors, stats.skipped_records) == (3, 0, 4)
        rows = store._connection().execute(
            "SELECT source, input_id, published::VARCHAR FROM documents ORDER BY source").fetchall()
    assert [(source, published) for source, _, published in rows] == [
        ("https://news.example.org/chad-talks", "2024-03-07"),
        ("https://news.example.org/maiduguri", "2024-03-09"),
        ("https://news.example.org/niger-curfew", "2024-03-09"),
    ]
    assert all(input_id.startswith("<urn:uuid:") for _, input_id, _ in rows)
