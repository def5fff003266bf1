"""GeoWebNews scoring: the loader, span matching, distances and the report.

The gold file is a tiny GWN.xml written here in GeoWebNews's layout with sentences written for these
tests; a fake pipeline returns canned places per article, so no spaCy is needed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from tacitus.errors import InputError
from tacitus.evaluate.geo import GWN_FILE, evaluate_geo, match_toponym, read_geowebnews
from tacitus.models import Article, DocumentInfo, DocumentResult, PlaceRef

# Article 0: "Gao" (literal, coordinates), "Malian" (adjective modifier, coordinates), "troops" (no
# coordinates: not scored). Article 1: "Paris" (metonymic) and a mis-annotated span before the text.
TEXT_0 = "Malian troops returned to Gao on Monday."
TEXT_1 = "Paris said the talks would go on."
GWN = f"""<?xml version="1.0" ?>
<articles>
  <article file="0">
    <title>Troops return</title>
    <link>http://example.org/0</link>
    <text>{TEXT_0}</text>
    <toponyms>
      <toponym><extractedName>Gao</extractedName><normalisedName>Gao</normalisedName><type>Literal</type>
        <modifierType/><nonLocational>No</nonLocational><start>26</start><end>29</end>
        <geonamesID>2457163</geonamesID><latitude>16.27</latitude><longitude>-0.04</longitude></toponym>
      <toponym><extractedName>Malian</extractedName><normalisedName>Mali</normalisedName>
        <type>Non_Literal_Modifier</type><modifierType>Adjective</modifierType><nonLocational>No</nonLocational>
        <start>0</start><end>6</end><geonamesID>2453866</geonamesID><latitude>17.0</latitude>
        <longitude>-4.0</longitude></toponym>
      <toponym><extractedName>troops</extractedName><normalisedName/><type>Non_Lit_Expression</type>
        <modifierType/><nonLocational>Yes</nonLocational><start>7</start><end>13</end></toponym>
    </toponyms>
  </article>
  <article file="1">
    <title>Talks</title>
    <link>http://example.org/1</link>
    <text>{TEXT_1}</text>
    <toponyms>
      <toponym><extractedName>Paris</extractedName><normalisedName>Paris</normalisedName><type>Metonymic</type>
        <modifierType/><nonLocational>No</nonLocational><start>0</start><end>5</end>
        <geonamesID>2988507</geonamesID><latitude>48.85</latitude><longitude>2.35</longitude></toponym>
      <toponym><extractedName>France</extractedName><normalisedName>France</normalisedName>
        <type>Literal</type><modifierType/><nonLocational>No</nonLocational><start>-20</start><end>-14</end>
        <geonamesID>3017382</geonamesID><latitude>46.0</latitude><longitude>2.0</longitude></toponym>
    </toponyms>
  </article>
</articles>
"""


def place(text: str, start: int, lat: float, lon: float, geonameid: int | None = None) -> PlaceRef:
    return PlaceRef(text=text, name=text, lat=lat, lon=lon, start=start, end=start + len(text),
                    geonameid=geonameid, precision="point")


class CannedPipeline:
    """Answers each article, by its position, with the places given; records what it was asked."""

    def __init__(self, answers: list[list[PlaceRef]]) -> None:
        self.answers = answers
        self.texts: list[str] = []

    def run(self, articles: Iterable[Article]) -> Iterator[DocumentResult]:
        for article, places in zip(articles, self.answers, strict=True):
            self.texts.append(article.text)
            info = DocumentInfo(id=article.id, source=article.source, input_id=article.input_id,
                                title=article.title, published=None, language="en", text_chars=len(article.text))
            yield DocumentResult(info, article.text, places=places)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / GWN_FILE
    path.parent.mkdir(parents=True)
    path.write_text(GWN, encoding="utf-8")
    return tmp_path


def test_reader_keeps_spans_inside_the_text(data_dir: Path) -> None:
    first, second = read_geowebnews(data_dir)
    assert (first.id, first.title, first.text) == ("0", "Troops return", TEXT_0)
    assert [(t.text, t.type, t.coordinated) for t in first.toponyms] == [
        ("Gao", "Literal", True), ("Malian", "Non_Literal_Modifier", True), ("troops", "Non_Lit_Expression", False)]
    assert first.toponyms[1].modifier == "Adjective" and first.toponyms[0].geonameid == 2457163
    assert [t.text for t in second.toponyms] == ["Paris"] and second.skipped == 1


def test_scores_recall_distance_and_false_places(data_dir: Path) -> None:
    pipeline = CannedPipeline([
        # Gao right (about 3 km off), Malian found but placed at Mali's point far away, a false place.
        [place("Gao", 26, 16.28, -0.02, 2457163), place("Malian", 0, 12.6, -8.0, 2453866),
         place("Monday", 33, 0.0, 0.0)],
        [],  # Paris missed
    ])
    report = evaluate_geo(data_dir, pipeline)
    assert pipeline.texts == [TEXT_0, TEXT_1]
    figures = report.figures()
    assert set(figures) == {"toponym_recall", "accuracy_161km", "median_error_km"}
    assert figures["toponym_recall"] == pytest.approx(2 / 3)
    assert figures["accuracy_161km"] == pytest.approx(1 / 2)
    errors = sorted(o.error_km for o in report.outcomes if o.error_km is not None)
    assert errors[0] < 5 and 600 < errors[1] < 700  # Gao; Mali's two points, about 640 km apart
    assert figures["median_error_km"] == pytest.approx(sum(errors) / 2)
    stats = report.stats()
    assert stats["far_same_entity"] == 1  # the right entry, at another point
    assert stats["false_place_rate"] == pytest.approx(1 / 3)
    assert report.skipped == 1 and report.system_places == 3
    by_type = report.by_type()
    assert by_type["Metonymic"]["toponym_recall"] == 0.0 and by_type["Literal"]["accuracy_161km"] == 1.0
    out = report.to_dict()
    assert out["figures"]["found"] == 2 and [m["text"] for m in out["misses"]] == ["Malian", "Paris"]
    text = report.format()
    assert "Non_Literal_Modifier" in text and "toponym_recall=2/3" in text.splitlines()[-1]


def test_a_place_overlapping_most_of_the_span_is_the_match(data_dir: Path) -> None:
    [first, _] = read_geowebnews(data_dir)
    gao = first.toponyms[0]
    touching = place("to Gao", 23, 0.0, 0.0)  # 3 characters shared
    inside = place("Ga", 26, 16.27, -0.04)  # 2 characters shared
    assert match_toponym(gao, [inside, touching]) is touching
    assert match_toponym(gao, [place("returned", 14, 0.0, 0.0)]) is None


def test_bad_inputs_name_the_file(tmp_path: Path, data_dir: Path) -> None:
    with pytest.raises(InputError, match="GWN.xml: gold file not found"):
        read_geowebnews(tmp_path / "nowhere")
    path = data_dir / GWN_FILE
    path.write_text("<articles><article>", encoding="utf-8")
    with pytest.raises(InputError, match="GWN.xml: not well-formed XML"):
        read_geowebnews(data_dir)
    path.write_text("<articles/>", encoding="utf-8")
    with pytest.raises(InputError, match="no <article> records"):
        read_geowebnews(data_dir)
    path.write_text(GWN.replace("<start>26</start>", "<start>x</start>"), encoding="utf-8")
    with pytest.raises(InputError, match="article 0: toponym without integer start/end"):
        read_geowebnews(data_dir)
    path.write_text(GWN.replace("<latitude>16.27</latitude>", "<latitude>north</latitude>"), encoding="utf-8")
    with pytest.raises(InputError, match="not numbers"):
        read_geowebnews(data_dir)
