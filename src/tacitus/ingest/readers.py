"""Input readers: take paths (files, directories, JSON Lines, `-` for stdin) and give RawDocuments.

A problem with one input is yielded as an InputError in that input's place, never raised,
so one bad file or line does not stop a batch. Output follows input order.
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
import os
import sys
import zlib
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import IO, Any, BinaryIO

from tacitus.errors import InputError
from tacitus.ingest.encoding import BINARY_MESSAGE, binary_format, decode_bytes
from tacitus.models import RawDocument

STDIN_SOURCE = "<stdin>"

TEXT_SUFFIXES = frozenset({".txt", ".text", ".md"})
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
JSON_SUFFIXES = frozenset({".json"})
GZIP_SUFFIX = ".gz"
# What a directory walk picks up; anything else in a news folder (images, PDFs, notes) is skipped.
DIRECTORY_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES | JSON_SUFFIXES | {GZIP_SUFFIX}

_GZIP_MAGIC = b"\x1f\x8b"
_SNIFF_CHARS = 2048
_HTML_OPENINGS = ("<!doctype html", "<html", "<?xml")
_HTML_EARLY_TAGS = ("<body", "<p>", "<p ", "<head", "<article", "<div", "<meta", "<title")


def read_documents(paths: Sequence[str], stdin: BinaryIO | None = None) -> Iterator[RawDocument | InputError]:
    """One RawDocument (decoded, kind "text" or "html") per file or JSON Lines record, in order."""
    for path in paths:
        path = os.fspath(path)
        if path == "-":
            yield from _read_stdin(stdin)
        elif os.path.isdir(path):
            yield from _read_directory(path)
        else:
            yield from _read_file(path)


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


def _read_stdin(stdin: BinaryIO | None) -> Iterator[RawDocument | InputError]:
    stream: IO[bytes] = stdin if stdin is not None else sys.stdin.buffer
    try:
        data = _gunzip_if_compressed(stream.read(), STDIN_SOURCE)
        yield from _documents_from_bytes(data, STDIN_SOURCE, "auto")
    except OSError as err:
        yield InputError(STDIN_SOURCE, f"cannot read: {_os_reason(err)}")
    except InputError as err:
        yield err


def _read_directory(root: str) -> Iterator[RawDocument | InputError]:
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
        if error is not None:
            yield error
        else:
            yield from _read_file(path)


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
