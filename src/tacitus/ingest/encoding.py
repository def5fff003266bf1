"""Bytes → text: takes the raw bytes of one input and gives a str, or an InputError for binary data.

Order of evidence: a byte-order mark, then (for markup) a declared charset, then strict UTF-8,
then charset-normalizer's guess with a windows-1252 prior, because the inputs are English news
and cp1252 is what legacy news systems wrote (curly quotes, dashes).
"""

from __future__ import annotations

import codecs
import re
import unicodedata

from charset_normalizer import from_bytes

from tacitus.errors import InputError

BINARY_MESSAGE = "binary file, not text or HTML"

# Longest marks first: the UTF-32 LE mark begins with the UTF-16 LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Signatures of formats people drop into news folders by mistake (gzip is unpacked by the reader).
BINARY_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "PDF"),
    (b"PK\x03\x04", "ZIP"),
    (b"PK\x05\x06", "ZIP"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "OLE (old Office)"),
)

# How far into a page the HTML standard's prescan looks for a declared charset, with slack.
_PRESCAN_BYTES = 4096
_META_CHARSET = re.compile(rb"<meta\b[^>]*?charset\s*=\s*[\"']?\s*([A-Za-z0-9_:.\-]+)", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"^\s*<\?xml\b[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9_:.\-]+)", re.IGNORECASE)

# The HTML standard maps these labels to windows-1252: pages that say latin-1 are cp1252 in practice.
_AS_CP1252 = frozenset({"ascii", "iso8859-1", "latin-1", "cp1252"})

# Real text carries almost no C0/C1 controls; decoded random bytes carry about a quarter.
_CONTROL_LIMIT = 0.10
_CONTROL_SAMPLE = 8192
_ALLOWED_CONTROLS = frozenset("\t\n\r\f\v")


def binary_format(data: bytes) -> str | None:
    """Name of a known binary format whose signature starts `data`, else None."""
    for magic, name in BINARY_MAGIC:
        if data.startswith(magic):
            return name
    return None


def bom_encoding(data: bytes) -> tuple[str, int] | None:
    """(codec, length of the mark) when `data` starts with a byte-order mark."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return codec, len(bom)
    return None


def declared_charset(data: bytes) -> str | None:
    """The charset an HTML/XHTML page declares in its first bytes, as a Python codec name.

    UTF-16/32 declarations are ignored, as browsers do: a page that could be read far enough
    to find the declaration is not in those encodings.
    """
    head = data[:_PRESCAN_BYTES]
    found = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    if found is None:
        return None
    try:
        codec = codecs.lookup(found.group(1).decode("ascii")).name
    except (LookupError, UnicodeDecodeError):
        return None
    if codec.startswith(("utf-16", "utf-32")):
        return None
    return "cp1252" if codec in _AS_CP1252 else codec


def decode_bytes(data: bytes, source: str, markup: bool = True) -> str:
    """Decode one input's bytes; raise InputError(source, BINARY_MESSAGE) when it is not text.

    `markup` says whether a declared HTML/XML charset may be honoured (not for .txt inputs).
    """
    if not data:
        return ""
    if binary_format(data) is not None:
        raise InputError(source, BINARY_MESSAGE)
    bom = bom_encoding(data)
    if bom is not None:
        codec, length = bom
        # The mark is the strongest evidence there is; a stray bad byte after it is replaced.
        text = data[length:].decode(codec, errors="replace")
    elif b"\x00" in data:
        codec16 = _utf16_without_bom(data)
        if codec16 is None:
            raise InputError(source, BINARY_MESSAGE)
        text = data.decode(codec16, errors="replace")
    else:
        text = _decode_single_or_utf8(data, markup)
    text = text.removeprefix("\ufeff")
    if _mostly_control(text):
        raise InputError(source, BINARY_MESSAGE)
    return text


def _decode_single_or_utf8(data: bytes, markup: bool) -> str:
    declared = declared_charset(data) if markup else None
    if declared is not None and declared != "utf-8":
        # A page declaring a legacy charset whose non-ASCII bytes are valid UTF-8 was re-encoded
        # by a CMS without fixing the header; UTF-8 sequences almost never occur in cp1252 prose.
        if not data.isascii():
            try:
                return data.decode("utf-8")
            except UnicodeDecodeError:
                pass
        try:
            return data.decode(declared)
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    return _guess(data)


def _guess(data: bytes) -> str:
    """charset-normalizer's best guess, overruled by cp1252 when both read as Latin script."""
    try:
        as_cp1252: str | None = data.decode("cp1252")
    except UnicodeDecodeError:
        as_cp1252 = None
    best = from_bytes(data).best()
    if best is not None:
        guessed = str(best)
        # charset-normalizer often picks cp1250 or a Mac code page for short English text;
        # when its reading is Latin script too, the English-news prior decides.
        if as_cp1252 is not None and _latin_only(guessed):
            return as_cp1252
        return guessed
    if as_cp1252 is not None:
        return as_cp1252
    return data.decode("latin-1")


def _latin_only(text: str) -> bool:
    for char in text:
        if ord(char) < 0x80 or not char.isalpha():
            continue
        if not unicodedata.name(char, "").startswith("LATIN"):
            return False
    return True


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text without a mark shows NULs in every other byte (the high byte of ASCII)."""
    sample = data[:_PRESCAN_BYTES]
    sample = sample[: len(sample) // 2 * 2]
    if len(sample) < 16:
        return None
    half = len(sample) // 2
    even_nuls = sample[0::2].count(0) / half
    odd_nuls = sample[1::2].count(0) / half
    if odd_nuls > 0.9 and even_nuls < 0.1:
        return "utf-16-le"
    if even_nuls > 0.9 and odd_nuls < 0.1:
        return "utf-16-be"
    return None


def _mostly_control(text: str) -> bool:
    sample = text[:_CONTROL_SAMPLE]
    if not sample:
        return False
    controls = sum(
        1 for char in sample
        if (ord(char) < 0x20 and char not in _ALLOWED_CONTROLS) or 0x7F <= ord(char) <= 0x9F
    )
    return controls / len(sample) > _CONTROL_LIMIT
