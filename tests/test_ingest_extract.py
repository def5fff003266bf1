"""Tests for tacitus.ingest.extract: plain text and HTML articles written for these tests."""

from __future__ import annotations

import datetime
import io
import json
from pathlib import Path

import pytest

from tacitus.errors import InputError
from tacitus.ingest import extract_article, read_articles
from tacitus.models import Article, RawDocument

LEAD = (
    "A fragile ceasefire between government troops and the Northern Front held for a third day "
    "on Tuesday in the hill province of Varrosk, local officials said."
)
MEDIATORS = (
    "Mediators from the regional bloc met both delegations in the border town of Kelmar and urged "
    "them to open a corridor for aid convoys."
)
ACCUSATION = (
    "The Northern Front accused the army of shelling two villages on Sunday night, a charge the "
    "defence ministry denied."
)
FLIGHT = (
    "Aid agencies said about 4,000 people had fled the fighting since January and that food stocks "
    "in the province were running low."
)
CAPTION = "Displaced families queue for water at a camp outside Kelmar on Monday."

PAGE = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Ceasefire holds in Varrosk | The Daily Ledger</title>
<meta property="og:title" content="Ceasefire holds in Varrosk">
<meta property="og:site_name" content="The Daily Ledger">
<meta name="author" content="Mira Talven">
<meta property="article:published_time" content="2024-03-05T08:30:00Z">
<link rel="canonical" href="https://ledger.example.org/world/varrosk-ceasefire">
</head><body>
<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>
<article>
<h1>Ceasefire holds in Varrosk</h1>
<p>{LEAD}</p>
<p>{MEDIATORS}</p>
<figure><img src="camp.jpg" alt=""><figcaption>{CAPTION}</figcaption></figure>
<p>{ACCUSATION}</p>
<p>{FLIGHT}</p>
</article>
<footer><p>Copyright 2024 The Daily Ledger. All rights reserved.</p></footer>
</body></html>
"""


def html_doc(markup: str, **hints: str) -> RawDocument:
    return RawDocument(source="page.html", content=markup, kind="html", **hints)  # type: ignore[arg-type]


def text_doc(text: str, **hints: str) -> RawDocument:
    return RawDocument(source="story.txt", content=text, kind="text", **hints)  # type: ignore[arg-type]


def paragraph_texts(article: Article) -> list[tuple[str, bool]]:
    return [(article.text[p.start : p.end], p.caption) for p in article.paragraphs]


def assert_paragraphs_tile_the_text(article: Article) -> None:
    rebuilt = "\n\n".join(article.text[p.start : p.end] for p in article.paragraphs)
    assert rebuilt == article.text


def extraction_error(raw: RawDocument, **kwargs: object) -> InputError:
    with pytest.raises(InputError) as caught:
        extract_article(raw, **kwargs)  # type: ignore[arg-type]
    error = caught.value
    assert error.source == raw.source
    assert str(error).startswith(f"{raw.source}: ")
    return error


# --- plain text --------------------------------------------------------------------------------

def test_text_title_paragraphs_and_spans() -> None:
    raw = text_doc(f"Ceasefire holds in Varrosk   \r\n\r\n{LEAD}  \r\n\r\n\r\n\r\n{MEDIATORS}\r\n")
    article = extract_article(raw)
    assert article.title == "Ceasefire holds in Varrosk"
    assert article.text == f"Ceasefire holds in Varrosk\n\n{LEAD}\n\n{MEDIATORS}"
    assert paragraph_texts(article) == [
        ("Ceasefire holds in Varrosk", False), (LEAD, False), (MEDIATORS, False),
    ]
    assert_paragraphs_tile_the_text(article)
    assert article.source == "story.txt"
    assert article.language == "en"
    assert article.published is None


def test_text_hard_wrapped_paragraph_stays_one_paragraph() -> None:
    article = extract_article(text_doc("Troops withdrew from the ridge\nafter two days of talks.\n\nNext."))
    assert paragraph_texts(article)[0] == ("Troops withdrew from the ridge\nafter two days of talks.", False)
    assert article.title is None


@pytest.mark.parametrize(
    "first_line",
    [
        "The army withdrew from Kelmar on Monday.",  # ends a sentence
        "Talks " * 40,  # too long for a headline
    ],
)
def test_text_first_line_that_is_not_a_title(first_line: str) -> None:
    assert extract_article(text_doc(f"{first_line.strip()}\n\n{LEAD}")).title is None


def test_text_single_block_has_no_title() -> None:
    assert extract_article(text_doc("Ceasefire holds in Varrosk")).title is None


def test_markdown_heading_marks_are_not_part_of_the_title() -> None:
    article = extract_article(text_doc(f"# Ceasefire holds in Varrosk\n\n{LEAD}"))
    assert article.title == "Ceasefire holds in Varrosk"
    assert article.text.startswith("# Ceasefire")


def test_text_caption_lookalike_is_not_marked() -> None:
    article = extract_article(text_doc(f"Ceasefire holds\n\n{LEAD}\n\n{CAPTION}\n\n{FLIGHT}"))
    assert not any(p.caption for p in article.paragraphs)


def test_text_hints_win() -> None:
    raw = text_doc(f"Ceasefire holds\n\n{LEAD}", input_id="n-4", title="Truce in Varrosk",
                   url="https://example.org/n-4", published="2024-03-06T10:00:00+01:00")
    article = extract_article(raw)
    assert (article.input_id, article.title, article.url) == ("n-4", "Truce in Varrosk", "https://example.org/n-4")
    assert article.published == datetime.date(2024, 3, 6)


@pytest.mark.parametrize("content", ["", "   \n\n\t \r\n", "\ufeff  \n"])
def test_empty_article(content: str) -> None:
    assert extraction_error(text_doc(content)).reason == "empty article"


def test_bytes_content_is_decoded_and_sniffed() -> None:
    raw = RawDocument(source="blob", content=f"Truce in Varrosk\n\n\u201c{LEAD}\u201d".encode("cp1252"))
    article = extract_article(raw)
    assert article.title == "Truce in Varrosk"
    assert f"\u201c{LEAD}\u201d" in article.text


# --- HTML ------------------------------------------------------------------------------------

def test_html_metadata_text_and_caption() -> None:
    article = extract_article(html_doc(PAGE))
    assert article.title == "Ceasefire holds in Varrosk"
    assert article.published == datetime.date(2024, 3, 5)
    assert article.author == "Mira Talven"
    assert article.site == "The Daily Ledger"
    assert article.url == "https://ledger.example.org/world/varrosk-ceasefire"
    assert paragraph_texts(article) == [
        ("Ceasefire holds in Varrosk", False),
        (LEAD, False),
        (MEDIATORS, False),
        (CAPTION, True),
        (ACCUSATION, False),
        (FLIGHT, False),
    ]
    assert_paragraphs_tile_the_text(article)
    assert "Home" not in article.text and "Copyright" not in article.text


def test_html_title_is_prepended_when_the_body_lacks_it() -> None:
    page = (
        "<html><head><title>Talks resume in Orvena</title></head><body><div class='story'>"
        f"<p>{LEAD}</p><p>{MEDIATORS}</p><p>{ACCUSATION}</p></div></body></html>"
    )
    article = extract_article(html_doc(page))
    assert article.title == "Talks resume in Orvena"
    assert paragraph_texts(article)[:2] == [("Talks resume in Orvena", False), (LEAD, False)]
    assert article.text.count("Talks resume in Orvena") == 1


def test_html_caption_classes_outermost_element_and_no_duplicates() -> None:
    convoy = "A convoy of the regional force waits at a checkpoint near Darel on Sunday."
    market = "Residents of Darel gather at a market reopened last week."
    lead_caption = "Delegates arrive for the second round of talks in Orvena."
    page = f"""<html><head><title>Talks resume</title></head><body><div class="story">
<figure><img src="a.jpg"><figcaption class="caption"><span class="caption-text">{lead_caption}</span>
<span class="caption-credit">Photo: Staff</span></figcaption></figure>
<p>{LEAD}</p>
<p class="caption">{convoy}</p>
<p>{MEDIATORS}</p>
<div class="share"><p>Share this story</p></div>
<div class="wp-caption"><img src="b.jpg"><p class="wp-caption-text">{market}</p></div>
<figure><img src="c.jpg"><figcaption>{market}</figcaption></figure>
<p>{ACCUSATION}</p>
</div></body></html>"""
    article = extract_article(html_doc(page))
    assert paragraph_texts(article) == [
        ("Talks resume", False),
        (LEAD, False),
        (convoy, True),
        (MEDIATORS, False),
        (market, True),  # anchored past the "Share this story" line trafilatura removed; shown once
        (ACCUSATION, False),
        (f"{lead_caption} Photo: Staff", True),  # nothing before it in the page: appended
    ]
    assert_paragraphs_tile_the_text(article)


def test_two_figures_after_one_paragraph_keep_page_order() -> None:
    first, second = "Soldiers load sandbags onto a truck in Kelmar.", "A checkpoint on the road to Darel."
    page = (
        f"<html><body><article><p>{LEAD}</p><figure><figcaption>{first}</figcaption></figure>"
        f"<figure><figcaption>{second}</figcaption></figure><p>{MEDIATORS}</p></article></body></html>"
    )
    texts = [text for text, _ in paragraph_texts(extract_article(html_doc(page)))]
    assert texts == [LEAD, first, second, MEDIATORS]


def test_caption_words_inside_a_body_paragraph_do_not_make_it_a_caption() -> None:
    caption = "Kelmar residents queue for water at the camp"
    body = f"Aid workers said {caption} for up to six hours a day, and that supplies were short."
    page = (
        f"<html><body><article><p>{LEAD}</p><p>{body}</p><figure><figcaption>{caption}</figcaption></figure>"
        f"<p>{FLIGHT}</p></article></body></html>"
    )
    assert paragraph_texts(extract_article(html_doc(page))) == [
        (LEAD, False), (body, False), (caption, True), (FLIGHT, False),
    ]


def test_xhtml_with_xml_encoding_declaration() -> None:
    page = (
        '<?xml version="1.0" encoding="windows-1252"?>\n<html xmlns="http://www.w3.org/1999/xhtml">'
        f"<head><title>Truce</title></head><body><p>\u201c{LEAD}\u201d</p></body></html>"
    )
    article = extract_article(RawDocument(source="page.xhtml", content=page.encode("cp1252"), kind="html"))
    assert article.text == f"Truce\n\n\u201c{LEAD}\u201d"


def test_html_fragment_without_document_tags() -> None:
    article = extract_article(html_doc(f"<p>{LEAD}</p>\n<p>{MEDIATORS}</p>"))
    assert [text for text, _ in paragraph_texts(article)] == [LEAD, MEDIATORS]


@pytest.mark.parametrize(
    "page",
    [
        "<html><body><nav><a href='/'>Home</a> <a href='/a'>About</a></nav></body></html>",
        "<html><head><title>Photo gallery</title></head><body><p>Gallery</p></body></html>",
        "<html><body><script>var x = 1;</script></body></html>",
    ],
)
def test_html_without_article_text(page: str) -> None:
    assert extraction_error(html_doc(page)).reason == "no article text found in HTML"


def test_html_declared_charset_bytes_through_extraction() -> None:
    page = PAGE.replace('charset="utf-8"', 'charset="windows-1252"').replace(LEAD, f"\u201c{LEAD}\u201d")
    raw = RawDocument(source="page.htm", content=page.encode("cp1252"), kind="html")
    assert f"\u201c{LEAD}\u201d" in extract_article(raw).text


# --- publication date precedence -------------------------------------------------------------

def test_published_argument_beats_hint_and_metadata() -> None:
    raw = html_doc(PAGE, published="2024-03-07")
    assert extract_article(raw, published=datetime.date(2024, 3, 9)).published == datetime.date(2024, 3, 9)
    assert extract_article(raw).published == datetime.date(2024, 3, 7)
    assert extract_article(html_doc(PAGE)).published == datetime.date(2024, 3, 5)


def test_published_argument_as_datetime_becomes_a_date() -> None:
    moment = datetime.datetime(2024, 3, 9, 22, 15)
    assert extract_article(text_doc(LEAD), published=moment).published == datetime.date(2024, 3, 9)


def test_hinted_url_and_title_beat_metadata() -> None:
    article = extract_article(html_doc(PAGE, url="https://mirror.example.net/1", title="Varrosk truce holds"))
    assert article.url == "https://mirror.example.net/1"
    assert article.title == "Varrosk truce holds"
    # The page's own headline already opens the text, so the hinted title is not added as well.
    assert article.text.startswith("Ceasefire holds in Varrosk\n\n")


def test_invalid_published_hint() -> None:
    error = extraction_error(text_doc(LEAD, published="next week"))
    assert error.reason == "invalid published date 'next week'"


# --- read_articles -------------------------------------------------------------------------------

def test_read_articles_yields_errors_in_place(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text(
        "\n".join(json.dumps(record) for record in [
            {"id": "t1", "text": f"Truce in Varrosk\n\n{LEAD}", "published": "2024-03-05"},
            {"id": "t2", "text": "   "},
            {"id": "h1", "html": PAGE, "published": "2024-03-04"},
            {"id": "h2", "html": "<html><body><nav>Home</nav></body></html>"},
        ]),
        encoding="utf-8",
    )
    story = tmp_path / "story.txt"
    story.write_text(f"Kelmar talks\n\n{MEDIATORS}\n", encoding="utf-8")
    items = list(read_articles([str(feed), str(tmp_path / "gone.txt"), str(story)]))
    assert [type(item).__name__ for item in items] == [
        "Article", "InputError", "Article", "InputError", "InputError", "Article",
    ]
    first, empty, page, no_text, missing, plain = items
    assert isinstance(first, Article) and first.input_id == "t1"
    assert first.source == f"{feed}:1" and first.published == datetime.date(2024, 3, 5)
    assert isinstance(page, Article) and page.published == datetime.date(2024, 3, 4)
    assert any(p.caption for p in page.paragraphs)
    assert str(empty) == f"{feed}:2: empty article"
    assert str(no_text) == f"{feed}:4: no article text found in HTML"
    assert str(missing) == f"{tmp_path / 'gone.txt'}: no such file"
    assert isinstance(plain, Article) and plain.title == "Kelmar talks"


def test_read_articles_override_date_and_stdin() -> None:
    items = list(read_articles(["-"], published=datetime.date(2024, 1, 2), stdin=io.BytesIO(PAGE.encode())))
    assert len(items) == 1 and isinstance(items[0], Article)
    assert items[0].source == "<stdin>"
    assert items[0].published == datetime.date(2024, 1, 2)
