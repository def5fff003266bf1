"""Tests for tacitus.ingest.readers and tacitus.ingest.encoding on small inputs written here."""

from __future__ import annotations

import codecs
import datetime
import gzip
import io
import json
import os
from collections.abc import Sequence
from pathlib import Path

import pytest

from tacitus.errors import InputError
from tacitus.ingest import parse_published, read_documents
from tacitus.ingest.encoding import BINARY_MESSAGE, declared_charset, decode_bytes
from tacitus.models import RawDocument

CEASEFIRE = (
    "Ceasefire holds in Varrosk\n\n"
    "A ceasefire between the army and the Northern Front held for a third day on Tuesday.\n\n"
    "Mediators met both sides in Kelmar.\n"
)
CURLY = "\u201cWe will not withdraw,\u201d the commander said \u2014 a day after the talks in Kelmar."
PNG_HEADER = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10"


def read_all(paths: list[str], stdin: io.BytesIO | None = None) -> list[RawDocument | InputError]:
    return list(read_documents(paths, stdin=stdin))


def only_document(paths: list[str]) -> RawDocument:
    items = read_all(paths)
    assert len(items) == 1
    item = items[0]
    assert isinstance(item, RawDocument), item
    return item


def only_error(paths: list[str], stdin: io.BytesIO | None = None) -> InputError:
    items = read_all(paths, stdin=stdin)
    assert len(items) == 1
    item = items[0]
    assert isinstance(item, InputError), item
    return item


def assert_names_source(error: InputError, source: str) -> None:
    assert error.source == source
    assert str(error).startswith(f"{source}: ")
    assert "\n" not in str(error)


def write(path: Path, data: bytes | str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return str(path)


# --- plain files and kinds -------------------------------------------------------------------

def test_text_file_is_read_as_text(tmp_path: Path) -> None:
    path = write(tmp_path / "varrosk.txt", CEASEFIRE)
    doc = only_document([path])
    assert doc.kind == "text"
    assert doc.content == CEASEFIRE
    assert doc.source == path
    assert doc.input_id is None


@pytest.mark.parametrize("name", ["story.html", "story.htm", "story.xhtml"])
def test_html_suffixes_give_html(tmp_path: Path, name: str) -> None:
    path = write(tmp_path / name, "Plain words without any markup at all.")
    assert only_document([path]).kind == "html"


@pytest.mark.parametrize("name", ["story.md", "story.text"])
def test_text_suffixes_give_text_even_with_tags(tmp_path: Path, name: str) -> None:
    path = write(tmp_path / name, "<p>A paragraph tag inside a text file.</p>")
    assert only_document([path]).kind == "text"


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        ("<!DOCTYPE html><html><body><p>Talks resumed.</p></body></html>", "html"),
        ("  <html><p>Talks resumed.</p></html>", "html"),
        ("Talks resumed in Kelmar.\n<p>late tag</p>", "html"),
        ("Talks resumed in Kelmar on Monday.\n\nBoth sides attended.", "text"),
        ("Prices rose 3 < 4 percent, officials said.", "text"),
    ],
)
def test_unknown_suffix_is_sniffed(tmp_path: Path, content: str, kind: str) -> None:
    path = write(tmp_path / "story.dat", content)
    assert only_document([path]).kind == kind


def test_gzipped_html_is_decompressed(tmp_path: Path) -> None:
    page = "<html><body><p>Mediators met in Kelmar.</p></body></html>"
    path = write(tmp_path / "page.html.gz", gzip.compress(page.encode("utf-8")))
    doc = only_document([path])
    assert doc.kind == "html"
    assert doc.content == page


# --- decoding -------------------------------------------------------------------------------

# Short samples on which charset-normalizer alone guesses cp1250 or cp852 and misreads them.
@pytest.mark.parametrize(
    "text",
    [
        CURLY,
        "The envoy\u2019s visit \u2014 \u201ca disaster\u201d \u2014 ended \u00e0 Gao.",
        "The mayor of Saint-\u00c9tienne said the rally in Ba\u00f1ados was peaceful.",
    ],
)
def test_cp1252_curly_quotes_are_decoded(tmp_path: Path, text: str) -> None:
    path = write(tmp_path / "quote.txt", text.encode("cp1252"))
    assert only_document([path]).content == text


def test_latin1_accents_are_decoded(tmp_path: Path) -> None:
    text = "Le ministre a d\u00e9clar\u00e9 que la tr\u00eave \u00e9tait fragile \u00e0 Gao."
    path = write(tmp_path / "dispatch.txt", text.encode("latin-1"))
    assert only_document([path]).content == text


def test_utf8_bom_is_stripped(tmp_path: Path) -> None:
    path = write(tmp_path / "bom.txt", codecs.BOM_UTF8 + CURLY.encode("utf-8"))
    assert only_document([path]).content == CURLY


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_with_bom(tmp_path: Path, codec: str) -> None:
    data = CURLY.encode(codec)
    if codec == "utf-16-be":
        data = codecs.BOM_UTF16_BE + data
    path = write(tmp_path / "wide.txt", data)
    assert only_document([path]).content == CURLY


def test_utf16_without_bom_is_text_not_binary(tmp_path: Path) -> None:
    path = write(tmp_path / "wide.txt", CEASEFIRE.encode("utf-16-le"))
    assert only_document([path]).content == CEASEFIRE


def test_meta_charset_windows_1252(tmp_path: Path) -> None:
    page = f'<html><head><meta charset="windows-1252"></head><body><p>{CURLY}</p></body></html>'
    path = write(tmp_path / "page.html", page.encode("cp1252"))
    assert CURLY in str(only_document([path]).content)


def test_meta_charset_is_honoured_over_the_cp1252_guess(tmp_path: Path) -> None:
    # In windows-1250 byte 0xF8 is r-caron; a guess without the declaration would read o-slash.
    sentence = "Police in T\u0159inec detained two protesters."
    page = f'<html><head><meta charset="windows-1250"></head><body><p>{sentence}</p></body></html>'
    path = write(tmp_path / "page.html", page.encode("cp1250"))
    assert sentence in str(only_document([path]).content)


def test_http_equiv_charset(tmp_path: Path) -> None:
    sentence = "Police in T\u0159inec detained two protesters."
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-2">'
        f"</head><body><p>{sentence}</p></body></html>"
    )
    path = write(tmp_path / "page.html", page.encode("iso-8859-2"))
    assert sentence in str(only_document([path]).content)


def test_declared_latin1_reads_as_cp1252_and_utf8_bytes_beat_a_wrong_declaration() -> None:
    assert declared_charset(b'<meta charset="ISO-8859-1">') == "cp1252"
    page = f'<html><head><meta charset="iso-8859-1"></head><body><p>{CURLY}</p></body></html>'
    assert CURLY in decode_bytes(page.encode("utf-8"), "page.html")


def test_meta_charset_ignored_for_text_files() -> None:
    data = ('<meta charset="windows-1250"> ' + CURLY).encode("cp1252")
    assert decode_bytes(data, "notes.txt", markup=False).endswith(CURLY)


def test_cyrillic_guess_is_not_forced_into_cp1252() -> None:
    sentence = "\u041f\u0435\u0440\u0435\u043c\u0438\u0440\u0438\u0435 \u0441\u043e\u0431\u043b\u044e\u0434\u0430\u0435\u0442\u0441\u044f \u0432 \u0433\u043e\u0440\u043e\u0434\u0435 \u0438 \u0432 \u043e\u043a\u0440\u0435\u0441\u0442\u043d\u044b\u0445 \u0441\u0451\u043b\u0430\u0445."  # noqa: E501
    assert decode_bytes(sentence.encode("cp1251"), "ru.txt") == sentence


# --- binary, missing, unreadable --------------------------------------------------------------

@pytest.mark.parametrize(
    "data",
    [
        PNG_HEADER,
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj",
        b"PK\x03\x04\x14\x00\x00\x00\x08\x00",
        b"\xff\xd8\xff\xe0\x00\x10JFIF",
        b"GIF89a\x10\x00\x10\x00",
        bytes(range(256)) * 4,
        gzip.compress(PNG_HEADER),
        gzip.compress(bytes(range(1, 32)) * 40),
    ],
)
def test_binary_files_are_refused(tmp_path: Path, data: bytes) -> None:
    path = write(tmp_path / "photo.txt", data)
    error = only_error([path])
    assert_names_source(error, path)
    assert error.reason == BINARY_MESSAGE


def test_missing_file(tmp_path: Path) -> None:
    path = str(tmp_path / "absent.txt")
    error = only_error([path])
    assert_names_source(error, path)
    assert error.reason == "no such file"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs a non-root POSIX user")
def test_unreadable_file(tmp_path: Path) -> None:
    path = write(tmp_path / "locked.txt", CEASEFIRE)
    os.chmod(path, 0)
    try:
        error = only_error([path])
    finally:
        os.chmod(path, 0o644)
    assert_names_source(error, path)
    assert error.reason.startswith("cannot read: ")
    assert "permission" in error.reason


def test_permission_error_is_reported_as_cannot_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Root reads any file, so the permission path is also driven through a refusing open().
    path = write(tmp_path / "locked.txt", CEASEFIRE)

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr("tacitus.ingest.readers.open", refuse, raising=False)
    error = only_error([path])
    assert_names_source(error, path)
    assert error.reason == "cannot read: permission denied"


def test_corrupt_gzip(tmp_path: Path) -> None:
    path = write(tmp_path / "news.txt.gz", gzip.compress(CEASEFIRE.encode())[:20])
    error = only_error([path])
    assert_names_source(error, path)
    assert "gzip" in error.reason


def test_empty_file_is_passed_on_for_extraction_to_judge(tmp_path: Path) -> None:
    path = write(tmp_path / "empty.txt", b"")
    assert only_document([path]).content == ""


# --- JSON Lines --------------------------------------------------------------------------------

def jsonl(records: Sequence[object]) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records)


def test_jsonl_records_in_order_with_a_bad_line(tmp_path: Path) -> None:
    path = write(
        tmp_path / "news.jsonl",
        jsonl([
            {"id": "a1", "text": "Rebels shelled a village near Kelmar.", "published": "2024-03-05",
             "url": "https://example.org/a1", "title": "Shelling near Kelmar"},
            "{not json",
            {"id": 7, "html": "<html><body><p>Talks resumed.</p></body></html>"},
        ]),
    )
    items = read_all([path])
    assert len(items) == 3
    first, bad, third = items
    assert isinstance(first, RawDocument) and isinstance(third, RawDocument)
    assert (first.input_id, first.kind, first.source) == ("a1", "text", f"{path}:1")
    assert first.published == "2024-03-05"
    assert first.url == "https://example.org/a1"
    assert first.title == "Shelling near Kelmar"
    assert first.content == "Rebels shelled a village near Kelmar."
    assert (third.input_id, third.kind, third.source) == ("7", "html", f"{path}:3")
    assert isinstance(bad, InputError)
    assert_names_source(bad, f"{path}:2")
    assert bad.reason.startswith("line 2: not valid JSON")


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ({"text": "No identifier here."}, "line 2: no id"),
        ({"id": "", "text": "Blank identifier."}, "line 2: no id"),
        ({"id": "x"}, "line 2: neither 'text' nor 'html'"),
        ({"id": "x", "text": "Fine.", "published": "last Tuesday"},
         "line 2: invalid published date 'last Tuesday'"),
        ({"id": "x", "text": "Fine.", "published": 20240305}, "line 2: invalid published date '20240305'"),
        ({"id": "x", "text": ["a", "list"]}, "line 2: 'text' is not a string"),
        (["id", "text"], "line 2: not a JSON object"),
    ],
)
def test_jsonl_bad_lines_name_the_line(tmp_path: Path, line: object, reason: str) -> None:
    records = [{"id": "ok", "text": "Fine."}, line, {"id": "z", "text": "Also fine."}]
    path = write(tmp_path / "feed.ndjson", jsonl(records))
    items = read_all([path])
    assert [getattr(item, "input_id", None) for item in items] == ["ok", None, "z"]
    error = items[1]
    assert isinstance(error, InputError)
    assert_names_source(error, f"{path}:2")
    assert error.reason == reason


def test_jsonl_blank_lines_keep_file_line_numbers(tmp_path: Path) -> None:
    path = write(tmp_path / "news.jsonl", '\n{"id": "b", "text": "Fine."}\n\n{"id": "c"}\n')
    first, second = read_all([path])
    assert isinstance(first, RawDocument) and first.source == f"{path}:2"
    assert isinstance(second, InputError) and second.source == f"{path}:4"
    assert second.reason.startswith("line 4: ")


def test_gzipped_jsonl(tmp_path: Path) -> None:
    records = [{"id": f"r{n}", "text": f"Report number {n} from Kelmar."} for n in range(3)]
    path = write(tmp_path / "news.jsonl.gz", gzip.compress(jsonl(records).encode("utf-8")))
    items = read_all([path])
    assert [getattr(item, "input_id", None) for item in items] == ["r0", "r1", "r2"]
    assert [getattr(item, "source", None) for item in items] == [f"{path}:{n}" for n in (1, 2, 3)]


def test_json_file_with_one_record_per_line(tmp_path: Path) -> None:
    path = write(tmp_path / "news.json", jsonl([{"id": "a", "text": "One."}, {"id": "b", "text": "Two."}]))
    assert [getattr(item, "input_id", None) for item in read_all([path])] == ["a", "b"]


def test_json_array_of_records(tmp_path: Path) -> None:
    records = [{"id": "a", "text": "One."}, {"text": "No id."}]
    path = write(tmp_path / "news.json", json.dumps(records, indent=2))
    first, second = read_all([path])
    assert isinstance(first, RawDocument) and first.input_id == "a"
    assert isinstance(second, InputError)
    assert_names_source(second, f"{path}:2")
    assert second.reason == "record 2: no id"


def test_json_file_with_one_pretty_printed_record(tmp_path: Path) -> None:
    path = write(tmp_path / "one.json", json.dumps({"id": "p1", "html": "<p>Talks resumed.</p>"}, indent=2))
    doc = only_document([path])
    assert (doc.input_id, doc.kind, doc.source) == ("p1", "html", path)


def test_json_file_that_holds_no_records(tmp_path: Path) -> None:
    path = write(tmp_path / "config.json", "[1, 2")
    error = only_error([path])
    assert_names_source(error, path)
    assert error.reason.startswith("not valid JSON")


def test_empty_jsonl_file(tmp_path: Path) -> None:
    path = write(tmp_path / "news.jsonl", "\n\n")
    error = only_error([path])
    assert_names_source(error, path)
    assert "no records" in error.reason


# --- directories ----------------------------------------------------------------------------

def test_directory_is_walked_recursively_sorted_and_hidden_skipped(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    write(root / "b.txt", "Second file.")
    write(root / "a" / "z.html", "<html><body><p>Nested page.</p></body></html>")
    write(root / "a" / "c.md", "Nested note.")
    write(root / "c.jsonl", jsonl([{"id": "j1", "text": "From a feed."}]))
    write(root / ".hidden.txt", "Never read.")
    write(root / ".cache" / "d.txt", "Never read either.")
    write(root / "photo.jpg", b"\xff\xd8\xff\xe0")
    write(root / "notes.docx", b"PK\x03\x04")
    sources = [getattr(item, "source", None) for item in read_all([str(root)])]
    assert sources == [
        str(root / "a" / "c.md"),
        str(root / "a" / "z.html"),
        str(root / "b.txt"),
        f"{root / 'c.jsonl'}:1",
    ]


def test_empty_directory(tmp_path: Path) -> None:
    root = tmp_path / "empty"
    root.mkdir()
    error = only_error([str(root)])
    assert_names_source(error, str(root))
    assert error.reason == "no readable files in directory"


def test_directory_with_only_other_files_counts_them(tmp_path: Path) -> None:
    root = tmp_path / "photos"
    write(root / "one.png", PNG_HEADER)
    write(root / "two.pdf", b"%PDF-1.4")
    error = only_error([str(root)])
    assert_names_source(error, str(root))
    assert error.reason.startswith("no readable files in directory")
    assert "2 files" in error.reason


def test_errors_do_not_stop_the_batch_and_order_is_kept(tmp_path: Path) -> None:
    good = write(tmp_path / "good.txt", CEASEFIRE)
    binary = write(tmp_path / "bad.txt", PNG_HEADER)
    missing = str(tmp_path / "missing.txt")
    items = read_all([missing, good, binary, good])
    kinds = [type(item).__name__ for item in items]
    assert kinds == ["InputError", "RawDocument", "InputError", "RawDocument"]


# --- stdin ------------------------------------------------------------------------------------

def test_stdin_text() -> None:
    items = read_all(["-"], stdin=io.BytesIO(CURLY.encode("cp1252")))
    assert len(items) == 1 and isinstance(items[0], RawDocument)
    assert items[0].source == "<stdin>"
    assert items[0].content == CURLY
    assert items[0].kind == "text"


def test_stdin_json_lines() -> None:
    data = jsonl([{"id": "s1", "text": "One."}, {"id": "s2", "html": "<p>Two.</p>"}]).encode()
    items = read_all(["-"], stdin=io.BytesIO(data))
    assert [(getattr(i, "source", None), getattr(i, "kind", None)) for i in items] == [
        ("<stdin>:1", "text"), ("<stdin>:2", "html"),
    ]


def test_stdin_binary() -> None:
    error = only_error(["-"], stdin=io.BytesIO(PNG_HEADER))
    assert_names_source(error, "<stdin>")


# --- published dates ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-03-05", datetime.date(2024, 3, 5)),
        ("2024-03-05T23:30:00Z", datetime.date(2024, 3, 5)),
        ("2024-03-05T01:15:00+03:00", datetime.date(2024, 3, 5)),
        (" 2024-03-05 08:00 ", datetime.date(2024, 3, 5)),
    ],
)
def test_parse_published(value: str, expected: datetime.date) -> None:
    assert parse_published(value, "x.jsonl:1") == expected


@pytest.mark.parametrize("value", ["", "05/03/2024", "March 5", "2024-13-01"])
def test_parse_published_rejects(value: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_published(value, "x.jsonl:4")
    assert_names_source(caught.value, "x.jsonl:4")
    assert caught.value.reason == f"invalid published date '{value}'"
