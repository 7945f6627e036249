"""One conversation turn, independent of Rasa: state + understood message -> replies + new state.

The Rasa action (actions/actions.py) only reads slots and the parsed message, calls `handle_turn`
and dispatches what it returns. The CLI and the tests call the same function.

The dialogue in one place:
- every question is answered at once with what is known; a grade, stage or workup answer then asks
  for the ONE missing value that would most change or complete it (`state.pending`);
- the next message may answer that question ("18", "no", "not known", a button), give other values,
  correct one ("sorry, Ki-67 was 18"), or ask something else (answered at once; the question lapses);
- "not known" is remembered (`state.unknown_fields`): never asked again, and the answer says what stays
  provisional; "start over" clears the case;
- a what-if is computed on a copy of the case: the recorded case never changes;
- the audience changes wording only and never blocks an answer (clinician by default).
"""

from __future__ import annotations

import json
import re
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from pydantic import BaseModel, Field

from bot.answer_tables import COMPUTED_TOPICS
from bot.case_update import CaseUpdate, apply_entities, describe_value, field_label, reply_entities
from bot.models import Case
from bot.safety import safety_check
from bot.topics import (
    ASKED_WORDS,
    asked_topics,
    how_common_question_intent,
    lab_question_topic,
    site_ihc_question_intent,
    topic_for,
)

AUDIENCES = ("clinician", "patient")

# --------------------------------------------------------------------------------------------
# Fixed wording (boilerplate: no clinical claim lives here)
# --------------------------------------------------------------------------------------------

CAPABILITIES = (
    "I answer questions about neuroendocrine neoplasms, above all NETs of unknown primary: "
    "WHO grading from Ki-67 and mitoses, AJCC 8 staging, the workup to find the primary (imaging, "
    "laboratory tests, immunohistochemistry, endoscopy, surgery), treatment direction by grade and "
    "differentiation, and prognosis. Every answer cites its sources. Try: "
    "\"Ki-67 12%, 1 mitosis per 2 mm2, what grade?\" or \"liver mets, no primary found, what next?\""
)
COVERED = (
    "I only answer questions about neuroendocrine neoplasms (NETs and NECs): grading, staging, the workup "
    "of an unknown primary, imaging, laboratory tests, immunohistochemistry, treatment direction and prognosis."
)
OUT_OF_SCOPE_DEFAULT = "That is outside what I cover."
# Emergencies, doses, other cancers, requests to invent and invented names: bot/safety.py, before anything else.
# gibberish may be classified as fallback or out of scope: both say what is covered and offer the same buttons
CLARIFY = "I am not sure what you are asking. " + COVERED + " Did you mean one of these?"
CLARIFY_BUTTONS = [
    {"title": "Grade a tumour", "payload": "How do I grade a NET from Ki-67 and mitoses?"},
    {"title": "Stage a tumour", "payload": "How are NETs of unknown primary staged?"},
    {"title": "Work-up of unknown primary", "payload": "What is the workup for a NET of unknown primary?"},
]
AUDIENCE_QUESTION = "Which best describes you? Your choice changes the wording, never the facts."
AUDIENCE_BUTTONS = [
    {"title": "Clinician", "payload": '/choose_audience{"audience": "clinician"}'},
    {"title": "Patient or caregiver", "payload": '/choose_audience{"audience": "patient"}'},
]
AUDIENCE_SET = {
    "clinician": "Thank you. I will use clinical wording.",
    "patient": "Thank you. I will use plain language.",
}
CLEARED = "Cleared. The case is empty; ask a new question whenever you are ready."
NOTHING_TO_EXPLAIN = (
    "There is no result to explain yet. Give me the values (for example \"Ki-67 12%, 1 mitosis per 2 mm2\") "
    "and ask for the grade, stage or next steps."
)
WHAT_IF_NEEDS_A_VALUE = (
    "Which value should I change? For example: \"what if the Ki-67 were 25%?\" or \"what if there were bone "
    "metastases too?\". The recorded case stays as it is."
)
WHAT_IF_LEAD = "What if: {changes}? Computed on a copy; the recorded case is unchanged."
ACK_AFFIRM = "Good. What would you like to know next?"
ACK_DENY = "All right. What would you like to ask instead?"
ASK_LEAD = "One more value would change or complete this answer: {question}"
ASK_TAIL = " If it was not reported, say \"not known\"."
NOT_KNOWN_NOTE = "Noted: the {label} is not known. The answer uses what is known and stays provisional without it."
NOTED = "Noted: {changes}."
WHAT_NEXT_BUTTONS = [
    {"title": "Grade", "payload": "What is the grade?"},
    {"title": "Stage", "payload": "What is the stage?"},
    {"title": "Next steps", "payload": "What are the next steps in the workup?"},
]
NOT_KNOWN_BUTTON = {"title": "Not known", "payload": "not known"}

# Buttons offered with the question for a missing value. Intent payloads skip the NLU, so a click is
# always understood; "not known" is plain text, recognised while the question is pending.
def _value_button(title: str, entity: str, value: str) -> Dict[str, str]:
    """A button that gives one value, as a /give_values payload with the entity the extractor would emit."""
    return {"title": title, "payload": "/give_values" + json.dumps({entity: value})}


VALUE_BUTTONS: Dict[str, List[Dict[str, str]]] = {
    "site": [
        _value_button("Unknown primary", "site", "unknown"),
        _value_button("Pancreas", "site", "pancreas"),
        _value_button("Small intestine", "site", "jejunum_ileum"),
        _value_button("Lung", "site", "lung"),
    ],
    "differentiation": [
        _value_button("Well differentiated", "differentiation", "well"),
        _value_button("Poorly differentiated", "differentiation", "poorly"),
        NOT_KNOWN_BUTTON,
    ],
    "necrosis": [
        _value_button("Necrosis present", "necrosis", "present"),
        _value_button("No necrosis", "necrosis", "absent"),
        NOT_KNOWN_BUTTON,
    ],
    "nodes_positive": [
        _value_button("Nodes positive", "nodes", "positive"),
        _value_button("Nodes negative", "nodes", "negative"),
        NOT_KNOWN_BUTTON,
    ],
    "metastatic_sites": [
        _value_button("No distant metastases", "no_metastasis", "any"),
        _value_button("Liver metastases", "metastasis", "liver"),
        NOT_KNOWN_BUTTON,
    ],
}

# Depth-of-invasion choices in each chapter's own terms (values of bot.models.Invasion).
INVASION_BUTTONS_BY_SITE: Dict[str, List[Dict[str, str]]] = {
    "pancreas": [
        _value_button("Limited to the pancreas", "invasion", "confined"),
        _value_button("Into duodenum or bile duct", "invasion", "duodenum_or_bile_duct"),
        _value_button("Adjacent organs or large vessels", "invasion", "serosa_or_adjacent_organs"),
    ],
}
INVASION_BUTTONS_GI = [
    _value_button("Mucosa or submucosa only", "invasion", "confined"),
    _value_button("Into the muscularis propria", "invasion", "muscularis_propria"),
    _value_button("Through to the subserosa", "invasion", "subserosa"),
    _value_button("Serosa or other organs", "invasion", "serosa_or_adjacent_organs"),
]


def invasion_buttons(site: Optional[str]) -> List[Dict[str, str]]:
    return INVASION_BUTTONS_BY_SITE.get(site or "", INVASION_BUTTONS_GI) + [NOT_KNOWN_BUTTON]


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
# Values each computation reads; a change to one of them re-answers that computation.
INPUTS: Dict[str, frozenset] = {
    "grade": frozenset({"ki67_percent", "mitoses", "mitoses_unit", "necrosis", "cells_counted", "site", "differentiation"}),
    "stage": frozenset({"tumour_size_cm", "invasion", "nodes_positive", "positive_node_count", "bulky_mesenteric_mass",
                        "metastatic_sites", "site", "differentiation"}),
}
# Values that alone do not say which computation is wanted.
SHARED_INPUTS = frozenset({"site", "differentiation"})
WORKUP_ONLY_INPUTS = frozenset({"tests_done", "ihc", "functional_syndrome"})

# A hypothetical in the words of the message, whatever the intent: computed on a copy, never recorded.
HYPOTHETICAL = re.compile(
    r"\bwhat if\b|\bwhat about if\b|\bsuppos(e|ing)\b|\bhypothetical|\bimagine\b|"
    r"\bif\b.{0,50}\b(were|had been|would be|came back|turned out|turns out)\b|\bwould (it|that|the \w+) (change|be)\b.{0,40}\bif\b",
    re.IGNORECASE)
# Back to the recorded case after a what-if: "ok, and as it actually is?", "back to the real case"
BACK_TO_RECORDED = re.compile(
    r"\b(as it (actually |really )?(is|stands)|actual(ly)? (case|values|findings|one)|the real (case|one|values)|"
    r"back to (the )?(real|actual|original|recorded)|without the (change|what.?if)|as (it was )?(recorded|reported)|"
    r"real case|original case|actually is|actually stands)\b",
    re.IGNORECASE)
BACK_TO_RECORDED_LEAD = "Back to the recorded case (the what-if is not kept):"
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
QUESTION_FORM = re.compile(r"\?|^\s*(what|which|how|when|where|who|why|is|are|does|do|should|can|could|would)\b", re.IGNORECASE)
PAYLOAD = re.compile(r"^\s*/")
# a letter or digit in any script; a message without one is emoji or punctuation only ("👍", "🙂", "???")
HAS_WORDS = re.compile(r"[^\W_]")
NO_WORDS_REASKED = (
    "I cannot take a clinical value from an emoji or a symbol alone, so nothing was recorded. "
    "Please answer in words or with a button."
)


class ConversationState(BaseModel):
    case: Case = Field(default_factory=Case)
    audience: str = "clinician"
    last_topic: Optional[str] = None
    pending: Optional[str] = None  # the Case field the previous reply asked for
    unknown_fields: List[str] = Field(default_factory=list)  # the user said these are not known


class Message(BaseModel):
    text: str
    buttons: List[Dict[str, str]] = Field(default_factory=list)
    custom: Optional[Dict[str, Any]] = None  # structured answer (topic, computed result) for channels that want it


class TurnResult(BaseModel):
    messages: List[Message]
    state: ConversationState
    topics: List[str] = Field(default_factory=list)
    statement_ids: List[str] = Field(default_factory=list)
    rule_ids: List[str] = Field(default_factory=list)


# --------------------------------------------------------------------------------------------
# The turn
# --------------------------------------------------------------------------------------------


def handle_turn(
    state: ConversationState,
    intent: str,
    entities: List[Dict[str, Any]],
    text: str,
    channel: str = "markdown",
) -> TurnResult:
    """Answer one user message. Never raises for anything the user can type."""
    return _Turn(state, intent or "nlu_fallback", list(entities or []), text or "", channel).run()


class _Turn:
    def __init__(self, state: ConversationState, intent: str, entities: List[Dict[str, Any]], text: str, channel: str):
        self.state = state
        self.intent = intent
        self.entities = [e for e in entities if isinstance(e, dict)]
        self.text = "" if PAYLOAD.match(text) else text  # a button payload carries no words to read
        self.channel = channel
        self.messages: List[Message] = []
        self.topics: List[str] = []
        self.statement_ids: List[str] = []
        self.rule_ids: List[str] = []
        self.missing: Dict[str, List[str]] = {}  # topic answered -> the Case fields its answer still needs
        # answers rendered to decide what to answer (see abstains), handed to answer() instead of rendered again
        self.prerendered: Dict[tuple, Dict[str, Any]] = {}

    # --- result ---

    def result(self, pending: Optional[str] = None) -> TurnResult:
        # a question lapses after one turn: the next message either answers it or moves on
        self.state = self.state.model_copy(update={"pending": pending})
        return TurnResult(
            messages=self.messages, state=self.state, topics=self.topics,
            statement_ids=self.statement_ids, rule_ids=self.rule_ids,
        )

    def say(self, text: str, buttons: Optional[List[Dict[str, str]]] = None) -> None:
        self.messages.append(Message(text=text, buttons=list(buttons or [])))

    # --- dispatch ---

    def run(self) -> TurnResult:
        self.set_audience()
        intent = self.intent
        if BACK_TO_RECORDED.search(self.text) and not self.clinical_entities() and self.state.last_topic:
            # "back to the real case please" is never a start over, whatever the classifier says
            return self.back_to_recorded()
        if intent == "start_over" and self.text and not START_OVER_WORDS.search(self.text):
            # clearing the case loses work: only when the words ask for it, never on a classifier's guess
            intent = self.intent = "nlu_fallback"
        if intent == "start_over":
            self.state = ConversationState(audience=self.state.audience)
            self.say(CLEARED)
            return self.result()
        if intent == "ask_capabilities":
            self.say(CAPABILITIES, AUDIENCE_BUTTONS)
            return self.result()
        if self.text and not HAS_WORDS.search(self.text):
            return self.no_words()
        check = safety_check(self.text)
        if check is not None:
            # the safety answer first (its first sentence); the ordinary answer follows only where the table
            # allows it (after a refusal to invent, or after "ask your care team first")
            self.say(check.reply, [] if check.kind == "emergency" else CLARIFY_BUTTONS)
            # an unknown name inside a case with values ("CDX7 positive, Ki-67 5%") is said, and the values are
            # still graded and staged; a question about the unknown name alone gets nothing more
            values_given = check.kind == "invented_item" and bool(self.clinical_entities())
            if not (check.then_answer or values_given):
                return self.result()
        if intent in ("nlu_fallback", "out_of_scope") and self.asks_for_audience():
            # "can u put that in lay terms": the extractor's wording request is surer than a low-confidence intent
            intent = self.intent = "choose_audience"
        if intent == "out_of_scope" and not self.clinical_entities():
            if check is None:
                self.say(f"{OUT_OF_SCOPE_DEFAULT} {COVERED}", CLARIFY_BUTTONS)
            return self.result()

        if intent != "what_if" and self.clinical_entities() and self.state.case != Case() \
                and HYPOTHETICAL.search(self.text):
            intent = self.intent = "what_if"  # "and if it were node positive?": never applied to the case
        if intent == "nlu_fallback" and site_ihc_question_intent(self.text):
            # "CDX2+ — which test next to find it": the stain and the question words say what is asked
            intent = self.intent = site_ihc_question_intent(self.text) or intent
        if intent == "nlu_fallback" and not self.clinical_entities() and how_common_question_intent(self.text):
            # "% of NETs that are cup?": how common an unknown primary is
            intent = self.intent = "ask_definition"
        reply, said_unknown = self.pending_reply()
        if intent == "choose_audience":
            return self.choose_audience()
        if intent == "explain":
            return self.explain()
        if intent == "what_if":
            return self.what_if()
        if intent.startswith("ask_") and intent not in ("ask_capabilities",):
            return self.question(reply)
        if reply or said_unknown or self.clinical_entities() or intent == "give_values":
            return self.give_values(reply, said_unknown)
        if intent == "affirm":
            self.say(ACK_AFFIRM)
            return self.result()
        if intent == "deny":
            self.say(ACK_DENY)
            return self.result()
        if intent == "greet":
            self.say("Hello, I am NETguide. " + AUDIENCE_QUESTION, AUDIENCE_BUTTONS)
            return self.result()
        if intent in ("thanks", "goodbye"):
            self.say("You are welcome. Ask another question any time.")
            return self.result()
        ranked = ranked_topic(self.text) if intent == "nlu_fallback" and not self.clinical_entities() else None
        if ranked:
            # "netter 1 entry criteria?": the classifier is unsure, the words clearly match reviewed statements
            self.answer([ranked], self.state.case)
            return self.result()
        self.say(CLARIFY, CLARIFY_BUTTONS)  # nlu_fallback and anything unknown
        return self.result()

    # --- understanding ---

    def set_audience(self) -> None:
        audience = next((str(e.get("value")) for e in self.entities if e.get("entity") == "audience"), None)
        if audience in AUDIENCES:
            self.state = self.state.model_copy(update={"audience": audience})

    def asks_for_audience(self) -> bool:
        return any(e.get("entity") == "audience" for e in self.entities) and not self.clinical_entities()

    def clinical_entities(self) -> List[Dict[str, Any]]:
        return [e for e in self.entities if e.get("entity") not in (None, "audience")]

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
        values = self.value_spans()
        about = [self.text[e["start"]:e["end"]] if isinstance(e.get("start"), int) and isinstance(e.get("end"), int)
                 else str(e.get("value", "")).replace("_", " ")
                 for e in self.clinical_entities() if e.get("entity") in ASK_CONTEXT_ENTITIES]
        question = self.question_clauses()
        if question:
            text = " ".join(question + about)
        else:
            text = self.text
            for start, end in sorted(values, reverse=True):
                text = text[:start] + " " + text[end:]
        if without_computed_asks:
            # "stage, treatment options": the words asking for the stage are not the treatment question's words
            for kind, pattern in ASKED_WORDS:
                if kind in COMPUTED_TOPICS and pattern:
                    text = re.sub(pattern, " ", text, flags=re.IGNORECASE)
        return text

    def unnamed_ask(self, case: Case) -> Optional[str]:
        """The information topic whose statements (that apply to the case) clearly answer the question clauses
        of a vignette whose asks no keyword names; None otherwise."""
        if not self.clinical_entities() or not self.question_clauses() or asked_topics(self.text, case):
            return None  # no vignette, no question clause, or its asks are named (they are answered as named)
        from bot.ranking import STRONG_SCORE, statement_index

        topic = ranked_topic(self.ask_text(without_computed_asks=True), STRONG_SCORE, case)
        # only a topic written for this case's site or syndrome ("lobectomy or sublobar?" for a lung carcinoid):
        # general topics are reached through the asks that name them
        return topic if topic in statement_index().site_topics else None

    def information_asks(self, topics: Sequence[str], case: Case) -> List[str]:
        """Each information topic asked, answered from the topic whose statements (that apply to the case)
        best answer the words of the question (bot/ranking.best_topic); computed topics unchanged. With two
        or more information asks in one message ("likely primary and tx?") each keeps its own routing: the
        words of the whole message belong to several asks, so they cannot pick one topic for each."""
        from bot.ranking import best_topic  # lazy: the statement index is built on first use

        information = [t for t in topics if t not in COMPUTED_TOPICS]
        if len(set(information)) != 1:
            return list(dict.fromkeys(topics))
        # the words asking for a grade or stage belong to that ask when the message also has one
        also_computed = any(t in COMPUTED_TOPICS for t in asked_topics(self.text, case))
        ask, context = self.ask_text(without_computed_asks=also_computed and information[0] not in COMPUTATION_OF_RULES_TOPIC), \
            case_context(case)
        chosen = [t if t in COMPUTED_TOPICS else best_topic(ask, t, context=context) for t in topics]
        return list(dict.fromkeys(chosen))

    def pending_reply(self) -> Tuple[List[Dict[str, Any]], bool]:
        """Entities read from a short reply to the pending question, and whether it said 'not known'."""
        pending = self.state.pending
        if not pending:
            return [], False
        return reply_entities(pending, self.text, self.intent, self.clinical_entities())

    def merged(self, extra: Iterable[Dict[str, Any]] = ()) -> CaseUpdate:
        return apply_entities(self.state.case, self.clinical_entities() + list(extra))

    def report_update(self, update: CaseUpdate, previous: Case, what_if: bool = False) -> None:
        for text in update.problems + update.notes:
            self.say(text)
        if not what_if:
            changes = describe_changes(previous, update.case, update.changed, only_corrections=True)
            if changes:
                self.say(NOTED.format(changes=changes))
        self.say_result_changes(previous, update.case)

    def say_result_changes(self, previous: Case, case: Case) -> None:
        """An update or a what-if shows at once what it changed in the computed results."""
        if previous == case or not any(has_inputs(previous, t) for t in ("grade", "stage")):
            return
        changes = describe_result_changes(result_codes(previous), result_codes(case))
        if changes:
            self.say(RESULTS_CHANGED.format(changes=changes))

    # --- intents ---

    def back_to_recorded(self) -> TurnResult:
        """After a what-if: the recorded case, answered again (the what-if was never recorded)."""
        self.say(BACK_TO_RECORDED_LEAD)
        topics = [t for t in ("grade", "stage") if has_inputs(self.state.case, t)] or [self.state.last_topic]
        self.answer(topics, self.state.case)
        return self.result()

    def no_words(self) -> TurnResult:
        """Emoji or punctuation only, whatever intent the classifier guessed. With a question pending
        (even a yes/no one: 👍 may mean "yes" or just "seen", and a node status or a metastasis changes
        the stage) the question is asked again and nothing is recorded; otherwise what is covered."""
        pending = self.state.pending
        if pending and pending not in self.state.unknown_fields and getattr(self.state.case, pending, None) is None:
            self.say(NO_WORDS_REASKED)
            return self.result(self.ask_missing(order=(pending,)))
        self.say(CLARIFY, CLARIFY_BUTTONS)
        return self.result()

    def choose_audience(self) -> TurnResult:
        if not any(e.get("entity") == "audience" for e in self.entities):
            self.say(AUDIENCE_QUESTION, AUDIENCE_BUTTONS)
            return self.result()
        intro = AUDIENCE_SET[self.state.audience]
        topic = self.state.last_topic
        if not topic:
            self.say(intro + " What would you like to know?")
            return self.result()
        self.say(intro + " Here is the last answer again in that wording.")
        self.answer([topic], self.state.case)
        return self.result()

    def question(self, reply: List[Dict[str, Any]]) -> TurnResult:
        previous = self.state.case
        update = self.merged(reply)
        self.state = self.state.model_copy(update={"case": update.case})
        self.report_update(update, previous)
        topic = topic_for(self.intent, self.text, update.case)
        if topic == "workup" and self.text and not update.case.tests_done and not update.case.ihc \
                and not any(has_inputs(update.case, t) for t in ("grade", "stage")) \
                and "workup" not in asked_topics(self.text, update.case):
            from bot.ranking import STRONG_SCORE

            # "in what % of NET-CUP does SSTR PET find the primary?": a question about one test, asked with no
            # case values (a site alone is not a case), is answered from that test's own statements when they
            # clearly match
            own_topic = ranked_topic(self.text, min_score=STRONG_SCORE) or "workup"
            if own_topic != "workup":
                self.answer([own_topic], update.case)
                return self.result()
        if topic not in (None, *COMPUTED_TOPICS) and self.text:
            # the words' routing is one signal: the best-ranked statements across the whole knowledge base
            # (those that apply to the case) decide when they clearly lie in another topic (a keyword must not
            # hijack the answer); the case's values are left out of the words ranked
            asked = [t for t in asked_topics(self.text, update.case) if t not in COMPUTED_TOPICS]
            topic = self.information_asks([topic] + asked, update.case)[0]
        computation = COMPUTATION_OF_RULES_TOPIC.get(topic or "")
        if computation and has_inputs(update.case, computation) \
                and set(update.changed) & (INPUTS[computation] - SHARED_INPUTS):
            # "RML carcinoid, 1 mitosis per 2 mm2, necrosis present - TC or AC?": values given with a grading
            # (or staging) question ask for the computation on them, not for the rules in general
            topic = computation
        if topic is None:
            self.say(CLARIFY, CLARIFY_BUTTONS)
            return self.result()
        topics = [topic]
        uninvited: Optional[str] = None
        if topic in ("grade", "stage") and wants_grade_and_stage(self.text):
            topics = ["grade", "stage"]
        elif topic in ("grade", "stage"):
            # "ileal NET 1.8cm, Ki-67 4%, 0/14 LN, no mets - stage?": the values of the other computation were
            # given in this message too, so both results are shown, the grade first
            other = "stage" if topic == "grade" else "grade"
            if has_inputs(update.case, other) and set(update.changed) & (INPUTS[other] - SHARED_INPUTS):
                uninvited = other
        also = [t for t in self.information_asks(asked_topics(self.text, update.case), update.case)
                if t not in topics and (t not in ("grade", "stage") or has_inputs(update.case, t))]
        unnamed = self.unnamed_ask(update.case)
        if unnamed and unnamed not in topics + also:
            # "typical carcinoid 1.8cm N0 - lobectomy or sublobar?": an ask no keyword names, which the
            # statements that apply to the case clearly answer
            also.append(unnamed)
        if also:
            # "grade, stage and what next?": every question asked, computed results first; an added
            # information topic with nothing that applies to the case is left out, not shown as a gap
            ordered = [t for t in ("grade", "stage") if t in topics or t in also or t == uninvited]
            ordered += [t for t in topics + also if t not in ordered]
            # "how are NETs graded, and the prognosis?" with no values: the grading rules, not an empty grade
            ordered = [general_topic(t, update.case, self.text) if t in ("grade", "stage") and
                       not has_inputs(update.case, t) else t for t in ordered]
            self.answer(ordered, update.case, optional=set(ordered) - {"grade", "stage"})
            self.missing.pop(uninvited or "", None)  # the values to ask for are those of what was asked
            return self.result(self.ask_missing())
        if uninvited:
            self.answer(["grade", "stage"], update.case)
            self.missing.pop(uninvited, None)  # the values to ask for are those of what was asked
            self.state = self.state.model_copy(update={"last_topic": topic})  # a follow-up continues the ask
            return self.result(self.ask_missing())
        if topics == [topic] and topic in ("grade", "stage") and not has_inputs(update.case, topic):
            # "how are NETs graded?" with no values: the rules themselves, then the first value they need;
            # unless the words clearly ask about something else ("ckd stage 4, CgA raised - meaning?")
            general = general_topic(topic, update.case, self.text)
            other = self.information_asks([general], update.case)[0]
            if other != general:
                self.answer([other], update.case)
                return self.result()
            self.answer([general], update.case)
            order = ask_order(topic, update.case)
            self.missing[general] = list(order)
            self.state = self.state.model_copy(update={"last_topic": general})
            return self.result(self.ask_missing(order=order))
        # values given with an information question are graded and staged uninvited only when that decides
        # something: a stage with no group (only a T under an assumption) is left to a stage question
        computed = [t for t in ("grade", "stage")
                    if topic not in ("grade", "stage", "workup") and has_inputs(update.case, t)
                    and not self.abstains(t, update.case)
                    and (t != "stage" or result_codes(update.case).get("stage_group") is not None)]
        if computed and self.abstains(topic, update.case):
            # "gastric NET 8mm ki67 1%, EMR or surveillance?": the reviewed statements do not cover the
            # question, but the values given are graded and staged; the gap is still said, last
            topics = computed + topics
        self.answer(topics, update.case)
        return self.result(self.ask_missing())

    def abstains(self, topic: str, case: Case) -> bool:
        key = (topic, False, case.model_dump_json())
        if key not in self.prerendered:
            self.prerendered[key] = render_answer(topic, case, self.state.audience, self.channel, question=self.text)
        return bool(self.prerendered[key]["abstained"])

    def give_values(self, reply: List[Dict[str, Any]], said_unknown: bool) -> TurnResult:
        previous = self.state.case
        update = self.merged(reply)
        unknown = list(self.state.unknown_fields)
        if said_unknown and self.state.pending and self.state.pending not in unknown:
            unknown.append(self.state.pending)
            self.say(NOT_KNOWN_NOTE.format(label=field_label(self.state.pending)))
        # a value now given is no longer "not known"
        unknown = [f for f in unknown if f not in update.changed]
        self.state = self.state.model_copy(update={"case": update.case, "unknown_fields": unknown})
        self.report_update(update, previous)

        topics = affected_topics(update.changed, self.state.last_topic)
        if topics == ["workup"] and lab_question_topic(self.text):
            topics = [lab_question_topic(self.text)]  # "VIPoma ... what level is diagnostic?" asks for the lab
        if not topics and said_unknown and self.state.last_topic:
            topics = [self.state.last_topic]
        asked = [] if topics else [t for t in asked_topics(self.text, update.case)
                                   if t not in ("grade", "stage") or has_inputs(update.case, t)]
        if asked:
            # values with a question the classifier did not name ("NSE high in pt with NEC - meaningful?")
            self.answer(asked, update.case, optional=set(asked) - {"grade", "stage"})
            return self.result(self.ask_missing())
        from bot.ranking import ROUTE_SCORE, STRONG_SCORE

        best = best_ranked(self.ask_text(), update.case) if QUESTION_FORM.search(self.text) else None
        ranked = best[0] if best and best[1] >= ROUTE_SCORE else None
        if ranked and not topics:
            # "type 1 gastric net pathophysiology?": a site named with a question the statements answer
            self.answer([ranked], update.case)
            return self.result(self.ask_missing())
        if ranked and ranked not in topics and best[1] >= STRONG_SCORE:
            # "8 mm gastric NET, pernicious anaemia - resect or watch?": the values are graded and staged, and
            # the question the words clearly ask is answered after them
            self.answer(topics + [ranked], update.case, optional={ranked})
            return self.result(self.ask_missing())
        if not topics:
            if update.changed:
                self.say(NOTED.format(changes=describe_changes(previous, update.case, update.changed)) +
                         " What would you like to know?", WHAT_NEXT_BUTTONS)
            elif not update.problems:
                self.say(CLARIFY, CLARIFY_BUTTONS)
            return self.result()
        self.answer(topics, update.case)
        return self.result(self.ask_missing())

    def what_if(self) -> TurnResult:
        update = self.merged()
        for text in update.problems + update.notes:
            self.say(text)
        if not update.changed:
            if not update.problems:
                self.say(WHAT_IF_NEEDS_A_VALUE)
            return self.result()
        topics = affected_topics(update.changed, self.state.last_topic) or [self.state.last_topic or "grade"]
        changes = describe_changes(self.state.case, update.case, update.changed, was="recorded")
        self.say(WHAT_IF_LEAD.format(changes=changes))
        self.say_result_changes(self.state.case, update.case)
        # answered on the copy; state.case, last_topic and pending stay as they were before the what-if
        last_topic = self.state.last_topic
        self.answer(topics, update.case, what_if=True)
        self.state = self.state.model_copy(update={"last_topic": last_topic})
        return self.result()

    def explain(self) -> TurnResult:
        topic = self.state.last_topic
        if not topic:
            self.say(NOTHING_TO_EXPLAIN, CLARIFY_BUTTONS)
            return self.result()
        if topic in COMPUTED_TOPICS:
            self.answer([topic], self.state.case, explain=True)
        else:
            # an information answer: the reasons are its statements, shown without the chat cap
            self.answer([topic], self.state.case, uncapped=True)
        return self.result()

    # --- answering ---

    def answer(self, topics: List[str], case: Case, what_if: bool = False, explain: bool = False,
               uncapped: bool = False, optional: Iterable[str] = ()) -> None:
        answered = []
        for topic in topics:
            rendered = self.prerendered.pop((topic, uncapped, case.model_dump_json()), None) or render_answer(
                topic, case, self.state.audience, self.channel, uncapped=uncapped, question=self.text)
            if topic in optional and rendered["abstained"] and not rendered["not_covered"] \
                    and (answered or topic != topics[-1]):
                continue
            answered.append(topic)
            if explain and rendered["rule_ids"]:
                self.say("Why: the rules applied, in order: " + " → ".join(rendered["rule_ids"]) + ".")
            message = rendered["message"]
            message.custom = dict(message.custom or {}, what_if=what_if)
            self.messages.append(message)
            self.statement_ids.extend(s for s in rendered["statement_ids"] if s not in self.statement_ids)
            self.rule_ids.extend(r for r in rendered["rule_ids"] if r not in self.rule_ids)
            self.topics.append(topic)
            self.missing[topic] = rendered["missing"]
        if answered:
            self.state = self.state.model_copy(update={"last_topic": answered[-1]})

    def ask_missing(self, order: Optional[Sequence[str]] = None) -> Optional[str]:
        """Ask for the one most useful missing value of the answers just given; returns the field asked."""
        if order is not None:
            field = next(
                (f for f in order if f not in self.state.unknown_fields and getattr(self.state.case, f, None) is None), None
            )
        else:
            field = most_useful_missing(self.missing, self.state.unknown_fields, self.state.case)
        if field is None:
            return None
        from bot.answer_tables import need_question

        site = self.state.case.site.value if self.state.case.site else None
        question = need_question(field, site)
        tail = "" if field == "site" else ASK_TAIL
        buttons = list(invasion_buttons(site) if field == "invasion" else VALUE_BUTTONS.get(field, [NOT_KNOWN_BUTTON]))
        # the widget and socketio show buttons on the last message only: repeat the answer's
        # first follow-up questions here so they are not lost behind the value question
        answer_follow_ups = next((m.buttons for m in reversed(self.messages) if m.buttons), [])
        buttons += [b for b in answer_follow_ups if b not in buttons][:2]
        self.say(ASK_LEAD.format(question=question) + tail, buttons)
        self.messages[-1].custom = {"asks": field}
        return field


# --------------------------------------------------------------------------------------------
# Small pure helpers (tested on their own)
# --------------------------------------------------------------------------------------------


def wants_grade_and_stage(text: str) -> bool:
    lowered = text.lower()
    return bool(re.search(r"\bgrad", lowered)) and bool(re.search(r"\bstag|\btnm\b", lowered))


def has_inputs(case: Case, topic: str) -> bool:
    """Whether the case holds any value the computation reads beyond the site and differentiation."""
    return any(getattr(case, f, None) not in (None, []) for f in INPUTS[topic] - SHARED_INPUTS - {"mitoses_unit"})


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


def case_context(case: Optional[Case]) -> Optional["CaseContext"]:
    """What a statement's applies_to is matched against, for a case with anything in it (else None)."""
    from bot.knowledge import CaseContext

    return CaseContext.from_case(case) if case is not None and case != Case() else None


def best_ranked(text: str, case: Optional[Case] = None) -> Optional[Tuple[str, float]]:
    """(topic, score) of the best-ranked statement for the words, among those that apply to `case`."""
    if not text:
        return None
    from bot.ranking import rank_statements, statement_index

    ranked = rank_statements(text, limit=1, context=case_context(case))
    return (statement_index().topics[ranked[0][0]][0], ranked[0][1]) if ranked else None


def ranked_topic(text: str, min_score: Optional[float] = None, case: Optional[Case] = None) -> Optional[str]:
    """The topic of the best-ranked statement (among those that apply to `case`) when it clearly answers the
    words (bot/ranking.py; at least `min_score`, by default ranking.ROUTE_SCORE), else None."""
    from bot.ranking import ROUTE_SCORE

    best = best_ranked(text, case)
    return best[0] if best and best[1] >= (ROUTE_SCORE if min_score is None else min_score) else None


def general_topic(topic: str, case: Case, text: str) -> str:
    """The knowledge topic that explains a computation's rules when there are no values to compute with."""
    from bot.models import Site

    if topic == "grade":
        return "grading_lung" if case.site in (Site.lung, Site.thymus) else "grading_gep"
    unknown_primary = case.site == Site.unknown or re.search(r"unknown primary|\bcup\b|no primary|occult", text.lower())
    return "staging_unknown_primary" if unknown_primary else "staging"


# the computed codes an update may change, by the engine that computes them
RESULT_CODES = (("grade", ("category",)), ("stage", ("t", "n", "m", "stage_group")))
RESULTS_CHANGED = "What changed in the results: {changes}."


def result_codes(case: Case) -> Dict[str, Optional[str]]:
    """The codes a case computes to (category, T, N, M, stage group), for showing what an update changed."""
    from bot.grading import grade
    from bot.staging import stage

    codes: Dict[str, Optional[str]] = {}
    for topic, fields in RESULT_CODES:
        if not has_inputs(case, topic):
            continue
        try:
            result = grade(case) if topic == "grade" else stage(case)
        except (ValueError, TypeError):  # an incomplete case the engine refuses: nothing to compare
            continue
        codes.update({field: getattr(result, field, None) for field in fields})
    return codes


def describe_result_changes(before: Dict[str, Optional[str]], after: Dict[str, Optional[str]]) -> str:
    """'NET G1 → NET G2, stage II → III': the computed codes that an update changed (codes only, no words)."""
    parts = []
    for field in (field for _, fields in RESULT_CODES for field in fields):
        old, new = before.get(field), after.get(field)
        if field in before and field in after and old != new:
            prefix = "stage " if field == "stage_group" else ""  # grade and T/N/M codes name themselves
            parts.append(f"{prefix}{old or 'not assigned'} → {new or 'not assigned'}")
    return ", ".join(parts)


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


def most_useful_missing(missing: Dict[str, List[str]], unknown: Sequence[str], case: Optional[Case] = None) -> Optional[str]:
    """The first missing value, in the ask order of each computation answered, not declared unknown."""
    for topic, fields in missing.items():
        for field in ask_order(topic, case):
            if field in fields and field not in unknown:
                return field
    return None


def describe_changes(
    before: Case, after: Case, changed: Iterable[str], only_corrections: bool = False, was: str = "was"
) -> str:
    """'Ki-67 25% (was 8%), bone metastases' — the values that changed, in words."""
    parts: List[str] = []
    for field in dict.fromkeys(changed):
        if field == "mitoses_unit":
            continue
        old, new = getattr(before, field, None), getattr(after, field, None)
        if old == new:
            continue
        is_correction = old not in (None, [])
        if only_corrections and not is_correction:
            continue
        text = f"{field_label(field)} {describe_value(field, after)}"
        if is_correction:
            text += f" ({was}: {describe_value(field, before)})"
        parts.append(text)
    return ", ".join(parts)


def render_answer(topic: str, case: Case, audience: str, channel: str, uncapped: bool = False,
                  question: str = "") -> Dict[str, Any]:
    """Compose the cited answer for a topic and render it for the channel (`question`: the user's words,
    which pick the statements that answer them first)."""
    from bot.answer import compose_answer  # imported here: the knowledge base loads once, on first use
    from bot.render import render_for_channel

    caps: Dict[str, Any] = {"max_guideline": None, "max_research": None} if uncapped else {}
    answer = compose_answer(topic, case=case, audience=audience, question=question, **caps)
    text, buttons = render_for_channel(answer, channel)
    custom: Dict[str, Any] = {"topic": topic}
    if answer.computed:
        custom["computed"] = answer.computed.result
        custom["provisional"] = answer.computed.provisional
    return {
        "message": Message(text=text, buttons=buttons, custom=custom),
        "statement_ids": answer.statement_ids(),
        "rule_ids": answer.rule_ids(),
        "missing": [need.field for need in answer.needs],
        "abstained": answer.abstain_reason is not None,
        # the question asked is one the reviewed statements do not answer: said, never left out
        "not_covered": answer.abstain_reason is not None and answer.abstain_reason.kind.value == "not_covered",
    }
