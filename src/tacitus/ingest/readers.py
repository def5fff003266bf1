"""Input readers: take paths (files, directories, JSON Lines, WARC, `-` for stdin) and give RawDocuments.

A problem with one input is yielded as an InputError in that input's place, never raised,
so one bad file or line does not stop a batch. Output follows input order. `read_items` gives
the same documents as `InputItem`s, each with a key that names it across runs (for resumable jobs).

WARC files (`.warc`, `.warc.gz`, CC-NEWS style) give one document per HTML response record;
other records are counted in a `ReadTally`, and a truncated or corrupt archive gives one
InputError for the rest of that file.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import io
import json
import os
import sys
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any, BinaryIO

from warcio.archiveiterator import ArchiveIterator

from tacitus.errors import InputError
from tacitus.ingest.encoding import BINARY_MESSAGE, binary_format, decode_bytes
from tacitus.models import RawDocument

STDIN_SOURCE = "<stdin>"

TEXT_SUFFIXES = frozenset({".txt", ".text", ".md"})
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
JSON_SUFFIXES = frozenset({".json"})
WARC_SUFFIXES = frozenset({".warc"})
GZIP_SUFFIX = ".gz"
# What a directory walk picks up; anything else in a news folder (images, PDFs, notes) is skipped.
DIRECTORY_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES | JSON_SUFFIXES | WARC_SUFFIXES | {GZIP_SUFFIX}
# WARC response payloads read as articles; anything else (images, PDFs, robots.txt) is skipped.
HTML_MEDIA_TYPES = frozenset({"text/html", "application/xhtml+xml"})

_GZIP_MAGIC = b"\x1f\x8b"
_WARC_MAGIC = b"WARC/"
_SNIFF_CHARS = 2048
_HTML_OPENINGS = ("<!doctype html", "<html", "<?xml")
_HTML_EARLY_TAGS = ("<body", "<p>", "<p ", "<head", "<article", "<div", "<meta", "<title")


@dataclass(frozen=True)
class InputItem:
    """One input (a file, a JSON Lines record, a WARC record) or the error in its place.

    `key` names the input across runs: the absolute path (with `:line` for a record) and a hash
    of the content, or for a WARC record the archive's path and the WARC-Record-ID. A changed
    file gets new keys; the same file read again gets the same ones.
    """

    key: str
    document: RawDocument | InputError


@dataclass
class ReadTally:
    """What the readers passed over without an error: WARC records that are no HTML response."""

    skipped_records: int = 0


def read_documents(paths: Sequence[str], stdin: BinaryIO | None = None) -> Iterator[RawDocument | InputError]:
    """One RawDocument (decoded, kind "text" or "html") per file, JSON Lines or WARC record, in order."""
    for item in read_items(paths, stdin=stdin):
        yield item.document


def read_items(
    paths: Sequence[str], stdin: BinaryIO | None = None, tally: ReadTally | None = None
) -> Iterator[InputItem]:
    """`read_documents` with a stable key per input; skipped WARC records are counted in `tally`."""
    tally = tally if tally is not None else ReadTally()
    for path in paths:
        path = os.fspath(path)
        if path == "-":
            yield from _stdin_items(stdin, tally)
        elif os.path.isdir(path):
            for entry in _directory_entries(path):
                if isinstance(entry, InputError):
                    yield InputItem(_path_key(entry.source), entry)
                else:
                    yield from _file_items(entry, tally)
        else:
            yield from _file_items(path, tally)


def count_items(paths: Sequence[str], limit: int | None = None) -> int | None:
    """How many InputItems `read_items(paths)` will give, when that is cheap to know: None for
    stdin, WARC archives, gzip'd JSON Lines and JSON arrays (knowing would mean reading them),
    and as soon as the count passes `limit` (the rest of the inputs is not looked at)."""
    total = 0
    for path in paths:
        path = os.fspath(path)
        if path == "-":
            return None
        entries = list(_directory_entries(path)) if os.path.isdir(path) else [path]
        for entry in entries:
            count = 1 if isinstance(entry, InputError) else _count_file(entry)
            if count is None:
                return None
            total += count
            if limit is not None and total > limit:
                return None
    return total


def _count_file(path: str) -> int | None:
    fmt = _format_of(path)
    compressed = path.lower().endswith(GZIP_SUFFIX)
    if fmt == "warc" or (fmt in ("jsonl", "json", "auto") and compressed):
        return None
    if fmt == "json":
        return None
    if fmt not in ("jsonl", "auto"):
        return 1
    try:
        with open(path, "rb") as handle:
            if fmt == "auto" and _starts_like_warc(handle):
                return None
            if fmt == "auto" and not _looks_like_jsonl(handle.read(1 << 16)):
                return 1
            handle.seek(0)
            # A file of blank lines still gives one item: the error that it holds no records.
            return max(1, sum(1 for line in handle if line.strip()))
    except OSError:
        return 1  # the reader reports it as one error


def position_key(key: str) -> str:
    """Where a document item was read, without its content hash or WARC record id: the key its
    error had when the same input could not be read (a missing file, a bad line)."""
    return key.rsplit("#", 1)[0]


def _path_key(source: str) -> str:
    return source if source.startswith(STDIN_SOURCE) else os.path.abspath(source)


def _item(document: RawDocument | InputError) -> InputItem:
    if isinstance(document, InputError):
        return InputItem(_path_key(document.source), document)
    content = document.content if isinstance(document.content, bytes) else document.content.encode("utf-8")
    return InputItem(f"{_path_key(document.source)}#{hashlib.sha256(content).hexdigest()[:16]}", document)


def _file_items(path: str, tally: ReadTally) -> Iterator[InputItem]:
    fmt = _format_of(path)
    if fmt not in ("warc", "auto"):
        for document in _read_file(path):
            yield _item(document)
        return
    try:
        handle = open(path, "rb")
    except FileNotFoundError:
        yield _item(InputError(path, "no such file"))
        return
    except OSError as err:
        yield _item(InputError(path, f"cannot read: {_os_reason(err)}"))
        return
    with handle:
        # Opened once: an archive is streamed record by record, anything else read whole and sniffed.
        if fmt == "warc" or _starts_like_warc(handle):
            yield from _warc_records(handle, path, os.path.abspath(path), tally)
            return
        try:
            for document in _documents_from_bytes(_gunzip_if_compressed(handle.read(), path), path, fmt):
                yield _item(document)
        except OSError as err:
            yield _item(InputError(path, f"cannot read: {_os_reason(err)}"))
        except InputError as err:
            yield _item(err)


def _stdin_items(stdin: BinaryIO | None, tally: ReadTally) -> Iterator[InputItem]:
    stream: IO[bytes] = stdin if stdin is not None else sys.stdin.buffer
    try:
        data = _gunzip_if_compressed(stream.read(), STDIN_SOURCE)
    except OSError as err:
        yield _item(InputError(STDIN_SOURCE, f"cannot read: {_os_reason(err)}"))
        return
    except InputError as err:
        yield _item(err)
        return
    if data.startswith(_WARC_MAGIC):
        yield from _warc_records(io.BytesIO(data), STDIN_SOURCE, STDIN_SOURCE, tally)
        return
    try:
        for document in _documents_from_bytes(data, STDIN_SOURCE, "auto"):
            yield _item(document)
    except InputError as err:
        yield _item(err)


def parse_published(value: str, source: str) -> date:
    """An ISO date or date-time as a date (the date as written, not shifted to UTC)."""
    try:
        return datetime.fromisoformat(value.strip()).date()
    except (AttributeError, TypeError, ValueError):
        raise InputError(source, f"invalid published date '{value}'") from None


def sniff_kind(text: str) -> str:
    """"html" when the text opens like a page or shows HTML block tags early, else "text"."""
    head = text[:_SNIFF_CHARS].lstrip().lower()
    if head.startswith(_HTML_OPENINGS) or any(tag in head for tag in _HTML_EARLY_TAGS):
        return "html"
    return "text"


def document_text(raw: RawDocument) -> tuple[str, str]:
    """(text, kind) of a RawDocument whose content may still be bytes and whose kind may be "auto"."""
    if isinstance(raw.content, bytes):
        data = _gunzip_if_compressed(raw.content, raw.source)
        text = decode_bytes(data, raw.source, markup=raw.kind != "text")
    else:
        text = raw.content.removeprefix("\ufeff")
    kind = raw.kind if raw.kind in ("text", "html") else sniff_kind(text)
    return text, kind


def _format_of(path: str) -> str:
    """"text", "html", "jsonl", "json" or "auto" (sniff), from the name with any .gz removed."""
    name = path.lower()
    if name.endswith(GZIP_SUFFIX):
        name = name[: -len(GZIP_SUFFIX)]
    suffix = os.path.splitext(name)[1]
    if suffix in TEXT_SUFFIXES:
        return "text"
    if suffix in HTML_SUFFIXES:
        return "html"
    if suffix in JSONL_SUFFIXES:
        return "jsonl"
    if suffix in JSON_SUFFIXES:
        return "json"
    if suffix in WARC_SUFFIXES:
        return "warc"
    return "auto"


def _read_file(path: str) -> Iterator[RawDocument | InputError]:
    fmt = _format_of(path)
    try:
        if fmt == "jsonl":
            yield from _read_jsonl_file(path)
            return
        data = _gunzip_if_compressed(_read_bytes(path), path)
        yield from _documents_from_bytes(data, path, fmt)
    except InputError as err:
        yield err


def _read_bytes(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except OSError as err:
        raise InputError(path, f"cannot read: {_os_reason(err)}") from None


def _os_reason(err: OSError) -> str:
    return (err.strerror or str(err)).lower()


def _gunzip_if_compressed(data: bytes, source: str) -> bytes:
    # Decided by the magic, not the name: a misnamed page.html that is gzip'd still reads.
    if not data.startswith(_GZIP_MAGIC):
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error):
        raise InputError(source, "cannot read: corrupt gzip data") from None


def _documents_from_bytes(data: bytes, source: str, fmt: str) -> Iterator[RawDocument | InputError]:
    if binary_format(data) is not None:
        raise InputError(source, BINARY_MESSAGE)
    if fmt in ("json", "auto") and _looks_like_jsonl(data):
        yield from _records_from_lines(io.BytesIO(data), source)
        return
    if fmt == "json":
        yield from _records_from_json(data, source)
        return
    text = decode_bytes(data, source, markup=fmt != "text")
    kind = fmt if fmt in ("text", "html") else sniff_kind(text)
    yield RawDocument(source=source, content=text, kind=kind)


def _looks_like_jsonl(data: bytes) -> bool:
    """True when the first non-blank line is, on its own, a JSON object."""
    body = data.removeprefix(codecs.BOM_UTF8).lstrip()
    if not body.startswith(b"{"):
        return False
    first_line = body.split(b"\n", 1)[0]
    try:
        return isinstance(json.loads(first_line), dict)
    except ValueError:
        return False


def _directory_entries(root: str) -> Iterator[str | InputError]:
    """The readable files under `root` in sorted order, with walk errors in their place."""
    entries: list[tuple[tuple[str, ...], str, InputError | None]] = []
    skipped = 0

    def note_walk_error(err: OSError) -> None:
        where = err.filename if isinstance(err.filename, str) else root
        error = InputError(where, f"cannot read: {_os_reason(err)}")
        entries.append((_relative_parts(where, root), where, error))

    for dirpath, dirnames, filenames in os.walk(root, onerror=note_walk_error):
        dirnames[:] = [name for name in dirnames if not name.startswith(".")]
        for name in filenames:
            if name.startswith("."):
                continue
            full = os.path.join(dirpath, name)
            if os.path.splitext(name.lower())[1] in DIRECTORY_SUFFIXES:
                entries.append((_relative_parts(full, root), full, None))
            else:
                skipped += 1
    if not entries:
        detail = f" ({skipped} files of other types skipped)" if skipped else ""
        yield InputError(root, f"no readable files in directory{detail}")
        return
    entries.sort(key=lambda entry: entry[0])
    for _, path, error in entries:
        yield error if error is not None else path


def _relative_parts(path: str, root: str) -> tuple[str, ...]:
    relative = os.path.relpath(path, root)
    return tuple(relative.split(os.sep))


def _read_jsonl_file(path: str) -> Iterator[RawDocument | InputError]:
    """Stream a JSON Lines file (plain or gzip'd) record by record: dumps can be gigabytes."""
    try:
        handle: gzip.GzipFile | io.BufferedReader = (
            gzip.GzipFile(path, "rb") if path.lower().endswith(GZIP_SUFFIX) else open(path, "rb")
        )
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except OSError as err:
        raise InputError(path, f"cannot read: {_os_reason(err)}") from None
    with handle:
        try:
            head = handle.peek(16)[:16]
            if binary_format(head) is not None:
                raise InputError(path, BINARY_MESSAGE)
            yield from _records_from_lines(handle, path)
        except (OSError, EOFError, zlib.error) as err:
            if isinstance(err, OSError):
                reason = _os_reason(err)
            else:
                reason = "truncated gzip data" if isinstance(err, EOFError) else "corrupt gzip data"
            raise InputError(path, f"cannot read: {reason}") from None


def _records_from_lines(lines: Iterable[bytes], path: str) -> Iterator[RawDocument | InputError]:
    records = 0
    for number, line in enumerate(lines, start=1):
        if number == 1:
            line = line.removeprefix(codecs.BOM_UTF8)
        if not line.strip():
            continue
        records += 1
        source = f"{path}:{number}"
        try:
            obj = json.loads(line.decode("utf-8"))
        except UnicodeDecodeError:
            yield InputError(source, f"line {number}: not UTF-8")
            continue
        except ValueError as err:
            yield InputError(source, f"line {number}: not valid JSON ({getattr(err, 'msg', err)})")
            continue
        try:
            yield _record_document(obj, source)
        except _BadRecord as err:
            yield InputError(source, f"line {number}: {err}")
    if records == 0:
        yield InputError(path, "no records in JSON Lines file")


def _records_from_json(data: bytes, path: str) -> Iterator[RawDocument | InputError]:
    """A .json file that is not JSON Lines: one record object, or an array of them."""
    try:
        document = json.loads(decode_bytes(data, path, markup=False))
    except ValueError as err:
        raise InputError(path, f"not valid JSON ({getattr(err, 'msg', err)})") from None
    if isinstance(document, dict):
        try:
            yield _record_document(document, path)
        except _BadRecord as err:
            yield InputError(path, str(err))
        return
    if not isinstance(document, list):
        raise InputError(path, "JSON file holds no record object, array of records, or one record per line")
    if not document:
        yield InputError(path, "no records in JSON file")
    for number, obj in enumerate(document, start=1):
        source = f"{path}:{number}"
        try:
            yield _record_document(obj, source)
        except _BadRecord as err:
            yield InputError(source, f"record {number}: {err}")


class _BadRecord(ValueError):
    """A JSON record that cannot become a RawDocument; the caller adds where it is."""


def _record_document(obj: Any, source: str) -> RawDocument:
    if not isinstance(obj, dict):
        raise _BadRecord("not a JSON object")
    ident = obj.get("id")
    if isinstance(ident, bool) or not isinstance(ident, str | int) or not str(ident).strip():
        raise _BadRecord("no id")
    html, text = _optional_string(obj, "html"), _optional_string(obj, "text")
    # Raw HTML is preferred when both are given: it keeps captions and metadata the text lost.
    if html is not None and (html.strip() or text is None):
        content, kind = html, "html"
    elif text is not None:
        content, kind = text, "text"
    else:
        raise _BadRecord("neither 'text' nor 'html'")
    published = obj.get("published")
    if published is not None:
        if not isinstance(published, str):
            raise _BadRecord(f"invalid published date '{published}'")
        try:
            parse_published(published, source)
        except InputError as err:
            raise _BadRecord(err.reason) from None
    return RawDocument(
        source=source,
        content=content,
        kind=kind,
        input_id=str(ident),
        published=published,
        url=_optional_string(obj, "url"),
        title=_optional_string(obj, "title"),
    )


def _optional_string(obj: dict[str, Any], key: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _BadRecord(f"'{key}' is not a string")
    return value


# -- WARC ------------------------------------------------------------------------------------------


def _starts_like_warc(handle: BinaryIO) -> bool:
    """Whether an open file holds a WARC archive, plain or gzip'd; the file is left at its start."""
    try:
        head = handle.read(len(_GZIP_MAGIC))
        handle.seek(0)
        if head == _GZIP_MAGIC:
            with gzip.GzipFile(fileobj=handle) as unpacked:  # closes the GzipFile, not the file
                head = unpacked.read(len(_WARC_MAGIC))
        else:
            head = handle.read(len(_WARC_MAGIC))
    except (OSError, EOFError, zlib.error):
        return False  # the ordinary reader reports what is wrong with the file
    finally:
        handle.seek(0)
    return head == _WARC_MAGIC


def _warc_records(stream: BinaryIO, path: str, key_base: str, tally: ReadTally) -> Iterator[InputItem]:
    """HTML response records of a seekable WARC stream (plain or gzip'd per record), in order.

    warcio ends quietly on a truncated archive, so completeness is checked here: each record
    must hold the bytes its Content-Length announces, and nothing but blank lines may follow
    the last whole record.
    """
    records = 0
    end = 0  # where the last whole record ends, in the file's (compressed) bytes
    archive = ArchiveIterator(stream)
    try:
        for record in archive:
            document = _warc_document(record, path) if _is_html_response(record) else None
            offset, length = archive.get_record_offset(), archive.get_record_length()
            declared = record.rec_headers.get_header("Content-Length")
            if record.raw_stream.limit > 0 or declared is None or int(declared) != record.length:
                yield _corrupt_warc(path, key_base, offset, records)
                return
            records += 1
            end = offset + length
            if document is None:
                tally.skipped_records += 1
                continue
            record_id = record.rec_headers.get_header("WARC-Record-ID") or f"@{offset}"
            yield InputItem(f"{key_base}#{record_id}", document)
    except Exception:  # noqa: BLE001 - warcio and zlib raise many types on damaged bytes; one archive must not stop a batch
        yield _corrupt_warc(path, key_base, end, records)
        return
    if not _only_blank_after(stream, end):
        yield _corrupt_warc(path, key_base, end, records)


def _is_html_response(record: Any) -> bool:
    if record.rec_type != "response" or record.http_headers is None:
        return False
    status = record.http_headers.get_statuscode() or ""
    media_type = (record.http_headers.get_header("Content-Type") or "").split(";")[0].strip().lower()
    return status.startswith("2") and media_type in HTML_MEDIA_TYPES


def _warc_document(record: Any, path: str) -> RawDocument:
    uri = record.rec_headers.get_header("WARC-Target-URI")
    payload = record.content_stream().read()
    content: bytes | str = payload
    charset = _http_charset(record.http_headers.get_header("Content-Type") or "")
    if charset:
        # The HTTP header outranks a <meta> charset (HTML's own rule); bytes it cannot decode
        # are left for the ordinary sniffing.
        try:
            content = payload.decode(charset)
        except (LookupError, UnicodeDecodeError):
            content = payload
    return RawDocument(source=uri or path, content=content, kind="html",
                       input_id=record.rec_headers.get_header("WARC-Record-ID"), url=uri,
                       published_fallback=_warc_date(record.rec_headers.get_header("WARC-Date")))


def _http_charset(content_type: str) -> str | None:
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip(" \"'"):
            return value.strip(" \"'")
    return None


def _warc_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.strip()).date()
    except ValueError:
        return None


def _only_blank_after(stream: BinaryIO, offset: int) -> bool:
    try:
        stream.seek(offset)
        while chunk := stream.read(1 << 16):
            if chunk.strip():
                return False
    except (OSError, ValueError):
        return False
    return True


def _corrupt_warc(path: str, key_base: str, offset: int, records: int) -> InputItem:
    error = InputError(path, f"truncated or corrupt WARC data at byte {offset} after {records} whole record(s); "
                             "the rest of the file is skipped")
    return InputItem(f"{key_base}@{offset}", error)
