"""Article extraction: takes a RawDocument and gives an Article (clean text, paragraph spans, metadata).

Plain text is split on blank lines. HTML goes through trafilatura for the article body and its
metadata; figure captions, which trafilatura drops and which often report events, are put back
as paragraphs marked `caption=True`, after the paragraph that precedes the figure in the page.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import BinaryIO

from lxml.html import HtmlElement
from trafilatura import bare_extraction, load_html

from tacitus.errors import InputError
from tacitus.ingest.readers import document_text, parse_published, read_documents
from tacitus.models import Article, Paragraph, RawDocument, normalize_text

LANGUAGE = "en"  # no language detection yet; every input is taken as English
MIN_HTML_TEXT_CHARS = 40  # below this, trafilatura found navigation or a teaser, not an article
TITLE_MAX_CHARS = 200
CAPTION_MAX_CHARS = 1000  # longer "caption" elements are layout containers, not captions
# How many text blocks before a figure are tried as its anchor: the nearest may be boilerplate
# that trafilatura removed (a "share this" line, an ad label).
CAPTION_ANCHOR_DEPTH = 5
MIN_ANCHOR_OVERLAP_CHARS = 20

_ANCHOR_TAGS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote"})
_CAPTION_XPATH = "//figcaption | //*[contains(translate(@class, 'CAPTION', 'caption'), 'caption')]"
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_MARKDOWN_HEADING = re.compile(r"^#{1,6}\s+")
_BLANK_LINES = re.compile(r"\n{2,}")
_TITLE_TRIM = " \t.:;,!?-–—|"


def extract_article(raw: RawDocument, published: date | None = None) -> Article:
    """The Article in `raw` (a RawDocument); InputError when there is none.

    Publication date precedence: `published` (a command-line override) > the input's hint
    (JSON Lines `published`) > the page's metadata > a WARC record's capture date > None.
    Hinted url and title win likewise.
    """
    text, kind = document_text(raw)
    if not text.strip():
        raise InputError(raw.source, "empty article")
    if kind == "html":
        article = _html_article(text, raw)
    else:
        article = _text_article(text, raw)
    if published is not None:
        article.published = published.date() if isinstance(published, datetime) else published
    elif raw.published:
        article.published = parse_published(raw.published, raw.source)
    elif article.published is None:
        article.published = raw.published_fallback
    return article


def read_articles(
    paths: Sequence[str], published: date | None = None, stdin: BinaryIO | None = None
) -> Iterator[Article | InputError]:
    """read_documents + extract_article; errors are yielded in place, never raised."""
    for item in read_documents(paths, stdin=stdin):
        if isinstance(item, InputError):
            yield item
            continue
        try:
            yield extract_article(item, published=published)
        except InputError as err:
            yield err


def _text_article(text: str, raw: RawDocument) -> Article:
    text = normalize_text(text)
    blocks = [block for block in _BLANK_LINES.split(text) if block.strip()]
    title = raw.title or _text_title(blocks)
    body, paragraphs = _join_paragraphs(blocks, [False] * len(blocks))
    return Article(
        text=body,
        source=raw.source,
        input_id=raw.input_id,
        title=title,
        url=raw.url,
        language=LANGUAGE,
        paragraphs=paragraphs,
    )


def _text_title(blocks: list[str]) -> str | None:
    """A first line that stands alone, is short and does not end a sentence reads as a headline."""
    if len(blocks) < 2 or "\n" in blocks[0]:
        return None
    line = _MARKDOWN_HEADING.sub("", blocks[0].strip())
    if not line or len(line) >= TITLE_MAX_CHARS or line.endswith("."):
        return None
    return line


def _html_article(markup: str, raw: RawDocument) -> Article:
    try:
        tree = _parse_html(markup)
        captions = _collect_captions(tree) if tree is not None else []
        document = None if tree is None else bare_extraction(
            tree,
            url=raw.url,
            with_metadata=True,
            include_comments=False,
            include_tables=False,
            favor_precision=False,
        )
    except Exception as err:  # noqa: BLE001 - third-party parsing of arbitrary markup; one page must not stop a batch
        raise InputError(raw.source, f"HTML extraction failed ({type(err).__name__}: {err})") from None
    body_text = getattr(document, "text", None) or ""
    if len(body_text.strip()) < MIN_HTML_TEXT_CHARS:
        raise InputError(raw.source, "no article text found in HTML")

    paragraphs = [
        unicodedata.normalize("NFC", line.strip()) for line in body_text.split("\n") if line.strip()
    ]
    meta_title = _clean(getattr(document, "title", None))
    title = raw.title or meta_title
    if title and not _starts_with_title(paragraphs[0], (raw.title, meta_title)):
        paragraphs.insert(0, unicodedata.normalize("NFC", title))
    marks = _place_captions(paragraphs, captions)
    body, spans = _join_paragraphs(paragraphs, marks)
    return Article(
        text=body,
        source=raw.source,
        input_id=raw.input_id,
        title=title,
        published=_metadata_date(getattr(document, "date", None)),
        author=_clean(getattr(document, "author", None)),
        site=_clean(getattr(document, "sitename", None)),
        url=raw.url or _clean(getattr(document, "url", None)),
        language=LANGUAGE,
        paragraphs=spans,
    )


def _parse_html(markup: str) -> HtmlElement | None:
    # The text is decoded already; a leftover encoding declaration would only confuse lxml.
    markup = _XML_DECLARATION.sub("", markup, count=1)
    tree = load_html(markup)
    if tree is None:
        # trafilatura rejects bare fragments ("<p>…</p><p>…</p>"); give them a document around them.
        tree = load_html(f"<html><body>{markup}</body></html>")
    return tree


def _collect_captions(tree: HtmlElement) -> list[tuple[str, list[str]]]:
    """(caption text, texts of the blocks before it, nearest first) for each figure caption."""
    found = tree.xpath(_CAPTION_XPATH)
    if not found:
        return []
    candidates = set(found)
    # The outermost element holds the whole caption; inner "caption-text" / "caption-credit" parts are pieces.
    outermost = {el for el in found if not any(a in candidates for a in el.iterancestors())}
    inside = {d for el in outermost for d in el.iterdescendants()}
    captions: list[tuple[str, list[str]]] = []
    seen: set[str] = set()
    blocks: list[str] = []
    for el in tree.iter():
        if el in outermost:
            text = _squash(el.text_content())
            if text and len(text) <= CAPTION_MAX_CHARS and text not in seen:
                seen.add(text)
                captions.append((text, blocks[-CAPTION_ANCHOR_DEPTH:][::-1]))
        elif el.tag in _ANCHOR_TAGS and el not in inside:
            text = _squash(el.text_content())
            if text:
                blocks.append(text)
    return captions


def _place_captions(paragraphs: list[str], captions: list[tuple[str, list[str]]]) -> list[bool]:
    """Insert captions into `paragraphs` in place; return which paragraphs are captions."""
    marks = [False] * len(paragraphs)
    squashed = [_squash(p) for p in paragraphs]
    for caption, anchors in captions:
        kept = _find_kept_caption(squashed, caption)
        if kept is not None:
            # trafilatura kept it (e.g. a <p class="caption"> inside the article): mark, don't repeat.
            marks[kept] = True
            continue
        position = len(paragraphs)
        for anchor in anchors:
            index = _find_block(squashed, anchor)
            if index is not None:
                position = index + 1
                # Several figures after one paragraph keep their page order.
                while position < len(paragraphs) and marks[position]:
                    position += 1
                break
        paragraphs.insert(position, caption)
        squashed.insert(position, caption)
        marks.insert(position, True)
    return marks


def _find_kept_caption(squashed: list[str], caption: str) -> int | None:
    """A paragraph that is the caption, or most of it (the credit line dropped).

    Not the other way round: a caption quoted inside a body paragraph leaves that paragraph body text.
    """
    for index, paragraph in enumerate(squashed):
        if paragraph == caption or (2 * len(paragraph) >= len(caption) and paragraph in caption):
            return index
    return None


def _find_block(squashed: list[str], text: str) -> int | None:
    for index, paragraph in enumerate(squashed):
        if paragraph == text:
            return index
    for index, paragraph in enumerate(squashed):
        shorter, longer = sorted((paragraph, text), key=len)
        if len(shorter) >= MIN_ANCHOR_OVERLAP_CHARS and shorter in longer:
            return index
    return None


def _starts_with_title(first_paragraph: str, titles: tuple[str | None, ...]) -> bool:
    first = _title_key(first_paragraph)
    keys = [_title_key(title) for title in titles if title]
    return any(key and first.startswith(key) for key in keys)


def _title_key(text: str) -> str:
    return _squash(text).casefold().strip(_TITLE_TRIM)


def _join_paragraphs(blocks: list[str], marks: list[bool]) -> tuple[str, list[Paragraph]]:
    spans: list[Paragraph] = []
    offset = 0
    for block, caption in zip(blocks, marks, strict=True):
        spans.append(Paragraph(start=offset, end=offset + len(block), caption=caption))
        offset += len(block) + 2
    return "\n\n".join(blocks), spans


def _metadata_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _clean(value: str | None) -> str | None:
    if not value:
        return None
    value = _squash(value)
    return value or None


def _squash(text: str) -> str:
    return " ".join(text.split())
