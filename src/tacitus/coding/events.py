"""Event coding on a parsed sentence: triggers from the lexicon, roles from the dependency
parse, status from negation, modality, reported speech and demands.

`code_sentence(sent, lexicon)` gives `EventCandidate`s whose roles are still tokens; the
resolve stage turns them into actors, places and dates.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from spacy.tokens import Span, Token

from ..models import STATUSES
from ..nlp import doc_text, sentence_of
from .lexicon import Lexicon, TriggerEntry

# Statement events: when a speaker is quoted making them, that they were made is a fact.
VERBAL_TYPES = frozenset({"SUPPORT", "REQUEST", "ACCUSE", "REJECT", "THREATEN"})
# Types whose noun's possessor or "of"-phrase is the agent ("MINUSMA's exit", "the
# withdrawal of French troops"); for the rest it is the patient ("the arrest of X").
AGENTIVE_NOUN_TYPES = frozenset({"RETREAT", "PROTEST", "MOBILIZE", "CONSULT", "AGREE", "COOPERATE",
                                 "REQUEST", "ACCUSE", "REJECT", "THREATEN", "SUPPORT", "SANCTION", "AID"})
# Prepositions that introduce a target, by event type (default for types not listed).
TARGET_PREPS: dict[str, tuple[str, ...]] = {
    "RETREAT": ("from", "out"),
    "CONSULT": ("with", "to"),
    "AGREE": ("with", "to"),
    "COOPERATE": ("with",),
    "AID": ("to", "for"),
    "MOBILIZE": ("to", "into", "against", "in"),
    "SUPPORT": ("for", "to"),
    "REQUEST": ("on", "to", "from", "upon"),
    "PROTEST": ("against",),
    "ASSAULT": ("against", "on", "upon", "at", "into", "within", "toward", "towards"),
    "*": ("against", "on", "upon", "at", "toward", "towards", "into", "to", "with"),
}
# Prepositions through which an object names who it concerns ("sanctions against X", "aid for
# X", "a ban by X", "a plan for the withdrawal from X").
OBJECT_COMPLEMENT_PREPS = ("against", "on", "to", "for", "with", "from", "of", "by", "toward", "towards")
# Prepositions of place, whose object stands as target when it is a country or its capital.
LOCATIVE_PREPS = ("in", "inside", "across", "throughout", "within")
# Types whose direct object is what is moved or given, not who is acted on ("withdrew its
# troops from Mali", "deployed soldiers to the border").
THEME_OBJECT_TYPES = frozenset({"RETREAT", "MOBILIZE"})
# Types where two conjoined subjects act on each other.
SYMMETRIC_TYPES = frozenset({"CONSULT", "AGREE", "COOPERATE"})
SUBJECT_DEPS = frozenset({"nsubj", "csubj"})
CLAUSE_DEPS = frozenset({"ccomp", "xcomp", "advcl", "conj", "relcl", "acl", "pcomp", "parataxis"})
RELATIVE_PRONOUNS = frozenset({"who", "which", "that", "whom", "whose"})
# Prepositions of where something stands ("a restaurant in Mogadishu, which killed 12": the relative clause
# hangs on a place). Not those of origin or direction: in "a convoy from Gao, which attacked…" the clause is
# the convoy's.
POSITION_PREPS = frozenset({"in", "at", "near", "outside", "inside", "around"})
QUOTE_CHARS = '"“”'


@dataclass
class EventCandidate:
    entry: TriggerEntry
    trigger: Token            # head of the trigger (verb or event noun)
    anchor: Token             # the verb whose clause carries status (the trigger itself for verbs)
    tokens: list[Token]       # trigger words, for the evidence ("issued additional sanctions")
    source: Token | None = None
    target: Token | None = None
    status: str = "asserted"
    speaker: Token | None = None
    report_verb: Token | None = None   # "said", whose date is the statement's
    intent_verb: Token | None = None   # "pledged", "said it would": a declared intention
    refusal: bool = False              # negated by the actor's own will: "refused to", "would not"
    ultimatum: bool = False            # "… unless X does Y": the act is a threat
    in_quote: bool = False
    # Other readings of the target, best first, each with whether its words may stand as an
    # unresolved target; the pipeline takes the first that names a known actor.
    target_alts: list[tuple[Token, bool]] = field(default_factory=list)
    # Places that stand as target when nothing else does and the source is named.
    place_targets: list[Token] = field(default_factory=list)
    confidence: float = 0.5
    cues: list[str] = field(default_factory=list)

    @property
    def trigger_span(self) -> tuple[int, int]:
        first = min(t.i for t in self.tokens)
        last = max(t.i for t in self.tokens)
        return self.trigger.doc[first].idx, self.trigger.doc[last].idx + len(self.trigger.doc[last])

    @property
    def trigger_text(self) -> str:
        start, end = self.trigger_span
        return doc_text(self.trigger.doc)[start:end]


# ---------------------------------------------------------------------------------------
# Triggers

def _is_verb(token: Token) -> bool:
    return token.pos_ == "VERB" or (token.tag_.startswith("VB") and token.pos_ != "AUX")


def verb_keys(token: Token) -> list[str]:
    """Lemma candidates for a verb: the form with its particle ("carry out"), then the lemma. The small
    model's lemma slips ("staged" → "stag") are mended once for every stage by `nlp.VerbLemmas`."""
    lemma = token.lemma_.lower()
    return [*(f"{lemma} {c.lower_}" for c in token.children if c.dep_ == "prt"), lemma]


def _lookup(keys: list[str], table: dict[str, list[TriggerEntry]]) -> str | None:
    return next((k for k in keys if k in table), None)


def _best(entries: list[TriggerEntry]) -> TriggerEntry:
    return max(entries, key=lambda e: e.prior)


# Per noun table (by identity, as `lex.nouns` stays put once loaded): the words that end a multi-word
# name and those before a hyphen in one, so that most nouns are ruled out before their modifiers
# and neighbours are read.
_NOUN_ENDS: dict[int, tuple[dict[str, list[TriggerEntry]], int, frozenset[str], frozenset[str]]] = {}


def _noun_ends(nouns: dict[str, list[TriggerEntry]]) -> tuple[frozenset[str], frozenset[str]]:
    """(what follows a space in a noun name, what precedes a hyphen in one)."""
    cached = _NOUN_ENDS.get(id(nouns))
    if cached is None or cached[0] is not nouns or cached[1] != len(nouns):
        tails = frozenset(k[i + 1:] for k in nouns for i, c in enumerate(k) if c == " ")
        heads = frozenset(k[:i] for k in nouns for i, c in enumerate(k) if c == "-")
        cached = _NOUN_ENDS[id(nouns)] = (nouns, len(nouns), tails, heads)
    return cached[2], cached[3]


def _noun_entry(token: Token, lex: Lexicon) -> tuple[TriggerEntry, list[Token]] | None:
    """An event noun, preferring multi-word names ("air strike" over "strike")."""
    lemma = token.lemma_.lower()
    tails, heads = _noun_ends(lex.nouns)
    if lemma not in lex.nouns and lemma not in tails and token.lower_ not in heads:
        return None  # no name ends in it or starts with it: most nouns
    mods = [c for c in token.lefts if c.dep_ in {"compound", "amod", "nmod"}]
    for mod in reversed(mods):
        key = f"{mod.lemma_.lower()} {lemma}"
        if key in lex.nouns:
            return _best(lex.nouns[key]), [mod, token]
        key = f"{mod.lower_} {lemma}"
        if key in lex.nouns:
            return _best(lex.nouns[key]), [mod, token]
    if token.i + 2 < len(token.doc) and token.doc[token.i + 1].text == "-":
        key = f"{token.lower_}-{token.doc[token.i + 2].lower_}"
        if key in lex.nouns:
            return _best(lex.nouns[key]), [token, token.doc[token.i + 2]]
    if lemma in lex.nouns:
        return _best(lex.nouns[lemma]), [token]
    return None


def find_triggers(sent: Span, lex: Lexicon) -> Iterator[EventCandidate]:
    consumed: set[int] = set()
    light_verbs = lex.cue("light")
    found: list[EventCandidate] = []
    for tok in sent:
        if not _is_verb(tok):
            continue
        keys = verb_keys(tok)
        bare = [k for k in keys if " " not in k]
        children = list(tok.children)
        hit: tuple[TriggerEntry, list[Token]] | None = None
        for child in children:
            if child.dep_ in {"prt", "prep", "advmod"} and child.i > tok.i:
                pobj = next((c for c in child.children if c.dep_ == "pobj"), None)
                if child.dep_ == "prep" and pobj is not None and _not_an_actor(pobj):
                    continue  # "called off the strike on Friday" is no "call on"
                pair = next(((k, child.lower_) for k in bare if (k, child.lower_) in lex.phrasal), None)
                if pair:
                    hit = (_best(lex.phrasal[pair]), [tok, child])
                    break
        obj = next((c for c in children if c.dep_ in {"dobj", "nsubjpass"}), None)
        if obj is None:  # "go on strike", "took to the streets": a prepositional object
            prep = next((c for c in children if c.dep_ == "prep"), None)
            obj = next((c for c in prep.children if c.dep_ == "pobj"), None) if prep is not None else None
            if obj is not None and not any((k, obj.lemma_.lower()) in lex.light for k in bare):
                obj = None
        if hit is None and obj is not None:
            # Phrasal verbs first ("called off a strike"), then the bare verb.
            pair = next(((k, o) for k in keys for o in (obj.lemma_.lower(), obj.lower_) if (k, o) in lex.light),
                        None)
            if pair:
                hit = (_best(lex.light[pair]), [tok, obj])
                consumed.add(obj.i)
        if hit is None and obj is not None and any(k in light_verbs for k in keys):
            noun = _noun_entry(obj, lex)
            if noun is not None:
                entry, words = noun
                # "issued additional sanctions": the verb carries the roles, the noun the type.
                found.append(EventCandidate(entry, obj, tok, [tok, *words]))
                consumed.update(t.i for t in words)
                continue
        key = _lookup(keys, lex.verbs) if hit is None else None
        if key is not None and not (key in lex.cue("frame") and any(c.dep_ == "xcomp" for c in children)):
            # "sought to mend ties": a framing verb before its act is no act of its own;
            # "sought asylum" stays a request.
            hit = (_best(lex.verbs[key]), [tok])
        if hit is not None:
            entry = hit[0]
            if entry.type == "PROTEST" and any(c.dep_ == "ccomp" for c in children):
                # "The group protested that the vote was rigged": a protest *that* something is
                # so is a statement of disapproval, not a demonstration.
                entry = replace(entry, type="ACCUSE", mode="criticize")
            found.append(EventCandidate(entry, tok, tok, hit[1]))
    # A material verb event covers its own event-noun object ("fired tear gas", "freed the
    # hostages"); verbal events keep theirs ("condemned the attack" reports two acts).
    for cand in found:
        if cand.trigger.i == cand.anchor.i and cand.entry.type not in VERBAL_TYPES:
            consumed.update(c.i for c in cand.anchor.children if c.dep_ == "dobj")
    verb_types = {(c.anchor.i, c.entry.type) for c in found if c.trigger.i == c.anchor.i}
    # "…, killing three and wounding seven": one act that kills and wounds, not two.
    found = [c for c in found if not _conjoined_result(c, verb_types)]
    for tok in sent:
        if tok.i in consumed or tok.pos_ not in {"NOUN", "PROPN"} or tok.dep_ == "compound":
            continue
        noun = _noun_entry(tok, lex)
        if noun is None or (tok.pos_ == "PROPN" and not tok.is_lower):
            continue
        entry, words = noun
        if entry.mode == "ceasefire" and _pobj_for(tok, ("between",)) is not None:
            # "the ceasefire between Israel and Hamas": two sides' truce is their agreement
            entry = replace(entry, type="AGREE", mode="ceasefire_agreement")
        if tok.dep_ == "pobj" and tok.head.lower_ in {"in", "during"} and (
                tok.head.head.i, entry.type) in verb_types:
            continue  # "killed 46 civilians in an attack on a village": the verb's own act
        found.append(EventCandidate(entry, tok, _governing_verb(tok) or tok, words))
    yield from found


# Participles that work as prepositions ("following the coup", "including attacks").
PREPOSITIONAL_PARTICIPLES = frozenset({"following", "including", "regarding", "concerning", "according",
                                       "excluding", "involving", "during", "pending", "considering"})


def _governing_verb(token: Token) -> Token | None:
    head = token
    while head.head.i != head.i:
        head = head.head
        if head.lower_ in PREPOSITIONAL_PARTICIPLES:
            continue
        if _is_verb(head) or head.pos_ == "AUX":
            return head
    return None


# ---------------------------------------------------------------------------------------
# Roles

def _subject(verb: Token, depth: int = 0) -> Token | None:
    """The agent of `verb`, following control, coordination and relative clauses."""
    if depth > 6:
        return None
    for child in verb.children:
        if child.dep_ == "agent":
            pobj = next((c for c in child.children if c.dep_ == "pobj"), None)
            if pobj is not None:
                return pobj
    for child in verb.children:
        if child.dep_ in SUBJECT_DEPS:
            if child.lower_ in RELATIVE_PRONOUNS and verb.dep_ == "relcl":
                antecedent = verb.head
                if antecedent.dep_ == "pobj" and antecedent.head.lower_ in POSITION_PREPS:
                    # "a bombing of a restaurant in Mogadishu, which killed 12": the relative clause hangs
                    # on the place, but what did it is the act before it, not the place
                    return None
                return antecedent
            return child
    if any(c.dep_ == "nsubjpass" for c in verb.children):
        return None  # passive without "by": the agent is unknown
    dep, head = verb.dep_, verb.head
    if head.i == verb.i:
        return None
    if dep == "xcomp":
        # Object control: "called on the mission to leave", "urged X to", "asked X to".
        for child in head.children:
            if child.dep_ in {"dobj", "dative"} and child.i < verb.i:
                return child
            if child.dep_ == "prep" and child.lower_ in {"on", "upon"} and child.i > head.i:
                pobj = next((c for c in child.children if c.dep_ == "pobj"), None)
                if pobj is not None and pobj.i < verb.i and not _not_an_actor(pobj):
                    return pobj
        return _subject(head, depth + 1)
    if dep == "pcomp" and head.dep_ == "prep" and head.head.i != head.i:
        # "accused the ministry of ordering strikes", "stopped X from crossing": the object of
        # the governing verb does the gerund.
        obj = next((c for c in head.head.children if c.dep_ in {"dobj", "nsubjpass"}), None)
        if obj is not None and head.lower_ in {"of", "from", "for"}:
            return obj
        return _subject(head.head, depth + 1)
    if dep in {"conj", "advcl", "pcomp", "acomp", "oprd"}:
        return _subject(head, depth + 1)
    if dep in {"relcl", "acl"}:
        return head
    if dep == "pobj" or (dep == "prep" and head.head.i != head.i):
        return _subject(head.head, depth + 1)
    return None


def _conjoined_result(cand: EventCandidate, verb_types: set[tuple[int, str]]) -> bool:
    verb = cand.trigger
    if not (verb.i == cand.anchor.i and verb.tag_ == "VBG" and verb.dep_ == "conj" and verb.head.tag_ == "VBG"
            and (verb.head.i, cand.entry.type) in verb_types):
        return False
    # Only tolls ("killing 3 and wounding 7"); "occupying land and plundering it" are two acts.
    return all(any(c.dep_ == "dobj" and any(n.like_num or n.dep_ == "nummod" for n in c.subtree) for c in v.children)
               for v in (verb, verb.head))


def _speaks_of(verb: Token, lex: Lexicon) -> bool:
    """A verb that talks about, asks for or judges its object event rather than doing it."""
    keys = verb_keys(verb)
    if any(k in lex.cue(kind) for k in keys for kind in ("report", "claim", "demand")):
        return True
    key = _lookup(keys, lex.verbs)
    return key is not None and _best(lex.verbs[key]).type in VERBAL_TYPES | {"CONSULT"}


def _pobj_for(token: Token, preps: tuple[str, ...]) -> Token | None:
    for child in token.children:
        if child.dep_ in {"prep", "prt", "agent"} and child.lower_ in preps:
            pobj = next((c for c in child.children if c.dep_ in {"pobj", "pcomp"}), None)
            if pobj is not None:
                return pobj
    return None


def _target_preps(type_: str) -> tuple[str, ...]:
    return TARGET_PREPS.get(type_, TARGET_PREPS["*"])


def _adjectival_passive(cand: EventCandidate) -> Token | None:
    """"X is committed to", "X was engaged in": a passive phrasal verb without an agent says
    what its subject does; the subject is the source."""
    verb = cand.anchor
    if cand.entry.kind != "phrasal" or any(c.dep_ == "agent" for c in verb.children):
        return None
    return next((c for c in verb.children if c.dep_ == "nsubjpass"), None)


# Nouns of time that the small model leaves untagged ("in the meantime", "at the moment").
TIME_NOUNS = frozenset({"meantime", "meanwhile", "moment", "time", "past", "future", "present", "interim"})


def _not_an_actor(token: Token, lex: Lexicon | None = None) -> bool:
    """Dates, amounts and time nouns ("in the meantime") are never participants."""
    return token.ent_type_ in {"DATE", "TIME", "MONEY", "PERCENT", "CARDINAL", "ORDINAL", "QUANTITY"} \
        or token.pos_ in {"NUM", "ADV"} or token.lemma_.lower() in TIME_NOUNS


def _verb_targets(cand: EventCandidate, lex: Lexicon) -> list[tuple[Token, bool]]:
    """Candidate targets of a verb event, best first, each with whether its words may stand as
    an unresolved target. The pipeline takes the first that names a known actor: "rejected
    calls *by Belarus's rulers*", "demanded that *the US* cancel", "threatened to cut power
    *to Nakhichevan*", "lifted a curfew *in Montenegro*"."""
    verb, type_ = cand.anchor, cand.entry.type
    words = {t.i for t in cand.tokens}
    out: list[tuple[Token, bool]] = []

    def add(token: Token | None, text_ok: bool = True, own: bool = False) -> None:
        if token is None or (not own and (token.i in words or token.i == cand.trigger.i or _not_an_actor(token, lex))):
            return
        if token.lower_ in RELATIVE_PRONOUNS and verb.dep_ == "relcl":
            token = verb.head
        if all(t.i != token.i for t, _ in out):
            out.append((token, text_ok))

    for child in verb.children:
        if child.dep_ == "nsubjpass" and _adjectival_passive(cand) is None:
            add(child)
    if cand.entry.kind == "phrasal" and cand.tokens[1].dep_ == "prep":
        # "fired tear gas on the crowd", "called on the mission": the preposition names who
        # is acted on; the object, if any, is the means.
        add(next((c for c in cand.tokens[1].children if c.dep_ == "pobj"), None))
    objects = [c for c in verb.children if c.dep_ in {"dobj", "dative"}]
    if type_ not in THEME_OBJECT_TYPES:
        for child in objects:
            add(child)
    if cand.entry.kind == "phrasal":
        add(next((c for c in cand.tokens[1].children if c.dep_ == "pobj"), None))
    if cand.entry.kind == "light":
        # "revoke its consent for the mission": the noun of the pair carries the target.
        add(_pobj_for(cand.tokens[-1], (*_target_preps(type_), "for", "of")))
    add(_pobj_for(verb, _target_preps(type_)))
    # Who stands behind the object: "calls by X", "an offer from X", "a curfew in X", "aid for X".
    for obj in objects if type_ not in THEME_OBJECT_TYPES else ():
        for child in obj.children:
            if child.dep_ == "poss":
                add(child, text_ok=False)
        add(_pobj_for(obj, ("by", "from", "of", "in", "for", "to", "on", "against", "with")), text_ok=False)
    for clause in verb.children:
        if clause.dep_ == "ccomp" and type_ in VERBAL_TYPES:
            # "demanded that the US cancel the sale": the one asked is the clause's subject.
            add(next((c for c in clause.children if c.dep_ in {"nsubj", "nsubjpass"}), None), text_ok=False)
        if clause.dep_ == "xcomp" and type_ in VERBAL_TYPES | {"AGREE", "COOPERATE", "AID"}:
            # "threatened to cut off power to X", "agreed to provide aid for X"
            for child in clause.children:
                if child.dep_ in {"dobj", "dative"}:
                    add(child, text_ok=False)
            add(_pobj_for(clause, (*_target_preps(type_), "to", "for", "against", "with", "on")), text_ok=False)
    if cand.entry.kind == "light":
        # "expel the ambassador": the pair's own object is the target when it names an actor.
        add(cand.tokens[-1], text_ok=False, own=True)
    # Last resorts, taken only when they name an actor. An act aimed through its object's
    # complement: "threatened to impose restrictions *against German goods*".
    for clause in (c for c in verb.children if c.dep_ == "xcomp"):
        for obj in (c for c in clause.children if c.dep_ in {"dobj", "dative"}):
            for child in obj.children:
                if child.dep_ == "poss" and child.pos_ != "PRON":  # "to defend *their* homes" is the agent's own
                    add(child, text_ok=False)
            add(_pobj_for(obj, OBJECT_COMPLEMENT_PREPS), text_ok=False)
    if type_ in VERBAL_TYPES:
        # "threatened to stop the talks *if the United States* deploys": the condition's subject
        # is the one the threat is aimed at.
        for clause in (verb, *(c for c in verb.children if c.dep_ == "xcomp")):
            for adv in (c for c in clause.children if c.dep_ == "advcl"):
                if any(m.dep_ == "mark" and m.lower_ in {"if", "unless"} for m in adv.children):
                    add(next((c for c in adv.children if c.dep_ in {"nsubj", "nsubjpass"}), None), text_ok=False)
    return out


def _place_targets(cand: EventCandidate) -> list[Token]:
    """The polity where the act is done, for an event with no other target: "lifted a curfew
    *in Montenegro*", "opened an embassy in Tehran". Only names count (a country or a capital
    resolves to an actor; a town does not, and stays the event's place)."""
    verb = cand.anchor
    out = []
    heads = [verb, *(c for c in verb.children if c.dep_ in {"xcomp", "dobj"})]
    heads += [of for h in heads[1:] if (of := _pobj_for(h, ("of",))) is not None]  # "a state of emergency in X"
    for clause in heads:
        pobj = _pobj_for(clause, LOCATIVE_PREPS)
        if pobj is None:
            continue
        # "in the capital Kabul", "at a jail in northern Israel"
        named = [pobj, *(c for c in pobj.children if c.dep_ == "appos")]
        # "in northern Israel" under "at a jail"; "the town of Cizre"
        named += [t for t in (_pobj_for(pobj, LOCATIVE_PREPS), _pobj_for(pobj, ("of",))) if t is not None]
        # "in the Amhara region": a name as the head or as its compound
        out += [t for t in named if t.ent_type_ in {"GPE", "LOC"} or t.pos_ == "PROPN" or any(
            c.dep_ == "compound" and (c.ent_type_ in {"GPE", "LOC"} or c.pos_ == "PROPN") for c in t.children)]
    return out


def _stance_prefixed(token: Token) -> bool:
    """"pro-Russia rally", "anti-French protest": the modifier names a side, not the agent."""
    doc = token.doc
    if token.lower_ in {"pro", "anti"} or token.is_punct or token.text == "-":
        return True
    return token.i >= 2 and doc[token.i - 1].text == "-" and doc[token.i - 2].lower_ in {"pro", "anti"}


def _noun_roles(cand: EventCandidate, lex: Lexicon) -> tuple[Token | None, Token | None]:
    noun, type_ = cand.trigger, cand.entry.type
    agentive = type_ in AGENTIVE_NOUN_TYPES
    words = {t.i for t in cand.tokens}
    source = target = None
    for child in noun.children:
        if child.dep_ == "poss" or (child.dep_ in {"compound", "amod"} and child.ent_type_ in
                                    {"ORG", "GPE", "NORP", "PERSON"} and child.i not in words
                                    and child.pos_ in {"PROPN", "ADJ", "NOUN"} and not _stance_prefixed(child)):
            if agentive or child.dep_ != "poss":
                source = source or child
            else:
                target = target or child
    by = _pobj_for(noun, ("by",))
    if by is not None:
        source = by
    if source is None and type_ in VERBAL_TYPES:
        source = _pobj_for(noun, ("from",))  # "threats from the president"
    of = _pobj_for(noun, ("of",))
    if of is not None and noun.dep_ == "pobj" and noun.head.lower_ == "in" and not any(
            c.dep_ == "det" for c in noun.children):
        target = target or of  # "in support of Russia", "in protest of the law": X is acted upon
    elif of is not None:
        if agentive and source is None:
            source = of
        elif not agentive:
            target = target or of
    target = target or _pobj_for(noun, _target_preps(type_))
    if target is not None and _not_an_actor(target):
        target = None  # "an attack on Thursday"
    between = _pobj_for(noun, ("between",))
    if between is not None:
        source = source or between
        target = target or next((c for c in between.children if c.dep_ == "conj"), None)
    verb = cand.anchor
    if verb.i == noun.i:
        return source, target
    if noun.dep_ in {"nsubj", "nsubjpass"} and noun.head.i == verb.i and verb.lemma_.lower() in lex.cue("occur"):
        # "Protests erupted against the mission": the verb only says the event happened.
        target = target or _pobj_for(verb, _target_preps(type_))
        return source, target
    # The event noun inside a clause: "staged a mutiny" (object), "sent thousands of troops"
    # (object through a quantity), "waved flags during a rally", "arrived on a visit" (the
    # participants of the clause), conjoined nouns ("celebrations and a march").
    node = noun
    while node.dep_ == "conj" and node.head.i != node.i:
        node = node.head
    while node.dep_ == "pobj" and node.head.lower_ == "of" and node.head.head.dep_ in {"dobj", "nsubjpass"}:
        node = node.head.head
    if node.dep_ == "dobj" and node.head.i == verb.i and type_ in THEME_OBJECT_TYPES and of is not None \
            and source is not None and source.i == of.i and not _speaks_of(verb, lex):
        # "The United States sped up the withdrawal of its forces from Panama": the one who
        # withdraws them acts; the forces are what is moved, "from Panama" whom it concerns.
        subject = _subject(verb)
        if subject is not None:
            source = subject
            target = target or _pobj_for(of, _target_preps(type_))
    if node.dep_ == "dobj" and node.head.i == verb.i or cand.tokens[0].i == verb.i:
        if cand.tokens[0].i == verb.i or not (_speaks_of(verb, lex) or verb.lemma_.lower() in lex.cue("hinder")):
            # "staged a mutiny"; but "welcomed the release", "demanded the withdrawal": who
            # speaks of an act is not its agent, nor who works against it ("prevented an attack")
            source = source or _subject(verb)
        if target is None:
            # "gave the Ivory Coast 5 million dollars of aid", "sent arms to Pakistan"
            target = next((c for c in verb.children if c.dep_ == "dative" or (c.dep_ == "dobj" and c.i != node.i)),
                          None) or _pobj_for(verb, _target_preps(type_))
    elif node.dep_ == "nsubjpass" and node.head.i == verb.i:
        source = source or _pobj_for(verb, ("by",))
    elif node.dep_ == "pobj" and node.head.head.i == verb.i and node.head.lower_ in {"in", "during", "through", "at",
                                                                                   "on", "for"}:
        judged = next((c for c in verb.children if c.dep_ == "dobj"), None) if node.head.lower_ == "for" else None
        if judged is not None and _speaks_of(verb, lex):
            # "blamed the group for the attack", "praised the army for the rescue": who speaks of the act
            # judges it; the one judged for it did it
            source = source or judged
        else:
            source = source or _subject(verb)
    return source, target


def assign_roles(cand: EventCandidate, lex: Lexicon) -> None:
    if cand.trigger.i == cand.anchor.i:  # verb trigger
        cand.source = _adjectival_passive(cand) or _subject(cand.anchor)
        cand.target_alts = _verb_targets(cand, lex)
        if cand.entry.lemma in lex.cue("patient") or any(k in lex.cue("patient") for k in verb_keys(cand.anchor)):
            victim = cand.source
            cand.source = None
            if victim is not None:
                cand.target_alts.insert(0, (victim, True))
    elif cand.tokens[0].i == cand.anchor.i:  # light verb + event noun
        cand.source = _subject(cand.anchor)
        _, noun_target = _noun_roles(cand, lex)
        cand.target_alts = ([(noun_target, True)] if noun_target is not None else []) + _verb_targets(cand, lex)
    else:
        source, target = _noun_roles(cand, lex)
        cand.source = source
        cand.target_alts = [(target, True)] if target is not None else []
    if cand.entry.kind == "light" and any(k in lex.cue("recipient") for k in verb_keys(cand.anchor)):
        # "received weapons from the government": the giver acts on the recipient.
        recipient = _subject(cand.anchor)
        cand.source = _pobj_for(cand.anchor, ("from",)) or _pobj_for(cand.tokens[-1], ("from",))
        cand.target_alts = [(recipient, True)] if recipient is not None else []
    if cand.source is not None:
        cand.target_alts = [(t, ok) for t, ok in cand.target_alts if t.i != cand.source.i]
        if cand.entry.type in SYMMETRIC_TYPES:
            # "Obama and Putin will meet": one side is the source, the other the target.
            partner = next((c for c in cand.source.children if c.dep_ == "conj"), None)
            if partner is not None:
                cand.target_alts.append((partner, False))
    cand.target = cand.target_alts[0][0] if cand.target_alts else None
    noun = cand.trigger
    # An event noun shares its verb's place when it is what the verb does ("imposed a curfew
    # in X", "arrived on a visit to X"), not when it only frames it ("at their request, … in X").
    if noun.i == cand.anchor.i or cand.tokens[0].i == cand.anchor.i or noun.dep_ == "dobj" or (
            noun.dep_ == "pobj" and cand.entry.type == "CONSULT"):
        cand.place_targets = _place_targets(cand)


# ---------------------------------------------------------------------------------------
# Status

def _aux_lemmas(verb: Token) -> set[str]:
    return {c.lower_ for c in verb.children if c.dep_ in {"aux", "auxpass"}}


def _inside_quote(token: Token, sent: Span) -> bool:
    # Count quote marks from the start of the paragraph: a quote often runs over sentences.
    text = doc_text(sent.doc)
    para = text.rfind("\n", 0, sent.start_char) + 1
    before = text[para:token.idx]
    return sum(before.count(q) for q in QUOTE_CHARS) % 2 == 1


def is_keyword_list(sent: Span) -> bool:
    """Image keyword lines scraped with an article ("Mali, protesters, wave, flags") are not prose."""
    if doc_text(sent.doc).count(",", sent.start_char, sent.end_char) < 3:
        return False  # fewer than three commas in its text, so fewer comma tokens: the common case, cheaply
    words = [t for t in sent if not t.is_punct and not t.is_space]
    commas = sum(t.text == "," for t in sent)
    return commas >= 3 and commas >= 0.4 * len(words)


def _reporting_verb(sent: Span, lex: Lexicon) -> tuple[Token, Token] | None:
    """The reporting verb of a quote sentence and its subject ("…," Miller said)."""
    report = lex.cue("report")
    for tok in sent:
        if _is_verb(tok) and tok.lemma_.lower() in report and not _inside_quote(tok, sent):
            subj = next((c for c in tok.children if c.dep_ in SUBJECT_DEPS), None)
            if subj is not None:
                return tok, subj
    return None


def _negated_itself(verb: Token, negation: set[str]) -> bool:
    """Two negations cancel: "the failure to prevent a massacre", "did not stop the attack" report the
    act as done."""
    if any(c.dep_ == "neg" for c in verb.children):
        return True
    return verb.dep_ in {"xcomp", "acl"} and verb.head.lemma_.lower() in negation | {"failure"}


def assign_status(cand: EventCandidate, lex: Lexicon) -> None:
    """Status from the trigger's own clause outward: negation, then the verbs governing it."""
    anchor, trigger = cand.anchor, cand.trigger
    negation, demand, plan, report = (lex.cue(k) for k in ("negation", "demand", "plan", "report"))
    hypothetical, claim = lex.cue("hypothetical"), lex.cue("claim")
    sent = sentence_of(trigger)

    for tok in (trigger, anchor):
        for child in tok.children:
            word = child.lower_
            if child.dep_ == "neg" or (child.dep_ == "det" and word == "no"):
                cand.status = "negated"
                cand.cues.append(word)
                # "would not release", "will not attend": a refusal, not a report that it did not happen
                cand.refusal = bool(_aux_lemmas(anchor) & {"will", "would", "wo", "shall"})
                return
            if child.dep_ in {"amod", "advmod"} and word in claim:
                cand.status = "claimed"
                cand.cues.append(word)
            if child.dep_ == "amod" and child.lemma_.lower() in plan:
                cand.status = "planned"
                cand.cues.append(word)
            if child.dep_ == "amod" and word in hypothetical:
                cand.status = "hypothetical"
                cand.cues.append(word)
    if trigger.i != anchor.i and trigger.dep_ in {"dobj", "xcomp"} and trigger.head.i == anchor.i:
        # "discussed a ceasefire", "demanded the withdrawal", "denied the attack"
        for key in verb_keys(anchor):
            override = lex.cue_status.get(key)
            if override in STATUSES and key not in report:
                cand.status = override
                return
            if key in demand:
                cand.status = "demanded"
                return
            if key in plan:
                cand.status = "planned"
                return
            if key in negation:
                if not _negated_itself(anchor, negation):
                    cand.status = "negated"
                return
    aux = _aux_lemmas(anchor)
    if aux & {"will", "shall", "'ll", "wo"}:
        cand.status = "planned"
    if aux & {"must", "should"} and cand.status == "asserted":
        cand.status = "demanded"
    conditional = aux & {"would", "could", "might", "may"}
    conditions = [m.lower_ for c in anchor.children if c.dep_ == "advcl"
                  for m in c.children if m.dep_ == "mark" and m.lower_ in {"if", "unless"}]
    conditions += [m.lower_ for m in anchor.children if m.dep_ == "mark" and m.lower_ in {"if", "unless"}]
    if conditions:
        cand.status = "hypothetical"
        # "will withdraw its force unless the ceasefire holds": an act held over another's
        # head is an ultimatum (a threat) by its actor.
        cand.ultimatum = "unless" in conditions and anchor.dep_ not in {"advcl"}
        return

    # Walk up through governing clauses: "vowed [Wagner would continue]", "called on X [to exit]".
    node, hops = anchor, 0
    while node.head.i != node.i and node.dep_ in CLAUSE_DEPS and hops < 4:
        if node.dep_ in {"advcl", "relcl", "acl"} and any(c.dep_ in SUBJECT_DEPS | {"nsubjpass"}
                                                        for c in node.children):
            break  # "after the group staged a mutiny": a clause with its own subject keeps its own status
        gov = node.head
        lemma = gov.lemma_.lower()
        hops += 1
        if node.dep_ in {"xcomp", "ccomp"}:
            override = lex.cue_status.get(lemma)
            if override in STATUSES:
                if lemma in report:
                    cand.speaker = next((c for c in gov.children if c.dep_ in SUBJECT_DEPS), None)
                    cand.report_verb = gov
                if override == "asserted" and (conditional or cand.status == "planned"):
                    # "confirmed it would tighten the blockade", "announced it will withdraw": a
                    # vouching verb vouches for the plan (and declares it), it does not make the
                    # act done.
                    cand.status = "planned"
                    cand.intent_verb = gov
                elif override != "asserted" or cand.status == "asserted":
                    cand.status = override
                return
            gov_neg = any(c.dep_ == "neg" for c in gov.children) or lemma in negation
            if gov_neg and lemma in {"deny", "refute", "reject"} | negation:
                cand.status = "negated"
                cand.refusal = lemma in lex.cue("refusal")
                return
            # "urged X to", "called on X to": the verb, or the verb with its preposition
            if lemma in demand or any(f"{lemma} {c.lower_}" in demand for c in gov.children
                                      if c.dep_ in {"prep", "prt"}):
                cand.status = "demanded"
                return
            if lemma in plan and node.i < gov.i:
                # "signed a deal on Saturday, a step mediators hope will build trust": a clause before the
                # verb is never what is hoped or planned (English puts that after it); the parse misread
                # the comma
                break
            if lemma in plan:
                cand.status = "planned" if cand.status in {"asserted", "claimed"} else cand.status
                if lemma in lex.cue("intent"):
                    cand.intent_verb = gov
                return
            if lemma in report:
                speaker = next((c for c in gov.children if c.dep_ in SUBJECT_DEPS), None)
                cand.speaker = speaker
                cand.report_verb = gov
                if conditional or cand.status == "planned":
                    cand.status = "planned"
                    cand.intent_verb = gov
                elif cand.status == "asserted" and cand.entry.type not in VERBAL_TYPES:
                    cand.status = "claimed"
                return
            if lemma in claim:
                cand.status = "claimed"
                # "The US claimed that ISIL attacked Iraq": who alleges it
                cand.speaker = next((c for c in gov.children if c.dep_ in SUBJECT_DEPS), None)
                cand.report_verb = gov
                return
        if node.dep_ == "advcl" and lemma in claim:
            break
        node = gov
    if trigger.i != anchor.i and trigger.head.lemma_.lower() in claim \
            and trigger.dep_ in {"pcomp", "pobj"}:
        cand.status = "claimed"
    # "accusing X of ordering strikes": the accused act is a claim.
    if anchor.dep_ == "pcomp" and anchor.head.head.lemma_.lower() in claim:
        cand.status = "claimed"
    if conditional and cand.status == "asserted":
        cand.status = "hypothetical"
    cand.in_quote = _inside_quote(trigger, sent)
    if cand.in_quote and cand.speaker is None:
        found = _reporting_verb(sent, lex)
        if found is not None:
            cand.report_verb, cand.speaker = found
        if (cand.status == "asserted" and cand.entry.type not in VERBAL_TYPES
                and cand.speaker is not None and cand.source is not None
                and cand.source.lower_ not in {"we", "i", "our"}):
            cand.status = "claimed"


# ---------------------------------------------------------------------------------------

def code_sentence(sent: Span, lex: Lexicon) -> list[EventCandidate]:
    """All event candidates of one sentence, with roles and status, before resolution."""
    if is_keyword_list(sent):
        return []
    out = []
    for cand in find_triggers(sent, lex):
        assign_roles(cand, lex)
        assign_status(cand, lex)
        if cand.in_quote and cand.source is not None and cand.source.lower_ in {"we", "i", "our"}:
            cand.source = cand.speaker or cand.source
        out.append(cand)
    return out
