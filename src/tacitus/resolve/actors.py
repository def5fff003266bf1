"""Actors: a registry (seed data + what is learned while reading) and mention resolution.

`ActorRegistry.load()` reads the seed files in `resolve/data/`; `ActorResolver` turns a
noun-phrase span into an `ActorRef` (name, ISO3 country or IGO, sector, registry id),
learning affiliations such as "Russian Foreign Minister Sergey Lavrov" → RUS/GOV so a
later bare "Lavrov" resolves too.
"""

from __future__ import annotations

import csv
import functools
import json
import re
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from spacy.tokens import Doc, Span, Token

from ..errors import DataError
from ..models import SECTORS, ActorRef, content_id, strip_accents
from ..nlp import doc_text, in_dateline, sentence_of, span_text


@functools.lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Case- and accent-insensitive key: "Goïta" and "GOITA" meet at "goita". Cached: the same
    few thousand words and phrases are folded again and again."""
    text = strip_accents(text).replace("’", "'").replace("‘", "'")
    return re.sub(r"\s+", " ", text).strip().lower()


@dataclass(frozen=True)
class ActorEntry:
    id: str
    name: str
    country: str | None
    sector: str | None
    kind: str  # country | org | group | person | mission | institution | learned
    aliases: tuple[str, ...] = ()
    note: str | None = None


@dataclass(frozen=True)
class Country:
    iso3: str
    name: str
    aliases: tuple[str, ...]
    demonyms: tuple[str, ...]
    capitals: tuple[str, ...]
    lat: float | None
    lon: float | None


@dataclass
class Learned:
    """An affiliation learned from text, kept with its evidence."""

    entry: ActorEntry
    evidence: str
    document_id: str | None = None


def _data_path(name: str) -> Path:
    return Path(str(resources.files("tacitus.resolve") / "data" / name))


def _read_tsv(path: Path) -> Iterator[dict[str, str]]:
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            rows = (line for line in fh if line.strip() and not line.startswith("#"))
            yield from csv.DictReader(rows, delimiter="\t", quoting=csv.QUOTE_NONE)
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror})") from exc


def _split(cell: str | None) -> tuple[str, ...]:
    return tuple(p.strip() for p in (cell or "").split("|") if p.strip())


class ActorRegistry:
    """Seed registry: countries (names, demonyms, capitals), organisations, people, roles."""

    def __init__(self, countries: Iterable[Country], entries: Iterable[ActorEntry],
                 roles: Iterable[tuple[str, str, str]]) -> None:
        self.countries: dict[str, Country] = {}
        self.entries: dict[str, ActorEntry] = {}
        self._by_alias: dict[str, list[ActorEntry]] = {}
        self._by_fold: dict[str, list[ActorEntry]] = {}
        self.demonyms: dict[str, str] = {}   # folded demonym → ISO3
        self.capitals: dict[str, str] = {}   # folded capital → ISO3
        self.country_names: dict[str, str] = {}  # folded name/alias → ISO3
        self.roles: dict[str, tuple[str, str]] = {}  # folded role → (sector, kind)
        for c in countries:
            self.countries[c.iso3] = c
            entry = ActorEntry(c.iso3, c.name, c.iso3, "GOV", "country", (c.name, *c.aliases))
            self._add(entry)
            for n in (c.name, *c.aliases):
                self.country_names.setdefault(fold(n), c.iso3)
            for d in c.demonyms:
                self.demonyms.setdefault(fold(d), c.iso3)
            for cap in c.capitals:
                self.capitals.setdefault(fold(cap), c.iso3)
        for e in entries:
            self._add(e)
        for role, sector, kind in roles:
            self.roles[fold(role)] = (sector, kind)
        self._max_role_words = max((len(r.split()) for r in self.roles), default=1)

    def _add(self, entry: ActorEntry) -> None:
        self.entries[entry.id] = entry
        for alias in {entry.name, *entry.aliases}:
            self._by_alias.setdefault(alias, []).append(entry)
            self._by_fold.setdefault(fold(alias), []).append(entry)

    @classmethod
    def load(cls, data_dir: Path | None = None) -> ActorRegistry:
        base = data_dir or _data_path("")
        countries = []
        for row in _read_tsv(base / "countries.tsv"):
            try:
                lat = float(row["lat"]) if row.get("lat") else None
                lon = float(row["lon"]) if row.get("lon") else None
            except ValueError as exc:
                raise DataError(f"{base / 'countries.tsv'}: bad coordinates for {row.get('iso3')}") from exc
            countries.append(Country(row["iso3"], row["name"], _split(row.get("aliases")),
                                     _split(row.get("demonyms")), _split(row.get("capitals")), lat, lon))
        entries = []
        path = base / "actors.jsonl"
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise DataError(f"{path}: cannot read ({exc.strerror})") from exc
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                sector = obj.get("sector")
                if sector is not None and sector not in SECTORS:
                    raise ValueError(f"unknown sector {sector!r}")
                entries.append(ActorEntry(obj["id"], obj["name"], obj.get("country"), sector,
                                          obj.get("kind", "org"), tuple(obj.get("aliases", ())),
                                          obj.get("note")))
            except (ValueError, KeyError, TypeError) as exc:
                raise DataError(f"{path}:{n}: bad actor record ({exc})") from exc
        roles = [(r["role"], r["sector"], r.get("kind") or "group") for r in _read_tsv(base / "roles.tsv")]
        return cls(countries, entries, roles)

    # -- look-ups -------------------------------------------------------------------------
    def by_alias(self, text: str, learned: dict[str, Learned] | None = None) -> ActorEntry | None:
        """Exact spelling first (so "US" is not "us"), then case/accent-insensitive for
        multi-word names only, then what this document taught (`learned`)."""
        hits = self._by_alias.get(text)
        if not hits and "." in text and not text.endswith("."):
            hits = self._by_alias.get(text + ".")  # "U.S" written without its final period
        if not hits and (" " in text.strip() or len(text) > 4):
            hits = self._by_fold.get(fold(text))
        if not hits:
            known = learned.get(fold(text)) if learned else None
            return known.entry if known else None
        # Several entries share an alias ("Congo"): prefer organisations named so exactly,
        # then countries.
        return sorted(hits, key=lambda e: (e.kind == "country", e.id))[0]

    def role(self, text: str) -> tuple[str, str] | None:
        return self.roles.get(fold(text))

    def learn(self, memory: dict[str, Learned], name: str, country: str | None, sector: str | None,
              evidence: str, document_id: str | None = None) -> ActorEntry:
        """Record in `memory` that `name` (a person or organisation) belongs to country/sector.

        The memory is a document's: what one article teaches resolves its own later mentions
        ("Lavrov" after "Russian Foreign Minister Sergey Lavrov"), so a document's output never
        depends on which documents the process read before it."""
        key = fold(name)
        known = memory.get(key)
        if known and known.entry.country == country and known.entry.sector == sector:
            return known.entry
        aliases = [name]
        parts = name.split()
        if len(parts) >= 2 and parts[-1][:1].isupper() and len(parts[-1]) > 3:
            aliases.append(parts[-1])  # surname: later bare "Lavrov" resolves
        entry = ActorEntry("learned:" + content_id(key, country or "", sector or "", length=12), name,
                           country, sector, "learned", tuple(aliases))
        for alias in aliases:
            memory[fold(alias)] = Learned(entry, evidence, document_id)
        return entry

    def ruler_names(self) -> Iterator[tuple[str, str]]:
        """Surface forms for the entity ruler: people PERSON, organisations ORG, demonyms NORP."""
        for e in self.entries.values():
            if e.kind == "country":
                continue  # the gazetteer tags country names as GPE
            label = "PERSON" if e.kind == "person" else "ORG"
            for alias in {e.name, *e.aliases}:
                # A single lower-case word is a role, not a name.
                if alias[:1].isupper() or any(ch.isdigit() for ch in alias):
                    yield alias, label
        for c in self.countries.values():
            for d in c.demonyms:
                yield d, "NORP"
            for cap in c.capitals:
                yield cap, "GPE"


# ---------------------------------------------------------------------------------------
# Mention resolution

# Determiners and pronouns that refer back to an actor already named in the article.
_ANAPHORS = {
    "he": "person", "him": "person", "his": "person", "she": "person", "her": "person",
    "it": "org", "its": "org", "they": "group", "them": "group", "their": "group",
}
# "The group", "the mission": which antecedents each can refer back to (None: any non-state actor).
_GROUP_HEADS: dict[str, frozenset[str] | None] = {
    "group": None, "organization": None, "organisation": None, "movement": None, "outfit": None,
    "faction": None, "coalition": None, "alliance": None,
    "company": frozenset({"PMC", "BUS"}), "militia": frozenset({"MIL-ID", "REB", "INS"}),
    "mission": frozenset({"PKO", "IGO"}), "force": frozenset({"PKO", "MIL", "PMC", "IGO"}),
    "forces": frozenset({"PKO", "MIL", "PMC", "IGO"}),
}
_STATE_SECTORS = frozenset({"GOV", "MIL", "POL", "JUD", "LEG"})
_NAME_LABELS = {"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC"}
_NP_LEFT_DEPS = {"compound", "amod", "det", "poss", "nmod", "nummod", "quantmod", "case", "punct"}


def _names_a_place_or_group(prep: Token) -> bool:
    """"of Morocco", "in south Serbia", "from two American aid groups": a short complement
    holding a name, which says whose or where the head is."""
    span = prep.doc[prep.i:prep.right_edge.i + 1]
    return len(span) <= 8 and any(t.pos_ == "PROPN" or t.ent_type_ in {"NORP", "GPE", "ORG"} for t in span) \
        and not any(t.pos_ in {"VERB", "AUX"} for t in span)


def noun_phrase(token: Token) -> Span:
    """The actor phrase headed by `token`: its left modifiers, a flat name, an apposition that
    names or describes it ("Kenzo Oshima, the U.N. relief coordinator"), a short "of / in / from /
    for" complement with a name ("Rebels in the Ivory Coast") or a participle or adjective with one
    ("militants loyal to X", "a newspaper based in Beirut"); no relative clauses."""
    doc = token.doc
    start = token.i
    for child in token.lefts:
        if child.dep_ in _NP_LEFT_DEPS or child.ent_type_:
            start = min(start, child.left_edge.i)
    end = token.i + 1
    for child in token.rights:
        if child.dep_ in {"compound", "flat", "nmod"} or (child.dep_ == "appos" and child.left_edge.i <= end + 1 and (
                child.ent_type_ or token.pos_ == "PROPN" or any(t.ent_type_ for t in child.lefts))):
            end = max(end, child.i + 1)
        elif child.dep_ == "case":  # possessive 's
            end = max(end, child.i + 1)
        elif child.dep_ == "prep" and child.lower_ in {"of", "in", "from", "for"} and child.i == end \
                and _names_a_place_or_group(child):
            end = max(end, child.right_edge.i + 1)
        elif child.dep_ in {"acl", "amod"} and child.i == end and child.tag_ in {"VBN", "JJ"} and any(
                p.dep_ == "prep" and _names_a_place_or_group(p) for p in child.children):
            # "militants loyal to X", "a newspaper based in Beirut", "workers affiliated with the union"
            end = max(end, child.right_edge.i + 1)
    while start < end - 1 and (doc[start].is_punct or doc[start].lower_ in {"the", "a", "an"}):
        start += 1
    while end - 1 > start and doc[end - 1].is_punct:
        end -= 1
    if end - start >= 2 and doc[end - 1].lower_ in {"'s", "’s", "'"}:
        end -= 1
    return Span(doc, start, end)  # not `doc[start:end]`: spaCy's slicing is twice as slow


@dataclass
class _Context:
    """Antecedents by kind, as (character offset, actor): a pronoun takes the nearest one
    before it, whatever order the mentions were resolved in."""

    people: list[tuple[int, ActorRef]] = field(default_factory=list)
    orgs: list[tuple[int, ActorRef]] = field(default_factory=list)
    groups: list[tuple[int, ActorRef]] = field(default_factory=list)


class ActorResolver:
    """Resolves actor phrases inside one document, remembering antecedents as it goes."""

    def __init__(self, registry: ActorRegistry, doc: Doc, document_id: str | None = None) -> None:
        self.registry = registry
        self.doc = doc
        self.document_id = document_id
        self._ctx = _Context()
        self._cache: dict[tuple[int, int], ActorRef | None] = {}
        self._phrases: dict[int, Span] = {}  # noun_phrase by token index
        self._ents: tuple[Span, ...] = tuple(doc.ents)
        self._ent_starts = [e.start for e in self._ents]  # for bisecting: the entities are in text order
        self._ent_ends = [e.end for e in self._ents]
        self.learned: dict[str, Learned] = {}

    def resolve_token(self, token: Token) -> ActorRef | None:
        # The phrase of a token is asked for again by every role of every event that names it.
        phrase = self._phrases.get(token.i)
        if phrase is None:
            phrase = self._phrases[token.i] = noun_phrase(token)
        return self.resolve(phrase)

    def resolve(self, span: Span) -> ActorRef | None:
        key = (span.start, span.end)
        if key not in self._cache:
            ref = self._resolve(span)
            self._cache[key] = ref
            if ref is not None:
                self._remember(span, ref)
        return self._cache[key]

    # -- internals ------------------------------------------------------------------------
    def _remember(self, span: Span, ref: ActorRef) -> None:
        if ref.id and ref.id.startswith("anaphor"):
            return
        head = span.root
        at = span.start_char
        if any(e.label_ == "PERSON" for e in self._ents_in(span)):
            self._ctx.people.append((at, ref))
        elif ref.sector and ref.sector not in {"CVL", "PRO", "MED"} and ref.country != ref.id:
            self._ctx.orgs.append((at, ref))
        if head.tag_ in {"NNS", "NNPS"} or ref.sector in {"MIL", "PKO", "REB", "INS", "PRO", "CVL"}:
            self._ctx.groups.append((at, ref))

    def _ref(self, span: Span, entry: ActorEntry | None = None, *, name: str | None = None,
             country: str | None = None, sector: str | None = None) -> ActorRef:
        return ActorRef(
            text=span_text(span),
            name=name or (entry.name if entry else span_text(span)),
            country=country if country is not None else (entry.country if entry else None),
            sector=sector or (entry.sector if entry else None),
            id=entry.id if entry else None,
            start=span.start_char,
            end=span.end_char,
        )

    def _resolve(self, span: Span) -> ActorRef | None:
        if len(span) == 0 or in_dateline(span):
            return None  # a dateline the parser hung into the first sentence is no participant
        reg = self.registry
        head = span.root
        # 1. Pronouns and "the group" refer back to the last fitting actor.
        if len(span) == 1 and head.lower_ in _ANAPHORS:
            return self._bound_speaker(span) or self._antecedent(span, _ANAPHORS[head.lower_])
        if head.lemma_.lower() in _GROUP_HEADS and len(span) == 1 and any(
                c.dep_ == "det" and c.lower_ in {"the", "this", "that"} for c in head.children):
            prior = self._antecedent(span, "org", _GROUP_HEADS[head.lemma_.lower()] or "non-state")
            if prior is not None:
                return prior
            # "The militia attacked …" with nothing named before: the role noun still says who.

        # 2. The whole phrase, or the named entity inside it, is in the registry.
        entry = reg.by_alias(span_text(span), self.learned) or self._entity_entry(span)
        role_sector, role_country, role_kind = self._role_and_country(span)
        if entry is not None:
            if entry.kind == "country":
                # "Malian troops", "the Malian government": the role decides the sector.
                return self._ref(span, entry, sector=role_sector or "GOV")
            country = entry.country or role_country
            return self._ref(span, entry, country=country)

        # 3. A person or organisation name with a country and a role around it: learn it.
        # A GPE that is no country, capital or demonym we know is as likely a mislabelled person
        # or body ("Kenzo Oshima, the U.N. relief coordinator", tagged GPE by the small model).
        names = [e for e in self._head_names(span) if e.label_ in {"PERSON", "ORG"} or (
            e.label_ == "GPE" and role_country is None and e.root.pos_ == "PROPN" and e.start <= head.i < e.end
            and head.dep_ in {"nsubj", "nsubjpass"})]
        if names:
            name = names[-1]
            country = role_country or self._country_in_appositive(head)
            sector = role_sector
            if name.label_ == "PERSON" and sector is None:
                sector = self._title_sector(name)
            if country or sector:
                learned = reg.learn(self.learned, span_text(name), country, sector, span_text(sentence_of(span.root)),
                                    self.document_id)
                return self._ref(span, learned, name=span_text(name))
            learned_entry = reg.by_alias(span_text(name), self.learned)
            if learned_entry:
                return self._ref(span, learned_entry, name=learned_entry.name)
            # A named person or organisation we know nothing more of is still an actor: keyed
            # by its name, so its mentions group, with country and sector unknown.
            ref = self._ref(span, None, name=span_text(name))
            ref.id = "name:" + fold(span_text(name))
            return ref

        # 4. A group noun owned by an actor takes the owner's affiliation ("the
        #    organization's fighters", "Wagner's men", "Mali's army").
        owner = next((c for c in head.children if c.dep_ == "poss"), None)
        if owner is not None and role_kind == "group":
            owner_ref = self.resolve(noun_phrase(owner))
            if owner_ref is not None:
                if owner_ref.id and owner_ref.id == owner_ref.country:  # a state: keep the role
                    return self._ref(span, None, name=f"{owner_ref.name} ({role_sector or 'GOV'})",
                                     country=owner_ref.country, sector=role_sector or "GOV")
                return ActorRef(text=span_text(span), name=owner_ref.name, country=owner_ref.country,
                                sector=owner_ref.sector, id=owner_ref.id, start=span.start_char,
                                end=span.end_char)

        # 5. Countries by demonym or capital ("Russian forces", "Bamako said").
        if role_country or role_sector:
            country_entry = reg.entries.get(role_country) if role_country else None
            label = country_entry.name if country_entry else span_text(span)
            if role_sector and country_entry:
                label = f"{country_entry.name} ({role_sector})"
            return self._ref(span, None, name=label, country=role_country,
                             sector=role_sector or ("GOV" if role_country else None))
        return None

    def _ents_in(self, span: Span) -> list[Span]:
        """`span.ents` from the document's entities read once: spaCy rebuilds every entity
        span of the document on each `.ents` access."""
        start, end = span.start, span.end
        out: list[Span] = []
        # Entities neither overlap nor come out of order: those inside start at or after the span's
        # start, and none starting at or after its end can end inside it.
        for k in range(bisect_left(self._ent_starts, start), len(self._ents)):
            if self._ent_starts[k] >= end:
                break
            if self._ent_ends[k] <= end:
                out.append(self._ents[k])
        return out

    def _head_names(self, span: Span) -> list[Span]:
        """Names that are the phrase's head or modify it ("U.N. mission", "MINUSMA chief"),
        not a possessor or complement ("MINUSMA's roles" is not MINUSMA)."""
        root = span.root
        names = [e for e in self._ents_in(span) if e.start <= root.i < e.end or (
            e.root.head.i == root.i and e.root.dep_ in {"compound", "appos", "nmod", "flat"})]
        if not names and root.ent_type_:
            # The phrase drops a word the entity holds ("[The European Community]" against
            # the noun phrase "European Community"): the entity, clipped to the phrase.
            ent = next((e for e in self._ents if e.start <= root.i < e.end), None)
            if ent is not None:
                clipped = Span(span.doc, max(ent.start, span.start), min(ent.end, span.end), label=ent.label)
                if len(clipped):
                    names.append(clipped)
        return names

    def _entity_entry(self, span: Span) -> ActorEntry | None:
        for ent in sorted(self._head_names(span), key=len, reverse=True):
            entry = self.registry.by_alias(span_text(ent), self.learned)
            if entry is not None:
                return entry
        # A name split by the parser: try the tail words ("President Vladimir Putin"), cut from the text.
        text = doc_text(self.doc)
        for i in range(span.start, span.end - 1):
            if i > span.start and self.doc[i].ent_iob_ == "I":
                continue  # never from inside a name: "Sudanese troops" of "South Sudanese troops"
            entry = self.registry.by_alias(text[self.doc[i].idx:span.end_char], self.learned)
            if entry is not None and entry.kind != "country":
                return entry
        return None

    def _role_and_country(self, span: Span) -> tuple[str | None, str | None, str | None]:
        """Sector from a role noun in the phrase, country from a demonym, country name or
        capital in it ("Russian Foreign Minister", "the Malian government", "Bamako")."""
        reg = self.registry
        sector = kind = country = None
        words = [t for t in span if not t.is_punct]
        # Read once: every chunk size looks at them again.
        texts, lemmas = [t.text for t in words], [t.lemma_ for t in words]
        # Longest role phrase first: "foreign minister" before "minister".
        n = len(words)
        for size in range(min(reg._max_role_words, n), 0, -1):
            for i in range(n - size + 1):
                chunk = words[i:i + size]
                hit = reg.role(" ".join(texts[i:i + size])) or (
                    reg.role(" ".join([*texts[i:i + size - 1], lemmas[i + size - 1]])))
                if hit and size == 1 and chunk[0].pos_ == "ADJ" and chunk[0].i != span.root.i:
                    hit = None  # "official contact", "military aid": an adjective makes no actor of a thing
                if hit:
                    sector, kind = hit
                    break
            if sector:
                break
        # Two words first: "South Sudanese" is not "Sudanese", "South Korean" names a country "Korean" does not.
        for key in [fold(f"{a} {b}") for a, b in zip(texts, texts[1:], strict=False)] + [fold(t) for t in texts]:
            iso = reg.demonyms.get(key) or reg.capitals.get(key)
            if iso:
                country = iso
                break
        if country is None:
            for ent in self._ents_in(span):
                name = span_text(ent)
                iso = _country_name(reg, name) or reg.capitals.get(fold(name))
                if iso:
                    country = iso
                    break
        if country is None:
            iso = _country_name(reg, span_text(span))
            if iso:
                country = iso
        # "Russia's top diplomat": a possessive country.
        if country is None:
            for t in words:
                if t.dep_ == "poss":
                    iso = _country_name(reg, t.text)
                    if iso:
                        country = iso
        return sector, country, kind

    def _title_sector(self, name: Span) -> str | None:
        # A title just before the name that the parser left outside the phrase.
        prev = self.doc[max(0, name.start - 3):name.start]
        for size in (3, 2, 1):
            if len(prev) >= size:
                hit = self.registry.role(prev[-size:].text)
                if hit:
                    return hit[0]
        return None

    def _country_in_appositive(self, head: Token) -> str | None:
        for child in head.children:
            if child.dep_ == "appos":
                _, country, _ = self._role_and_country(noun_phrase(child))
                if country:
                    return country
        return None

    def _bound_speaker(self, span: Span) -> ActorRef | None:
        """"The army said it had sent reinforcements": a pronoun subject of a reported clause
        is the reporter."""
        token = span.root
        # "X said its men had carried out the raid": the owner of the reported clause's subject, too.
        subject = token.head if token.dep_ == "poss" and token.lower_ in {"its", "their"} else token
        if subject.dep_ not in {"nsubj", "nsubjpass"} or (
                subject is token and token.lower_ not in {"it", "he", "she", "they"}):
            return None
        clause = subject.head
        if clause.dep_ != "ccomp" or clause.head.i == clause.i:
            return None
        finite = next((c for c in clause.children if c.dep_ in {"aux", "auxpass"}), clause)
        if finite.tag_ == "VB" or finite.lower_ == "be":
            return None  # "demanded that they be handed over": a mandate's subject is someone else
        speaker = next((c for c in clause.head.children if c.dep_ == "nsubj"), None)
        if speaker is None or speaker.i == subject.i or speaker.lower_ in _ANAPHORS or speaker.i > token.i:
            # "They stormed the prison, the government said": a pronoun before its reporter
            # refers back, not forward.
            return None
        plural = speaker.tag_ in {"NNS", "NNPS"}
        if token.lower_ in {"it", "its", "he", "she"} and plural:
            return None
        # The reporter is named in this very sentence: the role points at that name, so the
        # evidence shows who acts, not "he".
        return self.resolve(noun_phrase(speaker))

    def _antecedent(self, span: Span, kind: str, sectors: frozenset[str] | str | None = None) -> ActorRef | None:
        """The nearest earlier actor of `kind`; `sectors` narrows it ("the mission" → a PKO;
        "non-state": not a government or its forces)."""
        pools = {"person": [self._ctx.people], "org": [self._ctx.orgs, self._ctx.groups],
                 "group": [self._ctx.groups, self._ctx.orgs]}[kind]

        def fits(ref: ActorRef) -> bool:
            if sectors is None:
                return True
            if sectors == "non-state":
                return ref.sector not in _STATE_SECTORS
            return ref.sector in sectors

        prior = None
        for pool in pools:
            before = [(at, ref) for at, ref in pool if at < span.start_char and fits(ref)]
            if before:
                prior = max(before, key=lambda p: p[0])[1]
                break
        if prior is None:
            return None
        return ActorRef(text=span_text(span), name=prior.name, country=prior.country, sector=prior.sector,
                        id=prior.id, start=span.start_char, end=span.end_char)


def document_actors(resolver: ActorResolver, doc: Doc) -> list[ActorRef]:
    """Every named actor mention in the document (GDELT GKG style), in text order."""
    out: list[ActorRef] = []
    for ent in doc.ents:
        if ent.label_ not in {"PERSON", "ORG", "NORP"} and not (
                ent.label_ == "GPE" and _is_agentive(ent)):
            continue
        phrase = noun_phrase(ent.root)
        # Use the whole phrase when the entity sits inside it ("Foreign Minister Abdoulaye Diop").
        span = phrase if phrase.start <= ent.start and phrase.end >= ent.end else ent
        ref = resolver.resolve(span)
        if ref is not None and (ref.country or ref.sector or ref.id):
            if not out or (out[-1].start, out[-1].end) != (ref.start, ref.end):
                out.append(ref)
    return out


def _is_agentive(ent: Span) -> bool:
    """A place name used as an actor: subject or object of a verb, or a possessor."""
    return ent.root.dep_ in {"nsubj", "nsubjpass", "dobj", "poss", "agent", "conj"}


def _country_name(reg: ActorRegistry, text: str) -> str | None:
    """The country a name names; English writes country names with a capital, so "a car" is no "CAR"."""
    return reg.country_names.get(fold(text)) if any(c.isupper() for c in text) else None

