"""The understanding step: one user message and the conversation so far -> a typed Request.

Everything the assistant decides about what a message says and asks is decided here, in one place, before
anything is answered:
- what kind of turn it is (`Act`: an answer, a what-if, back to the recorded case, start over, ...);
- the safety-sensitive ask, recognised before anything else (bot/safety.py);
- the case values it gives, each with its status (stated / present / absent / not known), the words it was
  read from and whether it is real or hypothetical (`CaseValue`), and the case they make (`Request.case`);
- the asks, in answer order, computed results first (`Ask`), from the Rasa intent, the words of the message,
  the ranking of the statements (bot/ranking.py) and the conversation's last topic.

The Rasa intent and the extractor's entities are inputs; nothing here renders an answer. bot/conversation.py
carries the Request out (answers each ask, asks for the one missing value) and keeps the state.
"""

from __future__ import annotations

import re
from enum import Enum
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from pydantic import BaseModel, ConfigDict, Field

from bot.answer_tables import COMPUTED_TOPICS
from bot.case_update import NUMBER_ENTITIES, CaseUpdate, apply_entities, reply_entities
from bot.knowledge import CaseContext
from bot.models import Case, CaseNote, Differentiation, Site
from bot.ranking import ROUTE_SCORE, STRONG_SCORE, about_case, best_topic, rank_statements, statement_index
from bot.results import INPUTS, SHARED_INPUTS, has_inputs, result_codes
from bot.safety import SafetyCheck, safety_check
from bot.topics import (
    ASKED_WORDS,
    asked_topics,
    how_common_question_intent,
    lab_question_topic,
    site_ihc_question_intent,
    topic_for,
)

AUDIENCES = ("clinician", "patient")

WORKUP_ONLY_INPUTS = frozenset({"tests_done", "ihc", "functional_syndrome"})
# what a knowledge question names to say what it is about, without giving a case to compute on
QUESTION_CONTEXT_FIELDS = frozenset({"site", "functional_syndrome", "called_net"})
# staging values beyond the size: with one of them a stage is worth showing even before its group is known
STAGING_FINDINGS = frozenset({"invasion", "nodes_positive", "positive_node_count", "nodes_assessed",
                              "bulky_mesenteric_mass", "metastatic_sites"})

# Which missing value to ask for first, per computation (Case field names as the results list them).
# Grading: a missing index, then the site, then morphology; staging: site, size or depth, nodes, metastases.
ASK_ORDER: Dict[str, Tuple[str, ...]] = {
    "grade": ("ki67_percent", "mitoses", "site", "differentiation", "necrosis"),
    "stage": ("site", "tumour_size_cm", "invasion", "nodes_positive", "metastatic_sites",
              "positive_node_count", "bulky_mesenteric_mass", "differentiation"),
    "workup": ("differentiation", "ki67_percent", "ihc"),
}
# Primary not found: T is TX and no site chapter gives N or a stage group, so size, depth and node details
# change nothing; only distant metastases (M1 -> stage IV) and NET versus NEC do.
STAGE_ASK_ORDER_UNKNOWN_PRIMARY: Tuple[str, ...] = ("metastatic_sites", "differentiation")


def ask_order(topic: str, case: Optional[Case] = None) -> Tuple[str, ...]:
    """Which missing values a computation asks for, most useful first, for this case."""
    if topic in ("stage", "staging_unknown_primary") and case is not None and case.site is not None \
            and case.site.value == "unknown":
        return STAGE_ASK_ORDER_UNKNOWN_PRIMARY
    return ASK_ORDER.get(topic, ())

# A hypothetical in the words of the message, whatever the intent: computed on a copy, never recorded.
HYPOTHETICAL = re.compile(
    # a message that opens with "if" ("and if there are bone mets too?") asks about a case that is not recorded
    r"^\W*(?:(?:and|but|ok|okay|so|now)\W+)?if\b|"
    r"\bwhat if\b|\bwhat about if\b|\bsuppos(e|ing)\b|\bhypothetical|\bimagine\b|\blet'?s say\b|\bpretend\b|"
    r"\bhow about (if|with)\b|\bassuming\b|\bsay (it|the \w+|that|there)\b.{0,30}\b(was|were|is|had)\b|"
    r"\bif\b.{0,50}\b(were|had been|would be|came back|turned out|turns out)\b|\bwould (it|that|the \w+) (change|be)\b.{0,40}\bif\b"
    # "say the PET finds a bone met too", "say it were exactly 20": a message that opens with "say"
    r"|^\W*(?:(?:and|but|ok|okay|so|now)\W+)?(?:just\s+)?say\b"
    # "and with a liver met?", "with peritoneal deposits instead?": a finding asked about, not reported
    r"|^\W*(?:(?:and|but|ok|okay|so|now)\W+)?(?:with|plus)\b[^.\n]*\?\s*$",
    re.IGNORECASE)
# A what-if that gives only a number ("what if it were 1.9?", "and at 25%?"): the words around it, then the number
BARE_NUMBER_WORDS = re.compile(
    r"\b(what|and|but|so|ok|okay|if|it|its|it's|were|was|is|had|been|be|instead|at|of|with|the|value|say|about|how|then"
    r"|measured|would|that|change|anything|hypothetically|suppose|supposing|exactly|just|precisely|instead|say|ok|okay)\b|[?!,]|\.(?!\d)", re.IGNORECASE)
BARE_NUMBER = re.compile(r"(\d+(?:\.\d+)?)\s*%?")
# A what-if that adds to the one before it rather than replacing it
ADDS_TO_WHAT_IF = re.compile(r"\b(also|too|as well|on top of (that|this|it)|in addition|additionally|plus|both|as well as"
                             r"|at the same time|and also)\b", re.IGNORECASE)
# Back to the recorded case after a what-if: "ok, and as it actually is?", "back to the real case"
BACK_TO_RECORDED = re.compile(
    r"\b(as it (actually |really )?(is|stands)|actual(ly)? (case|values|findings|one)|the real (case|one|values)|"
    r"back to (the )?(real|actual|original|recorded)|without the (change|what.?if)|as (it was )?(recorded|reported)|"
    r"real (case|one|values|findings)|actual (one|values|findings)|original (case|one|values)|actually is|actually stands)\b",
    re.IGNORECASE)
# The words that ask to clear the case ("start over", "new patient"): a start over needs one of them.
START_OVER_WORDS = re.compile(
    r"\b(start(ing)? (over|again|afresh)|restart|reset|clear|new (case|patient|question set|conversation)|"
    r"forget (it|that|everything|the case|this)|scrap (that|this|it)|from scratch|wipe)\b", re.IGNORECASE)
# Entities whose words stay in the text ranked against the statements: they say what a question is about.
ASK_CONTEXT_ENTITIES = ("site", "syndrome")
# The information topics that give a computation's rules in general ("how do you stage a net cup?"), and the
# computation they stand for when the message gives values to compute with
COMPUTATION_OF_RULES_TOPIC = {"grading_gep": "grade", "grading_lung": "grade", "staging": "stage",
                              "staging_unknown_primary": "stage"}
# A clause of a message (split at . ; : , and dashes) and a clinical value written in one ("8%", "2.5cm", "3/14").
CLAUSE_END = re.compile(r"[.;:,\n]+(?!\d)|[?!]+|\s[-–—]+\s")
CLINICAL_NUMBER = re.compile(r"\d\s*(%|cm|mm|/|x\b|hpf)|\b(ki.?67|mib.?1|mitos|mitot)", re.IGNORECASE)
# A message that asks something: a question mark or a question word at its start
QUESTION_FORM = re.compile(r"\?|(?:^|[.,;:!\n]|\s[-–—])\s*(what|which|how|when|where|who|why|is|are|does|do|should|can|could"
                           r"|would|will|any)\b", re.IGNORECASE)
PAYLOAD = re.compile(r"^\s*/")
# A clause about what the clause before it named ("is cga up in SCLC? can it separate that from a carcinoid"):
# its subject is a pronoun, so it continues that ask rather than starting another
CONTINUES_PREVIOUS_ASK = re.compile(
    r"^\W*(?:(?:and|but|so|or)\s+)?(?:(?:can|could|does|do|did|is|are|would|will|should|was)\s+)?"
    r"(?:it|that|this|they|these|those|them)\b", re.IGNORECASE)
# a letter or digit in any script; a message without one is emoji or punctuation only ("👍", "🙂", "???")
HAS_WORDS = re.compile(r"[^\W_]")


class Act(str, Enum):
    """What kind of turn a message is."""

    answer = "answer"  # answer the asks (with the values given, if any)
    values_noted = "values_noted"  # values given, nothing asked and nothing to recompute: say what was noted
    what_if = "what_if"  # compute the asks on a copy of the case
    back_to_recorded = "back_to_recorded"
    start_over = "start_over"
    capabilities = "capabilities"
    choose_audience = "choose_audience"
    explain = "explain"
    no_words = "no_words"  # emoji or punctuation only
    out_of_scope = "out_of_scope"
    clarify = "clarify"  # nothing understood: say what is covered
    greet = "greet"
    thanks = "thanks"
    affirm = "affirm"
    deny = "deny"
    safety_only = "safety_only"  # the safety answer is the whole reply


class ValueStatus(str, Enum):
    """How a value stands in the message: a number or name stated, a finding present or absent, or a value the
    user said is not known (never applied as present)."""

    stated = "stated"
    present = "present"
    absent = "absent"
    not_known = "not_known"


class CaseValue(BaseModel):
    """One clinical value read from the message, with its status and the words it was read from."""

    model_config = ConfigDict(frozen=True)
    entity: str  # the extractor's entity name (bot/nlu/vocabulary)
    value: str
    status: ValueStatus
    words: str = ""  # the span of the message it was read from ("" for a button payload or a short reply)
    start: Optional[int] = None
    end: Optional[int] = None
    hypothetical: bool = False


class Ask(BaseModel):
    """One thing the message asks, answered in list order: a computation ('grade', 'stage', 'workup') or an
    information topic (knowledge/topics.yml)."""

    model_config = ConfigDict(frozen=True)
    topic: str
    # left out when its topic has nothing that applies to the case (an added ask, not the one named)
    optional: bool = False

    @property
    def computed(self) -> bool:
        return self.topic in COMPUTED_TOPICS


class Request(BaseModel):
    """A message, understood: what the turn does, what it changes and what it asks."""

    act: Act
    audience: Optional[str] = None  # a wording asked for in this message
    safety: Optional[SafetyCheck] = None
    values: List[CaseValue] = Field(default_factory=list)
    previous: Case = Field(default_factory=Case)
    case: Case = Field(default_factory=Case)  # after this message (for a what-if: the copy)
    changed: List[str] = Field(default_factory=list)  # Case fields that received a value
    problems: List[str] = Field(default_factory=list)  # values that could not be used, said to the user
    notes: List[CaseNote] = Field(default_factory=list)  # how a value was read (a range, a conversion), as codes
    said_unknown: Optional[str] = None  # the pending field the user said is not known
    not_assessed: List[str] = Field(default_factory=list)  # Case fields the message says were not assessed
    asks: List[Ask] = Field(default_factory=list)
    # the topic a follow-up continues from, when it is not the last one answered (an uninvited result shown after)
    continue_topic: Optional[str] = None
    # the answered topics whose missing values are not asked for (results shown uninvited)
    uninvited: List[str] = Field(default_factory=list)
    # ask for the first missing value in this order instead of the answers' own
    ask_order: Optional[Tuple[str, ...]] = None

    @property
    def hypothetical(self) -> bool:
        return self.act == Act.what_if

    @property
    def topics(self) -> List[str]:
        return [ask.topic for ask in self.asks]


def understand(state: Any, intent: str, entities: Sequence[Dict[str, Any]], text: str) -> Request:
    """Read one message in the conversation `state` (bot.conversation.ConversationState). Pure: the state
    is not changed; bot/conversation.py carries the Request out."""
    return _Reading(state, intent or "nlu_fallback", [e for e in entities or [] if isinstance(e, dict)],
                    "" if PAYLOAD.match(text or "") else (text or "")).request()


# --------------------------------------------------------------------------------------------
# Small pure helpers (tested on their own)
# --------------------------------------------------------------------------------------------


def wants_grade_and_stage(text: str) -> bool:
    lowered = text.lower()
    return bool(re.search(r"\bgrad", lowered)) and bool(re.search(r"\bstag|\btnm\b", lowered))


def strip_computed_asks(text: str) -> str:
    """The text without the words that ask for the grade or stage ("stage, treatment options" -> "treatment
    options"): they are another ask's words."""
    for kind, pattern in ASKED_WORDS:
        if kind in COMPUTED_TOPICS and pattern:
            text = re.sub(pattern, " ", text, flags=re.IGNORECASE)
    return text


def clause_spans(text: str) -> List[Tuple[int, int]]:
    """(start, end) of each clause of a message, split at . ; : , ? ! and spaced dashes (not "2.5" or "1,2")."""
    spans, start = [], 0
    for end in CLAUSE_END.finditer(text):
        if text[start:end.start()].strip():
            spans.append((start, end.start()))
        start = end.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


def case_context(case: Optional[Case]) -> Optional[CaseContext]:
    """What a statement's applies_to is matched against, for a case with anything in it (else None)."""
    return CaseContext.from_case(case) if case is not None and case != Case() else None


def best_ranked(text: str, case: Optional[Case] = None) -> Optional[Tuple[str, float]]:
    """(topic, score) of the best-ranked statement for the words, among those that apply to `case`."""
    if not text:
        return None
    ranked = rank_statements(text, limit=1, context=case_context(case))
    return (statement_index().topics[ranked[0][0]][0], ranked[0][1]) if ranked else None


def ranked_topic(text: str, min_score: Optional[float] = None, case: Optional[Case] = None) -> Optional[str]:
    """The topic of the best-ranked statement (among those that apply to `case`) when it clearly answers the
    words (bot/ranking.py; at least `min_score`, by default ranking.ROUTE_SCORE), else None."""
    best = best_ranked(text, case)
    return best[0] if best and best[1] >= (ROUTE_SCORE if min_score is None else min_score) else None


def general_topic(topic: str, case: Case, text: str) -> str:
    """The knowledge topic that explains a computation's rules when there are no values to compute with."""
    if topic == "grade":
        return "grading_lung" if case.site in (Site.lung, Site.thymus) else "grading_gep"
    unknown_primary = case.site == Site.unknown or re.search(r"unknown primary|\bcup\b|no primary|occult", text.lower())
    return "staging_unknown_primary" if unknown_primary else "staging"


def affected_topics(changed: Iterable[str], last_topic: Optional[str]) -> List[str]:
    """The computations to (re)answer after values changed: the last computed topic if it reads one of
    them (the workup reads everything), else grade and/or stage by the values given."""
    changed = set(changed)
    if not changed:
        return []
    if last_topic == "workup":
        return ["workup"]
    topics = [t for t in ("grade", "stage") if changed & (INPUTS[t] - SHARED_INPUTS)]
    if last_topic in INPUTS and changed & INPUTS[last_topic] and last_topic not in topics:
        topics.insert(0, last_topic)
    if last_topic in topics:
        topics.remove(last_topic)
        topics.insert(0, last_topic)
    if not topics and changed & WORKUP_ONLY_INPUTS:
        topics = ["workup"]
    return topics


# How each entity's value stands: a finding named present or absent; anything else is a stated value.
_STATUS_OF_VALUE = {
    ("nodes", "positive"): ValueStatus.present, ("nodes", "negative"): ValueStatus.absent,
    ("necrosis", "present"): ValueStatus.present, ("necrosis", "absent"): ValueStatus.absent,
    ("bulky_mesenteric_mass", "yes"): ValueStatus.present, ("bulky_mesenteric_mass", "no"): ValueStatus.absent,
}
_STATUS_OF_ENTITY = {"metastasis": ValueStatus.present, "no_metastasis": ValueStatus.absent}


def value_status(entity: str, value: str) -> ValueStatus:
    """present / absent / stated for one extractor entity value ("ihc" "cdx2:negative" is absent)."""
    if entity in _STATUS_OF_ENTITY:
        return _STATUS_OF_ENTITY[entity]
    if entity == "not_assessed":
        return ValueStatus.not_known
    if entity in ("ihc", "test_result"):
        outcome = value.partition(":")[2]
        return {"positive": ValueStatus.present, "negative": ValueStatus.absent}.get(outcome, ValueStatus.stated)
    return _STATUS_OF_VALUE.get((entity, value), ValueStatus.stated)


def case_values(entities: Sequence[Dict[str, Any]], text: str, hypothetical: bool = False) -> List[CaseValue]:
    """The clinical values of a message, each with its status and the words it was read from."""
    values = []
    for entity in entities:
        name = entity.get("entity")
        if name in (None, "audience"):
            continue
        value = str(entity.get("value", ""))
        start, end = entity.get("start"), entity.get("end")
        spans = isinstance(start, int) and isinstance(end, int)
        values.append(CaseValue(
            entity=str(name), value=value, status=value_status(str(name), value),
            words=text[start:end] if spans else "", start=start if spans else None, end=end if spans else None,
            hypothetical=hypothetical,
        ))
    return values


# --------------------------------------------------------------------------------------------
# The reading of one message
# --------------------------------------------------------------------------------------------


class _Reading:
    """One message read against the conversation so far (used once, by `understand`)."""

    def __init__(self, state: Any, intent: str, entities: List[Dict[str, Any]], text: str):
        self.state = state
        self.intent = intent
        self.entities = entities
        self.text = text
        self._asked: Dict[str, list] = {}

    # --- the message's parts ---

    def audience(self) -> Optional[str]:
        audience = next((str(e.get("value")) for e in self.entities if e.get("entity") == "audience"), None)
        return audience if audience in AUDIENCES else None

    def clinical_entities(self) -> List[Dict[str, Any]]:
        return [e for e in self.entities if e.get("entity") not in (None, "audience")]

    def asked(self, case: Case) -> list:
        """asked_topics of the message for `case`, read once per case."""
        key = case.model_dump_json()
        if key not in self._asked:
            self._asked[key] = asked_topics(self.text, case)
        return self._asked[key]

    def question_clauses(self) -> List[str]:
        """The clauses of a vignette that ask: the value-free clauses that end in a question mark ("gastric net
        type 1 or 3? 6mm, ki67 2%"), else the value-free clauses at the end ("..., ki67 8% - stage, treatment
        options"); none for a message without case values."""
        if not self.clinical_entities():
            return []
        values = self.value_spans()
        clauses = [(start, end, self.text[start:end]) for start, end in clause_spans(self.text)]
        free = [not (any(s < end and e > start for s, e in values) or CLINICAL_NUMBER.search(clause))
                for start, end, clause in clauses]
        question = [clause for (start, end, clause), ok in zip(clauses, free)
                    if ok and self.text[end:end + 2].lstrip().startswith("?")]
        if question and clauses and free[-1] and clauses[-1][2] not in question \
                and QUESTION_FORM.search(re.sub(r"^\W*(?:and|or|but|also|so)\s+", "", clauses[-1][2], flags=re.IGNORECASE)):
            # "T? stage? and can we just watch him": the last clause asks too, question mark or not
            question.append(clauses[-1][2])
        if not question:
            for (start, end, clause), ok in reversed(list(zip(clauses, free))):
                if not ok:
                    break
                question.insert(0, clause)
        return [q for q in question if HAS_WORDS.search(q)]

    def value_spans(self) -> List[Tuple[int, int]]:
        """(start, end) of the clinical values of the message (not its site or syndrome)."""
        return [(e["start"], e["end"]) for e in self.clinical_entities()
                if e.get("entity") not in ASK_CONTEXT_ENTITIES
                and isinstance(e.get("start"), int) and isinstance(e.get("end"), int)]

    def ask_text(self, without_computed_asks: bool = False) -> str:
        """The words that ask, without the case they ask about: what statements are ranked against.

        In a vignette the question follows the values ("pNET 1.5cm ki67 2%, surgery or surveillance?",
        "... liver mets ki67 8% - stage, treatment options"): the trailing clauses that carry no clinical value
        are the question, and the site named (or its syndrome) says what it is about. A message without such
        clauses is taken whole, with the values' spans left out. `without_computed_asks` also leaves out the
        words that ask for the grade or stage (they are another ask's words)."""
        question = self.question_clauses()
        if question:
            # the names the message gives (a trial, stain, tracer, drug or author) say what it asks about, wherever
            # they stand ("PAX6 IHC for pancreatic origin of a NET met - how good?")
            asked_words = " ".join(question)
            # ... unless the question names what it asks ("ga68 pet neg, fdg avid - how to treat?"): then a test
            # or stain reported elsewhere in the message is the case, not the subject
            names = [] if asked_topics(asked_words, Case()) else \
                [n for n in statement_index().names_in(self.text) if n.lower() not in asked_words.lower()]
            text = " ".join(question + self.about_words() + names)
        else:
            text = self.text_without_values()
        return strip_computed_asks(text) if without_computed_asks else text

    def text_without_values(self) -> str:
        """The whole message with the spans of its clinical values left out (its site and syndrome kept)."""
        text = self.text
        for start, end in sorted(self.value_spans(), reverse=True):
            text = text[:start] + " " + text[end:]
        return text

    def unnamed_asks(self, case: Case, information_named: bool) -> List[str]:
        """The topics that answer a question clause no ask word names ("lobectomy or sublobar?", "grade/stage
        + does she need a right hemi?", "can we just watch it?", "does CLARINET apply?"): each such clause is
        ranked, with the site or syndrome named, against the statements that apply to the case. A topic written
        for the case's site or syndrome needs a clear match (ranking.ROUTE_SCORE) for a clause of its own and
        a strong one (ranking.STRONG_SCORE) for a question read whole; any other topic a strong one
        (ranking.STRONG_SCORE), and only for a clause written as a question beside clauses that name only
        computed asks ("grade? stage? can we just watch it?"): a message's only question, or its named
        information ask, is what its ask words or intent answer."""
        if not self.clinical_entities():
            return []
        about = " ".join(self.about_words())
        site_topics = statement_index().site_topics
        clauses = self.question_clauses()
        if not self.asked(case):
            clauses = [" ".join(clauses)] if clauses else []  # nothing named: the question is read whole
        topics: List[str] = []
        naming = [bool(asked_topics(clause, case)) for clause in clauses]
        for at, clause in enumerate(clauses):
            words = strip_computed_asks(clause) if self.asked(case) else clause
            if asked_topics(words, case) or len(clauses) > 1 and CONTINUES_PREVIOUS_ASK.search(clause):
                continue  # the clause names its ask, or continues the one before: answered as that ask
            beside_named = not information_named and any(named for other, named in enumerate(naming) if other != at) and bool(
                QUESTION_FORM.search(clause) or self.text[self.text.find(clause) + len(clause):].lstrip().startswith("?"))
            best = best_ranked(f"{words} {about}", case)
            if best is None or best[0] in topics or best[0] in COMPUTED_TOPICS:
                continue
            # a clause of its own beside named asks needs a clear match; a question read whole a strong one
            site_score = ROUTE_SCORE if len(clauses) > 1 else STRONG_SCORE
            if best[0] in site_topics and best[1] >= site_score or beside_named and best[1] >= STRONG_SCORE:
                topics.append(best[0])
        return topics

    def about_words(self) -> List[str]:
        """The words of the site or syndrome named: what a question clause is about."""
        return [self.text[e["start"]:e["end"]] if isinstance(e.get("start"), int) and isinstance(e.get("end"), int)
                else str(e.get("value", "")).replace("_", " ")
                for e in self.clinical_entities() if e.get("entity") in ASK_CONTEXT_ENTITIES]

    def information_asks(self, topics: Sequence[str], case: Case) -> List[str]:
        """Each information topic asked, answered from the topic whose statements (that apply to the case)
        best answer the words of the question (bot/ranking.best_topic); computed topics unchanged. With two
        or more information asks in one message ("likely primary and tx?") each keeps its own routing: the
        words of the whole message belong to several asks, so they cannot pick one topic for each."""
        information = [t for t in topics if t not in COMPUTED_TOPICS]
        if len(set(information)) != 1:
            return list(dict.fromkeys(topics))
        # the words asking for a grade or stage belong to that ask when the message also has one
        also_computed = any(t in COMPUTED_TOPICS for t in self.asked(case))
        ask = self.ask_text(without_computed_asks=also_computed and information[0] not in COMPUTATION_OF_RULES_TOPIC)
        context = case_context(case)
        if not rank_statements(ask, context=context, limit=1):
            # the question clause alone matches nothing ("incidental 1.2 cm pNET, ok to observe?"): the words
            # describing the case say what it is about
            ask = self.text_without_values()
        chosen = [t if t in COMPUTED_TOPICS else best_topic(ask, t, context=context) for t in topics]
        return list(dict.fromkeys(chosen))

    # --- the request ---

    def request(self) -> Request:
        intent = self.intent
        base: Dict[str, Any] = {"audience": self.audience(), "previous": self.state.case, "case": self.state.case}
        if BACK_TO_RECORDED.search(self.text) and not self.clinical_entities() and self.state.last_topic:
            # "back to the real case please" is never a start over, whatever the classifier says
            topics = [t for t in ("grade", "stage") if has_inputs(self.state.case, t)] or [self.state.last_topic]
            return Request(act=Act.back_to_recorded, asks=[Ask(topic=t) for t in topics], **base)
        if intent == "start_over" and self.text and (not START_OVER_WORDS.search(self.text) or self.clinical_entities()):
            # clearing the case loses work: only when the words ask for it, never on a classifier's guess, and
            # never when the message gives values ("staging CT clear" is a result, not "clear the case")
            intent = "nlu_fallback"
        if intent == "start_over":
            return Request(act=Act.start_over, **base)
        if intent == "ask_capabilities":
            return Request(act=Act.capabilities, **base)
        if self.text and not HAS_WORDS.search(self.text):
            return Request(act=Act.no_words, **base)
        check = safety_check(self.text)
        if check is not None:
            base["safety"] = check
            # an unknown name inside a case with values ("CDX7 positive, Ki-67 5%") is said, and the values are
            # still graded and staged; a question about the unknown name alone gets nothing more
            values_given = check.kind == "invented_item" and bool(self.clinical_entities())
            if not (check.then_answer or values_given):
                return Request(act=Act.safety_only, **base)
        continues_what_if = self.continues_what_if()
        if continues_what_if:
            intent = "what_if"  # "what if the Ki-67 were 25%?" then "and at 19?": the next value of the same what-if
        if intent in ("nlu_fallback", "out_of_scope") and base["audience"] and not self.clinical_entities():
            # "can u put that in lay terms": the extractor's wording request is surer than a low-confidence intent
            intent = "choose_audience"
        if intent == "out_of_scope" and not self.clinical_entities():
            return Request(act=Act.out_of_scope, **base)
        if intent != "what_if" and self.clinical_entities() and self.state.case != Case() \
                and HYPOTHETICAL.search(self.text):
            intent = "what_if"  # "and if it were node positive?": never applied to the case
        if intent == "what_if" and self.text and not HYPOTHETICAL.search(self.text) and not continues_what_if:
            # a what-if is in the words ("what if", "suppose", "if it were"), never only in a classifier's guess
            intent = "give_values"
        if intent == "nlu_fallback" and site_ihc_question_intent(self.text):
            # "CDX2+ — which test next to find it": the stain and the question words say what is asked
            intent = site_ihc_question_intent(self.text) or intent
        if intent == "nlu_fallback" and not self.clinical_entities() and how_common_question_intent(self.text):
            # "% of NETs that are cup?": how common an unknown primary is
            intent = "ask_definition"
        self.intent = intent
        reply, said_unknown = self.pending_reply()
        if intent == "choose_audience":
            return Request(act=Act.choose_audience, **base)
        if intent == "explain":
            return Request(act=Act.explain, **base)
        if intent == "what_if":
            return self.what_if(base)
        if intent.startswith("ask_") and intent != "ask_capabilities":
            return self.question(base, reply)
        if reply or said_unknown or self.clinical_entities() or intent == "give_values":
            return self.give_values(base, reply, said_unknown)
        simple = {"affirm": Act.affirm, "deny": Act.deny, "greet": Act.greet, "thanks": Act.thanks,
                  "goodbye": Act.thanks}
        if intent in simple:
            return Request(act=simple[intent], **base)
        ranked = ranked_topic(self.text) if intent == "nlu_fallback" and not self.clinical_entities() else None
        if ranked:
            # "netter 1 entry criteria?": the classifier is unsure, the words clearly match reviewed statements
            return Request(act=Act.answer, asks=[Ask(topic=ranked)], **base)
        return Request(act=Act.clarify, **base)  # nlu_fallback and anything unknown

    def pending_reply(self) -> Tuple[List[Dict[str, Any]], bool]:
        """Entities read from a short reply to the pending question, and whether it said 'not known'."""
        pending = self.state.pending
        if not pending:
            return [], False
        return reply_entities(pending, self.text, self.intent, self.clinical_entities())

    def updated(self, base: Dict[str, Any], extra: Iterable[Dict[str, Any]] = (), hypothetical: bool = False,
                on: Optional[Case] = None) -> Dict[str, Any]:
        """The case after this message's values (and a short reply's), with what was read and how; `on` is the
        case they are applied to when it is not the recorded one (a what-if built on the last what-if), and
        then every field that differs from the recorded case is a change."""
        entities = self.clinical_entities() + list(extra)
        update: CaseUpdate = apply_entities(self.state.case if on is None else on, entities)
        changed = list(update.changed)
        if on is not None and update.changed:
            recorded = self.state.case
            changed = [f for f in Case.model_fields if getattr(update.case, f) != getattr(recorded, f)]
        return dict(base, case=update.case, changed=changed, problems=list(update.problems),
                    notes=list(update.notes), not_assessed=list(update.not_assessed),
                    values=case_values(entities, self.text, hypothetical))

    def what_if(self, base: Dict[str, Any]) -> Request:
        # "suppose also 2 nodes positive", "and if on top of that ...": added to the last what-if's copy
        stacked = self.state.what_if_case if ADDS_TO_WHAT_IF.search(self.text) else None
        fields = self.updated(base, hypothetical=True, on=stacked)
        bare = BARE_NUMBER.fullmatch(BARE_NUMBER_WORDS.sub(" ", self.text).strip()) if not fields["changed"] else None
        field = self.bare_number_field() if bare else None
        if field:
            # "what if it were 1.9?" after a stage: the number is the value the last answer turned on
            value = bare.group(1) if field != "mitoses" else f"{bare.group(1)}/2mm2"
            fields = self.updated(base, [{"entity": NUMBER_ENTITIES[field], "value": value}], hypothetical=True, on=stacked)
        if not fields["changed"] and self.state.case == Case() and self.state.what_if_case is None:
            # "if it had been negative with high suspicion, then what?" with no case to change: a conditional
            # question about the knowledge, answered from the statements its words clearly match
            ranked = self.ranked_question(fields["case"])
            if ranked:
                return Request(act=Act.answer, asks=[Ask(topic=ranked)], **self.updated(base))
        topics = affected_topics(fields["changed"], self.state.last_topic) or [self.state.last_topic or "grade"]
        return Request(act=Act.what_if, asks=[Ask(topic=t) for t in topics] if fields["changed"] else [], **fields)

    def question(self, base: Dict[str, Any], reply: List[Dict[str, Any]]) -> Request:
        """A question intent (ask_*): the asks it names, with any values given."""
        fields = self.updated(base, reply)
        case: Case = fields["case"]
        changed = set(fields["changed"])

        def answer(topics: Sequence[str], **extra: Any) -> Request:
            optional = set(extra.pop("optional", ()))
            asked = self.with_site_topic(list(topics), case)
            optional |= set(asked) - set(topics)  # an added site topic is left out when nothing in it applies
            return Request(act=Act.answer, asks=[Ask(topic=t, optional=t in optional) for t in asked],
                           **fields, **extra)

        topic = topic_for(self.intent, self.text, case)
        if topic == "workup" and self.text and not case.tests_done and not case.ihc \
                and not any(has_inputs(case, t) for t in ("grade", "stage")) and "workup" not in self.asked(case):
            # "in what % of NET-CUP does SSTR PET find the primary?": a question about one test, asked with no
            # case values (a site alone is not a case), is answered from that test's own statements when they
            # clearly match
            own_topic = ranked_topic(self.text, min_score=STRONG_SCORE) or "workup"
            if own_topic != "workup":
                return answer([own_topic])
        if topic not in (None, *COMPUTED_TOPICS) and self.text:
            # the words' routing is one signal: the best-ranked statements across the whole knowledge base
            # (those that apply to the case) decide when they clearly lie in another topic (a keyword must not
            # hijack the answer); the case's values are left out of the words ranked
            asked = [t for t in self.asked(case) if t not in COMPUTED_TOPICS]
            topic = self.information_asks([topic] + asked, case)[0]
        computation = COMPUTATION_OF_RULES_TOPIC.get(topic or "")
        if computation and has_inputs(case, computation) and changed & (INPUTS[computation] - SHARED_INPUTS):
            # "RML carcinoid, 1 mitosis per 2 mm2, necrosis present - TC or AC?": values given with a grading
            # (or staging) question ask for the computation on them, not for the rules in general
            topic = computation
        if topic is None:
            return Request(act=Act.clarify, **fields)
        topics = [topic]
        uninvited: Optional[str] = None
        if topic in ("grade", "stage") and wants_grade_and_stage(self.text):
            topics = ["grade", "stage"]
        # every result the values decide is shown, a stage without its group (no M yet) included when a staging
        # finding was given: T and N are results too ("rectal NET 2.2 cm in submucosa, LN 0/3 - surveillance?")
        given = self.given_computations(case, changed, need_group=topic not in ("grade", "stage"))
        if topic in ("grade", "stage"):
            # "ileal NET 1.8cm, Ki-67 4%, 0/14 LN, no mets - stage?": the values of the other computation were
            # given in this message too, so both results are shown, the grade first
            uninvited = next((t for t in given if t not in topics), None)
        elif given and topic not in COMPUTATION_OF_RULES_TOPIC:
            # a vignette with values and another ask ("... Ki67 12%, primary occult - next step?"): the results
            # its values decide come first, then the ask; the values to ask for are those of what was asked
            others = [t for t in self.with_site_topic(self.with_other_asks([topic], case), case) if t not in given]
            # computed results first, in their own order, then the information asks in the order asked
            ordered = [t for t in ("grade", "stage") if t in given or t in others] + \
                [t for t in given + others if t not in ("grade", "stage")]
            return Request(act=Act.answer, asks=[Ask(topic=t, optional=t not in COMPUTED_TOPICS) for t in ordered],
                           uninvited=given, **fields)
        also = self.with_other_asks(topics, case)[len(topics):]
        if also:
            # "grade, stage and what next?": every question asked, computed results first; an added
            # information topic with nothing that applies to the case is left out, not shown as a gap
            ordered = [t for t in ("grade", "stage") if t in topics or t in also or t == uninvited]
            ordered += [t for t in topics + also if t not in ordered]
            # "how are NETs graded, and the prognosis?" with no values: the grading rules, not an empty grade
            ordered = [general_topic(t, case, self.text) if t in ("grade", "stage") and not has_inputs(case, t)
                       else t for t in ordered]
            return answer(ordered, optional=set(ordered) - {"grade", "stage"}, uninvited=[uninvited] if uninvited else [])
        if uninvited:
            # the values to ask for are those of what was asked, and a follow-up continues the ask
            return answer(["grade", "stage"], uninvited=[uninvited], continue_topic=topic)
        if topics == [topic] and topic in ("grade", "stage") and not has_inputs(case, topic):
            # "how are NETs graded?" with no values: the rules themselves, then the first value they need;
            # unless the words clearly ask about something else ("ckd stage 4, CgA raised - meaning?")
            general = general_topic(topic, case, self.text)
            other = self.information_asks([general], case)[0]
            if other != general:
                return answer([other])
            return answer([general], ask_order=ask_order(topic, case))
        return answer(topics)

    def with_site_topic(self, topics: List[str], case: Case) -> List[str]:
        """A next-step ask about a case whose site or syndrome has its own topic ("2.5 cm appendix NET after
        appendectomy - next step?") is also answered from that topic (knowledge/topics.yml `about`) when the
        topic's statements that apply to the case match the words that ask."""
        if "workup" not in topics:
            return topics
        context = case_context(case)
        if context is None:
            return topics
        words = self.text_without_values()
        own = [t for t, about in statement_index().site_topics.items() if about_case(about, context)
               and any(score >= ROUTE_SCORE for _, score in rank_statements(words, topic=t, limit=1, context=context))]
        return topics + [t for t in own if t not in topics]

    def given_computations(self, case: Case, changed: set, need_group: bool = True) -> List[str]:
        """The computations whose values this message gives, in answer order: the grade when a grading value
        is given, the stage when a staging value is given (and, with `need_group`, the stage decides a group:
        a T alone under an assumption is left to a stage question)."""
        given = [t for t in ("grade", "stage") if has_inputs(case, t) and changed & (INPUTS[t] - SHARED_INPUTS)]
        if "grade" not in given and "differentiation" in changed and case.differentiation is Differentiation.poorly \
                and has_inputs(case, "grade") and changed - {"differentiation", "nec_subtype", "site"}:
            # "colonic small cell NEC with liver mets": the morphology alone decides the category of a tumour
            # (a case: a value of the patient's tumour is given with it; "is cga up in small cell lung ca?" and
            # "is NET G3 the same as NEC?" name the concept)
            given.insert(0, "grade")
        if need_group and "stage" in given and result_codes(case).get("stage_group") is None \
                and not changed & STAGING_FINDINGS:
            given.remove("stage")  # a size alone gives only a T under an assumption: left to a stage question
        return given

    def with_other_asks(self, topics: List[str], case: Case) -> List[str]:
        """The asks named, then every other ask of the message's words, then the asks no keyword names that the
        statements written for the case's site clearly answer ("typical carcinoid 1.8cm N0 - lobectomy or
        sublobar?")."""
        also = [t for t in self.information_asks(self.asked(case), case)
                if t not in topics and (t not in ("grade", "stage") or has_inputs(case, t))]
        # an information ask the words or the intent name (every one the words name is in `also` by now)
        information_named = any(t not in COMPUTED_TOPICS for t in topics + also)
        also += [t for t in self.unnamed_asks(case, information_named) if t not in topics + also]
        return topics + also

    def ranked_question(self, case: Case) -> Optional[str]:
        """The topic whose statements clearly answer the question: its asking clauses first, else the whole
        message without its values (a short "how good?" after the clause that names the stain)."""
        for words in (self.ask_text(), self.text_without_values()):
            best = best_ranked(words, case)
            if best and best[1] >= ROUTE_SCORE and best[0] not in COMPUTED_TOPICS:
                return best[0]
        return None

    def continues_what_if(self) -> bool:
        """A bare number right after a what-if ("and at 19?", "say it were exactly 20", "and 3.0?") is the next
        value of the same what-if, whatever the classifier guessed."""
        if self.state.what_if_case is None or not self.text or self.clinical_entities():
            return False
        return BARE_NUMBER.fullmatch(BARE_NUMBER_WORDS.sub(" ", self.text).strip()) is not None

    def bare_number_field(self) -> Optional[str]:
        """The Case field a bare number in a what-if stands for: the number field the last what-if changed, else
        the one the last computed answer turned on (the size for a stage, the Ki-67 - or the mitotic count when
        only that was given - for a grade)."""
        case, topic = self.state.case, self.state.last_topic
        last = self.state.what_if_case
        if last is not None:
            changed = [f for f in NUMBER_ENTITIES if getattr(last, f, None) != getattr(case, f, None)]
            if len(changed) == 1:
                return changed[0]
        if topic == "stage" and case.tumour_size_cm is not None:
            return "tumour_size_cm"
        if topic == "grade":
            return "mitoses" if case.ki67_percent is None and case.mitoses is not None else "ki67_percent"
        return None

    def give_values(self, base: Dict[str, Any], reply: List[Dict[str, Any]], said_unknown: bool) -> Request:
        """Values given (or a short reply to the pending question) without a question intent."""
        fields = self.updated(base, reply)
        case: Case = fields["case"]
        if said_unknown and self.state.pending:
            fields["said_unknown"] = self.state.pending
            fields["values"] = fields["values"] + [CaseValue(entity=self.state.pending, value="not known",
                                                             status=ValueStatus.not_known, words=self.text)]
        if not reply and not said_unknown and self.state.case == Case() \
                and set(fields["changed"]) <= QUESTION_CONTEXT_FIELDS and QUESTION_FORM.search(self.text):
            # a question that names only what it is about ("type 1 gastric NET, what's the mechanism?", "RADIANT-4 -
            # were pts with carcinoid syndrome allowed?") asks for knowledge, not for a computation on a case
            ranked = self.ranked_question(case)
            if ranked:
                return Request(act=Act.answer, asks=[Ask(topic=ranked)], **fields)
        topics = affected_topics(fields["changed"], self.state.last_topic)
        lab = lab_question_topic(self.text) if topics == ["workup"] else None
        if lab:
            topics = [lab]  # "VIPoma ... what level is diagnostic?" asks for the lab
        if not topics and (said_unknown or fields["not_assessed"]) and self.state.last_topic:
            topics = [self.state.last_topic]
        asked = [] if topics else [t for t in self.asked(case) if t not in ("grade", "stage") or has_inputs(case, t)]
        asked = self.information_asks(asked, case) if asked else asked
        if asked:
            # values with a question the classifier did not name ("NSE high in pt with NEC - meaningful?")
            return Request(act=Act.answer, asks=[Ask(topic=t, optional=t not in ("grade", "stage")) for t in asked],
                           **fields)
        best = best_ranked(self.ask_text(), case) if QUESTION_FORM.search(self.text) else None
        ranked = best[0] if best and best[1] >= ROUTE_SCORE else None
        if ranked and not topics:
            # "type 1 gastric net pathophysiology?": a site named with a question the statements answer
            return Request(act=Act.answer, asks=[Ask(topic=ranked)], **fields)
        if best and ranked and ranked not in topics and best[1] >= STRONG_SCORE:
            # "8 mm gastric NET, pernicious anaemia - resect or watch?": the values are graded and staged, and
            # the question the words clearly ask is answered after them
            return Request(act=Act.answer, asks=[Ask(topic=t) for t in topics] + [Ask(topic=ranked, optional=True)],
                           **fields)
        if not topics:
            if fields["changed"]:
                return Request(act=Act.values_noted, **fields)
            return Request(act=Act.answer if fields["problems"] else Act.clarify, **fields)
        return Request(act=Act.answer, asks=[Ask(topic=t) for t in topics], **fields)
